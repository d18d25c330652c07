package tracediff

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"sentry/pkg/arch"
)

// Timeline geometry, in SVG user units (CSS pixels at 100%).
const (
	plotWidth   = 1000 // the time axis
	laneLabelW  = 96   // left of the axis: the lane's thread
	laneHeight  = 14
	laneGap     = 4
	headHeight  = 36 // above the lanes: phase labels
	labelRows   = 3
	axisHeight  = 22 // below the lanes: the time axis
	maxMarks    = 10000
	maxBoundary = 300
	lineLimit   = 200 // bytes of a call's line shown on a mark
)

var numKinds = int(arch.NumKinds)

func kindName(k int) string { return arch.Kind(k).String() }

// familyKind gives the kind of a family name (Normalize's output) that
// is no Linux name itself ("sigaction", "wait"): the kind of the names
// folded into it.
var familyKind = func() map[string]arch.Kind {
	m := map[string]arch.Kind{}
	for raw, fam := range families {
		if k := arch.KindByName(raw); k != arch.KindOther && arch.KindByName(fam) == arch.KindOther {
			m[fam] = k
		}
	}
	return m
}()

// kindOfName is the kind of a normalised name.
func kindOfName(n string) int {
	if k := arch.KindByName(n); k != arch.KindOther {
		return int(k)
	}
	return int(familyKind[n])
}

type (
	timeline struct {
		Label, File     string
		Width, Height   int
		Binned          bool
		Calls           int
		Lanes           []*lane
		Boundaries      []boundary
		BoundaryNote    string
		Ticks           []tick
		AxisY, PlotLeft int
		PlotRight       int
		PlotWidth       int
	}
	lane struct {
		TID         int
		Label       string
		Y, TextY, H int
		Marks       []mark
		Bins        []bin
	}
	mark struct {
		X, W  string
		Kind  string
		Title string
	}
	bin struct {
		X     string
		Title string
		Parts []binPart
	}
	binPart struct {
		Y, H string
		Kind string
	}
	boundary struct {
		X, Name, Href string
		Label         string // "" when there is no room for it
		LabelY        int
	}
	tick struct {
		X     string
		Label string
	}
)

// timelines lays out one timeline per trace that shows times, REF
// above RUN, on one scale: each starts at its trace's first call.
func timelines(in HTMLInput, sectionOf map[string]string) ([]*timeline, string) {
	type side struct {
		label, file string
		t           *Trace
	}
	var sides []side
	var untimed []string
	if in.Ref != nil {
		if in.Ref.Timed() {
			sides = append(sides, side{"REF", in.RefName, in.Ref})
		} else {
			untimed = append(untimed, fmt.Sprintf("REF (%s) shows no times", in.Ref.Format))
		}
	}
	if in.Run.Timed() {
		sides = append(sides, side{"RUN", in.RunName, in.Run})
	} else {
		untimed = append(untimed, fmt.Sprintf("RUN (%s) shows no times", in.Run.Format))
	}
	note := ""
	if len(untimed) > 0 {
		note = strings.Join(untimed, "; ") + ": a timeline needs jsonl or strace -tt/-ttt."
	}
	// One scale for both: the longer trace fills the axis.
	var span int64 = 1
	for _, s := range sides {
		first, last := extent(s.t)
		if last-first > span {
			span = last - first
		}
	}
	var out []*timeline
	for _, s := range sides {
		out = append(out, layout(s.label, s.file, s.t, span, Split(s.t, in.Session), sectionOf))
	}
	return out, note
}

// extent is the time of a trace's first call and of its last call's end.
func extent(t *Trace) (first, last int64) {
	ok := false
	for i := range t.Events {
		e := &t.Events[i]
		if e.Kind != EvCall || !e.HasTime {
			continue
		}
		if !ok || e.At < first {
			first = e.At
		}
		if !ok || e.At+e.Dur > last {
			last = e.At + e.Dur
		}
		ok = true
	}
	return first, last
}

func px(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func layout(label, file string, t *Trace, span int64, phases []Phase, sectionOf map[string]string) *timeline {
	t0, _ := extent(t)
	scale := float64(plotWidth) / float64(span)
	xOf := func(at int64) float64 { return laneLabelW + float64(at-t0)*scale }
	tl := &timeline{Label: label, File: file, Width: laneLabelW + plotWidth + 10, PlotLeft: laneLabelW, PlotRight: laneLabelW + plotWidth, PlotWidth: plotWidth}

	laneOf := map[int]*lane{}
	var calls []*Event
	for i := range t.Events {
		e := &t.Events[i]
		if e.Kind != EvCall || !e.HasTime {
			continue
		}
		calls = append(calls, e)
		if laneOf[e.TID] == nil {
			l := &lane{TID: e.TID, Label: "thread " + strconv.Itoa(e.TID)}
			if e.TID == 0 {
				l.Label = "(no thread ids)"
			}
			laneOf[e.TID] = l
			tl.Lanes = append(tl.Lanes, l)
		}
	}
	tl.Calls = len(calls)
	for i, l := range tl.Lanes {
		l.Y = headHeight + i*(laneHeight+laneGap)
		l.H = laneHeight
		l.TextY = l.Y + laneHeight - 3
	}
	tl.AxisY = headHeight + len(tl.Lanes)*(laneHeight+laneGap)
	tl.Height = tl.AxisY + axisHeight

	tl.Binned = len(calls) > maxMarks
	if !tl.Binned {
		for _, e := range calls {
			w := float64(e.Dur) * scale
			if w < 1 {
				w = 1
			}
			line := t.LineOf(e)
			if len(line) > lineLimit {
				line = line[:lineLimit] + "…"
			}
			l := laneOf[e.TID]
			l.Marks = append(l.Marks, mark{X: px(xOf(e.At)), W: px(w), Kind: kindName(int(arch.KindByName(e.Raw))),
				Title: fmt.Sprintf("%s +%s: %s", l.Label, fmtDur(e.At-t0), strings.ToValidUTF8(line, "?"))})
		}
	} else {
		// One bin per lane and pixel column: its calls counted by kind,
		// drawn as a stack of those kinds' shares.
		type key struct{ tid, col int }
		cnt := map[key]*[8]int{}
		for _, e := range calls {
			col := int(float64(e.At-t0) * scale)
			if col >= plotWidth {
				col = plotWidth - 1
			}
			k := key{e.TID, col}
			c := cnt[k]
			if c == nil {
				c = new([8]int)
				cnt[k] = c
			}
			c[arch.KindByName(e.Raw)]++
		}
		keys := make([]key, 0, len(cnt))
		for k := range cnt {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].tid != keys[j].tid {
				return keys[i].tid < keys[j].tid
			}
			return keys[i].col < keys[j].col
		})
		perPx := float64(span) / plotWidth
		for _, k := range keys {
			c, l := cnt[k], laneOf[k.tid]
			total := 0
			for _, n := range c {
				total += n
			}
			var parts []string
			b := bin{X: px(laneLabelW + float64(k.col))}
			y := float64(l.Y)
			for kind, n := range c[:numKinds] {
				if n == 0 {
					continue
				}
				h := float64(laneHeight) * float64(n) / float64(total)
				b.Parts = append(b.Parts, binPart{Y: px(y), H: px(h), Kind: kindName(kind)})
				y += h
				parts = append(parts, fmt.Sprintf("%s %d", kindName(kind), n))
			}
			from := int64(float64(k.col) * perPx)
			b.Title = fmt.Sprintf("%s %s–%s: %d calls (%s)", l.Label, fmtDur(from), fmtDur(from+int64(perPx)), total, strings.Join(parts, ", "))
			l.Bins = append(l.Bins, b)
		}
	}

	// Phase boundaries: where the trace entered each phase.
	type start struct {
		at   int64
		name string
	}
	var starts []start
	for _, p := range phases {
		for _, i := range p.Starts {
			if i < len(t.Events) && t.Events[i].HasTime {
				starts = append(starts, start{t.Events[i].At, p.Name})
			}
		}
	}
	sort.SliceStable(starts, func(i, j int) bool { return starts[i].at < starts[j].at })
	all := len(starts)
	if all > maxBoundary {
		// Keep phases with a section of their own (first occurrences
		// and those that differ): summed repeats would only blacken
		// the lanes. Idle recurs under one name: only its first start.
		kept := starts[:0]
		drawn := map[string]bool{}
		for _, s := range starts {
			if id := sectionOf[s.name]; id != "" && len(kept) < maxBoundary && !recurrence.MatchString(s.name) && !drawn[s.name] {
				drawn[s.name] = true
				kept = append(kept, s)
			}
		}
		starts = kept
		tl.BoundaryNote = fmt.Sprintf("%d of %d phase boundaries drawn (the first start of each phase)", len(starts), all)
	}
	// Labels go in the first of labelRows rows where they clear the
	// label before them; a boundary with no room keeps its line (and
	// its tooltip) without a label.
	var rowEnd [labelRows]float64
	for _, s := range starts {
		x := xOf(s.at)
		b := boundary{X: px(x), Name: s.name, Href: "#" + sectionOf[s.name], LabelY: headHeight - 2}
		for r := range rowEnd {
			if rowEnd[r] <= x {
				b.Label, b.LabelY = s.name, 9+r*10
				rowEnd[r] = x + 5.5*float64(len(s.name)) + 6
				break
			}
		}
		tl.Boundaries = append(tl.Boundaries, b)
	}

	step := niceStep(span / 8)
	for v := int64(0); v <= span; v += step {
		tl.Ticks = append(tl.Ticks, tick{X: px(xOf(t0 + v)), Label: fmtDur(v)})
	}
	return tl
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten (ns).
func niceStep(d int64) int64 {
	p := int64(1)
	for {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= d {
				return m * p
			}
		}
		p *= 10
	}
}

// fmtDur shows ns in the unit that suits them.
func fmtDur(ns int64) string {
	switch {
	case ns < 1000:
		return strconv.FormatInt(ns, 10) + " ns"
	case ns < 1000000:
		return strconv.FormatFloat(float64(ns)/1e3, 'f', 1, 64) + " µs"
	case ns < 1000000000:
		return strconv.FormatFloat(float64(ns)/1e6, 'f', 2, 64) + " ms"
	}
	return strconv.FormatFloat(float64(ns)/1e9, 'f', 3, 64) + " s"
}
