package chunk

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
)

func TestSplitPages(t *testing.T) {
	type want struct {
		page, endPage int
		text          string
	}
	tests := []struct {
		name  string
		pages []string
		opts  Options
		want  []want
	}{
		{
			name:  "a Japanese sentence cut by a page break is one passage on both pages",
			pages: []string{"前の段落です。\n\nオープンソースは、アクセスを民主化", "することで開発者を広げます。\n\n次の段落です。"},
			opts:  Options{Size: 40, Overlap: 0},
			want: []want{
				{1, 2, "前の段落です。\n\nオープンソースは、アクセスを民主化することで開発者を広げます。"},
				{2, 2, "次の段落です。"},
			},
		},
		{
			name:  "an English sentence cut by a page break is joined with a space",
			pages: []string{"The results of the survey were", "clear to everyone."},
			opts:  Options{Size: 100},
			want:  []want{{1, 2, "The results of the survey were clear to everyone."}},
		},
		{
			name:  "a page that ends its sentence stays a boundary",
			pages: []string{"第一頁の文です。", "第二頁の文です。"},
			opts:  Options{Size: 100},
			want:  []want{{1, 1, "第一頁の文です。"}, {2, 2, "第二頁の文です。"}},
		},
		{
			name:  "a page that starts with a heading stays a boundary",
			pages: []string{"図 2", "## 調査対象企業における生成 AI"},
			opts:  Options{Size: 100},
			want:  []want{{1, 1, "図 2"}, {2, 2, "## 調査対象企業における生成 AI"}},
		},
		{
			name: "page numbers between the halves of a sentence are left out",
			pages: []string{
				"一頁目の文です。\n\n二頁目へ続く文が\n1",
				"ここで終わります。\n\n三頁目へ続く文が\n2",
				"ここで終わります。\n3",
			},
			opts: Options{Size: 20, Overlap: 0},
			want: []want{
				{1, 1, "一頁目の文です。"},
				{1, 2, "二頁目へ続く文がここで終わります。"},
				{2, 3, "三頁目へ続く文がここで終わります。"},
			},
		},
		{
			name: "a running header is left out of every passage",
			pages: []string{
				"Annual Report 2024\nThe first page ends in the middle of",
				"Annual Report 2024\na sentence that goes on.",
				"Annual Report 2024\nThe last page.",
			},
			opts: Options{Size: 100},
			want: []want{{1, 2, "The first page ends in the middle of a sentence that goes on."}, {3, 3, "The last page."}},
		},
		{
			name:  "a joined sentence longer than the size is still cut within the size",
			pages: []string{"aaaa bbbb cccc", "dddd eeee ffff"},
			opts:  Options{Size: 10, Overlap: 0},
			want:  []want{{1, 1, "aaaa bbbb"}, {1, 2, "cccc dddd"}, {2, 2, "eeee ffff"}},
		},
		{
			name:  "blank pages give nothing and do not join",
			pages: []string{"続く文が", "  \n ", "ここに。"},
			opts:  Options{Size: 100},
			want:  []want{{1, 1, "続く文が"}, {3, 3, "ここに。"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := make([]Page, len(tt.pages))
			for i, p := range tt.pages {
				pages[i] = Page{Number: i + 1, Text: p}
			}
			got := SplitPages(pages, tt.opts)
			var g []want
			for _, c := range got {
				g = append(g, want{c.Page, c.EndPage, c.Text})
			}
			if fmt.Sprint(g) != fmt.Sprint(tt.want) {
				t.Errorf("SplitPages =\n%v\nwant\n%v", g, tt.want)
			}
			checkPageInvariants(t, pages, tt.opts, got)
		})
	}
}

// checkPageInvariants checks what every passage must satisfy: it fits the
// size; its start and end are on pages in order and within their texts; it
// begins with the text at its start offset and ends with the text before
// its end offset; and a passage within one page is exactly that span.
func checkPageInvariants(t *testing.T, pages []Page, opts Options, chunks []PageChunk) {
	t.Helper()
	o := opts.normalized()
	index := map[int]int{}
	for i, p := range pages {
		index[p.Number] = i
	}
	for _, c := range chunks {
		text := []rune(c.Text)
		if len(text) > o.Size || len(text) == 0 {
			t.Fatalf("passage %q has %d characters, size %d", c.Text, len(text), o.Size)
		}
		si, ok1 := index[c.Page]
		ei, ok2 := index[c.EndPage]
		if !ok1 || !ok2 || ei < si {
			t.Fatalf("passage on pages %d-%d: not pages of the document in order", c.Page, c.EndPage)
		}
		sr, er := []rune(pages[si].Text), []rune(pages[ei].Text)
		if c.Start < 0 || c.Start >= len(sr) || c.End <= 0 || c.End > len(er) || si == ei && c.Start >= c.End {
			t.Fatalf("passage offsets %d..%d out of range", c.Start, c.End)
		}
		if si == ei {
			if string(sr[c.Start:c.End]) != c.Text {
				t.Fatalf("passage %q differs from its span %q", c.Text, string(sr[c.Start:c.End]))
			}
			continue
		}
		head := strings.TrimRightFunc(string(sr[c.Start:]), unicode.IsSpace)
		tail := strings.TrimLeftFunc(string(er[:c.End]), unicode.IsSpace)
		head, _, _ = strings.Cut(head, "\n") // up to the first line end: furniture may follow later
		if i := strings.LastIndexByte(tail, '\n'); i >= 0 {
			tail = tail[i+1:]
		}
		if !strings.HasPrefix(c.Text, head) || !strings.HasSuffix(c.Text, tail) {
			t.Fatalf("passage %q does not start with %q and end with %q", c.Text, head, tail)
		}
	}
}

func FuzzSplitPages(f *testing.F) {
	f.Add("前の段落です。\n\nアクセスを民主化", "することで広げます。", "\n3", 20, 4)
	f.Add("The results were", "clear.", "", 8, 2)
	f.Add("a\n1", "b\n2", "c\n3", 4, 0)
	f.Fuzz(func(t *testing.T, a, b, c string, size, overlap int) {
		if size > 4096 || size < -10 || overlap > 4096 || overlap < -10 || len(a)+len(b)+len(c) > 1<<14 {
			return
		}
		pages := []Page{{1, a}, {2, b}, {3, c}}
		opts := Options{Size: size, Overlap: overlap}
		checkPageInvariants(t, pages, opts, SplitPages(pages, opts))
	})
}
