package config

import (
	"github.com/kura-app/kura/internal/machine"

	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveThenLoadRoundTrips(t *testing.T) {
	dir := t.TempDir()
	c := Default()
	c.ChatModel, c.TopK, c.Theme, c.Language = "m:1b", 9, "dark", "ja"
	if err := Save(dir, c); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil || got != c.Normalize() {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, c)
	}
}

func TestAMissingFileGivesTheDefaults(t *testing.T) {
	got, err := Load(t.TempDir())
	if err != nil || got != Default() {
		t.Fatalf("Load = %+v, %v", got, err)
	}
}

func TestADamagedFileIsKeptAndReported(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	os.WriteFile(path, []byte(`{"chat_model": "x",`), 0o600)
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load = %v, want an error naming the file", err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"chat_model": "x",` {
		t.Fatal("the damaged file was changed")
	}
}

func TestNormalizeRepairsOutOfRangeValues(t *testing.T) {
	c := Config{TopK: -1, LexicalWeight: 7, ChunkSize: 5, ChunkOverlap: 900, MaxContext: 10, Theme: "pink", Language: "fr"}.Normalize()
	d := Default()
	if c.TopK != d.TopK || c.LexicalWeight != d.LexicalWeight || c.ChunkSize != d.ChunkSize || c.ChunkOverlap > c.ChunkSize/2 ||
		c.MaxContext != d.MaxContext || c.Theme != "system" || c.Language != "" || c.ChatModel != d.ChatModel {
		t.Fatalf("Normalize = %+v", c)
	}
}

func TestOllamaURLPrecedence(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "10.0.0.5:11434")
	if got := (Config{OllamaURL: "http://h:1"}).ResolvedOllamaURL(); got != "http://h:1" {
		t.Fatalf("configured URL lost: %s", got)
	}
	if got := (Config{}).ResolvedOllamaURL(); got != "10.0.0.5:11434" {
		t.Fatalf("OLLAMA_HOST ignored: %s", got)
	}
	t.Setenv("OLLAMA_HOST", "")
	if got := (Config{}).ResolvedOllamaURL(); got != "http://127.0.0.1:11434" {
		t.Fatalf("default: %s", got)
	}
}

func TestDefaultModelsFollowTheMachine(t *testing.T) {
	tests := []struct {
		name      string
		m         machine.Info
		wantChat  string
		wantEmbed string
	}{
		{"a two-core laptop gets the small chat model", machine.Info{Cores: 2, MemoryBytes: 8 << 30}, DefaultChatModel, DefaultEmbedModel},
		{"an eight-core laptop too", machine.Info{Cores: 8, MemoryBytes: 16 << 30}, DefaultChatModel, DefaultEmbedModel},
		{"sixteen cores with 32 GB get the larger one", machine.Info{Cores: 16, MemoryBytes: 32 << 30}, LargeChatModel, DefaultEmbedModel},
		{"many cores but 8 GB keep the small one", machine.Info{Cores: 16, MemoryBytes: 8 << 30}, DefaultChatModel, DefaultEmbedModel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat, embed, why := DefaultModels(tt.m)
			if chat != tt.wantChat || embed != tt.wantEmbed || why == "" {
				t.Fatalf("DefaultModels = %s, %s (%q); want %s, %s with a reason", chat, embed, why, tt.wantChat, tt.wantEmbed)
			}
		})
	}
}

func TestAnswerTokensDefaultAndBounds(t *testing.T) {
	if d := Default(); d.AnswerTokens != DefaultAnswerTokens || DefaultAnswerTokens != 1024 {
		t.Fatalf("default answer tokens %d", d.AnswerTokens)
	}
	for in, want := range map[int]int{0: 1024, 50: 1024, 9000: 1024, 128: 128, 4096: 4096} {
		if got := (Config{AnswerTokens: in}).Normalize().AnswerTokens; got != want {
			t.Errorf("Normalize(answer_tokens %d) = %d, want %d", in, got, want)
		}
	}
}
