// Package vfs is the sandbox's filesystem: the mount tree, path resolution
// and open file descriptions.
//
// What it owns:
//
//   - The mount tree. The root mount is an overlay: a host directory (by
//     default "/") is the read-only lower layer and an in-memory tree is the
//     upper layer. Writes copy a file up into memory, unlink and rename leave
//     whiteouts, so the application sees a writable root that never changes
//     the host. Volumes mount host directories (writable or read-only) at
//     guest paths (never the host's /proc, /sys or /dev, never at or under
//     the sandbox's, never two on one path: volume.go); /dev is an in-memory devfs; /proc and /sys are empty
//     read-only placeholders until the kernel mounts its own synthetic
//     filesystems there (FS.MountTyped with a Node tree).
//   - Path resolution, done here component by component: ".." at the root
//     stays at the root, symlinks are read and resolved against the guest
//     tree (never by the host), with Linux's limits and errnos.
//   - Files (open file descriptions): offset, status flags, a reference
//     count, and an implementation (FileImpl) per kind of object.
//
// Invariants:
//
//   - The host is only reached through directory fds this package holds,
//     one path component at a time, with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW
//     (or "." relative to a directory fd), so a lookup can never leave the
//     host root directory or a volume, whatever symlinks the host holds.
//     Extended attributes of host objects are the one exception to "one
//     component at a time": they are reached through /proc/self/fd/N of an
//     O_PATH fd opened that way, a magic link to exactly that object
//     (hostxattr.go).
//   - The overlay's lower layer is never modified.
//   - Errors an application can cause are unix.Errno values (Linux errnos);
//     failures of the sentry itself (New) are wrapped Go errors.
//   - Identity and permissions: this package acts as root with
//     CAP_DAC_OVERRIDE and creates files with the sentry's own uid and
//     gid: permission bits are recorded (chmod, chown in the overlay; in
//     volumes on the host file, except that set-ID bits, owners other
//     than the sentry's and security.*/trusted.* xattrs never reach the
//     host: volguard.go records them for the sandbox's view) but not
//     enforced, except that X_OK and exec need some execute bit on
//     non-directories and read-only mounts refuse writes with EROFS. The
//     kernel checks the bits for unprivileged credentials before it calls
//     in (pkg/kernel perm.go) and chowns the files such a caller creates.
//     The host kernel still enforces its own permissions on volume files.
//
// /dev/tty opens as a ControllingTTY placeholder that the kernel, which
// knows the caller's controlling terminal, replaces; /dev/ptmx links to
// the kernel's devpts (/dev/pts/ptmx). Also here: advisory locks (lock.go:
// POSIX, OFD and flock tables keyed by object; lockwait.go: EDEADLK for
// POSIX F_SETLKW), memfds with seals, O_TMPFILE, openat2's RESOLVE_* flags,
// statfs per mount, the mount table for /proc/PID/mountinfo, and FIFO
// inodes whose pipes come from a FIFOProvider (fifo.go). Synthetic
// filesystems (the kernel's procfs and sysfs, package procfs) are Node
// trees whose methods run without FS.mu held (synth.go); /proc/PID/fd/N
// links are MagicLinks that reach the open file itself.
//
// Bounded resources: the data of in-memory files is charged to the
// sandbox's memory account (MemoryCharger, charge.go: ENOSPC past it), a
// File's own structures too once the kernel charges it (File.ChargeOnce,
// file_charge.go: given back by its last DecRef), and the host fds of open application files to a budget of half the
// sentry's fd limit (hostfds.go), so the application can exhaust neither
// the host's memory nor the fds the sentry needs itself. Files of the
// read-only root park when the budget is spent (their fd closed, reopened
// by name and checked by dev/inode on next use), so only volume files
// meet ENFILE past it; execve's own opens (OpenExec) may also draw on a
// small reserve. The O_PATH fds of the lower layer's directories park the
// same way in a pool of an eighth of the sentry's limit (dirpark.go);
// those of volumes' directories, which cannot park (the sandbox renames
// them), are capped at another eighth (ENFILE past it).
//
// Page caches (pagecache.go): a regular file mapped MAP_SHARED has one
// PageCache per object (in-memory inode, or host file by device and
// inode), holding its pages in the kernel's memory file (PageMemory) for
// every mapping to share. Invariant: while a cache lives it holds the
// newest bytes of the pages it caches; every read of the object through
// any File overlays them, every write, append, truncate and fallocate
// updates them under the cache's lock, and the cache is written back to
// the object at msync, fsync and its last DecRef (the last mapping gone),
// after which I/O goes straight to the object again. Truncation tells the
// mapping address spaces (Mapper) after releasing the cache's lock. Holes
// of a sparse object are neither read into the cache nor written back from
// it while its memory there was never written (sparse.go), so a mapping
// costs the memory of the file's data, not of its size, and a sparse file
// stays sparse.
//
// Extended attributes (xattr.go): in-memory inodes keep their own, host
// objects have the host's, synthetic files have none (EOPNOTSUPP, as
// procfs); a copy-up takes the lower object's user.* ones along.
//
// Not yet: devices and sockets by mknod, FIFOs in volumes, POSIX ACLs, a
// bound on the dentry cache (host entries looked up stay cached,
// revalidated on use; their memory is the sentry's, and a volume's
// directories among them hold their O_PATH fds for good).
//
// Who may call it: pkg/kernel (syscall handlers, exec, the fd table) and
// pkg/loader (reading executables through *File). Other packages (pipes,
// sockets, procfs) plug in through FileImpl, NewFile and Node.
//
// Concurrency and lock order: File.mu (offset, flags, directory snapshot)
// -> FS.mu (the whole dentry tree: names, children, whiteouts, mounts,
// copy-up) -> cacheRegistry.mu -> PageCache.mu -> memInode.mu (an
// in-memory inode's data and metadata). The memory manager (pkg/vm) calls
// into page caches holding its MM lock, which so comes before
// cacheRegistry.mu; a cache calls Mapper.FileShrunk (which takes the MM
// lock) holding none of its own locks, only FS.mu for truncate(2).
// A parked-able host file's parking.mu comes before hostFDBudget.mu;
// the budget's sweep only tries parking.mu (hostfds.go). A directory's
// dirState.mu comes before its parent's and dirPool.mu; the pool's sweep
// only tries dirState.mu, and no dirState.mu is held while the fd is in
// use (dirpark.go).
// lockTable.mu (advisory locks) is taken without the others, and only
// LockWaits.mu (the F_SETLKW wait-for graph) is taken under it.
// writeGate.mu (writers and executed files, writedeny.go) is a leaf,
// taken under FS.mu or none; an ExecDeny's mu is taken before it.
// FS.mu is a read-write lock: calls that only read the tree (stat,
// access, readlink, lookup, a read-only open of a host file or a
// directory) walk paths already in the dentry cache holding it for
// reading, concurrently with each other and with their host calls, and
// start again under the write lock if the walk needs to change the tree
// or enter a synthetic filesystem (walk_shared.go). Every change to the
// tree holds it for writing. Namespace operations hold FS.mu for their
// whole duration, which makes them atomic with respect to each other; reads and writes of open files
// never take FS.mu (except directory listings), so data I/O of different
// files does not contend. Host directory fds are closed by a runtime
// cleanup when no Dentry or File references them any more (or parked
// before: dirpark.go).
package vfs
