package e2e

// Behaviours of the sentry as an OCI runtime checked against runc's on
// the same bundle: runc runs it with a state directory of its own.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// runcRun runs bundle's container under runc (`runc run`, as engines'
// create+start) and returns what it wrote and its status.
func runcRun(t *testing.T, bundle, id string) result {
	t.Helper()
	runc := needTool(t, "runc")
	var out, errb bytes.Buffer
	cmd := exec.Command(runc, "--root", t.TempDir(), "run", "--bundle", bundle, id)
	cmd.Stdout, cmd.Stderr = &out, &errb
	wait(t, cmd, hangLimit, &out, &errb)
	st := 0
	if cmd.ProcessState != nil {
		st = cmd.ProcessState.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), status: st}
}

// sentryRun runs bundle's container under the sentry (create, start,
// wait, delete) and returns what the container wrote and its status.
func sentryRun(t *testing.T, bundle, id string) result {
	t.Helper()
	becomeSubreaper(t)
	o := newOCI(t)
	o.must("create", "--bundle", bundle, id)
	pid := int(o.state(id)["pid"].(float64))
	o.must("start", id)
	ws := waitContainer(t, pid)
	o.must("delete", id)
	out, errs := o.containerOutput()
	return result{stdout: out, stderr: errs, status: ws.ExitStatus()}
}

// TestOCIReadonlyRootRefusesWritesAsRunc: with root.readonly, every
// change under "/" fails with EROFS as after runc's read-only remount,
// while a tmpfs mounted on it and /dev/shm stay writable; the shell's
// own words for each are runc's.
func TestOCIReadonlyRootRefusesWritesAsRunc(t *testing.T) {
	script := `exec 2>&1
for d in / /tmp/ /dev/shm/; do
  busybox touch ${d}f; echo "touch $d $?"
  busybox mkdir ${d}d; echo "mkdir $d $?"
  echo x > ${d}e; echo "write $d $?"
  busybox ls ${d}d >/dev/null; echo "ls $d $?"
done
echo x >> /etc/data; echo "append / $?"
busybox rm /bin/true; echo "unlink / $?"
busybox mv /bin/cat /bin/cat2; echo "rename / $?"
busybox chmod 700 /etc/data; echo "chmod / $?"
busybox ln -s x /l; echo "symlink / $?"
busybox rmdir /bin; echo "rmdir / $?"
busybox ls /tmp
`
	bundle := busyboxBundle(t, "sh", "-c", script)
	// Not the running busybox: Linux's open for writing checks that
	// it is no running program (ETXTBSY) before the mount.
	if err := os.MkdirAll(filepath.Join(bundle, "rootfs/etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "rootfs/etc/data"), []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	editConfig(t, bundle, func(c map[string]any) {
		c["root"].(map[string]any)["readonly"] = true
		c["mounts"] = append(c["mounts"].([]any), map[string]any{
			"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "mode=1777"},
		})
	})
	want := runcRun(t, bundle, "ro-runc")
	got := sentryRun(t, bundle, "ro-sentry")
	if got != want {
		t.Fatalf("sentry:\n%s%s(status %d)\nrunc:\n%s%s(status %d)", got.stdout, got.stderr, got.status, want.stdout, want.stderr, want.status)
	}
	t.Logf("runc and the sentry:\n%s", got.stdout)
}
