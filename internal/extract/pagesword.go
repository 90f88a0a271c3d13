package extract

import (
	"fmt"
	"strings"
)

// PagesWord writes page numbers for a message to a user: "page 3", or
// "pages 3, 5, 20–26" with runs of consecutive pages as ranges. pages must
// be sorted and without repeats; none gives "". It is the one writer of
// page lists in Kura (a damaged PDF's lost pages, the scanned pages of a
// file and those OCR failed on).
func PagesWord(pages []int) string {
	if len(pages) == 0 {
		return ""
	}
	var b strings.Builder
	if len(pages) == 1 {
		b.WriteString("page ")
	} else {
		b.WriteString("pages ")
	}
	for i := 0; i < len(pages); {
		j := i
		for j+1 < len(pages) && pages[j+1] == pages[j]+1 {
			j++
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if j > i {
			fmt.Fprintf(&b, "%d–%d", pages[i], pages[j])
		} else {
			fmt.Fprintf(&b, "%d", pages[i])
		}
		i = j + 1
	}
	return b.String()
}
