package cli

import "testing"

func TestWhereNamesThePagesOfAPassage(t *testing.T) {
	for _, tc := range []struct {
		name          string
		page, endPage int
		want          string
	}{
		{"names one page", 3, 3, "r.pdf, p. 3"},
		{"names both pages of a passage across a page break", 11, 12, "r.pdf, pp. 11–12"},
		{"names no page for formats without pages", 0, 0, "r.pdf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := where("r.pdf", tc.page, tc.endPage); got != tc.want {
				t.Errorf("where = %q, want %q", got, tc.want)
			}
		})
	}
}
