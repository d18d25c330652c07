package oci

import (
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"sentry/pkg/kernel"
	"sentry/pkg/procfs"
	"sentry/pkg/vfs"
)

// Sandbox is what a bundle asks of the sentry, in the sentry's terms.
type Sandbox struct {
	FS       vfs.Options
	Args     []string
	Env      []string // exactly process.env: the sentry's own is not inherited
	Cwd      string
	Hostname string
	// Domainname is the NIS domain name ("" is Linux's "(none)").
	Domainname string
	// Restrict is linux.maskedPaths and readonlyPaths under /proc and
	// /sys.
	Restrict procfs.Restrict
	// Init is process.user (ids, groups, umask), process.rlimits and
	// process.noNewPrivileges: all emulated, so they need no host
	// privilege.
	Init *kernel.InitProcess
	// NoFile is RLIMIT_NOFILE's hard limit (0: the kernel's default).
	// The limit is the sandbox's own, so a value the host would refuse
	// to raise to still works.
	NoFile uint64
	// ReadOnlyRoot is root.readonly: once the sandbox is made (files
	// copied in, the working directory there), changes under "/" are
	// EROFS, as after runc's read-only remount; the mounts on it keep
	// their own modes.
	ReadOnlyRoot bool
	// Files are bind mounts of single host files, copied into the
	// root's in-memory overlay when the sandbox is made (vfs volumes
	// are directories): the application sees the file as it was at
	// create, and its writes stay in the sandbox.
	Files []vfs.Volume
	// StartHooks are the startContainer hooks, which run inside the
	// sandbox at start, before the program (hooks.go), with HookState
	// (its ID set by the caller) on their stdin.
	StartHooks []specs.Hook
	HookState  specs.State
	// UIDMap and GIDMap are linux.uidMappings and gidMappings, which
	// the application reads in /proc/PID/uid_map and gid_map (its ids
	// are the sandbox's own, so nothing maps them on the host).
	UIDMap, GIDMap []procfs.IDMapping
	// Sysctl are the linux.sysctl entries the sandbox keeps
	// (procfs.CheckSysctl); the others are in Ignored.
	Sysctl map[string]string
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
	"cgroup": {"/sys/fs/cgroup"},
}

// Translate maps the bundle's config onto a Sandbox. A mount the sentry
// cannot give the meaning the config asks for is an error, not ignored.
func (b *Bundle) Translate() (*Sandbox, error) {
	s := b.Spec
	sb := &Sandbox{
		FS:         vfs.Options{HostRoot: b.RootPath()},
		Args:       s.Process.Args,
		Env:        s.Process.Env,
		Cwd:        s.Process.Cwd,
		Hostname:   s.Hostname,
		Domainname: s.Domainname,
	}
	if sb.Cwd == "" {
		sb.Cwd = "/"
	}
	var err error
	if sb.Init, sb.Ignored, err = processInit(s.Process); err != nil {
		return nil, err
	}
	if l, ok := sb.Init.Rlimits[unix.RLIMIT_NOFILE]; ok {
		// Also the sandbox's nr_open, so podman's 1048576 works on a
		// host that would refuse it, and the application cannot raise
		// it past the config's, as a container without
		// CAP_SYS_RESOURCE (engines drop it) cannot.
		sb.NoFile = l[1]
	}
	sb.ReadOnlyRoot = s.Root.Readonly
	if s.Hooks != nil {
		sb.StartHooks = s.Hooks.StartContainer
	}
	// As the container sees it (runc's startContainer hooks run in its
	// init): created, and the program is PID 1.
	sb.HookState = specs.State{Version: specs.Version, Status: specs.StateCreated, Pid: 1,
		Bundle: b.Dir, Annotations: s.Annotations}
	for _, m := range s.Mounts {
		if err := sb.addMount(b, m); err != nil {
			return nil, err
		}
	}
	// The mount table reads as runc's, which mounts in the config's
	// order, each under the config's source (a bind's is the host path,
	// not a device name: it keeps the sandbox's).
	for _, m := range s.Mounts {
		src := m.Source
		if m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind") {
			src = ""
		}
		sb.FS.Listed = append(sb.FS.Listed, vfs.Listed{Guest: path.Clean(m.Destination), Source: src})
	}
	if s.Linux != nil {
		sb.UIDMap, sb.GIDMap = idMaps(s.Linux.UIDMappings), idMaps(s.Linux.GIDMappings)
		for _, d := range s.Linux.Devices {
			dev, err := device(d)
			if err != nil {
				return nil, err
			}
			sb.FS.Devices = append(sb.FS.Devices, dev)
		}
		sb.Restrict.Masked, sb.FS.Masked = restrictPaths(s.Linux.MaskedPaths)
		sb.Restrict.ReadOnly, sb.FS.ReadOnly = restrictPaths(s.Linux.ReadonlyPaths)
		for _, k := range slices.Sorted(maps.Keys(s.Linux.Sysctl)) {
			v := s.Linux.Sysctl[k]
			known, err := procfs.CheckSysctl(k, v)
			if err != nil {
				return nil, fmt.Errorf("linux.sysctl: %w", err)
			}
			if !known {
				sb.Ignored = append(sb.Ignored, fmt.Sprintf("linux.sysctl %s=%s (the sandbox's setting is fixed)", k, v))
				continue
			}
			if sb.Sysctl == nil {
				sb.Sysctl = map[string]string{}
			}
			sb.Sysctl[k] = v
		}
	}
	return sb, nil
}

// restrictPaths splits linux.maskedPaths or readonlyPaths: those under
// /proc and /sys the sandbox's own trees mask or make read-only (procfs),
// the others vfs applies on its in-memory view of the root (restrict.go).
func restrictPaths(paths []string) (proc, other []string) {
	for _, p := range paths {
		c := path.Clean("/" + p)
		if c == "/proc" || c == "/sys" || strings.HasPrefix(c, "/proc/") || strings.HasPrefix(c, "/sys/") {
			proc = append(proc, c)
			continue
		}
		other = append(other, c)
	}
	return proc, other
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
	case m.Type == "mqueue" && dst == "/dev/mqueue":
		// POSIX message queues are not in the sandbox (mq_open is
		// ENOSYS): their filesystem is there, empty, and refuses to
		// make any.
		sb.FS.Tmpfs = append(sb.FS.Tmpfs, vfs.Tmpfs{Guest: dst, Mode: 0o1777, ReadOnly: true, FSType: "mqueue"})
		return nil
	case m.Type == "tmpfs" && (dst == "/dev" || strings.HasPrefix(dst, "/dev/")):
		// The sandbox's /dev (devfs, /dev/shm) is its own, as for binds.
		return nil
	case m.Type == "tmpfs":
		mode, err := tmpfsMode(m.Options)
		if err != nil {
			return fmt.Errorf("mount %s: %w", dst, err)
		}
		sb.FS.Tmpfs = append(sb.FS.Tmpfs, vfs.Tmpfs{Guest: dst, Mode: mode, ReadOnly: slices.Contains(m.Options, "ro")})
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

// tmpfsMode is a tmpfs mount's mode= option (octal), Linux's 1777 without
// one. Its size= is not applied: the sandbox's memory limit covers every
// in-memory file.
func tmpfsMode(opts []string) (uint32, error) {
	mode := uint32(0o1777)
	for _, o := range opts {
		if v, ok := strings.CutPrefix(o, "mode="); ok {
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil || n > 0o7777 {
				return 0, fmt.Errorf("tmpfs option %q: not an octal mode", o)
			}
			mode = uint32(n)
		}
	}
	return mode, nil
}

// device is a linux.devices entry as the sandbox makes it: a node with
// the config's type, numbers, mode and owner (runc's defaults: 0666,
// root), which opens as the devfs device of those numbers or as ENXIO
// (vfs.Device): the host's device is never passed through.
func device(d specs.LinuxDevice) (vfs.Device, error) {
	if !path.IsAbs(d.Path) {
		return vfs.Device{}, fmt.Errorf("linux.devices %q: the path must be absolute", d.Path)
	}
	types := map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}
	typ, ok := types[d.Type]
	if !ok {
		return vfs.Device{}, fmt.Errorf("linux.devices %s: type %q is not c, u, b or p", d.Path, d.Type)
	}
	v := vfs.Device{Path: d.Path, Mode: typ | 0o666, Major: uint32(d.Major), Minor: uint32(d.Minor)}
	if d.FileMode != nil {
		v.Mode = typ | uint32(d.FileMode.Perm())
	}
	if d.UID != nil {
		v.UID = *d.UID
	}
	if d.GID != nil {
		v.GID = *d.GID
	}
	return v, nil
}

func idMaps(ms []specs.LinuxIDMapping) []procfs.IDMapping {
	var out []procfs.IDMapping
	for _, m := range ms {
		out = append(out, procfs.IDMapping{Inside: m.ContainerID, Outside: m.HostID, Count: m.Size})
	}
	return out
}
