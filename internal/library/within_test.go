package library_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
)

// TestASearchWithinDocumentsFindsOnlyTheirPassages restricts a search to
// one document, to a folder, and to a path naming nothing. The same words
// are in every file, so an unrestricted search finds all of them.
func TestASearchWithinDocumentsFindsOnlyTheirPassages(t *testing.T) {
	ctx := context.Background()
	docs := t.TempDir()
	sub := filepath.Join(docs, "minutes")
	os.MkdirAll(sub, 0o755)
	files := map[string]string{
		filepath.Join(docs, "budget.txt"):    "予算の会議は火曜日です。The budget meeting is on Tuesday.",
		filepath.Join(sub, "march.txt"):      "三月の予算の会議は中止です。The March budget meeting is cancelled.",
		filepath.Join(sub, "april.txt"):      "四月の予算の会議は水曜日です。The April budget meeting is on Wednesday.",
		filepath.Join(docs, "minutes-x.txt"): "予算の会議の記録は別の場所です。The budget meeting notes live elsewhere.", // a sibling whose name starts like the folder
	}
	for p, text := range files {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	client, _ := llm.New("http://127.0.0.1:1")
	lib, err := library.Open(ctx, t.TempDir(), config.Default(), client)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	if _, err := lib.Ingest(ctx, "default", []string{docs}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		within []string
		want   []string
	}{
		{"without a restriction every file matches", nil, []string{"budget.txt", "march.txt", "april.txt", "minutes-x.txt"}},
		{"one document gives only its passages", []string{filepath.Join(sub, "march.txt")}, []string{"march.txt"}},
		{"a folder gives the documents under it, not a sibling named like it", []string{sub}, []string{"march.txt", "april.txt"}},
		{"a folder and a document add up", []string{sub, filepath.Join(docs, "budget.txt")}, []string{"march.txt", "april.txt", "budget.txt"}},
	} {
		for _, q := range []string{"budget meeting", "予算の会議"} {
			t.Run(tc.name+"/"+q, func(t *testing.T) {
				res, err := lib.Search(ctx, "default", q, library.SearchOptions{K: 10, Within: tc.within})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{}
				for _, p := range res.Passages {
					got[filepath.Base(p.Path)] = true
				}
				if len(got) != len(tc.want) {
					t.Fatalf("files found %v, want %v", got, tc.want)
				}
				for _, w := range tc.want {
					if !got[w] {
						t.Fatalf("files found %v, want %v", got, tc.want)
					}
				}
			})
		}
	}
	if _, err := lib.Search(ctx, "default", "budget", library.SearchOptions{Within: []string{filepath.Join(docs, "nothing")}}); !library.IsNotFound(err) {
		t.Fatalf("a restriction to a path naming no document = %v, want not found", err)
	}
	if _, err := lib.Search(ctx, "default", "budget", library.SearchOptions{Within: []string{"minutes"}}); err == nil {
		t.Fatal("a restriction to a relative path succeeded")
	}
	if err := lib.CheckWithin(ctx, "default", []string{sub}); err != nil {
		t.Fatalf("CheckWithin(folder) = %v", err)
	}
}

func TestModelNamesComeFromFileNames(t *testing.T) {
	for _, tc := range []struct {
		file, want string
	}{
		{"/usb/Qwen2.5-3B-Instruct-Q4_K_M.gguf", "qwen2.5-3b-instruct-q4_k_m"},
		{"/usb/bge-m3.GGUF", "bge-m3"},
		{"/usb/モデル chat (v2).gguf", "chat-v2"},
		{"/usb/e5 small.bin", "e5-small.bin"},
	} {
		if got, err := library.ModelName(tc.file); err != nil || got != tc.want {
			t.Errorf("ModelName(%q) = %q, %v; want %q", tc.file, got, err, tc.want)
		}
	}
	if got, err := library.ModelName("/usb/日本語.gguf"); err == nil {
		t.Errorf("ModelName of a name with no usable letters = %q, want an error", got)
	}
}

func TestGGUFFilesListsTheFolderOnly(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.gguf", "a.GGUF", "notes.txt", ".hidden.gguf"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "deeper"), 0o755)
	os.WriteFile(filepath.Join(dir, "deeper", "c.gguf"), []byte("x"), 0o644)
	got, err := library.GGUFFiles(dir)
	if err != nil || len(got) != 2 || filepath.Base(got[0]) != "a.GGUF" || filepath.Base(got[1]) != "b.gguf" {
		t.Fatalf("GGUFFiles = %v, %v; want a.GGUF and b.gguf", got, err)
	}
	if _, err := library.GGUFFiles(filepath.Join(dir, "deeper", "..", "deeper", "none")); err == nil {
		t.Fatal("a missing folder gave no error")
	}
	empty := t.TempDir()
	if _, err := library.GGUFFiles(empty); err == nil || !errors.Is(err, library.ErrNoGGUF) {
		t.Fatalf("an empty folder = %v, want ErrNoGGUF", err)
	}
}

// A collection's own number of passages replaces the configured one for
// its questions; other collections keep the configured number.
func TestACollectionsAnswerSettingsOverrideTheConfiguration(t *testing.T) {
	ctx := context.Background()
	docs := t.TempDir()
	for i, text := range []string{"予算の会議は火曜日です。", "予算の会議は水曜日です。", "予算の会議は木曜日です。", "予算の会議は金曜日です。"} {
		os.WriteFile(filepath.Join(docs, string(rune('a'+i))+".txt"), []byte(text), 0o644)
	}
	client, _ := llm.New("http://127.0.0.1:1")
	lib, err := library.Open(ctx, t.TempDir(), config.Default(), client)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	for _, c := range []string{"notes", "other"} {
		if _, err := lib.Ingest(ctx, c, []string{docs}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := lib.SetAnswerSettings(ctx, "notes", library.AnswerSettings{TopK: 1}); err != nil {
		t.Fatal(err)
	}
	if got := lib.AnswerSettings(ctx, "notes"); got.TopK != 1 || got.ChatModel != "" {
		t.Fatalf("AnswerSettings(notes) = %+v, want TopK 1", got)
	}
	for c, want := range map[string]int{"notes": 1, "other": 4} {
		ac, err := lib.Context(ctx, c, "予算の会議", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ac.Search.Passages) != want {
			t.Errorf("a question in %s searched %d passages, want %d", c, len(ac.Search.Passages), want)
		}
	}
	if err := lib.SetAnswerSettings(ctx, "notes", library.AnswerSettings{TopK: 51}); err == nil {
		t.Error("51 passages per question were accepted")
	}
	if err := lib.SetAnswerSettings(ctx, "nope", library.AnswerSettings{TopK: 2}); !library.IsNotFound(err) {
		t.Errorf("settings of a missing collection = %v, want not found", err)
	}
	if err := lib.SetAnswerSettings(ctx, "notes", library.AnswerSettings{ChatModel: "some-model"}); !errors.Is(err, llm.ErrUnreachable) {
		t.Errorf("a chat model checked with the runtime down = %v, want unreachable", err)
	}
	if err := lib.DeleteCollection(ctx, "notes"); err != nil {
		t.Fatal(err)
	}
	if got := lib.AnswerSettings(ctx, "notes"); got != (library.AnswerSettings{}) {
		t.Errorf("a deleted collection's settings remain: %+v", got)
	}
}
