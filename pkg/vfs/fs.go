package vfs

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/strace"
)

// Options configure a new FS.
type Options struct {
	// HostRoot is the host directory seen as "/" (read-only, under an
	// in-memory overlay). Empty means "/".
	HostRoot string
	// Volumes are host directories mounted at guest paths.
	Volumes []Volume
	// Tmpfs are empty in-memory filesystems mounted at guest paths
	// (before the volumes, so a volume may lie inside one).
	Tmpfs []Tmpfs
	// Listed is the mount table as a container config lists it: the
	// mount table (/proc/PID/mountinfo) shows these mounts in this order,
	// after the sandbox's own unlisted ones, with these sources, as Linux
	// shows a runtime's mounts made in the config's order. The sandbox
	// makes its own mounts in an order of its own; this is only how the
	// table reads.
	Listed []Listed
	// Devices are device nodes to make (after the mounts), in memory.
	Devices []Device
	// Masked and ReadOnly are an OCI config's linux.maskedPaths and
	// readonlyPaths outside /proc and /sys (restrict.go), applied last.
	Masked, ReadOnly []string
}

// Listed is one mount of Options.Listed: the mount at Guest, named
// Source in the mount table ("" keeps the sandbox's name).
type Listed struct {
	Guest, Source string
}

// Tmpfs is an in-memory filesystem at Guest: its root directory has the
// permission bits Mode, and it refuses changes if ReadOnly.
type Tmpfs struct {
	Guest    string
	Mode     uint32
	ReadOnly bool
	// FSType is the type the mount table and statfs show: "" is
	// tmpfs; "mqueue" is the POSIX message queue filesystem, which the
	// sandbox, without message queues, has only as an empty directory.
	FSType string
}

// Volume mounts the host directory Host at the guest path Guest, writable
// unless ReadOnly.
type Volume struct {
	Host, Guest string
	ReadOnly    bool
}

const memInoBase = 1 << 48

type mountKind int

const (
	kindOverlay mountKind = iota // host lower (read-only) + memory upper
	kindHost                     // a volume: host directory, changed in place
	kindMem                      // memory only: devfs, placeholders
	kindSynth                    // a Node tree (procfs, sysfs)
)

type mount struct {
	kind     mountKind
	root     *Dentry
	point    *Dentry // the dentry this mount covers; nil for the root mount
	readOnly bool
	dev      uint64 // st_dev of in-memory inodes of this mount

	source    string // a volume's host directory
	synthType string // a synthetic filesystem's type name (proc, sysfs); an in-memory one's if not tmpfs
}

// FS is the whole mount tree of one sandbox. It is safe for concurrent
// use.
type FS struct {
	mu      sync.RWMutex // see the package doc for what it guards
	root    *Dentry
	nextIno atomic.Uint64
	nextDev uint32
	listed  []Listed // Options.Listed; fixed after New
	// hasReadOnlyPaths says some dentry is a read-only path; fixed
	// after New.
	hasReadOnlyPaths bool
	locks            lockTable     // advisory locks; its own mutex, taken after File.mu
	caches           cacheRegistry // page caches of shared-mapped files (pagecache.go)
	fifos            FIFOProvider
	vol              volGuard      // what the sandbox set on volume files (volguard.go)
	gate             writeGate     // writers and executed files (writedeny.go)
	charger          MemoryCharger // in-memory file data's account (charge.go); set before the sandbox runs
	hostFDs          hostFDBudget  // host fds held by open application files (hostfds.go)
	execFDs          hostFDBudget  // host fds of execs past hostFDs (hostfds.go)
	dirFDs           dirPool       // open fds of the lower layer's directories (dirpark.go)
	volDirs          hostFDBudget  // fds of volumes' directories (dirState.budget)
}

// New builds the mount tree: the overlay root over opts.HostRoot, devfs at
// /dev, empty read-only placeholders at /proc and /sys (so the host's are
// not visible), the tmpfs mounts, and the volumes. Volumes of the host's /proc, /sys or
// /dev, volumes at or under the sandbox's /proc, /sys or /dev, and two
// volumes on one guest path are refused (volume.go).
func New(opts Options) (*FS, error) {
	if err := checkVolumes(opts.Volumes); err != nil {
		return nil, err
	}
	hostRoot := opts.HostRoot
	if hostRoot == "" {
		hostRoot = "/"
	}
	lower, err := hostRootNode(hostRoot)
	if err != nil {
		return nil, fmt.Errorf("vfs: root %q: %w", hostRoot, err)
	}
	fs := &FS{hostFDs: newHostFDBudget(), execFDs: hostFDBudget{max: execReserve}, listed: opts.Listed}
	fs.dirFDs.max = fs.hostFDs.max / 4
	fs.volDirs.max = fs.hostFDs.max / 4
	lower.self.s.pool = &fs.dirFDs // its subdirectories may park
	// In-memory inode numbers start far above the host's, because the
	// overlay shows both under one st_dev.
	fs.nextIno.Store(memInoBase)
	m := fs.newMount(kindOverlay, false)
	root := &Dentry{fs: fs, mnt: m, host: lower}
	m.root = root
	fs.root = root

	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.copyUp(root, false); err != nil {
		return nil, fmt.Errorf("vfs: root %q: %w", hostRoot, err)
	}
	if err := fs.mountDevfs("/dev"); err != nil {
		return nil, fmt.Errorf("vfs: /dev: %w", err)
	}
	// POSIX shared memory and semaphores live in a tmpfs of their own.
	if _, err := fs.mountMem("/dev/shm", false, 01777); err != nil {
		return nil, fmt.Errorf("vfs: /dev/shm: %w", err)
	}
	for _, p := range []string{"/proc", "/sys"} {
		if _, err := fs.mountMem(p, true, 0555); err != nil {
			return nil, fmt.Errorf("vfs: %s: %w", p, err)
		}
	}
	for _, tm := range opts.Tmpfs {
		if under(path.Clean(tm.Guest), "/proc") || under(path.Clean(tm.Guest), "/sys") {
			return nil, fmt.Errorf("vfs: tmpfs %s: the sandbox's %s is its own", tm.Guest, tm.Guest)
		}
		root, err := fs.mountMem(tm.Guest, tm.ReadOnly, tm.Mode&07777)
		if err != nil {
			return nil, fmt.Errorf("vfs: tmpfs %s: %w", tm.Guest, err)
		}
		root.mnt.synthType = tm.FSType
	}
	for _, v := range opts.Volumes {
		if err := fs.mountVolume(v); err != nil {
			return nil, fmt.Errorf("vfs: volume %s:%s: %w", v.Host, v.Guest, err)
		}
	}
	for _, d := range opts.Devices {
		if err := fs.mknodDevice(d); err != nil {
			return nil, fmt.Errorf("vfs: %w", err)
		}
	}
	for _, p := range opts.Masked {
		if err := fs.maskPath(p); err != nil {
			return nil, fmt.Errorf("vfs: masked path %w", err)
		}
	}
	for _, p := range opts.ReadOnly {
		if err := fs.readOnlyPath(p); err != nil {
			return nil, fmt.Errorf("vfs: read-only path %w", err)
		}
	}
	return fs, nil
}

// Root returns the root of the mount tree.
func (fs *FS) Root() *Dentry { return fs.root }

// SetRootReadOnly makes the root mount refuse every change with EROFS,
// as a read-only remount of "/" does (runtime-spec's root.readonly): the
// mounts on it (devfs, /dev/shm, tmpfs, writable volumes) stay as they
// are. The caller prepares the root first (copied files, the working
// directory), as runc does before its remount.
func (fs *FS) SetRootReadOnly() {
	fs.mu.Lock()
	fs.root.mnt.readOnly = true
	fs.mu.Unlock()
}

func (fs *FS) newMount(kind mountKind, readOnly bool) *mount {
	fs.nextDev++
	return &mount{kind: kind, readOnly: readOnly, dev: unix.Mkdev(0, 0x40+fs.nextDev)}
}

// mountPoint finds (creating missing directories in memory) the guest
// directory p for a new mount, already crossing mounts stacked there.
func (fs *FS) mountPoint(p string) (*Dentry, error) {
	if !path.IsAbs(p) {
		return nil, fmt.Errorf("guest path %q is not absolute", p)
	}
	p = path.Clean(p)
	if p == "/" {
		return nil, fmt.Errorf("cannot mount over /")
	}
	d := fs.root
	for _, name := range strings.Split(p[1:], "/") {
		c, err := fs.lookupChild(d, name)
		if err == unix.ENOENT && (d.mnt.kind == kindOverlay || d.mnt.kind == kindMem) {
			// Like Docker, create the missing mount point, here in memory.
			c, err = fs.createChild(d, name, unix.S_IFDIR|0755, "")
		}
		if err != nil {
			return nil, fmt.Errorf("mount point %s: %w", p, err)
		}
		c = crossMounts(c)
		if !c.isDir() {
			return nil, fmt.Errorf("mount point %s: %w", p, unix.ENOTDIR)
		}
		d = c
	}
	// Mount points must never be dropped from the cache by revalidation.
	if d.mnt.kind == kindOverlay {
		if err := fs.copyUp(d, false); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (fs *FS) attach(point *Dentry, m *mount, root *Dentry) {
	root.fs, root.mnt = fs, m
	m.root, m.point = root, point
	point.mounted = m
}

// mountMem mounts an empty in-memory filesystem at p.
func (fs *FS) mountMem(p string, readOnly bool, perm uint32) (*Dentry, error) {
	point, err := fs.mountPoint(p)
	if err != nil {
		return nil, err
	}
	m := fs.newMount(kindMem, readOnly)
	root := &Dentry{mem: fs.newMem(m, unix.S_IFDIR|perm, 0)}
	fs.attach(point, m, root)
	return root, nil
}

func (fs *FS) mountVolume(v Volume) error {
	host, err := hostRootNode(v.Host)
	if err != nil {
		return err
	}
	point, err := fs.mountPoint(v.Guest)
	if err != nil {
		return err
	}
	m := fs.newMount(kindHost, v.ReadOnly)
	m.source = v.Host
	// Its directories' fds count against a budget of their own
	// (dirState.budget); the root's own, opened once here, does not.
	host.self.s.budget = &fs.volDirs
	fs.attach(point, m, &Dentry{host: host})
	return nil
}

// Mount mounts the synthetic filesystem whose root is root at the guest
// directory p (absolute), on top of whatever is mounted there. Synthetic
// filesystems are read-only to the application.
func (fs *FS) Mount(p string, root Node) error {
	return fs.MountTyped(p, root, "none")
}

// MountTyped is Mount with the filesystem type mountinfo and statfs show
// ("proc", "sysfs").
func (fs *FS) MountTyped(p string, root Node, fsType string) error {
	if root.Stat().Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("vfs: mount %s: root is not a directory", p)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	point, err := fs.mountPoint(p)
	if err != nil {
		return fmt.Errorf("vfs: mount %s: %w", p, err)
	}
	if point.synth != nil {
		return fmt.Errorf("vfs: mount %s: cannot mount inside a synthetic filesystem", p)
	}
	m := fs.newMount(kindSynth, true)
	m.synthType = fsType
	fs.attach(point, m, &Dentry{synth: root, styp: unix.S_IFDIR})
	return nil
}

// OverlayWrites returns the guest paths of regular files whose content
// exists only in the in-memory overlay (created or modified by the
// application), sorted, so the sentry can say at exit what is lost.
func (fs *FS) OverlayWrites() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []string
	var walk func(d *Dentry)
	walk = func(d *Dentry) {
		for _, c := range d.children {
			if c.mem == nil || c.mounted != nil {
				continue
			}
			switch c.mem.typ {
			case unix.S_IFDIR:
				walk(c)
			case unix.S_IFREG:
				c.mem.mu.Lock()
				w := c.mem.written
				c.mem.mu.Unlock()
				if w {
					out = append(out, c.pathLocked())
				}
			}
		}
	}
	walk(fs.root)
	sort.Strings(out)
	return out
}

// overlayReportMax bounds the paths ReportOverlayWrites names one by one.
const overlayReportMax = 20

// ReportOverlayWrites tells the user, on w, which files the application
// wrote only to the in-memory overlay (paths from OverlayWrites): they
// are gone when the sentry exits. It writes nothing when paths is empty.
// The application chose the names, so they are escaped as --strace
// escapes strings: an escape sequence or a newline in a name must not
// reach the user's terminal raw.
func ReportOverlayWrites(w io.Writer, paths []string) {
	if len(paths) == 0 {
		return
	}
	noun := "files"
	if len(paths) == 1 {
		noun = "file"
	}
	fmt.Fprintf(w, "sentry: %d %s written only to the in-memory overlay, now discarded (mount a volume with -v HOST:GUEST to keep them):\n", len(paths), noun)
	for i, p := range paths {
		if i == overlayReportMax {
			fmt.Fprintf(w, "  ... and %d more\n", len(paths)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", strace.Escape(p))
	}
}
