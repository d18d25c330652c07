package oci

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCgroupWritesPerController(t *testing.T) {
	res := &specs.LinuxResources{
		Pids: &specs.LinuxPids{Limit: 100},
		CPU: &specs.LinuxCPU{Shares: ptr(uint64(2048)), Quota: ptr(int64(200000)), Period: ptr(uint64(100000)),
			Cpus: "0", Mems: "0"},
		Memory: &specs.LinuxMemory{Limit: ptr(int64(1 << 20)), Swap: ptr(int64(2 << 20)), Swappiness: ptr(uint64(10)),
			DisableOOMKiller: ptr(true)},
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(3)), Access: "rw"},
			{Allow: true, Type: "c", Major: ptr(int64(136)), Access: "rwm"}},
	}
	for _, c := range []struct {
		ctrls []string
		want  []cgroupWrite
	}{
		{[]string{"pids"}, []cgroupWrite{{"pids.max", "100"}}},
		{[]string{"cpu", "cpuacct"}, []cgroupWrite{{"cpu.shares", "2048"}, {"cpu.cfs_period_us", "100000"}, {"cpu.cfs_quota_us", "200000"}}},
		{[]string{"cpuset"}, []cgroupWrite{{"cpuset.cpus", "0"}, {"cpuset.mems", "0"}}},
		{[]string{"memory"}, []cgroupWrite{{"memory.limit_in_bytes", "1048576"}, {"memory.memsw.limit_in_bytes", "2097152"},
			{"memory.swappiness", "10"}, {"memory.oom_control", "1"}}},
		{[]string{"devices"}, []cgroupWrite{{"devices.deny", "a"}, {"devices.allow", "c 1:3 rw"}, {"devices.allow", "c 136:* rwm"}}},
		{[]string{"name=systemd"}, nil},
	} {
		got := cgroupWrites(cgroupHierarchy{controllers: c.ctrls}, res)
		if !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.ctrls, got, c.want)
		}
	}
	h := cgroupHierarchy{mount: "/sys/fs/cgroup/pids", own: "/user.slice"}
	if d := h.dir("/abs/c"); d != "/sys/fs/cgroup/pids/abs/c" {
		t.Errorf("absolute: %s", d)
	}
	if d := h.dir("rel/c"); d != "/sys/fs/cgroup/pids/user.slice/rel/c" {
		t.Errorf("relative: %s", d)
	}
}

func TestCgroupfsPathOfSystemdsForm(t *testing.T) {
	for in, want := range map[string]string{
		"/docker/abc":                    "/docker/abc",
		"rel/path":                       "rel/path",
		"machine.slice:libpod:abc":       "/machine.slice/libpod-abc.scope",
		"system-podman.slice:libpod:abc": "/system.slice/system-podman.slice/libpod-abc.scope",
		":docker:abc":                    "/system.slice/docker-abc.scope",
		"-.slice::abc":                   "/abc.scope",
	} {
		if got := cgroupfsPath(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
