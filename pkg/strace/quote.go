package strace

import "strings"

// quote renders bytes the way strace's string_quote does by default:
// printable ASCII as is; \" \\ \f \n \r \t \v; anything else as octal,
// with the shortest digits unless the next byte is an octal digit. forceHex
// renders every byte as \xNN (strace's QUOTE_FORCE_HEX, used for random
// bytes). more appends strace's "..." after the closing quote.
func quote(b []byte, forceHex, more bool) string {
	var s strings.Builder
	s.Grow(len(b) + 8)
	s.WriteByte('"')
	const hexdig = "0123456789abcdef"
	for i, c := range b {
		if forceHex {
			s.WriteString(`\x`)
			s.WriteByte(hexdig[c>>4])
			s.WriteByte(hexdig[c&15])
			continue
		}
		switch c {
		case '"':
			s.WriteString(`\"`)
		case '\\':
			s.WriteString(`\\`)
		case '\f':
			s.WriteString(`\f`)
		case '\n':
			s.WriteString(`\n`)
		case '\r':
			s.WriteString(`\r`)
		case '\t':
			s.WriteString(`\t`)
		case '\v':
			s.WriteString(`\v`)
		default:
			if c >= ' ' && c < 0x7f {
				s.WriteByte(c)
				continue
			}
			s.WriteByte('\\')
			nextOctal := i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'
			if nextOctal || c>>6 != 0 {
				s.WriteByte('0' + c>>6)
			}
			if nextOctal || c>>3 != 0 {
				s.WriteByte('0' + (c>>3)&7)
			}
			s.WriteByte('0' + c&7)
		}
	}
	s.WriteByte('"')
	if more {
		s.WriteString("...")
	}
	return s.String()
}

// Escape is s as quote renders it, without the quotes: what the sentry
// prints of an application-chosen name (a file name) on the user's
// terminal, so that no control sequence or newline in it reaches the
// terminal raw.
func Escape(s string) string { return unquoted([]byte(s)) }
