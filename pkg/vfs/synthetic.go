package vfs

// Synthetic reports whether d is a node of a synthetic filesystem (procfs,
// sysfs): such nodes decide themselves who may read or write them, so
// mode-bit checks by the caller's ids do not apply to them.
func (d *Dentry) Synthetic() bool { return d.synth != nil }

// SyntheticNode is the synthetic filesystem's node behind d, or nil: the
// kernel asks it what an open /proc/PID directory stands for (a process,
// which pidfd_send_signal accepts in place of a pidfd).
func (d *Dentry) SyntheticNode() Node {
	d.fs.mu.RLock()
	defer d.fs.mu.RUnlock()
	return d.synth
}
