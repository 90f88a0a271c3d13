package store

import (
	"context"
	"fmt"
)

// Check verifies the index: SQLite's integrity check, each collection's
// full-text index against its chunks, and that no chunk is stored twice.
// It returns nil when everything is consistent, otherwise an error naming
// the first problem. It reads the whole index.
func (s *Store) Check(ctx context.Context) error {
	var res string
	if err := s.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	cols, err := s.Collections(ctx)
	if err != nil {
		return err
	}
	for _, c := range cols {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+ftsTable(c.ID)).Scan(&n); err != nil {
			return fmt.Errorf("collection %q: count full-text rows: %w", c.Name, err)
		}
		if n != c.Chunks {
			return fmt.Errorf("collection %q: %d full-text rows for %d chunks", c.Name, n, c.Chunks)
		}
		var orphans int
		err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+ftsTable(c.ID)+` f WHERE NOT EXISTS (SELECT 1 FROM chunks k WHERE k.id = f.rowid)`).Scan(&orphans)
		if err != nil {
			return fmt.Errorf("collection %q: %w", c.Name, err)
		}
		if orphans != 0 {
			return fmt.Errorf("collection %q: %d full-text rows without a chunk", c.Name, orphans)
		}
		var dups int
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM chunks k JOIN documents d ON d.id = k.doc_id
			WHERE d.collection_id = ? GROUP BY d.path, k.page, k.start, k.end HAVING count(*) > 1)`, c.ID).Scan(&dups)
		if err != nil {
			return err
		}
		if dups != 0 {
			return fmt.Errorf("collection %q: %d chunks stored more than once", c.Name, dups)
		}
		var empty int
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM documents d WHERE d.collection_id = ? AND d.status IN (?, ?)
			AND NOT EXISTS (SELECT 1 FROM chunks k WHERE k.doc_id = d.id)`, c.ID, StatusIndexed, StatusLexical).Scan(&empty)
		if err != nil {
			return err
		}
		if empty != 0 {
			return fmt.Errorf("collection %q: %d indexed documents without chunks", c.Name, empty)
		}
		var active int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM vector_sets WHERE collection_id = ? AND state = ?`, c.ID, SetActive).Scan(&active); err != nil {
			return err
		}
		if active > 1 {
			return fmt.Errorf("collection %q: %d active vector sets", c.Name, active)
		}
	}
	var stray int
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM vectors v JOIN vector_sets s ON s.id = v.set_id
		JOIN chunks k ON k.id = v.chunk_id JOIN documents d ON d.id = k.doc_id
		WHERE d.collection_id != s.collection_id OR length(v.vec) != 4 * s.dim`).Scan(&stray)
	if err != nil {
		return err
	}
	if stray != 0 {
		return fmt.Errorf("%d vectors of another collection or of the wrong dimension", stray)
	}
	return nil
}
