package e2e

// The sentry as an OCI runtime, driven the way container engines drive
// runc: create/start/state/kill/delete/list on a bundle whose root is a
// busybox tree the test builds. Like conmon and containerd's shim, the
// test is a child subreaper, so the container sentries create starts are
// reparented to it and their exit statuses are its to collect.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// busyboxBundle makes DIR/rootfs from the host's busybox and the
// libraries it links, and DIR/config.json from `sentry spec` with args
// and a writable root (as podman, Docker and containerd give by
// default; runc's example config, which `spec` writes, has it
// read-only).
func busyboxBundle(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatalf("busybox is part of the test environment: %v", err)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	files := []string{"/bin/busybox"}
	out, err := exec.Command("ldd", "/bin/busybox").Output()
	if err == nil {
		files = append(files, regexp.MustCompile(`/\S+`).FindAllString(string(out), -1)...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, app := range []string{"sh", "echo", "sleep", "cat", "true", "hostname"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", app)); err != nil {
			t.Fatal(err)
		}
	}
	if r := sentry(t, "spec", "--bundle", dir); r.status != 0 {
		t.Fatalf("spec: %d %s", r.status, r.stderr)
	}
	editConfig(t, dir, func(c map[string]any) {
		c["process"].(map[string]any)["args"] = args
		c["root"].(map[string]any)["readonly"] = false
	})
	return dir
}

func editConfig(t *testing.T, dir string, edit func(map[string]any)) {
	t.Helper()
	name := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	edit(c)
	if data, err = json.Marshal(c); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// becomeSubreaper makes orphaned container sentries (and, should one
// survive it, their stubs) the test's children.
func becomeSubreaper(t *testing.T) {
	t.Helper()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
}

// ociCLI runs OCI verbs against one state directory. The verbs' stdio
// are files, not pipes: the container sentry create starts inherits
// them, and a pipe would keep the verb's Wait open until it exits.
type ociCLI struct {
	t         *testing.T
	bin       string // the runtime: the sentry, or runc to compare with
	root      string
	out, errf *os.File
}

func newOCI(t *testing.T) *ociCLI {
	t.Helper()
	return newRuntime(t, sentryBin)
}

// newRunc is newOCI for runc, with a state directory of its own.
func newRunc(t *testing.T) *ociCLI {
	t.Helper()
	return newRuntime(t, needTool(t, "runc"))
}

func newRuntime(t *testing.T, bin string) *ociCLI {
	t.Helper()
	d := t.TempDir()
	o := &ociCLI{t: t, bin: bin, root: filepath.Join(d, "state")}
	var err error
	if o.out, err = os.Create(filepath.Join(d, "stdout")); err != nil {
		t.Fatal(err)
	}
	if o.errf, err = os.Create(filepath.Join(d, "stderr")); err != nil {
		t.Fatal(err)
	}
	// A failed test must not leave its containers running.
	t.Cleanup(func() {
		ents, _ := os.ReadDir(o.root)
		for _, e := range ents {
			exec.Command(o.bin, "--root", o.root, "delete", "--force", e.Name()).Run()
		}
	})
	return o
}

// run runs one verb; its output is what it wrote (the container's
// output shows in containerOutput instead).
func (o *ociCLI) run(args ...string) result {
	o.t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(o.bin, append([]string{"--root", o.root}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if slices.Contains(args, "create") {
		cmd.Stdout, cmd.Stderr = o.out, o.errf
	}
	err := cmd.Run()
	st := 0
	if ee, ok := err.(*exec.ExitError); ok {
		st = ee.ExitCode()
	} else if err != nil {
		o.t.Fatalf("sentry %v: %v", args, err)
	}
	return result{stdout: out.String(), stderr: errb.String(), status: st}
}

func (o *ociCLI) must(args ...string) result {
	o.t.Helper()
	r := o.run(args...)
	if r.status != 0 {
		o.t.Fatalf("sentry %v: status %d: %s", args, r.status, r.stderr)
	}
	return r
}

func (o *ociCLI) state(id string) map[string]any {
	o.t.Helper()
	var st map[string]any
	r := o.must("state", id)
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		o.t.Fatalf("state %s: %v: %q", id, err, r.stdout)
	}
	return st
}

func (o *ociCLI) status(id string) string { return fmt.Sprint(o.state(id)["status"]) }

func (o *ociCLI) containerOutput() (string, string) {
	a, _ := os.ReadFile(o.out.Name())
	b, _ := os.ReadFile(o.errf.Name())
	return string(a), string(b)
}

// wait collects the exit of a container sentry the test inherited.
func waitContainer(t *testing.T, pid int) syscall.WaitStatus {
	t.Helper()
	var ws syscall.WaitStatus
	done := make(chan error, 1)
	go func() {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("wait4 %d: %v", pid, err)
		}
	case <-time.After(hangLimit):
		t.Fatalf("container sentry %d did not exit", pid)
	}
	return ws
}

// liveChildren are the test's children that are not zombies.
func liveChildren(t *testing.T) []int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		s := string(data)
		if strings.Contains(s, "\nPPid:\t"+self+"\n") && !strings.Contains(s, "\nState:\tZ") {
			out = append(out, pid)
		}
	}
	return out
}

// waitNoChildren waits until the test has no live child left (stubs die
// asynchronously after their sentry); only a hang fails it.
func waitNoChildren(t *testing.T, what string) {
	t.Helper()
	deadline := time.Now().Add(hangLimit)
	for len(liveChildren(t)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, liveChildren(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOCICreateStartRunsProgramWithItsExitStatus(t *testing.T) {
	becomeSubreaper(t)
	script := `echo out on $(hostname); echo err >&2; exit 3`
	bundle := busyboxBundle(t, "sh", "-c", script)
	o := newOCI(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	o.must("create", "--bundle", bundle, "--pid-file", pidFile, "c1")

	st := o.state("c1")
	if st["status"] != "created" || st["id"] != "c1" || st["bundle"] != bundle {
		t.Fatalf("state after create: %v", st)
	}
	pid := int(st["pid"].(float64))
	if data, _ := os.ReadFile(pidFile); string(data) != strconv.Itoa(pid) {
		t.Fatalf("pid file %q, state pid %d", data, pid)
	}
	if err := unix.Kill(pid, 0); err != nil {
		t.Fatalf("container sentry %d not alive after create: %v", pid, err)
	}
	if out, _ := o.containerOutput(); out != "" {
		t.Fatalf("program ran before start: %q", out)
	}

	o.must("start", "c1")
	ws := waitContainer(t, pid)

	// The same script natively, with the same busybox.
	native := exec.Command(filepath.Join(bundle, "rootfs/bin/busybox"), "sh", "-c", strings.ReplaceAll(script, "$(hostname)", "sentry"))
	var nout, nerr bytes.Buffer
	native.Stdout, native.Stderr = &nout, &nerr
	nerrRun := native.Run()
	nee, ok := nerrRun.(*exec.ExitError)
	if !ok {
		t.Fatalf("native run: %v", nerrRun)
	}
	out, errs := o.containerOutput()
	if !ws.Exited() || ws.ExitStatus() != nee.ExitCode() || out != nout.String() || errs != nerr.String() {
		t.Fatalf("container: %v out %q err %q; native: status %d out %q err %q",
			ws, out, errs, nee.ExitCode(), nout.String(), nerr.String())
	}
	if s := o.status("c1"); s != "stopped" {
		t.Fatalf("state after exit: %s", s)
	}
	r := o.run("start", "c1")
	if r.status != 1 || !strings.Contains(r.stderr, "cannot start a container that has stopped") {
		t.Fatalf("start of a stopped container: %d %q", r.status, r.stderr)
	}
	o.must("delete", "c1")
	if _, err := os.Stat(filepath.Join(o.root, "c1")); !os.IsNotExist(err) {
		t.Fatalf("state left after delete: %v", err)
	}
}

func TestOCIKillSignalsTheApplicationAndSigkillLeavesNothing(t *testing.T) {
	becomeSubreaper(t)
	bundle := busyboxBundle(t, "sleep", "1000")
	o := newOCI(t)

	o.must("create", "--bundle", bundle, "t1")
	pid := int(o.state("t1")["pid"].(float64))
	o.must("start", "t1")
	if s := o.status("t1"); s != "running" {
		t.Fatalf("after start: %s", s)
	}
	if r := o.must("ps", "--format", "json", "t1"); r.stdout != fmt.Sprintf("[%d]\n", pid) {
		t.Fatalf("ps: %q, want the container sentry %d", r.stdout, pid)
	}
	r := o.run("delete", "t1")
	if r.status != 1 || !strings.Contains(r.stderr, "cannot delete container t1 that is not stopped: running") {
		t.Fatalf("delete of a running container: %d %q", r.status, r.stderr)
	}
	// SIGTERM by name reaches sleep, whose death by it is the
	// container's status: 128+15, as a shell reports it.
	o.must("kill", "t1", "TERM")
	if ws := waitContainer(t, pid); !ws.Exited() || ws.ExitStatus() != 128+15 {
		t.Fatalf("after kill TERM: %v", ws)
	}
	if s := o.status("t1"); s != "stopped" {
		t.Fatalf("after kill TERM: %s", s)
	}
	r = o.run("kill", "t1", "KILL")
	if r.status != 1 || !strings.Contains(r.stderr, "container not running") {
		t.Fatalf("kill of a stopped container: %d %q", r.status, r.stderr)
	}
	o.must("delete", "t1")

	// SIGKILL by number ends the container sentry itself: its stub must
	// not outlive it (it would be reparented to this subreaper).
	o.must("create", "--bundle", bundle, "t2")
	pid = int(o.state("t2")["pid"].(float64))
	o.must("start", "t2")
	o.must("kill", "t2", "9")
	if ws := waitContainer(t, pid); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("after kill 9: %v", ws)
	}
	waitNoChildren(t, "processes left after SIGKILL of the container sentry")
	if s := o.status("t2"); s != "stopped" {
		t.Fatalf("after kill 9: %s", s)
	}
	o.must("delete", "t2")
	if ents, _ := os.ReadDir(o.root); len(ents) != 0 {
		t.Fatalf("left under --root: %v", ents)
	}
}

func TestOCIBadInputIsRuncsErrorAndLeavesNothing(t *testing.T) {
	o := newOCI(t)
	for _, verb := range [][]string{{"state", "nope"}, {"start", "nope"}, {"kill", "nope", "KILL"}, {"delete", "nope"}} {
		r := o.run(verb...)
		if r.status != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "container does not exist") {
			t.Errorf("%v: status %d stderr %q", verb, r.status, r.stderr)
		}
	}
	if _, err := exec.LookPath("runc"); err == nil {
		// runc's own words for the same case, on this machine.
		out, _ := exec.Command("runc", "--root", t.TempDir(), "state", "nope").CombinedOutput()
		if !strings.Contains(string(out), "container does not exist") {
			t.Errorf("runc says %q", out)
		}
	}

	good := busyboxBundle(t, "true")
	bad := func(edit func(dir string)) string {
		dir := t.TempDir()
		data, _ := os.ReadFile(filepath.Join(good, "config.json"))
		os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
		os.Symlink(filepath.Join(good, "rootfs"), filepath.Join(dir, "rootfs"))
		edit(dir)
		return dir
	}
	cases := map[string]struct{ bundle, want string }{
		"missing config.json": {bad(func(d string) { os.Remove(filepath.Join(d, "config.json")) }), "config.json: no such file"},
		"invalid JSON":        {bad(func(d string) { os.WriteFile(filepath.Join(d, "config.json"), []byte("{"), 0o644) }), "config.json: unexpected end of JSON"},
		"unknown ociVersion": {bad(func(d string) {
			editConfig(t, d, func(c map[string]any) { c["ociVersion"] = "2.0.0" })
		}), `ociVersion "2.0.0"`},
		"missing root": {bad(func(d string) {
			editConfig(t, d, func(c map[string]any) { c["root"] = map[string]any{"path": "nowhere"} })
		}), `root.path "nowhere"`},
		"missing program": {bad(func(d string) {
			editConfig(t, d, func(c map[string]any) { c["process"].(map[string]any)["args"] = []string{"/bin/nope"} })
		}), "/bin/nope"},
	}
	logFile := filepath.Join(t.TempDir(), "log.json")
	for name, c := range cases {
		os.Remove(logFile)
		r := o.run("--log", logFile, "--log-format", "json", "create", "--bundle", c.bundle, "x")
		var entry map[string]string
		data, _ := os.ReadFile(logFile)
		// One JSON object a line; the error is the last.
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &entry); err != nil || entry["level"] != "error" || !strings.Contains(entry["msg"], c.want) {
			t.Errorf("%s: --log json %q: %v", name, data, err)
		}
		_, errs := o.containerOutput()
		if r.status != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: status %d stderr %q, want one line with %q", name, r.status, errs, c.want)
		}
		o.errf.Truncate(0)
		o.errf.Seek(0, 0)
		if ents, _ := os.ReadDir(o.root); len(ents) != 0 {
			t.Errorf("%s: left under --root: %v", name, ents)
		}
	}

	becomeSubreaper(t)
	o.must("create", "--bundle", good, "dup")
	pid := int(o.state("dup")["pid"].(float64))
	o.run("create", "--bundle", good, "dup")
	if _, errs := o.containerOutput(); !strings.Contains(errs, "container with given ID already exists") {
		t.Errorf("duplicate ID: %q", errs)
	}
	// A created container is killed by delete, as runc does.
	o.must("delete", "dup")
	waitContainer(t, pid)
	if ents, _ := os.ReadDir(o.root); len(ents) != 0 {
		t.Errorf("left under --root: %v", ents)
	}
}

func TestOCITwentyContainersAtOnce(t *testing.T) {
	becomeSubreaper(t)
	bundle := busyboxBundle(t, "sleep", "1000")
	o := newOCI(t)
	const n = 20
	pids := map[int]bool{}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("m%d", i)
		o.must("create", "--bundle", bundle, id)
		o.must("start", id)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(o.must("list", "--format", "json").stdout), &list); err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, c := range list {
		if c["status"] == "running" {
			running++
			pids[int(c["pid"].(float64))] = true
		}
	}
	if running != n || len(pids) != n {
		t.Fatalf("list: %d running (%d pids) of %d: %v", running, len(pids), n, list)
	}
	for i := 0; i < n; i++ {
		o.must("delete", "--force", fmt.Sprintf("m%d", i))
	}
	for pid := range pids {
		waitContainer(t, pid)
	}
	waitNoChildren(t, "processes left after delete --force")
	if ents, _ := os.ReadDir(o.root); len(ents) != 0 {
		t.Fatalf("left under --root: %v", ents)
	}
}

func TestOCIHooksRunWithTheStateOnStdin(t *testing.T) {
	becomeSubreaper(t)
	bundle := busyboxBundle(t, "sleep", "1000")
	logDir := t.TempDir()
	sh := filepath.Join(bundle, "rootfs/bin/busybox")
	hook := func(name string, fail bool) map[string]any {
		script := `cat > "$0/$1"`
		if fail {
			script += `; echo refused >&2; exit 2`
		}
		return map[string]any{"path": sh, "args": []string{"sh", "-c", script, logDir, name}}
	}
	editConfig(t, bundle, func(c map[string]any) {
		c["hooks"] = map[string]any{
			"prestart":      []any{hook("prestart", false)},
			"createRuntime": []any{hook("createRuntime", false)},
			"poststart":     []any{hook("poststart", false)},
			"poststop":      []any{hook("poststop", false)},
		}
	})
	o := newOCI(t)
	hookState := func(name string) map[string]any {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(logDir, name))
		if err != nil {
			t.Fatalf("hook %s did not run: %v", name, err)
		}
		var st map[string]any
		if err := json.Unmarshal(data, &st); err != nil {
			t.Fatalf("hook %s stdin %q: %v", name, data, err)
		}
		return st
	}
	o.must("create", "--bundle", bundle, "h1")
	pid := o.state("h1")["pid"]
	// "creating": create is still running (runc's status for them).
	for _, h := range []string{"prestart", "createRuntime"} {
		if st := hookState(h); st["status"] != "creating" || st["id"] != "h1" || st["pid"] != pid || st["bundle"] != bundle {
			t.Fatalf("%s hook saw %v", h, st)
		}
	}
	if _, err := os.Stat(filepath.Join(logDir, "poststart")); err == nil {
		t.Fatal("poststart ran before start")
	}
	o.must("start", "h1")
	if st := hookState("poststart"); st["status"] != "running" || st["pid"] != pid {
		t.Fatalf("poststart hook saw %v", st)
	}
	o.must("delete", "--force", "h1")
	waitContainer(t, int(pid.(float64)))
	if st := hookState("poststop"); st["status"] != "stopped" || st["id"] != "h1" {
		t.Fatalf("poststop hook saw %v", st)
	}

	// A failing createRuntime hook fails create and leaves nothing.
	editConfig(t, bundle, func(c map[string]any) {
		c["hooks"] = map[string]any{"createRuntime": []any{hook("bad", true)}}
	})
	r := o.run("create", "--bundle", bundle, "h2")
	if _, errs := o.containerOutput(); r.status != 1 || !strings.Contains(errs, "createRuntime hook") || !strings.Contains(errs, "refused") {
		t.Fatalf("failing hook: %d %q", r.status, errs)
	}
	if ents, _ := os.ReadDir(o.root); len(ents) != 0 {
		t.Fatalf("left under --root: %v", ents)
	}
	waitNoChildren(t, "processes left after a failed create")

	// A failing startContainer hook (inside the container) stops the
	// container before its program runs, as the runtime spec says.
	editConfig(t, bundle, func(c map[string]any) {
		c["process"].(map[string]any)["args"] = []string{"sh", "-c", "echo program ran"}
		c["hooks"] = map[string]any{"startContainer": []any{map[string]any{
			"path": "/bin/busybox", "args": []string{"sh", "-c", "echo refused; exit 3"}}}}
	})
	o.errf.Truncate(0)
	o.must("create", "--bundle", bundle, "h3")
	pid = o.state("h3")["pid"]
	o.must("start", "h3")
	ws := waitContainer(t, int(pid.(float64)))
	if out, _ := o.containerOutput(); ws.ExitStatus() != 1 || strings.Contains(out, "program ran") {
		t.Fatalf("after a failing startContainer hook: %v, container output %q", ws, out)
	}
	o.must("delete", "h3")
}

// TestOCIProcessUserRlimitsAndNoNewPrivileges: config.json's
// process.user (uid, gid, additionalGids, umask), process.rlimits,
// process.capabilities, noNewPrivileges and domainname are what the application sees, emulated
// inside the sandbox (no host privilege needed, as podman's defaults need
// on a host that refuses them); an unknown rlimit type fails create as
// runc's does.
func TestOCIProcessUserRlimitsAndNoNewPrivileges(t *testing.T) {
	becomeSubreaper(t)
	script := `busybox id; umask; ulimit -n; ulimit -Hn; ulimit -u; ulimit -c;
busybox grep -E '^(Uid|Gid|Groups|NoNewPrivs|CapPrm|CapEff|CapBnd)' /proc/$$/status; busybox cat /proc/sys/kernel/domainname;
busybox touch /tmp/f && busybox stat -c %a /tmp/f; busybox touch /f`
	bundle := busyboxBundle(t, "sh", "-c", script)
	if err := os.Mkdir(filepath.Join(bundle, "rootfs", "tmp"), 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(bundle, "rootfs", "tmp"), 0o777|os.ModeSticky)
	editConfig(t, bundle, func(c map[string]any) {
		c["domainname"] = "example.org"
		p := c["process"].(map[string]any)
		p["user"] = map[string]any{"uid": 1000, "gid": 100, "additionalGids": []int{5, 7}, "umask": 0o027}
		p["noNewPrivileges"] = true
		p["capabilities"] = map[string]any{"bounding": []string{"CAP_CHOWN", "CAP_KILL"}, "permitted": []string{"CAP_CHOWN", "CAP_KILL"}, "effective": []string{"CAP_KILL"}}
		p["rlimits"] = []map[string]any{
			{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 4096},
			{"type": "RLIMIT_NPROC", "soft": 300, "hard": 300},
			{"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
		}
	})
	o := newOCI(t)
	o.must("create", "--bundle", bundle, "u1")
	pid := int(o.state("u1")["pid"].(float64))
	o.must("start", "u1")
	ws := waitContainer(t, pid)
	out, errs := o.containerOutput()
	// The shell's own status ($$): as with runc, which sets the sets
	// and then execs the program, a program exec'd as uid 1000 keeps
	// only its ambient capabilities (none here), as on Linux; runc
	// shows the same for this config.
	want := `uid=1000 gid=100 groups=5,7
0027
512
4096
300
0
Uid:	1000	1000	1000	1000
Gid:	100	100	100	100
Groups:	5 7 
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000021
NoNewPrivs:	1
example.org
640
`
	// uid 1000 may not create files in the root's own 0755 /.
	if !ws.Exited() || ws.ExitStatus() != 1 || out != want || !strings.Contains(errs, "/f: Permission denied") {
		t.Fatalf("container: %v\nout:\n%s\nwant:\n%s\nerr: %s", ws, out, want, errs)
	}
	o.must("delete", "u1")

	editConfig(t, bundle, func(c map[string]any) {
		c["process"].(map[string]any)["rlimits"] = []map[string]any{{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}}
	})
	r := o.run("create", "--bundle", bundle, "u2")
	_, errs = o.containerOutput()
	if r.status != 1 || !strings.Contains(r.stderr+errs, `unknown type "RLIMIT_BOGUS"`) {
		t.Fatalf("create with a bad rlimit: %d %q %q", r.status, r.stderr, errs)
	}
	if _, err := os.Stat(filepath.Join(o.root, "u2")); !os.IsNotExist(err) {
		t.Fatalf("state left after a failed create: %v", err)
	}
}

// TestOCIMaskedAndReadonlyPathsHideProcAndSys: linux.maskedPaths make a
// /proc file read as /dev/null and a /sys directory empty, and
// linux.readonlyPaths (/proc/sys in the default spec, as in podman's)
// make root's write to /proc/sys/kernel/hostname EROFS; without them the
// same write renames the sandbox, as on Linux.
func TestOCIMaskedAndReadonlyPathsHideProcAndSys(t *testing.T) {
	becomeSubreaper(t)
	script := `busybox wc -c < /proc/cpuinfo; busybox ls /sys/kernel/mm | busybox wc -l; busybox stat -c '%t,%T' /proc/cpuinfo;
echo renamed > /proc/sys/kernel/hostname; busybox hostname`
	run := func(id string, edit func(linux map[string]any)) (string, string) {
		t.Helper()
		bundle := busyboxBundle(t, "sh", "-c", script)
		editConfig(t, bundle, func(c map[string]any) { edit(c["linux"].(map[string]any)) })
		o := newOCI(t)
		o.must("create", "--bundle", bundle, id)
		pid := int(o.state(id)["pid"].(float64))
		o.must("start", id)
		waitContainer(t, pid)
		out, errs := o.containerOutput()
		o.must("delete", id)
		return out, errs
	}
	out, errs := run("m1", func(l map[string]any) {
		l["maskedPaths"] = []string{"/proc/cpuinfo", "/sys/kernel/mm"}
	})
	if want := "0\n0\n1,3\nsentry\n"; out != want || !strings.Contains(errs, "/proc/sys/kernel/hostname: Read-only file system") {
		t.Errorf("masked and read-only: out %q, want %q; err %q, want EROFS for the hostname write", out, want, errs)
	}
	out, errs = run("m2", func(l map[string]any) {
		delete(l, "maskedPaths")
		delete(l, "readonlyPaths")
	})
	if strings.HasPrefix(out, "0\n") || errs != "" || !strings.HasSuffix(out, "renamed\n") {
		t.Errorf("without masks: out %q err %q; want cpuinfo's size, THP entries, and the hostname renamed", out, errs)
	}
}
