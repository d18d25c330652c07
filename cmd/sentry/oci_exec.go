package main

// The exec verb (runc exec's command line). With -d the verb starts a
// copy of itself in the background (execReadyEnv set) that does the
// work and stays until the process ends, exiting with its status; the
// verb returns once that copy says the process started. The copy is the
// process engines wait on (its PID goes to --pid-file), as the process
// itself lives in the sandbox, not on the host.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"sentry/pkg/oci"
)

// execReadyEnv names the fd on which a detached exec's background copy
// says the process started.
const execReadyEnv = "SENTRY_EXEC_READY_FD"

func execCmd(g *ociGlobals) *cobra.Command {
	var o oci.ExecOptions
	var user string
	var preserveFDs int
	var addGIDs []uint
	var ignored []string
	var ignoredBool bool
	c := &cobra.Command{
		Use:   "exec [flags] ID [COMMAND [ARG...]]",
		Short: "Run a new process inside a running container's sandbox",
		Args:  cobra.MinimumNArgs(1),
		RunE: g.verb(func(_ *cobra.Command, args []string) error {
			o.ID, o.Args = args[0], args[1:]
			if o.Process == "" && len(o.Args) == 0 {
				return errors.New("exec: a command or --process is required")
			}
			o.PreserveFDs = preserveFDs
			for _, g := range addGIDs {
				if g > 1<<32-1 {
					return fmt.Errorf("exec: --additional-gids %d: not a GID", g)
				}
				o.AddGroups = append(o.AddGroups, uint32(g))
			}
			if user != "" {
				uid, gid, err := parseUser(user)
				if err != nil {
					return err
				}
				o.UID, o.GID = uid, gid
			}
			if fd := os.Getenv(execReadyEnv); fd != "" {
				return execBackground(g, o, fd)
			}
			if o.Detach {
				return execDetach(g, o)
			}
			return execRun(g, o)
		}),
	}
	c.Flags().SetInterspersed(false)
	f := c.Flags()
	f.StringVarP(&o.Process, "process", "p", "", "the process, a runtime-spec process JSON `FILE`")
	f.BoolVarP(&o.Detach, "detach", "d", false, "return once the process started")
	f.StringVar(&o.PidFile, "pid-file", "", "write the PID that ends with the process's status to `FILE`")
	f.StringVar(&o.ConsoleSocket, "console-socket", "", "send the terminal's master (with -t) to the unix socket `PATH`")
	f.BoolVarP(&o.Terminal, "tty", "t", false, "give the process a terminal")
	f.StringVar(&o.Cwd, "cwd", "", "the `DIR` the process starts in (default: the container's)")
	f.StringArrayVarP(&o.Env, "env", "e", nil, "set `NAME=VALUE` in the process's environment")
	f.StringVarP(&user, "user", "u", "", "the process's `UID[:GID]`")
	f.IntVar(&preserveFDs, "preserve-fds", 0, "pass this process's fds 3 .. 3+`N`-1 on as the process's fds 3, ...")
	f.StringArrayVarP(&o.AddCaps, "cap", "c", nil, "add the capability `CAP_NAME` to the container's process's (bounding, effective, permitted)")
	f.UintSliceVarP(&addGIDs, "additional-gids", "g", nil, "add the supplementary group `GID`")
	f.BoolVar(&o.NoNewPrivs, "no-new-privs", false, "set no_new_privs for the process")
	// Accepted as engines pass them; the sandbox's labels and cgroups
	// are its own.
	f.StringVar(new(string), "apparmor", "", "accepted")
	f.StringVar(new(string), "process-label", "", "accepted")
	f.StringArrayVar(&ignored, "cgroup", nil, "accepted")
	f.BoolVar(&ignoredBool, "ignore-paused", false, "accepted")
	return c
}

// parseUser reads --user UID[:GID] (numeric, as runc's exec).
func parseUser(s string) (*uint32, *uint32, error) {
	us, gs, hasGID := strings.Cut(s, ":")
	u, err := strconv.ParseUint(us, 10, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("exec: --user %q: UID[:GID] must be numeric", s)
	}
	uid := uint32(u)
	if !hasGID {
		return &uid, nil, nil
	}
	gv, err := strconv.ParseUint(gs, 10, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("exec: --user %q: UID[:GID] must be numeric", s)
	}
	gid := uint32(gv)
	return &uid, &gid, nil
}

// execRun runs the process and exits with its status.
func execRun(g *ociGlobals, o oci.ExecOptions) error {
	return g.execExit(execOutcome(g.store().Exec(o)))
}

// execOutcome turns Exec's result into what the verb says (msg, empty
// for none) and the status it exits with.
func execOutcome(status int, err error) (msg string, code int) {
	var failed oci.ExecFailed
	switch {
	case errors.As(err, &failed):
		return failed.Msg, failed.Status
	case err != nil && (status == 0 || status == 1):
		return err.Error(), 1
	case err != nil:
		return err.Error(), status
	}
	return "", status
}

// execExit says msg (on stderr and in --log) and exits with code.
func (g *ociGlobals) execExit(msg string, code int) error {
	if msg != "" {
		fmt.Fprintln(os.Stderr, "sentry:", msg)
		g.logLine("error", msg)
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}

// execBackground is -d's background copy: it says "ok" on the ready fd
// once the process started, then stays until it ends. If the process
// cannot start it sends "STATUS MESSAGE" there instead, for the verb to
// report: this copy's own stderr may reach no one (see execDetach).
func execBackground(g *ociGlobals, o oci.ExecOptions, fdName string) error {
	n, err := strconv.Atoi(fdName)
	if err != nil {
		return fmt.Errorf("%s=%q", execReadyEnv, fdName)
	}
	ready := os.NewFile(uintptr(n), "ready")
	o.Detach = true
	o.Started = func() {
		_, _ = io.WriteString(ready, "ok")
		ready.Close()
		ready = nil
	}
	msg, code := execOutcome(g.store().Exec(o))
	if ready != nil {
		if code == 0 {
			code = 1
		}
		fmt.Fprintf(ready, "%d %s", code, msg)
		ready.Close()
		return exitError{code}
	}
	return g.execExit(msg, code)
}

// execDetach starts the background copy and returns once it says the
// process started; if it fails first, with its status and message.
//
// With a console socket the process's stdio is the new terminal, and
// the copy gets none of this verb's: engines run `exec -d` with their
// own pipes as its stdout and stderr and wait for them to close (the
// containerd shim reads them to EOF before it takes the terminal's
// master), which a copy that holds them until the process ends would
// never let happen.
func execDetach(g *ociGlobals, o oci.ExecOptions) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return err
	}
	defer rd.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	// The preserved fds keep their numbers in the copy, which passes
	// them on; its ready fd follows them.
	for i := range o.PreserveFDs {
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(3+i), "preserved"))
	}
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", execReadyEnv, 3+len(cmd.ExtraFiles)))
	if o.ConsoleSocket == "" {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, wr)
	// Its own session, so the caller's terminal and process group
	// signals do not end it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	wr.Close()
	if err != nil {
		return fmt.Errorf("exec: start: %w", err)
	}
	msg, _ := io.ReadAll(rd)
	if string(msg) == "ok" {
		// Not waited for: the engine (or init) reaps it.
		return cmd.Process.Release()
	}
	werr := cmd.Wait()
	if cs, text, ok := strings.Cut(string(msg), " "); ok {
		if code, err := strconv.Atoi(cs); err == nil && code > 0 {
			return g.execExit(text, code)
		}
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) && ee.ExitCode() > 0 {
		return g.execExit("exec: the background process failed: "+werr.Error(), ee.ExitCode())
	}
	return g.execExit("exec: the background process failed: "+fmt.Sprint(werr), 1)
}
