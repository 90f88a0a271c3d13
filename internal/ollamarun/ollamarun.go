// Package ollamarun provides the Ollama runtime Kura talks to: the one the
// user already runs, or else the pinned `ollama` binary bundled with Kura,
// started on a private loopback port with its models under Kura's data
// directory.
//
// An Ollama the user runs always wins: the bundled one is started only when
// the configured URL is the local default (or empty) and nothing answers
// there. A URL the user configured explicitly is used as is; nothing is ever
// started for it. The bundled server never takes the default port, so a
// user's Ollama started later does not collide with it.
//
// The bundled server must not outlive Kura. Stop ends it with its whole
// process group; on Linux the kernel also kills it if Kura dies without
// calling Stop (even kill -9), and the next start reaps what such a death
// left behind (see reapStale).
package ollamarun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kura-app/kura/internal/llm"
)

// Options says where Kura looks for Ollama and how to run the bundled one.
type Options struct {
	// URL is the Ollama URL the user configured; "" means the default,
	// http://127.0.0.1:11434.
	URL string
	// DataDir is Kura's data directory. The bundled server keeps a note of
	// its process in DataDir/run, and its models in ModelsDir.
	DataDir string
	// ModelsDir is the bundled server's model store (its OLLAMA_MODELS);
	// "" means DataDir/models.
	ModelsDir string
	// Binary is the bundled ollama executable. "" looks, beside Kura's own
	// executable, in the places of RuntimeLayouts, then for build/bin/ollama
	// in the source tree Kura runs from (development: `make ollama`).
	Binary string
	// Log receives the bundled server's output; nil discards it.
	Log io.Writer
	// Env holds extra KEY=VALUE pairs for the bundled server, applied after
	// the inherited environment and before Kura's own OLLAMA_HOST,
	// OLLAMA_MODELS and OLLAMA_NO_CLOUD, which always win.
	Env []string
	// StartTimeout bounds how long the bundled server may take to answer;
	// zero means 60 seconds.
	StartTimeout time.Duration

	// DefaultURL is the address taken to be Ollama's local default: where
	// Ensure looks when URL is "", and the one address at which it starts
	// the bundled server when nothing answers. "" means llm.DefaultURL.
	// Only tests set it, so that they never touch port 11434, which may
	// hold the developer's own Ollama.
	DefaultURL string
}

// Runtime is the Ollama Kura uses. Its methods are safe for concurrent use.
type Runtime struct {
	URL     string // base URL to give llm.New
	Bundled bool   // true when Kura started it and must Stop it
	// ModelsDir is where the bundled server stores models; "" for a server
	// Kura did not start.
	ModelsDir string
	// Version is the server's, "0.17.4"; empty for a configured server that
	// did not answer when Ensure looked.
	Version string

	cmd      *exec.Cmd
	log      *logWatch     // the child's output, watched for its CPU backend
	exited   chan struct{} // closed when the child has been reaped
	exitErr  error         // valid once exited is closed
	pidFile  string
	stopOnce sync.Once
}

// probeTimeout bounds the check for an already running Ollama: a local
// server answers in milliseconds, and Kura's start must not wait on it.
const probeTimeout = 1500 * time.Millisecond

// Ensure returns the runtime for opts. A configured URL other than the
// local default is returned as is, answering or not (Version is then empty
// and the first real call reports the server unreachable); nothing is
// started for it. At the local default, an Ollama that answers is used, and
// otherwise the bundled server is started (see Start), whose errors Ensure
// returns: binary not found, not healthy in time. A URL that does not parse
// is an error. Call Stop on the result when Kura exits.
func Ensure(ctx context.Context, opts Options) (*Runtime, error) {
	def := opts.DefaultURL
	if def == "" {
		def = llm.DefaultURL
	}
	configured := opts.URL
	if strings.TrimSpace(configured) == "" {
		configured = def
	}
	if _, err := llm.New(configured); err != nil {
		return nil, err
	}
	version, err := probe(ctx, configured)
	if err == nil || !isLocalDefault(configured, def) {
		return &Runtime{URL: configured, Version: version}, nil
	}
	// Whatever holds the default port (nothing, a hung process, another
	// program) is not an Ollama we can use; ours takes another port.
	return Start(ctx, opts)
}

// Start always starts the bundled server, on a free loopback port, and
// waits until it answers. Ensure is what Kura calls; Start is for tests and
// for callers that want a private server regardless of what else runs.
func Start(ctx context.Context, opts Options) (*Runtime, error) {
	if opts.DataDir == "" {
		return nil, errors.New("start bundled ollama: no data directory")
	}
	bin, err := findBinary(opts.Binary)
	if err != nil {
		return nil, err
	}
	modelsDir := opts.ModelsDir
	if modelsDir == "" {
		modelsDir = filepath.Join(opts.DataDir, "models")
	}
	runDir := filepath.Join(opts.DataDir, "run")
	for _, d := range []string{modelsDir, runDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("start bundled ollama: %w", err)
		}
	}
	reapStale(runDir, bin)

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The free port is found by binding and releasing it, so another process
	// can take it in between; the child then exits at once and we retry.
	var lastErr error
	for range 3 {
		rt, err := startOnce(ctx, bin, modelsDir, runDir, opts)
		if err == nil {
			return rt, nil
		}
		lastErr = err
		if ctx.Err() != nil || !errors.Is(err, errExitedEarly) {
			break
		}
	}
	return nil, lastErr
}

var errExitedEarly = errors.New("exited during startup")

func startOnce(ctx context.Context, bin, modelsDir, runDir string, opts Options) (*Runtime, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start bundled ollama: %w", err)
	}
	hostPort := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), opts.Env...)
	// OLLAMA_NO_CLOUD turns off Ollama's cloud features (remote inference,
	// web search): the bundled runtime serves local models only.
	cmd.Env = append(cmd.Env, "OLLAMA_HOST="+hostPort, "OLLAMA_MODELS="+modelsDir, "OLLAMA_NO_CLOUD=1")
	lw := &logWatch{w: opts.Log}
	cmd.Stdout = lw
	cmd.Stderr = lw
	cmd.SysProcAttr = sysProcAttr()
	// A grandchild holding the log pipe must not keep Wait (and Stop) hanging.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start bundled ollama %s: %w", bin, err)
	}
	rt := &Runtime{
		URL:       "http://" + hostPort,
		Bundled:   true,
		ModelsDir: modelsDir,
		cmd:       cmd,
		log:       lw,
		exited:    make(chan struct{}),
		pidFile:   filepath.Join(runDir, strconv.Itoa(cmd.Process.Pid)),
	}
	go func() {
		rt.exitErr = cmd.Wait()
		close(rt.exited)
	}()
	// Best effort: without the note a crash leaves runners for the OS to
	// clean up, which is no worse than not having it.
	_ = os.WriteFile(rt.pidFile, []byte(bin+"\n"), 0o644)

	version, err := rt.waitHealthy(ctx)
	if err != nil {
		rt.Stop()
		return nil, err
	}
	rt.Version = version
	return rt, nil
}

// waitHealthy polls the child until it answers, it exits, or ctx ends.
func (rt *Runtime) waitHealthy(ctx context.Context) (string, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if v, err := probe(ctx, rt.URL); err == nil {
			return v, nil
		}
		select {
		case <-rt.exited:
			return "", fmt.Errorf("bundled ollama %s: %w (%v)", rt.cmd.Path, errExitedEarly, rt.exitErr)
		case <-ctx.Done():
			return "", fmt.Errorf("bundled ollama %s did not answer at %s: %w", rt.cmd.Path, rt.URL, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop ends the bundled server and the runners it started: SIGTERM to its
// process group, then SIGKILL after a grace period, and waits for it. It is
// idempotent, safe to call concurrently, and a no-op for a server Kura did
// not start (or a nil Runtime).
func (rt *Runtime) Stop() {
	if rt == nil || rt.cmd == nil {
		return
	}
	rt.stopOnce.Do(func() {
		select {
		case <-rt.exited:
		default:
			terminateGroup(rt.cmd.Process)
			select {
			case <-rt.exited:
			case <-time.After(stopGrace):
			}
		}
		// Runners left in the group once the server is gone are killed too.
		killGroup(rt.cmd.Process)
		<-rt.exited
		_ = os.Remove(rt.pidFile)
	})
}

// stopGrace is how long Stop lets the server unload models and exit.
const stopGrace = 5 * time.Second

// Pid is the bundled server's process id, 0 for a server Kura did not start.
func (rt *Runtime) Pid() int {
	if rt == nil || rt.cmd == nil {
		return 0
	}
	return rt.cmd.Process.Pid
}

// probe asks rawURL for its version; a server that does not answer is an
// error wrapping llm.ErrUnreachable.
func probe(ctx context.Context, rawURL string) (string, error) {
	c, err := llm.New(rawURL)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	v, err := c.Version(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// A port that accepts but never answers is as good as no server.
		return "", &llm.UnreachableError{URL: c.URL(), Err: err}
	}
	return v, err
}

// isLocalDefault reports whether raw names the default local endpoint def,
// spelled with 127.0.0.1, localhost or ::1.
func isLocalDefault(raw, def string) bool {
	a, errA := parseHostPort(raw)
	b, errB := parseHostPort(def)
	if errA != nil || errB != nil {
		return false
	}
	if a.Scheme != b.Scheme || a.Port() != b.Port() || strings.Trim(a.Path, "/") != "" {
		return false
	}
	isLoopback := func(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }
	return isLoopback(a.Hostname()) && isLoopback(b.Hostname())
}

func parseHostPort(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "11434")
	}
	return u, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RuntimeLayouts are the folders, relative to the folder of Kura's
// executable, where Kura looks for the bundled ollama, in order. Each holds
// the binary in a bin-like folder with its CPU libraries in ../lib/ollama
// beside it, where Ollama itself looks for them:
//
//	"."               development and tests: build/bin/kura beside build/bin/ollama
//	                  (libraries in build/lib/ollama)
//	"runtime/bin"     the portable tarball: kura, runtime/bin/ollama, runtime/lib/ollama
//	"../lib/kura/bin" an installed package: /usr/bin/kura, /usr/lib/kura/bin/ollama,
//	                  /usr/lib/kura/lib/ollama
var RuntimeLayouts = []string{".", "runtime/bin", "../lib/kura/bin"}

// findBinary resolves Options.Binary; see there for the search order.
func findBinary(bin string) (string, error) {
	if bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("bundled ollama: %w", err)
		}
		return bin, nil
	}
	name := "ollama"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		p, looked := besideKura(filepath.Dir(exe), name)
		if p != "" {
			return p, nil
		}
		tried = append(tried, looked...)
	}
	if root, err := ModuleRoot(); err == nil {
		p := filepath.Join(root, "build", "bin", name)
		if fileExists(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("bundled ollama not found (looked for %s); install Ollama, or build it with `make ollama`",
		strings.Join(tried, ", "))
}

// besideKura returns the first file name in the RuntimeLayouts under
// exeDir, or "" and the paths it looked at.
func besideKura(exeDir, name string) (string, []string) {
	var tried []string
	for _, rel := range RuntimeLayouts {
		p := filepath.Join(exeDir, filepath.FromSlash(rel), name)
		if fileExists(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", tried
}

// ModuleRoot is the nearest directory at or above the working directory
// that holds go.mod: the source tree in development and tests. Outside a
// source tree it fails.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
