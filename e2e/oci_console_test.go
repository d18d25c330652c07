package e2e

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// recvConsole accepts the runtime's connection on l and returns the
// terminal master it sends (SCM_RIGHTS), as conmon and containerd do.
func recvConsole(t *testing.T, l *net.UnixListener) *os.File {
	t.Helper()
	c, err := l.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf, oob := make([]byte, 256), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("console socket message: %v %v", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("console socket rights: %v %v", fds, err)
	}
	return os.NewFile(uintptr(fds[0]), "master")
}

func TestOCITerminalIsSentOverTheConsoleSocketAndResizesReachTheApp(t *testing.T) {
	becomeSubreaper(t)
	// read -t: a signal that lands between "ready" and the read's
	// syscall leaves busybox's trap pending until the read returns (a
	// race of busybox's own, seen natively too): the timeout bounds it.
	bundle := busyboxBundle(t, "sh", "-c",
		`trap 'echo winch $(busybox stty size)' WINCH; echo size $(busybox stty size); echo ready; while :; do read -t 1 x; [ "$x" = q ] && exit 4; done`)
	editConfig(t, bundle, func(c map[string]any) {
		p := c["process"].(map[string]any)
		p["terminal"] = true
		p["consoleSize"] = map[string]any{"height": 24, "width": 80}
	})
	o := newOCI(t)

	// Without a socket a terminal cannot be handed over: runc's error.
	r := o.run("create", "--bundle", bundle, "tt")
	if _, errs := o.containerOutput(); r.status != 1 || !strings.Contains(errs, "cannot allocate tty") {
		t.Fatalf("terminal without --console-socket: %d %q", r.status, errs)
	}
	o.errf.Truncate(0)
	o.errf.Seek(0, 0)

	sock := filepath.Join(t.TempDir(), "console.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	masterCh := make(chan *os.File, 1)
	go func() { masterCh <- recvConsole(t, l) }()
	o.must("create", "--bundle", bundle, "--console-socket", sock, "tt")
	var master *os.File
	select {
	case master = <-masterCh:
	case <-time.After(hangLimit):
		t.Fatal("no terminal master on the console socket")
	}
	defer master.Close()
	pid := int(o.state("tt")["pid"].(float64))
	t.Cleanup(func() { o.run("delete", "--force", "tt") })
	o.must("start", "tt")

	expect := lineExpecter(t, master)
	expect("size 24 80")
	expect("ready")
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 100}); err != nil {
		t.Fatal(err)
	}
	// The resize interrupts sh's read: the trap prints the new size.
	expect("winch 40 100")
	master.Write([]byte("q\n"))
	if ws := waitContainer(t, pid); !ws.Exited() || ws.ExitStatus() != 4 {
		t.Fatalf("exit: %v", ws)
	}
	o.must("delete", "tt")
}

// lineExpecter reads terminal lines from master (CR dropped) and returns
// a function that waits, up to hangLimit, for a line equal to want,
// skipping the others.
func lineExpecter(t *testing.T, master io.Reader) func(want string) {
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(master)
		for sc.Scan() {
			lines <- strings.TrimRight(sc.Text(), "\r")
		}
		close(lines)
	}()
	return func(want string) {
		t.Helper()
		var seen []string
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("terminal closed waiting for %q; saw %q", want, seen)
				}
				if l == want {
					return
				}
				seen = append(seen, l)
			case <-time.After(hangLimit):
				t.Fatalf("waiting for %q; saw %q", want, seen)
			}
		}
	}
}
