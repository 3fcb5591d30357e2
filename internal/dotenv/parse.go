package dotenv

import (
	"fmt"
	"io"
	"strings"
)

// Entry is one KEY=value assignment. Line is the 1-based line it starts on.
type Entry struct {
	Key   string
	Value string
	Line  int
}

// SyntaxError reports a malformed line.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("dotenv: line %d: %s", e.Line, e.Msg) }

// Parse reads .env content from r. See the package comment for the syntax.
func Parse(r io.Reader) ([]Entry, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("dotenv: read: %w", err)
	}
	s := strings.TrimPrefix(string(b), "\uFEFF")
	// Normalise once so that no rule below needs to know about CR.
	s = strings.ReplaceAll(s, "\r\n", "\n")
	p := parser{s: s, line: 1}
	var entries []Entry
	index := map[string]int{}
	for {
		e, ok, err := p.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return entries, nil
		}
		if i, dup := index[e.Key]; dup {
			entries[i].Value, entries[i].Line = e.Value, e.Line
			continue
		}
		index[e.Key] = len(entries)
		entries = append(entries, e)
	}
}

// parser walks s; pos is the next byte, line the line pos is on.
type parser struct {
	s    string
	pos  int
	line int
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &SyntaxError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next entry, skipping blank and comment lines; ok is false
// at the end of input.
func (p *parser) next() (e Entry, ok bool, err error) {
	for p.pos < len(p.s) {
		p.skipBlanks()
		switch {
		case p.pos == len(p.s):
			return Entry{}, false, nil
		case p.s[p.pos] == '\n':
			p.pos++
			p.line++
			continue
		case p.s[p.pos] == '#':
			p.skipLine()
			continue
		}
		e, err := p.entry()
		return e, err == nil, err
	}
	return Entry{}, false, nil
}

func (p *parser) entry() (Entry, error) {
	line := p.line
	if rest := p.s[p.pos:]; strings.HasPrefix(rest, "export") && len(rest) > 6 && isBlank(rest[6]) {
		save := p.pos
		p.pos += 6
		p.skipBlanks()
		if p.pos < len(p.s) && p.s[p.pos] == '=' { // "export = 1" assigns to export
			p.pos = save
		}
	}
	start := p.pos
	for p.pos < len(p.s) && p.s[p.pos] != '=' && p.s[p.pos] != '\n' && !isBlank(p.s[p.pos]) {
		p.pos++
	}
	key := p.s[start:p.pos]
	p.skipBlanks()
	if p.pos == len(p.s) || p.s[p.pos] != '=' {
		// Not quoting the line: it may be a pasted secret, and errors get logged.
		return Entry{}, p.errorf(line, "missing '='")
	}
	if !validKey(key) {
		return Entry{}, p.errorf(line, "invalid key %q", key)
	}
	p.pos++ // '='
	afterEq := p.pos
	p.skipBlanks()
	var value string
	var err error
	switch {
	case p.pos < len(p.s) && p.s[p.pos] == '\'':
		value, err = p.singleQuoted()
	case p.pos < len(p.s) && p.s[p.pos] == '"':
		value, err = p.doubleQuoted()
	default:
		p.pos = afterEq // the comment rule needs the blanks after '='
		value = p.unquoted()
	}
	if err != nil {
		return Entry{}, err
	}
	return Entry{Key: key, Value: value, Line: line}, nil
}

func (p *parser) unquoted() string {
	end := strings.IndexByte(p.s[p.pos:], '\n')
	if end < 0 {
		end = len(p.s) - p.pos
	}
	v := p.s[p.pos : p.pos+end]
	p.pos += end
	for i := 0; i < len(v); i++ {
		if v[i] == '#' && i > 0 && isBlank(v[i-1]) {
			v = v[:i]
			break
		}
	}
	return strings.Trim(v, " \t")
}

func (p *parser) singleQuoted() (string, error) {
	line := p.line
	p.pos++ // opening quote
	end := strings.IndexByte(p.s[p.pos:], '\'')
	if end < 0 {
		return "", p.errorf(line, "unterminated single-quoted value")
	}
	v := p.s[p.pos : p.pos+end]
	p.line += strings.Count(v, "\n")
	p.pos += end + 1
	return v, p.afterQuote()
}

func (p *parser) doubleQuoted() (string, error) {
	line := p.line
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '"':
			p.pos++
			return b.String(), p.afterQuote()
		case '\n':
			p.line++
		case '\\':
			if p.pos+1 < len(p.s) {
				if r, ok := unescape(p.s[p.pos+1]); ok {
					b.WriteByte(r)
					p.pos += 2
					continue
				}
			}
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", p.errorf(line, "unterminated double-quoted value")
}

func unescape(c byte) (byte, bool) {
	switch c {
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case '"', '\\', '$':
		return c, true
	}
	return 0, false
}

// afterQuote accepts blanks and a comment up to the end of the line.
func (p *parser) afterQuote() error {
	p.skipBlanks()
	if p.pos == len(p.s) || p.s[p.pos] == '\n' {
		return nil
	}
	if p.s[p.pos] == '#' {
		p.skipLine()
		return nil
	}
	return p.errorf(p.line, "unexpected %q after closing quote", p.s[p.pos])
}

func (p *parser) skipBlanks() {
	for p.pos < len(p.s) && isBlank(p.s[p.pos]) {
		p.pos++
	}
}

// skipLine moves to the line break ending the current line (not past it).
func (p *parser) skipLine() {
	if i := strings.IndexByte(p.s[p.pos:], '\n'); i >= 0 {
		p.pos += i
	} else {
		p.pos = len(p.s)
	}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// validKey reports whether k matches ^[A-Za-z_][A-Za-z0-9_.]*$.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := range len(k) {
		c := k[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case i > 0 && (c == '.' || '0' <= c && c <= '9'):
		default:
			return false
		}
	}
	return true
}
