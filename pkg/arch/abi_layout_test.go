package arch

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// cLayout is one Go struct of abi_layout.go and the C struct it stands
// for, with the C name of each named Go field.
type cLayout struct {
	goType  any
	cStruct string
	fields  map[string]string
}

// assertions returns C static assertions that the C struct has the
// encoded size of the Go struct and each named field its encoded offset
// and size (encoding/binary's layout, which is what is copied, not Go's
// in-memory one).
func (l cLayout) assertions(t *testing.T) string {
	var b strings.Builder
	typ := reflect.TypeOf(l.goType)
	fmt.Fprintf(&b, "_Static_assert(sizeof(%s) == %d, \"%s size\");\n", l.cStruct, binary.Size(l.goType), l.cStruct)
	off, seen := 0, 0
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		size := binary.Size(reflect.Zero(f.Type).Interface())
		if f.Name != "_" {
			c, ok := l.fields[f.Name]
			if !ok {
				t.Fatalf("%s.%s has no C name here", typ.Name(), f.Name)
			}
			seen++
			fmt.Fprintf(&b, "_Static_assert(offsetof(%s, %s) == %d && sizeof(((%s *)0)->%s) == %d, \"%s.%s\");\n",
				l.cStruct, c, off, l.cStruct, c, size, l.cStruct, c)
		}
		off += size
	}
	if seen != len(l.fields) {
		t.Fatalf("%s: checked %d fields, want %d", typ.Name(), seen, len(l.fields))
	}
	return b.String()
}

// TestABILayoutsAreTheCCompilers checks the structs of abi_layout.go
// against amd64's gcc and riscv64-linux-gnu-gcc with static assertions
// the compilers evaluate; the epoll_event of each arch only against its
// own compiler.
func TestABILayoutsAreTheCCompilers(t *testing.T) {
	common := []cLayout{
		{Iovec{}, "struct iovec", map[string]string{"Base": "iov_base", "Len": "iov_len"}},
		{Msghdr{}, "struct msghdr", map[string]string{
			"Name": "msg_name", "NameLen": "msg_namelen", "Iov": "msg_iov", "IovLen": "msg_iovlen",
			"Control": "msg_control", "ControlLen": "msg_controllen", "Flags": "msg_flags",
		}},
		{Mmsghdr{}, "struct mmsghdr", map[string]string{"Hdr": "msg_hdr", "Len": "msg_len"}},
	}
	for _, l := range common {
		// The offsets of abi_layout_unsafe.go are Go's; they are the
		// encoded ones only if Go adds no padding of its own.
		if enc, mem := binary.Size(l.goType), int(reflect.TypeOf(l.goType).Size()); enc != mem {
			t.Fatalf("%T: encoded size %d, in memory %d: the struct has implicit padding", l.goType, enc, mem)
		}
	}
	epoll := map[string]string{"Events": "events", "Data": "data"}
	for _, cc := range []struct {
		compiler string
		layouts  []cLayout
	}{
		{"gcc", append(common, cLayout{EpollEventPacked{}, "struct epoll_event", epoll})},
		{"riscv64-linux-gnu-gcc", append(common, cLayout{EpollEventGeneric{}, "struct epoll_event", epoll})},
	} {
		t.Run(cc.compiler, func(t *testing.T) {
			src := "#define _GNU_SOURCE\n#include <stddef.h>\n#include <sys/uio.h>\n#include <sys/socket.h>\n#include <sys/epoll.h>\n"
			for _, l := range cc.layouts {
				src += l.assertions(t)
			}
			file := filepath.Join(t.TempDir(), "layout.c")
			if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(cc.compiler, "-fsyntax-only", file).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s\n%s", cc.compiler, err, out, src)
			}
		})
	}
}
