package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/testwait"
)

// These tests run the kura binary as a user would. Every run is given
// KURA_OLLAMA_DEFAULT_URL (see main.go), so none of them ever looks at the
// real default port 11434.

func TestTheBundledRuntimeStartsWhenNeededIsReusedAndStopsWithKura(t *testing.T) {
	t.Run("with nothing at the default address kura starts its own and stops it on exit", func(t *testing.T) {
		data := t.TempDir()
		free := unusedURL(t)
		out, _, code := runKura(t, free, "runtime", "--json", "--data", data)
		var rt cli.RuntimeJSON
		if err := json.Unmarshal([]byte(out), &rt); err != nil || code != cli.ExitOK {
			t.Fatalf("exit %d, output %q (%v)", code, out, err)
		}
		if rt.Kind != "bundled" || !rt.Bundled || !rt.Reachable || rt.Version == "" || rt.URL == free ||
			rt.ModelsDir != filepath.Join(data, "models") || rt.Pid <= 0 {
			t.Errorf("runtime %+v; want the bundled runtime on its own port with its models in %s", rt, data)
		}
		if ollamaAlive(t, rt.Pid) {
			t.Errorf("the bundled runtime (pid %d) outlived kura", rt.Pid)
		}
		if left := ollamaProcesses(t, data); len(left) > 0 {
			t.Errorf("ollama processes of %s left after kura exited: %v", data, left)
		}
	})

	t.Run("an Ollama that already answers there is used and left running", func(t *testing.T) {
		srv := ollamatest.Shared(t)
		client := srv.Client(t)
		if _, err := client.Embed(context.Background(), srv.EmbedModel, []string{"load it"}); err != nil {
			t.Fatal(err)
		}
		out, _, code := runKura(t, srv.URL, "runtime", "--json", "--data", t.TempDir())
		var rt cli.RuntimeJSON
		if err := json.Unmarshal([]byte(out), &rt); err != nil || code != cli.ExitOK {
			t.Fatalf("exit %d, output %q (%v)", code, out, err)
		}
		if rt.Kind != "external" || rt.Bundled || rt.URL != srv.URL || rt.Version == "" || rt.ModelsDir != "" || rt.Pid != 0 {
			t.Errorf("runtime %+v; want the external one at %s", rt, srv.URL)
		}
		if !slices.ContainsFunc(rt.Loaded, func(m cli.LoadedModelJSON) bool {
			return strings.HasPrefix(m.Name, srv.EmbedModel) && m.ContextLength == srv.ContextLength && m.Size > 0
		}) {
			t.Errorf("loaded %+v; want %s with context %d", rt.Loaded, srv.EmbedModel, srv.ContextLength)
		}
		if _, err := client.Version(context.Background()); err != nil {
			t.Errorf("the external Ollama no longer answers after kura exited: %v", err)
		}
	})

	t.Run("Ctrl-C in a chat waiting for input ends kura and its runtime", func(t *testing.T) {
		data := t.TempDir()
		cmd := exec.Command(kuraBinary(t), "chat", "--data", data)
		cmd.Env, cmd.Dir = kuraEnv(t, unusedURL(t)), t.TempDir()
		stdin, err := cmd.StdinPipe() // held open: kura waits for a question
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		var stdout, stderr syncBuffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		defer cmd.Process.Kill()

		if !testwait.Poll(t, func() bool { return strings.Contains(stdout.String(), "\n> ") }) {
			t.Fatalf("kura chat did not prompt for a question; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		kids := ollamaChildren(t, cmd.Process.Pid)
		if len(kids) != 1 {
			t.Fatalf("kura chat has ollama children %v, want its bundled runtime; stderr:\n%s", kids, stderr.String())
		}
		server := kids[0]
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		select {
		case <-exited:
		case <-testwait.After(t):
			t.Fatalf("kura chat still runs at the test's deadline after Ctrl-C; stderr:\n%s", stderr.String())
		}
		if ollamaAlive(t, server) {
			t.Errorf("the bundled runtime (pid %d) outlived kura", server)
		}
		if left := ollamaProcesses(t, data); len(left) > 0 {
			t.Errorf("ollama processes of %s left after kura exited: %v", data, left)
		}
	})
}

func TestTheModelsListMarksTheConfiguredModelsAndHowToInstallMissingOnes(t *testing.T) {
	srv := ollamatest.Shared(t)

	t.Run("configured models that are installed are marked", func(t *testing.T) {
		data := t.TempDir()
		if err := config.Save(data, testConfig(srv)); err != nil {
			t.Fatal(err)
		}
		list := modelsJSON(t, srv.URL, data)
		for _, want := range []struct{ name, kind string }{{srv.ChatModel, "chat"}, {srv.EmbedModel, "embedding"}} {
			i := slices.IndexFunc(list.Models, func(m cli.ModelJSON) bool { return m.Name == want.name+":latest" })
			if i < 0 {
				t.Fatalf("%s not listed: %+v", want.name, list.Models)
			}
			if m := list.Models[i]; m.Kind != want.kind || m.Default != want.kind || m.ContextLength != srv.ContextLength || m.Size <= 0 {
				t.Errorf("%+v; want kind and default %q, context %d, a size", m, want.kind, srv.ContextLength)
			}
		}
		if len(list.Missing) != 0 {
			t.Errorf("missing %+v, want none", list.Missing)
		}
	})

	t.Run("configured models that are not installed come with the commands that install them", func(t *testing.T) {
		data := t.TempDir() // the default configuration names models the test server lacks
		def := config.Default()
		list := modelsJSON(t, srv.URL, data)
		want := []cli.MissingModelJSON{
			{Name: def.ChatModel, Role: "chat", Pull: "kura models pull " + def.ChatModel, Import: "kura models import FILE.gguf --name " + def.ChatModel},
			{Name: def.EmbedModel, Role: "embedding", Pull: "kura models pull " + def.EmbedModel, Import: "kura models import FILE.gguf --name " + def.EmbedModel},
		}
		if !slices.Equal(list.Missing, want) {
			t.Errorf("missing %+v, want %+v", list.Missing, want)
		}
		out, _, code := runKura(t, unusedURL(t), "models", "--data", data, "--ollama", srv.URL)
		if code != cli.ExitOK {
			t.Fatalf("exit %d", code)
		}
		for _, m := range want {
			if !strings.Contains(out, m.Pull) || !strings.Contains(out, m.Import) {
				t.Errorf("output does not say `%s` and `%s`:\n%s", m.Pull, m.Import, out)
			}
		}
	})
}

func TestAModelImportedFromAGGUFFileIsListedAndRemoved(t *testing.T) {
	srv := ollamatest.Shared(t)
	data := t.TempDir()
	gguf := filepath.Join(t.TempDir(), "usb-stick.gguf")
	if err := ollamatest.WriteEmbedModel(gguf, ollamatest.ModelOptions{Seed: 7, ContextLength: 1024}); err != nil {
		t.Fatal(err)
	}
	const name = "kura-imported:latest"
	free := unusedURL(t)

	// Without --name the model is named after its file.
	out, errOut, code := runKura(t, free, "models", "import", gguf, "--data", data, "--ollama", srv.URL)
	if code != cli.ExitOK || !strings.Contains(out, "installed usb-stick (embedding model, context 1024 tokens)") {
		t.Errorf("import without --name: exit %d, stdout %q, stderr %q; want it installed as usb-stick", code, out, errOut)
	}
	if _, errOut, code := runKura(t, free, "models", "rm", "usb-stick", "--data", data, "--ollama", srv.URL); code != cli.ExitOK {
		t.Fatalf("rm usb-stick: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code = runKura(t, free, "models", "import", gguf, "--name", name, "--data", data, "--ollama", srv.URL)
	if code != cli.ExitOK || !strings.Contains(out, "installed "+name+" (embedding model, context 1024 tokens)") {
		t.Fatalf("import: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !slices.ContainsFunc(modelsJSON(t, srv.URL, data).Models, func(m cli.ModelJSON) bool {
		return m.Name == name && m.Kind == "embedding" && m.ContextLength == 1024
	}) {
		t.Errorf("%s is not listed as an embedding model with context 1024", name)
	}
	if _, errOut, code := runKura(t, free, "models", "rm", name, "--data", data, "--ollama", srv.URL); code != cli.ExitOK {
		t.Fatalf("rm: exit %d, stderr %q", code, errOut)
	}
	if slices.ContainsFunc(modelsJSON(t, srv.URL, data).Models, func(m cli.ModelJSON) bool { return m.Name == name }) {
		t.Errorf("%s is still listed after rm", name)
	}
	if _, errOut, code := runKura(t, free, "models", "rm", name, "--data", data, "--ollama", srv.URL); code != cli.ExitFailure ||
		!strings.Contains(errOut, `model "`+name+`" is not installed`) {
		t.Errorf("removing it again: exit %d, stderr %q; want a failure saying it is not installed", code, errOut)
	}
}

// TestAFolderOfGGUFsGivesAWorkingSetupOffline is the first run without a
// network: a folder of GGUF files (a USB stick) is imported in one step,
// the only chat and embedding models are used without editing a setting,
// and a question is answered; then models are chosen by name and removed.
func TestAFolderOfGGUFsGivesAWorkingSetupOffline(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{NoModels: true})
	usb := t.TempDir()
	if err := ollamatest.WriteChatModel(filepath.Join(usb, "Tiny-Chat-Q8_0.gguf"), ollamatest.ModelOptions{ContextLength: 4096}); err != nil {
		t.Fatal(err)
	}
	if err := ollamatest.WriteEmbedModel(filepath.Join(usb, "tiny-embed.gguf"), ollamatest.ModelOptions{ContextLength: 4096}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(usb, "README.txt"), []byte("not a model"), 0o644)
	data, free := t.TempDir(), unusedURL(t)
	kura := func(args ...string) (string, string, int) {
		return runKura(t, free, append(args, "--data", data, "--ollama", srv.URL)...)
	}

	out, errOut, code := kura("models", "import", usb)
	if code != cli.ExitOK || !strings.Contains(out, "installed tiny-chat-q8_0 (chat model") || !strings.Contains(out, "it is the chat model now") ||
		!strings.Contains(out, "installed tiny-embed (embedding model") || !strings.Contains(out, "it is the embedding model now") {
		t.Fatalf("import of the folder: exit %d, stdout %q, stderr %q; want both models installed and used", code, out, errOut)
	}
	cfg, err := config.Load(data)
	if err != nil || !strings.HasPrefix(cfg.ChatModel, "tiny-chat-q8_0") || !strings.HasPrefix(cfg.EmbedModel, "tiny-embed") {
		t.Fatalf("settings after the import = %+v, %v; want the imported models", cfg, err)
	}

	docs := t.TempDir()
	os.WriteFile(filepath.Join(docs, "ferry.txt"), []byte("The harbour ferry leaves at seven."), 0o644)
	os.WriteFile(filepath.Join(docs, "tides.txt"), []byte("The harbour tide table hangs in the office."), 0o644)
	if _, errOut, code := kura("ingest", docs); code != cli.ExitOK {
		t.Fatalf("ingest: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code = kura("ask", "When does the harbour ferry leave?")
	if code != cli.ExitOK || !strings.Contains(out, ollamatest.ChatAnswer) || !strings.Contains(out, "Sources:") ||
		strings.Index(out, "Sources:") > strings.Index(out, ollamatest.ChatAnswer) {
		t.Fatalf("ask: exit %d, stdout %q, stderr %q; want the sources, then the answer", code, out, errOut)
	}
	if !regexp.MustCompile(`\(\S+ reading [12] quotes?, about \d+ new tokens`).MatchString(errOut) {
		t.Errorf("ask: stderr %q; want the line saying how much the model reads before it answers", errOut)
	}
	out, errOut, code = kura("ask", "--context-only", "--json", "--in", filepath.Join(docs, "tides.txt"), "harbour")
	var ctxJSON cli.ContextJSON
	if err := json.Unmarshal([]byte(out), &ctxJSON); err != nil || code != cli.ExitOK || len(ctxJSON.Passages) == 0 {
		t.Fatalf("ask --in: exit %d, %v, stdout %q, stderr %q", code, err, out, errOut)
	}
	for _, p := range ctxJSON.Passages {
		if filepath.Base(p.Path) != "tides.txt" {
			t.Errorf("ask --in tides.txt quoted %s", p.Path)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"models", "use", "chat", "tiny-embed"}, "tiny-embed:latest is an embedding model: it cannot write answers"},
		{[]string{"models", "use", "embed", "tiny-chat-q8_0"}, "is a chat model, not an embedding model"},
		{[]string{"models", "use", "chat", "nope"}, `model "nope" is not installed`},
	} {
		if _, errOut, code := kura(tc.args...); code != cli.ExitFailure || !strings.Contains(errOut, tc.want) {
			t.Errorf("kura %s: exit %d, stderr %q; want 1 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
	if _, errOut, code := kura("models", "import", filepath.Join(usb, "Tiny-Chat-Q8_0.gguf"), "--name", "other-chat"); code != cli.ExitOK {
		t.Fatalf("import of a second chat model: exit %d, stderr %q", code, errOut)
	}
	if cfg, _ := config.Load(data); !strings.HasPrefix(cfg.ChatModel, "tiny-chat-q8_0") {
		t.Errorf("a second chat model replaced the first one in the settings: %+v", cfg)
	}
	if out, errOut, code := kura("models", "use", "chat", "other-chat"); code != cli.ExitOK || !strings.Contains(out, "other-chat") {
		t.Fatalf("models use chat other-chat: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if cfg, _ := config.Load(data); !strings.HasPrefix(cfg.ChatModel, "other-chat") {
		t.Errorf("settings after models use = %+v, want other-chat answering", cfg)
	}

	// The chat model answered above, so the runtime holds it; removing it
	// unloads it too.
	if _, errOut, code := kura("models", "rm", "tiny-chat-q8_0"); code != cli.ExitOK {
		t.Fatalf("rm: exit %d, stderr %q", code, errOut)
	}
	out, _, _ = kura("runtime", "--json")
	var rt cli.RuntimeJSON
	if err := json.Unmarshal([]byte(out), &rt); err != nil {
		t.Fatalf("runtime --json: %v: %q", err, out)
	}
	if slices.ContainsFunc(rt.Loaded, func(m cli.LoadedModelJSON) bool { return strings.HasPrefix(m.Name, "tiny-chat-q8_0") }) {
		t.Errorf("the removed model is still loaded: %+v", rt.Loaded)
	}

	empty := t.TempDir()
	if _, errOut, code := kura("models", "import", empty); code != cli.ExitFailure || !strings.Contains(errOut, "no .gguf file") {
		t.Errorf("import of a folder without models: exit %d, stderr %q", code, errOut)
	}
}

func TestAPullWithoutNetworkFailsWithOneClearLine(t *testing.T) {
	srv := ollamatest.Shared(t)
	// Port 1 on loopback refuses, like a registry out of reach.
	const name = "127.0.0.1:1/library/nothing:latest"
	_, errOut, code := runKura(t, unusedURL(t), "models", "pull", name, "--data", t.TempDir(), "--ollama", srv.URL)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1]
	want := `kura: cannot download "` + name + `": no network connection to the model registry; ` +
		"to install it from a GGUF file instead: kura models import FILE.gguf --name " + name
	if code != cli.ExitFailure || last != want {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 ending with:\n%s", code, errOut, want)
	}
}

func TestAPullShowsBytesRateAndTimeLeft(t *testing.T) {
	// A fake runtime streams the progress of a 100 MB download over about
	// a second and a half; Kura's side of the stream is what is tested.
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/pull" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		send := func(status string, completed, total int64) {
			fmt.Fprintf(w, `{"status":%q,"digest":"sha256:abc","completed":%d,"total":%d}`+"\n", status, completed, total)
			w.(http.Flusher).Flush()
		}
		send("pulling manifest", 0, 0)
		const total = 100_000_000
		for i := int64(0); i <= 15; i++ {
			send("pulling abc123def456", total*i/15, total)
			time.Sleep(100 * time.Millisecond)
		}
		send("verifying sha256 digest", 0, 0)
		send("writing manifest", 0, 0)
		send("success", 0, 0)
	}))
	defer registry.Close()
	args := []string{"models", "pull", "some/model", "--data", t.TempDir(), "--ollama", registry.URL}

	t.Run("as lines when stderr is not a terminal", func(t *testing.T) {
		_, errOut, code := runKura(t, unusedURL(t), args...)
		if code != cli.ExitOK {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if strings.Contains(errOut, "\r") || len(lines) > 6 {
			t.Errorf("want a few plain lines, got:\n%q", errOut)
		}
		if !slices.ContainsFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, "pulling abc123def456 100% 100.0 MB/100.0 MB") && strings.HasSuffix(l, "MB/s")
		}) || lines[len(lines)-1] != "pulled some/model" {
			t.Errorf("want the finished step with its size and rate, then the result; got:\n%s", errOut)
		}
	})

	t.Run("as a bar redrawn in place on a terminal", func(t *testing.T) {
		master, tty := openPTY(t)
		var screen bytes.Buffer
		read := make(chan struct{})
		go func() {
			_, _ = io.Copy(&screen, master) // ends with EIO once every copy of tty is closed
			close(read)
		}()
		cmd := exec.Command(kuraBinary(t), args...)
		cmd.Env, cmd.Dir, cmd.Stderr = kuraEnv(t, unusedURL(t)), t.TempDir(), tty
		err := cmd.Run()
		tty.Close()
		select {
		case <-read:
		case <-testwait.After(t):
			t.Fatal("the terminal output did not end")
		}
		if err != nil {
			t.Fatalf("%v; terminal:\n%q", err, screen.String())
		}
		out := screen.String()
		redraws := strings.Count(out, "\r\033[Kpulling abc123def456")
		if redraws < 5 || !strings.Contains(out, "ETA ") || !strings.Contains(out, "MB/s") ||
			!strings.Contains(out, "[========================] 100.0 MB/100.0 MB") || !strings.Contains(out, "pulled some/model") {
			t.Errorf("%d redraws; want a bar redrawn in place with bytes, rate and ETA, then the result:\n%q", redraws, out)
		}
	})
}

// syncBuffer is a bytes.Buffer a child process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runKura runs the kura binary with defaultURL standing in for Ollama's
// default address and returns its stdout, stderr and exit status.
func runKura(t *testing.T, defaultURL string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(kuraBinary(t), args...)
	cmd.Env, cmd.Dir = kuraEnv(t, defaultURL), t.TempDir()
	return runCmd(t, cmd)
}

// runCmd runs cmd and returns its output and exit status; it fails t when
// cmd could not run at all.
func runCmd(t *testing.T, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// kuraEnv is the environment for a kura run: no inherited Ollama or data
// settings, a private HOME (Ollama writes a key there), and defaultURL in
// place of the default address.
func kuraEnv(t *testing.T, defaultURL string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "OLLAMA_HOST", "OLLAMA_MODELS", "KURA_DATA", "KURA_OLLAMA_DEFAULT_URL", "HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+t.TempDir(), "KURA_OLLAMA_DEFAULT_URL="+defaultURL)
}

func modelsJSON(t *testing.T, ollamaURL, data string) cli.ModelsJSON {
	t.Helper()
	out, errOut, code := runKura(t, unusedURL(t), "models", "--json", "--data", data, "--ollama", ollamaURL)
	var list cli.ModelsJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != cli.ExitOK {
		t.Fatalf("kura models --json: exit %d, %v; stdout %q, stderr %q", code, err, out, errOut)
	}
	return list
}

// unusedURL is a loopback address nothing listens on.
func unusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}

// ollamaExe is the resolved path of the bundled ollama binary.
var ollamaExe = sync.OnceValues(func() (string, error) {
	root, err := ollamarun.ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(filepath.Join(root, "build", "bin", "ollama"))
})

// isOllama reports whether pid is a live (not zombie) process running the
// bundled ollama binary.
func isOllama(t *testing.T, pid int) bool {
	want, err := ollamaExe()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)) // fails for zombies
	return err == nil && strings.TrimSuffix(exe, " (deleted)") == want
}

// ollamaAlive waits for pid to be gone (until the test's deadline) and
// reports whether it is still an ollama process.
func ollamaAlive(t *testing.T, pid int) bool {
	return !testwait.Poll(t, func() bool { return !isOllama(t, pid) })
}

// ollamaChildren lists the ollama processes whose parent is pid.
func ollamaChildren(t *testing.T, pid int) []int {
	var kids []int
	for _, p := range processes(t) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && isOllama(t, p) {
			kids = append(kids, p)
		}
	}
	return kids
}

// ollamaProcesses lists the ollama processes (servers and runners) whose
// model store is in data: those a kura with that data folder started.
func ollamaProcesses(t *testing.T, data string) []int {
	var found []int
	want := []byte("OLLAMA_MODELS=" + filepath.Join(data, "models") + "\x00")
	for _, p := range processes(t) {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p))
		if err == nil && bytes.Contains(env, want) && isOllama(t, p) {
			found = append(found, p)
		}
	}
	return found
}

func processes(t *testing.T) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// openPTY opens a pseudo-terminal: what is written to tty is read from
// master. Both are closed when the test ends.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open a terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlock the terminal: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("name the terminal: %v", e)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// The runtime Kura bundles must compute with the CPU's vector
// instructions: built with cgo alone it runs on SSE2 and reads prompts
// about 20 times slower (docs/BENCHMARKS.md). The library it loads, named
// in its own log, must be the best this CPU supports among those `make
// ollama` builds, and never the baseline.
func TestTheBundledRuntimeComputesWithTheBestSIMDLibraryForThisCPU(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{})
	client := srv.Client(t)
	if _, err := client.Embed(context.Background(), srv.EmbedModel, []string{"load the model"}); err != nil {
		t.Fatal(err)
	}
	got := srv.CPUBackend()
	root, err := ollamarun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want := ollamarun.ExpectedCPUBackend(filepath.Join(root, "build", "lib", "ollama"))
	if !got.Confirmed {
		t.Fatalf("the runtime's log names no CPU library after a model loaded (backend %+v): the SIMD libraries in build/lib/ollama were not found", got)
	}
	if !got.SIMD() {
		t.Fatalf("the runtime computes with %q (%s): no SIMD", got.Variant, got.Library)
	}
	if got.Variant != want.Variant {
		t.Fatalf("the runtime loaded %s, this CPU supports %s", got.Variant, want.Variant)
	}
	t.Logf("CPU backend: %s (%s)", got.Variant, strings.Join(got.Features, ", "))
}
