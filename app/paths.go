package app

import "github.com/kura-app/kura/internal/pathtext"

// Paths cross the API as text that keeps every byte: a file name that is
// not valid UTF-8 would otherwise reach JSON (and so the UI) with U+FFFD
// in place of its bytes, and could then not be opened or removed. Every
// path the API returns is EncodePath's form and every path it takes is
// decoded with DecodePath; a path that is valid UTF-8 is the same in both
// forms. See internal/pathtext and docs/API.md.

// EncodePath is the API's text form of a file path.
func EncodePath(p string) string { return pathtext.Encode(p) }

// DecodePath turns the API's text form of a path back into the path.
func DecodePath(s string) string { return pathtext.Decode(s) }
