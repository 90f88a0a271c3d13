package app

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/pack"
)

// A named pipe as the pack or a device as the key file is refused at
// once, and what a pack may not hold is worded as what it is.
func TestPackFilesThatAreNotFilesAndUnsafePacksAreRefusedWithWords(t *testing.T) {
	h, _ := newTestApp(t, closedURL(t))
	a := h.App
	fifo := filepath.Join(t.TempDir(), "pack.kpack")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.InspectPack(fifo, PackSeal{}); Code(err) != CodeInvalid || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("InspectPack of a named pipe: %v", err)
	}
	if _, err := a.ImportPack(fifo, PackSeal{KeyFile: "/dev/zero"}, "", false); Code(err) != CodeInvalid || !strings.Contains(err.Error(), "character device") {
		t.Errorf("ImportPack with /dev/zero as the key file: %v", err)
	}
	for _, err := range []error{pack.CheckName("CON"), library.ErrBusy} {
		e := ToJSON(a.fail(err))
		if e.Code != CodeInvalid || strings.Contains(e.Message, "went wrong") {
			t.Errorf("%v maps to %+v", err, e)
		}
	}
}
