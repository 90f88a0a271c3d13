package integration_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/testwait"
)

// lockedBuffer collects a process's output for reading while it runs.
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

// `kura watch FOLDER` applies a file added to the folder, one deleted from
// it and one renamed in it, within seconds, while another kura process
// searches the same data folder; what changed while nothing watched is
// caught up when watching starts again; `kura watch --stop` stops following
// it and keeps its documents.
func TestKuraWatchAppliesAddedAndDeletedFilesWithinSeconds(t *testing.T) {
	srv := ollamatest.Shared(t)
	data, folder := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(folder, "first.txt"), []byte("The first memo names the heron."), 0o644)
	cfg := testConfig(srv)
	cfgJSON, _ := json.Marshal(cfg)
	os.WriteFile(filepath.Join(data, "config.json"), cfgJSON, 0o644)

	// watch starts `kura watch ARGS`; the function it returns stops it
	// with Ctrl-C (SIGINT) and waits for it.
	watch := func(args ...string) func() {
		cmd := exec.Command(kuraBinary(t), append([]string{"watch"}, append(args, "--data", data, "--ollama", srv.URL)...)...)
		cmd.Env, cmd.Dir = kuraEnv(t, unusedURL(t)), t.TempDir()
		var out lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		stop := func() {
			once.Do(func() {
				cmd.Process.Signal(syscall.SIGINT)
				cmd.Wait()
				if t.Failed() {
					t.Logf("kura watch %v said:\n%s", args, out.String())
				}
			})
		}
		t.Cleanup(stop)
		return stop
	}
	stopFirst := watch(folder)
	foundIn := func(word string) []string {
		stdout, _, code := runKura(t, unusedURL(t), "search", word, "--json", "--data", data, "--ollama", srv.URL)
		var res cli.SearchJSON
		if code != cli.ExitOK || json.Unmarshal([]byte(stdout), &res) != nil {
			return nil
		}
		var paths []string
		for _, r := range res.Results {
			if strings.Contains(r.Text, word) {
				paths = append(paths, r.Path)
			}
		}
		return paths
	}
	found := func(word string) bool { return len(foundIn(word)) > 0 }
	within := func(what string, cond func() bool) {
		t.Helper()
		// On a busy machine a sync may take long; a quiet one takes the
		// 2-second debounce and an ingest.
		if !testwait.Poll(t, cond) {
			t.Fatalf("%s: not by the test's deadline", what)
		}
	}
	within("the folder indexed at the start", func() bool { return found("heron") })
	added := filepath.Join(folder, "sub", "added.txt")
	os.MkdirAll(filepath.Dir(added), 0o755)
	start := time.Now()
	os.WriteFile(added, []byte("A later memo names the kingfisher."), 0o644)
	within("a file added to a new subfolder is searchable", func() bool { return found("kingfisher") })
	t.Logf("an added file was searchable after %s", time.Since(start).Round(100*time.Millisecond))
	start = time.Now()
	os.Remove(added)
	within("a deleted file is no longer found", func() bool { return !found("kingfisher") })
	t.Logf("a deleted file was gone after %s", time.Since(start).Round(100*time.Millisecond))

	first, renamed := filepath.Join(folder, "first.txt"), filepath.Join(folder, "renamed.txt")
	start = time.Now()
	if err := os.Rename(first, renamed); err != nil {
		t.Fatal(err)
	}
	within("a renamed file is found under its new name only", func() bool {
		paths := foundIn("heron")
		return len(paths) == 1 && paths[0] == renamed
	})
	t.Logf("a renamed file was found under its new name after %s", time.Since(start).Round(100*time.Millisecond))

	// A change made while nothing watches is caught up when watching starts
	// again: `kura watch` alone follows every recorded folder.
	stopFirst()
	os.WriteFile(filepath.Join(folder, "later.txt"), []byte("A memo written while Kura was closed names the osprey."), 0o644)
	start = time.Now()
	watch()
	within("a file added while nothing watched is found once watching starts again", func() bool { return found("osprey") })
	t.Logf("a file added while Kura was closed was found %s after watching started again", time.Since(start).Round(100*time.Millisecond))

	stdout, _, code := runKura(t, unusedURL(t), "watch", "--list", "--json", "--data", data)
	if code != cli.ExitOK || !strings.Contains(stdout, folder) {
		t.Fatalf("watch --list: exit %d, %s; want the folder listed", code, stdout)
	}
	if _, stderr, code := runKura(t, unusedURL(t), "watch", "--stop", folder, "--data", data); code != cli.ExitOK {
		t.Fatalf("watch --stop: exit %d, %s", code, stderr)
	}
	if stdout, _, code := runKura(t, unusedURL(t), "watch", "--list", "--json", "--data", data); code != cli.ExitOK || strings.Contains(stdout, folder) {
		t.Fatalf("watch --list after --stop: exit %d, %s; want the folder gone", code, stdout)
	}
	if !found("heron") {
		t.Fatal("the documents of a folder no longer followed were removed; they stay indexed")
	}
}
