package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
)

// BackupJSON is `kura backup --json` and `kura restore --json`.
type BackupJSON struct {
	File    string    `json:"file"`
	Data    string    `json:"data"`
	Kura    string    `json:"kura"`   // the version that wrote the backup
	Schema  int       `json:"schema"` // the library's schema version
	Created time.Time `json:"created"`
	Files   int       `json:"files"`
	Bytes   int64     `json:"bytes"`
}

// backup writes one file with the library as it stands now (`kura backup
// --out FILE`); Kura may be running meanwhile.
func (a *App) backup(ctx context.Context, args []string) int {
	var c Common
	var out string
	fs := a.flags("backup", "--out FILE", &c)
	fs.StringVar(&out, "out", "", "the backup file to write (required; it must not exist)")
	rest, err := a.parse(fs, args)
	switch {
	case err != nil:
		return usageExit(err)
	case len(rest) > 0:
		return a.usageError(fs, "unexpected argument %q", rest[0])
	case out == "":
		return a.usageError(fs, "give the backup file to write with --out")
	}
	if a.exists(out) {
		return ExitFailure
	}
	c.NoRuntime, c.NoVectors = true, true
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	sum, err := lib.BackupFile(ctx, out, a.Version)
	if err != nil {
		return a.fail(err)
	}
	a.printBackup(c.JSON, "backed up", out, lib.Dir(), sum)
	return ExitOK
}

// restore unpacks a backup into an empty data folder (`kura restore FILE`).
func (a *App) restore(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("restore", "FILE", &c)
	rest, err := a.parse(fs, args)
	switch {
	case err != nil:
		return usageExit(err)
	case len(rest) != 1:
		return a.usageError(fs, "give one backup file")
	}
	loc, err := config.Locate(c.Data)
	if err != nil {
		return a.fail(err)
	}
	sum, err := library.Restore(ctx, rest[0], loc.Data)
	if err != nil {
		return a.fail(err)
	}
	a.printBackup(c.JSON, "restored", rest[0], loc.Data, sum)
	return ExitOK
}

func (a *App) printBackup(asJSON bool, verb, file, data string, sum library.BackupSummary) {
	if asJSON {
		writeJSON(a.Stdout, BackupJSON{File: file, Data: data, Kura: sum.Manifest.Kura, Schema: sum.Manifest.Schema,
			Created: sum.Manifest.Created, Files: sum.Files, Bytes: sum.Bytes})
		return
	}
	fmt.Fprintf(a.Stdout, "%s the library of %s (Kura %s, %s): %d files, %s, in %s\n", verb, data, sum.Manifest.Kura,
		sum.Manifest.Created.Local().Format("2006-01-02 15:04"), sum.Files, byteSize(sum.Bytes), file)
	if verb == "backed up" {
		fmt.Fprintln(a.Stdout, "models are not in a backup: install them again with `kura models import`, or carry them in a knowledge pack")
	}
}
