package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// putTexts stores one document with a chunk per text and returns the chunk ids.
func putTexts(t *testing.T, s *Store, c Collection, path string, texts ...string) []int64 {
	t.Helper()
	var chunks []NewChunk
	for _, tx := range texts {
		chunks = append(chunks, chunk(tx, nil))
	}
	_, _, ids, err := s.PutDocument(context.Background(), Document{CollectionID: c.ID, Path: path, Status: StatusLexical}, nil, chunks)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func vectorsOf(t *testing.T, s *Store, setID int64) map[int64][]float32 {
	t.Helper()
	out := map[int64][]float32{}
	if err := s.EachVector(context.Background(), setID, func(v Vector) error { out[v.ChunkID] = v.Vec; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTheFirstVectorSetAnswersAsItFills(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	ids := putTexts(t, s, c, "/a", "一つ目", "二つ目")
	set, err := s.EnsureVectorSet(ctx, c.ID, "m1", 2)
	if err != nil || set.State != SetActive {
		t.Fatalf("first set = %+v, %v; want an active set", set, err)
	}
	missing, err := s.MissingVectors(ctx, set.ID, 0, 10)
	if err != nil || len(missing) != 2 {
		t.Fatalf("missing = %d, %v; want both chunks", len(missing), err)
	}
	if got, err := s.SetVectors(ctx, set.ID, []Vector{{ids[0], []float32{1, 0}}}); err != nil || len(got) != 1 || got[0] != ids[0] {
		t.Fatalf("SetVectors = %v, %v; want the first chunk stored", got, err)
	}
	c, _ = s.Collection(ctx, "default")
	d, _ := s.DocumentByPath(ctx, c.ID, "/a")
	if c.EmbedModel != "m1" || c.Vectors != 1 || d.Status != StatusLexical || d.Vectors != 1 {
		t.Fatalf("collection %+v, document %+v; want m1 with 1 vector, the document still lexical", c, d)
	}
	if rest, _ := s.MissingVectors(ctx, set.ID, 0, 10); len(rest) != 1 || rest[0].ID != ids[1] {
		t.Fatalf("still missing = %+v; want the second chunk", rest)
	}
	if rest, _ := s.MissingVectors(ctx, set.ID, ids[1], 10); len(rest) != 0 {
		t.Fatalf("missing after the last chunk = %+v; want none", rest)
	}
	s.SetVectors(ctx, set.ID, []Vector{{ids[1], []float32{0, 1}}})
	if d, _ := s.DocumentByPath(ctx, c.ID, "/a"); d.Status != StatusIndexed {
		t.Fatalf("status with every vector = %s, want indexed", d.Status)
	}
}

func TestSetVectorsSkipsRemovedChunksAndRefusesAWrongDimension(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	ids := putTexts(t, s, c, "/a", "x")
	set, _ := s.EnsureVectorSet(ctx, c.ID, "m1", 2)
	if _, err := s.SetVectors(ctx, set.ID, []Vector{{ids[0], []float32{1, 2, 3}}}); err == nil {
		t.Fatal("a 3-dimension vector went into a 2-dimension set")
	}
	newIDs := putTexts(t, s, c, "/a", "y") // replaces the chunk
	if newIDs[0] == ids[0] {
		t.Fatalf("the new chunk took the removed chunk's id %d: a late vector would land on other text", ids[0])
	}
	if got, err := s.SetVectors(ctx, set.ID, []Vector{{ids[0], []float32{1, 2}}}); err != nil || len(got) != 0 {
		t.Fatalf("vector of a removed chunk: stored %v, %v; want none", got, err)
	}
	if got := vectorsOf(t, s, set.ID); len(got) != 0 {
		t.Fatalf("vectors = %v, want none", got)
	}
}

func TestANewModelBuildsBesideTheOldUntilComplete(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	ids := putTexts(t, s, c, "/a", "p", "q")
	old, _ := s.EnsureVectorSet(ctx, c.ID, "old", 2)
	s.SetVectors(ctx, old.ID, []Vector{{ids[0], []float32{1, 0}}, {ids[1], []float32{0, 1}}})

	next, err := s.EnsureVectorSet(ctx, c.ID, "new", 3)
	if err != nil || next.State != SetBuilding {
		t.Fatalf("second model's set = %+v, %v; want building", next, err)
	}
	s.SetVectors(ctx, next.ID, []Vector{{ids[0], []float32{1, 0, 0}}})
	if err := s.PromoteVectorSet(ctx, next.ID); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("promoting an incomplete set: %v, want ErrIncomplete", err)
	}
	c, _ = s.Collection(ctx, "default")
	if c.EmbedModel != "old" || c.Vectors != 2 || c.Building.Model != "new" || c.Building.Vectors != 1 {
		t.Fatalf("collection during the rebuild = %+v; want old answering with 2, new building with 1", c)
	}
	s.SetVectors(ctx, next.ID, []Vector{{ids[1], []float32{0, 1, 0}}})
	if err := s.PromoteVectorSet(ctx, next.ID); err != nil {
		t.Fatal(err)
	}
	c, _ = s.Collection(ctx, "default")
	if c.EmbedModel != "new" || c.EmbedDim != 3 || c.Vectors != 2 || c.Building.ID != 0 {
		t.Fatalf("collection after the switch = %+v; want new with 2 vectors, nothing building", c)
	}
	if got := vectorsOf(t, s, old.ID); len(got) != 0 {
		t.Fatalf("old vectors left: %d", len(got))
	}
}

func TestChoosingAThirdModelDropsTheHalfBuiltSecond(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	putTexts(t, s, c, "/a", "p")
	s.EnsureVectorSet(ctx, c.ID, "a", 2)
	b, _ := s.EnsureVectorSet(ctx, c.ID, "b", 2)
	cset, _ := s.EnsureVectorSet(ctx, c.ID, "c", 2)
	sets, _ := s.VectorSets(ctx, c.ID)
	if len(sets) != 2 || sets[0].Model != "a" || sets[1].ID != cset.ID || sets[1].ID == b.ID {
		t.Fatalf("sets = %+v; want a active and c building", sets)
	}
}

func TestAVersion3IndexKeepsItsVectors(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)`}
	stmts = append(stmts, schemaV1...)
	stmts = append(stmts, schemaV2...)
	stmts = append(stmts, schemaV3...)
	stmts = append(stmts,
		`INSERT INTO meta VALUES('schema_version', '3')`,
		`INSERT INTO collections(id, name, embed_model, embed_dim, created_at) VALUES(1, 'default', 'm', 2, 1)`,
		`CREATE VIRTUAL TABLE fts_1 USING fts5(terms, content='', contentless_delete=1, tokenize='ascii')`,
		`INSERT INTO documents(id, collection_id, path, status) VALUES(1, 1, '/a', 'indexed')`,
		fmt.Sprintf(`INSERT INTO chunks(id, doc_id, page, start, end, text, vector) VALUES(7, 1, 0, 0, 1, 'x', X'%s')`, "0000803F00000040"),
		`INSERT INTO chunks(id, doc_id, page, start, end, text) VALUES(8, 1, 0, 1, 2, 'y')`,
		`INSERT INTO fts_1(rowid, terms) VALUES(7, 'x'), (8, 'y')`,
	)
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Collection(ctx, "default")
	if err != nil || c.EmbedModel != "m" || c.EmbedDim != 2 || c.Vectors != 1 || c.Chunks != 2 || c.ChosenEmbedModel != "" {
		t.Fatalf("collection = %+v, %v; want model m, 1 vector of 2 chunks, no model chosen", c, err)
	}
	got := vectorsOf(t, s, c.ActiveSet)
	if v := got[7]; len(v) != 2 || v[0] != 1 || v[1] != 2 {
		t.Fatalf("migrated vector = %v, want [1 2]", got)
	}
	if d, _ := s.DocumentByPath(ctx, c.ID, "/a"); d.Status != StatusLexical || d.Vectors != 1 {
		t.Fatalf("document = %+v; want lexical with 1 vector", d)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// Many writers in one process queue for the one writer connection; none
// fails with "database is locked", however busy the machine.
func TestConcurrentWritersNeverSeeALockedDatabase(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				doc := Document{CollectionID: c.ID, Path: fmt.Sprintf("/d/%d-%d", g, i), Status: StatusLexical}
				if _, _, _, err := s.PutDocument(ctx, doc, nil, []NewChunk{chunk(fmt.Sprintf("text %d %d", g, i), nil)}); err != nil {
					errs <- err
				}
				if err := s.SetSetting(ctx, fmt.Sprintf("k%d", g), "v"); err != nil {
					errs <- err
				}
				if _, err := s.Documents(ctx, c.ID, ""); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if c, _ := s.Collection(ctx, "default"); c.Documents != 200 {
		t.Fatalf("documents = %d, want 200", c.Documents)
	}
}

// A writer in another process (here: another Store on the same file) that
// holds the write lock longer than SQLite's busy timeout is waited for,
// not failed; a writer whose context ends while waiting says why.
func TestAWriterWaitsForAnotherProcessHoldingTheLock(t *testing.T) {
	ctx := context.Background()
	saved := busyTimeout
	busyTimeout = 300 * time.Millisecond
	defer func() { busyTimeout = saved }()
	path := filepath.Join(t.TempDir(), "index.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Hold the lock through a raw transaction on a's writer, past b's
	// busy timeout (shortened for the test).
	tx, err := a.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO settings(key, value) VALUES('holder', 'a')`); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, busyTimeout*2/3)
	defer cancel()
	if err := b.SetSetting(short, "impatient", "b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a writer whose context ended while waiting: %v, want context.DeadlineExceeded", err)
	}
	done := make(chan error, 1)
	go func() { done <- b.SetSetting(ctx, "patient", "b") }()
	time.Sleep(3 * busyTimeout) // the lock outlasts the busy timeout: what is tested
	select {
	case err := <-done:
		t.Fatalf("the second writer finished while the lock was held: %v", err)
	default:
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the waiting writer failed: %v", err)
	}
	if v, _ := a.Setting(ctx, "patient"); v != "b" {
		t.Fatalf("setting = %q, want b", v)
	}
}
