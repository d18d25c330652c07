package strace

// result renders a finished call's return value, after "= ".
func result(c *call) string {
	if c.d.Ret == RetVoid {
		return "?"
	}
	if c.failed {
		return errorResult(c.ret)
	}
	switch c.d.Ret {
	case RetHex:
		return hex(c.ret)
	case RetOct:
		return mode(c.ret)
	case RetPoll:
		if c.ret == 0 {
			return "0 (Timeout)"
		}
		return dec64(c.ret) + " (" + c.revents(c.arg(0), c.arg(1)) + ")"
	case RetFcntl:
		return fcntlResult(c.arg(1)&0xffffffff, c.ret)
	}
	return dec64(c.ret)
}

func fcntlResult(cmd, ret uint64) string {
	switch cmd {
	case fGetfd:
		if ret == 0 {
			return "0"
		}
		return hex(ret) + " (flags " + flags(fdFlagTab, ret) + ")"
	case fGetfl:
		return hex(ret) + " (flags " + openFlags(ret) + ")"
	case fGetSeals:
		if ret == 0 {
			return "0"
		}
		return hex(ret) + " (seals " + flags(sealTab, ret) + ")"
	case fGetlease:
		return hex(ret) + " (" + xval(lockTypeTab, ret, "F_???") + ")"
	}
	return dec64(ret)
}
