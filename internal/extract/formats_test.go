package extract_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/kura-app/kura/internal/extract"
)

// FormatCase is one row of testdata/formats.json: what Kura knows of a file
// by its name, and how a place in it is cited on a terminal (cli) and in
// the UI in English (ui). The CLI's tests (internal/cli) and the UI's
// (frontend/src/format/pages.test.ts) read the same table.
type FormatCase struct {
	Why       string `json:"why"`
	File      string `json:"file"`
	Supported bool   `json:"supported"`
	Paged     bool   `json:"paged"`
	MIME      string `json:"mime"`
	Page      int    `json:"page"`
	EndPage   int    `json:"endPage"`
	CLI       string `json:"cli"`
	UI        string `json:"ui"`
}

func formatCases(t *testing.T) []FormatCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/formats.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []FormatCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func TestFormatOf(t *testing.T) {
	for _, c := range formatCases(t) {
		t.Run(c.Why, func(t *testing.T) {
			f, ok := extract.FormatOf(c.File)
			if ok != c.Supported || extract.Supported(c.File) != c.Supported {
				t.Fatalf("FormatOf(%q) ok = %v, Supported = %v, want %v", c.File, ok, extract.Supported(c.File), c.Supported)
			}
			if got := extract.Paged(c.File); got != c.Paged {
				t.Errorf("Paged(%q) = %v, want %v", c.File, got, c.Paged)
			}
			if f.MIME != c.MIME {
				t.Errorf("FormatOf(%q).MIME = %q, want %q", c.File, f.MIME, c.MIME)
			}
		})
	}
}

func TestEveryFormatIsCoveredByTheTableAndHasOneRow(t *testing.T) {
	cases := formatCases(t)
	seen := map[string]bool{}
	for _, f := range extract.Formats() {
		if f.Name == "" || f.MIME == "" || len(f.Extensions) == 0 {
			t.Errorf("format %+v lacks a name, a content type or an extension", f)
		}
		for _, ext := range f.Extensions {
			if seen[ext] {
				t.Errorf("extension %s is in two formats", ext)
			}
			seen[ext] = true
		}
		if !slices.ContainsFunc(cases, func(c FormatCase) bool {
			g, ok := extract.FormatOf(c.File)
			return ok && g.Name == f.Name
		}) {
			t.Errorf("format %s has no case in testdata/formats.json", f.Name)
		}
	}
	for _, ext := range []string{".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".pptx", ".xlsx", ".csv", ".epub", ".png", ".jpg", ".jpeg", ".tif", ".tiff"} {
		if !seen[ext] {
			t.Errorf("%s is not read", ext)
		}
	}
}
