package procfs

import (
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// fakeKernel is a one-process kernel for testing the tree's shape.
type fakeKernel struct {
	fs    *vfs.FS
	files map[int]*vfs.File
	cwd   *vfs.Dentry
	// comm and oom are what writes to comm and oom_score_adj set.
	comm map[int]string
	oom  int
	// owner and nonDumpable are the process's euid/egid and dumpable flag.
	owner       [2]uint32
	nonDumpable bool
	// uts are the host and domain names written to /proc/sys/kernel.
	uts [2]string
}

func (k *fakeKernel) Caller() (int, int) { return 7, 7 }
func (k *fakeKernel) PIDs() []int        { return []int{7} }
func (k *fakeKernel) Process(pid int) Process {
	if pid != 7 {
		return nil
	}
	return fakeProc{k}
}
func (k *fakeKernel) System() System {
	return System{Hostname: "box", Domainname: "(none)", Release: "6.1", Version: "#1", Boot: time.Now().Add(-time.Minute), CPUs: 3,
		MemTotal: 1 << 30, MemFree: 1 << 29, Threads: 1, LastPID: 7, Somaxconn: 4096, Overcommit: 1,
		GIDMap: []IDMapping{{0, 1000, 3000}, {5000, 9000, 1}}, Sysctl: map[string]string{"net.ipv4.ip_forward": "1"}}
}
func (k *fakeKernel) SetUTSName(domain bool, name string) {
	if domain {
		k.uts[1] = name
	} else {
		k.uts[0] = name
	}
}
func (k *fakeKernel) Mounts() []vfs.MountInfo { return k.fs.Mounts() }
func (k *fakeKernel) NetFiles() []string      { return []string{"tcp", "tcp6", "unix"} }
func (k *fakeKernel) NetFile(name string) (string, bool) {
	switch name {
	case "tcp", "tcp6", "unix":
		return name + " table of the stack\n", true
	}
	return "", false
}

type fakeProc struct{ k *fakeKernel }

func (p fakeProc) Status() Status {
	comm, _ := p.TaskComm(0)
	return Status{PID: 7, PGID: 7, SID: 7, Comm: comm, State: 'R', Threads: 1, Start: time.Now(), VmSize: 8192,
		CapPrm: 1<<41 - 1, CapEff: 1<<41 - 1, CapBnd: 1<<41 - 1}
}
func (p fakeProc) Tasks() []int { return []int{7} }
func (p fakeProc) TaskComm(tid int) (string, bool) {
	if c, ok := p.k.comm[tid]; ok {
		return c, true
	}
	return "prog", true
}
func (p fakeProc) SetTaskComm(tid int, name string) bool {
	if p.k.comm == nil {
		p.k.comm = map[int]string{}
	}
	p.k.comm[tid] = name
	return true
}
func (p fakeProc) OOMScoreAdj() int     { return p.k.oom }
func (p fakeProc) SetOOMScoreAdj(v int) { p.k.oom = v }
func (p fakeProc) Cmdline() []string    { return []string{"prog", "arg"} }
func (p fakeProc) Environ() []string    { return []string{"A=1"} }
func (p fakeProc) Exe() string          { return "/bin/prog" }
func (p fakeProc) Cwd() *vfs.Dentry {
	if p.k.cwd != nil {
		return p.k.cwd
	}
	return p.k.fs.Root()
}
func (p fakeProc) Owner() (uint32, uint32, bool) { return p.k.owner[0], p.k.owner[1], !p.k.nonDumpable }
func (p fakeProc) Limits() (l [16][2]uint64)     { l[unix.RLIMIT_NOFILE] = [2]uint64{1024, 4096}; return }
func (p fakeProc) Maps() []vm.VMAInfo {
	return []vm.VMAInfo{{Start: 0x1000, End: 0x3000, Prot: unix.PROT_READ | unix.PROT_EXEC, Name: "/bin/prog"}}
}
func (p fakeProc) FDs() []int {
	var out []int
	for fd := range p.k.files {
		out = append(out, fd)
	}
	return out
}
func (p fakeProc) FD(fd int) (*vfs.File, bool, bool) {
	f := p.k.files[fd]
	if f == nil {
		return nil, false, false
	}
	f.IncRef()
	return f, true, true
}

func newTestFS(t *testing.T) (*vfs.FS, *fakeKernel) {
	t.Helper()
	return newRestrictedFS(t, Restrict{})
}

func newRestrictedFS(t *testing.T, r Restrict) (*vfs.FS, *fakeKernel) {
	t.Helper()
	fs, err := vfs.New(vfs.Options{HostRoot: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	k := &fakeKernel{fs: fs, files: map[int]*vfs.File{}}
	if err := fs.MountTyped("/proc", New(k, r), "proc"); err != nil {
		t.Fatal(err)
	}
	if err := fs.MountTyped("/sys", NewSys(k, r), "sysfs"); err != nil {
		t.Fatal(err)
	}
	return fs, k
}

func readPath(t *testing.T, fs *vfs.FS, p string) string {
	t.Helper()
	f, err := fs.OpenAt(nil, p, unix.O_RDONLY, 0)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.DecRef()
	var b strings.Builder
	buf := make([]byte, 100)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if n == 0 || err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
	}
}

func TestProcFilesFromKernelState(t *testing.T) {
	fs, _ := newTestFS(t)
	for _, tc := range []struct{ path, want string }{
		{"/proc/self/status", "Pid:\t7\n"},
		{"/proc/7/cmdline", "prog\x00arg\x00"},
		{"/proc/self/environ", "A=1\x00"},
		{"/proc/self/comm", "prog\n"},
		{"/proc/self/stat", "7 (prog) R 0 7 7 "},
		{"/proc/self/maps", "00001000-00003000 r-xp 00000000 00:00 0"},
		{"/proc/self/limits", "Max open files            1024                 4096"},
		{"/proc/self/mountinfo", " / /proc ro,relatime - proc proc ro\n"},
		{"/proc/self/task/7/comm", "prog\n"},
		{"/proc/self/uid_map", "         0          0 4294967295\n"},
		{"/proc/7/gid_map", "         0       1000       3000\n      5000       9000          1\n"},
		{"/proc/net/tcp", "tcp table of the stack\n"},
		{"/proc/7/net/tcp6", "tcp6 table of the stack\n"},
		{"/proc/self/net/unix", "unix table of the stack\n"},
		{"/proc/sys/kernel/hostname", "box\n"},
		{"/proc/sys/vm/overcommit_memory", "1\n"},
		{"/proc/sys/net/core/somaxconn", "4096\n"},
		{"/proc/sys/net/ipv4/ip_forward", "1\n"},
		{"/proc/uptime", " "},
		{"/proc/loadavg", "1/1 7\n"},
		{"/sys/devices/system/cpu/online", "0-2\n"},
		{"/sys/devices/system/cpu/possible", "0-2\n"},
		{"/sys/kernel/mm/transparent_hugepage/enabled", "[never]"},
	} {
		if got := readPath(t, fs, tc.path); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q lacks %q", tc.path, got, tc.want)
		}
	}
	if got := strings.Count(readPath(t, fs, "/proc/self/stat"), " ") + 1; got != 52 {
		t.Errorf("/proc/self/stat has %d fields, want 52", got)
	}
	if l, err := fs.ReadlinkAt(nil, "/proc/self"); err != nil || l != "7" {
		t.Errorf("readlink /proc/self: %q %v", l, err)
	}
	if l, err := fs.ReadlinkAt(nil, "/proc/self/exe"); err != nil || l != "/bin/prog" {
		t.Errorf("readlink exe: %q %v", l, err)
	}
}

func TestProcIsReadOnlyAndUnknownPIDsAreMissing(t *testing.T) {
	fs, _ := newTestFS(t)
	for _, tc := range []struct {
		path  string
		flags int
		want  error
	}{
		{"/proc/8/status", unix.O_RDONLY, unix.ENOENT},
		{"/proc/sys/kernel/ostype", unix.O_WRONLY, unix.EROFS},
		{"/sys/devices/system/cpu/online", unix.O_WRONLY, unix.EROFS},
		{"/proc/new", unix.O_WRONLY | unix.O_CREAT, unix.EROFS},
		{"/sys/nothing", unix.O_RDONLY, unix.ENOENT},
		{"/proc/self/fd/9", unix.O_RDONLY, unix.ENOENT},
	} {
		f, err := fs.OpenAt(nil, tc.path, tc.flags, 0o644)
		if err != tc.want {
			t.Errorf("%s: got %v, want %v", tc.path, err, tc.want)
		}
		if f != nil {
			f.DecRef()
		}
	}
	if err := fs.MkdirAt(nil, "/proc/self/x", 0o755); err != unix.EROFS {
		t.Errorf("mkdir in /proc: %v", err)
	}
}

// TestFDLinkReachesTheOpenFileEvenUnlinked opens /proc/self/fd/N of a file
// whose name is gone: the link stands for the file, not the name.
func TestFDLinkReachesTheOpenFileEvenUnlinked(t *testing.T) {
	fs, k := newTestFS(t)
	f, err := fs.OpenAt(nil, "/gone", unix.O_RDWR|unix.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("still here"))
	k.files[3] = f
	if err := fs.UnlinkAt(nil, "/gone", false); err != nil {
		t.Fatal(err)
	}
	if got := readPath(t, fs, "/proc/self/fd/3"); got != "still here" {
		t.Errorf("through the fd link: %q", got)
	}
	if l, err := fs.ReadlinkAt(nil, "/proc/self/fd/3"); err != nil || l != "/gone (deleted)" {
		t.Errorf("readlink fd/3: %q %v", l, err)
	}
	mf := fs.NewMemFD("m", false)
	mf.Write([]byte("anon"))
	k.files[4] = mf
	g, err := fs.OpenAt(nil, "/proc/self/fd/4", unix.O_RDONLY, 0)
	if err != nil || g != mf {
		t.Fatalf("anonymous file through its fd link: %v %v", g, err)
	}
	g.DecRef()
	if got := readPath(t, fs, "/proc/self/fdinfo/4"); !strings.Contains(got, "pos:\t4\n") || !strings.Contains(got, "flags:\t02000002\n") {
		t.Errorf("fdinfo: %q", got)
	}
	if _, err := fs.OpenAt2(nil, "/proc/self/fd/4", unix.O_RDONLY, 0, vfs.ResolveNoMagiclinks); err != unix.ELOOP {
		t.Errorf("RESOLVE_NO_MAGICLINKS: %v", err)
	}
}

func TestCwdLinkReachesARemovedDirectory(t *testing.T) {
	fs, k := newTestFS(t)
	if err := fs.MkdirAt(nil, "/w", 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := fs.Lookup(nil, "/w", true)
	if err != nil {
		t.Fatal(err)
	}
	k.cwd = d
	if got, err := fs.Lookup(nil, "/proc/self/cwd", true); err != nil || got != d {
		t.Fatalf("cwd link: %v %v", got, err)
	}
	if err := fs.UnlinkAt(nil, "/w", true); err != nil {
		t.Fatal(err)
	}
	if got, err := fs.Lookup(nil, "/proc/self/cwd", true); err != nil || got != d || !got.Deleted() {
		t.Errorf("cwd link after rmdir: %v %v", got, err)
	}
	if l, err := fs.ReadlinkAt(nil, "/proc/self/cwd"); err != nil || l != "/w (deleted)" {
		t.Errorf("readlink cwd: %q %v", l, err)
	}
}

// TestProcessFilesBelongToTheProcessOwner: /proc/PID and all under it
// show the process's euid/egid, asked at each stat; while the process is
// not dumpable, only its world-readable directories keep them and the
// rest is root's (task_dump_owner); /proc/PID/net's tables and the rest
// of /proc stay root's; the fd directory is 0500 and each fd link
// carries the file's access mode, as on Linux.
func TestProcessFilesBelongToTheProcessOwner(t *testing.T) {
	fs, k := newTestFS(t)
	rd, err := fs.OpenAt(nil, "/r", unix.O_RDONLY|unix.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	k.files[3] = rd
	wr, err := fs.OpenAt(nil, "/r", unix.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	k.files[4] = wr
	stat := func(p string) vfs.Stat {
		t.Helper()
		st, err := fs.StatAt(nil, p, false)
		if err != nil {
			t.Fatalf("stat %s: %v", p, err)
		}
		return st
	}
	k.owner = [2]uint32{1000, 100}
	for _, nonDumpable := range []bool{false, true} {
		k.nonDumpable = nonDumpable
		for _, p := range []string{"/proc/7", "/proc/7/task", "/proc/7/net", "/proc/7/fdinfo", "/proc/7/status", "/proc/7/fd", "/proc/7/fd/3", "/proc/7/exe", "/proc/7/task/7/comm"} {
			want := k.owner
			if nonDumpable && stat(p).Mode != unix.S_IFDIR|0o555 {
				want = [2]uint32{}
			}
			if st := stat(p); st.UID != want[0] || st.GID != want[1] {
				t.Errorf("dumpable %v: %s owned by %d:%d, want %d:%d", !nonDumpable, p, st.UID, st.GID, want[0], want[1])
			}
		}
		for _, p := range []string{"/proc/7/net/tcp", "/proc/version", "/proc/sys/kernel/hostname"} {
			if st := stat(p); st.UID != 0 || st.GID != 0 {
				t.Errorf("%s owned by %d:%d, want root", p, st.UID, st.GID)
			}
		}
	}
	for p, want := range map[string]uint32{"/proc/7/fd": 0o500, "/proc/7/fdinfo": 0o555, "/proc/7/fd/3": 0o500, "/proc/7/fd/4": 0o300} {
		if got := stat(p).Mode & 0o7777; got != want {
			t.Errorf("%s mode %o, want %o", p, got, want)
		}
	}
}

// TestMaskedAndReadOnlyPaths: a masked file is /dev/null (empty, writes
// vanish), a masked directory is empty, and under a read-only path a
// write-open is EROFS even for a file root may write otherwise; what is
// not named stays as it was.
func TestMaskedAndReadOnlyPaths(t *testing.T) {
	fs, _ := newRestrictedFS(t, Restrict{
		Masked:   []string{"/proc/cpuinfo", "/sys/kernel/mm/", "/proc/kcore"},
		ReadOnly: []string{"/proc/sys"},
	})
	st, err := fs.StatAt(nil, "/proc/cpuinfo", true)
	if err != nil || st.Mode != unix.S_IFCHR|0o666 || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("masked cpuinfo: %+v %v", st, err)
	}
	if got := readPath(t, fs, "/proc/cpuinfo"); got != "" {
		t.Errorf("masked cpuinfo reads %q", got)
	}
	d, err := fs.OpenAt(nil, "/sys/kernel/mm", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ents, err := d.Getdents(100); err != nil || len(ents) != 2 { // . and ..
		t.Errorf("masked /sys/kernel/mm lists %v, %v", ents, err)
	} else if ents[0].Name != "." || ents[1].Name != ".." {
		t.Errorf("masked /sys/kernel/mm lists %v, %v", ents, err)
	}
	d.DecRef()
	if _, err := fs.StatAt(nil, "/sys/kernel/mm/transparent_hugepage/enabled", true); err != unix.ENOENT {
		t.Errorf("under a masked directory: %v", err)
	}
	if _, err := fs.OpenAt(nil, "/proc/sys/kernel/hostname", unix.O_WRONLY, 0); err != unix.EROFS {
		t.Errorf("hostname under read-only /proc/sys: %v, want EROFS", err)
	}
	if got := readPath(t, fs, "/proc/sys/kernel/hostname"); got != "box\n" {
		t.Errorf("read-only hostname reads %q", got)
	}
	if got := readPath(t, fs, "/proc/self/comm"); got != "prog\n" {
		t.Errorf("comm: %q", got)
	}
	f, err := fs.OpenAt(nil, "/proc/self/comm", unix.O_WRONLY, 0)
	if err != nil {
		t.Errorf("comm outside the read-only paths: %v", err)
	} else {
		f.DecRef()
	}
}
