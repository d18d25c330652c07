package tracediff

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Options tune a comparison.
type Options struct {
	// Session lists the client's commands in order, for logs that show
	// no bytes read (qemu's).
	Session []string
	// Ignore lists syscall names left out of every count (any spelling:
	// they are normalised).
	Ignore []string
	// StrictVDSO reports vDSO-servable calls missing like any other.
	StrictVDSO bool
}

// Side is one of the two traces compared.
type Side struct {
	Format   string `json:"format"`
	Syscalls int    `json:"syscalls"`
}

// PhaseDiff compares one phase. InRef/InRun say which traces have it.
type PhaseDiff struct {
	Name      string         `json:"name"`
	RefCounts map[string]int `json:"ref_counts"`
	RunCounts map[string]int `json:"run_counts"`
	Missing   []string       `json:"missing"`
	Extra     []string       `json:"extra"`

	InRef, InRun bool `json:"-"`
	// Errnos holds, per name present in both, the outcomes ("ok" or an
	// errno) when the two sets differ.
	Errnos map[string][2][]string `json:"-"`
}

// Report is a comparison's result.
type Report struct {
	Ref     Side        `json:"ref"`
	Run     Side        `json:"run"`
	Phases  []PhaseDiff `json:"phases"`
	Verdict string      `json:"verdict"`
}

// Verdicts.
const (
	Match  = "match"
	Differ = "differ"
)

// Compare aligns the phases of ref and run by name and compares their
// calls. The verdict is Match when every phase of ref is in run with no
// call missing (a phase run lacks has all its calls missing); calls run makes and ref does not (extra) and errno
// differences are reported but do not make a difference on their own,
// because a reference is a floor, not a script.
func Compare(ref, run *Trace, o Options) *Report {
	ignore := map[string]bool{}
	for _, n := range o.Ignore {
		ignore[Normalize(strings.TrimSpace(n))] = true
	}
	r := &Report{
		Ref:     Side{Format: ref.Format, Syscalls: ref.Syscalls()},
		Run:     Side{Format: run.Format, Syscalls: run.Syscalls()},
		Verdict: Match,
	}
	refPh, runPh := Split(ref, o.Session), Split(run, o.Session)
	byName := map[string]*Phase{}
	for i := range runPh {
		byName[runPh[i].Name] = &runPh[i]
	}
	add := func(name string, a, b *Phase) {
		d := PhaseDiff{Name: name, InRef: a != nil, InRun: b != nil,
			RefCounts: counts(a, ignore), RunCounts: counts(b, ignore), Missing: []string{}, Extra: []string{}}
		for _, n := range sortedKeys(d.RefCounts) {
			if d.RunCounts[n] == 0 && (o.StrictVDSO || !IsVDSO(n)) {
				d.Missing = append(d.Missing, n)
			}
		}
		for _, n := range sortedKeys(d.RunCounts) {
			if d.RefCounts[n] == 0 {
				d.Extra = append(d.Extra, n)
			}
		}
		ro, uo := outcomes(a), outcomes(b)
		for n := range d.RefCounts {
			if d.RunCounts[n] == 0 {
				continue
			}
			x, y := ro[n], uo[n]
			// A log that shows no results for a name (qemu's glued
			// lines, maturin's entries without one) says nothing.
			if len(x) == 0 || len(y) == 0 {
				continue
			}
			if strings.Join(x, ",") != strings.Join(y, ",") {
				if d.Errnos == nil {
					d.Errnos = map[string][2][]string{}
				}
				d.Errnos[n] = [2][]string{x, y}
			}
		}
		// A phase run lacks is a difference through its calls: one
		// holding only excused calls (vDSO, ignored) makes none.
		if len(d.Missing) > 0 {
			r.Verdict = Differ
		}
		r.Phases = append(r.Phases, d)
	}
	inRef := map[string]bool{}
	for i := range refPh {
		inRef[refPh[i].Name] = true
		add(refPh[i].Name, &refPh[i], byName[refPh[i].Name])
	}
	for i := range runPh {
		if !inRef[runPh[i].Name] {
			add(runPh[i].Name, nil, &runPh[i])
		}
	}
	return r
}

func counts(p *Phase, ignore map[string]bool) map[string]int {
	m := map[string]int{}
	if p == nil {
		return m
	}
	for _, e := range p.Calls {
		if !ignore[e.Name] {
			m[e.Name]++
		}
	}
	return m
}

// outcomes are, per name, the sorted set of results shown: "ok" or an
// errno name. Calls whose result the log does not show add nothing.
func outcomes(p *Phase) map[string][]string {
	m := map[string][]string{}
	if p == nil {
		return m
	}
	set := map[string]map[string]bool{}
	for _, e := range p.Calls {
		if !e.HasRet {
			continue
		}
		o := "ok"
		if e.Errno != "" {
			o = e.Errno
		}
		if set[e.Name] == nil {
			set[e.Name] = map[string]bool{}
		}
		set[e.Name][o] = true
	}
	for n, s := range set {
		m[n] = sortedKeys(s)
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes, per phase, the syscalls side by side with their
// counts in ref and run, marking missing and extra calls and errno
// differences, then the verdict.
func (r *Report) WriteText(w io.Writer, refName, runName string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ref: %s (%s, %d syscalls)\n", refName, r.Ref.Format, r.Ref.Syscalls)
	fmt.Fprintf(&b, "run: %s (%s, %d syscalls)\n", runName, r.Run.Format, r.Run.Syscalls)
	var differing []string
	for _, p := range r.Phases {
		b.WriteByte('\n')
		switch {
		case !p.InRun:
			fmt.Fprintf(&b, "phase %s: not in run\n", p.Name)
		case !p.InRef:
			fmt.Fprintf(&b, "phase %s: not in ref\n", p.Name)
		default:
			fmt.Fprintf(&b, "phase %s\n", p.Name)
		}
		fmt.Fprintf(&b, "  %-24s %6s %6s\n", "syscall", "ref", "run")
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
			mark := ""
			switch {
			case missing[n]:
				mark = "MISSING"
			case p.RefCounts[n] == 0:
				mark = "extra"
			case p.Errnos[n][0] != nil || p.Errnos[n][1] != nil:
				e := p.Errnos[n]
				mark = "results: ref " + strings.Join(e[0], ",") + " / run " + strings.Join(e[1], ",")
			}
			fmt.Fprintf(&b, "  %-24s %6d %6d   %s\n", n, p.RefCounts[n], p.RunCounts[n], mark)
		}
		if len(p.Missing) > 0 {
			differing = append(differing, p.Name)
		}
	}
	b.WriteByte('\n')
	if r.Verdict == Match {
		b.WriteString("verdict: match (every ref phase is in run with no call missing)\n")
	} else {
		fmt.Fprintf(&b, "verdict: differ (missing calls or phases in: %s)\n", strings.Join(differing, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
