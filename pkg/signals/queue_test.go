package signals

import "testing"

func TestQueue(t *testing.T) {
	var q Queue
	if !q.Enqueue(Info{Signo: SIGUSR1, Code: SIUser}) {
		t.Fatal("first SIGUSR1 not queued")
	}
	if q.Enqueue(Info{Signo: SIGUSR1, Code: SITkill}) {
		t.Fatal("second standard SIGUSR1 queued")
	}
	q.Enqueue(Info{Signo: SIGRTMIN + 1, Value: 1})
	q.Enqueue(Info{Signo: SIGRTMIN + 1, Value: 2})
	q.Enqueue(Info{Signo: SIGSEGV, Code: SEGVMapErr})
	if _, ok := q.Dequeue(Bit(SIGUSR2)); ok {
		t.Fatal("dequeued a signal not allowed")
	}
	want := []Info{
		{Signo: SIGSEGV, Code: SEGVMapErr}, // synchronous first
		{Signo: SIGUSR1, Code: SIUser},
		{Signo: SIGRTMIN + 1, Value: 1},
		{Signo: SIGRTMIN + 1, Value: 2},
	}
	for i, w := range want {
		got, ok := q.Dequeue(^Set(0))
		if !ok || got.Signo != w.Signo || got.Code != w.Code || got.Value != w.Value {
			t.Fatalf("dequeue %d: %+v %v, want %+v", i, got, ok, w)
		}
	}
	if q.Pending() != 0 {
		t.Fatalf("pending %#x after draining", q.Pending())
	}
	q.Enqueue(Info{Signo: SIGSTOP})
	q.Enqueue(Info{Signo: SIGCONT})
	q.Discard(Bit(SIGSTOP))
	if q.Pending() != Bit(SIGCONT) {
		t.Fatalf("pending %#x after discard", q.Pending())
	}
}

func TestInfoEncode(t *testing.T) {
	tests := []struct {
		info Info
		off  int
		want uint64
	}{
		{Info{Signo: SIGSEGV, Code: SEGVMapErr, Addr: 0xdead}, 16, 0xdead},
		{Info{Signo: SIGUSR1, Code: SIUser, Pid: 7}, 16, 7},
		{Info{Signo: SIGALRM, Code: SITimer, TimerID: 3, Value: 9}, 24, 9},
		{Info{Signo: SIGUSR1, Code: SIQueue, Value: 42}, 24, 42},
	}
	for _, tt := range tests {
		b := tt.info.Encode()
		got := uint64(b[tt.off]) | uint64(b[tt.off+1])<<8
		if got != tt.want || int32(b[8])|int32(b[9])<<8|int32(b[10])<<16|int32(b[11])<<24 != tt.info.Code {
			t.Errorf("%+v: field at %d = %#x, want %#x", tt.info, tt.off, got, tt.want)
		}
	}
	d := DecodeInfo(func() []byte { b := (&Info{Signo: SIGUSR1, Code: SIQueue, Value: 5}).Encode(); return b[:] }())
	if d.Code != SIQueue || d.Value != 5 {
		t.Errorf("decode: %+v", d)
	}
}

func TestDefaults(t *testing.T) {
	for sig, want := range map[int]DefaultAction{SIGSEGV: ActCore, SIGTERM: ActTerminate, SIGCHLD: ActIgnore, SIGSTOP: ActStop, SIGCONT: ActContinue, SIGRTMIN + 3: ActTerminate} {
		if got := Default(sig); got != want {
			t.Errorf("Default(%d) = %v, want %v", sig, got, want)
		}
	}
	if (Action{Handler: SigIgn}).Ignored(SIGKILL) {
		t.Error("SIGKILL ignored")
	}
}
