package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/pathtext"
)

// indexed lists the paths `kura docs --json` prints, decoded.
func indexed(t *testing.T, data string) map[string]bool {
	t.Helper()
	code, out, errs := run(t, "docs", "--data", data, "--json")
	if code != ExitOK {
		t.Fatalf("docs: exit %d: %s", code, errs)
	}
	var list []struct{ Path string }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("docs --json %s: %v", out, err)
	}
	got := map[string]bool{}
	for _, d := range list {
		got[pathtext.Decode(d.Path)] = true
	}
	return got
}

// waitUntil polls cond until it holds; the deadline only stops a hung run.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 3 minutes", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lockedBuffer collects the output of a command running in the background.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWatch runs `kura watch ARGS` in the background until the test ends
// (or the returned function stops it) and returns its output so far.
func startWatch(t *testing.T, args ...string) (output func() string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan int, 1)
	a := &App{Open: testOpener, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}
	go func() { done <- a.Run(ctx, append([]string{"watch"}, args...)) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if code := <-done; code != ExitOK {
				t.Errorf("kura watch %v: exit %d:\n%s", args, code, out.String())
			}
		})
	}
	t.Cleanup(stop)
	return out.String, stop
}

// A folder named in Japanese or Korean is a folder like any other: a file
// deleted from it leaves the index (by ingest and by `kura watch`), and
// `--in FOLDER` restricts a search to it and not to a sibling whose name
// starts the same. Folder lookups once compared a count of characters with
// a count of bytes, and every non-ASCII folder matched nothing.
func TestFoldersNamedInJapaneseOrKoreanWorkLikeAnyOther(t *testing.T) {
	for _, name := range []string{"規程", "규정"} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			parent := filepath.Join(t.TempDir(), "データ")
			folder, sibling := filepath.Join(parent, name), filepath.Join(parent, name+"集")
			for p, text := range map[string]string{
				filepath.Join(folder, "keep.txt"):         "The first memo names the heron.",
				filepath.Join(folder, "gone.txt"):         "The second memo names the kingfisher.",
				filepath.Join(folder, "sub", "watch.txt"): "The third memo names the osprey.",
				filepath.Join(sibling, "other.txt"):       "A memo elsewhere also names the kingfisher.",
			} {
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if code, _, errs := run(t, "ingest", parent, "--data", data); code != ExitOK {
				t.Fatalf("ingest: exit %d: %s", code, errs)
			}
			code, out, errs := run(t, "search", "kingfisher", "--in", folder, "--data", data, "--json")
			var res SearchJSON
			if code != ExitOK || json.Unmarshal([]byte(out), &res) != nil {
				t.Fatalf("search --in %s: exit %d: %s%s", folder, code, out, errs)
			}
			if len(res.Results) != 1 || pathtext.Decode(res.Results[0].Path) != filepath.Join(folder, "gone.txt") {
				t.Fatalf("search --in %s found %+v, want gone.txt alone", folder, res.Results)
			}

			os.Remove(filepath.Join(folder, "gone.txt"))
			code, out, errs = run(t, "ingest", folder, "--data", data, "--json")
			var sum struct{ Removed int }
			if code != ExitOK || json.Unmarshal([]byte(out), &sum) != nil || sum.Removed != 1 {
				t.Fatalf("ingest after a deletion: exit %d, %s%s; want 1 removed", code, out, errs)
			}
			if docs := indexed(t, data); docs[filepath.Join(folder, "gone.txt")] || !docs[filepath.Join(sibling, "other.txt")] {
				t.Fatalf("after the deletion the index holds %v; want gone.txt gone and the sibling's file kept", docs)
			}

			output, _ := startWatch(t, folder, "--data", data)
			waitUntil(t, "kura watch starts", func() bool { return strings.Contains(output(), "Ctrl-C stops") })
			watched := filepath.Join(folder, "sub", "watch.txt")
			os.Remove(watched)
			waitUntil(t, "kura watch reports the removal of a file deleted from "+name, func() bool { return strings.Contains(output(), "removed 1") })
			if indexed(t, data)[watched] {
				t.Errorf("kura watch said %q, and the deleted file is still indexed", output())
			}
		})
	}
}

// A watched folder found empty while documents were indexed from it (an
// unmounted drive's mount point, a share that did not connect) keeps its
// documents, in `kura watch` (through the real watcher) and in `kura
// ingest`, and both say so; `kura rm FOLDER` then removes them on purpose.
// `kura watch` once printed "removed 2" and emptied the index.
func TestAFolderFoundEmptyKeepsItsDocumentsUntilRemoved(t *testing.T) {
	data, folder := t.TempDir(), t.TempDir()
	files := []string{filepath.Join(folder, "heron.txt"), filepath.Join(folder, "sub", "kingfisher.txt")}
	for _, p := range files {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("A memo that names the "+strings.TrimSuffix(filepath.Base(p), ".txt")+"."), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := run(t, "ingest", folder, "--data", data); code != ExitOK {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	output, stop := startWatch(t, folder, "--data", data)
	waitUntil(t, "kura watch starts", func() bool { return strings.Contains(output(), "Ctrl-C stops") })
	// Everything goes at once, as when a drive is unmounted.
	for _, p := range files {
		os.Remove(p)
	}
	os.Remove(filepath.Join(folder, "sub"))
	waitUntil(t, "kura watch says the folder is empty", func() bool { return strings.Contains(output(), "holds none of the 2 files") })
	stop()
	if out := output(); strings.Contains(out, "removed 2") || !strings.Contains(out, "kura rm "+folder) {
		t.Fatalf("kura watch said:\n%s\nwant the documents kept and how to remove them", out)
	}
	if docs := indexed(t, data); !docs[files[0]] || !docs[files[1]] {
		t.Fatalf("after the folder emptied the index holds %v; want both documents kept", docs)
	}
	code, _, errs := run(t, "ingest", folder, "--data", data)
	if code != ExitOK || !strings.Contains(errs, "holds none of the 2 files") {
		t.Fatalf("ingest of the empty folder: exit %d: %s; want a note that its documents are kept", code, errs)
	}
	code, out, _ := run(t, "watch", "--list", "--data", data)
	if code != ExitOK || !strings.Contains(out, "holds none of the 2 files") {
		t.Fatalf("watch --list: exit %d:\n%s\nwant the kept folder's reason", code, out)
	}
	if docs := indexed(t, data); len(docs) != 2 {
		t.Fatalf("after an ingest of the empty folder the index holds %v; want both documents kept", docs)
	}
	if code, _, errs := run(t, "rm", folder, "--data", data); code != ExitOK {
		t.Fatalf("rm of the folder: exit %d: %s", code, errs)
	}
	if docs := indexed(t, data); len(docs) != 0 {
		t.Fatalf("after rm of the folder the index holds %v; want nothing", docs)
	}
}

// A file appended to every half second does not stop the rest of its
// watched folder from syncing: a new file beside it is indexed by `kura
// watch` while the appending goes on. The folder once had to be quiet as a
// whole, so the new file waited for as long as the log was written.
func TestAFileAppendedWithoutPauseDoesNotHoldBackItsFolder(t *testing.T) {
	data, folder := t.TempDir(), t.TempDir()
	log := filepath.Join(folder, "log.txt")
	if err := os.WriteFile(log, []byte("The log begins.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	output, _ := startWatch(t, folder, "--data", data)
	waitUntil(t, "kura watch starts", func() bool { return strings.Contains(output(), "Ctrl-C stops") })
	stop, appended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(appended)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0); err == nil {
					f.WriteString("One more line.\n")
					f.Close()
				}
			}
		}
	}()
	defer func() { close(stop); <-appended }()
	memo := filepath.Join(folder, "memo.txt")
	os.WriteFile(memo, []byte("A new memo names the heron."), 0o644)
	waitUntil(t, "the new file is indexed while the log is appended to", func() bool { return indexed(t, data)[memo] })
}
