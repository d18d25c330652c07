package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Memory shared between processes: MAP_SHARED file mappings (overlay,
// /dev/shm, memfd, volume, a host file copied up), shared anonymous memory
// across fork and mremap, process-shared futexes under POSIX semaphores,
// mutexes and condition variables. testdata/c/shm.c prints what each mode
// sees; the sandbox must print what Linux does.

// shmModes are shm.c's modes run by the comparisons; dir is a host
// directory the sandbox sees as a volume at the same path.
func shmModes(dir string) [][]string {
	return [][]string{
		{"file", "/tmp"}, {"file", "/dev/shm"}, {"file", dir}, {"memfd"}, {"anon"}, {"sem"}, {"pi"},
	}
}

func TestSharedMemoryBetweenProcessesMatchesLinux(t *testing.T) {
	bin := buildC(t, "shm", "-pthread")
	dir := t.TempDir()
	for _, args := range shmModes(dir) {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want := native(t, append([]string{bin}, args...)...)
			got := mustRun(t, append([]string{"-v", dir + ":" + dir, bin}, args...)...)
			if got.stdout != want {
				t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", got.stdout, want, got.stderr)
			}
		})
	}
}

// TestRISCVSharedMemoryBetweenProcessesMatchesLinux runs the same modes
// built statically for riscv64 and compares them with the amd64 program
// run natively (the output does not depend on the architecture).
func TestRISCVSharedMemoryBetweenProcessesMatchesLinux(t *testing.T) {
	bin := buildC(t, "shm", "-pthread")
	rv := buildRISCVFrom(t, filepath.Join("c", "shm.c"))
	dir := t.TempDir()
	for _, args := range shmModes(dir) {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want := native(t, append([]string{bin}, args...)...)
			got := mustRun(t, append([]string{"-v", dir + ":" + dir, rv}, args...)...)
			if got.stdout != want {
				t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", got.stdout, want, got.stderr)
			}
		})
	}
}

// TestSharedMappingOfHostFileIsCopiedUp: a read-only root's file opened
// read-write and mapped shared is one memory for its mappers and read(),
// as on Linux, while the host file stays unchanged.
func TestSharedMappingOfHostFileIsCopiedUp(t *testing.T) {
	bin := buildC(t, "shm", "-pthread")
	dir := t.TempDir()
	nat, box := filepath.Join(dir, "native"), filepath.Join(dir, "sandbox")
	for _, p := range []string{nat, box} {
		if err := os.WriteFile(p, []byte("hello world\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := native(t, bin, "existing", nat)
	got := mustRun(t, bin, "existing", box)
	if got.stdout != want {
		t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", got.stdout, want, got.stderr)
	}
	if b, _ := os.ReadFile(box); string(b) != "hello world\n" {
		t.Errorf("the host file changed: %q", b)
	}
}

// TestSharedMappingWritesReachVolumeFile: stores through a shared mapping
// of a volume file reach the host file when the process exits, without
// msync or munmap, as they do on Linux.
func TestSharedMappingWritesReachVolumeFile(t *testing.T) {
	bin := buildC(t, "shm", "-pthread")
	dir := t.TempDir()
	for _, b := range []struct{ name, bin string }{
		{"amd64", bin}, {"riscv64", buildRISCVFrom(t, filepath.Join("c", "shm.c"))},
	} {
		t.Run(b.name, func(t *testing.T) {
			f := filepath.Join(dir, b.name)
			mustRun(t, "-v", dir+":"+dir, b.bin, "writeback", f)
			if got, _ := os.ReadFile(f); string(got) != "abcdefghijklmnopqrstuvwxyz" {
				t.Errorf("volume file holds %q", got)
			}
		})
	}
}

// TestMsyncAndMunmapWriteToVolumeFile: a running program's stores through
// a shared mapping of a volume file are in the host file once msync
// returns, and again once munmap returns, before the program exits.
func TestMsyncAndMunmapWriteToVolumeFile(t *testing.T) {
	bin := buildC(t, "shm", "-pthread")
	dir := t.TempDir()
	f := filepath.Join(dir, "synced")
	cmd := exec.Command(sentryBin, "run", "-v", dir+":"+dir, bin, "sync", f)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	lines := bufio.NewScanner(stdout)
	for _, step := range []struct{ line, want string }{
		{"msync: 0", "abcdefghijklmnopqrstuvwxyz"},
		{"munmap: 0", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
	} {
		if !lines.Scan() || lines.Text() != step.line {
			t.Fatalf("program printed %q, want %q (%v)", lines.Text(), step.line, lines.Err())
		}
		if got, _ := os.ReadFile(f); string(got) != step.want {
			t.Errorf("after %q the host file holds %q, want %q", step.line, got, step.want)
		}
		stdin.Write([]byte{'\n'})
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("sentry: %v", err)
	}
}

// TestPythonMultiprocessingMatchesLinux: CPython's multiprocessing (a
// ProcessPoolExecutor, a Queue, a Lock, shared Value and Array) works in
// the sandbox and prints what it prints natively.
func TestPythonMultiprocessingMatchesLinux(t *testing.T) {
	py := "/usr/bin/python3.11"
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("%s is not installed: %v", py, err)
	}
	script, err := filepath.Abs(filepath.Join("..", "testdata", "py", "multiprocessing_shared.py"))
	if err != nil {
		t.Fatal(err)
	}
	want := native(t, py, script)
	got := mustRun(t, py, script)
	if got.stdout != want {
		t.Errorf("sandbox and Linux differ\nsandbox:\n%s\nlinux:\n%s\nstderr:\n%s", got.stdout, want, got.stderr)
	}
}
