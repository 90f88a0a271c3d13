//go:build !bindings

package main

// generatingBindings is true in the binary `wails generate module` builds
// (tag bindings) to read the bound types.
const generatingBindings = false
