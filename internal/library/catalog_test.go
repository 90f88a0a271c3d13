package library_test

import (
	"context"
	"testing"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
)

// qwen3Weights is the digest of qwen3:1.7b's weights in the Ollama library.
const qwen3Weights = "sha256:3d0b790534fe4b79525fc3692950408dca41171676ed7e21db57af5c65ef6ab6"

func TestAModelImportedUnderAnotherNameIsRecognisedByItsWeights(t *testing.T) {
	cfg := config.Default()
	cfg.ChatModel = "Qwen3-1.7B-Q4_K_M:latest" // what an import from a stick made the chat model
	client, _ := llm.New("http://127.0.0.1:1")
	lib, err := library.Open(context.Background(), t.TempDir(), cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	installed := []llm.Model{
		{Name: "Qwen3-1.7B-Q4_K_M:latest", Family: "qwen3", Weights: qwen3Weights},
		// Same family and name pattern, other weights (a fine-tune): not it.
		{Name: "qwen3-4b-finetune:latest", Family: "qwen3", Weights: "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	}
	byName := map[string]library.Suggestion{}
	for _, s := range lib.Suggestions(context.Background(), installed) {
		byName[s.Name] = s
	}
	small := byName[config.DefaultChatModel]
	if !small.Installed || small.InstalledAs != "Qwen3-1.7B-Q4_K_M:latest" || !small.InUse {
		t.Fatalf("%s = %+v: want it installed as the imported model, and in use (the Models view offered to download it again)", config.DefaultChatModel, small)
	}
	if large := byName[config.LargeChatModel]; large.Installed || large.InUse {
		t.Fatalf("%s = %+v: a model of the same family with other weights is not it", config.LargeChatModel, large)
	}
	if got := library.Recognize(installed[0]); got != config.DefaultChatModel {
		t.Errorf("Recognize(the imported model) = %q, want %s", got, config.DefaultChatModel)
	}
	if got := library.Recognize(installed[1]); got != "" {
		t.Errorf("Recognize(a fine-tune) = %q, want none", got)
	}
	// The model of the recommended name is preferred, and found without
	// a digest (an older runtime that does not say).
	both := []llm.Model{installed[0], {Name: "qwen3:1.7b"}}
	for _, s := range lib.Suggestions(context.Background(), both) {
		if s.Name == config.DefaultChatModel && s.InstalledAs != "qwen3:1.7b" {
			t.Errorf("with both installed, %s is installed as %q, want itself", s.Name, s.InstalledAs)
		}
	}
	for _, s := range lib.Suggestions(context.Background(), nil) {
		if s.Installed {
			t.Errorf("with the runtime down, %s is marked installed", s.Name)
		}
	}
}
