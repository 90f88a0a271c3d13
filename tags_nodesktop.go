//go:build !desktop

package main

// desktopBuild is true in a binary built with the Wails desktop tags
// (`make build`), which can open the window. A plain `go build` gives a
// CLI-only binary.
const desktopBuild = false
