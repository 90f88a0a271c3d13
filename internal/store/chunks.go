package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Chunk is a stored passage with the document it came from. It starts at
// Start on Page and ends at End on EndPage (== Page unless the passage runs
// across a page break). OCR is set when its first page's text came from
// OCR.
type Chunk struct {
	ID         int64
	DocID      int64
	Path       string
	Title      string
	Page       int
	EndPage    int
	Start, End int
	Text       string
	OCR        bool
}

// chunkColumns are the columns scanChunk reads, for a query over chunks k
// joined with documents d.
const chunkColumns = `k.id, k.doc_id, d.path, d.title, k.page, k.end_page, k.start, k.end, k.text,
	coalesce((SELECT p.ocr FROM pages p WHERE p.doc_id = k.doc_id AND p.page = k.page), 0)`

func scanChunk(sc interface{ Scan(...any) error }) (Chunk, error) {
	var c Chunk
	err := sc.Scan(&c.ID, &c.DocID, &c.Path, &c.Title, &c.Page, &c.EndPage, &c.Start, &c.End, &c.Text, &c.OCR)
	if c.EndPage == 0 {
		c.EndPage = c.Page
	}
	return c, err
}

// Chunks returns the chunks with the given ids, in the order of ids; ids
// that do not exist (removed meanwhile) are left out.
func (s *Store) Chunks(ctx context.Context, ids []int64) ([]Chunk, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var b strings.Builder
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('?')
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+chunkColumns+`
		FROM chunks k JOIN documents d ON d.id = k.doc_id WHERE k.id IN (`+b.String()+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read chunks: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]Chunk, len(ids))
	for rows.Next() {
		c, err := scanChunk(rows)
		if err != nil {
			return nil, err
		}
		byID[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Chunk, 0, len(ids))
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// Hit is a lexical match: a chunk id and its BM25 score (higher is better).
type Hit struct {
	ChunkID int64
	Score   float64
}

// SearchLexical runs an FTS5 MATCH expression (see tokenize.MatchQuery)
// against the collection and returns up to limit hits, best first. An empty
// expression returns no hits.
func (s *Store) SearchLexical(ctx context.Context, collectionID int64, match string, limit int) ([]Hit, error) {
	if match == "" || limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rowid, bm25(`+ftsTable(collectionID)+`) FROM `+ftsTable(collectionID)+
		` WHERE `+ftsTable(collectionID)+` MATCH ? ORDER BY rank LIMIT ?`, match, limit)
	if err != nil {
		return nil, fmt.Errorf("lexical search: %w", err)
	}
	defer rows.Close()
	var out []Hit
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.ChunkID, &h.Score); err != nil {
			return nil, err
		}
		h.Score = -h.Score // FTS5's bm25 is lower-is-better
		out = append(out, h)
	}
	return out, rows.Err()
}

// DocFreq returns how many chunks of the collection contain each term
// (terms in no chunk are absent from the map).
func (s *Store) DocFreq(ctx context.Context, collectionID int64, terms []string) (map[string]int, error) {
	out := make(map[string]int, len(terms))
	if len(terms) == 0 {
		return out, nil
	}
	args := make([]any, len(terms))
	for i, t := range terms {
		args[i] = t
	}
	q := `SELECT term, doc FROM ` + vocabTable(collectionID) + ` WHERE term IN (?` + strings.Repeat(",?", len(terms)-1) + `)`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		// An index written before the vocabulary view existed.
		if _, cerr := s.db.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS `+vocabTable(collectionID)+` USING fts5vocab(`+ftsTable(collectionID)+`, 'row')`); cerr == nil {
			rows, err = s.db.QueryContext(ctx, q, args...)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("term frequencies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, rows.Err()
}

// Vector is a stored embedding with its chunk id.
type Vector struct {
	ChunkID int64
	Vec     []float32
}

// EachVector calls fn for every stored vector of the collection, in chunk
// order, streaming from disk. Each Vector holds a fresh slice that fn may
// keep.
func (s *Store) EachVector(ctx context.Context, collectionID int64, fn func(Vector) error) error {
	// A plain scan in rowid (chunk id) order: through the doc_id index
	// SQLite would sort every vector in a temporary file first.
	rows, err := s.db.QueryContext(ctx, `SELECT k.id, k.vector FROM chunks k NOT INDEXED
		WHERE k.vector IS NOT NULL AND k.doc_id IN (SELECT id FROM documents WHERE collection_id = ?)`, collectionID)
	if err != nil {
		return fmt.Errorf("read vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var blob sql.RawBytes // decoded in place: no copy of 3 KB per chunk
		if err := rows.Scan(&id, &blob); err != nil {
			return err
		}
		v, err := decodeVector(blob)
		if err != nil {
			return fmt.Errorf("chunk %d: %w", id, err)
		}
		if err := fn(Vector{ChunkID: id, Vec: v}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// MissingVectors returns up to limit chunks of the collection that have no
// vector yet (ingested while no embedding model was reachable, or dropped by
// a model change), in chunk order.
func (s *Store) MissingVectors(ctx context.Context, collectionID int64, limit int) ([]Chunk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+chunkColumns+`
		FROM chunks k JOIN documents d ON d.id = k.doc_id
		WHERE d.collection_id = ? AND k.vector IS NULL ORDER BY k.id LIMIT ?`, collectionID, limit)
	if err != nil {
		return nil, fmt.Errorf("find chunks without vectors: %w", err)
	}
	defer rows.Close()
	var out []Chunk
	for rows.Next() {
		c, err := scanChunk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetVectors stores vectors for existing chunks in one transaction and
// marks documents whose chunks all have vectors as indexed. Chunks removed
// meanwhile are skipped.
func (s *Store) SetVectors(ctx context.Context, vecs []Vector) error {
	if len(vecs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE chunks SET vector = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		ids := make([]string, 0, len(vecs))
		for _, v := range vecs {
			if _, err := st.ExecContext(ctx, encodeVector(v.Vec), v.ChunkID); err != nil {
				return err
			}
			ids = append(ids, strconv.FormatInt(v.ChunkID, 10))
		}
		_, err = tx.ExecContext(ctx, `UPDATE documents SET status = '`+StatusIndexed+`'
			WHERE status = '`+StatusLexical+`'
			AND id IN (SELECT doc_id FROM chunks WHERE id IN (`+strings.Join(ids, ",")+`))
			AND NOT EXISTS (SELECT 1 FROM chunks k WHERE k.doc_id = documents.id AND k.vector IS NULL)`)
		return err
	})
}

// encodeVector stores a vector as little-endian float32s; nil stays NULL.
func encodeVector(v []float32) any {
	if v == nil {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("vector of %d bytes is not a float32 array", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
