package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func init() { debugPanics = true }

func TestSupported(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		want bool
	}{
		{"accepts a PDF", "a/b/report.pdf", true},
		{"ignores the case of the extension", "REPORT.PDF", true},
		{"accepts Markdown's long extension", "notes.markdown", true},
		{"accepts every listed format", "x.htm", true},
		{"rejects legacy Word files", "old.doc", false},
		{"rejects files without an extension", "README", false},
		{"judges by the last extension only", "archive.pdf.zip", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Supported(tc.path); got != tc.want {
				t.Errorf("Supported(%q) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
	for _, ext := range []string{".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".pptx", ".xlsx", ".csv", ".epub"} {
		if !Supported("f" + ext) {
			t.Errorf("Supported(%q) = false", ext)
		}
	}
}

// zipOf builds a zip archive from name/content pairs, in order.
func zipOf(t *testing.T, entries ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(entries); i += 2 {
		f, err := w.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(b)
	return b
}

// binaryWithoutNUL is random bytes without NUL or C0 control bytes, as in
// compressed data with those left out: what the control-character and NUL
// checks let through (issue 20: indexed as CP1252 or Korean garbage).
func binaryWithoutNUL(n int) []byte {
	b := randomBytes(n)
	for i := range b {
		b[i] = 0x20 + b[i]%0xE0
	}
	return b
}

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
	`xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

func wordDoc(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><w:document ` + wordNS + `><w:body>` + body + `</w:body></w:document>`
}

func TestFileRejectsBadInput(t *testing.T) {
	half := makePDF(textPage)
	half = half[:len(half)/2]
	cfbHead := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	encrypted := append(append([]byte{}, cfbHead...), utf16LE("EncryptionInfo")...)

	for _, tc := range []struct {
		name    string
		file    string
		data    []byte
		opts    Options
		wantErr error
		wantMsg string
	}{
		{"a truncated PDF is corrupt", "cut.pdf", half, Options{}, ErrCorrupt, "pdf: "},
		{"random bytes named .pdf are corrupt", "noise.pdf", randomBytes(4096), Options{}, ErrCorrupt, "pdf: "},
		{"an empty PDF is corrupt", "empty.pdf", nil, Options{}, ErrCorrupt, "pdf: "},
		{"random bytes named .docx are corrupt", "noise.docx", randomBytes(4096), Options{}, ErrCorrupt, "not a readable zip"},
		{"random bytes named .pptx are corrupt", "noise.pptx", randomBytes(4096), Options{}, ErrCorrupt, "pptx: "},
		{"random bytes named .xlsx are corrupt", "noise.xlsx", randomBytes(4096), Options{}, ErrCorrupt, "xlsx: "},
		{"random bytes named .epub are corrupt", "noise.epub", randomBytes(4096), Options{}, ErrCorrupt, "epub: "},
		{"random bytes named .txt are not a text file", "noise.txt", randomBytes(4096), Options{}, ErrCorrupt, "not a text file"},
		{"binary bytes without NUL are not a text file", "blob.txt", binaryWithoutNUL(64 << 10), Options{}, ErrCorrupt, "not a text file"},
		{"a short binary without NUL is not a text file", "short.txt", binaryWithoutNUL(600), Options{}, ErrCorrupt, "not a text file"},
		{"a CSV of binary bytes without NUL is not a text file", "blob.csv", binaryWithoutNUL(8 << 10), Options{}, ErrCorrupt, "csv: not a text file"},
		{"HTML of binary bytes without NUL is not a text file", "blob.html", append([]byte("<p>"), binaryWithoutNUL(8<<10)...), Options{}, ErrCorrupt, "not a text file"},
		{"16-bit numbers without NUL pairs are not UTF-16 text", "numbers.txt", sixteenBit(4096), Options{}, ErrCorrupt, "not a text file"},
		{"a text file with NUL bytes is not a text file", "nul.txt", []byte("abc\x00def"), Options{}, ErrCorrupt, "not a text file"},
		{"a CSV of binary bytes is not a text file", "bin.csv", append([]byte("a,b\n"), 0, 1, 2), Options{}, ErrCorrupt, "csv: not a text file"},
		{"HTML with NUL bytes is corrupt", "bin.html", append([]byte("<p>x"), 0, 0, 0), Options{}, ErrCorrupt, "html: "},
		{"a zip that is not a docx is corrupt", "other.docx", zipOf(t, "hello.txt", "hi"), Options{}, ErrCorrupt, "not a Word document"},
		{"a zip that is not a pptx is corrupt", "other.pptx", zipOf(t, "hello.txt", "hi"), Options{}, ErrCorrupt, "not a PowerPoint file"},
		{"a zip that is not an epub is corrupt", "other.epub", zipOf(t, "hello.txt", "hi"), Options{}, ErrCorrupt, "not an EPUB"},
		{"a docx cut in half is corrupt", "cut.docx", zipOf(t, "word/document.xml", wordDoc(strings.Repeat("<w:p><w:r><w:t>text</w:t></w:r></w:p>", 200)))[:300], Options{}, ErrCorrupt, "docx: "},
		{"a docx with broken XML is corrupt", "broken.docx", zipOf(t, "word/document.xml", "<w:document "+wordNS+"><w:body><w:p>"), Options{}, ErrCorrupt, "parse word/document.xml"},
		{"an old binary Word file named .docx is corrupt", "old.docx", cfbHead, Options{}, ErrCorrupt, "old binary Office file"},
		{"a password-protected docx is encrypted", "locked.docx", encrypted, Options{}, ErrEncrypted, "docx: needs a password"},
		{"a password-protected xlsx is encrypted", "locked.xlsx", encrypted, Options{}, ErrEncrypted, "xlsx: needs a password"},
		{"an empty .txt has no text", "empty.txt", nil, Options{}, ErrNoText, "text: no text"},
		{"a .md of blank lines has no text", "blank.md", []byte(" \n\t\n\r\n"), Options{}, ErrNoText, "markdown: no text"},
		{"an empty .csv has no text", "empty.csv", nil, Options{}, ErrNoText, "csv: no text"},
		{"an HTML page of scripts has no text", "script.html", []byte("<html><script>var a = 1;</script></html>"), Options{}, ErrNoText, "html: no text"},
		{"an empty .docx is corrupt", "empty.docx", nil, Options{}, ErrCorrupt, "docx: "},
		{"a docx without text has no text", "blank.docx", zipOf(t, "word/document.xml", wordDoc("<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>")), Options{}, ErrNoText, "docx: no text"},
		{"a file over MaxBytes is too large", "big.pdf", bytes.Repeat([]byte("a"), 2048), Options{MaxBytes: 1024}, ErrTooLarge, "the limit is 1.0 KiB"},
		{"a text file over MaxStreamBytes is too large", "big.txt", bytes.Repeat([]byte("a"), 2048), Options{MaxStreamBytes: 1024}, ErrTooLarge, "the limit is 1.0 KiB"},
		{"a docx entry expanding over MaxBytes is too large", "bomb.docx", zipOf(t, "word/document.xml", wordDoc(strings.Repeat("<w:p><w:r><w:t>aaaaaaaa</w:t></w:r></w:p>", 2000))), Options{MaxBytes: 16 << 10}, ErrTooLarge, "expands beyond"},
		{"an unknown extension is unsupported", "drawing.svg", []byte("x"), Options{}, ErrUnsupported, ".svg: unsupported format"},
		{"a file without extension is unsupported", "README", []byte("x"), Options{}, ErrUnsupported, "no extension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, tc.file, tc.data)
			doc, err := File(context.Background(), p, tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v (doc %+v)", err, tc.wantErr, doc)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want it to contain %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q spans lines, want one line", err)
			}
		})
	}
}

func TestFileChecksSizeBeforeReading(t *testing.T) {
	// A sparse file: reading it would take long and allocate 300 MiB.
	p := filepath.Join(t.TempDir(), "huge.pdf")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(DefaultMaxBytes + 100<<20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	_, err = File(context.Background(), p, Options{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "the limit is 200.0 MiB") {
		t.Fatalf("err = %v, want ErrTooLarge naming the 200 MiB default", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v: the file was read", d)
	}
}

func TestFileReportsIOErrorsWithoutSentinel(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		want error
	}{
		{"a missing file", filepath.Join(t.TempDir(), "missing.pdf"), fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := File(context.Background(), tc.path, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, s := range []error{ErrCorrupt, ErrNoText, ErrEncrypted, ErrTooLarge, ErrUnsupported} {
				if errors.Is(err, s) {
					t.Errorf("err = %v also wraps %v", err, s)
				}
			}
		})
	}
	dir := filepath.Join(t.TempDir(), "folder.pdf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := File(context.Background(), dir, Options{}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a directory: err = %v, want ErrNotRegular", err)
	}
}

// sixteenBit is little-endian 16-bit samples (a sound, a table of
// numbers): zero bytes on one side of the pairs, like UTF-16 without a
// byte-order mark.
func sixteenBit(n int) []byte {
	rng := rand.New(rand.NewSource(3))
	b := make([]byte, 0, 2*n)
	for range n {
		v := rng.Intn(0xD800)
		if rng.Intn(4) == 0 {
			v &= 0xFF00 // some with a zero low byte
		}
		b = append(b, byte(v), byte(v>>8))
	}
	return b
}

const (
	binaryLE = iota
	binaryBE
)

// utf16NoBOM encodes s in UTF-16 (BMP only) without a byte-order mark.
func utf16NoBOM(order int, s string) []byte {
	var b []byte
	for _, r := range s {
		if order == binaryBE {
			b = append(b, byte(r>>8), byte(r))
		} else {
			b = append(b, byte(r), byte(r>>8))
		}
	}
	return b
}

func TestFileText(t *testing.T) {
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range "日本語\r\ntext" {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	utf16be := []byte{0xFE, 0xFF}
	for _, r := range "한국어" {
		utf16be = append(utf16be, byte(r>>8), byte(r))
	}
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"reads UTF-8 text as it is", "a.txt", []byte("第一段落。\n\n  indented line\nsecond"), "第一段落。\n\n  indented line\nsecond"},
		{"does not join the lines of a text file", "a.txt", []byte("誤\n差"), "誤\n差"},
		{"drops a UTF-8 byte-order mark", "a.txt", []byte("\xEF\xBB\xBFhello"), "hello"},
		{"decodes UTF-16 little-endian with a byte-order mark", "a.txt", utf16le, "日本語\ntext"},
		{"decodes UTF-16 big-endian with a byte-order mark", "a.md", utf16be, "한국어"},
		{"decodes UTF-16 little-endian without a byte-order mark", "a.txt", utf16le[2:], "日本語\ntext"},
		{"decodes UTF-16 big-endian without a byte-order mark", "a.txt", utf16NoBOM(binaryBE, "第一章 概要\n本報告書は2023年の調査です。\n"), "第一章 概要\n本報告書は2023年の調査です。"},
		{"decodes a UTF-16 CSV without a byte-order mark", "a.csv", utf16NoBOM(binaryLE, "名前,値\n東京,1\n"), "名前\t値\n東京\t1"},
		{"strips carriage returns, trailing spaces and form feeds", "a.md", []byte("# Title  \r\n\r\nbody\f\nmore \t"), "# Title\n\nbody\n\nmore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), writeTemp(t, tc.file, tc.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Pages) != 1 || doc.Pages[0].Number != 0 || doc.Pages[0].Text != tc.want {
				t.Errorf("pages = %+v, want one page 0 with %q", doc.Pages, tc.want)
			}
		})
	}
}

func TestFileHTML(t *testing.T) {
	for _, tc := range []struct {
		name, html, title, want string
	}{
		{
			name:  "takes the title and separates blocks by paragraph breaks",
			html:  "<html><head><title> My  page </title><style>p{}</style></head><body><h1>Head</h1><p>One <b>bold</b>\nword.</p><div>Two</div></body></html>",
			title: "My page",
			want:  "Head\n\nOne bold word.\n\nTwo",
		},
		{
			name: "skips scripts, styles, templates and hidden elements",
			html: `<body><script>alert(1)</script><noscript>no</noscript><p hidden>h</p>` +
				`<p style="display: none">x</p><p aria-hidden="true">y</p><p>shown</p></body>`,
			want: "shown",
		},
		{
			name: "lays out tables as tab-separated rows",
			html: "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>",
			want: "A\tB\n1\t2",
		},
		{
			name: "keeps line breaks and preformatted text",
			html: "<p>line<br>next</p><pre>  code\n    indented</pre>",
			want: "line\nnext\n\n  code\n    indented",
		},
		{
			name: "removes a source line break inside Japanese text",
			html: "<p>オープンソース\nAI と誤\n差</p>",
			want: "オープンソース AI と誤差",
		},
		{
			name: "reads a legacy encoding declared in a meta tag",
			html: "<meta charset=\"shift_jis\"><p>\x93\xfa\x96\x7b</p>",
			want: "日本",
		},
		{
			name: "keeps non-breaking spaces and decodes entities",
			html: "<p>a&nbsp;b &amp; c&lt;d</p>",
			want: "a\u00a0b & c<d",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), writeTemp(t, "page.html", []byte(tc.html)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if doc.Title != tc.title || len(doc.Pages) != 1 || doc.Pages[0].Text != tc.want {
				t.Errorf("got title %q pages %+v, want title %q text %q", doc.Title, doc.Pages, tc.title, tc.want)
			}
		})
	}
}

// FuzzHTMLText checks that any input, however broken, yields text
// without panicking.
func FuzzHTMLText(f *testing.F) {
	f.Add([]byte("<html><head><title>t</title></head><body><p>a<br>b</p><table><tr><td>1<td>2</table></body>"))
	f.Add([]byte("<pre>\n x</pre><p hidden>h</p>誤\n差<meta charset=shift_jis>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := htmlText(data); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("htmlText: %v", err)
		}
	})
}

func TestFileCSV(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"writes rows as lines and cells separated by tabs", "a,b,c\n1,2,3\n", "a\tb\tc\n1\t2\t3"},
		{"keeps quoted commas and turns cell line breaks into spaces", "name,note\nx,\"one, two\nthree\"\n", "name\tnote\nx\tone, two three"},
		{"accepts rows of different lengths and drops empty ones", "a,b\n,,\nc\n", "a\tb\nc"},
		{"detects semicolon-separated files", "a;b\n1;2\n", "a\tb\n1\t2"},
		{"tolerates stray quotes", "a,b\"c\n", "a\tb\"c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), writeTemp(t, "t.csv", []byte(tc.data)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Pages) != 1 || doc.Pages[0].Text != tc.want {
				t.Errorf("pages = %+v, want %q", doc.Pages, tc.want)
			}
		})
	}
}

func TestFileDOCX(t *testing.T) {
	body := `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
		`<w:r><w:t>First paragraph</w:t></w:r><w:r><w:t xml:space="preserve"> continues.</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t xml:space="preserve">Edited: </w:t></w:r><w:del><w:r><w:delText>gone</w:delText></w:r></w:del><w:r><w:t>kept</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:p><w:r><w:t>A2</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B2</w:t></w:r></w:p><w:p><w:r><w:t>more</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><w:t>Line</w:t><w:br/><w:t>break</w:t><w:tab/><w:t>tab</w:t></w:r></w:p>` +
		`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:t>7</w:t></w:r></w:p>` +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>` +
		`<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>After the box</w:t></w:r></w:p>`
	rels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
	docRels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>`
	footnotes := `<w:footnotes ` + wordNS + `><w:footnote w:id="1"><w:p><w:r><w:t>A footnote.</w:t></w:r></w:p></w:footnote></w:footnotes>`
	core := `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>The Title</dc:title></cp:coreProperties>`

	p := writeTemp(t, "doc.docx", zipOf(t,
		"_rels/.rels", rels,
		"word/document.xml", wordDoc(body),
		"word/_rels/document.xml.rels", docRels,
		"word/footnotes.xml", footnotes,
		"docProps/core.xml", core))
	doc, err := File(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "First paragraph continues.\n\nEdited: kept\n\nA1\tB1\n\nA2\tB2 more\n\nLine\nbreak\ttab\n\n7\n\n" +
		"In a text box\n\nAfter the box\n\nA footnote."
	if doc.Title != "The Title" || len(doc.Pages) != 1 || doc.Pages[0].Number != 0 || doc.Pages[0].Text != want {
		t.Errorf("got title %q pages %+v\nwant text %q", doc.Title, doc.Pages, want)
	}
}

func TestFilePPTX(t *testing.T) {
	const pns = `xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" ` +
		`xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	slide := func(shapes string) string {
		return `<p:sld ` + pns + `><p:cSld><p:spTree>` + shapes + `</p:spTree></p:cSld></p:sld>`
	}
	shape := func(paras ...string) string {
		s := `<p:sp><p:txBody>`
		for _, para := range paras {
			s += `<a:p><a:r><a:t>` + para + `</a:t></a:r></a:p>`
		}
		return s + `</p:txBody></p:sp>`
	}
	pres := `<p:presentation ` + pns + `><p:sldIdLst><p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId2"/><p:sldId id="258" r:id="rId4"/></p:sldIdLst></p:presentation>`
	presRels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide1.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide2.xml"/>` +
		`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide3.xml"/></Relationships>`
	slide1Rels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide1.xml"/></Relationships>`
	notes := `<p:notes ` + pns + `><p:cSld><p:spTree>` + shape("Speaker note") +
		`<p:sp><p:txBody><a:p><a:fld id="{1}" type="slidenum"><a:t>2</a:t></a:fld></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>`
	table := `<p:graphicFrame><a:graphic><a:graphicData><a:tbl>` +
		`<a:tr><a:tc><a:txBody><a:p><a:r><a:t>h1</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>h2</a:t></a:r></a:p></a:txBody></a:tc></a:tr>` +
		`<a:tr><a:tc><a:txBody><a:p><a:r><a:t>v1</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>v2</a:t></a:r></a:p></a:txBody></a:tc></a:tr>` +
		`</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`

	p := writeTemp(t, "deck.pptx", zipOf(t,
		"ppt/presentation.xml", pres,
		"ppt/_rels/presentation.xml.rels", presRels,
		"ppt/slides/slide1.xml", slide(shape("Second slide", "two lines")),
		"ppt/slides/slide2.xml", slide(shape("First slide")+table),
		"ppt/slides/slide3.xml", slide(`<p:sp><p:txBody><a:p/></p:txBody></p:sp>`),
		"ppt/slides/_rels/slide1.xml.rels", slide1Rels,
		"ppt/notesSlides/notesSlide1.xml", notes))
	doc, err := File(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Page{
		{1, "First slide\n\nh1\th2\nv1\tv2"},
		{2, "Second slide\ntwo lines\n\nSpeaker note"},
	}
	if fmt.Sprint(doc.Pages) != fmt.Sprint(want) {
		t.Errorf("pages = %+v\nwant    %+v", doc.Pages, want)
	}
}

func TestFileXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"名前", "値", nil}))
	must(f.SetSheetRow("Sheet1", "A2", &[]any{"りんご", 3.5}))
	must(f.SetCellValue("Sheet1", "B4", "line\nbreak"))
	_, err := f.NewSheet("Empty")
	must(err)
	_, err = f.NewSheet("Third")
	must(err)
	must(f.SetCellValue("Third", "A1", "only cell"))
	p := filepath.Join(t.TempDir(), "book.xlsx")
	must(f.SaveAs(p))

	doc, err := File(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Page{{1, "名前\t値\nりんご\t3.5\n\tline break"}, {3, "only cell"}}
	if fmt.Sprint(doc.Pages) != fmt.Sprint(want) {
		t.Errorf("pages = %q\nwant    %q", fmt.Sprint(doc.Pages), fmt.Sprint(want))
	}
}

func TestFileEPUB(t *testing.T) {
	container := `<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0"><rootfiles>` +
		`<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`
	opf := `<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>A Book</dc:title></metadata>` +
		`<manifest><item id="c1" href="ch%201.xhtml" media-type="application/xhtml+xml"/>` +
		`<item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/>` +
		`<item id="css" href="style.css" media-type="text/css"/></manifest>` +
		`<spine><itemref idref="c2"/><itemref idref="css"/><itemref idref="c1"/></spine></package>`
	chapter := func(title, body string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>` + title +
			`</title></head><body>` + body + `</body></html>`
	}
	files := []string{
		"mimetype", "application/epub+zip",
		"META-INF/container.xml", container,
		"OEBPS/content.opf", opf,
		"OEBPS/ch 1.xhtml", chapter("One", "<h1>Chapter one</h1><p>Later in the spine.</p>"),
		"OEBPS/text/ch2.xhtml", chapter("Two", `<script src="a.js"/><p>First in the spine.</p>`),
		"OEBPS/style.css", "p { color: red }",
	}
	doc, err := File(context.Background(), writeTemp(t, "book.epub", zipOf(t, files...)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "First in the spine.\n\nChapter one\n\nLater in the spine."
	if doc.Title != "A Book" || len(doc.Pages) != 1 || doc.Pages[0].Text != want {
		t.Errorf("got title %q pages %+v, want %q", doc.Title, doc.Pages, want)
	}

	for _, tc := range []struct {
		name      string
		algorithm string
		wantErr   error
	}{
		{"fails on DRM-encrypted chapters", "http://www.w3.org/2001/04/xmlenc#aes128-cbc", ErrEncrypted},
		{"ignores obfuscated fonts", "http://www.idpf.org/2008/embedding", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := `<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">` +
				`<enc:EncryptedData><enc:EncryptionMethod Algorithm="` + tc.algorithm + `"/><enc:CipherData>` +
				`<enc:CipherReference URI="OEBPS/text/ch2.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>`
			p := writeTemp(t, "drm.epub", zipOf(t, append(files, "META-INF/encryption.xml", enc)...))
			_, err := File(context.Background(), p, Options{})
			if !errors.Is(err, tc.wantErr) && !(tc.wantErr == nil && err == nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// withFormat registers a fake format for one test.
func withFormat(t *testing.T, ext string, fn extractor) {
	t.Helper()
	formats[ext] = Format{Name: strings.TrimPrefix(ext, "."), fn: fn}
	t.Cleanup(func() { delete(formats, ext) })
}

func TestFileRecoversPanics(t *testing.T) {
	withFormat(t, ".boom", func(context.Context, string, Options) (Document, error) {
		var cells []string
		return Document{Title: cells[len(cells)-1]}, nil // a runtime panic, as a parsing library might hit
	})
	_, err := File(context.Background(), writeTemp(t, "x.boom", []byte("x")), Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("err = %v, want ErrCorrupt carrying the panic value", err)
	}
}

func TestFileCancellation(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	withFormat(t, ".hang", func(context.Context, string, Options) (Document, error) {
		<-release // a library stuck in a loop that ignores ctx
		return Document{}, nil
	})
	p := writeTemp(t, "x.hang", []byte("x"))

	for _, tc := range []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"returns at once when ctx is already cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"returns promptly when a stuck library outlives the deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := File(ctx, p, Options{})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}

	t.Run("gives up on a stuck library when the caller set no deadline", func(t *testing.T) {
		saved := stallTimeout
		stallTimeout = 200 * time.Millisecond
		defer func() { stallTimeout = saved }()
		start := time.Now()
		_, err := File(context.Background(), p, Options{})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "no progress for") {
			t.Fatalf("err = %v, want ErrCorrupt saying there was no progress", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	})

	t.Run("stops a PDF between pages when ctx is cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := extractPDF(ctx, writeTemp(t, "d.pdf", makePDF(textPage, textPage)), Options{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestFileIsSafeForConcurrentUse(t *testing.T) {
	paths := []string{
		writeTemp(t, "a.pdf", makePDF(textPage, textPage)),
		writeTemp(t, "b.docx", zipOf(t, "word/document.xml", wordDoc("<w:p><w:r><w:t>word</w:t></w:r></w:p>"))),
		writeTemp(t, "c.html", []byte("<p>page</p>")),
		writeTemp(t, "d.csv", []byte("a,b\n")),
	}
	errs := make(chan error, 4*len(paths))
	for range 4 {
		for _, p := range paths {
			go func() {
				_, err := File(context.Background(), p, Options{})
				errs <- err
			}()
		}
	}
	for range 4 * len(paths) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
