package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/pack"
)

// A named pipe or a device given as the pack, the key, or the passphrase
// file is refused at once, by what it is, instead of blocking the import
// (and Ctrl-C with it) or reading without end.
func TestPackImportRefusesAPipeOrADeviceAtOnce(t *testing.T) {
	data, docs := corpus(t)
	if code, _, errs := run(t, "ingest", docs, "--data", data); code != ExitOK {
		t.Fatalf("ingest: %s", errs)
	}
	secret, public, err := pack.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kpack := filepath.Join(dir, "docs.kpack")
	if code, _, errs := run(t, "pack", "export", "--data", data, "--collection", "default", "--out", kpack, "--recipient", public); code != ExitOK {
		t.Fatalf("export: %s", errs)
	}
	passFile := filepath.Join(dir, "pass.txt")
	if err := os.WriteFile(passFile, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sealed := filepath.Join(dir, "pass.kpack")
	if code, _, errs := run(t, "pack", "export", "--data", data, "--collection", "default", "--out", sealed, "--passphrase-file", passFile); code != ExitOK {
		t.Fatalf("export: %s", errs)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, []byte(strings.Repeat(secret+"\n", 2000)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		words string
	}{
		{"a named pipe as the pack", []string{fifo, "--identity", keyFile}, "named pipe"},
		{"a named pipe as the key file", []string{kpack, "--identity", fifo}, "named pipe"},
		{"an endless device as the key file", []string{kpack, "--identity", "/dev/zero"}, "character device"},
		{"a key file far larger than keys", []string{kpack, "--identity", big}, "larger than 64 KiB"},
		{"a named pipe as the passphrase file", []string{sealed, "--passphrase-file", fifo}, "named pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type result struct {
				code int
				errs string
			}
			done := make(chan result, 1)
			go func() {
				code, _, errs := run(t, append([]string{"pack", "import", "--data", t.TempDir()}, tt.args...)...)
				done <- result{code, errs}
			}()
			select {
			case r := <-done:
				if r.code == ExitOK || !strings.Contains(r.errs, tt.words) {
					t.Errorf("exit %d, %q; want a failure saying %q", r.code, r.errs, tt.words)
				}
			case <-time.After(2 * time.Minute):
				t.Fatal("the import is still waiting after 2 minutes")
			}
		})
	}
	// The pack, the key and the import are good.
	if code, _, errs := run(t, "pack", "import", "--data", t.TempDir(), kpack, "--identity", keyFile); code != ExitOK {
		t.Errorf("the import of the good pack: %s", errs)
	}
}

// A damaged pack imported into a data folder that did not exist leaves no
// data folder behind.
func TestADamagedPackLeavesNoNewDataFolder(t *testing.T) {
	data, docs := corpus(t)
	// Enough text for the damage to be found after the manifest, where the
	// data folder is open.
	for i := range 4 {
		text := strings.Repeat(fmt.Sprintf("Paragraph %d of a long report on budgets and tickets.\n\n", i), 2000)
		if err := os.WriteFile(filepath.Join(docs, fmt.Sprintf("long-%d.txt", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := run(t, "ingest", docs, "--data", data); code != ExitOK {
		t.Fatalf("ingest: %s", errs)
	}
	secret, public, err := pack.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kpack := filepath.Join(dir, "docs.kpack")
	if code, _, errs := run(t, "pack", "export", "--data", data, "--collection", "default", "--out", kpack, "--recipient", public); code != ExitOK {
		t.Fatalf("export: %s", errs)
	}
	b, err := os.ReadFile(kpack)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kpack, b[:len(b)-40], 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "new-data")
	code, _, errs := run(t, "pack", "import", "--data", fresh, kpack, "--identity", keyFile)
	if code == ExitOK || !strings.Contains(errs, "damaged") {
		t.Fatalf("exit %d, %q; want the pack refused as damaged", code, errs)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("the data folder the import made is still there: %v", err)
	}
	// An existing data folder is kept.
	if code, _, _ := run(t, "pack", "import", "--data", data, kpack, "--identity", keyFile, "--collection", "other"); code == ExitOK {
		t.Fatal("the damaged pack was imported")
	}
	if _, err := os.Stat(filepath.Join(data, "index.db")); err != nil {
		t.Errorf("the existing data folder lost its index: %v", err)
	}
}
