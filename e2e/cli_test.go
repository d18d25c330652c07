package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sentryAt runs `sentry ARGS...` from the host directory dir with the
// environment env (nil: the test's own), as a user's shell would.
func sentryAt(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(sentryBin, args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sentry: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(hangLimit):
		cmd.Process.Signal(syscall.SIGABRT)
		<-done
		t.Fatalf("sentry %v: timed out; stdout:\n%s\nstderr:\n%s", args, tail(out.String(), 4000), tail(errb.String(), 60000))
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// nativeAt runs a host program from dir and returns its stdout.
func nativeAt(t *testing.T, dir string, env []string, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("natively %s %v: %v", prog, args, err)
	}
	return string(out)
}

// copyFile copies the host file src to dst with mode perm.
func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, perm); err != nil {
		t.Fatal(err)
	}
}

// TestRunRelativeProgramAndArgsFromShellDirectory: with the host's / as
// root, `cd DIR && sentry run ./prog file` starts in DIR, so a relative
// program, a relative script and relative arguments mean what they mean
// in the shell (the README's `cd /usr/bin && sentry run ./redis-server`).
func TestRunRelativeProgramAndArgsFromShellDirectory(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "/bin/busybox", filepath.Join(dir, "busybox"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("relative data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "script.sh"), []byte("#!/bin/sh\necho script in $(pwd)\ncat data.txt\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"./busybox", "cat", "data.txt"},
		{"./busybox", "pwd"},
		{"./script.sh"},
	} {
		want := nativeAt(t, dir, nil, c[0], c[1:]...)
		r := sentryAt(t, dir, nil, append([]string{"run"}, c...)...)
		if r.status != 0 || r.stdout != want {
			t.Errorf("sentry run %v from %s: status %d, stdout %q, natively %q; stderr:\n%s", c, dir, r.status, r.stdout, want, r.stderr)
		}
	}
}

// bareRoot is a --root directory holding only the static startdir
// program, at /bin/startdir.
func bareRoot(t *testing.T) string {
	t.Helper()
	bin := buildC(t, "startdir", "-static")
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, bin, filepath.Join(root, "bin", "startdir"), 0o755)
	return root
}

// TestRunWorkdirWithRoot: with --root the program starts in /, and -w
// DIR starts it in DIR, which is created (in memory: the host root is
// untouched) when missing, as docker does.
func TestRunWorkdirWithRoot(t *testing.T) {
	root := bareRoot(t)
	if err := os.MkdirAll(filepath.Join(root, "srv", "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "srv", "app", "conf"), []byte("app conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--root", root, "/bin/startdir"}, "cwd /\n"},
		{[]string{"run", "--root", root, "-w", "/srv/app", "/bin/startdir", "conf"}, "cwd /srv/app\nconf: app conf\n"},
		{[]string{"run", "--root", root, "--workdir", "/srv/app/", "../../bin/startdir"}, "cwd /srv/app\n"},
		{[]string{"run", "--root", root, "-w", "/new/dir", "/bin/startdir"}, "cwd /new/dir\n"},
	} {
		// From a host directory that does not exist in the root: with
		// --root the sentry's own directory plays no part.
		r := sentryAt(t, t.TempDir(), nil, c.args...)
		if r.status != 0 || r.stdout != c.want {
			t.Errorf("sentry %v: status %d, stdout %q, want %q; stderr:\n%s", c.args, r.status, r.stdout, c.want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "new")); !os.IsNotExist(err) {
		t.Errorf("-w /new/dir changed the host root: stat: %v", err)
	}
}

// TestRunWorkdirErrors: a relative -w, or one that names a file, is a
// one-line error and status 125 (the sentry's own failure, as docker's),
// before the program runs.
func TestRunWorkdirErrors(t *testing.T) {
	root := bareRoot(t)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"run", "--root", root, "-w", "srv", "/bin/startdir"}, "absolute"},
		{[]string{"run", "--root", root, "-w", "/bin/startdir/x", "/bin/startdir"}, "not a directory"},
		{[]string{"run", "-w", "/etc/hostname", "busybox", "true"}, "not a directory"},
	} {
		r := sentry(t, c.args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.status != 125 || r.stdout != "" || len(lines) != 1 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("sentry %v: status %d (want 125), stdout %q, stderr %q (want one line saying %q)", c.args, r.status, r.stdout, r.stderr, c.msg)
		}
	}
}

// envOf runs `busybox env` under the sentry with args before it and
// returns the variables named in keys, sorted.
func envOf(t *testing.T, env []string, keys []string, args ...string) []string {
	t.Helper()
	r := sentryAt(t, "/", env, append(append([]string{"run"}, args...), "busybox", "env")...)
	if r.status != 0 {
		t.Fatalf("sentry run %v busybox env: status %d, stderr:\n%s", args, r.status, r.stderr)
	}
	var got []string
	for _, kv := range strings.Split(r.stdout, "\n") {
		for _, k := range keys {
			if strings.HasPrefix(kv, k+"=") {
				got = append(got, kv)
			}
		}
	}
	sort.Strings(got)
	return got
}

// TestRunEnvFlags: the program gets the sentry's environment, then the
// env files' variables, then -e, later ones winning, as docker orders
// them; a bare KEY copies the sentry's value, and when the sentry has
// none a file's is left out and -e KEY unsets KEY.
func TestRunEnvFlags(t *testing.T) {
	dir := t.TempDir()
	ef := filepath.Join(dir, "env")
	if err := os.WriteFile(ef, []byte("# a comment\n\n  FROMFILE=file value \nOVERRIDDEN=file\nCOPIED\nUNSETKEY\nINHERITED=from file\nEQ=a=b\nDROPPED=file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ef2 := filepath.Join(dir, "env2")
	if err := os.WriteFile(ef2, []byte("SECOND=2\r\nFROMFILE=second file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "COPIED=host copy", "INHERITED=host", "KEEP=kept", "PWD=/"}
	keys := []string{"FROMFILE", "OVERRIDDEN", "COPIED", "UNSETKEY", "INHERITED", "EQ", "SECOND", "KEEP", "CLI", "NOTSET", "DROPPED"}

	got := envOf(t, env, keys, "--env-file", ef, "--env-file", ef2, "-e", "OVERRIDDEN=flag", "-e", "CLI=x y", "-e", "NOTSET", "-e", "COPIED", "-e", "DROPPED")
	want := []string{"CLI=x y", "COPIED=host copy", "EQ=a=b", "FROMFILE=second file", "INHERITED=from file", "KEEP=kept", "OVERRIDDEN=flag", "SECOND=2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("environment:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Without flags: exactly the sentry's environment.
	got = envOf(t, env, keys)
	want = []string{"COPIED=host copy", "INHERITED=host", "KEEP=kept"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("environment without flags:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRunStartDirSetsPWD: an inherited PWD names the directory the
// program starts in, not the sentry's.
func TestRunStartDirSetsPWD(t *testing.T) {
	env := []string{"PATH=" + os.Getenv("PATH"), "PWD=/"}
	got := envOf(t, env, []string{"PWD"}, "-w", "/usr/bin")
	if len(got) != 1 || got[0] != "PWD=/usr/bin" {
		t.Errorf("-w /usr/bin: %q, want PWD=/usr/bin", got)
	}
	got = envOf(t, env, []string{"PWD"}, "-w", "/usr/bin", "-e", "PWD=/elsewhere")
	if len(got) != 1 || got[0] != "PWD=/elsewhere" {
		t.Errorf("-w /usr/bin -e PWD=/elsewhere: %q, want PWD=/elsewhere", got)
	}
}

// TestRunEnvBadInput: a missing env file, a malformed line or a -e
// without a name is a one-line error naming the file and line, status
// 125, and the program does not run.
func TestRunEnvBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noName := write("noname", "A=1\n=value\n")
	space := write("space", "# ok\nMY VAR=1\n")
	binary := write("binary", "A=\xff\xfe\n")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--env-file", filepath.Join(dir, "missing")}, "no such file or directory"},
		{[]string{"--env-file", noName}, noName + ":2:"},
		{[]string{"--env-file", space}, space + ":2:"},
		{[]string{"--env-file", binary}, binary + ":1:"},
		{[]string{"-e", "=x"}, "no variable name"},
	} {
		args := append(append([]string{"run"}, c.args...), "busybox", "echo", "ran")
		r := sentry(t, args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.status != 125 || r.stdout != "" || len(lines) != 1 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("sentry %v: status %d (want 125), stdout %q, stderr %q (want one line with %q)", args, r.status, r.stdout, r.stderr, c.msg)
		}
	}
}

// TestRunRefusesVolumesThatMakeNoSense: a volume of the host's /proc,
// /sys or /dev, a volume over the sandbox's /proc, /sys or /dev, and two
// volumes on one guest path are each refused at start with one line and
// status 125; the program does not run.
func TestRunRefusesVolumesThatMakeNoSense(t *testing.T) {
	data, other := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		vols []string
		msg  string
	}{
		{[]string{"/proc:/hostproc"}, "host's /proc"},
		{[]string{"/proc/self:/hostproc"}, "host's /proc"},
		{[]string{"/sys:/hostsys"}, "host's /sys"},
		{[]string{"/dev:/hostdev"}, "host's /dev"},
		{[]string{data + ":/proc"}, "sandbox's /proc"},
		{[]string{data + ":/sys"}, "sandbox's /sys"},
		{[]string{data + ":/dev"}, "sandbox's /dev"},
		{[]string{data + ":/dev/shm"}, "sandbox's /dev"},
		{[]string{data + ":/data", other + ":/data/"}, "two volumes on one guest path /data"},
	} {
		var args []string
		for _, v := range c.vols {
			args = append(args, "-v", v)
		}
		args = append(append([]string{"run"}, args...), "busybox", "echo", "ran")
		r := sentry(t, args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.status != 125 || r.stdout != "" || len(lines) != 1 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("sentry %v: status %d (want 125), stdout %q, stderr %q (want one line with %q)", args, r.status, r.stdout, r.stderr, c.msg)
		}
	}
	// Two volumes on different paths still work.
	r := sentry(t, "run", "-v", data+":/data", "-v", other+":/other", "busybox", "sh", "-c", "echo a > /data/f && echo b > /other/f")
	if r.status != 0 {
		t.Fatalf("two volumes: status %d, stderr:\n%s", r.status, r.stderr)
	}
	for dir, want := range map[string]string{data: "a\n", other: "b\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(b) != want {
			t.Errorf("%s/f: %q, %v; want %q", dir, b, err, want)
		}
	}
}

// TestRunReadmeFirstCommand: the README's first command, `cd /usr/bin &&
// sentry run ./redis-server ...`, finds ./redis-server, as the shell does.
func TestRunReadmeFirstCommand(t *testing.T) {
	want := nativeAt(t, "/usr/bin", nil, "./redis-server", "--version")
	r := sentryAt(t, "/usr/bin", nil, "run", "./redis-server", "--version")
	if r.status != 0 || r.stdout != want {
		t.Errorf("cd /usr/bin && sentry run ./redis-server --version: status %d, stdout %q, natively %q; stderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
}
