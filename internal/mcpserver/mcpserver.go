// Package mcpserver is `kura mcp`: Kura as the document source of other
// local tools. It serves the Model Context Protocol over a stream (stdio in
// the CLI) with the official Go SDK, the only package that imports it, so a
// local assistant that speaks MCP (LM Studio, Jan, Cherry Studio, an editor's
// agent) can search and ask one collection without copying it.
//
// The server is read-only: its tools search, ask and list documents, and
// none of them adds, removes or changes anything. The scope is the CLI's: one
// collection, optionally restricted to documents and folders (--in), fixed
// when the server starts; a client cannot widen it. Every result names its
// file, page and the quoted text, so the assistant can cite it.
package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/pathtext"
	"github.com/kura-app/kura/internal/retrieve"
)

// Scope is what the server serves: one collection, optionally only some of
// its documents and folders (absolute paths).
type Scope struct {
	Collection string
	Within     []string
}

// maxK bounds the passages one search returns.
const maxK = 50

// SearchInput is the search tool's input.
type SearchInput struct {
	Query string `json:"query" jsonschema:"what to look for, in any language the documents are in"`
	K     int    `json:"k,omitempty" jsonschema:"how many passages to return (default from Kura's settings, at most 50)"`
}

// Passage is one passage found or quoted, with where it is.
type Passage struct {
	N       int    `json:"n,omitempty" jsonschema:"the number an answer cites it by, as [n]"`
	File    string `json:"file" jsonschema:"the document's path"`
	Title   string `json:"title,omitempty"`
	Page    int    `json:"page,omitempty" jsonschema:"the page (or sheet, slide) it starts on; 0 for unpaged formats"`
	EndPage int    `json:"end_page,omitempty" jsonschema:"the page it ends on, when it runs across a page break"`
	Start   int    `json:"start" jsonschema:"where the quote starts in the page's text, in characters"`
	End     int    `json:"end" jsonschema:"where it ends"`
	Quote   string `json:"quote" jsonschema:"the text"`
	OCR     bool   `json:"ocr,omitempty" jsonschema:"the text was recognised from an image"`
	Cited   bool   `json:"cited,omitempty" jsonschema:"the answer cites it"`
}

// SearchOutput is the search tool's result.
type SearchOutput struct {
	Mode     string    `json:"mode" jsonschema:"hybrid (keywords and meaning) or lexical (keywords only)"`
	Note     string    `json:"note,omitempty"`
	Passages []Passage `json:"passages"`
}

// AskInput is the ask tool's input.
type AskInput struct {
	Question string `json:"question" jsonschema:"the question, in the language the answer should be in"`
}

// AskOutput is the ask tool's result.
type AskOutput struct {
	Answer  string    `json:"answer"`
	Model   string    `json:"model"`
	Sources []Passage `json:"sources" jsonschema:"the quotes the model read, numbered as the answer cites them"`
}

// DocumentsInput is the documents tool's (empty) input.
type DocumentsInput struct{}

// Document is one document of the collection.
type Document struct {
	File   string `json:"file"`
	Title  string `json:"title,omitempty"`
	Pages  int    `json:"pages,omitempty"`
	Status string `json:"status"`
}

// DocumentsOutput is the documents tool's result.
type DocumentsOutput struct {
	Collection string     `json:"collection"`
	Documents  []Document `json:"documents"`
}

// New builds the server over lib within scope; version is Kura's.
func New(lib *library.Library, scope Scope, version string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "kura", Title: "Kura: your documents, offline", Version: version}, &mcp.ServerOptions{
		Instructions: fmt.Sprintf("Kura searches the documents of the collection %q on this computer. "+
			"Cite results by file and page; quotes are the documents' own words.", scope.Collection),
	})
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)}
	mcp.AddTool(s, &mcp.Tool{Name: "search", Description: "Find the passages of the documents that best match a query (keywords and meaning). " +
		"Returns each passage with its file, page and text.", Annotations: readOnly},
		func(ctx context.Context, _ *mcp.CallToolRequest, in SearchInput) (*mcp.CallToolResult, SearchOutput, error) {
			return search(ctx, lib, scope, in)
		})
	mcp.AddTool(s, &mcp.Tool{Name: "ask", Description: "Answer a question from the documents with Kura's local model. " +
		"The answer cites the numbered quotes it was given; the quotes come with file and page.", Annotations: readOnly},
		func(ctx context.Context, _ *mcp.CallToolRequest, in AskInput) (*mcp.CallToolResult, AskOutput, error) {
			return ask(ctx, lib, scope, in)
		})
	mcp.AddTool(s, &mcp.Tool{Name: "documents", Description: "List the documents Kura can search here.", Annotations: readOnly},
		func(ctx context.Context, _ *mcp.CallToolRequest, _ DocumentsInput) (*mcp.CallToolResult, DocumentsOutput, error) {
			return documents(ctx, lib, scope)
		})
	return s
}

// Serve runs the server over r and w until the client disconnects or ctx
// ends.
func Serve(ctx context.Context, lib *library.Library, scope Scope, version string, r io.Reader, w io.Writer) error {
	err := New(lib, scope, version).Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(r), Writer: nopCloser{w}})
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func search(ctx context.Context, lib *library.Library, scope Scope, in SearchInput) (*mcp.CallToolResult, SearchOutput, error) {
	q := strings.TrimSpace(in.Query)
	if q == "" {
		return nil, SearchOutput{}, errors.New("give a query")
	}
	k := min(max(in.K, 0), maxK)
	res, err := lib.Search(ctx, scope.Collection, q, library.SearchOptions{K: k, Within: scope.Within})
	if err != nil {
		return nil, SearchOutput{}, err
	}
	out := SearchOutput{Mode: res.Mode, Note: res.Warning, Passages: []Passage{}}
	for _, p := range res.Passages {
		out.Passages = append(out.Passages, passage(p, 0, false))
	}
	return text(formatPassages(out.Passages)), out, nil
}

func ask(ctx context.Context, lib *library.Library, scope Scope, in AskInput) (*mcp.CallToolResult, AskOutput, error) {
	q := strings.TrimSpace(in.Question)
	if q == "" {
		return nil, AskOutput{}, errors.New("give a question")
	}
	res, err := lib.Ask(ctx, scope.Collection, q, nil, library.AskEvents{}, scope.Within...)
	if err != nil {
		return nil, AskOutput{}, err
	}
	out := AskOutput{Answer: res.Text, Model: res.Model, Sources: []Passage{}}
	for _, s := range res.Sources {
		out.Sources = append(out.Sources, passage(s.Passage, s.N, s.Cited))
	}
	return text(strings.TrimSpace(res.Text) + "\n\nSources:\n" + formatPassages(out.Sources)), out, nil
}

func documents(ctx context.Context, lib *library.Library, scope Scope) (*mcp.CallToolResult, DocumentsOutput, error) {
	docs, err := lib.DocumentsWithin(ctx, scope.Collection, scope.Within)
	if err != nil {
		return nil, DocumentsOutput{}, err
	}
	out := DocumentsOutput{Collection: scope.Collection, Documents: []Document{}}
	var b strings.Builder
	for _, d := range docs {
		out.Documents = append(out.Documents, Document{File: pathtext.Encode(d.Path), Title: d.Title, Pages: d.Pages, Status: d.Status})
		fmt.Fprintf(&b, "%s\n", pathtext.Display(d.Path))
	}
	return text(b.String()), out, nil
}

func passage(p retrieve.Passage, n int, cited bool) Passage {
	out := Passage{N: n, File: pathtext.Encode(p.Path), Title: p.Title, Page: p.Page, Start: p.Start, End: p.End, Quote: p.Text, OCR: p.OCR, Cited: cited}
	if p.EndPage > p.Page {
		out.EndPage = p.EndPage
	}
	return out
}

func formatPassages(ps []Passage) string {
	var b strings.Builder
	for i, p := range ps {
		n := p.N
		if n == 0 {
			n = i + 1
		}
		where := p.File
		if p.Page > 0 {
			where += fmt.Sprintf(", p. %d", p.Page)
			if p.EndPage > p.Page {
				where += fmt.Sprintf("–%d", p.EndPage)
			}
		}
		fmt.Fprintf(&b, "[%d] %s\n%s\n\n", n, where, strings.TrimSpace(p.Quote))
	}
	return b.String()
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func ptr[T any](v T) *T { return &v }
