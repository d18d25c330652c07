package loader

import (
	"encoding/binary"
	"testing"

	"sentry/pkg/arch"
)

// TestBuildStackLayout checks the initial stack against the layout the
// amd64 and riscv64 ABIs fix: argc, argv[], NULL, envp[], NULL, auxv pairs
// ending in AT_NULL, sp 16-byte aligned, strings NUL-terminated above.
func TestBuildStackLayout(t *testing.T) {
	const top = 0x7ff000000000
	var rnd [16]byte
	for i := range rnd {
		rnd[i] = byte(i + 1)
	}
	for _, a := range []arch.Arch{arch.AMD64, arch.RISCV64} {
		argv := []string{"/bin/echo", "hello", ""}
		envp := []string{"A=1", "PATH=/bin"}
		lay, err := BuildStack(top, a, argv, envp, "/bin/echo", rnd, []AuxEntry{{atPagesz, 4096}})
		if err != nil {
			t.Fatal(err)
		}
		if lay.SP%16 != 0 {
			t.Errorf("%v: sp %#x not 16-byte aligned", a, lay.SP)
		}
		if lay.Top-uint64(len(lay.Data)) != lay.SP {
			t.Fatalf("%v: image does not start at sp", a)
		}
		word := func(addr uint64) uint64 { return binary.LittleEndian.Uint64(lay.Data[addr-lay.SP:]) }
		str := func(addr uint64) string {
			b := lay.Data[addr-lay.SP:]
			for i, c := range b {
				if c == 0 {
					return string(b[:i])
				}
			}
			t.Fatalf("%v: unterminated string at %#x", a, addr)
			return ""
		}
		p := lay.SP
		if argc := word(p); argc != uint64(len(argv)) {
			t.Fatalf("%v: argc = %d", a, argc)
		}
		p += 8
		for i, want := range argv {
			if got := str(word(p)); got != want {
				t.Errorf("%v: argv[%d] = %q, want %q", a, i, got, want)
			}
			p += 8
		}
		if word(p) != 0 {
			t.Fatalf("%v: argv not NULL-terminated", a)
		}
		p += 8
		for i, want := range envp {
			if got := str(word(p)); got != want {
				t.Errorf("%v: envp[%d] = %q, want %q", a, i, got, want)
			}
			p += 8
		}
		if word(p) != 0 {
			t.Fatalf("%v: envp not NULL-terminated", a)
		}
		p += 8
		aux := map[uint64]uint64{}
		for {
			tag, val := word(p), word(p+8)
			p += 16
			if tag == atNull {
				break
			}
			aux[tag] = val
		}
		if aux[atPagesz] != 4096 {
			t.Errorf("%v: AT_PAGESZ = %d", a, aux[atPagesz])
		}
		if got := str(aux[atExecFn]); got != "/bin/echo" {
			t.Errorf("%v: AT_EXECFN = %q", a, got)
		}
		wantPlat := map[arch.Arch]string{arch.AMD64: "x86_64", arch.RISCV64: "riscv64"}[a]
		if got := str(aux[atPlatform]); got != wantPlat {
			t.Errorf("%v: AT_PLATFORM = %q", a, got)
		}
		r := aux[atRandom]
		if r%16 != 0 || string(lay.Data[r-lay.SP:r-lay.SP+16]) != string(rnd[:]) {
			t.Errorf("%v: AT_RANDOM bytes wrong or misaligned at %#x", a, r)
		}
		if p > r {
			t.Errorf("%v: auxv overlaps AT_RANDOM bytes", a)
		}
	}
}

func TestBuildStackTooBig(t *testing.T) {
	big := make([]byte, maxArgBytes+1)
	if _, err := BuildStack(0x7ff000000000, arch.AMD64, []string{string(big)}, nil, "x", [16]byte{}, nil); err == nil {
		t.Fatal("no E2BIG for oversized argv")
	}
}

// TestBuildStackPad: arch_align_stack's pad moves everything below the
// argument strings (sp included) down by about pad, keeps sp aligned,
// and leaves the strings where they were, still pointed at.
func TestBuildStackPad(t *testing.T) {
	const top = 0x7ff000000000
	argv := []string{"/bin/echo", "hi"}
	plain, err := buildStackPadded(top, arch.AMD64, argv, nil, "/bin/echo", [16]byte{}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, pad := range []uint64{1, 15, 1000, 8191} {
		lay, err := buildStackPadded(top, arch.AMD64, argv, nil, "/bin/echo", [16]byte{}, nil, pad)
		if err != nil {
			t.Fatal(err)
		}
		if lay.SP%16 != 0 || lay.SP > plain.SP-pad+15 || lay.SP < plain.SP-pad-16 {
			t.Errorf("pad %d: sp %#x, plain %#x", pad, lay.SP, plain.SP)
		}
		argv0 := binary.LittleEndian.Uint64(lay.Data[8:])
		if want := binary.LittleEndian.Uint64(plain.Data[8:]); argv0 != want {
			t.Errorf("pad %d: argv[0] at %#x, want %#x", pad, argv0, want)
		}
		if got := string(lay.Data[argv0-lay.SP : argv0-lay.SP+9]); got != "/bin/echo" {
			t.Errorf("pad %d: argv[0] reads %q", pad, got)
		}
	}
}
