package vfs

import (
	"slices"
	"testing"
)

// TestMountsListedOrderAndSources: the mount table is in mount order,
// but mounts a config lists come in its order with its sources, each
// followed by the unlisted ones inside it.
func TestMountsListedOrderAndSources(t *testing.T) {
	for name, c := range map[string]struct {
		listed []Listed
		want   []string // point=type:source
	}{
		"mount order": {nil, []string{"/=overlay:overlay", "/dev=tmpfs:tmpfs", "/dev/shm=tmpfs:tmpfs",
			"/proc=tmpfs:tmpfs", "/sys=tmpfs:tmpfs", "/dev/mqueue=mqueue:mqueue", "/run=tmpfs:tmpfs"}},
		"runc's order": {[]Listed{{"/proc", "proc"}, {"/dev", "tmpfs"}, {"/dev/shm", "shm"}, {"/dev/mqueue", "mqueue"},
			{"/sys", "sysfs"}, {"/run", ""}},
			[]string{"/=overlay:overlay", "/proc=tmpfs:proc", "/dev=tmpfs:tmpfs", "/dev/shm=tmpfs:shm",
				"/dev/mqueue=mqueue:mqueue", "/sys=tmpfs:sysfs", "/run=tmpfs:tmpfs"}},
		"unlisted inside a listed one": {[]Listed{{"/run", "r"}, {"/dev", "d"}},
			[]string{"/=overlay:overlay", "/proc=tmpfs:tmpfs", "/sys=tmpfs:tmpfs", "/run=tmpfs:r",
				"/dev=tmpfs:d", "/dev/shm=tmpfs:tmpfs", "/dev/mqueue=mqueue:mqueue"}},
	} {
		fs, err := New(Options{HostRoot: t.TempDir(), Listed: c.listed, Tmpfs: []Tmpfs{
			{Guest: "/dev/mqueue", Mode: 0o1777, ReadOnly: true, FSType: "mqueue"},
			{Guest: "/run", Mode: 0o755},
		}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range fs.Mounts() {
			got = append(got, m.Point+"="+m.FSType+":"+m.Source)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, c.want)
		}
	}
}

// TestMountsVolumeRootIsItsHostDirectory: a volume's mount-table root is
// its host directory, as a bind mount's is on Linux; others show "/".
func TestMountsVolumeRootIsItsHostDirectory(t *testing.T) {
	vol := t.TempDir()
	fs, err := New(Options{HostRoot: t.TempDir(), Volumes: []Volume{{Host: vol, Guest: "/v"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fs.Mounts() {
		want := "/"
		if m.Point == "/v" {
			want = vol
		}
		if m.Root != want {
			t.Errorf("%s: root %q, want %q", m.Point, m.Root, want)
		}
	}
}
