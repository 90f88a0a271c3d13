package app

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/library"
)

// FilesPath is where the original files of documents are served, as
// FilesPath?collection=NAME&path=ABSOLUTE, for the desktop window (through
// the Wails asset server) and for `kura serve` alike.
const FilesPath = "/files"

// ContentSecurityPolicy is sent with the app's pages: scripts and
// connections only from the app itself, no plugins, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// fileCSP is sent with original files: an HTML document opened from the
// index must not run scripts with the app's origin.
const fileCSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"

// SecurityHeaders adds the Content-Security-Policy and related headers to
// every response of next except original files (which set stricter ones).
// It is the Wails asset server middleware and part of `kura serve`.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != FilesPath {
			h := w.Header()
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
		}
		next.ServeHTTP(w, r)
	})
}

// Files serves the original file of a document at FilesPath, and only of a
// document: the path must be one the collection has indexed, so the page
// can never read an arbitrary file. Other paths are 404. The file must
// still be the one indexed (library.OpenDocumentFile: a regular file with
// the indexed content hash): a file replaced by a link to another file, or
// edited since, is refused with 409 and words saying to index it again.
func (h *Host) Files() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := h.App
		if r.URL.Path != FilesPath {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		q := r.URL.Query()
		collection, path := q.Get("collection"), DecodePath(q.Get("path"))
		if a.lib == nil || checkCollection(collection) != nil || !filepath.IsAbs(path) {
			http.NotFound(w, r)
			return
		}
		f, d, err := a.lib.OpenDocumentFile(r.Context(), collection, path)
		switch {
		case library.IsNotFound(err):
			http.NotFound(w, r)
			return
		case errors.Is(err, library.ErrChanged):
			http.Error(w, "the file changed since it was indexed, or was replaced: index it again to open it", http.StatusConflict)
			return
		case errors.Is(err, extract.ErrNotRegular):
			http.Error(w, "the document's path is no longer a regular file: index it again to open it", http.StatusConflict)
			return
		case errors.Is(err, fs.ErrNotExist):
			http.Error(w, "the file cannot be read: it was moved or deleted since it was indexed", http.StatusNotFound)
			return
		case err != nil:
			a.log.Printf("kura: files: %v", err)
			http.Error(w, "the file cannot be read", http.StatusNotFound)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", contentType(d.Path))
		hd.Set("Content-Security-Policy", fileCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(filepath.Base(d.Path)))
		hd.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", st.ModTime(), f)
	})
}

// contentType is the type a file is served with: its format's
// (extract.Format.MIME), or what the system knows of its extension.
func contentType(path string) string {
	if f, ok := extract.FormatOf(path); ok {
		return f.MIME
	}
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(path))); t != "" {
		return t
	}
	return "application/octet-stream"
}
