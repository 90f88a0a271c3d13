package main

import (
	_ "embed"
	"strings"
)

// versionFile is the VERSION file at the root of the repository: the one
// place Kura's version is written. It is embedded rather than set with
// -ldflags -X, so `go run`, tests and every build print the same version
// without a default that could drift; `make release` reads the same file
// to name the packages.
//
//go:embed VERSION
var versionFile string

// kuraVersion is Kura's version, "0.1.0".
func kuraVersion() string { return strings.TrimSpace(versionFile) }
