package llm

import (
	"context"
	"fmt"

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
