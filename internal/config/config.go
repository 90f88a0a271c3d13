// Package config is Kura's user configuration: a typed struct with
// defaults, stored as JSON in the data folder, written atomically (temporary
// file, fsync, rename) and versioned. A file that fails to parse is never
// silently replaced: loading fails and names the file, so the user's
// settings are not lost.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kura-app/kura/internal/machine"
)

// Version is the config format this build writes.
const Version = 1

// FileName is the config file's name inside the data folder.
const FileName = "config.json"

// The models Kura chooses when the user has not: small, multilingual
// (Japanese, Korean, English), with licences that allow any use, and fast
// enough on a laptop CPU by the measurements in docs/BENCHMARKS.md. The
// README's model table gives the reasons; DefaultModels picks by machine.
const (
	// DefaultChatModel answers on laptops up to 8 cores: Qwen3 1.7B
	// (Apache-2.0) reads 38-42 prompt tokens a second on two cores.
	DefaultChatModel = "qwen3:1.7b"
	// LargeChatModel answers on machines with 12 or more cores and 16 GB:
	// Qwen3 4B, the same family, markedly better in Japanese, about 2.5
	// times the work per token.
	LargeChatModel = "qwen3:4b"
	// DefaultEmbedModel embeds on every machine: multilingual-e5-small
	// (MIT) embeds 2.3-2.7 passages of ~470 tokens a second on two cores
	// where bge-m3 does 0.41, at 68.7 against 78.2 on JMTEB-v2 retrieval. One model on every
	// machine keeps knowledge packs portable. In the Ollama library it is
	// published in a community namespace.
	DefaultEmbedModel = "jeffh/intfloat-multilingual-e5-small:f16"
)

// DefaultModels are the chat and embedding models Kura uses on machine m
// when the user has chosen none, and why.
func DefaultModels(m machine.Info) (chat, embed, why string) {
	if m.Cores >= 12 && m.MemoryBytes >= 15<<30 {
		return LargeChatModel, DefaultEmbedModel, fmt.Sprintf("%d cores and %d GB: the larger chat model answers within the first-token target", m.Cores, m.MemoryGB())
	}
	return DefaultChatModel, DefaultEmbedModel, fmt.Sprintf("%d cores: the small chat model answers within the first-token target", m.Cores)
}

var machineDefaults = sync.OnceValues(func() (string, string) {
	chat, embed, _ := DefaultModels(machine.Read())
	return chat, embed
})

// Config is everything a user can set. Zero fields take defaults (see
// Default and Normalize).
type Config struct {
	Version int `json:"version"`
	// OllamaURL is the one server Kura talks to. Empty: $OLLAMA_HOST, else
	// http://127.0.0.1:11434 (where Kura starts its bundled runtime if
	// nothing answers).
	OllamaURL  string `json:"ollama_url,omitempty"`
	ChatModel  string `json:"chat_model"`
	EmbedModel string `json:"embed_model"`
	// TopK is the number of passages retrieved per question.
	TopK int `json:"top_k"`
	// LexicalWeight is the lexical share of hybrid ranking, 0..1.
	LexicalWeight float64 `json:"lexical_weight"`
	ChunkSize     int     `json:"chunk_size"`
	ChunkOverlap  int     `json:"chunk_overlap"`
	// MaxContext caps the context window (tokens) requested from the model.
	MaxContext int `json:"max_context"`
	// FirstTokenSeconds is how long an answer may take to start: the
	// prompt is sized to what the model reads in that time on this machine
	// (see package answer).
	FirstTokenSeconds int `json:"first_token_seconds"`
	// AnswerTokens caps an answer's length in tokens (sent as num_predict,
	// and reserved for it in the context): a model caught in a loop stops
	// there. Default 1024, about 700 English words or 1,500 Japanese
	// characters; MinAnswerTokens..MaxAnswerTokens.
	AnswerTokens int    `json:"answer_tokens"`
	Theme        string `json:"theme"`    // light, dark, system
	Language     string `json:"language"` // UI language: "", en, ja, ko ("" follows the system)
}

// Default returns the defaults for this machine (see DefaultModels).
func Default() Config {
	chat, embed := machineDefaults()
	return Config{
		Version: Version, ChatModel: chat, EmbedModel: embed,
		TopK: 6, LexicalWeight: 0.5, ChunkSize: 800, ChunkOverlap: 120, MaxContext: 8192, Theme: "system",
		FirstTokenSeconds: DefaultFirstTokenSeconds, AnswerTokens: DefaultAnswerTokens,
	}
}

// Normalize fills zero and out-of-range fields with defaults.
func (c Config) Normalize() Config {
	d := Default()
	c.Version = Version
	if strings.TrimSpace(c.ChatModel) == "" {
		c.ChatModel = d.ChatModel
	}
	if strings.TrimSpace(c.EmbedModel) == "" {
		c.EmbedModel = d.EmbedModel
	}
	if c.TopK <= 0 || c.TopK > 50 {
		c.TopK = d.TopK
	}
	if c.LexicalWeight <= 0 || c.LexicalWeight > 1 {
		c.LexicalWeight = d.LexicalWeight
	}
	if c.ChunkSize < 100 || c.ChunkSize > 8000 {
		c.ChunkSize = d.ChunkSize
	}
	if c.ChunkOverlap < 0 || c.ChunkOverlap > c.ChunkSize/2 {
		c.ChunkOverlap = min(d.ChunkOverlap, c.ChunkSize/2)
	}
	if c.MaxContext < 1024 {
		c.MaxContext = d.MaxContext
	}
	if c.FirstTokenSeconds < MinFirstTokenSeconds || c.FirstTokenSeconds > MaxFirstTokenSeconds {
		c.FirstTokenSeconds = d.FirstTokenSeconds
	}
	if c.AnswerTokens < MinAnswerTokens || c.AnswerTokens > MaxAnswerTokens {
		c.AnswerTokens = d.AnswerTokens
	}
	switch c.Theme {
	case "light", "dark", "system":
	default:
		c.Theme = "system"
	}
	switch c.Language {
	case "", "en", "ja", "ko":
	default:
		c.Language = ""
	}
	return c
}

// Bounds and default of FirstTokenSeconds. The default is chosen from the
// measurements in docs/BENCHMARKS.md: on two cores it leaves room for the
// evidence most questions need; on eight cores the same prompt starts in a
// few seconds.
const (
	DefaultFirstTokenSeconds = 20
	MinFirstTokenSeconds     = 3
	MaxFirstTokenSeconds     = 300
)

// Bounds and default of AnswerTokens.
const (
	DefaultAnswerTokens = 1024
	MinAnswerTokens     = 128
	MaxAnswerTokens     = 8192
)

// FirstTokenTarget is FirstTokenSeconds as a duration.
func (c Config) FirstTokenTarget() time.Duration {
	return time.Duration(c.FirstTokenSeconds) * time.Second
}

// ResolvedOllamaURL is the URL to use: the configured one, else
// $OLLAMA_HOST, else the local default.
func (c Config) ResolvedOllamaURL() string {
	if c.OllamaURL != "" {
		return c.OllamaURL
	}
	if h := os.Getenv("OLLAMA_HOST"); h != "" {
		return h
	}
	return "http://127.0.0.1:11434"
}

// Load reads the config from dir. A missing file gives the defaults. A file
// that cannot be parsed is an error naming the file; it is left untouched.
// A file from a newer Kura is read as far as this build understands it.
func Load(dir string) (Config, error) {
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("read settings %s: %w", path, err)
	}
	c := Default()
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("settings file %s is damaged (%v); it was left as it is: fix or remove it", path, err)
	}
	return c.Normalize(), nil
}

// Save writes c to dir atomically: readers see the old or the new file,
// never a partial one, also after a crash.
func Save(dir string, c Config) error {
	c = c.Normalize()
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, FileName), append(b, '\n'), 0o600)
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder, synced and renamed over the target.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if runtime.GOOS != "windows" {
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// dataDir is the per-user data folder: ~/.local/share/kura on Linux
// ($XDG_DATA_HOME/kura when set), ~/Library/Application Support/Kura on
// macOS, %AppData%\Kura on Windows.
func dataDir(getenv func(string) string) (string, error) {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		if x := getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "kura"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, ".local", "share", "kura"), nil
	default:
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "Kura"), nil
	}
}
