package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// roundTrip passes v through JSON, as every call of the API does.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAFileNameThatIsNotUTF8CanBeListedOpenedServedAndRemoved(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	dir := writeDocs(t, map[string]string{"caf\xe9.txt": "The margin of error was three percent.", "plain.txt": "Other text."})
	ingestDir(t, h, rec, "default", dir)
	a := h.App

	docs, err := a.Documents("default")
	if err != nil {
		t.Fatal(err)
	}
	docs = roundTrip(t, docs)
	var odd Document
	for _, d := range docs {
		if strings.HasPrefix(d.Name, "caf") {
			odd = d
		}
	}
	if odd.Path == "" || strings.ContainsRune(odd.Path, '\uFFFD') {
		t.Fatalf("documents %+v, want the Latin-1 name without U+FFFD", docs)
	}
	res, err := a.Search("default", "margin of error", 5)
	if err != nil || len(res.Passages) == 0 {
		t.Fatalf("search: %+v, %v", res, err)
	}
	if p := roundTrip(t, res).Passages[0].Path; p != odd.Path {
		t.Fatalf("search gives path %q, the document list %q", p, odd.Path)
	}
	src, err := a.Source("default", odd.Path, 0)
	if err != nil || !strings.Contains(src.Text, "margin of error") {
		t.Fatalf("Source(%q) = %+v, %v", odd.Path, src, err)
	}
	w := httptest.NewRecorder()
	h.Files().ServeHTTP(w, httptest.NewRequest("GET", roundTrip(t, src).FileURL, nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "margin of error") {
		t.Fatalf("GET %s = %d %q", src.FileURL, w.Code, w.Body.String())
	}
	if err := a.RemoveDocument("default", odd.Path); err != nil {
		t.Fatalf("RemoveDocument(%q): %v", odd.Path, err)
	}
	if docs, _ := a.Documents("default"); len(docs) != 1 {
		t.Fatalf("after removal: %+v", docs)
	}
}

func TestFilesRefusesAnIndexedFileThatWasReplacedOrChanged(t *testing.T) {
	h, rec := newTestApp(t, closedURL(t))
	dir := writeDocs(t, survey)
	ingestDir(t, h, rec, "default", dir)
	secret := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(secret, []byte("root:$6$secret-hash:19000:0:99999:7:::"), 0o600)
	get := func(name string) *httptest.ResponseRecorder {
		t.Helper()
		src, err := h.App.Source("default", filepath.Join(dir, name), 0)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.Files().ServeHTTP(w, httptest.NewRequest("GET", src.FileURL, nil))
		return w
	}
	if w := get("notes.md"); w.Code != http.StatusOK {
		t.Fatalf("before: %d %q", w.Code, w.Body.String())
	}

	t.Run("a document replaced by a link to a secret serves nothing of it", func(t *testing.T) {
		p := filepath.Join(dir, "notes.md")
		os.Remove(p)
		if err := os.Symlink(secret, p); err != nil {
			t.Fatal(err)
		}
		w := get("notes.md")
		if w.Code != http.StatusConflict || strings.Contains(w.Body.String(), "secret-hash") {
			t.Fatalf("GET = %d %q, want 409 and nothing of the secret", w.Code, w.Body.String())
		}
	})
	t.Run("a document replaced by a link to a device is refused at once", func(t *testing.T) {
		p := filepath.Join(dir, "notes.md")
		os.Remove(p)
		if err := os.Symlink("/dev/zero", p); err != nil {
			t.Fatal(err)
		}
		if w := get("notes.md"); w.Code != http.StatusConflict {
			t.Fatalf("GET = %d %q, want 409", w.Code, w.Body.String())
		}
	})
	t.Run("a document edited since it was indexed says so", func(t *testing.T) {
		os.WriteFile(filepath.Join(dir, "survey.txt"), []byte("Different text now."), 0o644)
		w := get("survey.txt")
		if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "changed since it was indexed") {
			t.Fatalf("GET = %d %q, want 409 saying it changed", w.Code, w.Body.String())
		}
	})
}
