package pack

import (
	"fmt"
	"path"
	"strings"
	"unicode"
)

// Names from a pack (a carried file's path, a model's name, the
// collection's name, a document's path on the sender's machine) were
// written by whoever made the pack. Every one of them passes CheckName
// (through CheckPath, CheckModelName or CheckSenderPath) before it is used,
// so that no name can reach outside the folder it is meant for, on this
// system or another: this file is the one place that rule is written.

// maxName bounds one file or folder name, in bytes (the common limit of
// file systems).
const maxName = 255

// maxPath bounds a path from a pack, in bytes.
const maxPath = 4096

// maxModelName bounds a model's name, so that the file name made from it
// (ModelFileName) stays within maxName.
const maxModelName = 200

// CheckName checks one file or folder name from a pack: not empty, not
// "." or "..", no slash, backslash, colon or control character, no
// trailing dot or space (Windows drops them, so two names would meet), not
// a name Windows reserves for a device (CON, PRN, AUX, NUL, COM1-9, LPT1-9,
// with or without an extension), at most 255 bytes. The error wraps
// ErrUnsafe and quotes the name with its control characters escaped.
func CheckName(name string) error {
	why := ""
	switch {
	case name == "":
		why = "is empty"
	case name == "." || name == "..":
		why = "would leave its folder"
	case len(name) > maxName:
		why = fmt.Sprintf("is longer than %d bytes", maxName)
	case strings.ContainsAny(name, `/\`):
		why = "holds a folder separator where one name is expected"
	case strings.ContainsRune(name, ':'):
		why = "holds a colon (a drive or a stream on Windows)"
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		why = "holds a control character"
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		why = "ends in a dot or a space"
	case reservedOnWindows(name):
		why = "is a name Windows reserves for a device"
	default:
		return nil
	}
	return fmt.Errorf("%w: the name %q %s", ErrUnsafe, name, why)
}

// reservedOnWindows reports whether name, before its first dot, is a
// device name on Windows (whatever its case and trailing spaces).
func reservedOnWindows(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && base[3] >= '0' && base[3] <= '9' {
		return true
	}
	// COM¹ and the like are devices too.
	for _, p := range []string{"COM", "LPT"} {
		if rest, ok := strings.CutPrefix(base, p); ok && (rest == "¹" || rest == "²" || rest == "³") {
			return true
		}
	}
	return false
}

// CheckPath checks a relative, slash-separated path from a pack (where a
// carried file goes below its folder): at most 4096 bytes, not absolute,
// and every element passes CheckName.
func CheckPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: an empty path", ErrUnsafe)
	case len(p) > maxPath:
		return fmt.Errorf("%w: a path longer than %d bytes", ErrUnsafe, maxPath)
	case path.IsAbs(p):
		return fmt.Errorf("%w: the path %q is absolute", ErrUnsafe, p)
	}
	for _, el := range strings.Split(p, "/") {
		if err := CheckName(el); err != nil {
			return fmt.Errorf("%w (in the path %q)", err, p)
		}
	}
	return nil
}

// ValidPath reports whether p passes CheckPath.
func ValidPath(p string) bool { return CheckPath(p) == nil }

// CheckModelName checks a model's name from a pack ("qwen3:1.7b",
// "hf.co/owner/name:tag"): at most 200 bytes, and, its colons aside, a
// path that passes CheckPath, so that ModelFileName makes one safe file
// name of it.
func CheckModelName(name string) error {
	if len(name) > maxModelName {
		return fmt.Errorf("%w: a model name longer than %d bytes", ErrUnsafe, maxModelName)
	}
	if err := CheckPath(strings.ReplaceAll(name, ":", "-")); err != nil {
		return fmt.Errorf("%w (the model name %q)", err, name)
	}
	return nil
}

// ModelFileName is the GGUF file name a model's weights are kept under:
// its name with ':' and '/' as '-', and ".gguf". For a name that passed
// CheckModelName it passes CheckName.
func ModelFileName(name string) string {
	return strings.NewReplacer(":", "-", "/", "-").Replace(name) + ".gguf"
}

// CheckSenderPath checks a document's path on the sender's machine, which
// the receiver keeps (as where the document came from) when the pack does
// not carry the file: at most 4096 bytes, absolute on some system ("/...",
// "C:\...", "\\server\..."), no control character, no "." or ".."
// element.
func CheckSenderPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: an empty document path", ErrUnsafe)
	case len(p) > maxPath:
		return fmt.Errorf("%w: a document path longer than %d bytes", ErrUnsafe, maxPath)
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: the document path %q holds a control character", ErrUnsafe, p)
	case !absoluteSomewhere(p):
		return fmt.Errorf("%w: the document path %q is not absolute", ErrUnsafe, p)
	}
	for _, el := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == "." || el == ".." {
			return fmt.Errorf("%w: the document path %q climbs out of its folder", ErrUnsafe, p)
		}
	}
	return nil
}

// absoluteSomewhere reports whether p is absolute on Unix or on Windows.
func absoluteSomewhere(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\\`) {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		(p[0] >= 'A' && p[0] <= 'Z' || p[0] >= 'a' && p[0] <= 'z')
}

// Printable quotes text from a pack for a terminal or a log: control
// characters are escaped, so a name cannot move the cursor or rewrite
// what was printed before it.
func Printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
