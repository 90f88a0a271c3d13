package app

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/extract"
)

// Desktop-only parts: the Wails lifecycle, native dialogs and file drops.

// Startup is the Wails OnStartup hook: events go to the window from now
// on, and dropped files are announced as files:dropped.
func (h *Host) Startup(ctx context.Context) {
	a := h.App
	a.wailsMu.Lock()
	a.wails = ctx
	a.wailsMu.Unlock()
	h.SetEmitter(func(name string, payload any) { runtime.EventsEmit(ctx, name, payload) })
	runtime.OnFileDrop(ctx, func(_, _ int, paths []string) {
		if len(paths) > 0 {
			enc := make([]string, len(paths))
			for i, p := range paths {
				enc[i] = EncodePath(p)
			}
			a.send(EventFilesDropped, FilesDropped{Paths: enc})
		}
	})
}

// Shutdown is the Wails OnShutdown hook: it stops jobs and answers
// (partial answers are saved) and waits for them at most 10 seconds.
func (h *Host) Shutdown(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	h.Close(ctx)
}

// QuitOn closes the window when ctx ends (SIGINT or SIGTERM), so that the
// shutdown path (jobs, bundled runtime) runs as for a closed window.
func (h *Host) QuitOn(ctx context.Context) {
	context.AfterFunc(ctx, func() {
		if w := h.App.wailsContext(); w != nil {
			runtime.Quit(w)
		}
	})
}

func (a *App) wailsContext() context.Context {
	a.wailsMu.RLock()
	defer a.wailsMu.RUnlock()
	return a.wails
}

// errNoDialogs is what the dialogs say in a browser, where the page offers
// a path field instead.
func errNoDialogs() error {
	return newError(CodeNoDialogs, "Choosing files needs the desktop app; type the path instead.", nil)
}

// ChooseFolder opens the native folder dialog and returns the chosen
// folder ("" when the user cancels). Desktop only.
func (a *App) ChooseFolder() (string, error) {
	ctx := a.wailsContext()
	if ctx == nil {
		return "", errNoDialogs()
	}
	dir, err := runtime.OpenDirectoryDialog(ctx, runtime.OpenDialogOptions{Title: "Add a folder to Kura", CanCreateDirectories: false})
	if err != nil {
		return "", a.fail(err)
	}
	return EncodePath(dir), nil
}

// ChooseFiles opens the native file dialog for the formats Kura reads and
// returns the chosen files (none when the user cancels). Desktop only.
func (a *App) ChooseFiles() ([]string, error) {
	ctx := a.wailsContext()
	if ctx == nil {
		return nil, errNoDialogs()
	}
	files, err := runtime.OpenMultipleFilesDialog(ctx, runtime.OpenDialogOptions{
		Title: "Add documents to Kura",
		Filters: []runtime.FileFilter{
			{DisplayName: "Documents", Pattern: documentPattern()},
			{DisplayName: "All files", Pattern: "*"},
		},
	})
	if err != nil {
		return nil, a.fail(err)
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = EncodePath(f)
	}
	return out, nil
}

// documentPattern is the file dialog's filter for the formats Kura reads:
// "*.txt;*.md;*.markdown;...".
func documentPattern() string {
	var pats []string
	for _, f := range extract.Formats() {
		for _, ext := range f.Extensions {
			pats = append(pats, "*"+ext)
		}
	}
	return strings.Join(pats, ";")
}

// SaveFile asks where to save a file (the native dialog, starting with
// name) and writes content there, for exporting a conversation. It returns
// the path written, "" when the user cancels. Desktop only: in the browser
// it fails with no_dialogs and the page downloads the file instead.
func (a *App) SaveFile(name, content string) (string, error) {
	ctx := a.wailsContext()
	if ctx == nil {
		return "", errNoDialogs()
	}
	path, err := runtime.SaveFileDialog(ctx, runtime.SaveDialogOptions{
		Title: "Save the conversation", DefaultFilename: filepath.Base(name), CanCreateDirectories: true,
		Filters: []runtime.FileFilter{{DisplayName: "Markdown", Pattern: "*.md"}},
	})
	if err != nil || path == "" {
		return "", a.fail(err)
	}
	if err := config.WriteFileAtomic(path, []byte(content), 0o644); err != nil {
		return "", a.fail(fmt.Errorf("save %s: %w", path, err))
	}
	return path, nil
}

// OpenFile opens a document of the collection in the application the
// system uses for its type (a PDF viewer, say). Only documents of the
// collection can be opened. Desktop only: in the browser it fails with
// no_dialogs and the page opens the file's URL instead.
func (a *App) OpenFile(collection, path string) error {
	if a.wailsContext() == nil {
		return errNoDialogs()
	}
	if err := checkCollection(collection); err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	d, err := a.lib.Document(ctx, collection, path)
	if err != nil {
		return a.fail(err)
	}
	return a.fail(OpenWithSystem(d.Path))
}

// OpenWithSystem hands path (a file or a URL) to the desktop's opener; it
// does not wait for the application to close.
func OpenWithSystem(path string) error {
	var cmd *exec.Cmd
	switch goruntime.GOOS {
	case "darwin":
		cmd = exec.Command("open", path)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", path)
	default:
		cmd = exec.Command("xdg-open", path)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	go cmd.Wait() // reap it
	return nil
}
