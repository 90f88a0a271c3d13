package integration_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/corpustest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/ollamatest"
)

// TestAPortableKuraWritesOnlyIntoKuraData runs the portable edition's
// first use, the way it runs from a USB stick: kura in a folder beside its
// kura-data folder and its runtime (runtime/bin/ollama), started from that
// folder with HOME an empty folder and TMPDIR unset. Each command runs in a
// mount namespace where the whole file system is read-only except
// kura-data (so a write anywhere else fails), under strace, which records
// every attempt to create, open for writing, rename or remove a file; the
// test fails on any such attempt outside kura-data, successful or not. The
// run imports the tiny models, ingests part of the shared corpus, searches
// and asks (the answer cites its sources), through the bundled runtime
// started from the stick.
//
// By default the folder is assembled from the kura binary built for the
// tests and build/bin/ollama; `make test-release` sets KURA_PORTABLE_DIR to
// the unpacked release tarball instead, so the same test checks what ships.
// It needs root (unshare -m) and strace, and fails, never skips, without.
func TestAPortableKuraWritesOnlyIntoKuraData(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatal("strace is missing: apt-get install strace (or run make deps)")
	}
	root := os.Getenv("KURA_PORTABLE_DIR")
	if root == "" {
		root = portableFolder(t)
	}
	data := filepath.Join(root, config.PortableDirName)
	if st, err := os.Stat(data); err != nil || !st.IsDir() {
		t.Fatalf("%s has no %s folder: %v", root, config.PortableDirName, err)
	}
	home, traces, ggufs := t.TempDir(), t.TempDir(), t.TempDir()
	os.Chmod(home, 0o555)
	if err := ollamatest.WriteChatModel(filepath.Join(ggufs, "tiny-chat.gguf"), ollamatest.ModelOptions{ContextLength: 4096}); err != nil {
		t.Fatal(err)
	}
	if err := ollamatest.WriteEmbedModel(filepath.Join(ggufs, "tiny-embed.gguf"), ollamatest.ModelOptions{ContextLength: 4096}); err != nil {
		t.Fatal(err)
	}
	free := unusedURL(t) // nothing answers at the default address: Kura starts its own runtime
	var env []string
	for _, kv := range kuraEnv(t, free) {
		switch k, _, _ := strings.Cut(kv, "="); {
		case k == "HOME", k == "TMPDIR", k == "TMP", k == "TEMP", strings.HasPrefix(k, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home)

	n := 0
	kura := func(args ...string) (string, string, int) {
		t.Helper()
		n++
		trace := filepath.Join(traces, fmt.Sprintf("%02d-%s.trace", n, args[0]))
		// The whole file system read-only but kura-data and the trace
		// folder; then strace runs kura from the stick's folder.
		script := `mount --bind "$1" "$1" && mount --bind "$2" "$2" && mount -o remount,ro,bind / && shift 2 && exec "$@"`
		cmd := exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", data, traces,
			"strace", "-f", "-qq", "-y", "-o", trace, "-e", "trace=" + writeSyscalls, filepath.Join(root, "kura")}, args...)...)
		cmd.Env, cmd.Dir = env, root
		stdout, stderr, code := runCmd(t, cmd)
		for _, w := range writesOutside(t, trace, root, data) {
			t.Errorf("kura %s wrote outside %s: %s", args[0], data, w)
		}
		return stdout, stderr, code
	}

	out, errOut, code := kura("version")
	if code != cli.ExitOK || !strings.Contains(out, "data: "+data+" (portable") {
		t.Fatalf("kura version: exit %d, stdout %q, stderr %q; want the data folder %s, portable", code, out, errOut, data)
	}
	if out, errOut, code = kura("models", "import", ggufs); code != cli.ExitOK || !strings.Contains(out, "it is the chat model now") {
		t.Fatalf("models import: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	notes := t.TempDir()
	note := filepath.Join(notes, "ferry.txt")
	if err := os.WriteFile(note, []byte("The harbour ferry leaves at seven."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code = kura("ingest", corpustest.Path(t, "text/003_0e01fdcfff4f2347.txt"), corpustest.Path(t, "text/004_8b294292eef632cb.txt"),
		corpustest.Path(t, "formats/003.md"), notes); code != cli.ExitOK {
		t.Fatalf("ingest: exit %d, stderr %q", code, errOut)
	}
	if out, errOut, code = kura("search", "調査"); code != cli.ExitOK || !strings.Contains(out, ".txt") {
		t.Fatalf("search: exit %d, stdout %q, stderr %q; want a passage of the corpus", code, out, errOut)
	}
	// The tiny chat model reads Japanese byte by byte: ask about a short
	// note, so the quotes fit its context.
	out, errOut, code = kura("ask", "--in", note, "When does the harbour ferry leave?")
	if code != cli.ExitOK || !strings.Contains(out, ollamatest.ChatAnswer) || !strings.Contains(out, "Sources:") {
		t.Fatalf("ask: exit %d, stdout %q, stderr %q; want the sources and the answer", code, out, errOut)
	}
	out, errOut, code = kura("runtime")
	if code != cli.ExitOK || !strings.Contains(out, "runtime:    bundled") || !strings.Contains(out, "models dir: "+filepath.Join(data, "models")) ||
		!strings.Contains(out, "data:       "+data+" (portable") {
		t.Fatalf("runtime: exit %d, stdout %q, stderr %q; want the bundled runtime with its models in %s", code, out, errOut, data)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("HOME %s is not empty after the run: %v", home, entries)
	}
	for _, p := range []string{library.IndexFile, "config.json", "models", "logs/ollama.log", "runtime/.ollama"} {
		if _, err := os.Stat(filepath.Join(data, filepath.FromSlash(p))); err != nil {
			t.Errorf("kura-data has no %s: %v", p, err)
		}
	}
}

// writeSyscalls are the system calls that create, change or remove a name
// in the file system (strace's syntax).
const writeSyscalls = "open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,link,linkat,symlink,symlinkat,truncate,chmod,fchmodat,utimensat,mknod,mknodat"

// writesOutside returns the lines of an strace log that write (or try to)
// outside dir: every call of writeSyscalls but an open for reading only,
// on any path not under dir, /dev or /proc. A relative path counts from
// the folder its directory descriptor names (strace -y prints it as
// 5</path>), else from cwd.
func writesOutside(t *testing.T, trace, cwd, dir string) []string {
	t.Helper()
	f, err := os.Open(trace)
	if err != nil {
		t.Fatalf("no strace log: %v", err)
	}
	defer f.Close()
	quoted := regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	dirfd := regexp.MustCompile(`^\d+\s+\w+\((?:\d+|AT_FDCWD)<([^>]*)>, "`)
	var out []string
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if call := strings.TrimSpace(line); call != "" {
			isOpen := regexp.MustCompile(`^\d+\s+(open|openat|openat2)\(`).MatchString(call)
			writes := !isOpen || regexp.MustCompile(`O_WRONLY|O_RDWR|O_CREAT|O_TRUNC`).MatchString(call)
			// mkdir of a folder that exists (EEXIST) changes nothing.
			if writes && !strings.Contains(call, "resumed>") && !strings.HasSuffix(call, "EEXIST (File exists)") {
				base := cwd
				if m := dirfd.FindStringSubmatch(call); m != nil {
					base = m[1]
				}
				for _, m := range quoted.FindAllStringSubmatch(call, -1) {
					p := m[1]
					if !filepath.IsAbs(p) {
						p = filepath.Join(base, p)
					}
					p = filepath.Clean(p)
					if p != dir && !strings.HasPrefix(p, dir+"/") && !strings.HasPrefix(p, "/dev/") && !strings.HasPrefix(p, "/proc/") {
						out = append(out, call)
						break
					}
				}
			}
		}
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// portableFolder lays out the portable edition from the test build: kura
// (a copy, so that it finds kura-data beside itself), runtime/bin/ollama
// (a link to build/bin/ollama, which finds its libraries beside its real
// path) and an empty kura-data.
func portableFolder(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "kura-stick")
	for _, d := range []string{"runtime/bin", config.PortableDirName} {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(kuraBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "kura"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	mod, err := ollamarun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(mod, "build", "bin", "ollama"), filepath.Join(root, "runtime", "bin", "ollama")); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestTheWriteCheckFlagsEveryWriteOutsideTheFolder feeds writesOutside
// an strace log of the shapes strace -f -y prints, so a check that found
// nothing is known to have looked.
func TestTheWriteCheckFlagsEveryWriteOutsideTheFolder(t *testing.T) {
	lines := []struct {
		line    string
		flagged bool
	}{
		{`10  openat(AT_FDCWD</stick>, "/stick/kura-data/index.db", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 3</stick/kura-data/index.db>`, false},
		{`10  openat(AT_FDCWD</stick>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>`, false},
		{`10  openat(AT_FDCWD</stick>, "/home/u/.cache/x", O_WRONLY|O_CREAT|O_TRUNC, 0600) = -1 EROFS (Read-only file system)`, true},
		{`10  openat(AT_FDCWD</stick>, "notes.txt", O_WRONLY|O_CREAT, 0600) = 3</stick/notes.txt>`, true},
		{`11  mkdir("/tmp/kura-ocr-1", 0700) = 0`, true},
		{`11  mkdir("/stick/kura-data", 0777) = -1 EEXIST (File exists)`, false},
		{`12  unlinkat(5</tmp/x>, "a", 0) = 0`, true},
		{`12  unlinkat(5</stick/kura-data/tmp/y>, "a", 0) = 0`, false},
		{`13  renameat2(AT_FDCWD</stick>, "/stick/kura-data/a.partial", AT_FDCWD</stick>, "/stick/kura-data/a", 0) = 0`, false},
		{`13  openat(AT_FDCWD</stick>, "/dev/null", O_WRONLY|O_CLOEXEC) = 3</dev/null>`, false},
	}
	var log strings.Builder
	want := 0
	for _, l := range lines {
		log.WriteString(l.line + "\n")
		if l.flagged {
			want++
		}
	}
	trace := filepath.Join(t.TempDir(), "t.trace")
	os.WriteFile(trace, []byte(log.String()), 0o644)
	got := writesOutside(t, trace, "/stick", "/stick/kura-data")
	if len(got) != want {
		t.Fatalf("flagged %d lines, want %d:\n%s", len(got), want, strings.Join(got, "\n"))
	}
	for _, l := range lines {
		if l.flagged && !slices.Contains(got, l.line) {
			t.Errorf("not flagged: %s", l.line)
		}
	}
}
