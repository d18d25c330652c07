// Package vfstest holds helpers for tests of packages that sit on pkg/vfs.
// Nothing outside _test.go files may import it.
package vfstest

// Limit is a vfs.MemoryCharger of Max bytes that a test can read and set:
// Used is what has been charged and not given back. It is not safe for
// concurrent use; the tests that use it drive one file from one goroutine.
type Limit struct{ Used, Max int64 }

// Charge adds n bytes, or reports false, charging nothing, past Max.
func (c *Limit) Charge(n int64) bool {
	if c.Used+n > c.Max {
		return false
	}
	c.Used += n
	return true
}

// Uncharge gives back n bytes of an earlier Charge.
func (c *Limit) Uncharge(n int64) { c.Used -= n }
