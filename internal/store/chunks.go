package store

import (
	"context"
	"fmt"
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
	// Hash is the content hash of the chunk's document: the same file
	// indexed under two paths has the same Hash.
	Hash string
}

// chunkColumns are the columns scanChunk reads, for a query over chunks k
// joined with documents d.
const chunkColumns = `k.id, k.doc_id, d.path, d.title, k.page, k.end_page, k.start, k.end, k.text,
	coalesce((SELECT p.ocr FROM pages p WHERE p.doc_id = k.doc_id AND p.page = k.page), 0), d.hash`

func scanChunk(sc interface{ Scan(...any) error }) (Chunk, error) {
	var c Chunk
	err := sc.Scan(&c.ID, &c.DocID, &c.Path, &c.Title, &c.Page, &c.EndPage, &c.Start, &c.End, &c.Text, &c.OCR, &c.Hash)
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
	rows, err := s.r.QueryContext(ctx, `SELECT `+chunkColumns+`
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
	rows, err := s.r.QueryContext(ctx, `SELECT rowid, bm25(`+ftsTable(collectionID)+`) FROM `+ftsTable(collectionID)+
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

// SearchLexicalIn is SearchLexical over the chunks of the given documents
// only: the best limit hits among them, not the best of the collection
// filtered afterwards.
func (s *Store) SearchLexicalIn(ctx context.Context, collectionID int64, match string, limit int, docIDs []int64) ([]Hit, error) {
	if match == "" || limit <= 0 || len(docIDs) == 0 {
		return nil, nil
	}
	fts := ftsTable(collectionID)
	args := []any{match}
	for _, id := range docIDs {
		args = append(args, id)
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, `SELECT f.rowid, bm25(`+fts+`) FROM `+fts+` f JOIN chunks k ON k.id = f.rowid
		WHERE `+fts+` MATCH ? AND k.doc_id IN (?`+strings.Repeat(",?", len(docIDs)-1)+`) ORDER BY bm25(`+fts+`) LIMIT ?`, args...)
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
		h.Score = -h.Score
		out = append(out, h)
	}
	return out, rows.Err()
}

// ChunkIDs returns the ids of the chunks of the given documents.
func (s *Store) ChunkIDs(ctx context.Context, docIDs []int64) ([]int64, error) {
	if len(docIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(docIDs))
	for i, id := range docIDs {
		args[i] = id
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM chunks WHERE doc_id IN (?`+strings.Repeat(",?", len(docIDs)-1)+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("chunks of documents: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
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
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		// An index written before the vocabulary view existed.
		if _, cerr := s.exec(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS `+vocabTable(collectionID)+` USING fts5vocab(`+ftsTable(collectionID)+`, 'row')`); cerr == nil {
			rows, err = s.r.QueryContext(ctx, q, args...)
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
