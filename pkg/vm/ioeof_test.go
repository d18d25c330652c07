package vm

import "io"

func ioEOF() error { return io.EOF }
