package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/kernel"
	"sentry/pkg/vfs"
)

// Where each kind of hook runs. The runtime-namespace ones (prestart,
// createRuntime, poststart, poststop) run on the host, as runc's do.
// createContainer hooks are host programs too (their path "MUST resolve
// in the runtime namespace"): runc runs them in its init, in the
// container's mount namespace before pivot_root, which the sandbox does
// not have on the host; they run on the host at create after
// createRuntime, as runsc's gofer runs them. startContainer hooks are
// the container's own programs (their path resolves in the container):
// they run inside the sandbox, as processes of its kernel (runsc skips
// them), at start before the program, so a program of the container's
// root never runs on the host.

// runHooks runs hooks in order, each with the container's state on its
// stdin, as the runtime spec says; the first that fails (non-zero exit,
// or past its timeout) stops the list and is the error. They run on the
// host, as the engine's own programs (runc does the same for the
// runtime-namespace hooks).
func runHooks(kind string, hooks []specs.Hook, st State) error {
	if len(hooks) == 0 {
		return nil
	}
	state, err := json.Marshal(st.State)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		ctx := context.Background()
		if h.Timeout != nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
			defer cancel()
		}
		cmd := exec.CommandContext(ctx, h.Path)
		if len(h.Args) > 0 {
			cmd.Args = h.Args
		}
		cmd.Env = h.Env
		cmd.Stdin = bytes.NewReader(state)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return fmt.Errorf("%s hook %s: %v: %s", kind, h.Path, err, bytes.TrimSpace(out.Bytes()))
		}
	}
	return nil
}

// runSandboxHooks runs startContainer hooks inside the sandbox k, in
// order, each with st on its stdin; the first that fails (a program
// that cannot start, a non-zero status, past its timeout) stops the list
// and is the error, with what it wrote.
func runSandboxHooks(k *kernel.Kernel, hooks []specs.Hook, st specs.State) error {
	if len(hooks) == 0 {
		return nil
	}
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if err := runSandboxHook(k, h, state); err != nil {
			return fmt.Errorf("startContainer hook %s: %w", h.Path, err)
		}
	}
	return nil
}

func runSandboxHook(k *kernel.Kernel, h specs.Hook, state []byte) error {
	// Its stdio are host pipes the sentry serves, as an exec's are.
	var in, out [2]int
	if err := unix.Pipe2(in[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	if err := unix.Pipe2(out[:], unix.O_CLOEXEC); err != nil {
		unix.Close(in[0])
		unix.Close(in[1])
		return err
	}
	errFD, err := unix.FcntlInt(uintptr(out[1]), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		for _, fd := range []int{in[0], in[1], out[0], out[1]} {
			unix.Close(fd)
		}
		return err
	}
	stdio := [3]*vfs.File{
		epoll.NewOwnedHostFile(in[0], "stdin"),
		epoll.NewOwnedHostFile(out[1], "stdout"),
		epoll.NewOwnedHostFile(errFD, "stderr"),
	}
	output := os.NewFile(uintptr(out[0]), "hook output")
	defer output.Close()
	// The state is small, but a hook need not read it: written from
	// the side, the write end closed after.
	stdin := os.NewFile(uintptr(in[1]), "hook stdin")
	go func() {
		_, _ = stdin.Write(state)
		stdin.Close()
	}()
	var buf bytes.Buffer
	read := make(chan struct{})
	go func() {
		_, _ = io.Copy(&buf, io.LimitReader(output, 1<<16))
		_, _ = io.Copy(io.Discard, output)
		close(read)
	}()
	argv := h.Args
	if len(argv) == 0 {
		argv = []string{h.Path}
	}
	p, err := k.Exec(kernel.ExecSpec{Path: h.Path, Argv: argv, Envp: h.Env, Stdio: stdio})
	for _, f := range stdio {
		f.DecRef()
	}
	if err != nil {
		return err
	}
	var timedOut atomic.Bool
	if h.Timeout != nil {
		t := time.AfterFunc(time.Duration(*h.Timeout)*time.Second, func() {
			timedOut.Store(true)
			p.Signal(int(unix.SIGKILL))
		})
		defer t.Stop()
	}
	status := p.Wait()
	// Its last copies of the pipe closed with it: the output ends.
	<-read
	switch {
	case timedOut.Load():
		err = context.DeadlineExceeded
	case status.Signal != 0:
		err = fmt.Errorf("signal: %s", unix.SignalName(unix.Signal(status.Signal)))
	case status.Code != 0:
		err = fmt.Errorf("exit status %d", status.Code)
	default:
		return nil
	}
	return fmt.Errorf("%v: %s", err, bytes.TrimSpace(buf.Bytes()))
}
