package library

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kura-app/kura/internal/ctxio"
	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/pack"
)

// The files a pack is read from and opened with, for the CLI and the app
// alike: nothing is read from a path before it is known to be a regular
// file (a named pipe would block the read, and Ctrl-C with it; a device
// such as /dev/zero never ends), key files are small, and a pack's reads
// stop when their context ends.

// MaxKeyFile bounds a file of secret keys, public keys or a passphrase:
// room for hundreds of keys.
const MaxKeyFile = 64 << 10

// ReadKeyFile reads a file of keys or a passphrase: a regular file
// (anything else is refused at once, without waiting for a writer) of at
// most MaxKeyFile bytes.
func ReadKeyFile(path string) ([]byte, error) {
	f, info, err := extract.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooLarge := fmt.Errorf("%s is larger than %d KiB: it is not a key or passphrase file", path, MaxKeyFile>>10)
	if info.Size() > MaxKeyFile {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxKeyFile {
		return nil, tooLarge
	}
	return b, nil
}

// PackKeys reads the secret keys in the age identity file at path (see
// ReadKeyFile and pack.ParseKeys).
func PackKeys(path string) (pack.Key, error) {
	b, err := ReadKeyFile(path)
	if err != nil {
		return pack.Key{}, err
	}
	key, err := pack.ParseKeys(bytes.NewReader(b))
	if err != nil {
		return pack.Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// PackFile is a pack file opened for reading. Close it.
type PackFile struct {
	f    *os.File
	Path string
	Size int64
}

// OpenPackFile opens the pack at path, which must be a regular file: a
// named pipe, a device or a folder is refused at once.
func OpenPackFile(path string) (*PackFile, error) {
	f, info, err := extract.OpenFile(path)
	if err != nil {
		return nil, err
	}
	return &PackFile{f: f, Path: filepath.Clean(path), Size: info.Size()}, nil
}

// Inspect reads the pack's plain header (pack.Inspect).
func (p *PackFile) Inspect() (pack.Info, error) {
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return pack.Info{}, err
	}
	return pack.Inspect(p.f)
}

// Open opens the pack's seal with key and reads its manifest
// (pack.NewReader); the reader's reads fail once ctx ends.
func (p *PackFile) Open(ctx context.Context, key pack.Key) (*pack.Reader, error) {
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return pack.NewReader(ctxio.NewReader(ctx, p.f), key)
}

// Close closes the file.
func (p *PackFile) Close() error { return p.f.Close() }
