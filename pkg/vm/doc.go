// Package vm owns application address spaces and the memory file that
// backs every page of application memory.
//
// # Memory file
//
// A MemoryFile is one memfd, sparse and very large (up to 1 TiB of file
// offsets), mapped once into the sentry with MAP_SHARED so that copy-in and
// copy-out are plain Go copies. Platforms map ranges of the same fd into
// the application (the ptrace stub with MAP_SHARED|MAP_FIXED). Offsets are
// handed out by a first-fit free-list allocator with coalescing. Invariant:
// every range the allocator considers free reads as zeroes (it was never
// touched, or its pages were punched out with fallocate(PUNCH_HOLE) in
// Free), so a fresh allocation is zero-filled memory for free.
//
// # Address spaces
//
// An MM is one application address space: a sorted slice of VMA pieces.
// Each piece is a page-aligned range of addresses backed by a range of the
// memory file (memOff); no two private pieces of one address space share
// file pages (shared ones may: the same file's page cache mapped twice, a
// shared mapping duplicated by mremap; below).
// Splitting a piece splits its file range; unmapping a piece drops its
// reference to exactly its file range.
//
// # Shared memory
//
// MAP_SHARED|MAP_ANONYMOUS memory is one memory-file range that forked
// address spaces share by reference (never copy-on-write). A MAP_SHARED
// mapping of a file maps the file's page cache (a SharedMappable, from
// pkg/vfs): its pieces are backed by the cache's pages, each piece
// holding a reference to those pages and one to the cache, so every
// mapping of the file in every address space is the same memory, and the
// cache keeps it coherent with read and write and writes it back
// (shared.go). Invariants: a shared piece is never cow; a shared file
// piece's memOff ranges belong to its cache; the cache knows every MM
// that maps it (AddMapper at mmap, mremap and fork; RemoveMapper at
// Release), and a file that shrinks marks the pages past its end pastEOF
// in each (FileShrunk), mirrored to the platform by the MM's own tasks
// (SyncPending). Pages of a shared file mapping past EOF become
// accessible on the fault once the file has grown to them. SharedKey
// names shared memory by memory-file offset, the same in every mapper:
// the kernel keys process-shared futexes by it.
//
// # Fork and copy-on-write
//
// Pieces of different address spaces share file pages after Fork: the
// MemoryFile counts references per page range (refSet; pages held once
// are not in it, so a process that never forked pays nothing), and Free
// drops one reference, releasing pages only with their last one. A
// MAP_SHARED piece stays shared. A private piece is marked cow in both
// address spaces and mapped without write permission; the first write
// from the application faults and the kernel calls HandleFault, which
// copies the 64 KiB chunk around the address into a new file range (or,
// when the other side has already let go, just restores write access).
// Writes by the sentry (CopyOut) break the sharing of the range first, so
// nothing is ever written through to a page another address space sees.
// Copies skip holes (SEEK_DATA), so sparse memory stays sparse. Sharing
// pays only for large processes: when the private writable data is small
// (2 MiB, a shell), Fork copies it outright and spares both sides the
// write faults; read-only memory (program text) is always shared. A
// process whose other threads may be writing meanwhile forks with
// ForkRunning: a copy made under running threads would show the child a
// mixture of moments, so ForkRunning write-protects what it copies in the
// platform until the copy is made (shared memory is write-protected before
// Fork returns anyway), and the child sees each thread's writes up to some
// point, as on Linux.
//
// The application's threads fault while other threads change the
// mappings, so a fault can be stale: taken on a copy-on-write page that
// another thread's fault has since made private and writable. MirrorGen
// counts the changes mirrored to the platform (every sync); a task reads
// it before it resumes the application, and HandleFaultSince lets the
// access be retried if it moved (stale.go). Every write the sentry makes
// (CopyOut, CompareAndSwapU32) breaks the sharing first. Pieces may be finer than Linux's VMAs (a
// heap grown twice whose file ranges are not contiguous is two pieces);
// Maps merges them back the way Linux would show them in /proc/PID/maps.
//
// Where mmap without an address, the initial stack, a PIE program and the
// heap go is the MM's Layout (layout.go): fixed by default, drawn at
// random by the kernel per execve (Linux's ASLR), copied by Fork.
//
// Private anonymous PROT_NONE pieces (address-space reservations such as
// glibc's malloc arenas or a Go heap arena) have no file range (memOff ==
// -1) until mprotect makes them accessible, so reserving terabytes costs no
// file space.
//
// Every change to the pieces is mirrored to the platform's AddressSpace by
// state: after a change to [start, end), sync walks that range and issues
// MapFile for accessible backed runs and Unmap for gaps and PROT_NONE
// runs, merging contiguous runs into single calls. The platform's
// Reserved ranges are never part of a piece and never passed to Unmap.
//
// # Memory account
//
// An Account (account.go) is the sandbox's --memory: the memory file's
// resident pages (the host's count of the memfd's blocks, so every page
// touched anywhere) plus bytes other packages charge for memory they hold
// for the application. Pages cannot be refused (the host makes them on
// touch); the kernel samples Usage and OOM-kills. MM.Resident is a
// process's RSS for choosing the victim, MM.VirtualSize its VmSize for
// RLIMIT_AS.
//
// # Concurrency and lock order
//
// An MM is safe for concurrent use by all tasks sharing it: one RWMutex,
// held exclusively by mapping changes and shared by copy-in/copy-out (so a
// range cannot be freed and reused by another address space while a copy
// reads it). Lock order: MM.mu, then a page cache's locks (vfs: its
// registry, the cache, the file's inode), then MemoryFile.mu, then
// whatever the platform locks inside AddressSpace calls. The platform
// never calls back into vm; a page cache calls FileShrunk (which takes
// MM.mu) only with none of its locks held.
//
// # Errors
//
// Failures the application caused are unix.Errno values with Linux's
// meaning (EINVAL, ENOMEM, EEXIST, EFAULT, ...). A failure of the platform
// to mirror a decision is the sentry's own failure and is returned wrapped
// with context; callers can tell the two apart with errors.As(err,
// *unix.Errno).
//
// # Known limits
//
//   - Private file mappings copy the file's bytes eagerly at mmap time
//     (but its holes, which the fresh memory already reads as: a sparse
//     file costs its data, not its size), not on fault.
//   - Pages of a file mapping wholly past EOF are never mapped in the
//     platform, so an access faults and the kernel raises SIGBUS
//     (BUS_ADRERR) as Linux does (PastEOF), and copy-in/copy-out there is
//     EFAULT; the page holding EOF reads zero past it. For a private
//     mapping EOF is the file's size when the pages were filled (mmap, or
//     mremap for the pages it adds) (eof.go); a shared mapping follows
//     the file (shared.go). A write to such a page of a read-only mapping
//     is SIGBUS where Linux says SIGSEGV (the platform does not tell reads
//     from writes).
//   - A truncation by another process reaches an MM's platform mappings
//     when one of its tasks next enters the kernel (SyncPending).
//   - mprotect refusing PROT_WRITE on a shared mapping of a file opened
//     read-only (EACCES) changes nothing, where Linux has already changed
//     the mappings before the refused one.
//   - mremap with old_len == 0 duplicates shared anonymous memory only as
//     far as the mapping reaches (EINVAL past it; Linux maps pages that
//     raise SIGBUS).
//   - MAP_GROWSDOWN does not grow; there is no stack guard gap.
//   - Accessible anonymous memory takes memory-file offsets for its whole
//     length at mmap time (not pages: the file is sparse), so the sum of
//     accessible mappings is limited to the file size (1 TiB); PROT_NONE
//     reservations are not.
//   - Reading a never-written page through a MAP_SHARED mapping of a memfd
//     allocates it (shmem has no shared zero page), in the sentry's CopyIn
//     as in the application.
//   - CopyIn needs PROT_READ and CopyOut PROT_WRITE, although x86 page
//     tables make write-only and exec-only pages readable.
//   - MAP_SHARED_VALIDATE is taken as MAP_SHARED without checking flags.
//   - A copy-on-write break copies at most 64 KiB per fault and splits the
//     piece; a process rewriting a large heap after fork ends up with many
//     pieces (and host mappings) until it exits.
package vm
