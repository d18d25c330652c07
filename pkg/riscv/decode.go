package riscv

// op is one decoded instruction. Branch, jump and auipc targets are
// absolute (decoding happens at a known pc). rd is 32, a write-only sink,
// when an integer destination is x0, so execution never tests for x0.
type op struct {
	kind uint16
	rd   uint8
	rs1  uint8
	rs2  uint8
	rs3  uint8
	rm   uint8 // FP rounding mode field; AMO: unused
	len  uint8 // 2 or 4
	imm  int64
}

// sink is the register index integer writes to x0 go to.
const sink = 32

const (
	kUndecoded uint16 = iota
	kIllegal
	// RV64I
	kLUI // rd = imm
	kAUIPC
	kJAL
	kJALR
	kBEQ
	kBNE
	kBLT
	kBGE
	kBLTU
	kBGEU
	kLB
	kLH
	kLW
	kLD
	kLBU
	kLHU
	kLWU
	kSB
	kSH
	kSW
	kSD
	kADDI
	kSLTI
	kSLTIU
	kXORI
	kORI
	kANDI
	kSLLI
	kSRLI
	kSRAI
	kADD
	kSUB
	kSLL
	kSLT
	kSLTU
	kXOR
	kSRL
	kSRA
	kOR
	kAND
	kADDIW
	kSLLIW
	kSRLIW
	kSRAIW
	kADDW
	kSUBW
	kSLLW
	kSRLW
	kSRAW
	kFENCE
	kFENCEI
	kECALL
	kEBREAK
	kCSRRW
	kCSRRS
	kCSRRC
	kCSRRWI
	kCSRRSI
	kCSRRCI
	// M
	kMUL
	kMULH
	kMULHSU
	kMULHU
	kDIV
	kDIVU
	kREM
	kREMU
	kMULW
	kDIVW
	kDIVUW
	kREMW
	kREMUW
	// A (rs2 unused for LR)
	kLRW
	kSCW
	kAMOSWAPW
	kAMOADDW
	kAMOXORW
	kAMOANDW
	kAMOORW
	kAMOMINW
	kAMOMAXW
	kAMOMINUW
	kAMOMAXUW
	kLRD
	kSCD
	kAMOSWAPD
	kAMOADDD
	kAMOXORD
	kAMOANDD
	kAMOORD
	kAMOMIND
	kAMOMAXD
	kAMOMINUD
	kAMOMAXUD
	// Zba
	kSH1ADD
	kSH2ADD
	kSH3ADD
	kADDUW
	kSH1ADDUW
	kSH2ADDUW
	kSH3ADDUW
	kSLLIUW
	// Zbb
	kANDN
	kORN
	kXNOR
	kCLZ
	kCLZW
	kCTZ
	kCTZW
	kCPOP
	kCPOPW
	kMAX
	kMAXU
	kMIN
	kMINU
	kSEXTB
	kSEXTH
	kZEXTH
	kROL
	kROLW
	kROR
	kRORI
	kRORIW
	kRORW
	kORCB
	kREV8
	// Superinstructions (fuse.go).
	kLI
	kAUIPCLD
	kAUIPCJALR
	kLD2
	kSD2
	kADD2
	kADDI2
	// F and D: everything from here on is floating point.
	kFLW
	kFLD
	kFSW
	kFSD
	kFPFirstArith // marker
	kFMADDS
	kFMSUBS
	kFNMSUBS
	kFNMADDS
	kFMADDD
	kFMSUBD
	kFNMSUBD
	kFNMADDD
	kFADDS
	kFSUBS
	kFMULS
	kFDIVS
	kFSQRTS
	kFADDD
	kFSUBD
	kFMULD
	kFDIVD
	kFSQRTD
	kFSGNJS
	kFSGNJNS
	kFSGNJXS
	kFSGNJD
	kFSGNJND
	kFSGNJXD
	kFMINS
	kFMAXS
	kFMIND
	kFMAXD
	kFCVTWS
	kFCVTWUS
	kFCVTLS
	kFCVTLUS
	kFCVTWD
	kFCVTWUD
	kFCVTLD
	kFCVTLUD
	kFCVTSW
	kFCVTSWU
	kFCVTSL
	kFCVTSLU
	kFCVTDW
	kFCVTDWU
	kFCVTDL
	kFCVTDLU
	kFCVTSD
	kFCVTDS
	kFMVXW
	kFMVXD
	kFMVWX
	kFMVDX
	kFEQS
	kFLTS
	kFLES
	kFEQD
	kFLTD
	kFLED
	kFCLASSS
	kFCLASSD
	kNumKinds
)

// writesInt reports whether kind writes integer register rd.
func writesInt(k uint16) bool {
	switch {
	case k >= kLUI && k <= kJALR:
		return true
	case k >= kLB && k <= kLWU:
		return true
	case k >= kADDI && k <= kSRAW:
		return true
	case k >= kCSRRW && k <= kREV8:
		return true
	case k >= kFCVTWS && k <= kFCVTLUD, k == kFMVXW, k == kFMVXD, k >= kFEQS && k <= kFCLASSD:
		return true
	}
	return false
}

func sext(v uint32, bits uint) int64 {
	s := 64 - bits
	return int64(uint64(v)<<s) >> s
}

// decode32 decodes a 32-bit instruction at pc.
func decode32(i uint32, pc uint64) op {
	o := op{len: 4}
	rd := uint8((i >> 7) & 31)
	rs1 := uint8((i >> 15) & 31)
	rs2 := uint8((i >> 20) & 31)
	f3 := (i >> 12) & 7
	f7 := i >> 25
	immI := int64(int32(i)) >> 20
	immS := (int64(int32(i))>>25)<<5 | int64((i>>7)&31)
	o.rd, o.rs1, o.rs2 = rd, rs1, rs2
	k := kIllegal
	switch i & 0x7f {
	case 0x37:
		k, o.imm = kLUI, int64(int32(i&0xfffff000))
	case 0x17:
		k, o.imm = kAUIPC, int64(pc)+int64(int32(i&0xfffff000))
	case 0x6f:
		off := sext((i>>31)<<20|((i>>12)&0xff)<<12|((i>>20)&1)<<11|((i>>21)&0x3ff)<<1, 21)
		k, o.imm = kJAL, int64(pc)+off
	case 0x67:
		if f3 == 0 {
			k, o.imm = kJALR, immI
		}
	case 0x63:
		off := sext((i>>31)<<12|((i>>7)&1)<<11|((i>>25)&0x3f)<<5|((i>>8)&0xf)<<1, 13)
		o.imm = int64(pc) + off
		k = [8]uint16{kBEQ, kBNE, kIllegal, kIllegal, kBLT, kBGE, kBLTU, kBGEU}[f3]
	case 0x03:
		k, o.imm = [8]uint16{kLB, kLH, kLW, kLD, kLBU, kLHU, kLWU, kIllegal}[f3], immI
	case 0x23:
		k, o.imm = [8]uint16{kSB, kSH, kSW, kSD, kIllegal, kIllegal, kIllegal, kIllegal}[f3], immS
	case 0x13:
		o.imm = immI
		sh := uint32(immI) & 0x3f
		hi := i >> 26
		switch f3 {
		case 0:
			k = kADDI
		case 2:
			k = kSLTI
		case 3:
			k = kSLTIU
		case 4:
			k = kXORI
		case 6:
			k = kORI
		case 7:
			k = kANDI
		case 1:
			o.imm = int64(sh)
			switch {
			case hi == 0:
				k = kSLLI
			case i>>20 == 0x600:
				k = kCLZ
			case i>>20 == 0x601:
				k = kCTZ
			case i>>20 == 0x602:
				k = kCPOP
			case i>>20 == 0x604:
				k = kSEXTB
			case i>>20 == 0x605:
				k = kSEXTH
			}
		case 5:
			o.imm = int64(sh)
			switch {
			case hi == 0:
				k = kSRLI
			case hi == 0x10:
				k = kSRAI
			case hi == 0x18:
				k = kRORI
			case i>>20 == 0x287:
				k = kORCB
			case i>>20 == 0x6b8:
				k = kREV8
			}
		}
	case 0x1b:
		sh := int64(rs2)
		switch {
		case f3 == 0:
			k, o.imm = kADDIW, immI
		case f3 == 1 && f7 == 0:
			k, o.imm = kSLLIW, sh
		case f3 == 1 && i>>26 == 2:
			k, o.imm = kSLLIUW, int64((i>>20)&0x3f)
		case f3 == 1 && f7 == 0x30 && rs2 == 0:
			k = kCLZW
		case f3 == 1 && f7 == 0x30 && rs2 == 1:
			k = kCTZW
		case f3 == 1 && f7 == 0x30 && rs2 == 2:
			k = kCPOPW
		case f3 == 5 && f7 == 0:
			k, o.imm = kSRLIW, sh
		case f3 == 5 && f7 == 0x20:
			k, o.imm = kSRAIW, sh
		case f3 == 5 && f7 == 0x30:
			k, o.imm = kRORIW, sh
		}
	case 0x33:
		switch f7 {
		case 0:
			k = [8]uint16{kADD, kSLL, kSLT, kSLTU, kXOR, kSRL, kOR, kAND}[f3]
		case 0x20:
			k = [8]uint16{kSUB, kIllegal, kIllegal, kIllegal, kXNOR, kSRA, kORN, kANDN}[f3]
		case 1:
			k = [8]uint16{kMUL, kMULH, kMULHSU, kMULHU, kDIV, kDIVU, kREM, kREMU}[f3]
		case 0x10:
			k = [8]uint16{kIllegal, kIllegal, kSH1ADD, kIllegal, kSH2ADD, kIllegal, kSH3ADD, kIllegal}[f3]
		case 0x05:
			k = [8]uint16{kIllegal, kIllegal, kIllegal, kIllegal, kMIN, kMINU, kMAX, kMAXU}[f3]
		case 0x30:
			k = [8]uint16{kIllegal, kROL, kIllegal, kIllegal, kIllegal, kROR, kIllegal, kIllegal}[f3]
		}
	case 0x3b:
		switch f7 {
		case 0:
			k = [8]uint16{kADDW, kSLLW, kIllegal, kIllegal, kIllegal, kSRLW, kIllegal, kIllegal}[f3]
		case 0x20:
			k = [8]uint16{kSUBW, kIllegal, kIllegal, kIllegal, kIllegal, kSRAW, kIllegal, kIllegal}[f3]
		case 1:
			k = [8]uint16{kMULW, kIllegal, kIllegal, kIllegal, kDIVW, kDIVUW, kREMW, kREMUW}[f3]
		case 0x04:
			if f3 == 0 {
				k = kADDUW
			} else if f3 == 4 && rs2 == 0 {
				k = kZEXTH
			}
		case 0x10:
			k = [8]uint16{kIllegal, kIllegal, kSH1ADDUW, kIllegal, kSH2ADDUW, kIllegal, kSH3ADDUW, kIllegal}[f3]
		case 0x30:
			k = [8]uint16{kIllegal, kROLW, kIllegal, kIllegal, kIllegal, kRORW, kIllegal, kIllegal}[f3]
		}
	case 0x0f:
		switch f3 {
		case 0:
			k = kFENCE
			o.imm = int64(i>>20) & 0xff // pred (PI PO PR PW) << 4 | succ (SI SO SR SW)
		case 1:
			k = kFENCEI
		}
	case 0x73:
		o.imm = int64(i >> 20) // csr number
		switch f3 {
		case 0:
			if rd == 0 && rs1 == 0 {
				switch i >> 20 {
				case 0:
					k = kECALL
				case 1:
					k = kEBREAK
				}
			}
		case 1:
			k = kCSRRW
		case 2:
			k = kCSRRS
		case 3:
			k = kCSRRC
		case 5:
			k = kCSRRWI
		case 6:
			k = kCSRRSI
		case 7:
			k = kCSRRCI
		}
	case 0x2f:
		f5 := i >> 27
		var w, d uint16
		switch f5 {
		case 0x02:
			if rs2 == 0 {
				w, d = kLRW, kLRD
			} else {
				w, d = kIllegal, kIllegal
			}
		case 0x03:
			w, d = kSCW, kSCD
		case 0x01:
			w, d = kAMOSWAPW, kAMOSWAPD
		case 0x00:
			w, d = kAMOADDW, kAMOADDD
		case 0x04:
			w, d = kAMOXORW, kAMOXORD
		case 0x0c:
			w, d = kAMOANDW, kAMOANDD
		case 0x08:
			w, d = kAMOORW, kAMOORD
		case 0x10:
			w, d = kAMOMINW, kAMOMIND
		case 0x14:
			w, d = kAMOMAXW, kAMOMAXD
		case 0x18:
			w, d = kAMOMINUW, kAMOMINUD
		case 0x1c:
			w, d = kAMOMAXUW, kAMOMAXUD
		default:
			w, d = kIllegal, kIllegal
		}
		switch f3 {
		case 2:
			k = w
		case 3:
			k = d
		}
	case 0x07:
		switch f3 {
		case 2:
			k, o.imm = kFLW, immI
		case 3:
			k, o.imm = kFLD, immI
		}
	case 0x27:
		switch f3 {
		case 2:
			k, o.imm = kFSW, immS
		case 3:
			k, o.imm = kFSD, immS
		}
	case 0x43, 0x47, 0x4b, 0x4f:
		o.rs3 = uint8(i >> 27)
		o.rm = uint8(f3)
		base := [4]uint16{kFMADDS, kFMSUBS, kFNMSUBS, kFNMADDS}[(i>>2)&3]
		switch (i >> 25) & 3 {
		case 0:
			k = base
		case 1:
			k = base + 4
		}
	case 0x53:
		o.rm = uint8(f3)
		k = decodeOPFP(i, f3, rs2)
	}
	o.kind = k
	if writesInt(k) && rd == 0 {
		o.rd = sink
	}
	return o
}

func decodeOPFP(i, f3 uint32, rs2 uint8) uint16 {
	f7 := i >> 25
	d := f7&1 == 1 // fmt: 0 = S, 1 = D
	if (f7>>1)&1 == 1 {
		return kIllegal // H and Q formats
	}
	pick := func(s, dd uint16) uint16 {
		if d {
			return dd
		}
		return s
	}
	switch f7 >> 2 {
	case 0x00:
		return pick(kFADDS, kFADDD)
	case 0x01:
		return pick(kFSUBS, kFSUBD)
	case 0x02:
		return pick(kFMULS, kFMULD)
	case 0x03:
		return pick(kFDIVS, kFDIVD)
	case 0x0b:
		if rs2 == 0 {
			return pick(kFSQRTS, kFSQRTD)
		}
	case 0x04:
		switch f3 {
		case 0:
			return pick(kFSGNJS, kFSGNJD)
		case 1:
			return pick(kFSGNJNS, kFSGNJND)
		case 2:
			return pick(kFSGNJXS, kFSGNJXD)
		}
	case 0x05:
		switch f3 {
		case 0:
			return pick(kFMINS, kFMIND)
		case 1:
			return pick(kFMAXS, kFMAXD)
		}
	case 0x08:
		if d && rs2 == 0 {
			return kFCVTDS
		}
		if !d && rs2 == 1 {
			return kFCVTSD
		}
	case 0x18: // fcvt.int.fp
		if rs2 < 4 {
			if d {
				return [4]uint16{kFCVTWD, kFCVTWUD, kFCVTLD, kFCVTLUD}[rs2]
			}
			return [4]uint16{kFCVTWS, kFCVTWUS, kFCVTLS, kFCVTLUS}[rs2]
		}
	case 0x1a: // fcvt.fp.int
		if rs2 < 4 {
			if d {
				return [4]uint16{kFCVTDW, kFCVTDWU, kFCVTDL, kFCVTDLU}[rs2]
			}
			return [4]uint16{kFCVTSW, kFCVTSWU, kFCVTSL, kFCVTSLU}[rs2]
		}
	case 0x1c:
		if rs2 == 0 && f3 == 0 {
			return pick(kFMVXW, kFMVXD)
		}
		if rs2 == 0 && f3 == 1 {
			return pick(kFCLASSS, kFCLASSD)
		}
	case 0x1e:
		if rs2 == 0 && f3 == 0 {
			return pick(kFMVWX, kFMVDX)
		}
	case 0x14:
		switch f3 {
		case 0:
			return pick(kFLES, kFLED)
		case 1:
			return pick(kFLTS, kFLTD)
		case 2:
			return pick(kFEQS, kFEQD)
		}
	}
	return kIllegal
}

// decode16 expands a compressed instruction at pc.
func decode16(i uint32, pc uint64) op {
	o := op{len: 2, kind: kIllegal}
	b := func(hi, lo uint) uint32 { return (i >> lo) & (1<<(hi-lo+1) - 1) }
	rdp := uint8(8 + b(4, 2))  // rd'/rs2' in bits 4:2
	rs1p := uint8(8 + b(9, 7)) // rs1'/rd' in bits 9:7
	rd := uint8(b(11, 7))
	rs2 := uint8(b(6, 2))
	imm6 := sext(b(12, 12)<<5|b(6, 2), 6)
	set := func(k uint16, rd, rs1, rs2 uint8, imm int64) {
		o.kind, o.rd, o.rs1, o.rs2, o.imm = k, rd, rs1, rs2, imm
	}
	switch i&3<<3 | b(15, 13) {
	case 0<<3 | 0: // c.addi4spn
		nz := b(12, 11)<<4 | b(10, 7)<<6 | b(6, 6)<<2 | b(5, 5)<<3
		if nz != 0 {
			set(kADDI, rdp, 2, 0, int64(nz))
		}
	case 0<<3 | 1: // c.fld
		set(kFLD, rdp, rs1p, 0, int64(b(12, 10)<<3|b(6, 5)<<6))
	case 0<<3 | 2: // c.lw
		set(kLW, rdp, rs1p, 0, int64(b(12, 10)<<3|b(6, 6)<<2|b(5, 5)<<6))
	case 0<<3 | 3: // c.ld
		set(kLD, rdp, rs1p, 0, int64(b(12, 10)<<3|b(6, 5)<<6))
	case 0<<3 | 5: // c.fsd
		set(kFSD, 0, rs1p, rdp, int64(b(12, 10)<<3|b(6, 5)<<6))
	case 0<<3 | 6: // c.sw
		set(kSW, 0, rs1p, rdp, int64(b(12, 10)<<3|b(6, 6)<<2|b(5, 5)<<6))
	case 0<<3 | 7: // c.sd
		set(kSD, 0, rs1p, rdp, int64(b(12, 10)<<3|b(6, 5)<<6))
	case 1<<3 | 0: // c.addi, c.nop
		set(kADDI, rd, rd, 0, imm6)
	case 1<<3 | 1: // c.addiw
		if rd != 0 {
			set(kADDIW, rd, rd, 0, imm6)
		}
	case 1<<3 | 2: // c.li
		set(kADDI, rd, 0, 0, imm6)
	case 1<<3 | 3:
		if rd == 2 { // c.addi16sp
			nz := sext(b(12, 12)<<9|b(6, 6)<<4|b(5, 5)<<6|b(4, 3)<<7|b(2, 2)<<5, 10)
			if nz != 0 {
				set(kADDI, 2, 2, 0, nz)
			}
		} else { // c.lui
			v := sext(b(12, 12)<<17|b(6, 2)<<12, 18)
			if v != 0 {
				set(kLUI, rd, 0, 0, v)
			}
		}
	case 1<<3 | 4:
		sh := int64(b(12, 12)<<5 | b(6, 2))
		switch b(11, 10) {
		case 0:
			set(kSRLI, rs1p, rs1p, 0, sh)
		case 1:
			set(kSRAI, rs1p, rs1p, 0, sh)
		case 2:
			set(kANDI, rs1p, rs1p, 0, imm6)
		case 3:
			k := [8]uint16{kSUB, kXOR, kOR, kAND, kSUBW, kADDW, kIllegal, kIllegal}[b(12, 12)<<2|b(6, 5)]
			set(k, rs1p, rs1p, rdp, 0)
		}
	case 1<<3 | 5: // c.j
		off := sext(b(12, 12)<<11|b(11, 11)<<4|b(10, 9)<<8|b(8, 8)<<10|b(7, 7)<<6|b(6, 6)<<7|b(5, 3)<<1|b(2, 2)<<5, 12)
		set(kJAL, 0, 0, 0, int64(pc)+off)
	case 1<<3 | 6, 1<<3 | 7: // c.beqz, c.bnez
		off := sext(b(12, 12)<<8|b(11, 10)<<3|b(6, 5)<<6|b(4, 3)<<1|b(2, 2)<<5, 9)
		k := kBEQ
		if b(15, 13) == 7 {
			k = kBNE
		}
		set(k, 0, rs1p, 0, int64(pc)+off)
	case 2<<3 | 0: // c.slli
		set(kSLLI, rd, rd, 0, int64(b(12, 12)<<5|b(6, 2)))
	case 2<<3 | 1: // c.fldsp
		set(kFLD, rd, 2, 0, int64(b(12, 12)<<5|b(6, 5)<<3|b(4, 2)<<6))
	case 2<<3 | 2: // c.lwsp
		if rd != 0 {
			set(kLW, rd, 2, 0, int64(b(12, 12)<<5|b(6, 4)<<2|b(3, 2)<<6))
		}
	case 2<<3 | 3: // c.ldsp
		if rd != 0 {
			set(kLD, rd, 2, 0, int64(b(12, 12)<<5|b(6, 5)<<3|b(4, 2)<<6))
		}
	case 2<<3 | 4:
		switch {
		case b(12, 12) == 0 && rs2 == 0: // c.jr
			if rd != 0 {
				set(kJALR, 0, rd, 0, 0)
			}
		case b(12, 12) == 0: // c.mv
			set(kADD, rd, 0, rs2, 0)
		case rd == 0 && rs2 == 0: // c.ebreak
			set(kEBREAK, 0, 0, 0, 0)
		case rs2 == 0: // c.jalr
			set(kJALR, 1, rd, 0, 0)
		default: // c.add
			set(kADD, rd, rd, rs2, 0)
		}
	case 2<<3 | 5: // c.fsdsp
		set(kFSD, 0, 2, rs2, int64(b(12, 10)<<3|b(9, 7)<<6))
	case 2<<3 | 6: // c.swsp
		set(kSW, 0, 2, rs2, int64(b(12, 9)<<2|b(8, 7)<<6))
	case 2<<3 | 7: // c.sdsp
		set(kSD, 0, 2, rs2, int64(b(12, 10)<<3|b(9, 7)<<6))
	}
	if writesInt(o.kind) && o.rd == 0 {
		o.rd = sink
	}
	return o
}
