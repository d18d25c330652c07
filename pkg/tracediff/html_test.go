package tracediff

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestTimes: calls keep when they entered and how long they took, in
// ns, from every log that shows it; logs that do not show none.
func TestTimes(t *testing.T) {
	for _, c := range []struct {
		name, log string
		at, dur   []int64 // per call
		tids      []int
	}{
		{"strace -tt -T", "20:42:43.517078 brk(NULL) = 0x55 <0.000169>\n20:42:43.517356 close(3) = 0 <0.000007>\n",
			[]int64{(20*3600+42*60+43)*1e9 + 517078000, (20*3600+42*60+43)*1e9 + 517356000}, []int64{169000, 7000}, []int{0, 0}},
		{"strace -f -ttt, unfinished and resumed", "7 1700000000.000001 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>\n" +
			"8 1700000000.500000 close(3) = 0\n7 1700000001.000001 <... futex resumed>) = 0 <1.000000>\n",
			[]int64{1700000000000001000, 1700000000500000000}, []int64{1e9, 0}, []int{7, 8}},
		{"strace -tt across midnight", "23:59:59.900000 close(3) = 0\n00:00:00.100000 close(4) = 0\n",
			[]int64{(23*3600+59*60+59)*1e9 + 9e8, 24*3600*1e9 + 1e8}, []int64{0, 0}, []int{0, 0}},
		{"jsonl", `{"t":5,"pid":1,"tid":2,"dur":7,"name":"close","args":[3],"text":"3","ret":0}` + "\n" +
			`{"t":9,"pid":1,"tid":1,"name":"close","args":[4],"text":"4","ret":0}` + "\n",
			[]int64{5, 9}, []int64{7, 0}, []int{2, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := Parse([]byte(c.log))
			if err != nil {
				t.Fatal(err)
			}
			if !tr.Timed() {
				t.Fatalf("not timed")
			}
			var i int
			for _, e := range tr.Events {
				if e.Kind != EvCall {
					continue
				}
				if i >= len(c.at) || e.At != c.at[i] || e.Dur != c.dur[i] || e.TID != c.tids[i] || !e.HasTime {
					t.Errorf("call %d (%s): at %d dur %d tid %d", i, tr.LineOf(&e), e.At, e.Dur, e.TID)
				}
				i++
			}
			if i != len(c.at) {
				t.Errorf("%d calls, want %d", i, len(c.at))
			}
		})
	}
	if tr := parseRef(t, "redis-native-amd64.strace"); tr.Timed() {
		t.Errorf("strace without -t is timed")
	}
}

// TestJSONLBadLine: a line that is no JSON object is an error naming
// its line; blank lines are not.
func TestJSONLBadLine(t *testing.T) {
	good := `{"t":5,"pid":1,"tid":1,"name":"close","args":[3],"text":"3","ret":0}` + "\n"
	if _, err := Parse([]byte(good + "\n" + good)); err != nil {
		t.Errorf("blank line: %v", err)
	}
	_, err := Parse([]byte(good + good[:30] + "\n" + good))
	if err == nil || !strings.Contains(err.Error(), "line 2:") {
		t.Errorf("truncated line: %v", err)
	}
}

func render(t *testing.T, in HTMLInput) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHTMLMarksAndEscapes: missing, extra and differing calls carry a
// class and a word; bytes from the log are escaped; matching phases are
// folded and the others open.
func TestHTMLMarksAndEscapes(t *testing.T) {
	call := func(t, tid int, name, text, ret string) string {
		return fmt.Sprintf(`{"t":%d,"pid":1,"tid":%d,"dur":10,"name":%q,"args":[3],"text":%q,%s}`+"\n", t, tid, name, text, ret)
	}
	ref := call(1, 1, "openat", `"</title><script>x</script>"`, `"ret":3`) + call(2, 1, "fsync", "3", `"ret":0`) +
		call(3, 1, "close", "3", `"ret":0`)
	run := call(1, 1, "openat", `"</title><script>x</script>"`, `"ret":-2,"errno":"ENOENT"`) +
		call(2, 2, "getpid", "", `"ret":1`) + call(3, 1, "close", "3", `"ret":0`)
	rt, err := Parse([]byte(ref))
	if err != nil {
		t.Fatal(err)
	}
	ut, err := Parse([]byte(run))
	if err != nil {
		t.Fatal(err)
	}
	r := Compare(rt, ut, Options{})
	page := render(t, HTMLInput{Report: r, Ref: rt, Run: ut, RefName: "ref<1>.jsonl", RunName: "run.jsonl"})
	for _, want := range []string{
		`<tr class="miss" data-name="fsync"><td class="mono">fsync</td><td>files</td><td class="n">1</td><td class="n">0</td><td class="word">MISSING</td>`,
		`<tr class="extra" data-name="getpid"><td class="mono">getpid</td><td>threads</td><td class="n">0</td><td class="n">1</td><td class="word">extra</td>`,
		`<tr class="diff" data-name="open">`, `results: ref ok / run ENOENT`,
		`<details id="phase-0" class="miss" open>`,
		`ref&lt;1&gt;.jsonl`,
		`&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;`,
		`<g class="lane" data-tid="1">`, `<g class="lane" data-tid="2">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>x") {
		t.Errorf("log bytes not escaped")
	}
	if n := strings.Count(page, `<rect class="m `); n != 6 {
		t.Errorf("%d marks, want one per call (6)", n)
	}
	self := render(t, HTMLInput{Report: Compare(rt, rt, Options{}), Ref: rt, Run: rt, RefName: "a", RunName: "a"})
	if !strings.Contains(self, `<details id="phase-0" class="ok">`) || !strings.Contains(self, "trace-diff: <span class=\"verdict-match\">match") {
		t.Errorf("self-diff: phase not folded as a match")
	}
}

// TestHTMLLargeTrace: over maxMarks calls the timeline has per-pixel
// bins and no marks, repeated matching phases share one section, and
// the page stays small.
func TestHTMLLargeTrace(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"t":0,"pid":1,"tid":1,"dur":5,"name":"accept4","args":[5],"text":"5","ret":7}` + "\n")
	for i := 0; i < 3*maxMarks; i++ {
		at := int64(10 + i*100)
		fmt.Fprintf(&b, `{"t":%d,"pid":1,"tid":1,"dur":5,"name":"read","args":[7],"text":"","ret":14,"data":"*1\r\n$4\r\nPING\r\n"}`+"\n", at)
		fmt.Fprintf(&b, `{"t":%d,"pid":1,"tid":1,"dur":5,"name":"write","args":[7],"text":"","ret":7}`+"\n", at+30)
		fmt.Fprintf(&b, `{"t":%d,"pid":1,"tid":%d,"dur":5,"name":"epoll_wait","args":[5],"text":"","ret":1}`+"\n", at+60, 1+i%2)
	}
	tr, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, HTMLInput{Report: Compare(tr, tr, Options{}), Ref: tr, Run: tr, RefName: "a", RunName: "b"})
	if strings.Contains(page, `<rect class="m `) || strings.Count(page, `<g class="bin"`) < 2*plotWidth {
		t.Errorf("timeline not binned: %d bins", strings.Count(page, `<g class="bin"`))
	}
	if n := strings.Count(page, "<details"); n > 6 {
		t.Errorf("%d sections for 3 phases repeated", n)
	}
	if !strings.Contains(page, fmt.Sprintf("command:PING #2–#%d", 3*maxMarks)) {
		t.Errorf("repeated phases not named as a range")
	}
	if len(page) > 3<<20 {
		t.Errorf("page of %d bytes", len(page))
	}
	if m := regexp.MustCompile(`of \d+ phase boundaries drawn`).FindString(page); m == "" || strings.Count(page, `<a class="boundary"`) > 2*4 {
		t.Errorf("boundaries not thinned to one per phase: %d drawn", strings.Count(page, `<a class="boundary"`))
	}
}

func TestPhaseRanges(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"c:GET#2", "c:GET#3", "c:GET#4", "c:GET#7", "c:GET#9", "c:GET#10"}, "c:GET #2–#4, #7, #9–#10"},
		{[]string{"connect#5"}, "connect #5"},
		{nil, ""},
	} {
		if got := phaseRanges(c.in); got != c.want {
			t.Errorf("phaseRanges(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestTimelinesShareOneScale: REF's timeline comes above RUN's, each
// starts at its own first call, and one nanosecond is as wide in both:
// a trace half as long fills half the axis.
func TestTimelinesShareOneScale(t *testing.T) {
	trace := func(origin, step int64) *Trace {
		var b strings.Builder
		for i := int64(0); i <= 10; i++ {
			fmt.Fprintf(&b, `{"t":%d,"pid":1,"tid":1,"dur":0,"name":"getpid","args":[],"text":"","ret":1}`+"\n", origin+i*step)
		}
		tr, err := Parse([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	ref, run := trace(5000, 100), trace(123456789, 50) // spans 1000 and 500 ns
	page := render(t, HTMLInput{Report: Compare(ref, run, Options{}), Ref: ref, Run: run, RefName: "a", RunName: "b"})
	r, u := strings.Index(page, `data-side="REF"`), strings.Index(page, `data-side="RUN"`)
	if r < 0 || u < r {
		t.Fatalf("REF timeline at %d, RUN at %d", r, u)
	}
	xs := func(svg string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<rect class="m k-threads" x="([0-9.]+)"`).FindAllStringSubmatch(svg, -1) {
			out = append(out, m[1])
		}
		return out
	}
	refX, runX := xs(page[r:u]), xs(page[u:])
	left, right := fmt.Sprint(laneLabelW)+".0", fmt.Sprint(laneLabelW+plotWidth)+".0"
	half := fmt.Sprint(laneLabelW+plotWidth/2) + ".0"
	if len(refX) != 11 || len(runX) != 11 || refX[0] != left || runX[0] != left || refX[10] != right || runX[10] != half {
		t.Errorf("REF marks at %v, RUN marks at %v; want both from %s, REF to %s, RUN to %s", refX, runX, left, right, half)
	}
}
