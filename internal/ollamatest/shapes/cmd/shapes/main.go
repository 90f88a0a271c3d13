// Command shapes writes random-weight GGUF models with the exact shapes of
// real models (see package shapes) for benchmarks:
//
//	go run ./internal/ollamatest/shapes/cmd/shapes -dir .cache/shapes qwen2.5:3b bge-m3
//
// It prints one line per model, NAME<TAB>/abs/path.gguf, to standard output
// and progress to standard error; a model already written by the same
// generator version is not written again. With no names, or -list, it lists
// the models it knows.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/kura-app/kura/internal/ollamatest/shapes"
)

func main() {
	dir := flag.String("dir", ".cache/shapes", "folder for the models, their stamps and the tokenizer packages")
	list := flag.Bool("list", false, "list the models and exit")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: shapes [-dir DIR] NAME...\n       shapes -list\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *list || flag.NArg() == 0 {
		printList()
		if flag.NArg() == 0 && !*list {
			os.Exit(2)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	for _, name := range flag.Args() {
		path, err := shapes.Write(ctx, *dir, name, logf)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%s\t%s\n", name, path)
	}
}

func printList() {
	w := tabwriter.NewWriter(os.Stderr, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tARCH\tRUNNER\tPARAMS\tCTX\tDIM\tTYPE\tSIZE\tTOKENIZER")
	for _, s := range append(shapes.Catalog(), shapes.Miniatures()...) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.3gB\t%d\t%d\t%s\t%.2f GB\t%s\n", s.Name, s.Role, s.Architecture, s.Runner,
			float64(s.Parameters)/1e9, s.ContextLength, s.EmbeddingLength, s.FileType, float64(s.SizeBytes)/1e9, s.Tokenizer)
	}
	w.Flush()
}
