package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Reading and writing a whole collection at once, for knowledge packs
// (package pack; the library drives both). A Snapshot reads a collection as
// it stood at one moment, whatever writers do meanwhile; an Import writes
// one beside the index and names it at the end, so that a cancelled,
// failed or killed import leaves the index as it was.

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

// StagingPrefix starts the names of collections an Import is writing; no
// valid collection name starts with it, so they are listed nowhere until
// Commit names them.
const StagingPrefix = "~import-"

// Import writes a collection: nothing of it is seen, and nothing of a
// collection it replaces is lost, until Commit. It writes into a hidden
// staging collection in short transactions of a bounded batch each (the
// records of a batch are gathered in memory first, so no transaction waits
// on the pack being read), and other writers go on between them; Commit
// names the collection and removes the one it replaces in one last short
// transaction. Rollback, or Open after a kill (DropStagedImports), removes
// the staging collection. Documents, chunks and vectors are numbered 1, 2,
// ... in the order they are added, and pages, chunks and vectors refer to
// those numbers (the store's ids of the chunks, 8 bytes each, are held in
// memory for the vectors). Not safe for concurrent use.
type Import struct {
	s        *Store
	ctx      context.Context
	o        ImportOptions
	c        Collection // the staging collection
	setID    int64
	docIDs   []int64 // the store's id of each document, by number - 1
	chunkIDs []int64 // the same for chunks
	docs     int64   // documents added (some maybe still pending)
	chunks   int64
	vectors  int
	pending  []importOp
	size     int // bytes of text pending
	done     bool
}

// importOp is one row waiting in an Import's batch.
type importOp struct {
	doc   *Document
	page  *Page
	chunk *NewChunk
	num   int64 // the document (page, chunk) or chunk (vector) it belongs to
	vec   []byte
}

// Batch bounds: an Import writes when this many rows, or this many bytes
// of text, are waiting.
const (
	importBatchRows  = 2000
	importBatchBytes = 8 << 20
)

// BeginImport starts importing a collection under a staging name,
// StagingPrefix, this process's id, '-' and a number (see
// StagedImports). It fails with ErrExists when the name is taken and
// o.Replace is false (Commit checks again).
func (s *Store) BeginImport(ctx context.Context, o ImportOptions) (*Import, error) {
	if !ValidName(o.Name) {
		return nil, fmt.Errorf("collection name %q: use 1-64 letters, digits, spaces, '_', '.' or '-'", o.Name)
	}
	if (o.VectorModel == "") != (o.VectorDim <= 0) {
		return nil, fmt.Errorf("vectors of model %q with dimension %d", o.VectorModel, o.VectorDim)
	}
	if _, err := s.Collection(ctx, o.Name); err == nil && !o.Replace {
		return nil, fmt.Errorf("collection %q %w", o.Name, ErrExists)
	}
	im := &Import{s: s, ctx: ctx, o: o}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		name := fmt.Sprintf("%s%d-%d", StagingPrefix, os.Getpid(), time.Now().UnixNano())
		res, err := tx.ExecContext(ctx, `INSERT INTO collections(name, embed_model, created_at) VALUES(?, ?, ?)`, name, o.EmbedModel, now())
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
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import collection %q: %w", o.Name, err)
	}
	return im, nil
}

// add queues a row, writing the batch when it is full.
func (im *Import) add(op importOp, size int) error {
	if im.done {
		return errors.New("import: already committed or abandoned")
	}
	im.pending = append(im.pending, op)
	im.size += size
	if len(im.pending) >= importBatchRows || im.size >= importBatchBytes {
		return im.flush()
	}
	return nil
}

// flush writes the pending rows in one transaction.
func (im *Import) flush() error {
	if len(im.pending) == 0 {
		return nil
	}
	ctx := im.ctx
	err := im.s.inTx(ctx, func(tx *sql.Tx) error {
		st := map[string]*sql.Stmt{}
		defer func() {
			for _, s := range st {
				s.Close()
			}
		}()
		stmt := func(k, q string) (*sql.Stmt, error) {
			if s, ok := st[k]; ok {
				return s, nil
			}
			s, err := tx.PrepareContext(ctx, q)
			if err == nil {
				st[k] = s
			}
			return s, err
		}
		for _, op := range im.pending {
			switch {
			case op.doc != nil:
				d := op.doc
				s, err := stmt("doc", `INSERT INTO documents(collection_id, path, hash, size, mtime, status, error, title, pages, indexed_at)
					VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
				if err != nil {
					return err
				}
				res, err := s.ExecContext(ctx, im.c.ID, d.Path, d.Hash, d.Size, d.ModTime, d.Status, d.Error, d.Title, d.Pages, d.IndexedAt)
				if err != nil {
					return fmt.Errorf("import document %s: %w", d.Path, err)
				}
				id, err := res.LastInsertId()
				if err != nil {
					return err
				}
				im.docIDs = append(im.docIDs, id)
			case op.page != nil:
				s, err := stmt("page", `INSERT INTO pages(doc_id, page, text, ocr) VALUES(?, ?, ?, ?)`)
				if err != nil {
					return err
				}
				if _, err := s.ExecContext(ctx, im.docIDs[op.num-1], op.page.Number, op.page.Text, op.page.OCR); err != nil {
					return fmt.Errorf("import page %d: %w", op.page.Number, err)
				}
			case op.chunk != nil:
				c := op.chunk
				endPage := c.EndPage
				if endPage == c.Page {
					endPage = 0
				}
				s, err := stmt("chunk", `INSERT INTO chunks(doc_id, page, end_page, start, end, text) VALUES(?, ?, ?, ?, ?, ?)`)
				if err != nil {
					return err
				}
				res, err := s.ExecContext(ctx, im.docIDs[op.num-1], c.Page, endPage, c.Start, c.End, c.Text)
				if err != nil {
					return fmt.Errorf("import chunk: %w", err)
				}
				id, err := res.LastInsertId()
				if err != nil {
					return err
				}
				fts, err := stmt("fts", `INSERT INTO `+ftsTable(im.c.ID)+`(rowid, terms) VALUES(?, ?)`)
				if err != nil {
					return err
				}
				if _, err := fts.ExecContext(ctx, id, c.Terms); err != nil {
					return fmt.Errorf("import chunk: %w", err)
				}
				im.chunkIDs = append(im.chunkIDs, id)
			default:
				s, err := stmt("vec", `INSERT INTO vectors(chunk_id, set_id, vec) VALUES(?, ?, ?)`)
				if err != nil {
					return err
				}
				if _, err := s.ExecContext(ctx, im.chunkIDs[op.num-1], im.setID, op.vec); err != nil {
					return fmt.Errorf("import vector of chunk %d: %w", op.num, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import collection %q: %w", im.o.Name, err)
	}
	im.pending, im.size = im.pending[:0], 0
	return nil
}

// Document adds the next document (its ID and CollectionID are ignored)
// and returns its number.
func (im *Import) Document(d Document) (int64, error) {
	if d.Status == StatusIndexed {
		d.Status = StatusLexical // indexed is read back from the vectors
	}
	im.docs++
	return im.docs, im.add(importOp{doc: &d}, len(d.Path)+len(d.Title)+len(d.Error))
}

// Page adds a page of document doc (a number Document returned).
func (im *Import) Page(doc int64, p Page) error {
	if doc < 1 || doc > im.docs {
		return fmt.Errorf("import page: no document %d", doc)
	}
	return im.add(importOp{page: &p, num: doc}, len(p.Text))
}

// Chunk adds the next chunk, of document doc, with its full-text terms,
// and returns its number.
func (im *Import) Chunk(doc int64, c NewChunk) (int64, error) {
	if doc < 1 || doc > im.docs {
		return 0, fmt.Errorf("import chunk: no document %d", doc)
	}
	im.chunks++
	return im.chunks, im.add(importOp{chunk: &c, num: doc}, len(c.Text)+len(c.Terms))
}

// Vector adds the vector of chunk (a number Chunk returned).
func (im *Import) Vector(chunk int64, vec []float32) error {
	switch {
	case im.setID == 0:
		return errors.New("import vector: the collection was begun without vectors")
	case chunk < 1 || chunk > im.chunks:
		return fmt.Errorf("import vector: no chunk %d", chunk)
	case len(vec) != im.o.VectorDim:
		return fmt.Errorf("import vector: dimension %d, the set has %d", len(vec), im.o.VectorDim)
	}
	im.vectors++
	b := encodeVector(vec)
	return im.add(importOp{vec: b, num: chunk}, len(b))
}

// Commit makes the collection visible under its name (and the one it
// replaces gone) at once, in one short transaction. It returns the new
// collection, and the one replaced (ID 0 when none) so that the caller
// can drop its vectors from memory. It fails with ErrExists when the name
// was taken meanwhile and the import does not replace; the import is then
// abandoned.
func (im *Import) Commit() (c, replaced Collection, err error) {
	if err := im.flush(); err != nil {
		im.Rollback()
		return Collection{}, Collection{}, err
	}
	ctx := im.ctx
	err = im.s.inTx(ctx, func(tx *sql.Tx) error {
		var old Collection
		err := tx.QueryRowContext(ctx, `SELECT id, name FROM collections WHERE name = ?`, im.o.Name).Scan(&old.ID, &old.Name)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case !im.o.Replace:
			return fmt.Errorf("collection %q %w", im.o.Name, ErrExists)
		default:
			if err := dropCollection(ctx, tx, &old); err != nil {
				return err
			}
			replaced = old
		}
		// A pack carries a failed document's reason, not its kind.
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET error_kind = `+legacyErrorKind("error")+`
			WHERE collection_id = ? AND error != ''`, im.c.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE collections SET name = ?, created_at = ? WHERE id = ?`, im.o.Name, now(), im.c.ID)
		return err
	})
	if err != nil {
		im.Rollback()
		return Collection{}, Collection{}, fmt.Errorf("import collection %q: %w", im.o.Name, err)
	}
	im.done = true
	im.c.ActiveSet, im.c.EmbedDim, im.c.Vectors = im.setID, im.o.VectorDim, im.vectors
	if im.setID != 0 {
		im.c.EmbedModel = im.o.VectorModel
	}
	im.c.Documents, im.c.Chunks = int(im.docs), int(im.chunks)
	return im.c, replaced, nil
}

// Rollback abandons the import: the staging collection is removed and the
// index is as it was (even when the import's context has ended). It does
// nothing after Commit.
func (im *Import) Rollback() {
	if im.done {
		return
	}
	im.done = true
	im.pending = nil
	ctx := context.WithoutCancel(im.ctx)
	im.s.inTx(ctx, func(tx *sql.Tx) error {
		c := Collection{ID: im.c.ID}
		return dropCollection(ctx, tx, &c)
	})
}

// dropCollection deletes collection c (its ID) with everything in it,
// filling in its vector sets (for the caller to drop from memory).
func dropCollection(ctx context.Context, tx *sql.Tx, c *Collection) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, state FROM vector_sets WHERE collection_id = ?`, c.ID)
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
			c.ActiveSet = id
		} else {
			c.Building.ID = id
		}
	}
	rows.Close()
	for _, q := range []string{`DROP TABLE IF EXISTS ` + vocabTable(c.ID), `DROP TABLE IF EXISTS ` + ftsTable(c.ID)} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	// documents, pages, chunks, vector sets and vectors go by ON DELETE
	// CASCADE.
	_, err = tx.ExecContext(ctx, `DELETE FROM collections WHERE id = ?`, c.ID)
	return err
}

// StagedImport is an import's staging collection: the process writing it
// (which may be gone: killed).
type StagedImport struct {
	Name string
	PID  int
}

// StagedImports lists the staging collections of imports not committed,
// for DropStagedImport.
func (s *Store) StagedImports(ctx context.Context) ([]StagedImport, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM collections WHERE substr(name, 1, ?) = ?`, len(StagingPrefix), StagingPrefix)
	if err != nil {
		return nil, fmt.Errorf("list staged imports: %w", err)
	}
	defer rows.Close()
	var out []StagedImport
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		pid, _, _ := strings.Cut(strings.TrimPrefix(n, StagingPrefix), "-")
		p, _ := strconv.Atoi(pid)
		out = append(out, StagedImport{Name: n, PID: p})
	}
	return out, rows.Err()
}

// DropStagedImport removes the staging collection of an import that was
// killed (name as StagedImports lists it).
func (s *Store) DropStagedImport(ctx context.Context, name string) error {
	if !strings.HasPrefix(name, StagingPrefix) {
		return fmt.Errorf("%q is not a staged import", name)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var c Collection
		err := tx.QueryRowContext(ctx, `SELECT id FROM collections WHERE name = ?`, name).Scan(&c.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return dropCollection(ctx, tx, &c)
	})
}
