package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
)

// This file reads what `python3.11 -m test -v MODULE` prints (unittest's
// TextTestRunner at verbosity 2) and the expectation lists of
// testdata/cpython/expectations.txt.

// outcome is one test's verdict as unittest printed it.
type outcome int

const (
	outNone outcome = iota // started, never finished (the run died)
	outOK                  // "ok" or "expected failure"
	outFail                // "FAIL", "ERROR" (of the test or of a subtest), "unexpected success"
	outSkip                // "skipped '...'"
)

// rank orders verdicts: a test keeps the worst it was given, and a
// skipped subtest does not hide the test's own "ok".
var rank = map[outcome]int{outNone: 0, outSkip: 1, outOK: 2, outFail: 3}

func (o outcome) String() string {
	return [...]string{"no verdict", "ok", "FAIL", "skipped"}[o]
}

// pyRun is one module's run: per test id (module.Class.test, without the
// "test." package prefix), its outcome, and the traceback unittest printed
// for it at the end.
type pyRun struct {
	outcomes   map[string]outcome
	tracebacks map[string]string
	order      []string
}

var (
	// "test_x (test.test_mod.Class.test_x) ... " opens a test; a subtest
	// adds " [msg] (k=v)" after the id and is indented by two spaces. With
	// a docstring the " ... " comes after the docstring's first line, on the
	// next line.
	pyStartRe = regexp.MustCompile(`^(  )?(\w+) \(([\w.]+)\)((?: \[.*\])?(?: \(.*\))?)$`)
	// The verdicts unittest writes; "skipped" has the reason's repr.
	pyStatusRe = regexp.MustCompile(`^(ok|FAIL|ERROR|expected failure|unexpected success|skipped (?:'.*'|".*"))$`)
	// A "FAIL: test_x (test.mod.Class.test_x)" header of a traceback block.
	pyErrHeadRe = regexp.MustCompile(`^(FAIL|ERROR|UNEXPECTED SUCCESS): (\w+) \(([\w.]+)\)`)
)

// testID drops regrtest's package prefix: "test.test_os.X.y" is "test_os.X.y".
func testID(dotted string) string {
	return strings.TrimPrefix(dotted, "test.")
}

func verdict(status string) outcome {
	switch {
	case status == "ok", status == "expected failure":
		return outOK
	case strings.HasPrefix(status, "skipped"):
		return outSkip
	default:
		return outFail
	}
}

// parsePyTest reads the merged stdout and stderr of one `-m test -v` run.
// Output a test prints between its " ... " and its verdict does not break
// the pairing: the verdict is the next line that is only a verdict. A test
// gets the worst verdict it was given (a failed subtest makes it FAIL even
// though unittest prints no further verdict for it).
func parsePyTest(out string) pyRun {
	r := pyRun{outcomes: map[string]outcome{}, tracebacks: map[string]string{}}
	lines := strings.Split(out, "\n")
	pending := "" // the test whose verdict has not been printed yet
	set := func(id string, o outcome) {
		old, seen := r.outcomes[id]
		if !seen {
			r.order = append(r.order, id)
		}
		if !seen || rank[o] > rank[old] {
			r.outcomes[id] = o
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		if strings.HasPrefix(line, "=====") {
			break // the traceback section follows the verdicts
		}
		head, rest, hasDots := strings.Cut(line, " ... ")
		if m := pyStartRe.FindStringSubmatch(head); m != nil && m[2] == lastDot(m[3]) {
			id, subtest := testID(m[3]), m[1] != "" || m[4] != ""
			if !hasDots && i+1 < len(lines) {
				// A docstring line ending in " ... [verdict]".
				next := strings.TrimRight(lines[i+1], "\r")
				if _, r, ok := strings.Cut(next, " ... "); ok {
					rest, hasDots = r, true
					i++
				}
			}
			if !hasDots {
				continue
			}
			if !subtest {
				set(id, outNone)
				pending = id
			}
			if pyStatusRe.MatchString(rest) {
				set(id, verdict(rest))
				if !subtest {
					pending = ""
				}
			}
			continue
		}
		if pending != "" && pyStatusRe.MatchString(line) {
			set(pending, verdict(line))
			pending = ""
		}
	}
	// Tracebacks: "=====\nFAIL: name (id)[ sub]\n-----\n...", up to the
	// next "=====" or the closing "-----" line before "Ran N tests".
	var cur string
	var buf strings.Builder
	flush := func() {
		if cur != "" {
			r.tracebacks[cur] += buf.String()
		}
		cur = ""
		buf.Reset()
	}
	for i, line := range lines {
		if strings.HasPrefix(line, "======") {
			flush()
			if i+1 < len(lines) {
				if m := pyErrHeadRe.FindStringSubmatch(lines[i+1]); m != nil {
					cur = testID(m[3])
				}
			}
			continue
		}
		if strings.HasPrefix(line, "Ran ") && i > 0 && strings.HasPrefix(lines[i-1], "------") {
			flush()
			continue
		}
		if cur != "" {
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
	}
	flush()
	return r
}

func lastDot(s string) string {
	return s[strings.LastIndex(s, ".")+1:]
}

// expectation is one line of testdata/cpython/expectations.txt.
type expectation struct {
	kind    string // "by-design" or "open"
	norun   bool   // KIND-norun: not run at all (regrtest's -i), natively either
	pattern string // path.Match pattern over test ids
	reason  string
	used    bool
}

// loadExpectations reads "KIND PATTERN REASON..." lines; '#' starts a
// comment. Every entry must give a reason.
func loadExpectations(file string) ([]*expectation, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*expectation
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		kind, norun := strings.CutSuffix(f[0], "-norun")
		if len(f) < 3 || (kind != "by-design" && kind != "open") {
			return nil, fmt.Errorf("%s:%d: want KIND(by-design|open)[-norun] PATTERN REASON, got %q", file, n, line)
		}
		if _, err := path.Match(f[1], ""); err != nil {
			return nil, fmt.Errorf("%s:%d: bad pattern %q: %v", file, n, f[1], err)
		}
		out = append(out, &expectation{kind: kind, norun: norun, pattern: f[1], reason: strings.Join(f[2:], " ")})
	}
	return out, sc.Err()
}

// match is the first expectation whose pattern matches id.
func match(exps []*expectation, id string) *expectation {
	for _, e := range exps {
		if ok, _ := path.Match(e.pattern, id); ok {
			return e
		}
	}
	return nil
}
