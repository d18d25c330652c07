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

// TestStatGenericIsRISCV64sStructStat checks StatGeneric's size and every
// named field's offset against struct stat as riscv64-linux-gnu-gcc lays
// it out, with static assertions the compiler evaluates.
func TestStatGenericIsRISCV64sStructStat(t *testing.T) {
	cname := map[string]string{
		"Dev": "st_dev", "Ino": "st_ino", "Mode": "st_mode", "Nlink": "st_nlink",
		"UID": "st_uid", "GID": "st_gid", "Rdev": "st_rdev", "Size": "st_size",
		"Blksize": "st_blksize", "Blocks": "st_blocks",
		"ATime": "st_atim", "MTime": "st_mtim", "CTime": "st_ctim",
	}
	var src strings.Builder
	src.WriteString("#include <stddef.h>\n#include <sys/stat.h>\n")
	typ := reflect.TypeOf(StatGeneric{})
	size := binary.Size(StatGeneric{})
	if size != int(typ.Size()) {
		t.Fatalf("encoded size %d, in memory %d: the struct has implicit padding", size, typ.Size())
	}
	fmt.Fprintf(&src, "_Static_assert(sizeof(struct stat) == %d, \"size\");\n", size)
	seen := 0
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Name == "_" {
			continue
		}
		c, ok := cname[f.Name]
		if !ok {
			t.Fatalf("field %s has no C name here", f.Name)
		}
		seen++
		fmt.Fprintf(&src, "_Static_assert(offsetof(struct stat, %s) == %d && sizeof(((struct stat *)0)->%s) == %d, \"%s\");\n",
			c, f.Offset, c, f.Type.Size(), c)
	}
	if seen != len(cname) {
		t.Fatalf("checked %d fields, want %d", seen, len(cname))
	}
	file := filepath.Join(t.TempDir(), "stat.c")
	if err := os.WriteFile(file, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("riscv64-linux-gnu-gcc", "-fsyntax-only", file).CombinedOutput(); err != nil {
		t.Fatalf("riscv64-linux-gnu-gcc: %v\n%s\n%s", err, out, src.String())
	}
}
