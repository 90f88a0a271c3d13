package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/pack"
	"github.com/kura-app/kura/internal/store"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Knowledge packs: export a collection to a sealed file, import one
// (docs/PACK.md). The work is the library's; these methods check input,
// run it as a job and word its errors.

// Job kinds of packs.
const (
	JobPackExport = "pack-export"
	JobPackImport = "pack-import"
)

// PackSeal is how a pack is sealed (export) or opened (import): a
// passphrase, or public keys to seal for / a secret key file to open with.
type PackSeal struct {
	Passphrase string   `json:"passphrase"`
	Recipients []string `json:"recipients"`
	KeyFile    string   `json:"keyFile"`
}

// PackExport is what ExportPack writes: the collection to the file Out,
// optionally with the source files and the models.
type PackExport struct {
	Collection string   `json:"collection"`
	Out        string   `json:"out"`
	WithFiles  bool     `json:"withFiles"`
	WithModels bool     `json:"withModels"`
	Seal       PackSeal `json:"seal"`
}

// PackInfo describes a pack file. Without a key only Passphrase (how it is
// sealed) is known; with one, what it holds, and Exists says whether this
// library has a collection of that name.
type PackInfo struct {
	Path       string `json:"path"`
	Passphrase bool   `json:"passphrase"`
	Opened     bool   `json:"opened"`
	Collection string `json:"collection"`
	Exists     bool   `json:"exists"`
	Documents  int    `json:"documents"`
	Chunks     int    `json:"chunks"`
	Vectors    int    `json:"vectors"`
	EmbedModel string `json:"embedModel"`
	Files      int    `json:"files"`
	Models     int    `json:"models"`
	Created    int64  `json:"created"` // unix seconds
}

// ExportPack seals a collection into a pack file as a job of kind
// "pack-export". The file is written beside Out and renamed when
// complete; Out must not exist.
func (a *App) ExportPack(e PackExport) (Job, error) {
	if err := checkCollection(e.Collection); err != nil {
		return Job{}, err
	}
	out, err := absPath(e.Out)
	if err != nil {
		return Job{}, err
	}
	if !strings.HasSuffix(strings.ToLower(out), pack.Extension) {
		out += pack.Extension
	}
	if _, err := os.Lstat(out); err == nil {
		return Job{}, invalid("%s exists already: choose another name", out)
	}
	var seal pack.Seal
	if len(e.Seal.Recipients) > 0 {
		seal, err = pack.RecipientSeal(e.Seal.Recipients)
	} else {
		seal, err = pack.PassphraseSeal(e.Seal.Passphrase)
	}
	if err != nil {
		return Job{}, invalid("%v", err)
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if _, err := a.lib.Collection(ctx, e.Collection); err != nil {
		return Job{}, a.fail(err)
	}
	opts := library.ExportOptions{Seal: seal, WithFiles: e.WithFiles, WithModels: e.WithModels}
	return a.jobs.start(a.base, JobPackExport, e.Collection, false, func(ctx context.Context, j *job) (*JobSummary, error) {
		sum, err := a.lib.ExportPackFile(ctx, e.Collection, out, opts, packProgress(ctx, j))
		if err != nil {
			return nil, err
		}
		c := sum.Manifest.Counts
		return &JobSummary{Added: c.Documents, Chunks: c.Chunks, Vectors: c.Vectors, Warnings: sum.Warnings}, nil
	}), nil
}

// packProgress turns pack progress into job progress.
func packProgress(ctx context.Context, j *job) func(library.PackProgress) error {
	return func(p library.PackProgress) error {
		return j.progress(ctx, func(d *Job) {
			d.Phase, d.Current = p.Phase, p.Current
			d.FilesDone, d.FilesTotal = p.Done.Files, p.Total.Files
			d.Chunks, d.VectorsDone, d.VectorsTotal = p.Done.Chunks, p.Done.Vectors, p.Total.Vectors
			d.BytesDone, d.BytesTotal = p.BytesDone, p.BytesTotal
		})
	}
}

// openPack opens the pack at path with seal (a passphrase or a key file);
// the reader's reads stop when ctx ends.
func openPack(ctx context.Context, path string, s PackSeal) (*library.PackFile, *pack.Reader, error) {
	var key pack.Key
	var err error
	if s.KeyFile != "" {
		key, err = library.PackKeys(s.KeyFile)
	} else {
		key, err = pack.PassphraseKey(s.Passphrase)
	}
	if err != nil {
		return nil, nil, invalid("%v", err)
	}
	f, err := library.OpenPackFile(path)
	if err != nil {
		return nil, nil, invalid("%s cannot be opened: %v", path, err)
	}
	r, err := f.Open(ctx, key)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, r, nil
}

// InspectPack describes the pack at path: how it is sealed, and, when seal
// holds a passphrase or key file that opens it, what it holds.
func (a *App) InspectPack(path string, seal PackSeal) (PackInfo, error) {
	p, err := absPath(path)
	if err != nil {
		return PackInfo{}, err
	}
	f, err := library.OpenPackFile(p)
	if err != nil {
		return PackInfo{}, invalid("%s cannot be opened: %v", p, err)
	}
	info, err := f.Inspect()
	f.Close()
	if err != nil {
		return PackInfo{}, a.fail(err)
	}
	out := PackInfo{Path: p, Passphrase: info.Passphrase}
	if seal.Passphrase == "" && seal.KeyFile == "" {
		return out, nil
	}
	f, r, err := openPack(a.base, p, seal)
	if err != nil {
		return out, a.fail(err)
	}
	f.Close()
	m := r.Manifest()
	out.Opened, out.Collection, out.Created = true, m.Collection.Name, m.Created.Unix()
	out.Documents, out.Chunks, out.Vectors, out.Files, out.Models = m.Counts.Documents, m.Counts.Chunks, m.Counts.Vectors, m.Counts.Files, m.Counts.Models
	if m.Vectors != nil {
		out.EmbedModel = m.Vectors.Model
	}
	ctx, cancel := a.ctx()
	defer cancel()
	_, err = a.lib.Collection(ctx, m.Collection.Name)
	out.Exists = err == nil
	return out, nil
}

// ImportPack adds the pack at path to the library as a job of kind
// "pack-import", under name ("" for the pack's own), replacing a
// collection of that name only when replace is set (otherwise an existing
// name is invalid). Nothing changes unless the whole pack opens intact.
func (a *App) ImportPack(path string, seal PackSeal, name string, replace bool) (Job, error) {
	p, err := absPath(path)
	if err != nil {
		return Job{}, err
	}
	if name != "" {
		if err := checkCollection(name); err != nil {
			return Job{}, err
		}
	}
	f, r, err := openPack(a.base, p, seal)
	if err != nil {
		return Job{}, a.fail(err)
	}
	if name == "" {
		name = r.Manifest().Collection.Name
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if _, err := a.lib.Collection(ctx, name); err == nil && !replace {
		f.Close()
		return Job{}, invalid("a collection %q exists already: replace it, or import under another name", name)
	}
	return a.jobs.start(a.base, JobPackImport, name, false, func(ctx context.Context, j *job) (*JobSummary, error) {
		defer f.Close()
		sum, err := a.lib.ImportPack(ctx, r, library.ImportOptions{Name: name, Replace: replace, Size: f.Size}, packProgress(ctx, j))
		if err != nil {
			return nil, err
		}
		c := sum.Collection
		s := &JobSummary{Added: c.Documents, Chunks: c.Chunks, Vectors: c.Vectors, Warnings: sum.Warnings}
		for _, m := range sum.Models {
			s.Warnings = append(s.Warnings, "installed the model "+m)
		}
		return s, nil
	}), nil
}

// ChoosePackFile opens the native dialog for a pack to import ("" when
// the user cancels). Desktop only.
func (a *App) ChoosePackFile() (string, error) {
	ctx := a.wailsContext()
	if ctx == nil {
		return "", errNoDialogs()
	}
	p, err := runtime.OpenFileDialog(ctx, runtime.OpenDialogOptions{Title: "Import a knowledge pack",
		Filters: []runtime.FileFilter{{DisplayName: "Kura packs", Pattern: "*" + pack.Extension}, {DisplayName: "All files", Pattern: "*"}}})
	if err != nil {
		return "", a.fail(err)
	}
	return p, nil
}

// ChoosePackDestination opens the native save dialog for a pack of the
// collection ("" when the user cancels). Desktop only.
func (a *App) ChoosePackDestination(collection string) (string, error) {
	ctx := a.wailsContext()
	if ctx == nil {
		return "", errNoDialogs()
	}
	p, err := runtime.SaveFileDialog(ctx, runtime.SaveDialogOptions{Title: "Export a knowledge pack",
		DefaultFilename: collection + pack.Extension, Filters: []runtime.FileFilter{{DisplayName: "Kura packs", Pattern: "*" + pack.Extension}}})
	if err != nil {
		return "", a.fail(err)
	}
	return p, nil
}

// packError words the pack and import errors a user can act on; ok is
// false for others.
func packError(err error) (*Error, bool) {
	var msg string
	switch {
	case errors.Is(err, pack.ErrWrongPassphrase):
		msg = "Wrong passphrase: the pack did not open. Nothing was changed."
	case errors.Is(err, pack.ErrNoKey):
		msg = sentence(err.Error()) + " Nothing was changed."
	case errors.Is(err, pack.ErrDamaged):
		msg = "The pack is damaged: it was cut short or altered after it was made. Nothing was changed; ask for a new copy."
	case errors.Is(err, library.ErrBusy):
		msg = sentence(err.Error())
	case errors.Is(err, pack.ErrUnsafe):
		msg = sentence(err.Error()) + " Nothing was changed."
	case errors.Is(err, pack.ErrNewerFormat):
		msg = sentence(err.Error())
	case errors.Is(err, pack.ErrNotAPack):
		msg = "This file is not a Kura pack."
	case errors.Is(err, store.ErrExists):
		msg = sentence(err.Error() + ": replace it, or import under another name")
	default:
		return nil, false
	}
	return &Error{Code: CodeInvalid, Message: msg, Err: fmt.Errorf("pack: %w", err)}, true
}
