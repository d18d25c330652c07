package vfs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFileAccessModes(t *testing.T) {
	e := newEnv(t)
	ro := e.open(t, "/etc/passwd", unix.O_RDONLY)
	defer ro.DecRef()
	wo := e.open(t, "/tmp/w", unix.O_WRONLY|unix.O_CREAT)
	defer wo.DecRef()
	dir := e.open(t, "/etc", unix.O_RDONLY)
	defer dir.DecRef()
	path := e.open(t, "/etc/passwd", unix.O_PATH)
	defer path.DecRef()
	buf := make([]byte, 4)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"write O_RDONLY", second(ro.Write(buf)), unix.EBADF},
		{"pwrite O_RDONLY", second(ro.WriteAt(buf, 0)), unix.EBADF},
		{"read O_WRONLY", second(wo.Read(buf)), unix.EBADF},
		{"read dir", second(dir.Read(buf)), unix.EISDIR},
		{"pread dir", second(dir.ReadAt(buf, 0)), unix.EISDIR},
		{"read O_PATH", second(path.Read(buf)), unix.EBADF},
		{"getdents O_PATH", second(path.Getdents(100)), unix.EBADF},
		{"getdents file", second(ro.Getdents(100)), unix.ENOTDIR},
		{"seek O_PATH", second(path.Seek(0, 0)), unix.EBADF},
		{"seek bad whence", second(ro.Seek(0, 7)), unix.EINVAL},
		{"seek negative", second(ro.Seek(-1, unix.SEEK_SET)), unix.EINVAL},
		{"seek end of dir", second(dir.Seek(0, unix.SEEK_END)), unix.EINVAL},
		{"seek data past end", second(ro.Seek(100, unix.SEEK_DATA)), unix.ENXIO},
		{"pread negative", second(ro.ReadAt(buf, -1)), unix.EINVAL},
		{"ftruncate O_RDONLY", ro.Truncate(0), unix.EINVAL},
		{"ftruncate dir", dir.Truncate(0), unix.EINVAL},
		{"ftruncate O_PATH", path.Truncate(0), unix.EBADF},
		{"ftruncate negative", wo.Truncate(-1), unix.EINVAL},
		{"fsync O_PATH", path.Sync(), unix.EBADF},
		{"fchmod O_PATH", path.Chmod(0), unix.EBADF},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, tc.err, tc.want)
	}
	if st, err := path.Stat(); err != nil || st.Size != 30 {
		t.Errorf("fstat O_PATH: %+v, %v", st, err)
	}
	if path.Flags() != unix.O_PATH {
		t.Errorf("O_PATH flags %#o", path.Flags())
	}
	if n, err := ro.Seek(-5, unix.SEEK_END); n != 25 || err != nil {
		t.Errorf("SEEK_END = %d, %v", n, err)
	}
	if n, err := ro.Seek(3, unix.SEEK_HOLE); n != 30 || err != nil {
		t.Errorf("SEEK_HOLE = %d, %v", n, err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestFileOffsetsAndAppend(t *testing.T) {
	for _, where := range []string{"/tmp", "/data"} { // memory and host volume
		t.Run(where, func(t *testing.T) {
			e := newEnv(t)
			p := where + "/f"
			f := e.open(t, p, unix.O_RDWR|unix.O_CREAT)
			defer f.DecRef()
			f.Write([]byte("hello world"))
			if n, _ := f.Seek(0, unix.SEEK_CUR); n != 11 {
				t.Errorf("offset after write %d", n)
			}
			if _, err := f.WriteAt([]byte("W"), 6); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 20)
			n, err := f.ReadAt(buf, 0)
			if err != io.EOF || string(buf[:n]) != "hello World" {
				t.Errorf("ReadAt = %q, %v", buf[:n], err)
			}
			if n, err := f.ReadAt(buf[:5], 6); n != 5 || err != nil {
				t.Errorf("full ReadAt = %d, %v", n, err)
			}
			f.SetFlags(unix.O_APPEND | unix.O_RDONLY) // access mode is kept
			if f.Flags()&unix.O_ACCMODE != unix.O_RDWR || f.Flags()&unix.O_APPEND == 0 {
				t.Errorf("flags %#o", f.Flags())
			}
			f.Seek(0, unix.SEEK_SET)
			f.Write([]byte("!"))
			if n, _ := f.Seek(0, unix.SEEK_CUR); n != 12 {
				t.Errorf("offset after append %d", n)
			}
			f.WriteAt([]byte("?"), 0) // pwrite appends with O_APPEND, as on Linux
			f.SetFlags(0)
			f.Write([]byte("H")) // at offset 12: pwrite did not move it
			if got := e.read(t, p); got != "hello World!H" {
				t.Errorf("content %q", got)
			}
			if err := f.Truncate(5); err != nil {
				t.Fatal(err)
			}
			if st, _ := f.Stat(); st.Size != 5 {
				t.Errorf("size after ftruncate %d", st.Size)
			}
			// Reading past the end gives 0 bytes, writing past it makes a hole.
			if n, err := f.Read(buf); n != 0 || err != nil {
				t.Errorf("read past end = %d, %v", n, err)
			}
			f.WriteAt([]byte("x"), 10)
			got := e.read(t, p)
			if got != "hello\x00\x00\x00\x00\x00x" {
				t.Errorf("sparse content %q", got)
			}
		})
	}
}

func TestMemFileLarge(t *testing.T) {
	e := newEnv(t)
	f := e.open(t, "/tmp/big", unix.O_RDWR|unix.O_CREAT)
	defer f.DecRef()
	// A huge sparse size costs nothing until written.
	if err := f.Truncate(1 << 40); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	if st.Size != 1<<40 || st.Blocks != 0 {
		t.Errorf("sparse stat size %d blocks %d", st.Size, st.Blocks)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // crosses chunks
	if _, err := f.WriteAt(data, chunkSize-7); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(data))
	if _, err := f.ReadAt(got, chunkSize-7); err != nil || !bytes.Equal(got, data) {
		t.Errorf("read back differs: %v", err)
	}
	if err := f.Truncate(chunkSize); err != nil {
		t.Fatal(err)
	}
	f.Truncate(2 * chunkSize)
	tail := make([]byte, chunkSize)
	f.ReadAt(tail, chunkSize)
	if !bytes.Equal(tail, make([]byte, chunkSize)) {
		t.Error("data past a truncation came back")
	}
	if _, err := f.WriteAt([]byte("x"), maxMemFileSize); err != unix.EFBIG {
		t.Errorf("write past the limit: %v", err)
	}
}

func TestCopyUpOfRealLargeFile(t *testing.T) {
	e := newEnv(t)
	data := bytes.Repeat([]byte{1, 2, 3}, 100000)
	os.WriteFile(e.root+"/bin/big", data, 0755)
	f := e.open(t, "/bin/big", unix.O_RDWR)
	defer f.DecRef()
	got := make([]byte, len(data))
	if n, err := f.ReadAt(got, 0); n != len(data) || err != nil || !bytes.Equal(got, data) {
		t.Errorf("copied-up content differs: %d, %v", n, err)
	}
	if _, err := f.ReadAt(got[:1], int64(len(data))); err != io.EOF {
		t.Errorf("ReadAt at EOF: %v", err)
	}
}

func TestRefCounting(t *testing.T) {
	e := newEnv(t)
	f := e.open(t, "/data/existing", unix.O_RDONLY)
	hf := f.impl.(*hostFile)
	f.IncRef()
	f.DecRef()
	var st unix.Stat_t
	if err := unix.Fstat(hf.fd, &st); err != nil {
		t.Fatalf("fd closed while referenced: %v", err)
	}
	f.DecRef()
	if err := unix.Fstat(hf.fd, &st); err != unix.EBADF {
		t.Errorf("fd still open after the last DecRef: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	shared := e.open(t, "/tmp/shared", unix.O_RDWR|unix.O_CREAT|unix.O_APPEND)
	defer shared.DecRef()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				p := fmt.Sprintf("/tmp/g%d-%d", g, i)
				f, err := e.fs.OpenAt(nil, p, unix.O_RDWR|unix.O_CREAT, 0644)
				if err != nil {
					t.Error(err)
					return
				}
				f.Write([]byte("data"))
				f.DecRef()
				shared.Write([]byte("0123456789"))
				e.fs.StatAt(nil, "/etc/passwd", true)
				e.fs.RenameAt(nil, p, nil, p+".r", 0)
				listNames(t, e.fs, "/tmp")
				if err := e.fs.UnlinkAt(nil, p+".r", false); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if st, _ := shared.Stat(); st.Size != 4*50*10 {
		t.Errorf("appends lost: size %d", st.Size)
	}
}

func TestDirFileAndFchmod(t *testing.T) {
	e := newEnv(t)
	if !e.fs.Root().IsDir() || e.fs.Root().Path() != "/" {
		t.Error("Root is not the / directory")
	}
	d := e.open(t, "/etc", unix.O_RDONLY|unix.O_DIRECTORY)
	defer d.DecRef()
	if st, err := d.Stat(); err != nil || !st.IsDir() {
		t.Errorf("fstat dir: %+v, %v", st, err)
	}
	if d.Dentry().Path() != "/etc" || d.Name() != "/etc" {
		t.Errorf("dir dentry %q", d.Dentry().Path())
	}
	if _, err := d.Write([]byte("x")); err != unix.EBADF {
		t.Errorf("write to dir: %v", err)
	}
	if err := d.Sync(); err != nil {
		t.Errorf("fsync dir: %v", err)
	}
	f := e.open(t, "/etc/hostname", unix.O_RDONLY)
	defer f.DecRef()
	if err := f.Chmod(0400); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.fs.StatAt(nil, "/etc/hostname", true); st.Mode != unix.S_IFREG|0400 {
		t.Errorf("mode after fchmod %o", st.Mode)
	}
	if e.fs.Root().Deleted() {
		t.Error("root deleted")
	}
}
