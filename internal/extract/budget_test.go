package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kura-app/kura/internal/testwait"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
)

// zipWriter streams a zip archive to a file: hostile entries are generated
// piece by piece, never held whole.
type zipWriter struct {
	t *testing.T
	f *os.File
	w *zip.Writer
}

func newZip(t *testing.T, name string) (*zipWriter, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	return &zipWriter{t: t, f: f, w: zip.NewWriter(f)}, p
}

// entry writes an entry of head, then repeat n times, then tail.
func (z *zipWriter) entry(name, head, repeat string, n int, tail string) {
	z.t.Helper()
	w, err := z.w.Create(name)
	if err != nil {
		z.t.Fatal(err)
	}
	w.Write([]byte(head))
	block := []byte(strings.Repeat(repeat, max(1, 64<<10/max(1, len(repeat)))))
	per := len(block) / max(1, len(repeat))
	for left := n; left > 0; left -= per {
		k := min(left, per)
		w.Write(block[:k*len(repeat)])
	}
	w.Write([]byte(tail))
}

func (z *zipWriter) close() {
	z.t.Helper()
	if err := z.w.Close(); err != nil {
		z.t.Fatal(err)
	}
	if err := z.f.Close(); err != nil {
		z.t.Fatal(err)
	}
}

const pptxNS = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// hostilePPTX writes a presentation of slides slides, each of paras
// paragraphs of text.
func hostilePPTX(t *testing.T, slides, paras int) string {
	z, p := newZip(t, "slides.pptx")
	var ids, rels strings.Builder
	for i := 1; i <= slides; i++ {
		fmt.Fprintf(&ids, `<p:sldId id="%d" r:id="rId%d"/>`, 255+i, i)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide%d.xml"/>`, i, i)
	}
	z.entry("ppt/presentation.xml", `<p:presentation `+pptxNS+`><p:sldIdLst>`+ids.String()+`</p:sldIdLst></p:presentation>`, "", 0, "")
	z.entry("ppt/_rels/presentation.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`</Relationships>`, "", 0, "")
	for i := 1; i <= slides; i++ {
		z.entry(fmt.Sprintf("ppt/slides/slide%d.xml", i), `<p:sld `+pptxNS+`><p:cSld><p:spTree><p:sp><p:txBody>`,
			`<a:p><a:r><a:t>filler text of a hostile slide</a:t></a:r></a:p>`, paras, `</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`)
	}
	z.close()
	return p
}

func TestBudgetsStopHostileFilesWithANamedReason(t *testing.T) {
	small := Options{MaxExpandBytes: 1 << 20}
	for _, tc := range []struct {
		name    string
		file    func(t *testing.T) string
		opts    Options
		wantMsg string
	}{
		{"slides each under the entry limit are stopped by the file's expansion budget", func(t *testing.T) string {
			return hostilePPTX(t, 4, 8000) // 4 slides of about 500 KiB
		}, small, "expands to more than 1.0 MiB"},
		{"a docx entry of one endless text run is stopped before the decoder holds it", func(t *testing.T) string {
			z, p := newZip(t, "run.docx")
			z.entry("word/document.xml", `<w:document `+wordNS+`><w:body><w:p><w:r><w:t>`, "a", 6<<20, `</w:t></w:r></w:p></w:body></w:document>`)
			z.close()
			return p
		}, Options{}, "longer than 4.0 MiB without markup"},
		{"a docx comment that never ends is stopped", func(t *testing.T) string {
			z, p := newZip(t, "comment.docx")
			z.entry("word/document.xml", `<w:document `+wordNS+`><w:body><!--`, "<a> ", 2<<20, `--></w:body></w:document>`)
			z.close()
			return p
		}, Options{}, "longer than 4.0 MiB without markup"},
		{"a docx nested deeper than any document is stopped", func(t *testing.T) string {
			z, p := newZip(t, "deep.docx")
			z.entry("word/document.xml", `<w:document `+wordNS+`><w:body>`, "<w:p>", 50_000, "")
			z.close()
			return p
		}, Options{}, "nests elements more than 10000 levels deep"},
		{"a zip bomb named .docx stops at the expansion budget", func(t *testing.T) string {
			z, p := newZip(t, "bomb.docx")
			z.entry("word/document.xml", `<w:document `+wordNS+`><w:body>`, "<w:p><w:r><w:t>a</w:t></w:r></w:p>", 1<<20, "</w:body></w:document>")
			z.close()
			return p
		}, small, "expands to more than 1.0 MiB"},
		{"an xlsx sheet with an endless cell is stopped before excelize reads it", func(t *testing.T) string {
			z, p := newZip(t, "cell.xlsx")
			z.entry("xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c t="inlineStr"><is><t>`, "x", 5<<20, `</t></is></c></row></sheetData></worksheet>`)
			z.close()
			return p
		}, Options{}, "longer than 4.0 MiB without markup"},
		{"a CSV record with an unclosed quote is stopped", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "quote.csv")
			os.WriteFile(p, append([]byte("a,\"b\n"), bytes.Repeat([]byte("line,\n"), 1<<20)...), 0o644)
			return p
		}, Options{}, "a record longer than 4.0 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.file(t)
			_, err := Stream(context.Background(), p, tc.opts, func(Page) error { return nil })
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("err = %v, want ErrTooLarge saying %q", err, tc.wantMsg)
			}
		})
	}
}

func TestLongTextsComeInSectionsCutAtLineBreaks(t *testing.T) {
	var src strings.Builder
	for i := 0; src.Len() < 3<<20; i++ {
		fmt.Fprintf(&src, "行 %d: 誤差範囲について説明します。line %d of a long log.\n", i, i)
		if i%50 == 49 {
			src.WriteString("\n")
		}
	}
	for _, ext := range []string{".txt", ".csv", ".html", ".docx"} {
		t.Run("a long "+ext+" is handed on in sections", func(t *testing.T) {
			var data []byte
			switch ext {
			case ".html":
				data = []byte("<pre>" + src.String() + "</pre>")
			case ".docx":
				var b strings.Builder
				for _, line := range strings.Split(src.String(), "\n") {
					b.WriteString("<w:p><w:r><w:t>" + line + "</w:t></w:r></w:p>")
				}
				data = zipOf(t, "word/document.xml", wordDoc(b.String()))
			default:
				data = []byte(src.String())
			}
			p := writeTemp(t, "long"+ext, data)
			const size = 256 << 10
			var got []Page
			info, err := Stream(context.Background(), p, Options{SectionBytes: size}, func(pg Page) error {
				got = append(got, pg)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if info.Pages != len(got) || len(got) < 10 {
				t.Fatalf("%d sections (info says %d), want at least 10 for 3 MiB in sections of 256 KiB", len(got), info.Pages)
			}
			var all strings.Builder
			for i, pg := range got {
				if pg.Number != i+1 {
					t.Fatalf("section %d is numbered %d", i+1, pg.Number)
				}
				if len(pg.Text) > 2*size {
					t.Errorf("section %d holds %d bytes, more than twice the section size", pg.Number, len(pg.Text))
				}
				if i < len(got)-1 && !strings.Contains(pg.Text[len(pg.Text)-80:], "log.") {
					t.Errorf("section %d ends mid-line: %q", pg.Number, pg.Text[len(pg.Text)-40:])
				}
				all.WriteString(pg.Text)
				all.WriteString("\n")
			}
			if normalized(all.String()) != normalized(src.String()) {
				t.Errorf("the sections do not add up to the text")
			}
		})
	}
	t.Run("a short text stays one page numbered 0", func(t *testing.T) {
		doc, err := File(context.Background(), writeTemp(t, "short.txt", []byte("one line")), Options{SectionBytes: 1 << 10})
		if err != nil || len(doc.Pages) != 1 || doc.Pages[0].Number != 0 {
			t.Fatalf("pages %+v, err %v; want one page 0", doc.Pages, err)
		}
	})
}

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLegacyEncodingsAreDetectedAndDecoded(t *testing.T) {
	ja := "誤差範囲はどのくらいですか。本報告書では、測定の不確かさについて説明します。"
	ko := "한국어 문서입니다. 측정 오차에 대해 설명합니다. 똠방각하"
	fr := "Le café est très apprécié à Paris. Où est l'hôtel ? Garçon, « voilà » !"
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"Shift_JIS text", "sjis.txt", encode(t, japanese.ShiftJIS, ja), ja},
		{"CP932 text with NEC special characters", "cp932.txt", encode(t, japanese.ShiftJIS, "①②③ "+ja+" ㈱"), "①②③ " + ja + " ㈱"},
		{"EUC-JP Markdown", "eucjp.md", encode(t, japanese.EUCJP, "# 見出し\n\n"+ja), "# 見出し\n\n" + ja},
		{"EUC-KR text", "euckr.txt", encode(t, korean.EUCKR, "한국어 문서입니다. 측정 오차에 대해 설명합니다."), "한국어 문서입니다. 측정 오차에 대해 설명합니다."},
		{"CP949 text with Unified Hangul Code syllables", "cp949.txt", encode(t, korean.EUCKR, ko), ko},
		{"Latin-1 text", "latin1.txt", encode(t, charmap.ISO8859_1, fr), fr},
		{"a short Shift_JIS CSV the detector alone is unsure of", "short.csv", encode(t, japanese.ShiftJIS, "名前,値\n東京,1\n大阪,2\n"), "名前\t値\n東京\t1\n大阪\t2"},
		{"a short EUC-KR CSV", "short-ko.csv", encode(t, korean.EUCKR, "이름,값\n서울,1\n"), "이름\t값\n서울\t1"},
		{"HTML in Shift_JIS declared by <meta>", "meta.html", append([]byte(`<html><head><meta charset="shift_jis"><title>`), append(encode(t, japanese.ShiftJIS, "題名</title></head><body><p>"+ja), []byte("</p></body></html>")...)...), ja},
		{"HTML in EUC-JP without a declaration", "nometa.html", append([]byte(`<html><body><p>`), append(encode(t, japanese.EUCJP, ja), []byte("</p></body></html>")...)...), ja},
		{"UTF-8 after a long ASCII start with a Latin-1 byte far in", "late.txt", append(bytes.Repeat([]byte("plain ascii line\n"), 40000), encode(t, charmap.ISO8859_1, fr)...), fr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), writeTemp(t, tc.file, tc.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, pg := range doc.Pages {
				b.WriteString(pg.Text + "\n")
			}
			text := b.String()
			if !strings.Contains(text, tc.want) && !strings.Contains(joinedDocument(doc), tc.want) {
				t.Errorf("text %q, want it to hold %q", text[max(0, len(text)-300):], tc.want)
			}
		})
	}
}

func TestFilesThatAreNotRegularAreRefusedWithoutReading(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.txt")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, kind string }{
		{"a named pipe with no writer", fifo, "named pipe"},
		{"a link to /dev/zero", zero, "character device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := File(context.Background(), tc.path, Options{})
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), tc.kind) {
					t.Fatalf("err = %v, want ErrNotRegular naming %q", err, tc.kind)
				}
			case <-testwait.After(t): // a hang, not a speed check
				t.Fatal("File is still reading at the test's deadline")
			}
			f, _, err := OpenFile(tc.path)
			if f != nil {
				f.Close()
			}
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("OpenFile: err = %v, want ErrNotRegular", err)
			}
		})
	}
}

func TestTheTokenGuardFindsWhereTokensEnd(t *testing.T) {
	big := strings.Repeat("x", 3<<20) // under the 4 MiB token limit, twice: the run must restart
	for _, tc := range []struct {
		name, xml string
		ok        bool
	}{
		{"text runs between tags restart the count", "<a>" + big + "</a><b>" + big + "</b>", true},
		{"a CDATA section ending in a bracket ends", "<a><![CDATA[x]]]>" + big + "</a><b>" + big + "</b>", true},
		{"a comment ending in a dash run ends", "<a><!-- x --->" + big + "</a><b>" + big + "</b>", true},
		{"a quoted > inside an attribute does not end the tag", `<a t="1>2">` + big + `</a>`, true},
		{"a processing instruction ends at ?>", `<?xml version="1.0"??>` + big + "<a/>", true},
		{"a CDATA section holding tags is one token", "<a><![CDATA[" + strings.Repeat("<b>", 2<<20) + "]]></a>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := io.Copy(io.Discard, newTokenGuard(strings.NewReader(tc.xml), "part.xml"))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
