package store

import (
	"context"
	"testing"

	"github.com/kura-app/kura/internal/tokenize"
)

func TestPassagesAcrossPagesAndOCRPagesAreStored(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	doc := Document{CollectionID: c.ID, Path: "/docs/scan.pdf", Hash: "h", Status: StatusLexical, Pages: 2, OCRPages: []int{2}}
	pages := []Page{{Number: 1, Text: "続く文が"}, {Number: 2, Text: "ここで終わる。"}}
	text := "続く文がここで終わる。"
	_, _, added, err := s.PutDocument(ctx, doc, pages, []NewChunk{
		{Page: 1, EndPage: 2, Start: 0, End: 7, Text: text, Terms: tokenize.IndexText(text)},
		{Page: 2, Start: 0, End: 7, Text: pages[1].Text, Terms: tokenize.IndexText(pages[1].Text)},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Chunks(ctx, added)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Page != 1 || got[0].EndPage != 2 || got[0].OCR {
		t.Errorf("first chunk: pages %d-%d, OCR %v; want 1-2, not OCR", got[0].Page, got[0].EndPage, got[0].OCR)
	}
	if got[1].Page != 2 || got[1].EndPage != 2 || !got[1].OCR {
		t.Errorf("second chunk: pages %d-%d, OCR %v; want 2-2 from OCR", got[1].Page, got[1].EndPage, got[1].OCR)
	}
	d, err := s.DocumentByPath(ctx, c.ID, doc.Path)
	if err != nil {
		t.Fatal(err)
	}
	ocr, err := s.OCRPages(ctx, d.ID)
	if err != nil || !ocr[2] || ocr[1] {
		t.Errorf("OCR pages = %v, %v; want page 2 only", ocr, err)
	}
}

func TestOCRCacheOutlivesTheDocument(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	if err := s.PutOCRText(ctx, "h1", 3, "tesseract 5.3.0 jpn+eng", "認識した文"); err != nil {
		t.Fatal(err)
	}
	doc := Document{CollectionID: c.ID, Path: "/docs/scan.pdf", Hash: "h1", Status: StatusNeedsOCR, Error: "install"}
	if _, _, _, err := s.PutDocument(ctx, doc, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveDocument(ctx, c.ID, doc.Path); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		hash   string
		page   int
		engine string
		want   string
		ok     bool
	}{
		{"finds the page by content, page and engine", "h1", 3, "tesseract 5.3.0 jpn+eng", "認識した文", true},
		{"misses another page", "h1", 4, "tesseract 5.3.0 jpn+eng", "", false},
		{"misses another engine or language set", "h1", 3, "tesseract 5.3.0 kor", "", false},
		{"misses other content", "h2", 3, "tesseract 5.3.0 jpn+eng", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := s.OCRText(ctx, tc.hash, tc.page, tc.engine)
			if err != nil || got != tc.want || ok != tc.ok {
				t.Errorf("OCRText = %q, %v, %v; want %q, %v", got, ok, err, tc.want, tc.ok)
			}
		})
	}
}

func TestPendingOCRListsDocumentsWaitingForAnEngine(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	for _, d := range []Document{
		{Path: "/a/scan.pdf", Status: StatusNeedsOCR},
		{Path: "/a/mixed.pdf", Status: StatusLexical, OCRPending: 2},
		{Path: "/a/text.pdf", Status: StatusLexical},
	} {
		d.CollectionID = c.ID
		if _, _, _, err := s.PutDocument(ctx, d, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := s.PendingOCR(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range docs {
		paths = append(paths, d.Path)
	}
	if len(paths) != 2 || paths[0] != "/a/mixed.pdf" || paths[1] != "/a/scan.pdf" || docs[0].OCRPending != 2 {
		t.Errorf("pending = %v, want mixed.pdf (2 pages) and scan.pdf", paths)
	}
}

// TestMigratingAVersion3File opens an index written by the previous schema
// and checks that its chunks read as single-page passages.
func TestMigratingAVersion3File(t *testing.T) {
	ctx := context.Background()
	path := oldIndex(t, 3,
		`INSERT INTO collections(id, name, created_at) VALUES(1, 'default', 0)`,
		`CREATE VIRTUAL TABLE fts_1 USING fts5(terms, content='', contentless_delete=1, tokenize='ascii')`,
		`INSERT INTO documents(id, collection_id, path, status) VALUES(1, 1, '/a.pdf', 'lexical')`,
		`INSERT INTO pages(doc_id, page, text) VALUES(1, 5, 'old text')`,
		`INSERT INTO chunks(id, doc_id, page, start, end, text) VALUES(1, 1, 5, 0, 8, 'old text')`)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Chunks(ctx, []int64{1})
	if err != nil || len(got) != 1 || got[0].Page != 5 || got[0].EndPage != 5 || got[0].OCR {
		t.Fatalf("migrated chunk = %+v, %v; want page 5 to 5, not OCR", got, err)
	}
}
