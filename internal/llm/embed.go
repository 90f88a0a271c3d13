package llm

import (
	"context"
	"fmt"
	"strings"

	"github.com/ollama/ollama/api"
)

// Embed returns one vector per input, in order, from the embedding model.
// Inputs are sent in one request; the caller chooses the batch size. Inputs
// are never truncated: an input longer than the model's context fails the
// whole call with an error wrapping ErrInputTooLong, so the caller can split
// it. A missing model is a *ModelMissingError, a dead server an
// *UnreachableError.
func (c *Client) Embed(ctx context.Context, model string, inputs []string) ([][]float32, error) {
	if len(inputs) == 0 {
		return nil, nil
	}
	no := false
	resp, err := c.api.Embed(ctx, &api.EmbedRequest{Model: model, Input: inputs, Truncate: &no})
	if err != nil {
		return nil, fmt.Errorf("embed with %s: %w", model, c.mapErr(ctx, model, err))
	}
	if len(resp.Embeddings) != len(inputs) {
		return nil, fmt.Errorf("embed with %s: got %d vectors for %d inputs", model, len(resp.Embeddings), len(inputs))
	}
	dim := len(resp.Embeddings[0])
	for i, v := range resp.Embeddings {
		if len(v) == 0 || len(v) != dim {
			return nil, fmt.Errorf("embed with %s: vector %d has dimension %d, want %d", model, i, len(v), dim)
		}
	}
	return resp.Embeddings, nil
}

// Texts are embedded as what they are: some models were trained to see a
// question and a passage marked differently, and retrieve worse without the
// marks (multilingual-e5 loses several points of recall).
const (
	roleQuery   = iota // a user's question
	rolePassage        // a passage of a document
)

// embedPrefixes maps a model family (a substring of the model's name) to the
// text put before queries and passages, from each model's card. Models not
// listed (bge-m3, granite-embedding, paraphrase-multilingual) take none.
var embedPrefixes = []struct {
	family          string
	query, document string
}{
	{"e5-mistral", "Instruct: Given a question, retrieve passages that answer it\nQuery: ", ""},
	{"e5-large-instruct", "Instruct: Given a question, retrieve passages that answer it\nQuery: ", ""},
	{"e5", "query: ", "passage: "},
	{"nomic-embed", "search_query: ", "search_document: "},
	{"embeddinggemma", "task: search result | query: ", "title: none | text: "},
	{"qwen3-embedding", "Instruct: Given a question, retrieve passages that answer it\nQuery:", ""},
	{"arctic-embed2", "query: ", ""},
	{"mxbai-embed", "Represent this sentence for searching relevant passages: ", ""},
}

// EmbedPrefix returns what model expects before a query and before a
// passage ("" and "" for models that take plain text).
func EmbedPrefix(model string) (query, passage string) {
	name := strings.ToLower(model)
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	for _, p := range embedPrefixes {
		if strings.Contains(name, p.family) {
			return p.query, p.document
		}
	}
	return "", ""
}

// EmbedPassages embeds passages of documents with model, marked as the
// model expects (see EmbedPrefix). Errors are as Embed's.
func (c *Client) EmbedPassages(ctx context.Context, model string, texts []string) ([][]float32, error) {
	return c.Embed(ctx, model, withPrefix(model, rolePassage, texts))
}

// EmbedQuery embeds a user's question with model, marked as the model
// expects. Errors are as Embed's.
func (c *Client) EmbedQuery(ctx context.Context, model string, query string) ([]float32, error) {
	v, err := c.Embed(ctx, model, withPrefix(model, roleQuery, []string{query}))
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

func withPrefix(model string, role int, texts []string) []string {
	q, p := EmbedPrefix(model)
	prefix := p
	if role == roleQuery {
		prefix = q
	}
	if prefix == "" {
		return texts
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = prefix + t
	}
	return out
}
