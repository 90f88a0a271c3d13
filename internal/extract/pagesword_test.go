package extract_test

import (
	"testing"

	"github.com/kura-app/kura/internal/extract"
)

func TestPagesWord(t *testing.T) {
	for _, c := range []struct {
		name  string
		pages []int
		want  string
	}{
		{"no pages say nothing", nil, ""},
		{"one page is singular", []int{3}, "page 3"},
		{"two apart are listed", []int{3, 5}, "pages 3, 5"},
		{"two in a row are a range", []int{3, 4}, "pages 3–4"},
		{"runs become ranges between single pages", []int{3, 5, 20, 21, 22, 23, 24, 25, 26}, "pages 3, 5, 20–26"},
		{"a range may come first", []int{1, 2, 3, 7}, "pages 1–3, 7"},
		{"a whole document is one range", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "pages 1–12"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := extract.PagesWord(c.pages); got != c.want {
				t.Errorf("PagesWord(%v) = %q, want %q", c.pages, got, c.want)
			}
		})
	}
}
