package tracediff

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed report.html.tmpl
var reportTmpl string

var reportTemplate = template.Must(template.New("report").
	Funcs(template.FuncMap{"plus": func(a, b int) int { return a + b }}).Parse(reportTmpl))

// HTMLInput is what WriteHTML shows: a comparison (Report, Ref and Run
// with their file names), or one trace alone (Report from Summarize, Ref
// nil).
type HTMLInput struct {
	Report           *Report
	Ref, Run         *Trace
	RefName, RunName string
	// Session is the one given to Compare or Summarize (phases are
	// split again to place their boundaries on the timeline).
	Session []string
}

// Summarize is the report of one trace with no reference: its phases
// and their call counts, all in RUN.
func Summarize(run *Trace, o Options) *Report {
	ignore := map[string]bool{}
	for _, n := range o.Ignore {
		ignore[Normalize(strings.TrimSpace(n))] = true
	}
	r := &Report{Run: Side{Format: run.Format, Syscalls: run.Syscalls()}}
	for _, p := range Split(run, o.Session) {
		p := p
		r.Phases = append(r.Phases, PhaseDiff{Name: p.Name, InRun: true, RefCounts: map[string]int{},
			RunCounts: counts(&p, ignore), Missing: []string{}, Extra: []string{}})
	}
	return r
}

// WriteHTMLTrace writes the page of one trace (data, a log in any format
// Parse reads, shown as name) with no reference: what `sentry run
// --strace-output FILE.html` writes.
func WriteHTMLTrace(w io.Writer, data []byte, name string) error {
	t, err := Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return WriteHTML(w, HTMLInput{Report: Summarize(t, Options{}), Run: t, RunName: name})
}

// The page's view model. Everything the template prints is computed
// here; the template only lays it out (and html/template escapes it:
// syscall lines hold arbitrary bytes).
type (
	htmlPage struct {
		Single      bool
		Verdict     string
		Ref, Run    htmlFile
		Sections    []*htmlSection
		Timelines   []*timeline
		NoTimeline  string // why there is none
		Kinds       []string
		MaxMarks    int
		DifferCount int
	}
	htmlFile struct {
		Name, Format string
		Syscalls     int
		Timed        bool
	}
	htmlSection struct {
		ID, Title string
		// Phases are the phases shown here: one, or the later
		// occurrences of a phase that all match, summed; PhaseList
		// names the latter compactly ("command:GET #2–#9, #11").
		Phases                    []string
		PhaseList                 string
		Status                    string // a word: "differs", "matches", ...
		Class                     string
		Open                      bool
		Missing, Extra, Differing int
		Rows                      []htmlRow
	}
	htmlRow struct {
		Name     string
		Kind     string
		Ref, Run int
		Mark     string // "MISSING", "extra", "differs", "vDSO", ""
		Class    string
		Note     string
	}
)

var recurrence = regexp.MustCompile(`#\d+$`)

// WriteHTML writes the report as one self-contained HTML page (see
// report.html.tmpl): a summary, one section per phase with REF and RUN
// side by side, and a timeline of each trace that shows times.
func WriteHTML(w io.Writer, in HTMLInput) error {
	r := in.Report
	pg := &htmlPage{Single: in.Ref == nil, Verdict: r.Verdict, MaxMarks: maxMarks}
	for k := 0; k < numKinds; k++ {
		pg.Kinds = append(pg.Kinds, kindName(k))
	}
	if in.Ref != nil {
		pg.Ref = htmlFile{Name: in.RefName, Format: r.Ref.Format, Syscalls: r.Ref.Syscalls, Timed: in.Ref.Timed()}
	}
	pg.Run = htmlFile{Name: in.RunName, Format: r.Run.Format, Syscalls: r.Run.Syscalls, Timed: in.Run.Timed()}

	sectionOf := map[string]string{} // phase name -> section ID
	merged := map[string]*htmlSection{}
	seen := map[string]bool{}
	for i := range r.Phases {
		p := &r.Phases[i]
		family := recurrence.ReplaceAllString(p.Name, "")
		clean := len(p.Missing) == 0 && len(p.Extra) == 0 && len(p.Errnos) == 0 && (pg.Single || p.InRef && p.InRun)
		// Later occurrences of a phase that match are summed into one
		// section, so that a benchmark's 100,000 commands make one
		// table, not 100,000; any occurrence that differs keeps its own.
		if clean && seen[family] {
			s := merged[family]
			if s == nil {
				s = &htmlSection{ID: "phase-" + strconv.Itoa(i), Status: "matches", Class: "ok"}
				if pg.Single {
					s.Status = ""
				}
				merged[family] = s
				pg.Sections = append(pg.Sections, s)
			}
			s.Phases = append(s.Phases, p.Name)
			s.Rows = addRows(s.Rows, p)
			sectionOf[p.Name] = s.ID
			continue
		}
		seen[family] = true
		s := &htmlSection{ID: "phase-" + strconv.Itoa(i), Title: p.Name, Phases: []string{p.Name},
			Missing: len(p.Missing), Extra: len(p.Extra), Differing: len(p.Errnos)}
		switch {
		case pg.Single:
		case !p.InRun:
			s.Status, s.Class = "not in run", "miss"
		case !p.InRef:
			s.Status, s.Class = "not in ref", "extra"
		case s.Missing > 0:
			s.Status, s.Class = "differs", "miss"
		case s.Extra > 0 || s.Differing > 0:
			s.Status, s.Class = "differs (only extra calls or results)", "diff"
		default:
			s.Status, s.Class = "matches", "ok"
		}
		s.Open = !clean
		if !clean {
			pg.DifferCount++
		}
		s.Rows = addRows(nil, p)
		sectionOf[p.Name] = s.ID
		pg.Sections = append(pg.Sections, s)
	}
	for _, s := range pg.Sections {
		if s.Title == "" {
			s.Title = s.Phases[0]
			if len(s.Phases) > 1 {
				s.Title = fmt.Sprintf("%s … %s (%d more occurrences that match, summed)",
					s.Phases[0], s.Phases[len(s.Phases)-1], len(s.Phases))
			}
			s.PhaseList = phaseRanges(s.Phases)
		}
		markRows(s, pg.Single)
	}

	pg.Timelines, pg.NoTimeline = timelines(in, sectionOf)
	return reportTemplate.Execute(w, pg)
}

// addRows adds p's counts to rows, one row per name (markRows sorts
// them).
func addRows(rows []htmlRow, p *PhaseDiff) []htmlRow {
	idx := map[string]int{}
	for i, r := range rows {
		idx[r.Name] = i
	}
	names := map[string]bool{}
	for n := range p.RefCounts {
		names[n] = true
	}
	for n := range p.RunCounts {
		names[n] = true
	}
	missing := map[string]bool{}
	for _, n := range p.Missing {
		missing[n] = true
	}
	for _, n := range sortedKeys(names) {
		i, ok := idx[n]
		if !ok {
			rows = append(rows, htmlRow{Name: n, Kind: kindName(kindOfName(n))})
			i = len(rows) - 1
			idx[n] = i
		}
		rows[i].Ref += p.RefCounts[n]
		rows[i].Run += p.RunCounts[n]
		switch {
		case missing[n]:
			rows[i].Mark = "MISSING"
		case p.Errnos[n][0] != nil || p.Errnos[n][1] != nil:
			e := p.Errnos[n]
			rows[i].Mark = "differs"
			rows[i].Note = "results: ref " + strings.Join(e[0], ",") + " / run " + strings.Join(e[1], ",")
		}
	}
	return rows
}

// markRows sorts s's rows and sets the marks that follow from counts.
func markRows(s *htmlSection, single bool) {
	sortRows(s.Rows)
	for i := range s.Rows {
		r := &s.Rows[i]
		switch {
		case single:
		case r.Mark == "MISSING":
			r.Class = "miss"
		case r.Mark == "differs":
			r.Class = "diff"
		case r.Ref == 0 && r.Run > 0:
			r.Mark, r.Class = "extra", "extra"
		case r.Ref > 0 && r.Run == 0:
			// Not missing though absent: a call a vDSO serves.
			r.Mark, r.Note = "vDSO", "absent from run but not counted missing: the vDSO serves it (--strict-vdso counts it)"
		}
	}
}

func sortRows(rows []htmlRow) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
}

// phaseRanges names occurrences of one phase ("x#2", "x#3", "x#5") as
// "x #2–#3, #5": a benchmark's list would otherwise be megabytes.
func phaseRanges(names []string) string {
	if len(names) == 0 {
		return ""
	}
	num := func(n string) int {
		i := strings.LastIndexByte(n, '#')
		v, _ := strconv.Atoi(n[i+1:])
		return v
	}
	var b strings.Builder
	b.WriteString(recurrence.ReplaceAllString(names[0], ""))
	b.WriteByte(' ')
	for i := 0; i < len(names); {
		j := i
		for j+1 < len(names) && num(names[j+1]) == num(names[j])+1 {
			j++
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("#" + strconv.Itoa(num(names[i])))
		if j > i {
			b.WriteString("–#" + strconv.Itoa(num(names[j])))
		}
		i = j + 1
	}
	return b.String()
}
