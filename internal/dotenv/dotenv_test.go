package dotenv

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustParse(tb testing.TB, s string) []Entry {
	tb.Helper()
	got, err := Parse(strings.NewReader(s))
	if err != nil {
		tb.Fatalf("Parse(%q): %v", s, err)
	}
	return got
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		want     []Entry
	}{
		{"Empty", "", nil},
		{"OnlyComments", "# a\n\n   # b\n\t\n", nil},
		{"Simple", "A=1\nB=two\n", []Entry{{"A", "1", 1}, {"B", "two", 2}}},
		{"NoFinalNewline", "A=1", []Entry{{"A", "1", 1}}},
		{"BlankLinesCountLines", "\n\nA=1\n\n# c\nB=2", []Entry{{"A", "1", 3}, {"B", "2", 6}}},
		{"Export", "export A=1\nexport\tB=2", []Entry{{"A", "1", 1}, {"B", "2", 2}}},
		{"KeyNamedExport", "export=1\nexport = 2\nexported=3", []Entry{{"export", "2", 2}, {"exported", "3", 3}}},
		{"SpacesAroundEquals", "A = 1\nB\t=\t2 \n  C=3", []Entry{{"A", "1", 1}, {"B", "2", 2}, {"C", "3", 3}}},
		{"UnquotedTrimmed", "A=   hello world  \t", []Entry{{"A", "hello world", 1}}},
		{"InlineComment", "A=1 # one\nB=2\t#two\nC=a#b\nD=#x\nE= #x", []Entry{{"A", "1", 1}, {"B", "2", 2}, {"C", "a#b", 3}, {"D", "#x", 4}, {"E", "", 5}}},
		{"EqualsInValue", "A=b=c==\nB=\"x=y\"", []Entry{{"A", "b=c==", 1}, {"B", "x=y", 2}}},
		{"EmptyValues", "A=\nB=\"\"\nC=''\nD= \t", []Entry{{"A", "", 1}, {"B", "", 2}, {"C", "", 3}, {"D", "", 4}}},
		{"SingleQuotedLiteral", `A='a \n "b" $c #d \\'`, []Entry{{"A", `a \n "b" $c #d \\`, 1}}},
		{"SingleQuotedMultiline", "A='one\ntwo'\nB=3", []Entry{{"A", "one\ntwo", 1}, {"B", "3", 3}}},
		{"DoubleQuotedEscapes", `A="a\nb\rc\td\"e\\f\$g"`, []Entry{{"A", "a\nb\rc\td\"e\\f$g", 1}}},
		{"DoubleQuotedUnknownEscapeKept", `A="C:\dir\x"`, []Entry{{"A", `C:\dir\x`, 1}}},
		{"DoubleQuotedMultiline", "A=\"one\ntwo\n\"\nB=3", []Entry{{"A", "one\ntwo\n", 1}, {"B", "3", 4}}},
		{"DoubleQuotedKeepsSpaces", `A="  x  " # c`, []Entry{{"A", "  x  ", 1}}},
		{"CommentAfterQuoteNoSpace", `A="x"#c`, []Entry{{"A", "x", 1}}},
		{"QuoteInsideUnquoted", `A=it's "fine"`, []Entry{{"A", `it's "fine"`, 1}}},
		{"NoExpansion", "A=$HOME\nB=\"${A}\"", []Entry{{"A", "$HOME", 1}, {"B", "${A}", 2}}},
		{"Unicode", "NAME=héllo wörld 日本\nE=\"🔑\"", []Entry{{"NAME", "héllo wörld 日本", 1}, {"E", "🔑", 2}}},
		{"CRLF", "A=1\r\nB=\"x\r\ny\"\r\n# c\r\nC='p\r\nq'\r\n", []Entry{{"A", "1", 1}, {"B", "x\ny", 2}, {"C", "p\nq", 5}}},
		{"BOM", "\uFEFFA=1", []Entry{{"A", "1", 1}}},
		{"KeyCharset", "a.b_C9=1\n_X=2", []Entry{{"a.b_C9", "1", 1}, {"_X", "2", 2}}},
		{"DuplicateLastWinsFirstPosition", "A=1\nB=2\nA=3", []Entry{{"A", "3", 3}, {"B", "2", 2}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustParse(t, tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got  %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		line     int
		msg      string
	}{
		{"MissingEquals", "A=1\nB\n", 2, "missing '='"},
		{"MissingEqualsSpace", "A B=1", 1, "missing '='"},
		{"ExportWithoutAssignment", "export A", 1, "missing '='"},
		{"EmptyKey", "\n=1", 2, `invalid key ""`},
		{"LeadingDigit", "1A=1", 1, `invalid key "1A"`},
		{"Dash", "A-B=1", 1, `invalid key "A-B"`},
		{"UnicodeKey", "CLÉ=1", 1, `invalid key "CLÉ"`},
		{"UnterminatedDouble", "A=1\nB=\"abc\nC=2\n", 2, "unterminated double-quoted value"},
		{"UnterminatedDoubleEscapedQuote", `A="abc\"`, 1, "unterminated double-quoted value"},
		{"UnterminatedSingle", "A=1\n\nB='abc", 3, "unterminated single-quoted value"},
		{"TrailingAfterQuote", "A=\"x\" y", 1, `unexpected 'y' after closing quote`},
		{"TrailingAfterMultiline", "A='x\ny'z", 2, `unexpected 'z' after closing quote`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %#v, %v; want *SyntaxError", tt.in, got, err)
			}
			if se.Line != tt.line || se.Msg != tt.msg {
				t.Errorf("Parse(%q) error = line %d %q, want line %d %q", tt.in, se.Line, se.Msg, tt.line, tt.msg)
			}
		})
	}
}

func TestParseErrorHidesLine(t *testing.T) {
	t.Parallel()
	_, err := Parse(strings.NewReader("sk_live_supersecret\n"))
	if err == nil || strings.Contains(err.Error(), "supersecret") {
		t.Errorf("err = %v, want an error that does not quote the line", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestParseReadError(t *testing.T) {
	t.Parallel()
	if _, err := Parse(errReader{}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want the read error", err)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value, want string
	}{
		{"", "K=\n"},
		{"plain", "K=plain\n"},
		{"héllo", "K=héllo\n"},
		{"a b", "K=\"a b\"\n"},
		{"a\nb", "K=\"a\\nb\"\n"},
		{`say "hi"`, `K="say \"hi\""` + "\n"},
		{`C:\x`, `K="C:\\x"` + "\n"},
		{"$HOME", `K="\$HOME"` + "\n"},
		{"a#b", "K=\"a#b\"\n"},
		{"b64==", "K=\"b64==\"\n"},
		{"it's", "K=\"it's\"\n"},
		{"\t\r", "K=\"\\t\\r\"\n"},
		{"nbsp\u00a0", "K=\"nbsp\u00a0\"\n"},
	} {
		if got := Format([]Entry{{Key: "K", Value: tt.value}}); got != tt.want {
			t.Errorf("Format(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}
	got := Format([]Entry{{Key: "B", Value: "2"}, {Key: "A", Value: "1"}})
	if want := "B=2\nA=1\n"; got != want {
		t.Errorf("Format keeps order: got %q, want %q", got, want)
	}
}

// nasty are values that have broken .env round trips somewhere.
var nasty = []string{
	"", " ", "  lead", "trail  ", "\ttab\t", "a b",
	`"`, `""`, `"quoted"`, `'`, `'single'`, `it's "both"`, "`tick`",
	"#", "# not a comment", "a #b", "a#b", "=", "==", "a=b=c", "KEY=VAL",
	"\n", "line1\nline2", "\r\n", "crlf\r\nend", "\r", "trailing\n", "\n\nleading",
	`\`, `\\`, `\n`, `\"`, `end\`, `C:\Users\new`, `\$`,
	"$", "$HOME", "${VAR}", "$(cmd)",
	"héllo", "日本語", "🔑🗝", "\u00a0nbsp\u00a0", "\u2028sep", "\ufeffbom",
	"\x00nul", "\x01\x7f", "\x0b\x0c",
	"a'b\"c#d$e\\f=g h\ni\tj\rk",
	strings.Repeat("x", 70000),
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	var in []Entry
	for i, v := range nasty {
		in = append(in, Entry{Key: "K" + string(rune('A'+i%26)) + strings.Repeat("_", i/26), Value: v})
	}
	assertRoundTrip(t, in)
	for _, v := range nasty { // and each alone, where it is also the last line
		assertRoundTrip(t, []Entry{{Key: "K", Value: v}})
	}
}

// assertRoundTrip checks Parse(Format(in)) == in; Format writes one line
// per entry, so entry i is on line i+1.
func assertRoundTrip(t *testing.T, in []Entry) {
	t.Helper()
	var want []Entry // nil for no entries, as Parse returns
	for i, e := range in {
		want = append(want, Entry{Key: e.Key, Value: e.Value, Line: i + 1})
	}
	text := Format(in)
	got, err := Parse(strings.NewReader(text))
	if err != nil {
		t.Fatalf("Parse(Format(%#v)): %v\ncontent: %q", in, err, text)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse(Format(x)) != x\n got  %#v\nwant %#v\ncontent %q", got, want, text)
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, v := range nasty {
		f.Add("KEY", v, "x")
	}
	f.Add("a.b", "é", "\r\n")
	f.Fuzz(func(t *testing.T, key, v1, v2 string) {
		if !utf8.ValidString(v1) || !utf8.ValidString(v2) {
			t.Skip()
		}
		key = validKeyFrom(key)
		assertRoundTrip(t, []Entry{{Key: key, Value: v1}, {Key: key + "_2", Value: v2}})
	})
}

// validKeyFrom turns fuzz input into a key Parse accepts.
func validKeyFrom(s string) string {
	var b strings.Builder
	b.WriteByte('K')
	for i := range min(len(s), 64) {
		if c := s[i]; validKey("K" + string(c)) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzParse feeds arbitrary input: Parse must not panic, and whatever it
// accepts must survive Format and Parse again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "A=1\n", "export A = 'x\ny' # c\n", "A=\"\\n\\$\"\r\nB=#", "A", "A='", "\uFEFFA=\"", "=\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := Parse(strings.NewReader(s))
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("Parse error %v is not a *SyntaxError with a line", err)
			}
			return
		}
		assertRoundTrip(t, entries)
	})
}
