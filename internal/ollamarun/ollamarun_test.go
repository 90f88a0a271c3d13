package ollamarun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/testwait"
)

// The tests run the real build/bin/ollama. None of them touches port 11434:
// each one makes a free port play Ollama's default address.

const (
	childEnv   = "OLLAMARUN_TEST_CHILD"       // data dir: act as a Kura that calls Ensure
	defaultEnv = "OLLAMARUN_TEST_DEFAULT_URL" // the child's stand-in for the default URL
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir, os.Getenv(defaultEnv)))
	}
	os.Exit(m.Run())
}

// withDefaultURL makes o treat u as Ollama's default address, so tests
// never touch port 11434.
func withDefaultURL(o ollamarun.Options, u string) ollamarun.Options {
	o.DefaultURL = u
	return o
}

// child is a stand-in Kura for the orphan test: it ensures a runtime,
// reports the server's pid and URL on stdout, then waits to be killed.
func child(dataDir, defaultURL string) int {
	rt, err := ollamarun.Ensure(context.Background(), withDefaultURL(options(dataDir), defaultURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("READY %d %s\n", rt.Pid(), rt.URL)
	select {}
}

func TestEnsureStartsTheBundledRuntimeWhenNothingAnswers(t *testing.T) {
	dataDir := t.TempDir()
	for _, configured := range []string{"", "<default>"} {
		def := silentURL(t)
		o := options(dataDir)
		if configured != "" {
			o.URL = strings.Replace(def, "127.0.0.1", "localhost", 1) // the default, spelled differently
		}
		rt, err := ollamarun.Ensure(context.Background(), withDefaultURL(o, def))
		if err != nil {
			t.Fatalf("configured %q: %v", o.URL, err)
		}
		t.Cleanup(rt.Stop)
		if !rt.Bundled || rt.Pid() == 0 {
			t.Errorf("configured %q: Bundled=%v pid=%d, want a started server", o.URL, rt.Bundled, rt.Pid())
		}
		if rt.URL == def {
			t.Errorf("configured %q: bundled server took the default address %s", o.URL, def)
		}
		if want := filepath.Join(dataDir, "models"); rt.ModelsDir != want {
			t.Errorf("configured %q: ModelsDir %q, want %q", o.URL, rt.ModelsDir, want)
		}
		if v := serverVersion(t, rt.URL); v == "" || v != rt.Version {
			t.Errorf("configured %q: server says version %q, Runtime says %q", o.URL, v, rt.Version)
		}
		rt.Stop()
	}
}

func TestEnsurePrefersAnOllamaThatAlreadyRuns(t *testing.T) {
	users := start(t) // plays the user's own Ollama at the default address
	rt, err := ollamarun.Ensure(context.Background(), withDefaultURL(options(t.TempDir()), users.URL))
	if err != nil {
		t.Fatal(err)
	}
	if rt.Bundled || rt.Pid() != 0 || rt.URL != users.URL || rt.ModelsDir != "" {
		t.Errorf("got %+v, want the running server used as is", rt)
	}
	rt.Stop() // a no-op: it is not ours to stop
	if serverVersion(t, users.URL) == "" {
		t.Error("Stop on a reused runtime stopped the user's server")
	}
}

func TestEnsureNeverStartsAnythingForAConfiguredURL(t *testing.T) {
	dataDir := t.TempDir()
	o := options(dataDir)
	o.URL = silentURL(t) // configured, not the default, and down
	rt, err := ollamarun.Ensure(context.Background(), withDefaultURL(o, silentURL(t)))
	if err != nil {
		t.Fatal(err)
	}
	if rt.URL != o.URL || rt.Bundled || rt.Pid() != 0 || rt.Version != "" {
		t.Errorf("got %+v, want the configured URL as is, nothing started", rt)
	}
	if entries, _ := os.ReadDir(filepath.Join(dataDir, "run")); len(entries) > 0 {
		t.Errorf("a server was started: %v", entries)
	}
}

func TestEnsureStartsTheBundledRuntimeWhenTheDefaultPortIsNotOllama(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler()) // some other program on the port
	defer other.Close()
	rt, err := ollamarun.Ensure(context.Background(), withDefaultURL(options(t.TempDir()), other.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Stop)
	if !rt.Bundled || rt.URL == other.URL {
		t.Errorf("got %+v, want a bundled server on its own port", rt)
	}
}

func TestEnsureSaysWhatIsMissingWithoutTheBinary(t *testing.T) {
	o := options(t.TempDir())
	o.Binary = filepath.Join(t.TempDir(), "no-ollama-here")
	_, err := ollamarun.Ensure(context.Background(), withDefaultURL(o, silentURL(t)))
	if err == nil || !strings.Contains(err.Error(), "no-ollama-here") {
		t.Fatalf("got %v, want an error naming the missing binary", err)
	}
}

func TestIsLocalDefault(t *testing.T) {
	const def = "http://127.0.0.1:11434"
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:11434", true},
		{"http://localhost:11434", true},
		{"127.0.0.1:11434", true},
		{"localhost:11434/", true},
		{"http://[::1]:11434", true},
		{"localhost", true}, // Ollama's port is the default one
		{"http://127.0.0.1:11435", false},
		{"https://127.0.0.1:11434", false},
		{"http://192.168.1.20:11434", false},
		{"http://ollama.lan:11434", false},
		{"http://127.0.0.1:11434/proxy", false},
	} {
		if got := ollamarun.IsLocalDefault(tc.url, def); got != tc.want {
			t.Errorf("IsLocalDefault(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}

// start runs a bundled server for the test.
func start(t *testing.T) *ollamarun.Runtime {
	t.Helper()
	rt, err := ollamarun.Start(context.Background(), options(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Stop)
	return rt
}

// options runs the server with its files, HOME included, in dataDir and its
// log in dataDir/ollama.log.
func options(dataDir string) ollamarun.Options {
	home := filepath.Join(dataDir, "home")
	_ = os.MkdirAll(home, 0o755)
	log, _ := os.OpenFile(filepath.Join(dataDir, "ollama.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	return ollamarun.Options{DataDir: dataDir, Log: log, Env: []string{"HOME=" + home}}
}

// silentURL is a loopback URL where nothing listens.
func silentURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}

// serverVersion is what the server at url reports, "" if nothing answers.
func serverVersion(t *testing.T, url string) string {
	t.Helper()
	c, err := llm.New(url)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := c.Version(testwait.Context(t))
	return v
}

// loadModel installs the tiny chat model and loads it, which makes the
// server start a runner process.
func loadModel(t *testing.T, url string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chat.gguf")
	if err := ollamatest.WriteChatModel(path, ollamatest.ModelOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := llm.New(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Import(context.Background(), path, "tiny", nil); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"model": "tiny"}) // no prompt: load only
	resp, err := http.Post(url+"/api/generate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("load model: %s", resp.Status)
	}
}

// TestTheRuntimeIsFoundWhereEachPackageShipsIt builds each shipped layout
// (the source tree, the portable tarball, the installed package) around a
// kura executable and checks that the ollama of that layout is the one
// found, and that nothing is found outside them.
func TestTheRuntimeIsFoundWhereEachPackageShipsIt(t *testing.T) {
	for _, c := range []struct {
		name, exeDir, ollama string
	}{
		{"the source tree: build/bin/kura beside build/bin/ollama", "build/bin", "build/bin/ollama"},
		{"the portable tarball: kura, runtime/bin/ollama", "kura-0.1.0", "kura-0.1.0/runtime/bin/ollama"},
		{"the package: /usr/bin/kura, /usr/lib/kura/bin/ollama", "usr/bin", "usr/lib/kura/bin/ollama"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			exeDir := filepath.Join(root, filepath.FromSlash(c.exeDir))
			want := filepath.Join(root, filepath.FromSlash(c.ollama))
			if got, _ := ollamarun.BesideKura(exeDir, "ollama"); got != "" {
				t.Fatalf("found %s before it was put there", got)
			}
			os.MkdirAll(filepath.Dir(want), 0o755)
			if err := os.WriteFile(want, []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			if got, tried := ollamarun.BesideKura(exeDir, "ollama"); filepath.Clean(got) != want {
				t.Fatalf("found %q (looked at %v), want %s", got, tried, want)
			}
		})
	}
}
