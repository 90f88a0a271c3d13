package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/corpustest"
)

// TestDamagedPDF reads PDFs with parts missing or moved. The generated
// file has its page tree first (as most writers but LibreOffice put it),
// so a cut names the pages lost exactly.
func TestDamagedPDF(t *testing.T) {
	pages := []string{
		"BT /F1 12 Tf 72 700 Td (First page.) Tj ET",
		"BT /F1 12 Tf 72 700 Td (Second page.) Tj ET",
		"BT /F1 12 Tf 72 700 Td (Third page.) Tj ET",
		"BT /F1 12 Tf 72 700 Td (Fourth page.) Tj ET",
	}
	whole := makePDF(pages...)
	// cutBefore returns the file up to the object that shows s.
	cutBefore := func(s string) func([]byte) []byte {
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte(s))
			j := bytes.LastIndex(b[:i], []byte(" 0 obj"))
			j = bytes.LastIndexByte(b[:j], '\n')
			return slices.Clone(b[:j+1])
		}
	}
	for _, tc := range []struct {
		name       string
		edit       func([]byte) []byte
		want       []string // page texts, in order
		wantLost   []int
		wantDamage string // a prefix of Document.Damage
		wantErr    string
	}{
		{
			name:       "keeps the pages before a cut and names the ones after it",
			edit:       cutBefore("(Third page.)"),
			want:       []string{"First page.", "Second page."},
			wantLost:   []int{3, 4},
			wantDamage: "pages 3–4 of 4 could not be read: the file is cut short",
		},
		{
			name:       "reads every page when only the cross-reference table is cut off",
			edit:       func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("xref"))+10] },
			want:       []string{"First page.", "Second page.", "Third page.", "Fourth page."},
			wantDamage: "the file is cut short, but every page was read",
		},
		{
			name: "finds the objects when bytes before the header shift every offset",
			edit: func(b []byte) []byte { return append([]byte("From: gateway\r\nX-Junk: 1\r\n\r\n"), b...) },
			want: []string{"First page.", "Second page.", "Third page.", "Fourth page."},
		},
		{
			name: "names a page whose content stream is damaged and reads the others",
			edit: func(b []byte) []byte {
				b = slices.Clone(b)
				i := bytes.Index(b, []byte("(Second page.)"))
				j := bytes.LastIndex(b[:i], []byte("stream\n"))
				// The content's object header is overwritten: the page
				// points at an object that no longer exists.
				k := bytes.LastIndex(b[:j], []byte(" 0 obj"))
				start := bytes.LastIndexByte(b[:k], '\n') + 1
				copy(b[start:k+6], strings.Repeat("x", k+6-start))
				return b
			},
			want:       []string{"First page.", "Third page.", "Fourth page."},
			wantLost:   []int{2},
			wantDamage: "page 2 of 4 could not be read: ",
		},
		{
			name:    "fails clearly when the cut leaves no page",
			edit:    func(b []byte) []byte { return b[:40] },
			wantErr: "cut short",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, "damaged.pdf", tc.edit(whole))
			doc, err := File(context.Background(), p, Options{})
			if tc.wantErr != "" {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(fmt.Sprint(err), tc.wantErr) {
					t.Fatalf("err = %v, want ErrCorrupt saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pg := range doc.Pages {
				got = append(got, pg.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("pages = %q, want %q", got, tc.want)
			}
			if !slices.Equal(doc.Lost, tc.wantLost) || !strings.HasPrefix(doc.Damage, tc.wantDamage) || (tc.wantDamage == "") != (doc.Damage == "") {
				t.Errorf("lost %v, damage %q; want %v, %q", doc.Lost, doc.Damage, tc.wantLost, tc.wantDamage)
			}
		})
	}
}

// TestTruncatedCorpusPDF cuts the corpus PDFs (LibreOffice writes its
// pages' objects and then the page list at the very end) and checks that
// what survives reads exactly as in the whole file: every page whose
// objects are complete, on its own page number.
func TestTruncatedCorpusPDF(t *testing.T) {
	for _, tc := range []struct {
		name      string
		file      string
		keep      float64 // share of the file kept
		wantPages int     // at least
		damage    string
	}{
		{"keeps every page when only the page list's end is cut", "pdf/000_0eff4470da887f30.pdf", 0.995, 26, "the file is cut short, but every page was read"},
		{"recovers the pages that survive when the page list is cut", "pdf/000_0eff4470da887f30.pdf", 0.986, 4, "the file is cut short and its list of pages is lost"},
		{"recovers most of a 40-page file cut near its end", "pdf/combo_000_001.pdf", 0.99, 30, "the file is cut short"},
		{"reads a file with object streams cut after its last object", "hard/objstm.pdf", 0.999, 40, "the file is cut short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(corpustest.Path(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			whole, err := File(context.Background(), corpustest.Path(t, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := writeTemp(t, "cut.pdf", data[:int(float64(len(data))*tc.keep)])
			doc, err := File(context.Background(), p, Options{})
			if err != nil {
				t.Fatalf("truncated to %.1f%%: %v", 100*tc.keep, err)
			}
			if len(doc.Pages) < tc.wantPages {
				t.Errorf("%d pages recovered, want at least %d", len(doc.Pages), tc.wantPages)
			}
			if !strings.HasPrefix(doc.Damage, tc.damage) {
				t.Errorf("damage = %q, want it to start %q", doc.Damage, tc.damage)
			}
			byNumber := map[int]string{}
			for _, pg := range whole.Pages {
				byNumber[pg.Number] = pg.Text
			}
			for _, pg := range doc.Pages {
				if want, ok := byNumber[pg.Number]; !ok || pg.Text != want {
					t.Errorf("page %d reads differently from the whole file's (%d vs %d characters)", pg.Number, len(pg.Text), len(want))
				}
			}
		})
	}
	t.Run("fails with a clear reason when nothing survives", func(t *testing.T) {
		data, err := os.ReadFile(corpustest.Path(t, "pdf/004_8b294292eef632cb.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		p := writeTemp(t, "cut.pdf", data[:len(data)/2])
		_, err = File(context.Background(), p, Options{})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "cut short") {
			t.Errorf("err = %v, want ErrCorrupt saying the file is cut short", err)
		}
	})
}
