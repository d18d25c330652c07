package vm

import (
	"reflect"
	"testing"
)

func TestAllocator(t *testing.T) {
	type op struct {
		kind    string // "alloc", "at", "free"
		off, n  int64
		wantOff int64 // alloc: expected offset
		wantOK  bool  // alloc, at
	}
	tests := []struct {
		name     string
		ops      []op
		wantTop  int64
		wantFree []extent
	}{
		{
			name:    "bump",
			ops:     []op{{kind: "alloc", n: 0x1000, wantOff: 0, wantOK: true}, {kind: "alloc", n: 0x2000, wantOff: 0x1000, wantOK: true}},
			wantTop: 0x3000,
		},
		{
			name: "reuse first fit and split",
			ops: []op{
				{kind: "alloc", n: 0x3000, wantOK: true},
				{kind: "alloc", n: 0x1000, wantOff: 0x3000, wantOK: true},
				{kind: "free", off: 0, n: 0x3000},
				{kind: "alloc", n: 0x1000, wantOff: 0, wantOK: true},
			},
			wantTop:  0x4000,
			wantFree: []extent{{0x1000, 0x3000}},
		},
		{
			name: "coalesce both sides and lower top",
			ops: []op{
				{kind: "alloc", n: 0x1000, wantOK: true},
				{kind: "alloc", n: 0x1000, wantOff: 0x1000, wantOK: true},
				{kind: "alloc", n: 0x1000, wantOff: 0x2000, wantOK: true},
				{kind: "alloc", n: 0x1000, wantOff: 0x3000, wantOK: true},
				{kind: "free", off: 0, n: 0x1000},
				{kind: "free", off: 0x2000, n: 0x1000},
				{kind: "free", off: 0x1000, n: 0x1000},
				{kind: "free", off: 0x3000, n: 0x1000},
			},
			wantTop: 0,
		},
		{
			name: "exact fit removes extent",
			ops: []op{
				{kind: "alloc", n: 0x2000, wantOK: true},
				{kind: "alloc", n: 0x1000, wantOff: 0x2000, wantOK: true},
				{kind: "free", off: 0, n: 0x2000},
				{kind: "alloc", n: 0x2000, wantOff: 0, wantOK: true},
			},
			wantTop: 0x3000,
		},
		{
			name:    "full",
			ops:     []op{{kind: "alloc", n: 0x10000, wantOK: true}, {kind: "alloc", n: 0x1000, wantOK: false}},
			wantTop: 0x10000,
		},
		{
			name: "allocAt beyond top leaves gap free",
			ops: []op{
				{kind: "alloc", n: 0x1000, wantOK: true},
				{kind: "at", off: 0x3000, n: 0x1000, wantOK: true},
			},
			wantTop:  0x4000,
			wantFree: []extent{{0x1000, 0x3000}},
		},
		{
			name: "allocAt inside free extent and across top",
			ops: []op{
				{kind: "alloc", n: 0x4000, wantOK: true},
				{kind: "alloc", n: 0x1000, wantOff: 0x4000, wantOK: true},
				{kind: "free", off: 0x1000, n: 0x2000},
				{kind: "at", off: 0x1000, n: 0x1000, wantOK: true},
				{kind: "at", off: 0x3000, n: 0x1000, wantOK: false},
				{kind: "free", off: 0x4000, n: 0x1000},
				{kind: "free", off: 0x3000, n: 0x1000},
				{kind: "at", off: 0x2000, n: 0x3000, wantOK: true},
			},
			wantTop: 0x5000,
		},
		{
			name:    "allocAt past size",
			ops:     []op{{kind: "at", off: 0xf000, n: 0x2000, wantOK: false}},
			wantTop: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := allocator{size: 0x10000}
			for i, o := range tt.ops {
				switch o.kind {
				case "alloc":
					off, ok := a.alloc(o.n)
					if ok != o.wantOK || (ok && off != o.wantOff) {
						t.Fatalf("op %d alloc(%#x) = %#x, %v; want %#x, %v", i, o.n, off, ok, o.wantOff, o.wantOK)
					}
				case "at":
					if ok := a.allocAt(o.off, o.n); ok != o.wantOK {
						t.Fatalf("op %d allocAt(%#x, %#x) = %v", i, o.off, o.n, ok)
					}
				case "free":
					a.release(o.off, o.n)
				}
			}
			if a.top != tt.wantTop || !reflect.DeepEqual(a.free, tt.wantFree) && len(a.free)+len(tt.wantFree) > 0 {
				t.Errorf("top %#x free %v; want top %#x free %v", a.top, a.free, tt.wantTop, tt.wantFree)
			}
		})
	}
}

func TestAllocatorDoubleFreePanics(t *testing.T) {
	for _, tt := range []struct {
		name    string
		off, n  int64
		prepare func(a *allocator)
	}{
		{"same range", 0x1000, 0x1000, func(a *allocator) { a.release(0x1000, 0x1000) }},
		{"overlaps next", 0x1000, 0x2000, func(a *allocator) { a.release(0x2000, 0x1000) }},
		{"beyond top", 0x8000, 0x1000, func(*allocator) {}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := allocator{size: 0x10000}
			a.alloc(0x4000)
			tt.prepare(&a)
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			a.release(tt.off, tt.n)
		})
	}
}
