package e2e

import (
	"strings"
	"testing"
)

// TestCPythonOutputParser checks the reading of unittest's -v output
// that TestCPythonRegressionTestsPassAsNatively relies on.
func TestCPythonOutputParser(t *testing.T) {
	out := `0:00:00 load avg: 0.52 [1/1] test_x
test_a (test.test_x.C.test_a) ... ok
test_b (test.test_x.C.test_b) ... some output
more output
FAIL
test_c (test.test_x.C.test_c)
The docstring. ... ERROR
test_d (test.test_x.C.test_d) ... skipped 'no such thing'
test_e (test.test_x.C.test_e) ... 
  test_e (test.test_x.C.test_e) (i=1) ... FAIL
test_f (test.test_x.D.test_f) ... expected failure
test_g (test.test_x.D.test_g) ... unexpected success
test_h (test.test_x.D.test_h) ... ok but not a verdict
ok
test_i (test.test_x.D.test_i) ... 
======================================================================
FAIL: test_b (test.test_x.C.test_b)
----------------------------------------------------------------------
Traceback (most recent call last):
AssertionError: b
======================================================================
FAIL: test_e (test.test_x.C.test_e) (i=1)
----------------------------------------------------------------------
AssertionError: e
----------------------------------------------------------------------
Ran 9 tests in 0.1s
`
	r := parsePyTest(out)
	want := map[string]outcome{
		"test_x.C.test_a": outOK, "test_x.C.test_b": outFail, "test_x.C.test_c": outFail,
		"test_x.C.test_d": outSkip, "test_x.C.test_e": outFail, "test_x.D.test_f": outOK,
		"test_x.D.test_g": outFail, "test_x.D.test_h": outOK, "test_x.D.test_i": outNone,
	}
	for id, w := range want {
		if got, ok := r.outcomes[id]; !ok || got != w {
			t.Errorf("%s: got %v (seen %v), want %v", id, got, ok, w)
		}
	}
	if len(r.outcomes) != len(want) {
		t.Errorf("got %d tests, want %d: %v", len(r.outcomes), len(want), r.outcomes)
	}
	if tb := r.tracebacks["test_x.C.test_b"]; tb == "" || !strings.Contains(tb, "AssertionError: b") || strings.Contains(tb, "test_e") {
		t.Errorf("test_b's traceback: %q", tb)
	}
	if tb := r.tracebacks["test_x.C.test_e"]; !strings.Contains(tb, "AssertionError: e") || strings.Contains(tb, "Ran 9") {
		t.Errorf("test_e's traceback: %q", tb)
	}
}
