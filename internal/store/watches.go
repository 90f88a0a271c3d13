package store

import (
	"context"
	"fmt"
)

// schemaWatches records the folders each collection follows (see package
// watch): every folder added to a collection is watched until the user
// stops it.
var schemaWatches = []string{
	`CREATE TABLE watches(
		collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
		path TEXT NOT NULL,
		added_at INTEGER NOT NULL,
		last_sync INTEGER NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT '',
		PRIMARY KEY(collection_id, path)) WITHOUT ROWID`,
}

// schemaWatchMounts (version 9) records whether a watched folder was seen
// as a mount point (on another device than its parent): when it no longer
// is one, the drive is not mounted, and what the empty mount point shows
// says nothing about its files.
var schemaWatchMounts = []string{
	`ALTER TABLE watches ADD COLUMN mount_point INTEGER NOT NULL DEFAULT 0`,
}

// Watch is a folder a collection follows. LastSync is when it was last
// brought up to date (unix seconds, 0: never), LastError why the last sync
// failed ("" when it did not).
type Watch struct {
	Collection string
	Path       string
	AddedAt    int64
	LastSync   int64
	LastError  string
	// MountPoint is set once the folder has been seen as a mount point
	// (when added or synced); it stays set.
	MountPoint bool
}

// AddWatch makes the collection follow folder (an absolute path); adding
// one it follows already changes nothing but MountPoint, which mountPoint
// sets (never clears).
func (s *Store) AddWatch(ctx context.Context, collectionID int64, folder string, mountPoint bool) error {
	_, err := s.exec(ctx, `INSERT INTO watches(collection_id, path, added_at, mount_point) VALUES(?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET mount_point = max(mount_point, excluded.mount_point)`,
		collectionID, folder, now(), mountPoint)
	if err != nil {
		return fmt.Errorf("watch %s: %w", folder, err)
	}
	return nil
}

// RemoveWatch stops the collection following folder; the folder's
// documents stay indexed. A folder it does not follow is ErrNotFound.
func (s *Store) RemoveWatch(ctx context.Context, collectionID int64, folder string) error {
	res, err := s.exec(ctx, `DELETE FROM watches WHERE collection_id = ? AND path = ?`, collectionID, folder)
	if err != nil {
		return fmt.Errorf("stop watching %s: %w", folder, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("watched folder %s: %w", folder, ErrNotFound)
	}
	return nil
}

// Synced records the outcome of a sync of a watched folder at unix time
// when (errText "" for success).
func (s *Store) Synced(ctx context.Context, collectionID int64, folder string, when int64, errText string) error {
	_, err := s.exec(ctx, `UPDATE watches SET last_sync = ?, last_error = ? WHERE collection_id = ? AND path = ?`,
		when, errText, collectionID, folder)
	return err
}

// Watches lists the watched folders of every collection, by collection
// and path.
func (s *Store) Watches(ctx context.Context) ([]Watch, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.name, w.path, w.added_at, w.last_sync, w.last_error, w.mount_point
		FROM watches w JOIN collections c ON c.id = w.collection_id ORDER BY c.name, w.path`)
	if err != nil {
		return nil, fmt.Errorf("list watched folders: %w", err)
	}
	defer rows.Close()
	var out []Watch
	for rows.Next() {
		var w Watch
		if err := rows.Scan(&w.Collection, &w.Path, &w.AddedAt, &w.LastSync, &w.LastError, &w.MountPoint); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
