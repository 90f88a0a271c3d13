package main

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"
)

// TestTheVersionIsTheVERSIONFile checks the one version: the VERSION file
// holds X.Y.Z, the binary reports it, and wails.json (read by Wails' own
// packaging on Windows and macOS) says the same.
func TestTheVersionIsTheVERSIONFile(t *testing.T) {
	v := kuraVersion()
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("VERSION holds %q, want X.Y.Z", v)
	}
	b, err := os.ReadFile("wails.json")
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Info struct {
			ProductVersion string `json:"productVersion"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if w.Info.ProductVersion != v {
		t.Fatalf("wails.json productVersion = %q, VERSION = %q: change both together", w.Info.ProductVersion, v)
	}
}
