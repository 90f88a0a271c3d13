package cli

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
)

func TestABackupTakenWhileKuraRunsRestoresIntoAnEmptyFolderOnly(t *testing.T) {
	data, docs := corpus(t)
	if code, _, errs := run(t, "ingest", docs, "--data", data); code != ExitOK {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	cfg := config.Default()
	cfg.TopK = 11
	if err := config.Save(data, cfg); err != nil {
		t.Fatal(err)
	}
	// Another Kura has the library open, as the window would.
	client, _ := llm.New("http://127.0.0.1:1")
	running, err := library.Open(context.Background(), data, cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()

	out := filepath.Join(t.TempDir(), "kura.backup")
	code, stdout, errs := run(t, "backup", "--out", out, "--data", data)
	if code != ExitOK || !strings.Contains(stdout, "backed up the library of "+data) {
		t.Fatalf("backup: exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	if code, _, errs := run(t, "backup", "--out", out, "--data", data); code != ExitFailure || !strings.Contains(errs, "exists already") {
		t.Fatalf("a second backup over the first: exit %d, stderr %q; want it refused", code, errs)
	}

	if code, _, errs := run(t, "restore", out, "--data", data); code != ExitFailure || !strings.Contains(errs, "already holds a library") {
		t.Fatalf("restore over a library: exit %d, stderr %q; want it refused in words", code, errs)
	}
	fresh := filepath.Join(t.TempDir(), "new")
	code, stdout, errs = run(t, "restore", out, "--data", fresh, "--json")
	var got BackupJSON
	if code != ExitOK || json.Unmarshal([]byte(stdout), &got) != nil || got.Files < 2 {
		t.Fatalf("restore: exit %d, stdout %q, stderr %q; want the index and the settings", code, stdout, errs)
	}
	if c, err := config.Load(fresh); err != nil || c.TopK != 11 {
		t.Fatalf("restored settings = %+v, %v; want top_k 11", c, err)
	}
	_, want, _ := run(t, "search", "回答者", "--data", data, "--json")
	code, restored, errs := run(t, "search", "回答者", "--data", fresh, "--json")
	if code != ExitOK || restored != want || !strings.Contains(restored, "ja.txt") {
		t.Fatalf("search in the restored library: exit %d, %q (stderr %q); want what the original gives: %q", code, restored, errs, want)
	}
}

// writeBackup writes a backup file with the given manifest and entries.
func writeBackup(t *testing.T, m library.BackupManifest, entries map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "b.backup")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	b, _ := json.Marshal(m)
	tw.WriteHeader(&tar.Header{Name: library.BackupManifestName, Mode: 0o600, Size: int64(len(b))})
	tw.Write(b)
	for name, body := range entries {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	f.Close()
	return p
}

func TestARestoreRefusesANewerLibraryAndForeignNamesInWordsAndWritesNothing(t *testing.T) {
	for _, c := range []struct {
		name    string
		m       library.BackupManifest
		entries map[string]string
		want    string
	}{
		{"a library from a newer Kura", library.BackupManifest{Format: 1, Kura: "9.0.0", Schema: 99}, map[string]string{"index.db": "x"},
			"install Kura 9.0.0 or later"},
		{"a path out of the folder", library.BackupManifest{Format: 1, Kura: "0.1.0", Schema: 1}, map[string]string{"packs/../../evil": "x"},
			"which no Kura backup holds"},
		{"a file no backup holds", library.BackupManifest{Format: 1, Kura: "0.1.0", Schema: 1}, map[string]string{".bashrc": "x"},
			"which no Kura backup holds"},
		{"no index", library.BackupManifest{Format: 1, Kura: "0.1.0", Schema: 1}, map[string]string{"config.json": "{}"},
			"has no index.db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := writeBackup(t, c.m, c.entries)
			dir := filepath.Join(t.TempDir(), "data")
			code, _, errs := run(t, "restore", file, "--data", dir)
			if code != ExitFailure || !strings.Contains(errs, c.want) {
				t.Fatalf("restore: exit %d, stderr %q; want it refused with %q", code, errs, c.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("a refused restore left %v in the data folder", entries)
			}
		})
	}
	notABackup := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notABackup, []byte("hello"), 0o644)
	if code, _, errs := run(t, "restore", notABackup, "--data", t.TempDir()); code != ExitFailure || !strings.Contains(errs, "is not a Kura backup") {
		t.Fatalf("restore of a text file: exit %d, stderr %q", code, errs)
	}
}

func TestALibraryFromANewerKuraIsRefusedInWordsNotACrash(t *testing.T) {
	data, docs := corpus(t)
	if code, _, errs := run(t, "ingest", docs, "--data", data); code != ExitOK {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, library.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, errs := run(t, "docs", "--data", data)
	if code != ExitFailure || !strings.Contains(errs, "newer version of Kura") || !strings.Contains(errs, "upgrade Kura") || strings.Contains(errs, "panic") {
		t.Fatalf("docs on a newer library: exit %d, stderr %q; want a refusal in words", code, errs)
	}
}
