package oci

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"sentry/pkg/vfs"
)

// Sandbox is what a bundle asks of the sentry, in the sentry's terms.
type Sandbox struct {
	FS       vfs.Options
	Args     []string
	Env      []string // exactly process.env: the sentry's own is not inherited
	Cwd      string
	Hostname string
	// NoFile is RLIMIT_NOFILE's hard limit (0: the kernel's default).
	// The limit is the sandbox's own, so a value the host would refuse
	// to raise to still works.
	NoFile uint64
	// Files are bind mounts of single host files, copied into the
	// root's in-memory overlay when the sandbox is made (vfs volumes
	// are directories): the application sees the file as it was at
	// create, and its writes stay in the sandbox.
	Files []vfs.Volume
	// Ignored lists what the config asks that the sentry does not
	// apply yet, one entry each, for --log.
	Ignored []string
}

// ownMounts are the filesystems every sandbox has at these paths already;
// a config mounting them there gets the sandbox's own.
var ownMounts = map[string][]string{
	"proc":   {"/proc"},
	"sysfs":  {"/sys"},
	"devpts": {"/dev/pts"},
	"mqueue": {"/dev/mqueue"},
	"cgroup": {"/sys/fs/cgroup"},
}

// Translate maps the bundle's config onto a Sandbox. A mount the sentry
// cannot give the meaning the config asks for is an error, not ignored.
func (b *Bundle) Translate() (*Sandbox, error) {
	s := b.Spec
	sb := &Sandbox{
		FS:       vfs.Options{HostRoot: b.RootPath()},
		Args:     s.Process.Args,
		Env:      s.Process.Env,
		Cwd:      s.Process.Cwd,
		Hostname: s.Hostname,
	}
	if sb.Cwd == "" {
		sb.Cwd = "/"
	}
	if s.Domainname != "" {
		sb.Ignored = append(sb.Ignored, "domainname "+s.Domainname)
	}
	if s.Root.Readonly {
		// The root is always a read-only host directory under an
		// in-memory overlay: writes never reach the bundle, but they
		// are not refused with EROFS either.
		sb.Ignored = append(sb.Ignored, "root.readonly: writes go to the sandbox's memory, not refused")
	}
	for _, m := range s.Mounts {
		if err := sb.addMount(b, m); err != nil {
			return nil, err
		}
	}
	for _, r := range s.Process.Rlimits {
		switch r.Type {
		case "RLIMIT_NOFILE":
			sb.NoFile = r.Hard
		default:
			sb.Ignored = append(sb.Ignored, "process.rlimits "+r.Type)
		}
	}
	if u := s.Process.User; u.UID != 0 || u.GID != 0 || len(u.AdditionalGids) != 0 {
		sb.Ignored = append(sb.Ignored, fmt.Sprintf("process.user %d:%d (the application runs as 0:0)", u.UID, u.GID))
	}
	return sb, nil
}

func (sb *Sandbox) addMount(b *Bundle, m specs.Mount) error {
	dst := path.Clean(m.Destination)
	if !path.IsAbs(dst) {
		return fmt.Errorf("mount %q: the destination must be an absolute path", m.Destination)
	}
	bind := m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind")
	switch {
	case bind && (dst == "/dev" || strings.HasPrefix(dst, "/dev/")):
		// The sandbox's /dev is its own (devfs, with /dev/shm in
		// memory): a host directory there would be a host device
		// directory or, as engines mean /dev/shm, memory anyway.
		sb.Ignored = append(sb.Ignored, "bind mount at "+dst+": the sandbox's /dev is its own")
		return nil
	case bind:
		host := b.hostPath(m.Source)
		if st, err := os.Stat(host); err == nil && !st.IsDir() {
			sb.Files = append(sb.Files, vfs.Volume{Host: host, Guest: dst,
				ReadOnly: slices.Contains(m.Options, "ro")})
			return nil
		}
		sb.FS.Volumes = append(sb.FS.Volumes, vfs.Volume{
			Host:     host,
			Guest:    dst,
			ReadOnly: slices.Contains(m.Options, "ro"),
		})
		return nil
	case m.Type == "tmpfs":
		// Every write under the root lands in the sandbox's memory, so
		// a tmpfs is already what the application sees there, except
		// that the root's files below dst stay visible.
		return nil
	}
	if where, ok := ownMounts[m.Type]; ok {
		if slices.Contains(where, dst) {
			return nil
		}
		return fmt.Errorf("mount %s at %s: the sandbox has its own %s at %v only", m.Type, dst, m.Type, where)
	}
	return fmt.Errorf("mount %q of type %q: the sentry mounts bind, tmpfs, proc, sysfs, devpts, mqueue and cgroup", dst, m.Type)
}
