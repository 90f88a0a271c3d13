// Command tinymodels writes the two tiny test models of package ollamatest
// as GGUF files into a folder, for tests that install them through kura
// itself (`make test-release` imports them into a packaged Kura):
//
//	go run ./internal/ollamatest/cmd/tinymodels DIR
//
// The chat model answers every question with ollamatest.ChatAnswer.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kura-app/kura/internal/ollamatest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tinymodels DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	o := ollamatest.ModelOptions{ContextLength: 4096}
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = ollamatest.WriteChatModel(filepath.Join(dir, ollamatest.ChatModel+".gguf"), o)
	}
	if err == nil {
		err = ollamatest.WriteEmbedModel(filepath.Join(dir, ollamatest.EmbedModel+".gguf"), o)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tinymodels: %v\n", err)
		os.Exit(1)
	}
}
