// Command sentry runs a program inside a user-space Linux kernel. This
// file only turns flags into configuration; the work is in pkg/.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/epoll"
	"sentry/pkg/kernel"
	"sentry/pkg/netstack"
	"sentry/pkg/ptrace"
	"sentry/pkg/riscv"
	"sentry/pkg/strace"
	"sentry/pkg/tracediff"
	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// exitError carries a status out of cobra without printing usage.
type exitError struct{ status int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.status) }

func main() {
	// A crash or a SIGABRT (the e2e tests send one to a run that hangs)
	// shows every goroutine: a hang is a goroutine waiting somewhere.
	debug.SetTraceback("all")
	root := &cobra.Command{
		Use:           "sentry",
		Short:         "Run programs on a user-space Linux kernel",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), syscallsCmd(), traceDiffCmd())
	addOCICommands(root)
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.status)
	default:
		fmt.Fprintln(os.Stderr, "sentry:", err)
		os.Exit(125)
	}
}

type runFlags struct {
	interactive   bool
	tty           bool
	strace        bool
	straceFormat  string
	straceFmtSet  bool
	straceOutput  string
	straceLimit   int
	straceOnly    []string
	straceExclude []string
	debug         bool
	vdso          string
	aslr          string
	jit           string
	root          string
	volumes       []string
	publish       []string
	network       string
	platform      string
	workdir       string
	env           []string
	envFiles      []string
	pidsLimit     int
	nofile        uint64
	memory        string
}

func runCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run [flags] PROGRAM [ARGS...]",
		Short: "Run PROGRAM with every syscall served by the sentry",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Any --strace-* flag asks for a trace.
			for _, n := range []string{"strace-format", "strace-output", "strace-syscalls", "strace-exclude"} {
				if cmd.Flags().Changed(n) {
					f.strace = true
				}
			}
			f.straceFmtSet = cmd.Flags().Changed("strace-format")
			return run(f, args)
		},
	}
	c.Flags().SetInterspersed(false)
	c.Flags().BoolVar(&f.strace, "strace", false, "print every syscall the program makes")
	c.Flags().StringVar(&f.straceFormat, "strace-format", "strace", "trace format: strace, maturin or jsonl (implies --strace)")
	c.Flags().StringVar(&f.straceOutput, "strace-output", "", "write the trace to `FILE` instead of stderr; a FILE ending in .html gets trace-diff's page of the trace (tables and a timeline)")
	c.Flags().StringSliceVar(&f.straceOnly, "strace-syscalls", nil, "trace only these syscalls (comma-separated `LIST`)")
	c.Flags().StringSliceVar(&f.straceExclude, "strace-exclude", nil, "trace every syscall but these (comma-separated `LIST`)")
	c.Flags().IntVar(&f.straceLimit, "strace-string-limit", 96, "show at most `N` bytes of each string")
	c.Flags().BoolVar(&f.debug, "debug", false, "print a summary of unsupported syscalls at exit")
	c.Flags().StringVar(&f.vdso, "vdso", "on", "on: time calls use the vDSO; off: every time call is a traced syscall")
	c.Flags().StringVar(&f.aslr, "aslr", "2", "address-space randomisation, as kernel.randomize_va_space: 2 (or on) full, 1 all but the heap, 0 (or off) none")
	c.Flags().StringVar(&f.jit, "jit", "on", "riscv64 on an amd64 host: on translates guest code to host code; off only interprets it")
	c.Flags().StringVar(&f.root, "root", "/", "host `DIR` to use as the read-only root")
	c.Flags().StringVar(&f.platform, "platform", "auto", "auto (from the program's ELF machine), ptrace (amd64) or interp (riscv64 interpreter)")
	c.Flags().StringArrayVarP(&f.volumes, "volume", "v", nil, "mount host `HOST:GUEST[:ro]` writable (or read-only)")
	c.Flags().BoolVarP(&f.interactive, "interactive", "i", false, "keep stdin attached (it always is: the program's stdio is the sentry's own)")
	c.Flags().BoolVarP(&f.tty, "tty", "t", false, "require a terminal on stdin, for an interactive shell (`-it`); the program shares the sentry's terminal")
	c.Flags().StringVarP(&f.workdir, "workdir", "w", "", "start the program in the absolute guest `DIR` (created if missing, as docker does); default: the sentry's own directory with the host's / as root, else /")
	c.Flags().StringArrayVarP(&f.env, "env", "e", nil, "set `KEY=VAL` in the program's environment; KEY alone copies KEY from the sentry's environment")
	c.Flags().StringArrayVar(&f.envFiles, "env-file", nil, "read KEY=VAL lines from `FILE` into the program's environment (docker's format); -e overrides it")
	c.Flags().IntVar(&f.pidsLimit, "pids-limit", kernel.DefaultPidsLimit, "at most `N` tasks (threads of all processes, and zombies not yet reaped) at once: fork and clone past it fail with EAGAIN")
	c.Flags().StringVarP(&f.memory, "memory", "m", "", "memory limit `BYTES` (b, k, m, g suffixes) of application memory, in-memory file data and pipe/socket buffers: past it the largest process is SIGKILLed (default: 3/4 of the host's MemAvailable, at least min(1 GiB, half the RAM))")
	c.Flags().Uint64Var(&f.nofile, "nofile", kernel.DefaultNoFile, "hard cap `N` of RLIMIT_NOFILE (the soft limit starts at min(1024, N))")
	c.Flags().StringVar(&f.network, "network", "sandbox", "what the sandbox's network reaches: sandbox (loopback in memory, -p publishes), host (also connections, datagrams and listeners beyond loopback in the sentry's network namespace, through host sockets the sentry owns), host-loopback (host, and 127.0.0.1 and ::1 are the namespace's too), none (loopback only, -p refused)")
	c.Flags().StringArrayVarP(&f.publish, "publish", "p", nil, "publish guest port PORT on the host as `[HOSTIP:]HOSTPORT:PORT` (host IP defaults to 127.0.0.1)")
	return c
}

func parseVolume(s string) (vfs.Volume, error) {
	parts := strings.Split(s, ":")
	v := vfs.Volume{}
	switch {
	case len(parts) == 2:
	case len(parts) == 3 && parts[2] == "ro":
		v.ReadOnly = true
	case len(parts) == 3 && parts[2] == "rw":
	default:
		return v, fmt.Errorf("bad volume %q: want HOST:GUEST[:ro]", s)
	}
	v.Host, v.Guest = parts[0], parts[1]
	if v.Host == "" || !strings.HasPrefix(v.Guest, "/") {
		return v, fmt.Errorf("bad volume %q: want HOST:GUEST[:ro] with an absolute GUEST", s)
	}
	return v, nil
}

// startDir is the guest directory the program starts in: -w, else the
// sentry's own directory when the root is the host's / (so relative paths
// in PROGRAM and ARGS mean what they mean in the user's shell, as with
// `runsc do`), else / (as docker starts an image without WORKDIR).
func startDir(f runFlags) (string, error) {
	if f.workdir != "" {
		if !filepath.IsAbs(f.workdir) {
			return "", fmt.Errorf("-w %q: the working directory must be an absolute path", f.workdir)
		}
		return filepath.Clean(f.workdir), nil
	}
	if root, err := filepath.EvalSymlinks(f.root); err != nil || root != "/" {
		return "/", nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("the sentry's working directory: %w", err)
	}
	return wd, nil
}

func run(f runFlags, args []string) error {
	if f.tty && !isTerminal(0) {
		return errors.New("-t: the input device is not a terminal")
	}
	defer startProfile()()
	if f.vdso != "on" && f.vdso != "off" {
		return fmt.Errorf("--vdso must be on or off, not %q", f.vdso)
	}
	aslr, ok := map[string]kernel.ASLRLevel{"2": kernel.ASLRFull, "on": kernel.ASLRFull, "1": kernel.ASLRNoBrk, "0": kernel.ASLROff, "off": kernel.ASLROff}[f.aslr]
	if !ok {
		return fmt.Errorf("--aslr must be 0, 1, 2, on or off, not %q", f.aslr)
	}
	if f.jit != "on" && f.jit != "off" {
		return fmt.Errorf("--jit must be on or off, not %q", f.jit)
	}
	opts := vfs.Options{HostRoot: f.root}
	for _, s := range f.volumes {
		v, err := parseVolume(s)
		if err != nil {
			return err
		}
		opts.Volumes = append(opts.Volumes, v)
	}
	fs, err := vfs.New(opts)
	if err != nil {
		return err
	}
	so := strace.Options{Format: f.straceFormat, StringLimit: f.straceLimit,
		Syscalls: f.straceOnly, Exclude: f.straceExclude}
	var traceOut io.Writer = os.Stderr
	if f.strace {
		if err := so.Check(); err != nil {
			return err
		}
		html := strings.HasSuffix(strings.ToLower(f.straceOutput), ".html")
		if html && f.straceFmtSet && f.straceFormat != strace.FormatJSONL {
			return fmt.Errorf("--strace-output %s writes a page made from a jsonl trace; --strace-format %s cannot be shown there", f.straceOutput, f.straceFormat)
		}
		if f.straceOutput != "" {
			out, err := os.Create(f.straceOutput)
			if err != nil {
				return err
			}
			defer out.Close()
			traceOut = out
			if html {
				w, done, err := htmlTrace(f.straceOutput, strings.Join(args, " "), &so, out)
				if err != nil {
					return err
				}
				defer done()
				traceOut = w
			}
		}
	}
	mode, err := netstack.ParseMode(f.network)
	if err != nil {
		return err
	}
	stack, closePublished, err := publishPorts(mode, f.publish)
	if err != nil {
		return err
	}
	defer closePublished()
	dir, err := startDir(f)
	if err != nil {
		return err
	}
	cwd, err := fs.Workdir(dir)
	if err != nil {
		return err
	}
	env, err := kernel.Environ(kernel.WithPWD(os.Environ(), dir), f.envFiles, f.env, os.LookupEnv)
	if err != nil {
		return err
	}
	path, err := kernel.ResolveProgram(fs, cwd, args[0], env)
	if err != nil {
		return execFailed(err)
	}
	// Whether the host allows the stubs' isolation is said under --debug
	// only: the sentry works either way, and most users cannot change it.
	var popts ptrace.Options
	if f.debug {
		popts.Warn = os.Stderr
	}
	plat, err := choosePlatform(f.platform, fs, cwd, path, popts)
	if err != nil {
		return err
	}
	if rp, ok := plat.(*riscv.Platform); ok {
		rp.SetVDSOTime(f.vdso == "on")
		rp.SetJIT(f.jit == "on")
	}
	var tracer *strace.Tracer
	if f.strace {
		// Arguments decode, and jsonl numbers calls, the program's way.
		so.Arch = plat.Arch()
		tracer = strace.NewTracer(traceOut, so)
	}
	var memLimit int64
	if f.memory != "" {
		if memLimit, err = vm.ParseBytes(f.memory); err != nil {
			return fmt.Errorf("--memory: %w", err)
		}
		if memLimit < vm.MinMemoryLimit {
			return fmt.Errorf("--memory: minimum is %d bytes (6m)", vm.MinMemoryLimit)
		}
	}
	k, err := kernel.New(kernel.Config{
		FS:       fs,
		Platform: plat,
		Strace:   tracer,
		VDSO:     f.vdso == "on",
		ASLR:     aslr,
		Stdio: [3]*vfs.File{
			epoll.NewHostStdio(0, "stdin"),
			epoll.NewHostStdio(1, "stdout"),
			epoll.NewHostStdio(2, "stderr"),
		},
		Warn:  os.Stderr,
		Debug: f.debug,
		Net:   stack,
		Cwd:   cwd,
		// Before ForwardHostSignals, which un-ignores them.
		IgnoredSignals: kernel.HostIgnoredSignals(),
		PidsLimit:      f.pidsLimit,
		NoFile:         f.nofile,
		MemoryLimit:    memLimit,
	})
	if err != nil {
		return err
	}
	defer k.Close()
	defer kernel.KeepHostTerminal()()
	defer k.ForwardHostSignals()()
	st, err := k.Run(path, args, env)
	if err != nil {
		return execFailed(err)
	}
	vfs.ReportOverlayWrites(os.Stderr, fs.OverlayWrites())
	if st.Signal != 0 {
		if msg := kernel.SignalMessage(st.Signal); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
		}
	}
	if s := st.ShellStatus(); s != 0 {
		return exitError{s}
	}
	return nil
}

// htmlTrace makes --strace-output FILE.html work: the tracer writes jsonl
// (the format that shows threads and times) to a temporary file, and
// done, called once the program has ended, turns it into the page in out.
func htmlTrace(path, command string, so *strace.Options, out *os.File) (io.Writer, func(), error) {
	so.Format = strace.FormatJSONL
	tmp, err := os.CreateTemp("", "sentry-trace-*.jsonl")
	if err != nil {
		return nil, nil, err
	}
	done := func() {
		defer os.Remove(tmp.Name())
		tmp.Close()
		data, err := os.ReadFile(tmp.Name())
		if err == nil {
			err = tracediff.WriteHTMLTrace(out, data, command)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "sentry: --strace-output %s: %v\n", path, err)
		}
	}
	return tmp, done, nil
}

func execFailed(err error) error {
	var ee *kernel.ExecError
	if errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "sentry:", ee.Error())
		return exitError{ee.Status()}
	}
	return err
}

func syscallsCmd() *cobra.Command {
	var archName, format string
	c := &cobra.Command{
		Use:   "syscalls",
		Short: "Print every syscall the sentry knows and how far it supports it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a := arch.AMD64
			switch archName {
			case "amd64":
			case "riscv64":
				a = arch.RISCV64
			default:
				return fmt.Errorf("--arch must be amd64 or riscv64, not %q", archName)
			}
			return kernel.WriteSyscallTable(os.Stdout, a, format)
		},
	}
	c.Flags().StringVar(&archName, "arch", "amd64", "amd64 or riscv64")
	c.Flags().StringVar(&format, "format", "text", "text, markdown or json")
	return c
}

// publishPorts creates the sandbox's network and listens on every
// published host port before the app starts, so a busy port is an error
// up front.
func publishPorts(mode netstack.Mode, specs []string) (*netstack.Stack, func(), error) {
	if len(specs) > 0 && !mode.CanPublish() {
		return nil, nil, fmt.Errorf("-p %s: --network %s publishes no ports", specs[0], mode)
	}
	stack := netstack.NewStackMode(mode)
	var pubs []*netstack.Publisher
	closeAll := func() {
		for _, p := range pubs {
			p.Close()
		}
	}
	for _, spec := range specs {
		host, port, err := netstack.ParsePublish(spec)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		p, err := netstack.Publish(stack, host, port)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		pubs = append(pubs, p)
	}
	return stack, closeAll, nil
}

// isTerminal reports whether the sentry's fd is a terminal.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
