package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/testwait"
)

// runWithin runs a job and fails the test if it has not returned after a
// generous ceiling: the point is that it ends, not how fast.
func runWithin(t *testing.T, j *Job, ctx context.Context, paths ...string) (Summary, error) {
	t.Helper()
	type result struct {
		s   Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := j.Run(ctx, paths)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-testwait.After(t):
		t.Fatal("the job is still running at the test's deadline: it hangs")
		return Summary{}, nil
	}
}

func TestPathsThatAreNotRegularFilesAreRefusedAtOnceWithTheirReason(t *testing.T) {
	f := newFixture(t)
	fifo := filepath.Join(f.dir, "pipe.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(f.dir, "zero.txt")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	f.write(t, "real.txt", "a real document")
	outside := f.write(t, "elsewhere/target.txt", "linked to")
	os.Symlink(outside, filepath.Join(f.dir, "link.txt"))

	for _, tc := range []struct {
		name   string
		paths  []string
		reason map[string]string // base name -> words in its reason
		added  int
	}{
		{"a named pipe given by path", []string{fifo}, map[string]string{"pipe.txt": "named pipe"}, 0},
		{"a link to /dev/zero given by path", []string{zero}, map[string]string{"zero.txt": "character device"}, 0},
		{"a folder holding a pipe, a device link and a file link", []string{f.dir}, map[string]string{
			"pipe.txt": "named pipe", "zero.txt": "symbolic link", "link.txt": "symbolic link"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := f.st.Collection(context.Background(), "default")
			j := &Job{Store: f.st, Index: f.idx, Collection: c}
			s, err := runWithin(t, j, context.Background(), tc.paths...)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, fl := range s.Failed {
				got[filepath.Base(fl.Path)] = fl.Reason
			}
			for _, w := range s.Warnings { // links in folders are noted, not failed
				if path, note, ok := strings.Cut(w, ": a symbolic link"); ok {
					got[filepath.Base(path)] = "a symbolic link" + note
				}
			}
			for name, words := range tc.reason {
				if !strings.Contains(got[name], words) {
					t.Errorf("%s: reason %q, want it to say %q (all: %v)", name, got[name], words, got)
				}
			}
			if s.Added != tc.added {
				t.Errorf("added %d, want %d", s.Added, tc.added)
			}
		})
	}
}

func TestCancellingAJobStopsItsReads(t *testing.T) {
	f := newFixture(t)
	// Long enough that reading and storing it takes a while.
	line := strings.Repeat("誤差範囲について説明します。measurement error. ", 4) + "\n"
	p := filepath.Join(f.dir, "long.txt")
	w, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	for range (64 << 20) / len(line) {
		w.WriteString(line)
	}
	w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	// Reading and storing 64 MiB takes seconds; the cancel comes while the
	// file is being read, as a Ctrl-C does.
	time.AfterFunc(100*time.Millisecond, cancel)
	j := &Job{Store: f.st, Index: f.idx, Collection: f.coll}
	s, err := runWithin(t, j, ctx, p)
	if !errors.Is(err, context.Canceled) || !s.Canceled {
		t.Fatalf("err %v, summary %+v; want the job cancelled", err, s)
	}
	if _, err := f.st.DocumentByPath(context.Background(), f.coll.ID, p); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a cancelled file was stored: %v", err)
	}
}

func TestConcurrentJobsOverTheSameFilesCountEachFileOnce(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		f.write(t, fmt.Sprintf("doc%d.txt", i), fmt.Sprintf("document %d about the same folder", i))
	}
	shared := NewShared(0)
	var (
		mu    sync.Mutex
		total Summary
		wg    sync.WaitGroup
	)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := &Job{Store: f.st, Index: f.idx, Collection: f.coll, Shared: shared}
			s, err := j.Run(context.Background(), []string{f.dir})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			total.Added += s.Added
			total.Updated += s.Updated
			total.Unchanged += s.Unchanged
			total.Failed = append(total.Failed, s.Failed...)
		}()
	}
	wg.Wait()
	if total.Added != 5 || total.Updated != 0 || total.Unchanged != 245 || len(total.Failed) != 0 {
		t.Fatalf("added %d, updated %d, unchanged %d, failed %v; want 5 added and 245 unchanged",
			total.Added, total.Updated, total.Unchanged, total.Failed)
	}
	docs, _ := f.st.Documents(context.Background(), f.coll.ID, "")
	if len(docs) != 5 {
		t.Fatalf("%d documents, want 5", len(docs))
	}

	os.Remove(filepath.Join(f.dir, "doc0.txt"))
	removed := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := &Job{Store: f.st, Index: f.idx, Collection: f.coll, Shared: shared}
			s, err := j.Run(context.Background(), []string{f.dir})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			removed += s.Removed
		}()
	}
	wg.Wait()
	if removed != 1 {
		t.Fatalf("ten jobs removed %d documents in all, want the one file that went, counted once", removed)
	}
}

func TestATextTooLongToHoldIsStoredInSections(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	for i := 0; b.Len() < 5<<20; i++ {
		fmt.Fprintf(&b, "Entry %d: 測定の不確かさ %d について。\n", i, i)
	}
	fmt.Fprintf(&b, "The last line names UNIQUE-TOKEN-42.\n")
	p := f.write(t, "big.log.txt", b.String())
	s := f.run(t, Options{HeldText: 1 << 20, Chunk: chunk.Options{Size: 2000, Overlap: 0}}, p)
	if s.Added != 1 || len(s.Failed) != 0 {
		t.Fatalf("summary %+v, want the file added", s)
	}
	d, err := f.st.DocumentByPath(context.Background(), f.coll.ID, p)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pages < 4 || d.Status != store.StatusLexical {
		t.Fatalf("document %+v, want several sections, keyword-searchable (its vectors come afterwards)", d)
	}
	if s.Chunks != d.Chunks {
		t.Fatalf("summary counts %d chunks, the document has %d", s.Chunks, d.Chunks)
	}
	pages, _ := f.st.Pages(context.Background(), d.ID)
	last := pages[len(pages)-1]
	if last.Number != len(pages) || !strings.Contains(last.Text, "UNIQUE-TOKEN-42") {
		t.Fatalf("last section %d of %d does not end the text", last.Number, len(pages))
	}

	t.Run("a file over the passage budget fails with the budget named and keeps nothing half-written", func(t *testing.T) {
		s := f.run(t, Options{HeldText: 1 << 20, MaxPassages: 1000, Force: true, Chunk: chunk.Options{Size: 2000, Overlap: 0}}, p)
		if len(s.Failed) != 1 || !strings.Contains(s.Failed[0].Reason, "more than 1000 passages") {
			t.Fatalf("failed %+v, want the passage budget named", s.Failed)
		}
		d, _ := f.st.DocumentByPath(context.Background(), f.coll.ID, p)
		if d.Status != store.StatusFailed || d.Chunks != 0 {
			t.Fatalf("document %+v, want recorded as failed with no chunks", d)
		}
	})
}
