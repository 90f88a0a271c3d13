package ollamarun_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/testwait"
)

func TestStopEndsTheServerAndItsRunners(t *testing.T) {
	rt := start(t)
	loadModel(t, rt.URL)
	pids := ollamarun.GroupMembers(rt.Pid())
	if len(pids) < 2 {
		t.Fatalf("process group %d has %v, want the server and a runner", rt.Pid(), pids)
	}
	rt.Stop()
	rt.Stop() // idempotent
	for _, pid := range pids {
		waitGone(t, pid)
	}
	if serverVersion(t, rt.URL) != "" {
		t.Error("server still answers after Stop")
	}
}

func TestAKilledKuraLeavesNoOllamaBehind(t *testing.T) {
	dataDir := t.TempDir()
	var stderr bytes.Buffer
	kura := exec.Command(os.Args[0])
	kura.Env = append(os.Environ(), childEnv+"="+dataDir, defaultEnv+"="+silentURL(t))
	kura.Stderr = &stderr
	out, err := kura.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := kura.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kura.Process.Kill()
		_ = kura.Wait()
		if t.Failed() {
			t.Logf("child stderr:\n%s", stderr.String())
		}
	})
	server, url := readReady(t, bufio.NewReader(out))
	loadModel(t, url)
	group := ollamarun.GroupMembers(server)
	if len(group) < 2 {
		t.Fatalf("process group %d has %v, want the server and a runner", server, group)
	}

	if err := kura.Process.Signal(os.Kill); err != nil { // kill -9: no Stop, no cleanup
		t.Fatal(err)
	}
	_ = kura.Wait()
	waitGone(t, server) // the kernel's parent-death signal

	// The runner outlives the server (Ollama gives it no parent-death
	// signal); the next start clears it.
	rt, err := ollamarun.Start(context.Background(), options(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Stop)
	for _, pid := range group {
		waitGone(t, pid)
	}
	if notes, _ := os.ReadDir(filepath.Join(dataDir, "run")); len(notes) != 1 || notes[0].Name() != strconv.Itoa(rt.Pid()) {
		t.Errorf("run notes %v, want only the live server's", notes)
	}
}

// waitGone fails t unless pid exits (or is a zombie nobody reaps: PID 1 in
// a container may not) by the test's deadline.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	var stat []byte
	gone := func() bool {
		var err error
		stat, err = os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		i := bytes.LastIndexByte(stat, ')')
		return err != nil || i > 0 && len(stat) > i+2 && stat[i+2] == 'Z'
	}
	if !testwait.Poll(t, gone) {
		t.Fatalf("process %d still running at the test's deadline: %s", pid, stat)
	}
}

// readReady reads the child's "READY pid url" line.
func readReady(t *testing.T, r *bufio.Reader) (pid int, url string) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if _, err := fmt.Sscanf(line, "READY %d %s", &pid, &url); err != nil {
		t.Fatalf("child said %q: %v", line, err)
	}
	return pid, url
}

func TestTheBundledRuntimeRunsWithCloudFeaturesOff(t *testing.T) {
	rt := start(t)
	defer rt.Stop()
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", rt.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains("\x00"+string(env)+"\x00", "\x00OLLAMA_NO_CLOUD=1\x00") {
		t.Fatal("the bundled Ollama was started without OLLAMA_NO_CLOUD=1")
	}
}
