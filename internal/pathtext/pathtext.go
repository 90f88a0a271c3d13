// Package pathtext writes file paths as text without losing anything. A
// path on Linux is bytes, not necessarily UTF-8 (a name written on an old
// system in Shift_JIS or Latin-1), but JSON strings, the app's API and the
// UI carry Unicode text only: a byte that is not valid UTF-8 would become
// U+FFFD, and the path could no longer be opened, shown in context or
// removed.
//
// Encode keeps valid UTF-8 as it is and writes each byte b that is not
// part of valid UTF-8 as the code point U+10FF00+b (U+10FF80 to U+10FFFF, in
// Unicode's last private-use plane, which no real name uses). A name that
// really holds one of those 128 code points has each byte of it written
// the same way, so Decode(Encode(p)) == p for every byte string p, and a
// path that is valid UTF-8 (nearly all) is unchanged. Display turns a path
// into one line for a terminal, and Parse reads either form back. Within (within.go) is the one rule for
// whether a path lies in a folder.
package pathtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// escBase + b is the code point that stands for the byte b (0x80 to 0xFF).
const escBase = 0x10FF00

// isEscape reports whether r is one of the code points Encode writes for a
// byte.
func isEscape(r rune) bool { return r >= escBase+0x80 && r <= escBase+0xFF }

// Encode returns p as valid UTF-8 text that Decode turns back into p.
func Encode(p string) string {
	if !needsEncoding(p) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		if (r == utf8.RuneError && size <= 1) || isEscape(r) {
			for _, c := range []byte(p[i : i+size]) {
				b.WriteRune(escBase + rune(c))
			}
		} else {
			b.WriteString(p[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEncoding(p string) bool {
	if !utf8.ValidString(p) {
		return true
	}
	for _, r := range p {
		if isEscape(r) {
			return true
		}
	}
	return false
}

// Decode returns the path that Encode wrote as s. Text without escapes,
// or that is not valid UTF-8 (raw bytes, as a URL query can carry), is
// returned unchanged.
func Decode(s string) string {
	if !strings.ContainsFunc(s, isEscape) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isEscape(r) {
			b.WriteByte(byte(r - escBase))
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Display returns p for a line of terminal output: as it is when it is
// valid UTF-8 with nothing that would break the line or the terminal,
// else quoted with Go's escapes ("a\nb", "caf\xe9.txt"), which a reader
// can tell from a name.
func Display(p string) string {
	if utf8.ValidString(p) && !strings.ContainsFunc(p, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || isEscape(r)
	}) && !strings.HasPrefix(p, `"`) {
		return p
	}
	return strconv.Quote(p)
}

// Parse returns the path that a user gives back in any form Kura prints
// one: the text of Encode (from --json output or the API) or a line of
// Display (quoted with Go's escapes; Display quotes every path that starts
// with a quote, so a quoted text is never a name as it is). Anything else
// is the path itself.
func Parse(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if p, err := strconv.Unquote(s); err == nil {
			return p
		}
	}
	return Decode(s)
}
