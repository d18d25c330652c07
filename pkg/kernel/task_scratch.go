package kernel

// Scratch buffers. read(2) and write(2) stage bytes between the
// application's memory and the file in a buffer as large as the call's
// count (up to ioChunk). redis asks read for 16 KiB or more per call and
// gets a few hundred bytes; allocating (and zeroing) a fresh buffer each
// time was most of the sentry's allocation under load. Each task keeps
// one buffer for its own calls (only its goroutine uses it; readInto and
// writeFrom never nest, and readers and writers do not retain the slice,
// as io.Reader and io.Writer require).

// scratchKeep is the largest buffer a task keeps between calls; bigger
// ones are allocated for the call alone.
const scratchKeep = 256 << 10

// scratch returns a buffer of n bytes with unspecified contents.
func (t *Task) scratch(n int) []byte {
	if n > scratchKeep {
		return make([]byte, n)
	}
	if cap(t.scratchBuf) < n {
		t.scratchBuf = make([]byte, max(n, 64<<10))
	}
	return t.scratchBuf[:n]
}
