package app

import (
	"context"
	"time"

	"github.com/wailsapp/wails/v2/pkg/runtime"
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
	return invalid("choosing files needs the desktop app; type the path instead")
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
			// The formats of package extract (README: Formats).
			{DisplayName: "Documents", Pattern: "*.txt;*.md;*.html;*.htm;*.pdf;*.docx;*.pptx;*.xlsx;*.csv;*.epub;*.png;*.jpg;*.jpeg;*.tif;*.tiff"},
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
