package integration_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/mcpserver"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/testwait"
)

// TestKuraMCPServesSearchAndAskToAnMCPClientOverStdio drives `kura mcp`
// with the SDK's own client over stdio, as LM Studio or an editor's agent
// would start it: the tools are listed (read-only), a search returns file,
// page and quote, an ask answers through the real runtime with its quotes,
// and --in keeps the scope a client cannot widen.
func TestKuraMCPServesSearchAndAskToAnMCPClientOverStdio(t *testing.T) {
	srv := ollamatest.Shared(t)
	data := t.TempDir()
	docs := harbourFiles(t)
	global := []string{"--data", data, "--ollama", srv.URL}
	cfg := append(global, "--collection", "harbour")
	for _, args := range [][]string{
		append([]string{"models", "use", "chat", srv.ChatModel}, global...),
		append([]string{"models", "use", "embed", srv.EmbedModel}, global...),
		append([]string{"ingest", docs}, cfg...),
	} {
		if out, err := exec.Command(kuraBinary(t), args...).CombinedOutput(); err != nil {
			t.Fatalf("kura %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ctx := testwait.Context(t) // stops a hung run only

	connect := func(extra ...string) *mcp.ClientSession {
		t.Helper()
		client := mcp.NewClient(&mcp.Implementation{Name: "kura-test", Version: "v0"}, nil)
		cmd := exec.Command(kuraBinary(t), append(append([]string{"mcp"}, cfg...), extra...)...)
		s, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s := connect()

	tools, err := s.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Annotations == nil || !tl.Annotations.ReadOnlyHint {
			t.Errorf("tool %s is not marked read-only", tl.Name)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"ask", "documents", "search"}) {
		t.Fatalf("tools %v", names)
	}

	var found mcpserver.SearchOutput
	call(t, ctx, s, "search", map[string]any{"query": "When does the ferry leave?", "k": 3}, &found)
	if len(found.Passages) == 0 || len(found.Passages) > 3 {
		t.Fatalf("search returned %d passages", len(found.Passages))
	}
	first := found.Passages[0]
	if filepath.Base(first.File) != "ferry.txt" || !strings.Contains(first.Quote, "nine every morning") || first.End <= first.Start {
		t.Fatalf("first passage %+v, want ferry.txt with its quote and offsets", first)
	}

	var ans mcpserver.AskOutput
	call(t, ctx, s, "ask", map[string]any{"question": "When does the harbour ferry leave?"}, &ans)
	if ans.Answer != ollamatest.ChatAnswer || !llm.SameModel(ans.Model, srv.ChatModel) {
		t.Fatalf("answer %q by %q, want the test model's %q", ans.Answer, ans.Model, ollamatest.ChatAnswer)
	}
	if len(ans.Sources) == 0 || ans.Sources[0].N != 1 || ans.Sources[0].Quote == "" || ans.Sources[0].File == "" {
		t.Fatalf("ask sources %+v, want numbered quotes with their files", ans.Sources)
	}

	// Scoped to one file: the others cannot be reached by any tool.
	scoped := connect("--in", filepath.Join(docs, "lighthouse.txt"))
	var list mcpserver.DocumentsOutput
	call(t, ctx, scoped, "documents", map[string]any{}, &list)
	if len(list.Documents) != 1 || filepath.Base(list.Documents[0].File) != "lighthouse.txt" {
		t.Fatalf("documents in scope %+v", list.Documents)
	}
	call(t, ctx, scoped, "search", map[string]any{"query": "ferry kiosk pier"}, &found)
	for _, p := range found.Passages {
		if filepath.Base(p.File) != "lighthouse.txt" {
			t.Fatalf("a scoped search returned %s", p.File)
		}
	}

	// A bad call is an error result, and the server carries on.
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: "search", Arguments: map[string]any{"query": "  "}})
	if err != nil || !res.IsError {
		t.Fatalf("an empty query: %v, %+v", err, res)
	}
	call(t, ctx, s, "search", map[string]any{"query": "lighthouse lamp"}, &found)
}

func call(t *testing.T, ctx context.Context, s *mcp.ClientSession, tool string, args map[string]any, out any) {
	t.Helper()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		t.Fatalf("%s failed: %+v", tool, res.Content)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v in %s", tool, err, b)
	}
	if len(res.Content) == 0 {
		t.Fatalf("%s: no text content for clients that read only text", tool)
	}
}
