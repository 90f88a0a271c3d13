package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/pack"
	"github.com/kura-app/kura/internal/store"
)

// `kura pack`: knowledge packs (package pack, library.ExportPack and
// ImportPack).

func (a *App) pack(ctx context.Context, args []string) int {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "export":
		return a.packExport(ctx, args)
	case "import":
		return a.packImport(ctx, args)
	case "keygen":
		return a.packKeygen(args)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(a.Stdout, packUsage)
		return ExitOK
	case "":
		fmt.Fprintf(a.Stderr, "kura pack: give a subcommand\n\n%s", packUsage)
		return ExitUsage
	}
	fmt.Fprintf(a.Stderr, "kura pack: unknown subcommand %q\n\n%s", sub, packUsage)
	return ExitUsage
}

const packUsage = `Usage:
  kura pack export --collection NAME --out FILE.kpack [--with-files] [--with-models]
                   [--passphrase-file FILE | --recipient age1... | --recipients-file FILE]
      seal a collection (text, passages, vectors, settings) into one file; without a
      passphrase file or recipients, the passphrase is asked for
  kura pack import FILE.kpack [--collection NAME] [--replace] [--passphrase-file FILE | --identity FILE]
      add the pack's collection to this library: searchable at once, nothing to embed
  kura pack keygen --out FILE
      make a secret key for this laptop (kept in FILE) and print its public key,
      for senders' --recipient
`

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func (a *App) packExport(ctx context.Context, args []string) int {
	var c Common
	var out, passFile, recipientsFile string
	var recipients list
	var withFiles, withModels bool
	fs := a.flags("pack export", "--collection NAME --out FILE.kpack", &c)
	fs.StringVar(&out, "out", "", "the pack file to write (required; it must not exist)")
	fs.BoolVar(&withFiles, "with-files", false, "carry the source files, so citations open the originals on the other machine")
	fs.BoolVar(&withModels, "with-models", false, "carry the GGUF files of the chat and embedding models")
	fs.StringVar(&passFile, "passphrase-file", "", "read the passphrase from this file's first line")
	fs.Var(&recipients, "recipient", "seal for this public key (age1...; repeat for several)")
	fs.StringVar(&recipientsFile, "recipients-file", "", "seal for the public keys in this file, one a line")
	rest, err := a.parse(fs, args)
	switch {
	case err != nil:
		return usageExit(err)
	case len(rest) > 0:
		return a.usageError(fs, "unexpected argument %q", rest[0])
	case out == "":
		return a.usageError(fs, "give the pack file to write with --out")
	}
	if a.exists(out) {
		return ExitFailure
	}
	seal, err := a.packSeal(passFile, recipientsFile, recipients)
	if err != nil {
		return a.fail(err)
	}
	c.NoRuntime, c.NoVectors = !withModels, true
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()

	pr := newPackPrinter(a.Stderr, "export")
	sum, err := lib.ExportPackFile(ctx, c.Collection, out, library.ExportOptions{Seal: seal, WithFiles: withFiles, WithModels: withModels}, pr.print)
	pr.done()
	if err != nil {
		return a.fail(err)
	}
	n := sum.Manifest.Counts
	for _, w := range sum.Warnings {
		fmt.Fprintf(a.Stderr, "  note: %s\n", w)
	}
	vec := "no vectors"
	if v := sum.Manifest.Vectors; v != nil {
		vec = fmt.Sprintf("%d vectors of %s", n.Vectors, v.Model)
	}
	fmt.Fprintf(a.Stderr, "wrote %s (%s): %d documents, %d passages, %s, %d files, %d models in %s\n",
		out, byteSize(sum.Bytes), n.Documents, n.Chunks, vec, n.Files, n.Models, sum.Elapsed.Round(time.Millisecond))
	return ExitOK
}

// packSeal builds the seal from the flags, asking for a passphrase (twice)
// when none is given.
func (a *App) packSeal(passFile, recipientsFile string, recipients []string) (pack.Seal, error) {
	if recipientsFile != "" {
		b, err := library.ReadKeyFile(recipientsFile)
		if err != nil {
			return pack.Seal{}, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				recipients = append(recipients, line)
			}
		}
	}
	if len(recipients) > 0 {
		if passFile != "" {
			return pack.Seal{}, errors.New("give either a passphrase or recipients, not both")
		}
		return pack.RecipientSeal(recipients)
	}
	pass, err := a.passphrase(passFile, true)
	if err != nil {
		return pack.Seal{}, err
	}
	return pack.PassphraseSeal(pass)
}

// passphrase reads it from file's first line, or asks on the terminal
// (twice when confirm is set).
func (a *App) passphrase(file string, confirm bool) (string, error) {
	if file != "" {
		b, err := library.ReadKeyFile(file)
		if err != nil {
			return "", err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return "", fmt.Errorf("%s: the passphrase is empty", file)
		}
		return line, nil
	}
	in, ok := a.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		if f, err := os.Open("/dev/tty"); err == nil {
			defer f.Close()
			in, ok = f, true
		}
	}
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", errors.New("no terminal to ask for the passphrase: give --passphrase-file")
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(a.Stderr, prompt)
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(a.Stderr)
		return string(b), err
	}
	p, err := read("Passphrase: ")
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errors.New("the passphrase is empty")
	}
	if confirm {
		again, err := read("Passphrase again: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("the two passphrases differ")
		}
	}
	return p, nil
}

func (a *App) packImport(ctx context.Context, args []string) int {
	var c Common
	var passFile, identity string
	var replace bool
	fs := a.flags("pack import", "FILE.kpack", &c)
	fs.StringVar(&passFile, "passphrase-file", "", "read the passphrase from this file's first line")
	fs.StringVar(&identity, "identity", "", "open a pack sealed for public keys with the secret key in this file")
	fs.BoolVar(&replace, "replace", false, "replace a collection of the same name")
	rest, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(rest) != 1 {
		return a.usageError(fs, "give one pack file")
	}
	named := false
	fs.Visit(func(f *flag.Flag) { named = named || f.Name == "collection" })
	pf, err := library.OpenPackFile(rest[0])
	if err != nil {
		return a.fail(err)
	}
	defer pf.Close()
	info, err := pf.Inspect()
	if err != nil {
		return a.fail(err)
	}
	var key pack.Key
	switch {
	case identity != "":
		if key, err = library.PackKeys(identity); err != nil {
			return a.fail(err)
		}
	case !info.Passphrase:
		fmt.Fprintln(a.Stderr, "kura: the pack is sealed for public keys: open it with --identity FILE (the secret key)")
		return ExitFailure
	default:
		pass, err := a.passphrase(passFile, false)
		if err != nil {
			return a.fail(err)
		}
		if key, err = pack.PassphraseKey(pass); err != nil {
			return a.fail(err)
		}
	}
	r, err := pf.Open(ctx, key)
	if err != nil {
		return a.fail(err)
	}
	m := r.Manifest()
	name := m.Collection.Name
	if named {
		name = c.Collection
	}
	c.NoRuntime, c.NoVectors = m.Counts.Models == 0, true
	fresh := newDataFolder(c.Data)
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	closeLib := sync.OnceFunc(closeFn)
	defer closeLib()
	// A data folder this import made is removed again when the import
	// fails: a damaged pack leaves nothing behind.
	failed := func(err error) int {
		if dir, _ := filepath.Abs(lib.Dir()); fresh != "" && dir == fresh {
			closeLib()
			os.RemoveAll(fresh)
		}
		return a.fail(err)
	}
	if _, err := lib.Collection(ctx, name); err == nil && !replace {
		if name, replace, err = a.askExisting(name); err != nil {
			return failed(err)
		}
	}
	pr := newPackPrinter(a.Stderr, "import")
	sum, err := lib.ImportPack(ctx, r, library.ImportOptions{Name: name, Replace: replace, Size: pf.Size}, pr.print)
	pr.done()
	if err != nil {
		return failed(err)
	}
	for _, w := range sum.Warnings {
		fmt.Fprintf(a.Stderr, "  note: %s\n", w)
	}
	col := sum.Collection
	what := "imported"
	if sum.Replaced {
		what = "replaced"
	}
	fmt.Fprintf(a.Stderr, "%s collection %q: %d documents, %d passages, %d vectors", what, col.Name, col.Documents, col.Chunks, col.Vectors)
	if col.EmbedModel != "" {
		fmt.Fprintf(a.Stderr, " (%s)", col.EmbedModel)
	}
	fmt.Fprintf(a.Stderr, " in %s\n", sum.Elapsed.Round(time.Millisecond))
	if sum.Files != "" {
		fmt.Fprintf(a.Stderr, "  source files: %s\n", sum.Files)
	}
	for _, m := range sum.Models {
		fmt.Fprintf(a.Stderr, "  installed model: %s\n", m)
	}
	return ExitOK
}

// newDataFolder returns the absolute data folder that flag (or the
// default) names when it does not exist yet, else "".
func newDataFolder(flag string) string {
	loc, err := config.Locate(flag)
	if err != nil {
		return ""
	}
	dir, err := filepath.Abs(loc.Data)
	if err != nil {
		return ""
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		return ""
	}
	return dir
}

// askExisting asks what to do about an existing collection: replace it,
// or import under another name. Without a terminal it fails, naming the
// flags that decide.
func (a *App) askExisting(name string) (string, bool, error) {
	in, ok := a.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", false, fmt.Errorf("collection %q %w: give --replace to replace it, or --collection NAME to import under another name", name, store.ErrExists)
	}
	sc := bufio.NewScanner(in)
	for {
		fmt.Fprintf(a.Stderr, "A collection %q exists. Replace it [r], import under another name [n], or stop [s]? ", name)
		if !sc.Scan() {
			return "", false, context.Canceled
		}
		switch strings.ToLower(strings.TrimSpace(sc.Text())) {
		case "r":
			return name, true, nil
		case "n":
			fmt.Fprint(a.Stderr, "New name: ")
			if !sc.Scan() {
				return "", false, context.Canceled
			}
			n := strings.TrimSpace(sc.Text())
			if !store.ValidName(n) {
				fmt.Fprintf(a.Stderr, "%q cannot name a collection: use 1-64 letters, digits, spaces, '_', '.' or '-'\n", n)
				continue
			}
			return n, false, nil
		case "s", "":
			return "", false, context.Canceled
		}
	}
}

func (a *App) packKeygen(args []string) int {
	fs := flag.NewFlagSet("pack keygen", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	out := fs.String("out", "", "file to keep the secret key in (required; it must not exist)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: kura pack keygen --out FILE")
		fs.PrintDefaults()
	}
	rest, err := a.parse(fs, args)
	switch {
	case err != nil:
		return usageExit(err)
	case len(rest) > 0:
		return a.usageError(fs, "unexpected argument %q", rest[0])
	case *out == "":
		return a.usageError(fs, "give the file to keep the secret key in with --out")
	}
	secret, public, err := pack.NewKeyPair()
	if err != nil {
		return a.fail(err)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o700); err != nil {
		return a.fail(err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return a.fail(err)
	}
	_, err = fmt.Fprintf(f, "# Kura pack key, made %s\n# public key: %s\n%s\n", time.Now().Format(time.RFC3339), public, secret)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(a.Stderr, "secret key written to %s (keep it on this machine; open packs with --identity %s)\npublic key (give it to senders for --recipient):\n", *out, *out)
	fmt.Fprintln(a.Stdout, public)
	return ExitOK
}

// packPrinter draws pack progress on stderr: redrawn in place on a
// terminal, a line a second otherwise.
type packPrinter struct {
	statusLine
	verb string
}

func newPackPrinter(w io.Writer, verb string) *packPrinter {
	return &packPrinter{statusLine: newStatusLine(w), verb: verb}
}

func (p *packPrinter) print(pr library.PackProgress) error {
	if pr.Phase == library.PackDone || (!p.tty && time.Since(p.last) < time.Second) {
		return nil
	}
	p.last = time.Now()
	var line string
	switch pr.Phase {
	case library.PackModels:
		line = fmt.Sprintf("%s: model %s (%d of %d)", p.verb, pr.Current, pr.Done.Models+1, pr.Total.Models)
	case library.PackFiles:
		line = fmt.Sprintf("%s: file %d of %d  %s", p.verb, pr.Done.Files+1, pr.Total.Files, filepath.Base(pr.Current))
	case library.PackInstall:
		line = fmt.Sprintf("%s: installing model %s", p.verb, pr.Current)
	default:
		done := pr.Done.Pages + pr.Done.Chunks + pr.Done.Vectors
		total := pr.Total.Pages + pr.Total.Chunks + pr.Total.Vectors
		line = fmt.Sprintf("%s: %d/%d passages, %d/%d vectors", p.verb, pr.Done.Chunks, pr.Total.Chunks, pr.Done.Vectors, pr.Total.Vectors)
		if total > 0 {
			line = fmt.Sprintf("%s (%d%%)", line, done*100/total)
		}
	}
	if pr.BytesTotal > 0 {
		line += fmt.Sprintf("  %s/%s", byteSize(pr.BytesDone), byteSize(pr.BytesTotal))
	} else if pr.BytesDone > 0 {
		line += "  " + byteSize(pr.BytesDone)
	}
	line += "  elapsed " + dur(pr.Elapsed)
	p.draw(line)
	return nil
}

// exists reports, and says, that out (a file a command would write) is
// there already: pack export and backup never write over a file.
func (a *App) exists(out string) bool {
	if _, err := os.Lstat(out); err != nil {
		return false
	}
	fmt.Fprintf(a.Stderr, "kura: %s exists already: choose another name or remove it\n", out)
	return true
}
