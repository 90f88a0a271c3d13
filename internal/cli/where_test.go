package cli

import (
	"encoding/json"
	"os"
	"testing"
)

// TestWhereNamesThePagesOfAPassage reads the one table of how a place in
// a file is cited (internal/extract/testdata/formats.json), which the UI's
// labels are tested against too.
func TestWhereNamesThePagesOfAPassage(t *testing.T) {
	raw, err := os.ReadFile("../extract/testdata/formats.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Why           string
		File          string
		Page, EndPage int
		CLI           string
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		t.Run(c.Why, func(t *testing.T) {
			if got := where(c.File, c.Page, c.EndPage); got != c.CLI {
				t.Errorf("where(%q, %d, %d) = %q, want %q", c.File, c.Page, c.EndPage, got, c.CLI)
			}
		})
	}
}
