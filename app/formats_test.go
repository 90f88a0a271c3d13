package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheFileDialogAndFilesFollowTheTableOfFormats checks the two places
// app derives from extract's table of formats against the shared cases
// (internal/extract/testdata/formats.json): the file dialog offers every
// extension Kura reads (it once left out .markdown), and /files serves each
// with its format's content type.
func TestTheFileDialogAndFilesFollowTheTableOfFormats(t *testing.T) {
	raw, err := os.ReadFile("../internal/extract/testdata/formats.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Why, File, MIME string
		Supported       bool
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	offered := strings.Split(documentPattern(), ";")
	for _, c := range cases {
		if !c.Supported {
			continue
		}
		t.Run(c.Why, func(t *testing.T) {
			want := "*" + strings.ToLower(filepath.Ext(c.File))
			found := false
			for _, p := range offered {
				found = found || p == want
			}
			if !found {
				t.Errorf("the file dialog offers %v, not %s", offered, want)
			}
			if got := contentType(c.File); got != c.MIME {
				t.Errorf("contentType(%q) = %q, want %q", c.File, got, c.MIME)
			}
		})
	}
}
