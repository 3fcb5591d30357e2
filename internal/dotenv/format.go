package dotenv

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format returns entries as .env content, one KEY=value line each, in order.
// Keys are written as given; callers validate them. See the package comment
// for the quoting rules.
func Format(entries []Entry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Key)
		b.WriteByte('=')
		if needsQuotes(e.Value) {
			writeQuoted(&b, e.Value)
		} else {
			b.WriteString(e.Value)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func needsQuotes(v string) bool {
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || strings.IndexByte(" \"'#\\$=`", c) >= 0 {
				return true
			}
			i++
			continue
		}
		// Unicode spaces are trimmed by many other .env readers, and invalid
		// UTF-8 is safest inside quotes.
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			return true
		}
		i += n
	}
	return false
}

func writeQuoted(b *strings.Builder, v string) {
	b.WriteByte('"')
	for i := range len(v) {
		switch c := v[i]; c {
		case '\\', '"', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
