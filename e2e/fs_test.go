package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// native runs a program on the host, for comparing with the sandbox.
func native(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("native %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := sentry(t, append([]string{"run"}, args...)...)
	if r.status != 0 {
		t.Fatalf("%v: status %d\nstdout:\n%s\nstderr:\n%s", args, r.status, r.stdout, r.stderr)
	}
	return r
}

func TestFileSyscallProgramsBehaveAsOnLinux(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tree", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "tree", "sub", "file"), []byte("f\n"), 0o644)
	os.Symlink("..", filepath.Join(dir, "tree", "sub", "up"))
	os.Symlink("/etc/passwd", filepath.Join(dir, "tree", "sub", "abs"))
	for _, tc := range []struct {
		prog string
		args []string
	}{
		{"fslocks", []string{filepath.Join(dir, "lockfile")}},
		{"fsopenat2", []string{filepath.Join(dir, "tree")}},
		{"fsmisc", nil},
	} {
		bin := buildC(t, tc.prog)
		want := native(t, append([]string{bin}, tc.args...)...)
		// Run in the sandbox on a volume so the locks file is the same
		// kind of file; the overlay root is checked by fsmisc itself.
		r := mustRun(t, append([]string{"-v", dir + ":" + dir, bin}, tc.args...)...)
		got := r.stdout
		if tc.prog == "fsmisc" {
			// /tmp is the overlay in the sandbox, a host filesystem natively.
			want = strings.Replace(want, "fstatfs overlay magic: 0", "fstatfs overlay magic: 1", 1)
		}
		if got != want {
			t.Errorf("%s: sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", tc.prog, got, want, r.stderr)
		}
	}
}

func TestProcShowsTheSandboxOwnState(t *testing.T) {
	t.Setenv("SENTRY_PROC_E2E", "visible")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"/bin/cat", "/proc/self/status"}, []string{"Name:\tcat\n", "Pid:\t1\n", "PPid:\t0\n", "Threads:\t1\n"}},
		{[]string{"/bin/cat", "/proc/self/maps"}, []string{"[heap]", "[stack]", "[vdso]", "/bin/cat\n", "r-xp"}},
		{[]string{"/bin/cat", "/proc/1/cmdline"}, []string{"/bin/cat\x00/proc/1/cmdline\x00"}},
		{[]string{"/bin/cat", "/proc/self/environ"}, []string{"SENTRY_PROC_E2E=visible\x00"}},
		{[]string{"/bin/cat", "/proc/self/stat"}, []string{"1 (cat) R 0 1 1 "}},
		{[]string{"/bin/cat", "/proc/self/comm"}, []string{"cat\n"}},
		{[]string{"/bin/cat", "/proc/self/limits"}, []string{"Max open files            1024                 1048576              files"}},
		{[]string{"/bin/cat", "/proc/self/mountinfo"}, []string{" / / rw,relatime - overlay overlay rw\n", " / /proc ro,relatime - proc proc ro\n", " / /dev rw,relatime - tmpfs"}},
		// exe is the file's own path (Debian's /bin is a link to
		// usr/bin), cwd the sentry's own directory, as natively.
		{[]string{"/bin/readlink", "/proc/self/exe", "/proc/self/cwd"}, []string{"/usr/bin/readlink\n" + wd + "\n"}},
		{[]string{"/bin/ls", "/proc/self/fd/", "/proc/self/fdinfo/", "/proc/self/task"}, []string{"0\n1\n2\n"}},
		{[]string{"/bin/cat", "/proc/self/fdinfo/0"}, []string{"pos:\t", "flags:\t"}},
		{[]string{"/bin/cat", "/proc/sys/vm/overcommit_memory", "/proc/sys/net/core/somaxconn", "/proc/sys/kernel/hostname"}, []string{"1\n4096\nsentry\n"}},
		{[]string{"/bin/cat", "/sys/kernel/mm/transparent_hugepage/enabled"}, []string{"[never]"}},
		{[]string{"/bin/cat", "/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible"}, []string{"0"}},
		{[]string{"/usr/bin/nproc"}, []string{strconv.Itoa(runtime.NumCPU()) + "\n"}},
		{[]string{"/usr/bin/nproc", "--all"}, []string{strconv.Itoa(runtime.NumCPU()) + "\n"}},
		{[]string{"/bin/cat", "/proc/meminfo", "/proc/uptime", "/proc/loadavg", "/proc/version", "/proc/stat"}, []string{"MemTotal:", "Linux version ", "btime "}},
		{[]string{"/bin/grep", "-c", "^processor", "/proc/cpuinfo"}, []string{strconv.Itoa(runtime.NumCPU()) + "\n"}},
		{[]string{"/bin/ls", "/proc"}, []string{"1\n", "self\n", "sys\n"}},
		{[]string{"/bin/df", "/"}, []string{"overlay"}},
		{[]string{"/usr/bin/stat", "-f", "-c", "%T", "/", "/proc", "/dev"}, []string{"overlayfs\nproc\ntmpfs\n"}},
	} {
		r := mustRun(t, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: output lacks %q:\n%s\nstderr:\n%s", tc.args, w, r.stdout, r.stderr)
			}
		}
	}
	// The host's processes are not there: only the sandbox's PID 1.
	r := mustRun(t, "/bin/ls", "/proc")
	for _, l := range strings.Fields(r.stdout) {
		if _, err := strconv.Atoi(l); err == nil && l != "1" {
			t.Errorf("/proc lists pid %s besides the sandbox's 1:\n%s", l, r.stdout)
		}
	}
}

func TestDevStdinReachesTheSandboxStdin(t *testing.T) {
	r := sentryIn(t, "piped input\n", "run", "/bin/cat", "/dev/stdin")
	if r.status != 0 || r.stdout != "piped input\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	r = sentry(t, "run", "/usr/bin/tee", "/dev/stdout")
	if r.status != 0 {
		t.Fatalf("tee /dev/stdout: status %d stderr:\n%s", r.status, r.stderr)
	}
}

// TestCoreutilsOnAVolumeReachTheHost runs one coreutils step per sandbox
// on a volume mounted at the same path as on the host, so listings can be
// compared with the host's own.
func TestCoreutilsOnAVolumeReachTheHost(t *testing.T) {
	dir := t.TempDir()
	v := []string{"-v", dir + ":" + dir}
	p := func(s string) string { return filepath.Join(dir, s) }
	steps := [][]string{
		{"/bin/mkdir", "-p", p("a/b/c")},
		{"/usr/bin/touch", p("a/f")},
		{"/bin/cp", "/etc/passwd", p("a/pw")},
		{"/bin/mv", p("a/pw"), p("a/pw2")},
		{"/bin/ln", "-s", "pw2", p("a/link")},
		{"/bin/ln", p("a/pw2"), p("a/hard")},
		{"/bin/chmod", "600", p("a/pw2")},
		{"/usr/bin/touch", "-d", "2001-02-03 04:05:06", p("a/f")},
		{"/usr/bin/sort", "-o", p("a/sorted"), "/etc/passwd"},
		{"/usr/bin/tar", "-cf", p("t.tar"), "-C", dir, "a"},
		{"/bin/mkdir", p("x")},
		{"/usr/bin/tar", "-xf", p("t.tar"), "-C", p("x")},
		{"/bin/cp", "-a", p("a"), p("copy")},
		{"/bin/rm", "-r", p("a/b")},
		{"/bin/busybox", "cp", "-a", p("a"), p("bbcopy")},
		{"/bin/busybox", "mv", p("bbcopy/f"), p("bbcopy/g")},
	}
	for _, s := range steps {
		mustRun(t, append(v, s...)...)
	}
	// What the sandbox did is on the host.
	if b, err := os.ReadFile(p("a/pw2")); err != nil || string(b) != native(t, "/bin/cat", "/etc/passwd") {
		t.Errorf("a/pw2 on host: %v", err)
	}
	if st, err := os.Stat(p("a/pw2")); err != nil || st.Mode().Perm() != 0o600 || st.Sys().(interface{}) == nil {
		t.Errorf("a/pw2 mode: %v %v", st.Mode(), err)
	}
	if l, err := os.Readlink(p("a/link")); err != nil || l != "pw2" {
		t.Errorf("a/link: %q %v", l, err)
	}
	if _, err := os.Stat(p("a/b")); !os.IsNotExist(err) {
		t.Errorf("a/b still exists: %v", err)
	}
	if _, err := os.Stat(p("bbcopy/g")); err != nil {
		t.Errorf("busybox mv: %v", err)
	}
	// Listings, sums and sizes agree with the same tools run natively.
	for _, cmd := range [][]string{
		{"/bin/ls", "-la", "--time-style=+%s", p("a"), p("x/a"), p("copy")},
		{"/usr/bin/find", dir, "-printf", "%p %y %m %s %n\n"},
		{"/usr/bin/stat", "-c", "%n %s %a %h %F %Y", p("a/f"), p("a/pw2"), p("a/hard"), p("copy/f")},
		{"/usr/bin/sha256sum", p("a/pw2"), p("a/sorted"), p("t.tar")},
		{"/usr/bin/du", "-a", "--apparent-size", "-b", dir},
		{"/usr/bin/tar", "-tvf", p("t.tar")},
		{"/bin/busybox", "ls", "-la", p("a")},
		{"/bin/busybox", "find", dir},
		{"/bin/busybox", "sha256sum", p("a/sorted")},
		{"/bin/busybox", "du", "-a", dir},
		{"/bin/busybox", "tar", "-tvf", p("t.tar")},
	} {
		want := native(t, cmd...)
		r := mustRun(t, append(v, cmd...)...)
		if r.stdout != want {
			t.Errorf("%v: sandbox and host differ\nsandbox:\n%s\nhost:\n%s", cmd, r.stdout, want)
		}
	}
	// Writes to a volume are not overlay leftovers.
	r := mustRun(t, append(v, "/usr/bin/touch", p("new"))...)
	if strings.Contains(r.stderr, "overlay") {
		t.Errorf("volume write reported as overlay-only:\n%s", r.stderr)
	}
	// A read-only volume refuses writes.
	r = sentry(t, "run", "-v", dir+":"+dir+":ro", "/usr/bin/touch", p("ro"))
	if r.status == 0 || !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf("touch on a read-only volume: status %d stderr %q", r.status, r.stderr)
	}
}

func TestOverlayWritesAreNamedAtExitAndHostUntouched(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep"), []byte("original\n"), 0o644)
	for _, tc := range []struct {
		args  []string
		named string
	}{
		{[]string{"/usr/bin/touch", filepath.Join(dir, "created")}, filepath.Join(dir, "created")},
		{[]string{"/bin/cp", "/etc/hostname", filepath.Join(dir, "keep")}, filepath.Join(dir, "keep")},
		{[]string{"/usr/bin/sort", "-o", filepath.Join(dir, "sorted"), "/etc/passwd"}, filepath.Join(dir, "sorted")},
		{[]string{"/usr/bin/tar", "-cf", filepath.Join(dir, "t.tar"), "/etc/hostname"}, filepath.Join(dir, "t.tar")},
	} {
		r := mustRun(t, tc.args...)
		if !strings.Contains(r.stderr, "written only to the in-memory overlay") || !strings.Contains(r.stderr, "  "+tc.named+"\n") {
			t.Errorf("%v: stderr does not name %s:\n%s", tc.args, tc.named, r.stderr)
		}
	}
	// Removing or chmod-ing host files changes nothing on the host.
	for _, args := range [][]string{
		{"/bin/rm", filepath.Join(dir, "keep")},
		{"/bin/chmod", "000", filepath.Join(dir, "keep")},
		{"/bin/mv", filepath.Join(dir, "keep"), filepath.Join(dir, "moved")},
		{"/bin/chown", "12345:12345", filepath.Join(dir, "keep")},
	} {
		mustRun(t, args...)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "keep" {
		t.Errorf("host dir changed: %v", ents)
	}
	st, err := os.Stat(filepath.Join(dir, "keep"))
	b, _ := os.ReadFile(filepath.Join(dir, "keep"))
	if err != nil || st.Mode().Perm() != 0o644 || string(b) != "original\n" {
		t.Errorf("host file changed: %v %v %q", st.Mode(), err, b)
	}
}

// TestPathsNeverLeaveTheRootOrAVolume puts symlinks pointing outside into
// a --root and a volume and checks nothing outside is reached.
func TestPathsNeverLeaveTheRootOrAVolume(t *testing.T) {
	base := t.TempDir()
	root, vol, outside := filepath.Join(base, "root"), filepath.Join(base, "vol"), filepath.Join(base, "outside")
	for _, d := range []string{root, vol, outside, filepath.Join(root, "vol")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(base, "secret"), []byte("host secret\n"), 0o644)
	os.WriteFile(filepath.Join(outside, "secret"), []byte("outside secret\n"), 0o644)
	os.Symlink("..", filepath.Join(root, "up"))
	os.Symlink(filepath.Join(base, "secret"), filepath.Join(root, "abs"))
	os.Symlink("../secret", filepath.Join(root, "rel"))
	os.Symlink(outside, filepath.Join(vol, "out"))
	os.Symlink("loop", filepath.Join(vol, "loop"))
	bin := buildC(t, "fsescape", "-static")
	data, _ := os.ReadFile(bin)
	os.WriteFile(filepath.Join(root, "fsescape"), data, 0o755)
	r := sentry(t, "run", "--root", root, "-v", vol+":/vol", "/fsescape")
	if r.status != 0 {
		t.Fatalf("status %d stderr:\n%s", r.status, r.stderr)
	}
	if strings.Contains(r.stdout, "secret\n") {
		t.Errorf("a host file outside the sandbox was read:\n%s", r.stdout)
	}
	for _, w := range []string{
		"/vol/loop: Too many levels of symbolic links",
		"/vol/out/created: No such file or directory",
		"cwd after chdir /vol: /vol",
		"/vol/inside: opened",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "created")); err == nil {
		t.Errorf("a file was created outside the volume")
	}
	if _, err := os.Stat(filepath.Join(vol, "inside")); err != nil {
		t.Errorf("the volume write did not reach the host: %v", err)
	}
}

// TestCatToARedirectedFile has stdout be a host regular file, which makes
// cat try copy_file_range from its input to it.
func TestCatToARedirectedFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, in := range []string{"/etc/passwd", "/proc/self/mountinfo"} {
		f.Truncate(0)
		f.Seek(0, 0)
		cmd := exec.Command(sentryBin, "run", "/bin/cat", in)
		cmd.Stdout = f
		var errb strings.Builder
		cmd.Stderr = &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("cat %s > file: %v\n%s", in, err, errb.String())
		}
		b, _ := os.ReadFile(out)
		if len(b) == 0 || (in == "/etc/passwd" && string(b) != native(t, "/bin/cat", in)) {
			t.Errorf("cat %s > file wrote %q", in, b)
		}
	}
}

func TestDevHasTheUsualDevicesAndShm(t *testing.T) {
	r := mustRun(t, "/bin/ls", "/dev")
	for _, d := range []string{"console", "fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"} {
		if !strings.Contains(r.stdout, d+"\n") {
			t.Errorf("/dev lacks %s:\n%s", d, r.stdout)
		}
	}
	r = mustRun(t, "/usr/bin/stat", "-f", "-c", "%T", "/dev/shm")
	if r.stdout != "tmpfs\n" {
		t.Errorf("/dev/shm is %q", r.stdout)
	}
	r = mustRun(t, "/usr/bin/head", "-c", "4", "/dev/zero")
	if r.stdout != "\x00\x00\x00\x00" {
		t.Errorf("/dev/zero gave %q", r.stdout)
	}
	r = sentry(t, "run", "/bin/cp", "/etc/hostname", "/dev/full")
	if r.status == 0 || !strings.Contains(r.stderr, "No space left on device") {
		t.Errorf("cp to /dev/full: %d %q", r.status, r.stderr)
	}
}

func TestBlockingLocksWaitForReleaseAndSignals(t *testing.T) {
	bin := buildC(t, "fsblock", "-pthread")
	r := mustRun(t, bin, filepath.Join("/tmp", "fsblock-e2e"))
	want := "setlkw interrupted: -1 Interrupted system call\nflock interrupted: -1 Interrupted system call\n" +
		"setlkw after release: 0\nflock after release: 0\nthread sees itself in /proc: 1\n"
	if r.stdout != want {
		t.Errorf("got:\n%s\nwant:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}

// TestHostToolsSeeTheRootAsTheHostDoes compares read-only views of the
// overlay root with the same tools run natively.
func TestHostToolsSeeTheRootAsTheHostDoes(t *testing.T) {
	for _, cmd := range [][]string{
		{"/bin/ls", "-la", "/etc"},
		{"/usr/bin/find", "/usr/share/doc", "-maxdepth", "1"},
		{"/usr/bin/du", "-s", "--apparent-size", "/usr/share/doc"},
		{"/usr/bin/sha256sum", "/bin/ls", "/etc/passwd"},
		{"/bin/busybox", "ls", "-la", "/usr/bin"},
		{"/usr/bin/stat", "-c", "%n %s %a %h %F %Y %i", "/etc/passwd", "/usr/bin", "/bin"},
	} {
		want := native(t, cmd...)
		r := mustRun(t, cmd...)
		if r.stdout != want {
			t.Errorf("%v: sandbox and host differ\nsandbox:\n%s\nhost:\n%s", cmd, r.stdout, want)
		}
	}
}

// TestNamespaceCallsMatchLinux runs fsnames (mkdir, open flags, links,
// renameat2, rmdir, chmod, utimensat, fchdir, dup3, fcntl, ELOOP,
// ENAMETOOLONG ...) natively and in the sandbox, on a volume and in the
// overlay, and wants the same results; the overlay run leaves the host
// directory empty.
func TestNamespaceCallsMatchLinux(t *testing.T) {
	bin := buildC(t, "fsnames")
	nat, vol, ovl := t.TempDir(), t.TempDir(), t.TempDir()
	want := native(t, bin, nat)
	norm := func(s, dir string) string { return strings.ReplaceAll(s, dir, "DIR") }
	want = norm(want, nat)
	r := mustRun(t, "-v", vol+":"+vol, bin, vol)
	if got := norm(r.stdout, vol); got != want {
		t.Errorf("volume run differs from Linux\nsandbox:\n%s\nlinux:\n%s", got, want)
	}
	r = mustRun(t, bin, ovl)
	if got := norm(r.stdout, ovl); got != want {
		t.Errorf("overlay run differs from Linux\nsandbox:\n%s\nlinux:\n%s", got, want)
	}
	if ents, _ := os.ReadDir(ovl); len(ents) != 0 {
		t.Errorf("the overlay run changed the host directory: %v", ents)
	}
	if ents, _ := os.ReadDir(vol); len(ents) == 0 {
		t.Errorf("the volume run left nothing on the host")
	}
}

// TestExtendedAttributesLikeLinux runs fsxattr (set/get/list/remove with
// their flags, limits and errnos, symlinks, fd and *xattrat variants, a
// file that had an attribute before) natively, in a volume, and in the
// overlay, where the pre-existing file is the lower layer's and setting
// an attribute copies it up without touching the host.
func TestExtendedAttributesLikeLinux(t *testing.T) {
	bin := buildC(t, "fsxattr")
	nat, vol, ovl := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{nat, vol, ovl} {
		lower := filepath.Join(dir, "lower")
		if err := os.WriteFile(lower, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := unix.Setxattr(lower, "user.origin", []byte("host"), 0); err != nil {
			t.Fatalf("the host's temp directory must support user xattrs: %v", err)
		}
	}
	want := native(t, bin, nat)
	if !strings.Contains(want, "lower list: user.added user.origin\n") {
		t.Fatalf("unexpected native output:\n%s", want)
	}
	r := mustRun(t, "-v", vol+":"+vol, bin, vol)
	if r.stdout != want {
		t.Errorf("volume run differs from Linux\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
	buf := make([]byte, 1024)
	if n, err := unix.Listxattr(filepath.Join(vol, "xf"), buf); err != nil || !strings.Contains(string(buf[:n]), "user.vial") {
		t.Errorf("the volume file's host attributes: %q, %v", buf[:max(n, 0)], err)
	}
	r = mustRun(t, bin, ovl)
	if r.stdout != want {
		t.Errorf("overlay run differs from Linux\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
	if n, err := unix.Listxattr(filepath.Join(ovl, "lower"), buf); err != nil || string(buf[:n]) != "user.origin\x00" {
		t.Errorf("the overlay run changed the host file's attributes: %q, %v", buf[:max(n, 0)], err)
	}
	if ents, _ := os.ReadDir(ovl); len(ents) != 1 {
		t.Errorf("the overlay run changed the host directory: %v", ents)
	}
}

// TestNamedPipesWorkAsOnLinux runs fsfifo (mkfifo, blocking and
// non-blocking opens, data, EOF, O_RDWR, an interrupted open) natively
// and in the sandbox, and a shell pipeline through a FIFO.
func TestNamedPipesWorkAsOnLinux(t *testing.T) {
	bin := buildC(t, "fsfifo", "-pthread")
	want := native(t, bin, t.TempDir())
	r := mustRun(t, bin, "/tmp")
	if r.stdout != want {
		t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
	r = mustRun(t, "/bin/sh", "-c", "mkfifo /tmp/f && (echo via-fifo > /tmp/f &) && cat /tmp/f && ls -l /tmp/f")
	if !strings.HasPrefix(r.stdout, "via-fifo\nprw-r--r--") {
		t.Errorf("shell through a FIFO: %q\n%s", r.stdout, r.stderr)
	}
	dir := t.TempDir()
	r = sentry(t, "run", "-v", dir+":/v", "/usr/bin/mkfifo", "/v/f")
	if r.status == 0 || !strings.Contains(r.stderr, "Operation not permitted") {
		t.Errorf("mkfifo in a volume: status %d stderr %q", r.status, r.stderr)
	}
}

// TestRecordLocksBetweenProcesses runs fsproclocks (a forked child meets
// its parent's locks, waits for them, loses its own at exit; flock
// follows the shared description) natively and in the sandbox.
func TestRecordLocksBetweenProcesses(t *testing.T) {
	bin := buildC(t, "fsproclocks")
	want := native(t, bin, t.TempDir())
	r := mustRun(t, bin, "/tmp")
	if r.stdout != want {
		t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}

// TestFileLockDeadlockDetectedLikeLinux runs fsdeadlock natively and in
// the sandbox: a POSIX F_SETLKW that would close a cycle of two or three
// waiting processes fails with EDEADLK and the others then get their
// locks; a waiter interrupted by a signal leaves the cycle; OFD and
// flock cycles are not detected (a signal ends them), as on Linux.
func TestFileLockDeadlockDetectedLikeLinux(t *testing.T) {
	bin := buildC(t, "fsdeadlock")
	want := native(t, bin, t.TempDir())
	if !strings.Contains(want, "parent F_SETLKW: EDEADLK") {
		t.Fatalf("Linux itself did not report EDEADLK:\n%s", want)
	}
	dir := t.TempDir()
	for _, where := range []struct{ name, dir string }{{"volume", dir}, {"overlay", "/tmp"}} {
		r := mustRun(t, "-v", dir+":"+dir, bin, where.dir)
		if r.stdout != want {
			t.Errorf("%s: sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", where.name, r.stdout, want, r.stderr)
		}
	}
}

// TestSendfileIntoAFullSocketLosesNothing: sendfile into a non-blocking
// socket that fills up takes the file forward only by what the socket
// took, so every byte arrives once, in order.
func TestSendfileIntoAFullSocketLosesNothing(t *testing.T) {
	bin := buildC(t, "sendfile_partial")
	r := sentry(t, "run", bin)
	if r.status != 0 || r.stdout != "sent=4194304 pos=4194304 same=1 partial=yes\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.status, r.stdout, r.stderr)
	}
}

// TestExecReleasesLocksOfCloseOnExecFiles: execve closes close-on-exec
// descriptors, and with them the process's record locks on those files.
func TestExecReleasesLocksOfCloseOnExecFiles(t *testing.T) {
	bin := buildC(t, "lock_exec")
	r := sentry(t, "run", bin)
	if r.status != 0 || r.stdout != "released\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.status, r.stdout, r.stderr)
	}
}

// TestPipeSizeOfAFIFO: F_GETPIPE_SZ and F_SETPIPE_SZ work on a FIFO as on
// a pipe.
func TestPipeSizeOfAFIFO(t *testing.T) {
	bin := buildC(t, "fifo_size")
	r := sentry(t, "run", bin)
	if r.status != 0 || r.stdout != "before=65536 set=1048576 after=1048576\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.status, r.stdout, r.stderr)
	}
}

// TestProcFilesRenderAtReadAndTakeWrites: a /proc file opened before a
// rename shows the new name when read, lseek to 0 renders it again, and
// comm and oom_score_adj take writes, as on Linux.
func TestProcFilesRenderAtReadAndTakeWrites(t *testing.T) {
	bin := buildC(t, "procrw")
	want := native(t, bin)
	r := mustRun(t, bin)
	if r.stdout != want {
		t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}
