package vfs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenReadHost(t *testing.T) {
	e := newEnv(t)
	if got := e.read(t, "/etc/passwd"); got != "root:x:0:0:root:/root:/bin/sh\n" {
		t.Errorf("read /etc/passwd = %q", got)
	}
	st, err := e.fs.StatAt(nil, "/etc/passwd", true)
	if err != nil || !st.IsRegular() || st.Size != 30 {
		t.Errorf("StatAt = %+v, %v", st, err)
	}
	if got := e.fs.OverlayWrites(); len(got) != 0 {
		t.Errorf("OverlayWrites after reads = %v", got)
	}
}

func TestWriteCopiesUp(t *testing.T) {
	e := newEnv(t)
	host := filepath.Join(e.root, "etc/passwd")
	before := hostRead(t, host)
	ro := e.open(t, "/etc/passwd", unix.O_RDONLY)
	defer ro.DecRef()

	f := e.open(t, "/etc/passwd", unix.O_RDWR)
	if _, err := f.Write([]byte("ROOT")); err != nil {
		t.Fatal(err)
	}
	f.DecRef()
	want := "ROOT" + before[4:]
	if got := e.read(t, "/etc/passwd"); got != want {
		t.Errorf("after write: %q, want %q", got, want)
	}
	if got := hostRead(t, host); got != before {
		t.Errorf("host file changed: %q", got)
	}
	// O_TRUNC copies up without the data.
	e.write(t, "/etc/hosts", unix.O_WRONLY|unix.O_TRUNC, "new")
	if got := e.read(t, "/etc/hosts"); got != "new" {
		t.Errorf("/etc/hosts = %q", got)
	}
	if got := hostRead(t, filepath.Join(e.root, "etc/hosts")); got != "127.0.0.1 localhost\n" {
		t.Errorf("host /etc/hosts changed: %q", got)
	}
	// Mode is copied up too.
	st, _ := e.fs.StatAt(nil, "/bin/sh", true)
	e.write(t, "/bin/sh", unix.O_WRONLY|unix.O_APPEND, "x")
	st2, _ := e.fs.StatAt(nil, "/bin/sh", true)
	if st2.Mode != st.Mode || st2.Size != 3 {
		t.Errorf("copied-up /bin/sh: mode %o size %d, want mode %o size 3", st2.Mode, st2.Size, st.Mode)
	}
	if got := e.fs.OverlayWrites(); !slices.Equal(got, []string{"/bin/sh", "/etc/hosts", "/etc/passwd"}) {
		t.Errorf("OverlayWrites = %v", got)
	}
}

func TestCreateStaysInMemory(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/probe", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, "hello")
	if _, err := os.Lstat(filepath.Join(e.root, "tmp/probe")); !os.IsNotExist(err) {
		t.Fatalf("/tmp/probe reached the host: %v", err)
	}
	if got := e.read(t, "/tmp/probe"); got != "hello" {
		t.Errorf("read back %q", got)
	}
	if err := e.fs.MkdirAt(nil, "/newdir", 0755); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.SymlinkAt("/etc", nil, "/newdir/l"); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, "/newdir/l/hostname"); got != "sandbox\n" {
		t.Errorf("through new symlink: %q", got)
	}
	entries, _ := os.ReadDir(e.root)
	for _, ent := range entries {
		if ent.Name() == "newdir" {
			t.Fatal("mkdir reached the host")
		}
	}
}

func TestRealRootNeverChanges(t *testing.T) {
	fs, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	probe := "/tmp/sentry-vfs-probe-" + filepath.Base(t.TempDir())
	f, err := fs.OpenAt(nil, probe, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, 0600)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	f.DecRef()
	if _, err := os.Lstat(probe); !os.IsNotExist(err) {
		t.Fatalf("%s reached the host: %v", probe, err)
	}
	if _, err := fs.StatAt(nil, "/etc", true); err != nil {
		t.Errorf("stat /etc: %v", err)
	}
	// The host's /proc is not visible before the kernel mounts its own.
	if _, err := fs.StatAt(nil, "/proc/self", false); err != unix.ENOENT {
		t.Errorf("stat /proc/self: %v, want ENOENT", err)
	}
	if err := fs.UnlinkAt(nil, "/etc/hostname", false); err != nil && err != unix.ENOENT {
		t.Errorf("unlink /etc/hostname: %v", err)
	}
	if _, err := os.Stat("/etc"); err != nil {
		t.Fatal(err)
	}
}

func TestWhiteouts(t *testing.T) {
	e := newEnv(t)
	if err := e.fs.UnlinkAt(nil, "/etc/hosts", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fs.StatAt(nil, "/etc/hosts", false); err != unix.ENOENT {
		t.Errorf("stat unlinked: %v", err)
	}
	if slices.Contains(listNames(t, e.fs, "/etc"), "hosts") {
		t.Error("listing shows the unlinked file")
	}
	if got := hostRead(t, filepath.Join(e.root, "etc/hosts")); got == "" {
		t.Error("host file lost")
	}
	// A new file in the same place is fresh.
	e.write(t, "/etc/hosts", unix.O_WRONLY|unix.O_CREAT, "")
	if got := e.read(t, "/etc/hosts"); got != "" {
		t.Errorf("re-created file reads %q", got)
	}
	// ... and removing it again keeps the lower one hidden.
	if err := e.fs.UnlinkAt(nil, "/etc/hosts", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fs.StatAt(nil, "/etc/hosts", false); err != unix.ENOENT {
		t.Errorf("stat after second unlink: %v", err)
	}

	// rm -r of a host directory, then mkdir: the new one is empty (opaque).
	for _, p := range []string{"/dir/sub/c"} {
		if err := e.fs.UnlinkAt(nil, p, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.fs.UnlinkAt(nil, "/dir/sub", true); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.MkdirAt(nil, "/dir/sub", 0700); err != nil {
		t.Fatal(err)
	}
	if got := listNames(t, e.fs, "/dir/sub"); !slices.Equal(got, []string{".", ".."}) {
		t.Errorf("re-made dir lists %v", got)
	}
	if _, err := e.fs.StatAt(nil, "/dir/sub/c", false); err != unix.ENOENT {
		t.Errorf("old content visible: %v", err)
	}
	st, _ := e.fs.StatAt(nil, "/dir/sub", false)
	if st.Mode != unix.S_IFDIR|0700 {
		t.Errorf("mode %o", st.Mode)
	}
}

func TestGetdentsMerges(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/etc/new", unix.O_WRONLY|unix.O_CREAT, "n")
	e.write(t, "/etc/passwd", unix.O_WRONLY|unix.O_APPEND, "more")
	if err := e.fs.UnlinkAt(nil, "/etc/hosts", false); err != nil {
		t.Fatal(err)
	}
	got := listNames(t, e.fs, "/etc")
	slices.Sort(got)
	want := []string{".", "..", "hostname", "new", "passwd", "pw"}
	if !slices.Equal(got, want) {
		t.Fatalf("listing %v, want %v", got, want)
	}

	// Small buffers give the same entries with stable offsets, and a
	// seek to a returned offset continues from there.
	f := e.open(t, "/etc", unix.O_RDONLY|unix.O_DIRECTORY)
	defer f.DecRef()
	var all []Dirent
	for {
		ents, err := f.Getdents(40)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) == 0 {
			break
		}
		all = append(all, ents...)
	}
	if len(all) != len(want) {
		t.Fatalf("small-buffer listing has %d entries", len(all))
	}
	passwdIno := uint64(0)
	for i, d := range all {
		if d.Off != int64(i+1) {
			t.Errorf("entry %d offset %d", i, d.Off)
		}
		if d.Name == "passwd" {
			passwdIno = d.Ino
			if d.Type != unix.DT_REG {
				t.Errorf("passwd type %d", d.Type)
			}
		}
	}
	if st, _ := e.fs.StatAt(nil, "/etc/passwd", false); st.Ino != passwdIno {
		t.Errorf("listing ino %d, stat ino %d", passwdIno, st.Ino)
	}
	if _, err := f.Seek(all[2].Off, unix.SEEK_SET); err != nil {
		t.Fatal(err)
	}
	ents, err := f.Getdents(4096)
	if err != nil || len(ents) != len(all)-3 || ents[0].Name != all[3].Name {
		t.Errorf("after seek: %v, %v", ents, err)
	}
	if _, err := f.Getdents(10); err != nil {
		t.Errorf("Getdents at end with a tiny buffer: %v", err)
	}
	f.Seek(0, unix.SEEK_SET)
	if _, err := f.Getdents(10); err != unix.EINVAL {
		t.Errorf("Getdents with a too small buffer: %v, want EINVAL", err)
	}
}

func TestRenameOverlay(t *testing.T) {
	e := newEnv(t)
	if err := e.fs.RenameAt(nil, "/etc/passwd", nil, "/etc/passwd2", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fs.StatAt(nil, "/etc/passwd", false); err != unix.ENOENT {
		t.Errorf("old name: %v", err)
	}
	if got := e.read(t, "/etc/passwd2"); got != "root:x:0:0:root:/root:/bin/sh\n" {
		t.Errorf("new name reads %q", got)
	}
	if _, err := os.Stat(filepath.Join(e.root, "etc/passwd")); err != nil {
		t.Errorf("host file gone: %v", err)
	}

	// A directory present only on the host moves with its content, and a
	// dentry held inside it (a cwd) follows.
	cwd, err := e.fs.Lookup(nil, "/dir/sub", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fs.RenameAt(nil, "/dir", nil, "/dir2", 0); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, "/dir2/sub/c"); got != "C" {
		t.Errorf("/dir2/sub/c = %q", got)
	}
	if got := cwd.Path(); got != "/dir2/sub" {
		t.Errorf("cwd Path = %q", got)
	}
	if f, err := e.fs.OpenAt(cwd, "c", unix.O_RDONLY, 0); err != nil {
		t.Errorf("relative open in moved cwd: %v", err)
	} else {
		f.DecRef()
	}
	names := listNames(t, e.fs, "/")
	if slices.Contains(names, "dir") || !slices.Contains(names, "dir2") {
		t.Errorf("root lists %v", names)
	}

	// Replace an existing file; exchange two.
	e.write(t, "/tmp/x", unix.O_WRONLY|unix.O_CREAT, "x")
	e.write(t, "/tmp/y", unix.O_WRONLY|unix.O_CREAT, "y")
	if err := e.fs.RenameAt(nil, "/tmp/x", nil, "/tmp/y", RenameExchange); err != nil {
		t.Fatal(err)
	}
	if e.read(t, "/tmp/x") != "y" || e.read(t, "/tmp/y") != "x" {
		t.Error("exchange did not swap")
	}
	if err := e.fs.RenameAt(nil, "/tmp/x", nil, "/tmp/y", 0); err != nil {
		t.Fatal(err)
	}
	if e.read(t, "/tmp/y") != "y" {
		t.Error("rename did not replace")
	}
	if _, err := e.fs.StatAt(nil, "/tmp/x", false); err != unix.ENOENT {
		t.Errorf("/tmp/x after rename: %v", err)
	}
	// Rename over a host file, then unlink: the host file stays hidden.
	if err := e.fs.RenameAt(nil, "/tmp/y", nil, "/etc/hostname", 0); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.UnlinkAt(nil, "/etc/hostname", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fs.StatAt(nil, "/etc/hostname", false); err != unix.ENOENT {
		t.Errorf("/etc/hostname: %v", err)
	}
}

func TestHardLinks(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/a", unix.O_WRONLY|unix.O_CREAT, "one")
	if err := e.fs.LinkAt(nil, "/tmp/a", nil, "/tmp/b", false); err != nil {
		t.Fatal(err)
	}
	e.write(t, "/tmp/a", unix.O_WRONLY|unix.O_APPEND, "two")
	if got := e.read(t, "/tmp/b"); got != "onetwo" {
		t.Errorf("/tmp/b = %q", got)
	}
	sa, _ := e.fs.StatAt(nil, "/tmp/a", false)
	sb, _ := e.fs.StatAt(nil, "/tmp/b", false)
	if sa.Ino != sb.Ino || sa.Nlink != 2 {
		t.Errorf("a ino %d nlink %d, b ino %d", sa.Ino, sa.Nlink, sb.Ino)
	}
	if err := e.fs.UnlinkAt(nil, "/tmp/a", false); err != nil {
		t.Fatal(err)
	}
	if sb, _ = e.fs.StatAt(nil, "/tmp/b", false); sb.Nlink != 1 {
		t.Errorf("nlink after unlink %d", sb.Nlink)
	}
	// Linking a host file copies it up first.
	if err := e.fs.LinkAt(nil, "/etc/hostname", nil, "/tmp/hn", false); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, "/tmp/hn"); got != "sandbox\n" {
		t.Errorf("/tmp/hn = %q", got)
	}
	// Following a symlink or not.
	if err := e.fs.LinkAt(nil, "/etc/pw", nil, "/tmp/pwlink", false); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.fs.StatAt(nil, "/tmp/pwlink", false); st.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Errorf("link of symlink without follow: mode %o", st.Mode)
	}
	if err := e.fs.LinkAt(nil, "/etc/pw", nil, "/tmp/pwfile", true); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.fs.StatAt(nil, "/tmp/pwfile", false); !st.IsRegular() {
		t.Errorf("link of symlink with follow: mode %o", st.Mode)
	}
}

func TestUnlinkedOpenFileStaysReadable(t *testing.T) {
	e := newEnv(t)
	e.write(t, "/tmp/f", unix.O_WRONLY|unix.O_CREAT, "data")
	f := e.open(t, "/tmp/f", unix.O_RDWR)
	defer f.DecRef()
	if err := e.fs.UnlinkAt(nil, "/tmp/f", false); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, f); got != "data" {
		t.Errorf("read after unlink %q", got)
	}
	if st, _ := f.Stat(); st.Nlink != 0 {
		t.Errorf("nlink %d", st.Nlink)
	}
	if slices.Contains(e.fs.OverlayWrites(), "/tmp/f") {
		t.Error("unlinked file reported")
	}
}

func TestChmodTruncateUtimes(t *testing.T) {
	e := newEnv(t)
	if err := e.fs.ChmodAt(nil, "/etc/passwd", 0600, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.fs.StatAt(nil, "/etc/passwd", true); st.Mode != unix.S_IFREG|0600 || st.Size != 30 {
		t.Errorf("after chmod: mode %o size %d", st.Mode, st.Size)
	}
	if fi, _ := os.Stat(filepath.Join(e.root, "etc/passwd")); fi.Mode().Perm() != 0644 {
		t.Errorf("host mode changed: %v", fi.Mode())
	}
	if err := e.fs.TruncateAt(nil, "/etc/hosts", 4); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, "/etc/hosts"); got != "127." {
		t.Errorf("after truncate %q", got)
	}
	ts := unix.Timespec{Sec: 1000}
	if err := e.fs.UtimesAt(nil, "/etc/hostname", ts, unix.Timespec{Nsec: UtimeOmit}, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.fs.StatAt(nil, "/etc/hostname", true); st.Atime != ts {
		t.Errorf("atime %v", st.Atime)
	}
	if err := e.fs.ChmodAt(nil, "/bin", 0700, true); err != nil {
		t.Fatal(err)
	}
	if got := listNames(t, e.fs, "/bin"); !slices.Contains(got, "sh") {
		t.Errorf("chmod of a host dir hid its content: %v", got)
	}
}

func TestOverlayIdentity(t *testing.T) {
	e := newEnv(t)
	before, _ := e.fs.StatAt(nil, "/etc/passwd", true)
	etc, _ := e.fs.StatAt(nil, "/etc", true)
	root, _ := e.fs.StatAt(nil, "/", true)
	if before.Dev != root.Dev || etc.Dev != root.Dev {
		t.Errorf("st_dev differs inside the overlay: %x %x %x", before.Dev, etc.Dev, root.Dev)
	}
	f := e.open(t, "/etc/passwd", unix.O_RDONLY)
	if st, _ := f.Stat(); st.Dev != before.Dev || st.Ino != before.Ino {
		t.Errorf("fstat of a lower file: %x/%d, stat %x/%d", st.Dev, st.Ino, before.Dev, before.Ino)
	}
	f.DecRef()
	e.write(t, "/etc/passwd", unix.O_WRONLY|unix.O_APPEND, "x")
	after, _ := e.fs.StatAt(nil, "/etc/passwd", true)
	if after.Ino != before.Ino || after.Dev != before.Dev {
		t.Errorf("copy-up changed identity: %x/%d -> %x/%d", before.Dev, before.Ino, after.Dev, after.Ino)
	}
	e.write(t, "/tmp/new", unix.O_WRONLY|unix.O_CREAT, "")
	if st, _ := e.fs.StatAt(nil, "/tmp/new", true); st.Ino < memInoBase || st.Dev != root.Dev {
		t.Errorf("new file: dev %x ino %d", st.Dev, st.Ino)
	}
	data, _ := e.fs.StatAt(nil, "/data", true)
	if data.Dev == root.Dev {
		t.Error("a volume shares the overlay's st_dev")
	}
}
