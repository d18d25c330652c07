package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// needRedis fails early, and clearly, when redis is not installed on the
// host (make deps installs it).
func needRedis(t *testing.T) {
	t.Helper()
	for _, p := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed (make deps installs it)", p)
		}
	}
}

// redisScript runs a shell script inside the sandbox with /data a fresh
// volume, and returns its output lines without redis's own log.
func redisScript(t *testing.T, shell []string, script string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "script.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// A failure, a hang included, shows what the servers logged.
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range []string{"log", "log2"} {
				if b, err := os.ReadFile(filepath.Join(data, name)); err == nil {
					l := string(b)
					// A crash report starts with the signal and the
					// stack; the tail is mostly INFO.
					if i := strings.Index(l, "BUG REPORT START"); i >= 0 {
						l = l[max(0, i-2000):]
						l = l[:min(len(l), 12000)]
					} else {
						l = tail(l, 8000)
					}
					t.Logf("redis %s:\n%s", name, l)
				}
			}
		}
	})
	args := append([]string{"run", "-v", data + ":/data", "-v", dir + ":/x"}, shell...)
	// shell may start with sentry flags (--root DIR) before the program.
	r := sentry(t, append(args, "/x/script.sh")...)
	if r.status != 0 {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	log, _ := os.ReadFile(filepath.Join(data, "log"))
	return r.stdout, string(log)
}

// TestSeedWorkflowRedisInBackground is the seed notes' session: a shell
// starts redis-server as a background job, talks to it with redis-cli,
// and stops it with kill %1. busybox sh, like the seed: dash's kill %job
// signals a process group, which a non-interactive shell's jobs do not
// have (on Linux too).
func TestSeedWorkflowRedisInBackground(t *testing.T) {
	needRedis(t)
	if _, err := os.Stat("/usr/bin/busybox"); err != nil {
		t.Fatal("busybox is not installed (make deps installs it)")
	}
	r := sentry(t, "run", "/usr/bin/busybox", "sh", "-c",
		`redis-server --port 6391 --save "" --logfile /dev/null & sleep 1; redis-cli -p 6391 ping; redis-cli -p 6391 set k v; redis-cli -p 6391 get k; kill %1; wait; echo end $?`)
	if want := "PONG\nOK\nv\nend 0\n"; r.stdout != want || r.status != 0 {
		t.Fatalf("stdout %q status %d, want %q; stderr:\n%s", r.stdout, r.status, want, r.stderr)
	}
}

// TestRedisBGSAVEWhileWriting forks redis holding 200k keys for BGSAVE
// while a client keeps writing; the dump holds the keys at fork time and
// loads on restart.
func TestRedisBGSAVEWhileWriting(t *testing.T) {
	needRedis(t)
	out, log := redisScript(t, []string{"/bin/sh"}, bgsaveScript(200000))
	// The parent answers while the child saves: a SET, and INFO saying
	// the save is still in progress. rdb-key-save-delay -2 (as Redis's
	// own tests slow a save down: a 1 µs sleep for one key in 2, so
	// 100,000 nanosleeps; one in 4 made a 5.5 s save on a quiet machine)
	// keeps the child saving for over 10 s, and longer on a loaded machine,
	// so the check does not race the save (it did: a 3 s save finished
	// before two redis-cli runs under load). A positive delay sleeps at
	// every key: 200,000 sleeps of 50 µs took four minutes.
	want := "Background saving started\nOK\nrdb_bgsave_in_progress:1\nOK\nrdb_last_bgsave_status:ok\n200002\n200000\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s\nredis log:\n%s", out, want, log)
	}
	if !strings.Contains(log, "DB saved on disk") {
		t.Errorf("the child did not report saving:\n%s", log)
	}
}

// bgsaveScript fills redis with n keys, forks it for BGSAVE while a
// client keeps writing, and restarts it from the dump.
func bgsaveScript(n int) string {
	return strings.ReplaceAll(`
R="redis-cli -p 6392"
redis-server --port 6392 --save "" --dir /data --logfile /data/log --enable-debug-command yes --rdb-key-save-delay -2 &
until [ "$($R ping 2>/dev/null)" = PONG ]; do sleep 0.1; done
$R debug populate @KEYS@ key 200 >/dev/null
$R bgsave
$R set during 1
$R info persistence | grep rdb_bgsave_in_progress | tr -d '\r'
$R -r 2000 set extra x | tail -1
until $R info persistence | grep -q rdb_bgsave_in_progress:0; do sleep 0.1; done
$R info persistence | grep rdb_last_bgsave_status | tr -d '\r'
$R dbsize
$R shutdown nosave
wait
redis-server --port 6392 --save "" --dir /data --logfile /data/log2 &
until [ "$($R ping 2>/dev/null)" = PONG ]; do sleep 0.1; done
$R dbsize
$R shutdown nosave
wait
`, "@KEYS@", strconv.Itoa(n))
}

// TestRedisBGREWRITEAOF: turning AOF on and BGREWRITEAOF both fork a
// rewrite child while the parent keeps counting; the AOF loads on restart.
func TestRedisBGREWRITEAOF(t *testing.T) {
	needRedis(t)
	out, log := redisScript(t, []string{"/bin/sh"}, `
R="redis-cli -p 6393"
redis-server --port 6393 --save "" --dir /data --logfile /data/log --enable-debug-command yes &
until [ "$($R ping 2>/dev/null)" = PONG ]; do sleep 0.1; done
$R debug populate 100000 >/dev/null
$R config set appendonly yes
$R -r 1000 incr counter | tail -1
until $R info persistence | grep -q aof_rewrite_in_progress:0 && $R info persistence | grep -q aof_rewrite_scheduled:0; do sleep 0.1; done
$R bgrewriteaof
until $R info persistence | grep -q aof_rewrite_in_progress:0; do sleep 0.1; done
$R info persistence | grep aof_last_bgrewrite_status | tr -d '\r'
$R shutdown nosave
wait
redis-server --port 6393 --save "" --dir /data --logfile /data/log2 --appendonly yes &
until [ "$($R ping 2>/dev/null)" = PONG ]; do sleep 0.1; done
$R dbsize
$R get counter
$R shutdown nosave
wait
`)
	want := "OK\n1000\nBackground append only file rewriting started\naof_last_bgrewrite_status:ok\n100001\n1000\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s\nredis log:\n%s", out, want, log)
	}
}
