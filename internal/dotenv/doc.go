// Package dotenv parses and formats .env files for `keyhouse secrets push`
// and `pull`, and for the pull content of the Keyway surface.
//
// # Parsing
//
// Parse reads KEY=value lines in order. A UTF-8 byte order mark at the start
// is dropped and CRLF line endings are read as LF, everywhere, including
// inside quoted values. Then, per line:
//
//   - Blank lines and lines whose first non-blank character is '#' are skipped.
//   - An optional "export" followed by spaces or tabs is dropped.
//   - The key is followed by optional spaces or tabs, '=', and optional spaces
//     or tabs. Keys match ^[A-Za-z_][A-Za-z0-9_.]*$; Keyway's stricter
//     ^[A-Z][A-Z0-9_]*$ is checked by the caller.
//   - Unquoted value: the rest of the line, with surrounding spaces and tabs
//     trimmed. A '#' preceded by a space or tab starts a comment; any other
//     '#', '=' or quote is part of the value (KEY=a#b is "a#b").
//   - Single-quoted value: literal up to the next "'", which may be on a later
//     line; there are no escapes, so a value cannot contain "'".
//   - Double-quoted value: up to the next unescaped '"', which may be on a later
//     line (line breaks are kept). Escapes: \n \r \t \" \\ \$. Any other
//     backslash is kept with the character after it (C:\dir stays C:\dir).
//   - After a closing quote only spaces, tabs and a '#' comment may follow.
//
// No variable is expanded: $HOME is the five characters "$HOME".
// When a key repeats, the last value wins and the entry keeps the position
// of the first; its Line is that of the value kept. Errors are *SyntaxError
// values naming the line (for an unterminated quote, the line it opened on).
//
// # Formatting
//
// Format writes one KEY=value line per entry. A value is written bare unless
// it contains a character that Keyway quotes (space, line break, '"') or one
// that a .env reader or a shell might treat specially: any whitespace or
// control character, '#', "'", '\', '$', '=', '`'. Such a value is written in
// double quotes with '\' → \\, '"' → \", '$' → \$, LF → \n, CR → \r and
// TAB → \t, so every entry stays on one line and Parse(Format(e)) gives e back
// for every value. Empty values are written as KEY=. Values are written as
// bytes: Format does not check that they are valid UTF-8.
package dotenv
