package cite

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// table is testdata/cases.json, the cases the TypeScript parser's tests read
// too (frontend/src/text/citations.test.ts).
type table struct {
	Cases []struct {
		Name     string `json:"name"`
		Text     string `json:"text"`
		ValidMax int    `json:"valid_max"`
		Segments []struct {
			Text string `json:"text"`
			Cite []int  `json:"cite"`
		} `json:"segments"`
		Numbers []int `json:"numbers"`
	} `json:"cases"`
}

func readTable(t testing.TB) table {
	t.Helper()
	b, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var tb table
	if err := json.Unmarshal(b, &tb); err != nil {
		t.Fatal(err)
	}
	if len(tb.Cases) == 0 {
		t.Fatal("no cases in testdata/cases.json")
	}
	return tb
}

func TestTheSharedTableOfCitations(t *testing.T) {
	for _, c := range readTable(t).Cases {
		t.Run(c.Name, func(t *testing.T) {
			var valid func(int) bool
			if c.ValidMax > 0 {
				valid = func(n int) bool { return n <= c.ValidMax }
			}
			segs := Parse(c.Text, valid)
			if len(segs) != len(c.Segments) {
				t.Fatalf("Parse(%q) = %+v, want %d segments %+v", c.Text, segs, len(c.Segments), c.Segments)
			}
			end := 0
			for i, s := range segs {
				w := c.Segments[i]
				if s.Text != w.Text || (w.Cite == nil) == s.Cite() || (w.Cite != nil && !reflect.DeepEqual(s.Numbers, w.Cite)) {
					t.Fatalf("segment %d of %q = %q %v, want %q %v", i, c.Text, s.Text, s.Numbers, w.Text, w.Cite)
				}
				if s.Start != end || c.Text[s.Start:s.End] != s.Text {
					t.Fatalf("segment %d of %q has offsets %d..%d", i, c.Text, s.Start, s.End)
				}
				end = s.End
			}
			if c.ValidMax == 0 {
				got := Numbers(c.Text)
				if len(got) != 0 || len(c.Numbers) != 0 {
					if !reflect.DeepEqual(got, c.Numbers) {
						t.Fatalf("Numbers(%q) = %v, want %v", c.Text, got, c.Numbers)
					}
				}
			}
		})
	}
}

// FuzzParse checks that any text splits into segments that cover it
// exactly, in order, and that every cited number is positive.
func FuzzParse(f *testing.F) {
	for _, c := range readTable(f).Cases {
		f.Add(c.Text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		end := 0
		for _, s := range Parse(text, nil) {
			if s.Start != end || s.End < s.Start || text[s.Start:s.End] != s.Text {
				t.Fatalf("segments of %q do not cover it in order", text)
			}
			for _, n := range s.Numbers {
				if n <= 0 {
					t.Fatalf("number %d cited in %q", n, text)
				}
			}
			end = s.End
		}
		if end != len(text) {
			t.Fatalf("segments of %q end at %d of %d", text, end, len(text))
		}
	})
}
