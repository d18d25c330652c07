package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumDOM renders the page at path in headless Chromium (Debian's
// chromium, which make deps installs) with scripts on, and returns the
// DOM after its scripts ran. It fails the test when the page reports a
// script error, either through the marker the page's own error handler
// writes (id="script-errors") or on Chromium's console log, or when the
// page's script did not run to its end (it sets data-script="ok").
func chromiumDOM(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed (make deps installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	abs, _ := filepath.Abs(path)
	// --no-sandbox: the tests run as root, where Chromium's sandbox
	// refuses to start. The page is our own file and fetches nothing.
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir="+t.TempDir(),
		"--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+abs)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	dom := string(out)
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			t.Errorf("the page logged: %s", l)
		}
	}
	if strings.Contains(dom, `id="script-errors"`) {
		i := strings.Index(dom, `id="script-errors"`)
		t.Errorf("the page's script failed: %.300s", dom[i:])
	}
	if !strings.Contains(dom[:min(len(dom), 300)], `data-script="ok"`) {
		t.Errorf("the page's script did not run to its end: %.300s", dom)
	}
	return dom
}

// lanes are the thread ids of the lanes of the timeline of side (REF or
// RUN) in a rendered page.
func lanes(t *testing.T, dom, side string) []string {
	t.Helper()
	i := strings.Index(dom, `data-side="`+side+`"`)
	if i < 0 {
		t.Fatalf("no %s timeline in the page", side)
	}
	svg := dom[i:]
	svg = svg[:strings.Index(svg, "</svg>")]
	var tids []string
	for _, m := range regexp.MustCompile(`class="lane" data-tid="(\d+)"`).FindAllStringSubmatch(svg, -1) {
		tids = append(tids, m[1])
	}
	return tids
}

// threadsOf are the thread ids that made calls in a jsonl trace, in
// order of their first call.
func threadsOf(t *testing.T, path string) []string {
	var tids []string
	seen := map[string]bool{}
	for _, l := range readJSONL(t, path) {
		if l["name"] == nil {
			continue
		}
		tid := fmt.Sprint(l["tid"])
		if !seen[tid] {
			seen[tid] = true
			tids = append(tids, tid)
		}
	}
	return tids
}

// TestTraceDiffHTMLShowsTheSeedSessionInABrowser: the html report of
// the seed session under the sentry against the native reference log,
// rendered by headless Chromium, shows every phase and every missing
// call the json report names, one timeline lane per thread of the run,
// and logs no script error. The report must also fetch nothing: it
// names no URL outside itself.
func TestTraceDiffHTMLShowsTheSeedSessionInABrowser(t *testing.T) {
	trace := runSeedSession(t, "", "/usr/bin/redis-server")
	ref := filepath.Join(refDir, "redis-native-amd64.strace")
	// The same run without its fsync (SAVE's) makes a report with a
	// missing call to show.
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(l, `"name":"fsync"`) {
			kept = append(kept, l)
		}
	}
	lacking := filepath.Join(t.TempDir(), "lacking.jsonl")
	os.WriteFile(lacking, []byte(strings.Join(kept, "")), 0o644)

	for _, run := range []string{trace, lacking} {
		js := sentry(t, "trace-diff", "--format", "json", "--ref", ref, run)
		var rep struct {
			Phases []struct {
				Name    string
				Missing []string
			}
			Verdict string
		}
		if err := json.Unmarshal([]byte(js.stdout), &rep); err != nil {
			t.Fatalf("json: %v\n%s", err, js.stderr)
		}
		h := sentry(t, "trace-diff", "--format", "html", "--ref", ref, run)
		if h.status != js.status || h.stderr != "" {
			t.Errorf("html: status %d (json: %d), stderr %q", h.status, js.status, h.stderr)
		}
		if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//|url\(|@import`).FindString(h.stdout); m != "" {
			t.Errorf("the page refers outside itself: %q", m)
		}
		page := filepath.Join(t.TempDir(), "report.html")
		os.WriteFile(page, []byte(h.stdout), 0o644)
		dom := chromiumDOM(t, page)
		text := html.UnescapeString(dom)
		if !strings.Contains(text, "trace-diff: "+rep.Verdict) {
			t.Errorf("verdict %q not shown", rep.Verdict)
		}
		missing := 0
		for _, p := range rep.Phases {
			if !strings.Contains(text, `<span class="phase-name">`+p.Name+`</span>`) {
				t.Errorf("phase %s has no heading in the rendered page", p.Name)
			}
			for _, n := range p.Missing {
				missing++
				// The row of a missing call says so in words.
				re := regexp.MustCompile(`<tr class="miss" data-name="` + regexp.QuoteMeta(n) + `"><td[^>]*>` + regexp.QuoteMeta(n) + `</td>.*MISSING`)
				if !re.MatchString(text) {
					t.Errorf("phase %s: missing %s not marked in the page", p.Name, n)
				}
			}
		}
		if run == lacking && missing == 0 {
			t.Errorf("the run lacking fsync has no missing call in the json report")
		}
		want := threadsOf(t, run)
		if got := lanes(t, dom, "RUN"); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("RUN lanes %v, want one per thread of the run %v", got, want)
		}
		if strings.Contains(dom, `data-side="REF"`) {
			t.Errorf("a REF timeline for a strace log without times")
		}
	}
}

// TestStraceOutputHTMLShowsOneTrace: `sentry run --strace-output x.html`
// writes the page of that one trace: its phases, a lane per thread (the
// program starts a second thread of its own), no REF column, and it
// renders with no script error.
func TestStraceOutputHTMLShowsOneTrace(t *testing.T) {
	bin := buildC(t, "threads")
	dir := t.TempDir()
	page, jsonl := filepath.Join(dir, "run.html"), filepath.Join(dir, "run.jsonl")
	r := sentry(t, "run", "--strace-output", page, bin)
	if r.status != 0 {
		t.Fatalf("run: status %d\n%s", r.status, r.stderr)
	}
	if r := sentry(t, "run", "--strace-format", "jsonl", "--strace-output", jsonl, bin); r.status != 0 {
		t.Fatalf("run: status %d\n%s", r.status, r.stderr)
	}
	dom := chromiumDOM(t, page)
	if !strings.Contains(dom, "<h1>Syscall trace of "+bin+"</h1>") || strings.Contains(dom, "<th>REF</th>") {
		t.Errorf("not a one-trace page:\n%.1500s", dom)
	}
	if !strings.Contains(dom, `<span class="phase-name">startup</span>`) {
		t.Errorf("no startup phase:\n%.1500s", dom)
	}
	// The page's run and the jsonl run are two runs of one program:
	// the same number of threads.
	got, want := lanes(t, dom, "RUN"), threadsOf(t, jsonl)
	if len(got) != len(want) || len(got) < 2 {
		t.Errorf("lanes %v; the same program traced as jsonl has threads %v", got, want)
	}
	if r := sentry(t, "run", "--strace-format", "strace", "--strace-output", filepath.Join(dir, "x.html"), bin); r.status != 125 ||
		!strings.Contains(r.stderr, "jsonl") {
		t.Errorf("--strace-format strace with .html: status %d, %q", r.status, r.stderr)
	}
}

// TestTraceDiffHTMLBadInput: the html format fails on bad input exactly
// as the text format does: same message, same status, nothing on stdout.
func TestTraceDiffHTMLBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(refDir, "sh-sentry-amd64.jsonl")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	// Cut the third line in half: what a full disk leaves.
	truncated := strings.Join(lines[:2], "") + lines[2][:len(lines[2])/2] + "\n" + strings.Join(lines[3:], "")
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	files := map[string][]byte{"empty": nil, "truncated.jsonl": []byte(truncated), "binary": binary}
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		text := sentry(t, "trace-diff", "--ref", good, p)
		page := sentry(t, "trace-diff", "--format", "html", "--ref", good, p)
		if text.status != 2 || strings.Count(text.stderr, "\n") != 1 {
			t.Errorf("%s: text: status %d, stderr %q", name, text.status, text.stderr)
		}
		if page.status != text.status || page.stderr != text.stderr || page.stdout != "" {
			t.Errorf("%s: html: status %d stderr %q stdout %.100q; text: status %d stderr %q",
				name, page.status, page.stderr, page.stdout, text.status, text.stderr)
		}
	}
}
