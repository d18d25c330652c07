package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects a process's output while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// redisUnderSentry is Debian's redis-server running in the sandbox with
// its port published on a free host port and a host directory as /data.
type redisUnderSentry struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  *lockedBuffer
	port int
	dir  string
	done chan struct{}
}

// startRedis writes conf to DIR/redis.conf and runs
// `sentry run [extra...] -p PORT:6379 -v DIR:/data redis-server /data/redis.conf`.
func startRedis(t *testing.T, dir, conf string, extra ...string) *redisUnderSentry {
	t.Helper()
	for _, p := range []string{"/usr/bin/redis-server", "/usr/bin/redis-cli"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v (make deps installs redis)", p, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "redis.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	args := append([]string{"run"}, extra...)
	args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:6379", port), "-v", dir+":/data",
		"/usr/bin/redis-server", "/data/redis.conf")
	r := &redisUnderSentry{t: t, cmd: exec.Command(sentryBin, args...), out: &lockedBuffer{}, port: port, dir: dir, done: make(chan struct{})}
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { r.cmd.Process.Kill(); <-r.done })
	r.waitFor("answer PING", func() bool { return r.cli("PING") == "PONG" })
	return r
}

// waitFor polls cond until it holds. It fails at once when the sentry
// exits first; after hangLimit it sends the sentry SIGABRT, so that the
// failure shows where every goroutine waits.
func (r *redisUnderSentry) waitFor(what string, cond func() bool) {
	r.t.Helper()
	start := time.Now()
	for !cond() {
		select {
		case <-r.done:
			r.t.Fatalf("the sentry exited (status %d) before redis would %s; output:\n%s", r.cmd.ProcessState.ExitCode(), what, r.out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > hangLimit {
			r.abort()
			r.t.Fatalf("redis under the sentry did not %s within %v: a hang; output, then the sentry's goroutines:\n%s", what, hangLimit, tail(r.out.String(), 60000))
		}
	}
}

// abort sends the sentry SIGABRT (it prints every goroutine) and waits
// for it to exit.
func (r *redisUnderSentry) abort() {
	r.cmd.Process.Signal(syscall.SIGABRT)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
	}
}

// cli runs the host's redis-cli against the published port.
func (r *redisUnderSentry) cli(args ...string) string {
	cmd := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(r.port)}, args...)...)
	b, _ := cmd.Output()
	return strings.TrimRight(string(b), "\n")
}

// stop sends sig to the sentry and returns its exit status.
func (r *redisUnderSentry) stop(sig syscall.Signal) int {
	r.t.Helper()
	r.cmd.Process.Signal(sig)
	select {
	case <-r.done:
	case <-time.After(hangLimit):
		r.abort()
		r.t.Fatalf("the sentry did not exit after %v: a hang; output, then its goroutines:\n%s", sig, tail(r.out.String(), 60000))
	}
	return r.cmd.ProcessState.ExitCode()
}

// seedConf is the config the seed notes used, as it was.
const seedConf = "protected-mode no\nport 6379\n"

// TestRedisSeedSession replays the seed notes' session against the real
// redis-server in the sandbox through a published port: KEYS, SET, GET,
// PING, CONFIG GET *, INFO, SAVE, then SIGTERM to the sentry.
func TestRedisSeedSession(t *testing.T) { forEachArch(t, testRedisSeedSession) }

func testRedisSeedSession(t *testing.T, extra ...string) {
	dir := t.TempDir()
	r := startRedis(t, dir, seedConf+"dir /data\n", extra...)
	for _, step := range []struct {
		args []string
		want func(string) bool
	}{
		{[]string{"keys", "*"}, func(s string) bool { return s == "" }},
		{[]string{"set", "mycsv", "1,mydata,10"}, func(s string) bool { return s == "OK" }},
		{[]string{"get", "mycsv"}, func(s string) bool { return s == "1,mydata,10" }},
		{[]string{"PING"}, func(s string) bool { return s == "PONG" }},
		// Replies come in hash order (seeded per run): dir may be first
		// or last.
		{[]string{"CONFIG", "GET", "*"}, func(s string) bool { return strings.Contains("\n"+s+"\n", "\ndir\n/data\n") }},
		{[]string{"INFO"}, func(s string) bool {
			return strings.Contains(s, "redis_version:") && strings.Contains(s, "os:Linux")
		}},
		{[]string{"SAVE"}, func(s string) bool { return s == "OK" }},
	} {
		if got := r.cli(step.args...); !step.want(got) {
			t.Fatalf("%v: got %q", step.args, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Errorf("SAVE wrote no dump.rdb to the host volume: %v", err)
	}
	if st := r.stop(syscall.SIGTERM); st != 0 {
		t.Errorf("sentry exit status %d after SIGTERM, want 0; output:\n%s", st, r.out)
	}
	out := r.out.String()
	for _, want := range []string{"Received SIGTERM scheduling shutdown", "Redis is now ready to exit, bye bye"} {
		if !strings.Contains(out, want) {
			t.Errorf("redis did not log %q; output:\n%s", want, out)
		}
	}
}

// TestRedisDataOutlivesTheSandbox: SAVE, a shutdown with save points, and
// the AOF (appendfsync always and everysec) each bring the data back in a
// second run on the same volume.
func TestRedisDataOutlivesTheSandbox(t *testing.T) { forEachArch(t, testRedisDataOutlivesTheSandbox) }

func testRedisDataOutlivesTheSandbox(t *testing.T, extra ...string) {
	for _, tc := range []struct {
		name, conf string
		write      func(r *redisUnderSentry)
	}{
		{"SAVE", "save ''\n", func(r *redisUnderSentry) { r.cli("SAVE") }},
		{"shutdown-save-points", "save 3600 1\n", func(r *redisUnderSentry) {}},
		{"aof-always", "save ''\nappendonly yes\nappendfsync always\n", func(r *redisUnderSentry) {}},
		{"aof-everysec", "save ''\nappendonly yes\nappendfsync everysec\n", func(r *redisUnderSentry) { time.Sleep(1500 * time.Millisecond) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := seedConf + "dir /data\n" + tc.conf
			r := startRedis(t, dir, conf, extra...)
			for i := 0; i < 50; i++ {
				if got := r.cli("set", fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); got != "OK" {
					t.Fatalf("set: %q", got)
				}
			}
			r.cli("rpush", "list", "a", "b", "c")
			tc.write(r)
			if st := r.stop(syscall.SIGTERM); st != 0 {
				t.Fatalf("first run: exit status %d; output:\n%s", st, r.out)
			}
			r2 := startRedis(t, dir, conf, extra...)
			if got := r2.cli("get", "k37"); got != "v37" {
				t.Errorf("second run: get k37 = %q; first output:\n%s\nsecond output:\n%s", got, r.out, r2.out)
			}
			if got := r2.cli("dbsize"); got != "51" {
				t.Errorf("second run: dbsize = %q, want 51", got)
			}
			if got := r2.cli("lrange", "list", "0", "-1"); got != "a\nb\nc" {
				t.Errorf("second run: list = %q", got)
			}
			r2.stop(syscall.SIGTERM)
		})
	}
}

// TestRedisTraceShowsTheSeedBehaviour checks, in the --strace file of the
// seed session, each behaviour the seed notes list.
func TestRedisTraceShowsTheSeedBehaviour(t *testing.T) {
	forEachArch(t, testRedisTraceShowsTheSeedBehaviour)
}

func testRedisTraceShowsTheSeedBehaviour(t *testing.T, extra ...string) {
	dir := t.TempDir()
	trace := filepath.Join(t.TempDir(), "redis.trace")
	r := startRedis(t, dir, seedConf+"dir /data\n", append(extra, "--strace", "--strace-output", trace)...)
	r.cli("keys", "*")
	r.cli("set", "mycsv", "1,mydata,10")
	r.cli("get", "mycsv")
	r.cli("CONFIG", "GET", "*")
	r.cli("INFO")
	r.cli("SAVE")
	if st := r.stop(syscall.SIGTERM); st != 0 {
		t.Fatalf("exit status %d; output:\n%s", st, r.out)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	// Threads' lines split calls as strace -f's do: match whole calls.
	lines := joinResumed(strings.Split(string(b), "\n"))
	has := func(re string) bool {
		rx := regexp.MustCompile(re)
		for _, l := range lines {
			if rx.MatchString(l) {
				return true
			}
		}
		return false
	}
	// Handlers or dispositions for the signals the seed lists.
	for _, sig := range []string{"SIGHUP", "SIGINT", "SIGILL", "SIGABRT", "SIGBUS", "SIGFPE", "SIGSEGV", "SIGPIPE", "SIGTERM"} {
		if !has(`rt_sigaction\(` + sig + `, \{sa_handler=`) {
			t.Errorf("no rt_sigaction for %s", sig)
		}
	}
	// Background threads: each a PROT_NONE mmap, an mprotect of part of
	// it, then clone or clone3.
	threads := 0
	var reserved []string
	for _, l := range lines {
		if m := regexp.MustCompile(`mmap\(NULL, \d+, PROT_NONE, [^)]*\) = (0x[0-9a-f]+)`).FindStringSubmatch(l); m != nil {
			reserved = append(reserved, m[1])
		}
		if regexp.MustCompile(`clone3?\(.*CLONE_THREAD`).MatchString(l) {
			threads++
		}
	}
	if threads < 3 {
		t.Errorf("%d threads created, want at least 3", threads)
	}
	if len(reserved) < 3 || !has(`mprotect\(0x[0-9a-f]+, \d+, PROT_READ\|PROT_WRITE\) = 0`) {
		t.Errorf("thread stacks: %d PROT_NONE reservations, and an mprotect of one: %v", len(reserved), has(`mprotect\(`))
	}
	for _, re := range []string{
		`epoll_p?wait\(`,                     // the idle loop (riscv64 has only epoll_pwait)
		`accept4?\(\d+, \{sa_family=AF_INET`, // a client
		`getcwd\(`,                           // CONFIG GET *
		`uname\(`,                            // INFO
		`openat\(AT_FDCWD, "temp-\d+\.rdb", O_WRONLY\|O_CREAT\|O_TRUNC`,
		`write\(\d+, "REDIS`, // SAVE writes the RDB
		`fsync\(\d+\)\s+= 0`,
		`rename(at2)?\((AT_FDCWD, )?"temp-\d+\.rdb", (AT_FDCWD, )?"dump\.rdb"(, 0)?\)\s+= 0`, // riscv64: renameat2
		`fdatasync\(\d+\)\s+= 0`,
		`--- SIGTERM \{si_signo=SIGTERM`,
		`rt_sigreturn\(`,
		`\+\+\+ exited with 0 \+\+\+`,
	} {
		if !has(re) {
			t.Errorf("trace lacks %s", re)
		}
	}
	if t.Failed() {
		t.Logf("trace: %d lines, kept at %s", len(lines), trace)
	}
}

// TestRedisBenchmarkCompletes runs Debian's redis-benchmark, shortened,
// for the commands the issue names: every request must succeed.
func TestRedisBenchmarkCompletes(t *testing.T) { forEachArch(t, testRedisBenchmarkCompletes) }

func testRedisBenchmarkCompletes(t *testing.T, extra ...string) {
	r := startRedis(t, t.TempDir(), seedConf+"save ''\n", extra...)
	cmd := exec.Command("redis-benchmark", "-p", strconv.Itoa(r.port), "-n", "5000", "-c", "50", "-q",
		"-t", "set,get,incr,lpush,lpop,mset")
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil || strings.Contains(strings.ToLower(out), "error") {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	for _, name := range []string{"SET", "GET", "INCR", "LPUSH", "LPOP", "MSET"} {
		// -q redraws progress with \r; the result is the last redraw.
		if !regexp.MustCompile(`(^|[\r\n])\s*` + name + `[^:\r\n]*: [0-9.]+ requests per second`).MatchString(out) {
			t.Errorf("no result for %s:\n%s", name, out)
		}
	}
	r.stop(syscall.SIGTERM)
}

// resp sends one command in RESP and reads one reply line.
func resp(c net.Conn, rd *bufio.Reader, args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	l, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(l, "$") && !strings.HasPrefix(l, "$-1") {
		v, err := rd.ReadString('\n')
		return strings.TrimRight(v, "\r\n"), err
	}
	return strings.TrimRight(l, "\r\n"), nil
}

func infoField(info, key string) int64 {
	m := regexp.MustCompile(`(?m)^` + key + `:(\d+)`).FindStringSubmatch(info)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseInt(m[1], 10, 64)
	return v
}

// TestRedisSurvives200ClientsDroppedAbruptly connects 200 clients at once,
// each doing SET and GET, then resets all their connections; the server
// keeps serving and its memory comes back close to where it was.
func TestRedisSurvives200ClientsDroppedAbruptly(t *testing.T) {
	r := startRedis(t, t.TempDir(), seedConf+"save ''\n")
	before := infoField(r.cli("INFO", "memory"), "used_memory")
	conns := make([]*net.TCPConn, 200)
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	for i := range conns {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port))
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		conns[i] = c.(*net.TCPConn)
	}
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c *net.TCPConn) {
			defer wg.Done()
			c.SetDeadline(time.Now().Add(hangLimit))
			rd := bufio.NewReader(c)
			k, v := fmt.Sprintf("client:%d", i), strings.Repeat("x", 1000)
			if got, err := resp(c, rd, "SET", k, v); err != nil || got != "+OK" {
				errs <- fmt.Errorf("client %d SET: %q %v", i, got, err)
				return
			}
			if got, err := resp(c, rd, "GET", k); err != nil || got != v {
				errs <- fmt.Errorf("client %d GET: %v", i, err)
			}
		}(i, c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := infoField(r.cli("INFO", "clients"), "connected_clients"); n < 200 {
		t.Errorf("connected_clients = %d with 200 clients open", n)
	}
	for _, c := range conns {
		c.SetLinger(0) // close with a reset, as a crashed client would
		c.Close()
	}
	r.waitFor("see the dropped clients go", func() bool {
		return infoField(r.cli("INFO", "clients"), "connected_clients") == 1
	})
	if got := r.cli("get", "client:199"); got != strings.Repeat("x", 1000) {
		t.Errorf("server lost data after the drop: %q", got)
	}
	r.cli("FLUSHALL")
	after := infoField(r.cli("INFO", "memory"), "used_memory")
	if after > before+512*1024 {
		t.Errorf("used_memory %d after the drop, %d before", after, before)
	}
	r.stop(syscall.SIGTERM)
}

// TestRedisGarbageFromAClientIsAProtocolError: the client gets redis's
// protocol error, and the server keeps serving others.
func TestRedisGarbageFromAClientIsAProtocolError(t *testing.T) {
	r := startRedis(t, t.TempDir(), seedConf+"save ''\n")
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(hangLimit))
	c.Write([]byte("*2\r\n$abc\r\nnonsense\r\n"))
	l, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(l, "-ERR Protocol error") {
		t.Errorf("reply to garbage: %q", l)
	}
	if got := r.cli("PING"); got != "PONG" {
		t.Errorf("server stopped serving after garbage: %q", got)
	}
	r.stop(syscall.SIGTERM)
}

// TestRedisMissingConfigIsRedisOwnError: redis reports the missing file
// itself and exits non-zero; the sentry adds no failure of its own.
func TestRedisMissingConfigIsRedisOwnError(t *testing.T) {
	r := sentry(t, "run", "/usr/bin/redis-server", "/no/such/redis.conf")
	if r.status == 0 || !strings.Contains(r.stdout+r.stderr, "Fatal error, can't open config file") {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "sentry:") {
		t.Errorf("the sentry reported a failure of its own:\n%s", r.stderr)
	}
}

// populate SETs n keys through one pipelined connection.
func populate(t *testing.T, port, n int) {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(hangLimit))
	go func() {
		w := bufio.NewWriter(c)
		for i := 0; i < n; i++ {
			k, v := fmt.Sprintf("key:%d", i), fmt.Sprintf("value:%d", i)
			fmt.Fprintf(w, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
		}
		w.Flush()
	}()
	rd := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		if l, err := rd.ReadString('\n'); err != nil || l != "+OK\r\n" {
			t.Fatalf("populate reply %d: %q %v", i, l, err)
		}
	}
}

// TestRedisBGSAVEForks: BGSAVE forks a child that writes the snapshot
// while the parent keeps serving.
func TestRedisBGSAVEForks(t *testing.T) { forEachArch(t, testRedisBGSAVEForks) }

func testRedisBGSAVEForks(t *testing.T, extra ...string) {
	dir := t.TempDir()
	r := startRedis(t, dir, seedConf+"dir /data\nsave ''\n", extra...)
	populate(t, r.port, 20000)
	if got := r.cli("BGSAVE"); got != "Background saving started" {
		t.Fatalf("BGSAVE: %q; output:\n%s", got, r.out)
	}
	r.waitFor("finish BGSAVE", func() bool {
		p := r.cli("INFO", "persistence")
		return strings.Contains(p, "rdb_bgsave_in_progress:0") && strings.Contains(p, "rdb_last_bgsave_status:ok")
	})
	if st, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil || st.Size() < 200000 {
		t.Fatalf("dump.rdb after BGSAVE: %v %v", st, err)
	}
	if got := r.cli("dbsize"); got != "20000" {
		t.Errorf("dbsize %q after BGSAVE", got)
	}
	r.stop(syscall.SIGTERM)
}
