// Package store is Kura's durable index: one SQLite file (pure Go, through
// modernc.org/sqlite) that holds collections, documents, page texts, chunks
// with their offsets and embedding vectors, and a full-text (FTS5) index of
// the chunks per collection.
//
// Why one SQLite file: every change a document makes (its row, pages, chunks,
// lexical terms and vectors) commits in one transaction, so a crash or a
// kill -9 at any moment leaves either the old or the new version of that
// document, never a mix. WAL journaling keeps readers unblocked while an
// ingest writes. The in-memory vector index (package vector) is rebuilt from
// the vectors stored here when a library is opened.
//
// One writer: a Store writes through a single connection, so writers in one
// process queue in Go (honouring their contexts) instead of racing for
// SQLite's write lock and failing with "database is locked" on a busy
// machine. Readers have a pool of their own and never wait for writers (WAL).
// Writers in other processes (a CLI ingest while the app runs) are waited
// for: a transaction that cannot take the lock retries until its context
// ends, however long the other process holds it.
//
// A Store is safe for concurrent use.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// SchemaVersion is the version of the tables this code reads and writes.
// Opening a file written by a newer Kura fails instead of damaging it; an
// older file is migrated forward. Version 2 added conversations, version 3
// an index that makes counting a collection's vectors cheap, version 4 moved
// vectors into sets of their own (one per embedding model, see vectors.go),
// version 5 records watched folders (watches.go), version 6 passages across
// pages and OCR (schema_ocr.go), version 7 an answer's sentence check
// (conversations.go), version 8 the kind of a document's failure
// (schema_errorkind.go), version 9 which watched folders are mount points
// (watches.go).
const SchemaVersion = 9

// ErrNotFound is returned when a named collection or document does not exist.
var ErrNotFound = errors.New("not found")

// ErrNewerSchema means the index was written by a newer version of Kura.
var ErrNewerSchema = errors.New("the index was written by a newer version of Kura")

// Store is an open index file.
type Store struct {
	r    *sql.DB // readers: a pool of query-only connections
	w    *sql.DB // the one writer connection
	path string
	// upgrade is what Open did to an older file (zero when nothing).
	upgrade Upgrade
}

// Upgrade says that Open brought an older index to SchemaVersion, and
// where the copy of the file it made first is.
type Upgrade struct {
	From, To int
	Backup   string // a consistent copy of the index as it was before
}

// Upgraded reports what Open did to an older index; From is 0 when the
// file was already at SchemaVersion or new.
func (s *Store) Upgraded() Upgrade { return s.upgrade }

// Open opens or creates the index at path (its folder is created). It
// migrates older schemas forward and refuses newer ones.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	// busy_timeout covers short waits on another process; inTx retries
	// beyond it for as long as the caller's context allows.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, path: path}
	if err := s.migrate(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s.r = r
	return s, nil
}

// CopyTo writes a consistent copy of the whole index to dst, a file
// that must not exist, while others keep reading and writing: SQLite's
// VACUUM INTO reads one transaction's view, so the copy holds every
// committed write up to some instant and none after. It runs on a
// connection of its own, so it does not hold up the writer.
func (s *Store) CopyTo(ctx context.Context, dst string) error {
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("copy the index %s: %w", s.path, err)
	}
	defer db.Close()
	return s.snapshot(ctx, db, dst)
}

func (s *Store) snapshot(ctx context.Context, db *sql.DB, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("copy the index: %s already exists", dst)
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("copy the index %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }

// Close closes the file. Pending transactions are rolled back.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

func (s *Store) migrate() error {
	if _, err := s.w.Exec(`CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return err
	}
	var v string
	err := s.w.QueryRow(`SELECT value FROM meta WHERE key='schema_version'`).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	have, _ := strconv.Atoi(v)
	if have < 0 {
		return fmt.Errorf("unknown schema version %q", v)
	}
	if have > SchemaVersion {
		return fmt.Errorf("%w (schema %d, this build reads %d): upgrade Kura", ErrNewerSchema, have, SchemaVersion)
	}
	if have == SchemaVersion {
		return nil
	}
	if have > 0 {
		// An upgrade cannot be undone by an older Kura: keep a copy of
		// the file as it was, beside it, before changing anything.
		backup := fmt.Sprintf("%s.schema%d-%s.bak", s.path, have, time.Now().UTC().Format("20060102T150405Z"))
		if err := s.snapshot(context.Background(), s.w, backup); err != nil {
			return fmt.Errorf("back up the index before upgrading it from schema %d: %w", have, err)
		}
		s.upgrade = Upgrade{From: have, To: SchemaVersion, Backup: backup}
	}
	tx, err := s.begin(context.Background())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Each step brings a file from the version before it to its own; a
	// new file runs them all. The version is recorded in the same
	// transaction, so a crash leaves the old schema or the new one.
	for i, step := range schemaSteps[have:] {
		for _, q := range step {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", have+i+1, err)
			}
		}
	}
	if _, err := tx.Exec(`INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)`, strconv.Itoa(SchemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// schemaSteps are the migration steps, step i bringing a file to version
// i+1.
var schemaSteps = [][]string{schemaV1, schemaV2, schemaV3, schemaV4, schemaWatches, schemaPagesOCR, schemaCheck, schemaErrorKind, schemaWatchMounts}

var schemaV1 = []string{
	`CREATE TABLE collections(
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE,
		embed_model TEXT NOT NULL DEFAULT '',
		embed_dim INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL)`,
	`CREATE TABLE documents(
		id INTEGER PRIMARY KEY,
		collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
		path TEXT NOT NULL,
		hash TEXT NOT NULL DEFAULT '',
		size INTEGER NOT NULL DEFAULT 0,
		mtime INTEGER NOT NULL DEFAULT 0,
		status TEXT NOT NULL,
		error TEXT NOT NULL DEFAULT '',
		title TEXT NOT NULL DEFAULT '',
		pages INTEGER NOT NULL DEFAULT 0,
		indexed_at INTEGER NOT NULL DEFAULT 0,
		UNIQUE(collection_id, path))`,
	`CREATE TABLE pages(
		doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
		page INTEGER NOT NULL,
		text TEXT NOT NULL,
		PRIMARY KEY(doc_id, page)) WITHOUT ROWID`,
	`CREATE TABLE chunks(
		id INTEGER PRIMARY KEY,
		doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
		page INTEGER NOT NULL,
		start INTEGER NOT NULL,
		end INTEGER NOT NULL,
		text TEXT NOT NULL,
		vector BLOB)`,
	`CREATE INDEX chunks_doc ON chunks(doc_id)`,
	`CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
}

// schemaV3 indexes the chunks that have a vector: Collection counts them on
// every search, and without the index that count reads every vector (about
// 170 ms at 100k chunks instead of 13 ms).
var schemaV3 = []string{
	`CREATE INDEX chunks_vec ON chunks(doc_id) WHERE vector IS NOT NULL`,
}

// ftsTable names the full-text table of a collection. One table per
// collection keeps BM25 statistics and LIMIT per collection.
func ftsTable(collectionID int64) string { return "fts_" + strconv.FormatInt(collectionID, 10) }

func now() int64 { return time.Now().Unix() }

// inTx runs fn in one write transaction and commits it; any error rolls
// everything back. It waits for the write lock as long as ctx allows (see
// begin).
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// busyTimeout is SQLite's busy_timeout: how long one statement waits for
// another process's write lock before begin's own retries take over. A
// variable so a test can outwait it in less than five seconds.
var busyTimeout = 5 * time.Second

// begin starts a write transaction on the writer connection. The
// transaction takes SQLite's write lock at once (BEGIN IMMEDIATE), so a
// writer in another process can only make BEGIN wait, never a statement
// halfway through; when busy_timeout runs out, begin tries again until ctx
// ends.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	for {
		tx, err := s.w.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) {
			return tx, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for another Kura process to finish writing the index: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked" (any of the
// SQLITE_BUSY codes).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// exec runs one writing statement in a transaction of its own.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// Setting returns a stored key/value setting ("" when unset). Settings are
// small facts the engine learns, such as a model's tokens-per-byte ratio.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key=?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a key/value setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.exec(ctx, `INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, key, value)
	return err
}
