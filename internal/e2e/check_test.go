//go:build e2e

package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/testwait"
)

// TestAnAnswersSentencesAreCheckedInTheBrowser asks, in Chromium, a question
// whose answer (a chat model with a scripted answer, on the real runtime) has
// one sentence with a year no quote holds: frontend/e2e/check.mjs finds the
// sentence underlined with a tooltip naming the year, "3 of 4 sentences
// found in the sources" under the answer, and the source panel opened by a
// click on a supported sentence. It writes docs/screenshots/answer-check.png.
func TestAnAnswersSentencesAreCheckedInTheBrowser(t *testing.T) {
	root, err := ollamarun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is missing: %v", err)
	}
	kura := kuraBinary(t, root)
	srv := ollamatest.Start(t, ollamatest.Options{})
	docs := t.TempDir()
	for name, text := range map[string]string{
		"ferry.txt":      "The harbour ferry leaves the north pier at nine every morning.",
		"lighthouse.txt": "The lamp of the lighthouse was replaced in 1998 by an electric one.",
	} {
		if err := os.WriteFile(filepath.Join(docs, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(kura, append(args, "--data", data, "--ollama", srv.URL)...)
		cmd.Env = kuraEnv(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kura %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cli("models", "use", "embed", srv.EmbedModel)
	cli("ingest", docs)
	const question = "When does the ferry leave, and when was the lighthouse lamp replaced?"
	// The quotes' numbers decide the script's citations.
	ctxJSON := cli("ask", "--context-only", "--json", question)
	f, l := strings.Index(ctxJSON, "ferry.txt"), strings.Index(ctxJSON, "lighthouse.txt")
	if f < 0 || l < 0 {
		t.Fatalf("the quotes do not come from both files: %s", ctxJSON)
	}
	nf, nl := 1, 2
	if l < f {
		nf, nl = 2, 1
	}
	model := srv.ImportScripted(t, "scripted-browser",
		fmt.Sprintf("The harbour ferry leaves the north pier at nine every morning [%d]. ", nf),
		fmt.Sprintf("The lamp of the lighthouse was replaced in 2004 by an electric one [%d]. ", nl),
		fmt.Sprintf("The ferry leaves the north pier of the harbour every morning [%d]. ", nf),
		fmt.Sprintf("The lamp of the lighthouse was replaced by an electric one [%d].", nl))
	cli("models", "use", "chat", model)

	base, token, serverLog := startServe(t, kura, data, srv.URL)
	authToken = token
	shot := filepath.Join(root, "docs", "screenshots", "answer-check.png")
	cmd := exec.CommandContext(testwait.Context(t), node, filepath.Join(root, "frontend", "e2e", "check.mjs"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "BASE_URL="+base, "TOKEN="+token, "QUESTION="+question, "MISSING=2004",
		"SUMMARY=3 of 4 sentences found in the sources", "SCREENSHOT="+shot, "CHROMIUM="+chromium, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node check.mjs: %v\n%s\n--- kura serve log ---\n%s", err, out, tail(serverLog.String(), 30))
	}
	t.Logf("%s", out)
}
