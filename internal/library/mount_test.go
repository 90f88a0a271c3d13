package library_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/watch"
)

// A watched folder that was a mount point and is not one when Kura starts
// (the drive is not mounted) keeps its documents, even when the folder
// under the mount holds a file of its own, and its watch says why; an
// ingest of it does the same. Judged by the device, not by emptiness:
// the mount point here is not empty. The mount itself is the one fake (a
// test cannot mount a drive).
func TestAWatchedMountPointKeepsItsDocumentsWhileUnmounted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	folder := t.TempDir()
	var mounted atomic.Bool
	mounted.Store(true)
	defer library.SetMountPoint(func(p string) bool { return p == folder && mounted.Load() })()
	files := []string{filepath.Join(folder, "heron.txt"), filepath.Join(folder, "kingfisher.txt")}
	for _, p := range files {
		if err := os.WriteFile(p, []byte("A memo that names the "+filepath.Base(p)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lib := emptyLibrary(t)
	if _, err := lib.Ingest(ctx, "default", []string{folder}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}

	// Unmounted: the drive's files are out of sight, and the folder under
	// the mount point holds a file of its own.
	mounted.Store(false)
	for _, p := range files {
		os.Remove(p)
	}
	os.WriteFile(filepath.Join(folder, "underneath.txt"), []byte("left on the disk under the mount point"), 0o644)

	done := make(chan error, 1)
	go func() {
		done <- lib.Follow(ctx, library.FollowOptions{Watch: watch.Options{Debounce: 100 * time.Millisecond}})
	}()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ws, err := lib.Watches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) == 1 && strings.Contains(ws[0].LastError, "not mounted") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watch of an unmounted folder says %+v; want why it is not synced", ws)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done

	ctx = context.Background()
	sum, err := lib.Ingest(ctx, "default", []string{folder}, library.IngestOptions{NoEmbedding: true}, nil)
	if err != nil || sum.Removed != 0 || sum.Added != 0 || !strings.Contains(strings.Join(sum.Warnings, "\n"), "not mounted") {
		t.Fatalf("ingest of the unmounted folder: %+v, %v; want nothing removed or added, and why", sum, err)
	}
	docs, err := lib.Documents(ctx, "default")
	if err != nil || len(docs) != 2 || docs[0].Path != files[0] || docs[1].Path != files[1] {
		t.Fatalf("documents while unmounted: %+v, %v; want the drive's two", docs, err)
	}
}
