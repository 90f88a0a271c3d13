package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/tokenize"
)

func openTest(t *testing.T) (*Store, Collection) {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := s.EnsureCollection(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func chunk(text string, _ []float32) NewChunk {
	return NewChunk{Page: 1, Start: 0, End: len([]rune(text)), Text: text, Terms: tokenize.IndexText(text)}
}

func TestPutDocumentReplacesTheEarlierVersion(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	doc := Document{CollectionID: c.ID, Path: "/docs/a.txt", Hash: "h1", Status: StatusIndexed}
	_, _, added1, err := s.PutDocument(ctx, doc, []Page{{Number: 1, Text: "古い文書"}}, []NewChunk{chunk("古い文書", []float32{1, 0})})
	if err != nil {
		t.Fatal(err)
	}
	doc.Hash = "h2"
	_, removed, added2, err := s.PutDocument(ctx, doc, []Page{{Number: 1, Text: "新しい文書です"}}, []NewChunk{chunk("新しい文書です", []float32{0, 1}), chunk("二つ目", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != added1[0] || len(added2) != 2 {
		t.Fatalf("removed %v added %v, want the first version's chunk removed and two added", removed, added2)
	}
	docs, _ := s.Documents(ctx, c.ID, "")
	if len(docs) != 1 || docs[0].Hash != "h2" || docs[0].Chunks != 2 {
		t.Fatalf("documents = %+v, want one with hash h2 and 2 chunks", docs)
	}
	if hits, _ := s.SearchLexical(ctx, c.ID, tokenize.MatchQuery("古い"), 10); len(hits) != 0 {
		t.Fatalf("old text still matches: %v", hits)
	}
	hits, err := s.SearchLexical(ctx, c.ID, tokenize.MatchQuery("新しい"), 10)
	if err != nil || len(hits) != 1 || hits[0].ChunkID != added2[0] {
		t.Fatalf("hits = %v, %v; want the new chunk", hits, err)
	}
}

func TestLexicalSearchFindsJapaneseKoreanAndIDs(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	texts := []string{"生成AIの誤差について説明する。", "오픈소스 모델은 공개되어 있다.", "Ticket ABC-1234 was closed.", "Unrelated English text."}
	var chunks []NewChunk
	for _, tx := range texts {
		chunks = append(chunks, chunk(tx, nil))
	}
	_, _, ids, err := s.PutDocument(ctx, Document{CollectionID: c.ID, Path: "/d", Status: StatusLexical}, nil, chunks)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		want        int64
	}{
		{"a Japanese word inside a sentence", "誤差", ids[0]},
		{"a Korean word with a particle attached in the text", "모델", ids[1]},
		{"an exact ID with a dash", "abc-1234", ids[2]},
		{"full-width query for ASCII text", "ＡＢＣ－１２３４", ids[2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := s.SearchLexical(ctx, c.ID, tokenize.MatchQuery(tt.query), 5)
			if err != nil || len(hits) == 0 || hits[0].ChunkID != tt.want {
				t.Fatalf("hits = %v, %v; want chunk %d first", hits, err, tt.want)
			}
		})
	}
}

func TestRemoveDocumentClearsItsTerms(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	s.PutDocument(ctx, Document{CollectionID: c.ID, Path: "/a", Status: StatusLexical}, nil, []NewChunk{chunk("needle", nil)})
	if _, err := s.RemoveDocument(ctx, c.ID, "/a"); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.SearchLexical(ctx, c.ID, tokenize.MatchQuery("needle"), 5); len(hits) != 0 {
		t.Fatalf("removed document still matches")
	}
	if _, err := s.RemoveDocument(ctx, c.ID, "/a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v, want ErrNotFound", err)
	}
}

func TestDocumentsUnderAFolderExcludeSiblingPrefixes(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	for _, p := range []string{"/a/x.txt", "/a/b/y.txt", "/ab/z.txt"} {
		s.PutDocument(ctx, Document{CollectionID: c.ID, Path: p, Status: StatusLexical}, nil, nil)
	}
	docs, _ := s.Documents(ctx, c.ID, "/a")
	if len(docs) != 2 {
		t.Fatalf("got %d documents under /a, want 2", len(docs))
	}
}

func TestOpeningANewerSchemaFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.w.Exec(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`)
	s.Close()
	if _, err := Open(path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open = %v, want ErrNewerSchema", err)
	}
}

func TestCollectionNames(t *testing.T) {
	for name, ok := range map[string]bool{"default": true, "社内文書": true, "my docs-2": true, "": false, "../x": false, "a;drop": false} {
		if ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v, want %v", name, !ok, ok)
		}
	}
}

func TestCheckFindsAFullTextIndexOutOfStep(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	s.PutDocument(ctx, Document{CollectionID: c.ID, Path: "/a", Status: StatusLexical}, nil, []NewChunk{chunk("one", nil), chunk("three", nil)})
	if err := s.Check(ctx); err != nil {
		t.Fatalf("consistent index: %v", err)
	}
	s.w.Exec(`DELETE FROM ` + ftsTable(c.ID) + ` WHERE rowid = (SELECT min(id) FROM chunks)`)
	if err := s.Check(ctx); err == nil {
		t.Fatal("Check missed a chunk with no full-text row")
	}
}

func TestCountingVectorsUsesAnIndexNotTheVectors(t *testing.T) {
	s, _ := openTest(t)
	rows, err := s.r.Query(`EXPLAIN QUERY PLAN SELECT count(*) FROM vectors v WHERE v.set_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		rows.Scan(&id, &parent, &unused, &detail)
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "COVERING INDEX vectors_set") {
		t.Fatalf("the vector count reads the vectors (plan: %q); Collection runs it on every search", plan)
	}
}

func TestACopyHoldsWhatWasCommittedAndOpensAsAnIndex(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	if _, _, _, err := s.PutDocument(ctx, Document{CollectionID: c.ID, Path: "/kept.txt", Status: StatusLexical}, nil, nil); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := s.CopyTo(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := s.CopyTo(ctx, dst); err == nil {
		t.Fatal("a second copy over the first succeeded; want it refused")
	}
	copied, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	cc, err := copied.Collection(ctx, c.Name)
	if err != nil {
		t.Fatal(err)
	}
	if docs, err := copied.Documents(ctx, cc.ID, "/"); err != nil || len(docs) != 1 || docs[0].Path != "/kept.txt" {
		t.Fatalf("documents in the copy = %+v, %v; want /kept.txt", docs, err)
	}
}

func TestUpgradingAnOlderSchemaKeepsACopyOfTheFileFirst(t *testing.T) {
	path := oldIndex(t, 5, `INSERT INTO collections(id, name, created_at) VALUES(1, 'old', 0)`)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u := s.Upgraded()
	s.Close()
	if u.From != 5 || u.To != SchemaVersion || u.Backup == "" {
		t.Fatalf("Upgraded() = %+v, want from 5 to %d with a backup", u, SchemaVersion)
	}
	b, err := sql.Open("sqlite", "file:"+u.Backup)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var v, name string
	if err := b.QueryRow(`SELECT value FROM meta WHERE key='schema_version'`).Scan(&v); err != nil || v != "5" {
		t.Fatalf("the backup's schema version = %q, %v; want the old 5", v, err)
	}
	if err := b.QueryRow(`SELECT name FROM collections`).Scan(&name); err != nil || name != "old" {
		t.Fatalf("the backup's collection = %q, %v", name, err)
	}
	again, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if u := again.Upgraded(); u.From != 0 {
		t.Fatalf("opening the upgraded file again reports %+v; want no upgrade", u)
	}
}
