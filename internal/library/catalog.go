package library

import (
	"context"
	"slices"

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
	// Weights are the digests of its weights file in the Ollama library
	// ("sha256:<hex>", the model layer of its manifest), by which it is
	// recognised installed under another name: imported from a GGUF file
	// (a USB stick, a pack) rather than pulled. A name alone is not enough
	// (a fine-tune can share it), so a model without known digests is
	// recognised by its name only.
	Weights []string
	// Installed, InUse and Speed are filled in by Suggestions for this
	// machine; InstalledAs is the installed model's name (Name, or
	// another one for the same weights).
	Installed, InUse bool
	InstalledAs      string
	Speed            Speed
}

// catalog is what Suggestions recommends, best first within each role.
// Sizes are the Ollama library's downloads. Why these: README, "Models";
// their speed on a CPU: docs/BENCHMARKS.md.
var catalog = []Suggestion{
	{Role: RoleChat, Name: config.DefaultChatModel, Size: 1_400_000_000, ParameterSize: "2.0B", Trait: "default",
		Weights: []string{"sha256:3d0b790534fe4b79525fc3692950408dca41171676ed7e21db57af5c65ef6ab6"}},
	{Role: RoleChat, Name: config.LargeChatModel, Size: 2_500_000_000, ParameterSize: "4.0B", Trait: "stronger",
		Weights: []string{"sha256:163553aea1b1de62de7c5eb2ef5afb756b4b3133308d9ae7e42e951d8d696ef5"}},
	{Role: RoleChat, Name: "gemma2:2b", Size: 1_600_000_000, ParameterSize: "2.6B", Trait: "multilingual"},
	{Role: RoleEmbed, Name: config.DefaultEmbedModel, Size: 236_000_000, ParameterSize: "118M", Trait: "default"},
	{Role: RoleEmbed, Name: "bge-m3", Size: 1_200_000_000, ParameterSize: "567M", Trait: "stronger"},
	{Role: RoleEmbed, Name: "qwen3-embedding:0.6b", Size: 639_000_000, ParameterSize: "596M", Trait: "multilingual"},
}

// Suggestions lists the recommended models by role, marking those
// installed (by name, or by the digest of their weights under another
// name: Recognize) and in use, with the speed this machine measured for
// them (0 when not measured yet). installed are the installed models (nil
// when the runtime is not reachable: none is marked installed).
func (l *Library) Suggestions(ctx context.Context, installed []llm.Model) []Suggestion {
	cfg := l.Config()
	out := make([]Suggestion, 0, len(catalog))
	seen := map[string]bool{}
	for _, s := range catalog {
		if seen[llm.WithTag(s.Name)] {
			continue // a default that is also listed as an alternative
		}
		seen[llm.WithTag(s.Name)] = true
		if name := recognize(s, installed); name != "" {
			s.Installed, s.InstalledAs = true, name
			s.Speed = l.ModelSpeed(ctx, name)
		}
		use := cfg.EmbedModel
		if s.Role == RoleChat {
			use = cfg.ChatModel
		}
		s.InUse = llm.SameModel(s.Name, use) || (s.Installed && llm.SameModel(s.InstalledAs, use))
		out = append(out, s)
	}
	return out
}

// Recognize names the recommended model an installed model is: the
// catalog entry of the same name, or whose weights it has (imported from a
// file under another name); "" for none.
func Recognize(m llm.Model) string {
	for _, s := range catalog {
		if recognize(s, []llm.Model{m}) != "" {
			return s.Name
		}
	}
	return ""
}

// recognize is the name of the installed model that is s: the one of the
// same name, else one with the same weights; "" when none is.
func recognize(s Suggestion, installed []llm.Model) string {
	for _, m := range installed {
		if llm.SameModel(m.Name, s.Name) {
			return m.Name
		}
	}
	for _, m := range installed {
		if m.Weights != "" && slices.Contains(s.Weights, m.Weights) {
			return m.Name
		}
	}
	return ""
}
