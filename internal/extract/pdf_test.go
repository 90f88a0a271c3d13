package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/pdftest"
	"github.com/kura-app/kura/internal/testwait"
)

// makePDF writes a minimal valid PDF with one page per content stream. The
// font /F1 is Helvetica in WinAnsiEncoding; /F2 is the same font with a
// ToUnicode CMap that maps every code to the character one higher, which
// proves the CMap wins over the encoding.
func makePDF(contents ...string) []byte {
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("") // filled in below
	pages := add("")
	f1 := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	cmapData := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange <00> <FF> endcodespacerange\n" +
		"1 beginbfrange <20> <7E> <0021> endbfrange\n" +
		"endcmap CMapName currentdict /CMap defineresource pop end end"
	cmapObj := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(cmapData), cmapData))
	f2 := add(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode %d 0 R >>", cmapObj))
	var kids []string
	for _, c := range contents {
		content := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c))
		page := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "+
			"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>", pages, f1, f2, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)
	objs[pages-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	return pdftest.Write(objs, catalog)
}

const (
	textPage = "BT /F1 12 Tf 72 720 Td (Hello world, this line) Tj 0 -14 Td (wraps here.) Tj ET\n" +
		"BT /F1 12 Tf 72 600 Td (A new paragraph.) Tj ET"
	rectPage = "0 0 1 rg 72 72 200 100 re f"
)

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFilePDF(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pages     []string
		edit      func([]byte) []byte
		want      []Page
		wantErr   error
		wantInErr string
	}{
		{
			name:  "reads lines, joins the wrap and keeps the paragraph",
			pages: []string{textPage},
			want:  []Page{{1, "Hello world, this line wraps here.\n\nA new paragraph."}},
		},
		{
			name:  "numbers pages from one and leaves out blank ones",
			pages: []string{textPage, rectPage, "BT /F1 10 Tf 72 700 Td (Third page.) Tj ET"},
			want: []Page{
				{1, "Hello world, this line wraps here.\n\nA new paragraph."},
				{3, "Third page."},
			},
		},
		{
			name:  "prefers the ToUnicode map to the encoding",
			pages: []string{"BT /F2 12 Tf 72 700 Td (Gdkkn) Tj ET"},
			want:  []Page{{1, "Hello"}},
		},
		{
			name:  "places text from TJ arrays and text matrices",
			pages: []string{"BT /F1 12 Tf 1 0 0 1 72 700 Tm [(Ke) 20 (rned) -2000 (gap)] TJ ET"},
			want:  []Page{{1, "Kerned gap"}},
		},
		{
			name:  "reads text drawn rotated by a quarter turn",
			pages: []string{"BT /F1 12 Tf 0 1 -1 0 300 100 Tm (Up the page) Tj ET"},
			want:  []Page{{1, "Up the page"}},
		},
		{
			name:  "reads a PDF 2.0 file",
			pages: []string{"BT /F1 12 Tf 72 700 Td (Version two.) Tj ET"},
			edit:  func(b []byte) []byte { return append([]byte("%PDF-2.0"), b[8:]...) },
			want:  []Page{{1, "Version two."}},
		},
		{
			name:  "ignores bytes appended after the end of the file",
			pages: []string{"BT /F1 12 Tf 72 700 Td (Padded.) Tj ET"},
			edit:  func(b []byte) []byte { return append(b, append([]byte("\x00\x00junk"), make([]byte, 900)...)...) },
			want:  []Page{{1, "Padded."}},
		},
		{
			name:      "reports a page that draws no text as having no text layer",
			pages:     []string{rectPage},
			wantErr:   ErrNoText,
			wantInErr: "pdf: no text layer",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := makePDF(tc.pages...)
			if tc.edit != nil {
				data = tc.edit(data)
			}
			p := writeTemp(t, "doc.pdf", data)
			doc, err := File(context.Background(), p, Options{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(fmt.Sprint(err), tc.wantInErr) {
					t.Fatalf("err = %v, want %v containing %q", err, tc.wantErr, tc.wantInErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(doc.Pages) != fmt.Sprint(tc.want) {
				t.Errorf("pages = %+v, want %+v", doc.Pages, tc.want)
			}
		})
	}
}

// run makes one glyph per rune of s, advancing along +x.
func run(s string, x, y, size, advance float64) []glyph {
	var gs []glyph
	for _, r := range s {
		gs = append(gs, glyph{s: string(r), x0: x, y0: y, x1: x + advance, y1: y, dx: 1, size: size})
		x += advance
	}
	return gs
}

// column makes one glyph per rune of s going down the page, each advancing
// horizontally, as browsers print vertical text.
func column(s string, x, y, size float64) []glyph {
	var gs []glyph
	for _, r := range s {
		gs = append(gs, glyph{s: string(r), x0: x, y0: y, x1: x + size, y1: y, dx: 1, size: size})
		y -= size
	}
	return gs
}

func concat(runs ...[]glyph) []glyph {
	var out []glyph
	for _, r := range runs {
		out = append(out, r...)
	}
	return out
}

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		glyphs []glyph
		want   string
	}{
		{
			name:   "puts a space where Latin glyphs leave a word gap",
			glyphs: concat(run("open", 0, 700, 10, 5), run("source", 23, 700, 10, 5)),
			want:   "open source",
		},
		{
			name:   "ignores the extra spacing between Japanese and Latin letters",
			glyphs: concat(run("生成", 0, 700, 10, 10), run("AI", 22, 700, 10, 6), run("は", 36, 700, 10, 10)),
			want:   "生成AIは",
		},
		{
			name:   "puts lines on a regular pitch in one paragraph",
			glyphs: concat(run("one", 0, 700, 10, 5), run("two", 0, 686, 10, 5), run("three", 0, 672, 10, 5)),
			want:   "one\ntwo\nthree",
		},
		{
			name: "starts a paragraph after a wide vertical gap",
			glyphs: concat(run("one", 0, 700, 10, 5), run("two", 0, 686, 10, 5), run("three", 0, 672, 10, 5),
				run("four", 0, 640, 10, 5)),
			want: "one\ntwo\nthree\n\nfour",
		},
		{
			name:   "starts a paragraph where the font size changes",
			glyphs: concat(run("Title", 0, 700, 18, 9), run("body", 0, 680, 10, 5)),
			want:   "Title\n\nbody",
		},
		{
			name:   "drops a copy drawn over the text to fake bold",
			glyphs: concat(run("bold", 0, 700, 10, 5), run("bold", 0.3, 700, 10, 5)),
			want:   "bold",
		},
		{
			name:   "keeps a space glyph at the end of a line",
			glyphs: concat(run("wrap ", 0, 700, 10, 5), run("here", 0, 686, 10, 5)),
			want:   "wrap \nhere",
		},
		{
			name:   "reads vertical Japanese set glyph by glyph, column by column",
			glyphs: concat(column("縦書きの", 563, 745, 14), column("文章です", 545, 745, 14), column("。次", 527, 745, 14)),
			want:   "縦\n書\nき\nの\n文\n章\nで\nす\n。\n次", // one paragraph: JoinWrappedLines joins it
		},
		{
			name:   "returns nothing for no glyphs",
			glyphs: nil,
			want:   "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := layout(tc.glyphs); got != tc.want {
				t.Errorf("layout = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseCMap(t *testing.T) {
	const src = `/CIDInit /ProcSet findresource begin
12 dict begin begincmap
/CMapName /Test def
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar
<0003> <0020>
<0A1F> <8AA4>
endbfchar
2 beginbfrange
<0010> <0012> <0041>
<0020> <0021> [<D83DDE00> <00660069>]
endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end`
	m := parseCMapData([]byte(src))
	if m == nil {
		t.Fatal("parseCMapData returned nil")
	}
	for _, tc := range []struct {
		name, code, want string
		ok               bool
	}{
		{"maps a bfchar code", "\x0a\x1f", "誤", true},
		{"maps a space", "\x00\x03", " ", true},
		{"counts up through a bfrange", "\x00\x12", "C", true},
		{"reads a surrogate pair from a bfrange array", "\x00\x20", "😀", true},
		{"maps a code to a ligature", "\x00\x21", "fi", true},
		{"reports an unmapped code", "\x00\x99", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := m.lookup(tc.code)
			if got != tc.want || ok != tc.ok {
				t.Errorf("lookup(%q) = %q, %v; want %q, %v", tc.code, got, ok, tc.want, tc.ok)
			}
		})
	}
	if n := m.codeLen("\x0a\x1f\x00"); n != 2 {
		t.Errorf("codeLen = %d, want 2 from the codespace range", n)
	}
}

// FuzzParseCMap feeds arbitrary bytes to the ToUnicode parser, which reads
// data from untrusted files: it must not panic, and what it maps must be
// looked up without panicking either.
func FuzzParseCMap(f *testing.F) {
	f.Add([]byte("1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <01> <0041> endbfchar"))
	f.Add([]byte("1 beginbfrange <0000> <FFFF> <0041> endbfrange"))
	f.Add([]byte("1 beginbfrange <00> <05> [<0041> (B) <004300440045>] endbfrange (unclosed \\"))
	f.Add([]byte("<< /A [ <0 > ] >> % comment\n beginbfchar <> <> endbfchar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := parseCMapData(data)
		if m == nil {
			return
		}
		for _, code := range []string{"\x00", "\x01", "\x00\x01", "\xff\xff", "\x00\x00\x00\x05"} {
			m.lookup(code)
			m.codeLen(code)
		}
	})
}

// FuzzFilePDF feeds damaged PDFs through File: whatever the bytes, it must
// return (within the deadline) either text or an error that wraps one of
// the package's sentinels.
func FuzzFilePDF(f *testing.F) {
	f.Add(makePDF(textPage))
	f.Add(makePDF(rectPage, "BT /F2 9 Tf [(a) -300 (b)] TJ ET"))
	f.Add(makePDF("q 1 0 0 1 5 5 cm BT /F1 12 Tf 0 -1 1 0 9 9 Tm (x) ' ET Q Q Q"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.pdf")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := File(testwait.Context(t), p, Options{}) // a hang fails, as a wrapped deadline
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNoText) && !errors.Is(err, ErrEncrypted) {
			t.Fatalf("err = %v, wraps no sentinel", err)
		}
	})
}
