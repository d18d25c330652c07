package oci

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/procfs"
	"sentry/pkg/vfs"
)

func TestParseSignal(t *testing.T) {
	for _, c := range []struct {
		in   string
		want unix.Signal
		ok   bool
	}{
		{"KILL", unix.SIGKILL, true}, {"SIGTERM", unix.SIGTERM, true}, {"term", unix.SIGTERM, true},
		{"9", unix.SIGKILL, true}, {"15", unix.SIGTERM, true}, {"0", 0, false}, {"65", 0, false},
		{"SIGNOPE", 0, false}, {"", 0, false},
	} {
		got, err := ParseSignal(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func writeBundle(t *testing.T, s *specs.Spec) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadBundleRejects(t *testing.T) {
	for name, c := range map[string]struct {
		edit func(*specs.Spec)
		want string
	}{
		"default is fine":  {func(*specs.Spec) {}, ""},
		"ociVersion 2":     {func(s *specs.Spec) { s.Version = "2.0.0" }, `ociVersion "2.0.0"`},
		"no args":          {func(s *specs.Spec) { s.Process.Args = nil }, "process.args"},
		"relative cwd":     {func(s *specs.Spec) { s.Process.Cwd = "tmp" }, "process.cwd"},
		"no root":          {func(s *specs.Spec) { s.Root = nil }, "root.path is required"},
		"root not there":   {func(s *specs.Spec) { s.Root.Path = "nope" }, `root.path "nope"`},
		"absolute missing": {func(s *specs.Spec) { s.Root.Path = "/nonexistent-root" }, "/nonexistent-root"},
		"ns path of its type": {func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.UTSNamespace, Path: "/proc/self/ns/uts"}}
		}, ""},
		"ns path of another type": {func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.IPCNamespace, Path: "/proc/self/ns/mnt"}}
		}, "not a ipc namespace"},
		"ns path not a namespace": {func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.PIDNamespace, Path: "/etc/passwd"}}
		}, "not a namespace"},
		"unknown ns type": {func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "bogus"}}
		}, `unknown type "bogus"`},
	} {
		s := DefaultSpec()
		c.edit(s)
		_, err := LoadBundle(writeBundle(t, s))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func TestTranslateMounts(t *testing.T) {
	for name, c := range map[string]struct {
		mount   specs.Mount
		volumes []vfs.Volume
		err     string
		files   int
		tmpfs   []vfs.Tmpfs
	}{
		"bind of a file is copied in": {specs.Mount{Destination: "/etc/hostname", Type: "bind", Source: "/etc/hostname"}, nil, "", 1, nil},
		"bind on /dev/shm is the own": {specs.Mount{Destination: "/dev/shm", Type: "bind", Source: "/tmp"}, nil, "", 0, nil},
		"bind ro": {specs.Mount{Destination: "/data", Type: "bind", Source: "/srv", Options: []string{"rbind", "ro"}},
			[]vfs.Volume{{Host: "/srv", Guest: "/data", ReadOnly: true}}, "", 0, nil},
		"bind by option, relative source": {specs.Mount{Destination: "/v/", Source: "vol", Options: []string{"bind"}},
			[]vfs.Volume{{Host: "BUNDLE/vol", Guest: "/v"}}, "", 0, nil},
		"tmpfs": {specs.Mount{Destination: "/run", Type: "tmpfs"}, nil, "", 0, []vfs.Tmpfs{{Guest: "/run", Mode: 0o1777}}},
		"tmpfs mode, ro": {specs.Mount{Destination: "/t", Type: "tmpfs", Options: []string{"nosuid", "mode=755", "size=65536k", "ro"}},
			nil, "", 0, []vfs.Tmpfs{{Guest: "/t", Mode: 0o755, ReadOnly: true}}},
		"tmpfs bad mode": {specs.Mount{Destination: "/t", Type: "tmpfs", Options: []string{"mode=999"}}, nil, "octal", 0, nil},
		"tmpfs on /dev":  {specs.Mount{Destination: "/dev", Type: "tmpfs", Options: []string{"mode=755"}}, nil, "", 0, nil},
		"mqueue at /dev/mqueue": {specs.Mount{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue"}, nil, "", 0,
			[]vfs.Tmpfs{{Guest: "/dev/mqueue", Mode: 0o1777, ReadOnly: true, FSType: "mqueue"}}},
		"proc at /proc":  {specs.Mount{Destination: "/proc", Type: "proc"}, nil, "", 0, nil},
		"proc elsewhere": {specs.Mount{Destination: "/p", Type: "proc"}, nil, "own proc", 0, nil},
		"relative dest":  {specs.Mount{Destination: "data", Type: "bind", Source: "/srv"}, nil, "absolute", 0, nil},
		"unknown type":   {specs.Mount{Destination: "/x", Type: "nfs"}, nil, `type "nfs"`, 0, nil},
	} {
		s := DefaultSpec()
		s.Mounts = []specs.Mount{c.mount}
		dir := writeBundle(t, s)
		b, err := LoadBundle(dir)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := b.Translate()
		if caseOver(t, name, err, c.err) {
			continue
		}
		for i := range c.volumes {
			c.volumes[i].Host = strings.Replace(c.volumes[i].Host, "BUNDLE", dir, 1)
		}
		if len(sb.Files) != c.files {
			t.Errorf("%s: files %v, want %d", name, sb.Files, c.files)
		}
		if len(sb.FS.Volumes) != len(c.volumes) || len(c.volumes) > 0 && sb.FS.Volumes[0] != c.volumes[0] {
			t.Errorf("%s: volumes %v, want %v", name, sb.FS.Volumes, c.volumes)
		}
		if !slices.Equal(sb.FS.Tmpfs, c.tmpfs) {
			t.Errorf("%s: tmpfs %v, want %v", name, sb.FS.Tmpfs, c.tmpfs)
		}
	}
}

func TestTranslateProcess(t *testing.T) {
	s := DefaultSpec()
	s.Process.Env = []string{"A=1"}
	s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 4096, Soft: 512}, {Type: "RLIMIT_NPROC", Hard: 10, Soft: 10}}
	s.Process.User = specs.User{UID: 1000, GID: 100, AdditionalGids: []uint32{5, 7}, Umask: ptr(uint32(0o077))}
	s.Process.NoNewPrivileges = true
	s.Process.OOMScoreAdj = ptr(-500)
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 2000}}
	s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_CHOWN"}, Effective: []string{"CAP_KILL", "CAP_CHECKPOINT_RESTORE"}, Ambient: []string{"CAP_NOPE"}}
	s.Domainname = "example"
	s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "net.core.somaxconn": "128"}
	s.Linux.MaskedPaths = []string{"/proc/kcore", "/etc/shadow"}
	b, sb := translated(t, s)
	if sb.NoFile != 4096 || sb.Hostname != "sentry" || sb.Cwd != "/" || len(sb.Env) != 1 || sb.FS.HostRoot != filepath.Join(b.Dir, "rootfs") {
		t.Errorf("sandbox %+v", sb)
	}
	in := sb.Init
	if in.UID != 1000 || in.GID != 100 || !slices.Equal(in.Groups, []uint32{5, 7}) || in.Umask == nil || *in.Umask != 0o077 || !in.NoNewPrivs || in.OOMScoreAdj != -500 || sb.Domainname != "example" {
		t.Errorf("process %+v, domainname %q", in, sb.Domainname)
	}
	if want := map[int][2]uint64{unix.RLIMIT_NOFILE: {512, 4096}, unix.RLIMIT_NPROC: {10, 10}}; !maps.Equal(in.Rlimits, want) {
		t.Errorf("rlimits %v, want %v", in.Rlimits, want)
	}
	if want := []procfs.IDMapping{{Inside: 0, Outside: 1000, Count: 2000}}; !slices.Equal(sb.UIDMap, want) || sb.GIDMap != nil {
		t.Errorf("id maps %v %v, want %v and none", sb.UIDMap, sb.GIDMap, want)
	}
	ignored := strings.Join(sb.Ignored, "; ")
	if c := in.Caps; c == nil || c.Bounding != 1<<linux.CAP_KILL|1<<linux.CAP_CHOWN || c.Effective != 1<<linux.CAP_KILL|1<<linux.CAP_CHECKPOINT_RESTORE || c.Permitted != 0 || c.Ambient != 0 {
		t.Errorf("caps %+v", in.Caps)
	}
	if !maps.Equal(sb.Sysctl, map[string]string{"net.ipv4.ip_forward": "1"}) {
		t.Errorf("sysctl %v", sb.Sysctl)
	}
	for _, w := range []string{"linux.sysctl net.core.somaxconn=128", "unknown capability CAP_NOPE"} {
		if !strings.Contains(ignored, w) {
			t.Errorf("ignored %q lacks %q", ignored, w)
		}
	}
	if !slices.Equal(sb.Restrict.Masked, []string{"/proc/kcore"}) || !slices.Equal(sb.FS.Masked, []string{"/etc/shadow"}) || !slices.Equal(sb.Restrict.ReadOnly, s.Linux.ReadonlyPaths) {
		t.Errorf("restrict %+v", sb.Restrict)
	}
	for _, bad := range []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS", Hard: 1, Soft: 1}, {Type: "RLIMIT_CORE", Hard: 1, Soft: 2}} {
		s.Process.Rlimits = []specs.POSIXRlimit{bad}
		b, err := LoadBundle(writeBundle(t, s))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Translate(); err == nil || !strings.Contains(err.Error(), "process.rlimits") {
			t.Errorf("rlimit %+v: %v, want a process.rlimits error", bad, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestStatusFollowsTheProcess(t *testing.T) {
	dir := t.TempDir()
	st, ok := procStat(os.Getpid())
	if !ok {
		t.Fatal("procStat of self")
	}
	r := &record{ID: "x", Pid: os.Getpid(), StartTime: st.start}
	if got := r.status(dir); got != specs.StateRunning {
		t.Errorf("alive without fifo: %s", got)
	}
	if err := unix.Mkfifo(filepath.Join(dir, fifoName), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := r.status(dir); got != specs.StateCreated {
		t.Errorf("alive with fifo: %s", got)
	}
	r.StartTime++ // the PID now names another process
	if got := r.status(dir); got != specs.StateStopped {
		t.Errorf("reused pid: %s", got)
	}
}

func TestStoreUnknownAndInvalidIDs(t *testing.T) {
	s := Store{Root: t.TempDir()}
	if _, err := s.State("nope"); err != ErrNotExist {
		t.Errorf("State(nope) = %v", err)
	}
	for _, id := range []string{"..", "a/b", ""} {
		if _, err := s.State(id); err == nil || err == ErrNotExist {
			t.Errorf("State(%q) = %v, want invalid id", id, err)
		}
	}
}

func TestExecProcess(t *testing.T) {
	s := DefaultSpec()
	s.Process.User = specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{3}}
	s.Process.NoNewPrivileges = false
	s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Effective: []string{"CAP_KILL"}, Permitted: []string{"CAP_KILL"}}
	_, sb := translated(t, s)
	kill, admin := uint64(1)<<linux.CAP_KILL, uint64(1)<<linux.CAP_SYS_ADMIN
	for name, c := range map[string]struct {
		req    execRequest
		uid    uint32
		groups []uint32
		nnp    bool
		caps   uint64 // bounding = effective = permitted
		err    string
	}{
		"the container's process": {execRequest{}, 0, []uint32{3}, false, kill, ""},
		"exec's flags over it": {execRequest{UID: ptr(uint32(1000)), AddGroups: []uint32{5}, AddCaps: []string{"CAP_SYS_ADMIN"}, NoNewPrivs: true},
			1000, []uint32{3, 5}, true, kill | admin, ""},
		"an unknown --cap": {execRequest{AddCaps: []string{"CAP_NOPE"}}, 0, nil, false, 0, "CAP_NOPE"},
		"a process file": {execRequest{UID: ptr(uint32(1000)), Process: &specs.Process{User: specs.User{UID: 7, GID: 8},
			NoNewPrivileges: true, Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_SYS_ADMIN"}, Effective: []string{"CAP_SYS_ADMIN"}, Permitted: []string{"CAP_SYS_ADMIN"}}}},
			7, nil, true, admin, ""},
		"a process file's bad rlimit": {execRequest{Process: &specs.Process{Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOPE"}}}}, 0, nil, false, 0, "RLIMIT_NOPE"},
	} {
		in, err := sb.execProcess(c.req)
		if caseOver(t, name, err, c.err) {
			continue
		}
		if in.UID != c.uid || !slices.Equal(in.Groups, c.groups) || in.NoNewPrivs != c.nnp || in.Caps == nil ||
			in.Caps.Bounding != c.caps || in.Caps.Effective != c.caps || in.Caps.Permitted != c.caps {
			t.Errorf("%s: %+v caps %+v", name, in, in.Caps)
		}
	}
	if sb.Init.Caps.Bounding != kill || len(sb.Init.Groups) != 1 {
		t.Errorf("exec changed the container's process: %+v %+v", sb.Init, sb.Init.Caps)
	}
}

// caseOver checks a table case's error against want (a part of the error
// wanted, "" for none) and reports whether the case is over: it wanted
// an error, or failed.
func caseOver(t *testing.T, name string, err error, want string) bool {
	t.Helper()
	if want != "" {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
		return true
	}
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return true
	}
	return false
}

func TestTranslateDevices(t *testing.T) {
	s := DefaultSpec()
	s.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/c", Type: "c", Major: 10, Minor: 229, FileMode: ptr(os.FileMode(0o620)), UID: ptr(uint32(7)), GID: ptr(uint32(8))},
		{Path: "/dev/b", Type: "b", Major: 8, Minor: 1},
		{Path: "/dev/p", Type: "p"},
	}
	_, sb := translated(t, s)
	want := []vfs.Device{
		{Path: "/dev/c", Mode: unix.S_IFCHR | 0o620, Major: 10, Minor: 229, UID: 7, GID: 8},
		{Path: "/dev/b", Mode: unix.S_IFBLK | 0o666, Major: 8, Minor: 1},
		{Path: "/dev/p", Mode: unix.S_IFIFO | 0o666},
	}
	if !slices.Equal(sb.FS.Devices, want) {
		t.Errorf("devices %+v, want %+v", sb.FS.Devices, want)
	}
	for _, bad := range []specs.LinuxDevice{{Path: "dev/x", Type: "c"}, {Path: "/dev/x", Type: "z"}} {
		s.Linux.Devices = []specs.LinuxDevice{bad}
		b, err := LoadBundle(writeBundle(t, s))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Translate(); err == nil || !strings.Contains(err.Error(), "linux.devices") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestTranslateRefusesAnInvalidSysctlValue(t *testing.T) {
	s := DefaultSpec()
	s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "2"}
	b, err := LoadBundle(writeBundle(t, s))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Translate(); err == nil || !strings.Contains(err.Error(), "net.ipv4.ip_forward") {
		t.Errorf("ip_forward=2: %v", err)
	}
}

// translated writes s as a bundle, loads it and translates it.
func translated(t *testing.T, s *specs.Spec) (*Bundle, *Sandbox) {
	t.Helper()
	b, err := LoadBundle(writeBundle(t, s))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Translate()
	if err != nil {
		t.Fatal(err)
	}
	return b, sb
}
