package vfs

// Synthetic reports whether d is a node of a synthetic filesystem (procfs,
// sysfs): such nodes decide themselves who may read or write them, so
// mode-bit checks by the caller's ids do not apply to them.
func (d *Dentry) Synthetic() bool { return d.synth != nil }
