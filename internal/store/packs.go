package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Reading and writing a whole collection at once, for knowledge packs
// (package pack; the library drives both). A Snapshot reads a collection as
// it stood at one moment, whatever writers do meanwhile; an Import writes
// one in a single transaction, so that a cancelled, failed or killed
// import leaves the index as it was.

// Snapshot is one collection as it stood when the snapshot began: a read
// transaction (WAL keeps it consistent while others write). Close it.
type Snapshot struct {
	tx  *sql.Tx
	c   Collection
	set VectorSet // the active set; zero when none
}

// Snapshot starts reading the named collection, or fails with ErrNotFound.
func (s *Store) Snapshot(ctx context.Context, name string) (*Snapshot, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read collection %q: %w", name, err)
	}
	x := &Snapshot{tx: tx}
	// The first read fixes the snapshot; every later one sees the same.
	err = tx.QueryRowContext(ctx, `SELECT id, name, embed_model FROM collections WHERE name = ?`, name).
		Scan(&x.c.ID, &x.c.Name, &x.c.ChosenEmbedModel)
	if errors.Is(err, sql.ErrNoRows) {
		tx.Rollback()
		return nil, fmt.Errorf("collection %q: %w", name, ErrNotFound)
	}
	if err == nil {
		err = tx.QueryRowContext(ctx, `SELECT id, model, dim, state FROM vector_sets WHERE collection_id = ? AND state = ?`, x.c.ID, SetActive).
			Scan(&x.set.ID, &x.set.Model, &x.set.Dim, &x.set.State)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	}
	if err == nil {
		err = tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM documents WHERE collection_id = ?1),
			(SELECT count(*) FROM chunks k JOIN documents d ON d.id = k.doc_id WHERE d.collection_id = ?1),
			(SELECT count(*) FROM vectors WHERE set_id = ?2)`, x.c.ID, x.set.ID).Scan(&x.c.Documents, &x.c.Chunks, &x.set.Vectors)
	}
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("read collection %q: %w", name, err)
	}
	x.set.CollectionID = x.c.ID
	x.c.ActiveSet, x.c.EmbedModel, x.c.EmbedDim, x.c.Vectors = x.set.ID, x.set.Model, x.set.Dim, x.set.Vectors
	return x, nil
}

// Collection is the collection read, with its counts and active set.
func (x *Snapshot) Collection() Collection { return x.c }

// Pages counts the collection's pages.
func (x *Snapshot) Pages(ctx context.Context) (int, error) {
	var n int
	err := x.tx.QueryRowContext(ctx, `SELECT count(*) FROM pages p JOIN documents d ON d.id = p.doc_id WHERE d.collection_id = ?`, x.c.ID).Scan(&n)
	return n, err
}

// Close ends the snapshot.
func (x *Snapshot) Close() error { return x.tx.Rollback() }

// EachDocument calls fn for every document, in id order. Status is the
// stored one: "lexical" for a document whose vectors are all there too.
func (x *Snapshot) EachDocument(ctx context.Context, fn func(Document) error) error {
	rows, err := x.tx.QueryContext(ctx, `SELECT id, collection_id, path, hash, size, mtime, status, error, title, pages, indexed_at
		FROM documents WHERE collection_id = ? ORDER BY id`, x.c.ID)
	if err != nil {
		return fmt.Errorf("read documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.CollectionID, &d.Path, &d.Hash, &d.Size, &d.ModTime, &d.Status, &d.Error, &d.Title, &d.Pages, &d.IndexedAt); err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachPage calls fn for every page, by document id then page number.
func (x *Snapshot) EachPage(ctx context.Context, fn func(docID int64, p Page) error) error {
	rows, err := x.tx.QueryContext(ctx, `SELECT p.doc_id, p.page, p.text, p.ocr FROM pages p JOIN documents d ON d.id = p.doc_id
		WHERE d.collection_id = ? ORDER BY p.doc_id, p.page`, x.c.ID)
	if err != nil {
		return fmt.Errorf("read pages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc int64
		var p Page
		if err := rows.Scan(&doc, &p.Number, &p.Text, &p.OCR); err != nil {
			return err
		}
		if err := fn(doc, p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachChunk calls fn for every chunk, in id order (the order they were
// stored in, which breaks ranking ties).
func (x *Snapshot) EachChunk(ctx context.Context, fn func(Chunk) error) error {
	rows, err := x.tx.QueryContext(ctx, `SELECT k.id, k.doc_id, k.page, k.end_page, k.start, k.end, k.text FROM chunks k
		JOIN documents d ON d.id = k.doc_id WHERE d.collection_id = ? ORDER BY k.id`, x.c.ID)
	if err != nil {
		return fmt.Errorf("read chunks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Chunk
		if err := rows.Scan(&c.ID, &c.DocID, &c.Page, &c.EndPage, &c.Start, &c.End, &c.Text); err != nil {
			return err
		}
		if c.EndPage == 0 {
			c.EndPage = c.Page
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachVector calls fn for every vector of the active set, in the order
// they are stored (a plain scan: see Store.EachVector).
func (x *Snapshot) EachVector(ctx context.Context, fn func(Vector) error) error {
	if x.set.ID == 0 {
		return nil
	}
	return eachVector(ctx, x.tx, x.set.ID, fn)
}

// ImportOptions describe the collection an Import creates.
type ImportOptions struct {
	Name string
	// Replace deletes a collection of the same name in the same
	// transaction; without it an existing name fails with ErrExists.
	Replace bool
	// EmbedModel is recorded as the collection's own choice of embedding
	// model: the model of the vectors imported, so that the receiver never
	// re-embeds them for its own default.
	EmbedModel string
	// VectorModel and VectorDim describe the vectors to import (an active
	// set is created); "" and 0 for none.
	VectorModel string
	VectorDim   int
}

// ErrExists means a collection of that name exists already.
var ErrExists = errors.New("exists already")

// Import writes a collection in one transaction: nothing of it is seen,
// and nothing of a collection it replaces is lost, until Commit. It holds
// the store's write lock throughout (other writers wait). Documents,
// chunks and vectors are numbered 1, 2, ... in the order they are added,
// and pages, chunks and vectors refer to those numbers. Not safe for
// concurrent use.
type Import struct {
	ctx       context.Context
	tx        *sql.Tx
	c         Collection
	replaced  Collection // the collection replaced; ID 0 when none
	setID     int64
	model     string
	dim       int
	docBase   int64
	chunkBase int64
	docs      int64
	chunks    int64
	vectors   int
	st        map[string]*sql.Stmt
	done      bool
}

// BeginImport starts importing a collection. It fails with ErrExists when
// the name is taken and o.Replace is false.
func (s *Store) BeginImport(ctx context.Context, o ImportOptions) (*Import, error) {
	if !ValidName(o.Name) {
		return nil, fmt.Errorf("collection name %q: use 1-64 letters, digits, spaces, '_', '.' or '-'", o.Name)
	}
	if (o.VectorModel == "") != (o.VectorDim <= 0) {
		return nil, fmt.Errorf("vectors of model %q with dimension %d", o.VectorModel, o.VectorDim)
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("import collection %q: %w", o.Name, err)
	}
	im := &Import{ctx: ctx, tx: tx, model: o.VectorModel, dim: o.VectorDim, st: map[string]*sql.Stmt{}}
	if err := im.start(o); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("import collection %q: %w", o.Name, err)
	}
	return im, nil
}

func (im *Import) start(o ImportOptions) error {
	ctx, tx := im.ctx, im.tx
	var old Collection
	err := tx.QueryRowContext(ctx, `SELECT id, name FROM collections WHERE name = ?`, o.Name).Scan(&old.ID, &old.Name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	case !o.Replace:
		return fmt.Errorf("collection %q %w", o.Name, ErrExists)
	default:
		rows, err := tx.QueryContext(ctx, `SELECT id, state FROM vector_sets WHERE collection_id = ?`, old.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var state string
			if err := rows.Scan(&id, &state); err != nil {
				rows.Close()
				return err
			}
			if state == SetActive {
				old.ActiveSet = id
			} else {
				old.Building.ID = id
			}
		}
		rows.Close()
		for _, q := range []string{`DROP TABLE IF EXISTS ` + vocabTable(old.ID), `DROP TABLE IF EXISTS ` + ftsTable(old.ID)} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		// documents, pages, chunks, vector sets and vectors go by ON
		// DELETE CASCADE.
		if _, err := tx.ExecContext(ctx, `DELETE FROM collections WHERE id = ?`, old.ID); err != nil {
			return err
		}
		im.replaced = old
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO collections(name, embed_model, created_at) VALUES(?, ?, ?)`, o.Name, o.EmbedModel, now())
	if err != nil {
		return err
	}
	if im.c.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	im.c.Name, im.c.ChosenEmbedModel = o.Name, o.EmbedModel
	for _, q := range []string{
		`CREATE VIRTUAL TABLE ` + ftsTable(im.c.ID) + ` USING fts5(terms, content='', contentless_delete=1, tokenize='ascii')`,
		`CREATE VIRTUAL TABLE ` + vocabTable(im.c.ID) + ` USING fts5vocab(` + ftsTable(im.c.ID) + `, 'row')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if o.VectorModel != "" {
		res, err := tx.ExecContext(ctx, `INSERT INTO vector_sets(collection_id, model, dim, state, created_at) VALUES(?, ?, ?, ?, ?)`,
			im.c.ID, o.VectorModel, o.VectorDim, SetActive, now())
		if err != nil {
			return err
		}
		if im.setID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	// New rows are numbered after every id ever used: chunk ids are
	// never reused (the AUTOINCREMENT sequence counts deleted ones too).
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM documents`).Scan(&im.docBase); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT max(coalesce((SELECT max(id) FROM chunks), 0),
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'chunks'), 0))`).Scan(&im.chunkBase); err != nil {
		return err
	}
	queries := map[string]string{
		"doc": `INSERT INTO documents(id, collection_id, path, hash, size, mtime, status, error, title, pages, indexed_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		"page":  `INSERT INTO pages(doc_id, page, text, ocr) VALUES(?, ?, ?, ?)`,
		"chunk": `INSERT INTO chunks(id, doc_id, page, end_page, start, end, text) VALUES(?, ?, ?, ?, ?, ?, ?)`,
		"fts":   `INSERT INTO ` + ftsTable(im.c.ID) + `(rowid, terms) VALUES(?, ?)`,
		"vec":   `INSERT INTO vectors(chunk_id, set_id, vec) VALUES(?, ?, ?)`,
	}
	for k, q := range queries {
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		im.st[k] = st
	}
	return nil
}

// Document adds the next document (its ID and CollectionID are ignored)
// and returns its number.
func (im *Import) Document(d Document) (int64, error) {
	if d.Status == StatusIndexed {
		d.Status = StatusLexical // indexed is read back from the vectors
	}
	im.docs++
	_, err := im.st["doc"].ExecContext(im.ctx, im.docBase+im.docs, im.c.ID, d.Path, d.Hash, d.Size, d.ModTime, d.Status, d.Error, d.Title, d.Pages, d.IndexedAt)
	if err != nil {
		return 0, fmt.Errorf("import document %s: %w", d.Path, err)
	}
	return im.docs, nil
}

// Page adds a page of document doc (a number Document returned).
func (im *Import) Page(doc int64, p Page) error {
	if doc < 1 || doc > im.docs {
		return fmt.Errorf("import page: no document %d", doc)
	}
	if _, err := im.st["page"].ExecContext(im.ctx, im.docBase+doc, p.Number, p.Text, p.OCR); err != nil {
		return fmt.Errorf("import page %d: %w", p.Number, err)
	}
	return nil
}

// Chunk adds the next chunk, of document doc, with its full-text terms,
// and returns its number.
func (im *Import) Chunk(doc int64, c NewChunk) (int64, error) {
	if doc < 1 || doc > im.docs {
		return 0, fmt.Errorf("import chunk: no document %d", doc)
	}
	im.chunks++
	id := im.chunkBase + im.chunks
	endPage := c.EndPage
	if endPage == c.Page {
		endPage = 0
	}
	if _, err := im.st["chunk"].ExecContext(im.ctx, id, im.docBase+doc, c.Page, endPage, c.Start, c.End, c.Text); err != nil {
		return 0, fmt.Errorf("import chunk: %w", err)
	}
	if _, err := im.st["fts"].ExecContext(im.ctx, id, c.Terms); err != nil {
		return 0, fmt.Errorf("import chunk: %w", err)
	}
	return im.chunks, nil
}

// Vector adds the vector of chunk (a number Chunk returned).
func (im *Import) Vector(chunk int64, vec []float32) error {
	switch {
	case im.setID == 0:
		return errors.New("import vector: the collection was begun without vectors")
	case chunk < 1 || chunk > im.chunks:
		return fmt.Errorf("import vector: no chunk %d", chunk)
	case len(vec) != im.dim:
		return fmt.Errorf("import vector: dimension %d, the set has %d", len(vec), im.dim)
	}
	if _, err := im.st["vec"].ExecContext(im.ctx, im.chunkBase+chunk, im.setID, encodeVector(vec)); err != nil {
		return fmt.Errorf("import vector of chunk %d: %w", chunk, err)
	}
	im.vectors++
	return nil
}

// ChunkID is the store's id of chunk number n.
func (im *Import) ChunkID(n int64) int64 { return im.chunkBase + n }

// Commit makes the collection visible (and the one it replaces gone) at
// once. It returns the new collection, and the one replaced (ID 0 when
// none) so that the caller can drop its vectors from memory.
func (im *Import) Commit() (c, replaced Collection, err error) {
	im.closeStatements()
	im.done = true
	// A pack carries a failed document's reason, not its kind.
	if _, err := im.tx.ExecContext(im.ctx, `UPDATE documents SET error_kind = `+legacyErrorKind("error")+`
		WHERE collection_id = ? AND error != ''`, im.c.ID); err != nil {
		im.tx.Rollback()
		return Collection{}, Collection{}, fmt.Errorf("import collection %q: %w", im.c.Name, err)
	}
	if err := im.tx.Commit(); err != nil {
		return Collection{}, Collection{}, fmt.Errorf("import collection %q: %w", im.c.Name, err)
	}
	im.c.ActiveSet, im.c.EmbedDim, im.c.Vectors = im.setID, im.dim, im.vectors
	if im.setID != 0 {
		im.c.EmbedModel = im.model
	}
	im.c.Documents, im.c.Chunks = int(im.docs), int(im.chunks)
	return im.c, im.replaced, nil
}

// Rollback abandons the import: the index is as it was. It does nothing
// after Commit.
func (im *Import) Rollback() {
	if im.done {
		return
	}
	im.done = true
	im.closeStatements()
	im.tx.Rollback()
}

func (im *Import) closeStatements() {
	for _, st := range im.st {
		st.Close()
	}
}
