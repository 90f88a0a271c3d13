package library_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/testwait"
	"github.com/kura-app/kura/internal/watch"
)

// Follow's catch-up at its start syncs the folders followed in an earlier
// run, not one an ingest of this run just added and synced: a window that
// opens while a folder is being added (the app starts Follow in the
// background) shows no second job for it. That folder is still followed:
// its next change is synced.
func TestFollowCatchesUpOnlyWithTheFoldersOfAnEarlierRun(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	earlier, fresh := writeFolder(t, 1), writeFolder(t, 1)
	lib := openLib(data)
	if _, err := lib.Ingest(ctx, "default", []string{earlier}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	lib.Close()

	lib = openLib(data) // the next run
	defer lib.Close()
	if _, err := lib.Ingest(ctx, "default", []string{fresh}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	type sync struct {
		folder string
		at     time.Time
	}
	synced := make(chan sync, 10)
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- lib.Follow(fctx, library.FollowOptions{
			Sync: func(_ context.Context, _, folder string, _ []string) error {
				synced <- sync{folder, time.Now()}
				return nil
			},
			Watch: watch.Options{Debounce: 20 * time.Millisecond},
		})
	}()
	defer func() { cancel(); testwait.Recv(t, "Follow to return", done) }()

	if s := testwait.Recv(t, "the catch-up sync", synced); s.folder != earlier {
		t.Fatalf("the first sync is of %s, want the catch-up of the earlier run's %s, not the folder just ingested", s.folder, earlier)
	}
	changed := time.Now()
	if err := os.WriteFile(filepath.Join(fresh, "later.txt"), []byte("A later note."), 0o644); err != nil {
		t.Fatal(err)
	}
	s := testwait.Recv(t, "the sync of the changed folder", synced)
	if s.folder != fresh || s.at.Before(changed) {
		t.Fatalf("sync of %s at %v, want %s synced after its change at %v (and not before it)", s.folder, s.at, fresh, changed)
	}
}
