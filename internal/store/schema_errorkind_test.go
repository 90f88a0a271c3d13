package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// oldIndex writes an index of schema version with the statements in rows
// run after its tables are made, as an older Kura left it, and returns its
// path.
func oldIndex(t *testing.T, version int, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "index.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{`CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)`}
	for _, step := range schemaSteps[:version] {
		stmts = append(stmts, step...)
	}
	stmts = append(stmts, fmt.Sprintf(`INSERT INTO meta VALUES('schema_version', '%d')`, version))
	for _, q := range append(stmts, rows...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// legacyReasons are reasons as ingest stored them before kinds were
// stored, with the kind its parse told from each (the cases of the parse's
// own test, ingest.TestFailureKindsSurviveTheStoredReason, as it was).
var legacyReasons = []struct{ reason, kind string }{
	{"pdf: needs a password to open: encrypted", "encrypted"},
	{"no text", "no_text"},
	{"too large: big.pdf is larger than the 200 MiB limit", "too_large"},
	{"docx: word/document.xml holds a piece of XML longer than 4.0 MiB without markup: too large", "too_large"},
	{"epub: the spine lists no readable chapter: corrupt", "corrupt"},
	{"html: parse: bad token: corrupt", "corrupt"},
	{".xyz: unsupported format", "unsupported"},
	{"permission denied", "permission"},
	{"no such file", "missing"},
	{"gave up after 5m0s: the file takes too long to read", "timeout"},
	{"needs OCR (2 scanned pages): no OCR engine: install it with: sudo apt install tesseract-ocr", "needs_ocr"},
	{"pages 20–26 of 26 could not be read: the file is cut short", "damaged"},
	{"Encrypted", "encrypted"},
	{"named pipe, not a regular file: not read", ""},
	{"something else", ""},
}

// TestMigratingAVersion6FileStoresTheKindOfEachFailure opens an index of
// the previous schema whose failed documents have only their reason, and
// checks that each now has the kind the reason told.
func TestMigratingAVersion6FileStoresTheKindOfEachFailure(t *testing.T) {
	ctx := context.Background()
	var rows []string
	for i, c := range legacyReasons {
		rows = append(rows, fmt.Sprintf(`INSERT INTO documents(id, collection_id, path, status, error) VALUES(%d, 1, '/docs/%c', 'failed', '%s')`,
			i+1, 'a'+i, strings.ReplaceAll(c.reason, "'", "''")))
	}
	path := oldIndex(t, 6, append([]string{`INSERT INTO collections(id, name, created_at) VALUES(1, 'default', 0)`,
		`CREATE VIRTUAL TABLE fts_1 USING fts5(terms, content='', contentless_delete=1, tokenize='ascii')`}, rows...)...)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, c := range legacyReasons {
		d, err := s.DocumentByPath(ctx, 1, "/docs/"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if d.Error != c.reason || d.ErrorKind != c.kind {
			t.Errorf("migrated %q: kind %q, want %q", d.Error, d.ErrorKind, c.kind)
		}
	}
}

func TestADocumentKeepsTheKindOfItsFailure(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	doc := Document{CollectionID: c.ID, Path: "/docs/locked.pdf", Hash: "h", Status: StatusFailed, Error: "pdf: needs a password", ErrorKind: "encrypted"}
	if _, _, _, err := s.PutDocument(ctx, doc, nil, nil); err != nil {
		t.Fatal(err)
	}
	d, err := s.DocumentByPath(ctx, c.ID, doc.Path)
	if err != nil || d.ErrorKind != "encrypted" {
		t.Fatalf("read back kind %q, %v; want encrypted", d.ErrorKind, err)
	}
}

// A pack carries a failed document's reason, not its kind: the import
// tells the kind from the reason, as the migration does.
func TestAFailedDocumentImportedFromAPackHasItsKind(t *testing.T) {
	ctx := context.Background()
	src, c := openTest(t)
	for i, r := range legacyReasons {
		doc := Document{CollectionID: c.ID, Path: "/docs/" + string(rune('a'+i)), Hash: "h", Status: StatusFailed, Error: r.reason}
		if _, _, _, err := src.PutDocument(ctx, doc, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	dst, _ := openTest(t)
	if _, _, err := copyCollection(t, src, dst, c.Name, ImportOptions{Name: "imported"}); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Collection(ctx, "imported")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range legacyReasons {
		d, err := dst.DocumentByPath(ctx, got.ID, "/docs/"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if d.ErrorKind != r.kind {
			t.Errorf("imported %q: kind %q, want %q", d.Error, d.ErrorKind, r.kind)
		}
	}
}
