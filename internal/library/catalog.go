package library

import (
	"context"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/llm"
)

// Suggestion is a model Kura recommends for a role on a CPU laptop with
// Japanese, Korean and English documents.
type Suggestion struct {
	Role string // RoleChat or RoleEmbed
	Name string // as the Ollama library names it
	// Size is the download in bytes, as the Ollama library lists it.
	Size int64
	// ParameterSize is the model's size as Ollama writes it ("3.1B").
	ParameterSize string
	// Trait says what it is chosen for: "default" (the default on a
	// laptop), "stronger" (better answers or retrieval, several times the
	// work on a CPU: for a machine with many cores) or "multilingual" (an
	// alternative with good Japanese and Korean).
	Trait string
	// Installed, InUse and Speed are filled in by Suggestions for this
	// machine.
	Installed, InUse bool
	Speed            Speed
}

// catalog is what Suggestions recommends, best first within each role.
// Sizes are the Ollama library's downloads. Why these: README, "Models";
// their speed on a CPU: docs/BENCHMARKS.md.
var catalog = []Suggestion{
	{Role: RoleChat, Name: config.DefaultChatModel, Size: 1_400_000_000, ParameterSize: "2.0B", Trait: "default"},
	{Role: RoleChat, Name: config.LargeChatModel, Size: 2_500_000_000, ParameterSize: "4.0B", Trait: "stronger"},
	{Role: RoleChat, Name: "gemma2:2b", Size: 1_600_000_000, ParameterSize: "2.6B", Trait: "multilingual"},
	{Role: RoleEmbed, Name: config.DefaultEmbedModel, Size: 236_000_000, ParameterSize: "118M", Trait: "default"},
	{Role: RoleEmbed, Name: "bge-m3", Size: 1_200_000_000, ParameterSize: "567M", Trait: "stronger"},
	{Role: RoleEmbed, Name: "qwen3-embedding:0.6b", Size: 639_000_000, ParameterSize: "596M", Trait: "multilingual"},
}

// Suggestions lists the recommended models by role, marking those
// installed and in use, with the speed this machine measured for them (0
// when not measured yet). installed names the installed models (nil when
// the runtime is not reachable: none is marked installed).
func (l *Library) Suggestions(ctx context.Context, installed []string) []Suggestion {
	cfg := l.Config()
	out := make([]Suggestion, 0, len(catalog))
	seen := map[string]bool{}
	for _, s := range catalog {
		if seen[llm.WithTag(s.Name)] {
			continue // a default that is also listed as an alternative
		}
		seen[llm.WithTag(s.Name)] = true
		for _, name := range installed {
			if llm.SameModel(name, s.Name) {
				s.Installed = true
				s.Speed = l.ModelSpeed(ctx, name)
			}
		}
		if s.Role == RoleChat {
			s.InUse = llm.SameModel(s.Name, cfg.ChatModel)
		} else {
			s.InUse = llm.SameModel(s.Name, cfg.EmbedModel)
		}
		out = append(out, s)
	}
	return out
}
