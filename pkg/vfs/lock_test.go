package vfs

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestRecordLocksConflictByOwner(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/l", unix.O_CREAT|unix.O_WRONLY, "0123456789")
	a := e.open(t, "/tmp/l", unix.O_RDWR)
	b := e.open(t, "/tmp/l", unix.O_RDWR)
	defer a.DecRef()
	defer b.DecRef()
	wr := func(s, end uint64) Lock { return Lock{Type: unix.F_WRLCK, Start: s, End: end} }
	steps := []struct {
		name  string
		f     *File
		owner any
		l     Lock
		want  error
	}{
		{"pid 1 locks 0-9", a, 1, wr(0, 9), nil},
		{"pid 1 again through b", b, 1, wr(0, 9), nil},
		{"pid 2 overlaps", a, 2, wr(5, 5), unix.EAGAIN},
		{"pid 2 beyond", a, 2, wr(10, LockEOF), nil},
		{"OFD of b overlaps pid 1", b, nil, wr(3, 3), unix.EAGAIN},
		{"pid 1 unlocks 0-4", a, 1, Lock{Type: unix.F_UNLCK, Start: 0, End: 4}, nil},
		{"OFD of b in the freed part", b, nil, wr(0, 4), nil},
		{"pid 1 read lock over OFD", a, 1, Lock{Type: unix.F_RDLCK, Start: 4, End: 4}, unix.EAGAIN},
	}
	for _, s := range steps {
		_, err := s.f.SetLock(s.owner, s.l)
		wantErr(t, s.name, err, s.want)
	}
	if c, ok := a.TestLock(3, wr(0, LockEOF)); !ok || c.Type != unix.F_WRLCK {
		t.Errorf("TestLock: %+v %v, want a conflicting write lock", c, ok)
	}
	// Closing any fd drops the process's locks; the last reference of
	// b drops its OFD lock.
	a.ReleaseLocks(1)
	b.DecRef()
	b = e.open(t, "/tmp/l", unix.O_RDWR)
	if _, err := b.SetLock(3, wr(0, 9)); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestSetLockWaitChannelFiresOnUnlock(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/l", unix.O_CREAT|unix.O_WRONLY, "x")
	a := e.open(t, "/tmp/l", unix.O_RDWR)
	defer a.DecRef()
	if _, err := a.SetLock(1, Lock{Type: unix.F_WRLCK, End: LockEOF}); err != nil {
		t.Fatal(err)
	}
	ch, err := a.SetLock(2, Lock{Type: unix.F_WRLCK, End: LockEOF})
	if err != unix.EAGAIN || ch == nil {
		t.Fatalf("got %v %v", ch, err)
	}
	select {
	case <-ch:
		t.Fatal("woken before unlock")
	default:
	}
	a.SetLock(1, Lock{Type: unix.F_UNLCK, End: LockEOF})
	select {
	case <-ch:
	default:
		t.Fatal("not woken by unlock")
	}
}

func TestFlockSharedAndExclusive(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/data/f", unix.O_CREAT|unix.O_WRONLY, "x")
	a := e.open(t, "/data/f", unix.O_RDONLY)
	b := e.open(t, "/data/f", unix.O_RDONLY)
	defer a.DecRef()
	defer b.DecRef()
	for _, s := range []struct {
		f    *File
		op   int
		want error
	}{
		{a, unix.LOCK_SH, nil},
		{b, unix.LOCK_SH, nil},
		{b, unix.LOCK_EX, unix.EWOULDBLOCK},
		{a, unix.LOCK_UN, nil},
		{b, unix.LOCK_EX, nil},
		{a, unix.LOCK_SH, unix.EWOULDBLOCK},
		{a, 99, unix.EINVAL},
	} {
		_, err := s.f.Flock(s.op)
		wantErr(t, "flock", err, s.want)
	}
}

func TestChownIsRecordedInTheOverlayOnly(t *testing.T) {
	e := newEnv(t)
	if err := e.fs.ChownAt(nil, "/etc/hosts", 123, keepID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.ChmodAt(nil, "/etc/passwd", 04755, true); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.ChownAt(nil, "/etc/passwd", keepID, 77, true); err != nil {
		t.Fatal(err)
	}
	st, _ := e.fs.StatAt(nil, "/etc/hosts", true)
	if st.UID != 123 {
		t.Errorf("uid %d", st.UID)
	}
	st, _ = e.fs.StatAt(nil, "/etc/passwd", true)
	if st.GID != 77 || st.Mode&07777 != 0755 {
		t.Errorf("gid %d mode %o: want 77 and setuid dropped", st.GID, st.Mode&07777)
	}
	if e.read(t, "/etc/hosts") != "127.0.0.1 localhost\n" {
		t.Errorf("content lost on chown copy-up")
	}
	wantErr(t, "chown in /proc", e.fs.ChownAt(nil, "/proc", 1, 1, true), unix.EROFS)
	wantErr(t, "chown missing", e.fs.ChownAt(nil, "/nope", 1, 1, true), unix.ENOENT)
}

func TestOpenat2ResolveFlags(t *testing.T) {
	e := newEnv(t)
	dir, err := e.fs.Lookup(nil, "/dir", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		start   *Dentry
		path    string
		resolve uint64
		want    error
	}{
		{dir, "a", ResolveBeneath, nil},
		{dir, "../etc/passwd", ResolveBeneath, unix.EXDEV},
		{dir, "/etc/passwd", ResolveBeneath, unix.EXDEV},
		{dir, "../../../a", ResolveInRoot, nil},
		{dir, "/sub/c", ResolveInRoot, nil},
		{nil, "/link/passwd", ResolveNoSymlinks, unix.ELOOP},
		{nil, "/link/passwd", 0, nil},
		{nil, "/data/existing", ResolveNoXdev, unix.EXDEV},
		{nil, "/etc/hosts", ResolveCached, nil},
	} {
		f, err := e.fs.OpenAt2(tc.start, tc.path, unix.O_RDONLY, 0, tc.resolve)
		wantErr(t, tc.path, err, tc.want)
		if f != nil {
			f.DecRef()
		}
	}
}

func TestMemFDSealsAndFallocate(t *testing.T) {
	e := newEnv(t)
	f := e.fs.NewMemFD("x", true)
	defer f.DecRef()
	if _, err := f.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := f.Fallocate(0, 0, 100); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Stat(); st.Size != 100 {
		t.Errorf("size %d after fallocate", st.Size)
	}
	if err := f.AddSeals(SealGrow | SealShrink); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "grow sealed", f.Truncate(200), unix.EPERM)
	wantErr(t, "shrink sealed", f.Truncate(10), unix.EPERM)
	if _, err := f.WriteAt([]byte("ok"), 0); err != nil {
		t.Errorf("write inside a grow-sealed file: %v", err)
	}
	_, err := f.WriteAt([]byte("no"), 99)
	wantErr(t, "write past end", err, unix.EPERM)
	wantErr(t, "fallocate bad mode", f.Fallocate(0x40, 0, 1), unix.EOPNOTSUPP)
	if f.Name() != "/memfd:x (deleted)" {
		t.Errorf("name %q", f.Name())
	}
}

func TestAdjacentLocksMerge(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/l", unix.O_CREAT|unix.O_WRONLY, "x")
	a := e.open(t, "/tmp/l", unix.O_RDWR)
	defer a.DecRef()
	a.SetLock(1, Lock{Type: unix.F_WRLCK, Start: 0, End: 9})
	a.SetLock(1, Lock{Type: unix.F_WRLCK, Start: 10, End: 19})
	a.SetLock(1, Lock{Type: unix.F_RDLCK, Start: 20, End: 29})
	c, ok := a.TestLock(2, Lock{Type: unix.F_RDLCK, Start: 5, End: 5})
	if !ok || c.Start != 0 || c.End != 19 || c.Type != unix.F_WRLCK {
		t.Errorf("got %+v %v, want one write lock 0-19", c, ok)
	}
}
