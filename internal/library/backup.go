package library

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ctxio"
	"github.com/kura-app/kura/internal/store"
)

// A backup is one gzip-compressed tar file holding a data folder's library
// as it stood at one instant: first BackupManifestName (what wrote it), then
// the index (IndexFile, a consistent copy taken while Kura may be running),
// the settings (config.FileName) and the files knowledge packs brought
// (PacksDir). Models are not in it: they are large, and are installed again
// from their GGUF files or a pack that carries them. Logs, temporary files
// and the runtime's own files are not in it either.

// BackupManifestName is the first entry of a backup.
const BackupManifestName = "kura-backup.json"

// BackupFormat is the backup format this build writes and reads.
const BackupFormat = 1

// BackupManifest describes a backup.
type BackupManifest struct {
	Format  int       `json:"format"`
	Kura    string    `json:"kura"`   // the version of Kura that wrote it
	Schema  int       `json:"schema"` // the index's schema version
	Created time.Time `json:"created"`
}

// BackupSummary says what a backup or a restore holds.
type BackupSummary struct {
	Manifest BackupManifest
	Files    int   // entries besides the manifest
	Bytes    int64 // their size, uncompressed
}

// ErrNotEmpty means a restore was asked into a data folder that already
// holds a library.
var ErrNotEmpty = errors.New("the data folder already holds a library")

// BackupFile writes a backup of the library to out (see BackupManifestName
// for what it holds), beside its final name first and renamed when
// complete; out must not exist. kuraVersion goes into the manifest. Others
// may read and write the library meanwhile (this process or another Kura).
func (l *Library) BackupFile(ctx context.Context, out, kuraVersion string) (BackupSummary, error) {
	if _, err := os.Lstat(out); err == nil {
		return BackupSummary{}, fmt.Errorf("back up: %s already exists", out)
	}
	tmp, err := os.MkdirTemp(l.dir, ".backup-")
	if err != nil {
		return BackupSummary{}, fmt.Errorf("back up: %w", err)
	}
	defer os.RemoveAll(tmp)
	index := filepath.Join(tmp, IndexFile)
	if err := l.store.CopyTo(ctx, index); err != nil {
		return BackupSummary{}, fmt.Errorf("back up: %w", err)
	}
	sum := BackupSummary{Manifest: BackupManifest{Format: BackupFormat, Kura: kuraVersion, Schema: store.SchemaVersion, Created: time.Now().UTC()}}
	err = writeWhole(out, func(w io.Writer) error {
		gz := gzip.NewWriter(w)
		tw := tar.NewWriter(gz)
		m, _ := json.MarshalIndent(sum.Manifest, "", "  ")
		if err := tw.WriteHeader(&tar.Header{Name: BackupManifestName, Mode: 0o600, Size: int64(len(m)), ModTime: sum.Manifest.Created}); err != nil {
			return err
		}
		if _, err := tw.Write(m); err != nil {
			return err
		}
		add := func(name, file string) error {
			n, err := addFile(ctx, tw, name, file)
			if err == nil {
				sum.Files++
				sum.Bytes += n
			}
			return err
		}
		if err := add(IndexFile, index); err != nil {
			return err
		}
		if err := add(config.FileName, filepath.Join(l.dir, config.FileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		packs := filepath.Join(l.dir, PacksDir)
		err := filepath.WalkDir(packs, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, err := filepath.Rel(l.dir, p)
			if err != nil {
				return err
			}
			return add(filepath.ToSlash(rel), p)
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return gz.Close()
	})
	if err != nil {
		return BackupSummary{}, fmt.Errorf("back up to %s: %w", out, err)
	}
	return sum, nil
}

// addFile writes the regular file at file into tw as name and returns its
// size.
func addFile(ctx context.Context, tw *tar.Writer, name, file string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is not a regular file", file)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return 0, err
	}
	return io.Copy(tw, ctxio.NewReader(ctx, io.LimitReader(f, st.Size())))
}

// Restore puts the library of the backup at archive into dataDir, which
// must not hold one yet (no index, settings or pack files; a models folder
// is fine): otherwise it fails with ErrNotEmpty and touches nothing. A
// backup written by a newer Kura whose index this build cannot read is
// refused, naming the version to install. Entries are checked before
// anything is written: only the names a backup holds, regular files, no
// path leaving the folder. The files are unpacked into a folder inside
// dataDir and moved into place when all are there, so a failed restore
// leaves dataDir as it was.
func Restore(ctx context.Context, archive, dataDir string) (BackupSummary, error) {
	var sum BackupSummary
	for _, name := range []string{IndexFile, config.FileName, PacksDir} {
		if _, err := os.Lstat(filepath.Join(dataDir, name)); err == nil {
			return sum, fmt.Errorf("%w (%s is there): restore into an empty folder (kura restore FILE --data NEW_FOLDER), or move it away first", ErrNotEmpty, filepath.Join(dataDir, name))
		}
	}
	f, err := os.Open(archive)
	if err != nil {
		return sum, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(ctxio.NewReader(ctx, f))
	if err != nil {
		return sum, fmt.Errorf("restore: %s is not a Kura backup (%v)", archive, err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil || h.Name != BackupManifestName || h.Size > 1<<16 {
		return sum, fmt.Errorf("restore: %s is not a Kura backup (it does not start with %s)", archive, BackupManifestName)
	}
	m, err := io.ReadAll(tr)
	if err == nil {
		err = json.Unmarshal(m, &sum.Manifest)
	}
	if err != nil {
		return sum, fmt.Errorf("restore: %s is damaged: %v", BackupManifestName, err)
	}
	if sum.Manifest.Format > BackupFormat || sum.Manifest.Schema > store.SchemaVersion {
		return sum, fmt.Errorf("restore: this backup was written by Kura %s (library schema %d, backup format %d); this Kura reads schema %d and format %d at most: install Kura %s or later to restore it",
			sum.Manifest.Kura, sum.Manifest.Schema, sum.Manifest.Format, store.SchemaVersion, BackupFormat, sum.Manifest.Kura)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return sum, fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return sum, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(tmp)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("restore: %s is damaged: %w", archive, err)
		}
		if !backupName(h.Name) || h.Typeflag != tar.TypeReg {
			return sum, fmt.Errorf("restore: %s holds %q, which no Kura backup holds: nothing was restored", archive, h.Name)
		}
		dst := filepath.Join(tmp, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return sum, fmt.Errorf("restore: %w", err)
		}
		err = writeWhole(dst, func(w io.Writer) error {
			n, err := io.Copy(w, io.LimitReader(tr, h.Size))
			if err == nil && n != h.Size {
				err = io.ErrUnexpectedEOF
			}
			sum.Bytes += n
			return err
		})
		if err != nil {
			return sum, fmt.Errorf("restore %s: %w", h.Name, err)
		}
		sum.Files++
	}
	if _, err := os.Stat(filepath.Join(tmp, IndexFile)); err != nil {
		return sum, fmt.Errorf("restore: %s has no %s: nothing was restored", archive, IndexFile)
	}
	st, err := store.Open(filepath.Join(tmp, IndexFile))
	if err != nil {
		return sum, fmt.Errorf("restore: the library in %s does not open: %w", archive, err)
	}
	st.Close()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return sum, err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(dataDir, e.Name())); err != nil {
			return sum, fmt.Errorf("restore: %w", err)
		}
	}
	return sum, nil
}

// backupName reports whether a backup may hold an entry called name.
func backupName(name string) bool {
	if name != path.Clean(name) || path.IsAbs(name) || strings.HasPrefix(name, "../") || strings.Contains(name, "\\") {
		return false
	}
	return name == IndexFile || name == config.FileName || strings.HasPrefix(name, PacksDir+"/")
}

// writeWhole writes a file through write, beside its final name first,
// synced and renamed when complete, so a stopped or failed write leaves no
// file that looks whole; out is replaced only by a complete file.
func writeWhole(out string, write func(io.Writer) error) error {
	tmp := out + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
