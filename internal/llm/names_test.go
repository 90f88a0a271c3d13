package llm_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/kura-app/kura/internal/llm"
)

// sameModelCase is one row of testdata/same_model.json, the table the UI's
// sameModel is tested against too (frontend/src/format/models.test.ts).
type sameModelCase struct {
	Why  string `json:"why"`
	A    string `json:"a"`
	B    string `json:"b"`
	Same bool   `json:"same"`
}

func TestSameModel(t *testing.T) {
	raw, err := os.ReadFile("testdata/same_model.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []sameModelCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		t.Run(c.Why, func(t *testing.T) {
			if got := llm.SameModel(c.A, c.B); got != c.Same {
				t.Errorf("SameModel(%q, %q) = %v, want %v", c.A, c.B, got, c.Same)
			}
			if got := llm.SameModel(c.B, c.A); got != c.Same {
				t.Errorf("SameModel(%q, %q) = %v, want %v", c.B, c.A, got, c.Same)
			}
		})
	}
}
