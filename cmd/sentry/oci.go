package main

// The OCI runtime verbs (runc's command line, as engines call it). The
// work is in pkg/oci; this file only maps flags.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"sentry/pkg/kernel"
	"sentry/pkg/loader"
	"sentry/pkg/oci"
	"sentry/pkg/platform"
	"sentry/pkg/ptrace"
	"sentry/pkg/vfs"
)

// ociGlobals are runc's global flags. They are persistent flags of the
// root command, so `sentry --root DIR create ...` sets the state
// directory, while `run` declares its own --root and --debug, which
// shadow these (pflag keeps a command's own flag over an inherited one
// of the same name): `sentry run --root DIR` stays the sandbox's root.
type ociGlobals struct {
	root, log, logFormat string
	systemdCgroup, debug bool
	rootless, criu       string
}

func addOCICommands(root *cobra.Command) {
	g := &ociGlobals{}
	// Engines read runc's --version (podman info): the spec line says
	// which runtime-spec config.json this runtime reads.
	root.Version = "0.1.0"
	root.SetVersionTemplate("sentry version {{.Version}}\nspec: " + specs.Version + "\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.root, "root", "/run/sentry", "OCI verbs: the state `DIR` of containers")
	pf.StringVar(&g.log, "log", "", "OCI verbs: append errors and warnings to `FILE`")
	pf.StringVar(&g.logFormat, "log-format", "text", "OCI verbs: --log format, text or json")
	pf.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "OCI verbs: accepted for engines; the sentry's limits are its own")
	pf.BoolVar(&g.debug, "debug", false, "OCI verbs: accepted for engines")
	pf.StringVar(&g.rootless, "rootless", "auto", "OCI verbs: accepted for engines; the sandbox never needs host privileges")
	pf.StringVar(&g.criu, "criu", "", "OCI verbs: accepted for engines; there is no checkpointing")
	root.AddCommand(specCmd(g), createCmd(g), startCmd(g), stateCmd(g), killCmd(g),
		deleteCmd(g), listCmd(g), psCmd(g), featuresCmd(g), execCmd(g), ociInitCmd(g))
}

// logLine writes one line to --log in its format (runc's logrus text or
// json), so engines that read the log file find the error.
func (g *ociGlobals) logLine(level, msg string) {
	if g.log == "" {
		return
	}
	f, err := os.OpenFile(g.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sentry: --log %s: %v\n", g.log, err)
		return
	}
	defer f.Close()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if g.logFormat == "json" {
		data, _ := json.Marshal(map[string]string{"level": level, "msg": msg, "time": now})
		fmt.Fprintf(f, "%s\n", data)
		return
	}
	fmt.Fprintf(f, "time=%q level=%s msg=%q\n", now, level, msg)
}

// verb wraps an OCI verb: its error is one line on stderr and in --log,
// and exit status 1, as runc.
func (g *ociGlobals) verb(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if g.logFormat != "text" && g.logFormat != "json" {
			fmt.Fprintf(os.Stderr, "sentry: --log-format must be text or json, not %q\n", g.logFormat)
			return exitError{1}
		}
		err := fn(cmd, args)
		var ee exitError
		if err == nil || errors.As(err, &ee) {
			return err
		}
		fmt.Fprintln(os.Stderr, "sentry:", err)
		g.logLine("error", err.Error())
		return exitError{1}
	}
}

// logWriter turns the sentry's warning lines into --log entries.
type logWriter struct{ g *ociGlobals }

func (w logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.g.logLine("warning", strings.TrimPrefix(line, "sentry: "))
	}
	return len(p), nil
}

func (g *ociGlobals) store() oci.Store {
	return oci.Store{Root: g.root, Warn: func(msg string) { g.logLine("warning", msg) }}
}

func printJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(os.Stdout, "%s\n", data)
	return err
}

func specCmd(g *ociGlobals) *cobra.Command {
	var bundle string
	c := &cobra.Command{
		Use:   "spec",
		Short: "Write a default config.json (sh in ./rootfs)",
		Args:  cobra.NoArgs,
		RunE: g.verb(func(*cobra.Command, []string) error {
			name := filepath.Join(bundle, "config.json")
			if _, err := os.Stat(name); err == nil {
				return errors.New("File config.json exists. Remove it first")
			}
			data, err := json.MarshalIndent(oci.DefaultSpec(), "", "\t")
			if err != nil {
				return err
			}
			return os.WriteFile(name, append(data, '\n'), 0o666)
		}),
	}
	c.Flags().StringVarP(&bundle, "bundle", "b", "", "write config.json into `DIR`")
	return c
}

func createCmd(g *ociGlobals) *cobra.Command {
	var o oci.CreateOptions
	var noPivot, noNewKeyring bool
	c := &cobra.Command{
		Use:   "create [flags] ID",
		Short: "Create a container from a bundle; its program waits for start",
		Args:  cobra.ExactArgs(1),
		RunE: g.verb(func(_ *cobra.Command, args []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			o.ID = args[0]
			o.Init = []string{exe, "--log", g.log, "--log-format", g.logFormat, "oci-init"}
			err = g.store().Create(o)
			if err != nil {
				return fmt.Errorf("create failed: %w", err)
			}
			return nil
		}),
	}
	c.Flags().StringVarP(&o.Bundle, "bundle", "b", ".", "the bundle `DIR` (config.json and the root)")
	c.Flags().StringVar(&o.PidFile, "pid-file", "", "write the container sentry's PID to `FILE`")
	c.Flags().StringVar(&o.ConsoleSocket, "console-socket", "", "send the terminal's master (process.terminal) to the unix socket `PATH`")
	c.Flags().IntVar(&o.PreserveFDs, "preserve-fds", 0, "pass this process's fds 3 .. 3+`N`-1 on as the program's fds 3, ...")
	c.Flags().BoolVar(&noPivot, "no-pivot", false, "accepted: the sentry never pivots the host's root")
	c.Flags().BoolVar(&noNewKeyring, "no-new-keyring", false, "accepted: the sandbox has no keyrings")
	return c
}

func startCmd(g *ociGlobals) *cobra.Command {
	return &cobra.Command{
		Use:   "start ID",
		Short: "Run a created container's program",
		Args:  cobra.ExactArgs(1),
		RunE: g.verb(func(_ *cobra.Command, args []string) error {
			return g.store().Start(args[0])
		}),
	}
}

func stateCmd(g *ociGlobals) *cobra.Command {
	return &cobra.Command{
		Use:   "state ID",
		Short: "Print a container's OCI state as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: g.verb(func(_ *cobra.Command, args []string) error {
			st, err := g.store().State(args[0])
			if err != nil {
				return err
			}
			return printJSON(st)
		}),
	}
}

func killCmd(g *ociGlobals) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "kill [flags] ID [SIGNAL]",
		Short: "Send SIGNAL (name or number; default SIGTERM) to a container",
		Args:  cobra.RangeArgs(1, 2),
		RunE: g.verb(func(_ *cobra.Command, args []string) error {
			sig := "SIGTERM"
			if len(args) == 2 {
				sig = args[1]
			}
			n, err := oci.ParseSignal(sig)
			if err != nil {
				return err
			}
			return g.store().Kill(args[0], n)
		}),
	}
	// The container sentry is the container's only host process.
	c.Flags().BoolVarP(&all, "all", "a", false, "accepted: the signal reaches the sandbox as a whole")
	return c
}

func deleteCmd(g *ociGlobals) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "delete [flags] ID",
		Short: "Remove a container's state (killing it first with --force)",
		Args:  cobra.ExactArgs(1),
		RunE: g.verb(func(_ *cobra.Command, args []string) error {
			err := g.store().Delete(args[0], force)
			if force && errors.Is(err, oci.ErrNotExist) {
				return nil // as runc: --force of an unknown ID is no error
			}
			return err
		}),
	}
	c.Flags().BoolVarP(&force, "force", "f", false, "kill a running container first")
	return c
}

func listCmd(g *ociGlobals) *cobra.Command {
	var format string
	var quiet bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the containers under --root",
		Args:  cobra.NoArgs,
		RunE: g.verb(func(*cobra.Command, []string) error {
			sts, err := g.store().List()
			if err != nil {
				return err
			}
			switch {
			case quiet:
				for _, s := range sts {
					fmt.Println(s.ID)
				}
			case format == "json":
				if sts == nil {
					sts = []oci.State{}
				}
				data, err := json.Marshal(sts)
				if err != nil {
					return err
				}
				fmt.Printf("%s\n", data)
			case format == "table":
				w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
				fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
				for _, s := range sts {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle,
						s.Created.Format(time.RFC3339Nano), s.Owner)
				}
				return w.Flush()
			default:
				return fmt.Errorf("--format must be table or json, not %q", format)
			}
			return nil
		}),
	}
	c.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the IDs")
	return c
}

func psCmd(g *ociGlobals) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "ps [flags] ID",
		Short: "List a container's host processes (its container sentry)",
		Args:  cobra.ExactArgs(1),
		RunE: g.verb(func(_ *cobra.Command, args []string) error {
			pids, err := g.store().Pids(args[0])
			if err != nil {
				return err
			}
			switch format {
			case "json":
				data, err := json.Marshal(pids)
				if err != nil {
					return err
				}
				fmt.Printf("%s\n", data)
			case "table":
				fmt.Println("PID")
				for _, p := range pids {
					fmt.Println(p)
				}
			default:
				return fmt.Errorf("--format must be table or json, not %q", format)
			}
			return nil
		}),
	}
	c.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return c
}

func featuresCmd(g *ociGlobals) *cobra.Command {
	return &cobra.Command{
		Use:   "features",
		Short: "Print what config.json may ask of this runtime (JSON)",
		Args:  cobra.NoArgs,
		RunE: g.verb(func(*cobra.Command, []string) error {
			return printJSON(oci.Features())
		}),
	}
}

// ociInitCmd is the container sentry that create starts: BUNDLE STATEDIR
// ID PRESERVED, with create's PRESERVED --preserve-fds on fds 3, ...,
// and its ready pipe on the fd after them.
func ociInitCmd(g *ociGlobals) *cobra.Command {
	return &cobra.Command{
		Use:    "oci-init BUNDLE STATEDIR ID PRESERVED",
		Hidden: true,
		Args:   cobra.ExactArgs(4),
		RunE: func(_ *cobra.Command, args []string) error {
			preserved, err := strconv.Atoi(args[3])
			if err != nil || preserved < 0 {
				return fmt.Errorf("oci-init: PRESERVED %q", args[3])
			}
			ready := os.NewFile(uintptr(3+preserved), "ready")
			// The application owns stderr: the sentry's own warnings go
			// to --log only.
			warn := logWriter{g}
			choose := func(fs *vfs.FS, cwd *vfs.Dentry, path string) (platform.Platform, error) {
				// A program that cannot be loaded is create's error,
				// reported by create: choosePlatform would print it on
				// the application's stderr.
				if _, err := loader.Machine(fs, cwd, path); err != nil {
					return nil, &kernel.ExecError{Path: path, Err: err}
				}
				// The host's refusal of the stubs' isolation is a
				// --log warning, as --debug says it for run.
				return choosePlatform("auto", fs, cwd, path, ptrace.Options{Warn: warn})
			}
			status, err := oci.Boot(args[0], args[1], args[2], preserved, ready, choose, warn)
			var reported oci.ReportedError
			if errors.As(err, &reported) {
				return exitError{1}
			}
			if err != nil {
				var ee *kernel.ExecError
				if errors.As(err, &ee) {
					fmt.Fprintln(os.Stderr, "sentry:", ee.Error())
					return exitError{ee.Status()}
				}
				g.logLine("error", err.Error())
				return exitError{status}
			}
			if status != 0 {
				return exitError{status}
			}
			return nil
		},
	}
}
