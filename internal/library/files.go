package library

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/kura-app/kura/internal/ctxio"
	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/store"
)

// ErrChanged means the file of a document is no longer what was indexed:
// its content hash differs (it was edited, or replaced, for instance by a
// link to another file). It is not served until it is indexed again.
var ErrChanged = errors.New("the file changed since it was indexed")

// OpenDocumentFile opens the original file of the collection's document at
// path, for showing it, and only if it is still the file that was indexed:
// a regular file (opened without blocking, checked after opening, see
// extract.OpenFile) whose SHA-256 equals the hash recorded when it was
// indexed. So a document whose file was replaced by a link to a secret
// (/etc/shadow, ~/.ssh/id_ed25519) or a device serves nothing, and one
// that was edited says so (ErrChanged) instead of showing text the index
// does not hold. The hash is checked on what was opened, so no swap
// between the check and the read can change what is served.
//
// Hashing a large file on every request (a PDF viewer asks for ranges)
// would be slow, so a file verified once is trusted while its device,
// inode, size, modification and change times stay the same: any write
// changes the change time, which no user can set back.
//
// A document path that does not exist fails with an error wrapping
// store.ErrNotFound; a missing or unreadable file with the *fs.PathError.
// The caller closes the file.
func (l *Library) OpenDocumentFile(ctx context.Context, collection, path string) (*os.File, store.Document, error) {
	d, err := l.Document(ctx, collection, path)
	if err != nil {
		return nil, store.Document{}, err
	}
	f, info, err := extract.OpenFile(d.Path)
	if err != nil {
		return nil, store.Document{}, err
	}
	if err := l.verify(ctx, f, info, d.Hash); err != nil {
		f.Close()
		return nil, store.Document{}, err
	}
	return f, d, nil
}

// verified remembers files whose content was checked against their hash,
// by path.
type verified struct {
	mu    sync.Mutex
	files map[string]verifiedFile
}

type verifiedFile struct {
	id   fileID
	hash string
}

func (l *Library) verify(ctx context.Context, f *os.File, info fs.FileInfo, want string) error {
	if want == "" {
		return fmt.Errorf("%w (it could not be read when it was indexed)", ErrChanged)
	}
	id := identity(info)
	l.checked.mu.Lock()
	v, ok := l.checked.files[f.Name()]
	l.checked.mu.Unlock()
	if ok && v.id == id && v.hash == want {
		return nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxio.NewReader(ctx, f)); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != want {
		return ErrChanged
	}
	l.checked.mu.Lock()
	if l.checked.files == nil || len(l.checked.files) > 10_000 {
		l.checked.files = map[string]verifiedFile{}
	}
	l.checked.files[f.Name()] = verifiedFile{id, want}
	l.checked.mu.Unlock()
	return nil
}
