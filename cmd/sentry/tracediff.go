package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"sentry/pkg/tracediff"
)

// traceDiffCmd is `sentry trace-diff`: exit 0 when the run matches the
// reference, 1 when they differ, 2 on bad input.
func traceDiffCmd() *cobra.Command {
	var format, session, ignore, ref string
	var strictVDSO bool
	c := &cobra.Command{
		Use:   "trace-diff [flags] --ref REF RUN",
		Short: "Compare a trace with a reference log, phase by phase",
		Long: "Compare RUN (a trace) with REF (a reference log), phase by phase.\n" +
			"Each may be strace -f output, qemu -strace output, a maturin log or the sentry's jsonl.\n" +
			"Exit status: 0 when every phase of REF is in RUN with no call missing, 1 when they differ, 2 on bad input.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := func(format string, a ...any) error {
				fmt.Fprintf(os.Stderr, "sentry trace-diff: "+format+"\n", a...)
				return exitError{2}
			}
			if ref == "" || len(args) != 1 {
				return bad("usage: sentry trace-diff [--format text|json|html] [--session FILE] [--ignore LIST] [--strict-vdso] --ref REF RUN")
			}
			if format != "text" && format != "json" && format != "html" {
				return bad("--format must be text, json or html, not %q", format)
			}
			o := tracediff.Options{StrictVDSO: strictVDSO}
			if ignore != "" {
				o.Ignore = strings.Split(ignore, ",")
			}
			if session != "" {
				b, err := os.ReadFile(session)
				if err != nil {
					return bad("%v", err)
				}
				for _, l := range strings.Split(string(b), "\n") {
					if l = strings.TrimSpace(l); l != "" {
						o.Session = append(o.Session, l)
					}
				}
			}
			rt, err := tracediff.ParseFile(ref)
			if err != nil {
				return bad("%v", err)
			}
			ut, err := tracediff.ParseFile(args[0])
			if err != nil {
				return bad("%v", err)
			}
			r := tracediff.Compare(rt, ut, o)
			switch format {
			case "json":
				err = r.WriteJSON(os.Stdout)
			case "html":
				// One write at the end: a page cut short by a
				// failure halfway would still look like a report.
				var b bytes.Buffer
				if err = tracediff.WriteHTML(&b, tracediff.HTMLInput{Report: r, Ref: rt, Run: ut,
					RefName: ref, RunName: args[0], Session: o.Session}); err == nil {
					_, err = os.Stdout.Write(b.Bytes())
				}
			default:
				err = r.WriteText(os.Stdout, ref, args[0])
			}
			if err != nil {
				return bad("%v", err)
			}
			if r.Verdict != tracediff.Match {
				return exitError{1}
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text, json or html (one self-contained page: tables and a timeline)")
	c.Flags().StringVar(&session, "session", "", "`FILE` listing the client's commands in order, one per line, for logs that show no bytes read")
	c.Flags().StringVar(&ignore, "ignore", "", "comma-separated syscall `LIST` to leave out")
	c.Flags().BoolVar(&strictVDSO, "strict-vdso", false, "report clock_gettime, gettimeofday, time and getcpu missing like other calls")
	c.Flags().StringVar(&ref, "ref", "", "the reference log `REF`")
	return c
}
