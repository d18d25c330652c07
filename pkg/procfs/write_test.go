package procfs

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// TestFileRendersAtFirstReadAndAtOffsetZero: an open file shows the
// state at its first read, keeps that rendering for reads further on, and
// renders again for a read from offset 0, as seq_file does.
func TestFileRendersAtFirstReadAndAtOffsetZero(t *testing.T) {
	fs, k := newTestFS(t)
	f, err := fs.OpenAt(nil, "/proc/self/comm", unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.DecRef()
	k.comm = map[int]string{0: "renamed"}
	buf := make([]byte, 3)
	read := func(off int64) string {
		n, err := f.ReadAt(buf, off)
		if err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		return string(buf[:n])
	}
	steps := []struct {
		rename string
		off    int64
		want   string
	}{
		{"", 0, "ren"}, // rendered at the first read, not at open
		{"other", 3, "ame"},
		{"", 0, "oth"},
		{"", 3, "er\n"},
	}
	for i, s := range steps {
		if s.rename != "" {
			k.comm[0] = s.rename
		}
		if got := read(s.off); got != s.want {
			t.Errorf("step %d: read at %d = %q, want %q", i, s.off, got, s.want)
		}
	}
}

func TestWrites(t *testing.T) {
	for _, tc := range []struct {
		path, data string
		want       error
		// read is the file's content after the write ("" for no check).
		read string
	}{
		{"/proc/self/comm", "renamed", nil, "renamed\n"},
		{"/proc/self/comm", "abcdefghijklmnopqrstuvwxyz\n", nil, "abcdefghijklmno\n"},
		{"/proc/self/comm", "a\x00b", nil, "a\n"},
		{"/proc/self/comm", "", nil, "\n"},
		{"/proc/self/oom_score_adj", "100", nil, "100\n"},
		{"/proc/self/oom_score_adj", " -1000\n", nil, "-1000\n"},
		{"/proc/self/oom_score_adj", "0x10", nil, "16\n"},
		{"/proc/self/oom_score_adj", "010\n", nil, "8\n"},
		{"/proc/self/oom_score_adj", "+5", nil, "5\n"},
		{"/proc/self/oom_score_adj", "5000", unix.EINVAL, "0\n"},
		{"/proc/self/oom_score_adj", "-1001", unix.EINVAL, "0\n"},
		{"/proc/self/oom_score_adj", "abc", unix.EINVAL, "0\n"},
		{"/proc/self/oom_score_adj", "1_0", unix.EINVAL, "0\n"},
		{"/proc/self/oom_score_adj", "-+5", unix.EINVAL, "0\n"},
		{"/proc/self/oom_score_adj", "", unix.EINVAL, "0\n"},
		{"/proc/self/oom_score_adj", "99999999999", unix.ERANGE, "0\n"},
		{"/proc/self/stat", "1", unix.EINVAL, ""},
		{"/proc/self/task/7/stat", "1", unix.EINVAL, ""},
		{"/proc/version", "1", unix.EIO, ""},
	} {
		fs, _ := newTestFS(t)
		f, err := fs.OpenAt(nil, tc.path, unix.O_WRONLY|unix.O_TRUNC, 0)
		if err != nil {
			t.Fatalf("open %s: %v", tc.path, err)
		}
		n, err := f.Write([]byte(tc.data))
		f.DecRef()
		if err != tc.want || err == nil && n != len(tc.data) {
			t.Errorf("write %q to %s = %d, %v; want %v", tc.data, tc.path, n, err, tc.want)
		}
		if tc.read != "" {
			if got := readPath(t, fs, tc.path); got != tc.read {
				t.Errorf("after writing %q, %s reads %q, want %q", tc.data, tc.path, got, tc.read)
			}
		}
	}
}

// TestWriteOpenNeedsPrivilege: a caller that is not root cannot open a
// read-only file for writing, as on Linux, and may write its own comm.
func TestWriteOpenNeedsPrivilege(t *testing.T) {
	fs, err := vfs.New(vfs.Options{HostRoot: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	k := &userKernel{fakeKernel: &fakeKernel{fs: fs}}
	if err := fs.MountTyped("/proc", New(k, Restrict{}), "proc"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/proc/self/stat", unix.EACCES},
		{"/proc/version", unix.EACCES},
		{"/proc/self/comm", nil},
		{"/proc/self/task/7/comm", nil},
		{"/proc/sys/kernel/hostname", unix.EACCES},
	} {
		f, err := fs.OpenAt(nil, tc.path, unix.O_RDWR, 0)
		if err != tc.want {
			t.Errorf("open %s O_RDWR: %v, want %v", tc.path, err, tc.want)
		}
		if f != nil {
			f.DecRef()
		}
	}
}

// userKernel is fakeKernel whose process runs as uid 1000.
type userKernel struct{ *fakeKernel }

func (k *userKernel) Process(pid int) Process {
	if p := k.fakeKernel.Process(pid); p != nil {
		return userProc{p.(fakeProc)}
	}
	return nil
}

type userProc struct{ fakeProc }

func (p userProc) Status() Status {
	s := p.fakeProc.Status()
	s.UID, s.EUID, s.SUID, s.FSUID = 1000, 1000, 1000, 1000
	s.CapPrm, s.CapEff = 0, 0
	return s
}

// TestUTSFilesSetTheNames: root writes /proc/sys/kernel/hostname and
// domainname as Linux's proc_do_uts_string takes them: up to the first
// newline or NUL, cut at 64 bytes, the whole write counted.
func TestUTSFilesSetTheNames(t *testing.T) {
	fs, k := newTestFS(t)
	long := strings.Repeat("h", 70)
	for _, tc := range []struct {
		path, write, want string
		domain            bool
	}{
		{"/proc/sys/kernel/hostname", "box2\nignored", "box2", false},
		{"/proc/sys/kernel/hostname", long, long[:64], false},
		{"/proc/sys/kernel/domainname", "dom\x00x", "dom", true},
	} {
		f, err := fs.OpenAt(nil, tc.path, unix.O_WRONLY, 0)
		if err != nil {
			t.Fatalf("open %s: %v", tc.path, err)
		}
		n, err := f.Impl().WriteAt([]byte(tc.write), 0)
		f.DecRef()
		if err != nil || n != len(tc.write) {
			t.Errorf("write %q to %s: %d, %v", tc.write, tc.path, n, err)
		}
		got := k.uts[0]
		if tc.domain {
			got = k.uts[1]
		}
		if got != tc.want {
			t.Errorf("write %q to %s set %q, want %q", tc.write, tc.path, got, tc.want)
		}
	}
	st, err := fs.StatAt(nil, "/proc/sys/kernel/hostname", true)
	if err != nil || st.Mode&0o777 != 0o644 {
		t.Errorf("hostname mode %o, %v; want 0644", st.Mode&0o777, err)
	}
}
