package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// Message is one chat turn. Role is "system", "user" or "assistant".
type Message struct {
	Role    string
	Content string
}

// ChatRequest is one streamed chat completion.
type ChatRequest struct {
	Model    string
	Messages []Message
	// NumCtx is the context window the server must allocate (num_ctx). Zero
	// leaves the server's default, which is small and silently cuts prompts:
	// callers should always set it (see ContextLength).
	NumCtx      int
	Temperature float64
	// NumPredict caps the answer's tokens; 0 leaves the server's default.
	NumPredict int
	// KeepAlive is how long the server keeps the model loaded after the
	// request; 0 leaves the server's default (5 minutes).
	KeepAlive time.Duration
}

// ChatStats is what the server reported when the answer was complete.
type ChatStats struct {
	// PromptTokens are the prompt's tokens, including those the server
	// found in its cache from an earlier request with the same beginning.
	PromptTokens int
	OutputTokens int
	DoneReason   string
	// PromptDuration is the time the server spent reading the prompt's
	// tokens that were not cached; OutputDuration generating the answer;
	// LoadDuration loading the model first.
	PromptDuration, OutputDuration, LoadDuration time.Duration
}

// Chat streams the answer to req, calling onToken for each piece of text in
// order. It returns only when the server reported the answer done, the
// context was cancelled (ctx.Err()), onToken returned an error (that error),
// or the stream broke (ErrIncomplete): a nil error always means a complete
// answer. The server is asked not to truncate the prompt: a prompt longer
// than NumCtx fails with ErrInputTooLong.
func (c *Client) Chat(ctx context.Context, req ChatRequest, onToken func(string) error) (ChatStats, error) {
	msgs := make([]api.Message, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = api.Message{Role: m.Role, Content: m.Content}
	}
	opts := map[string]any{"temperature": req.Temperature}
	if req.NumCtx > 0 {
		opts["num_ctx"] = req.NumCtx
	}
	if req.NumPredict > 0 {
		opts["num_predict"] = req.NumPredict
	}
	var keepAlive *api.Duration
	if req.KeepAlive > 0 {
		keepAlive = &api.Duration{Duration: req.KeepAlive}
	}
	no := false
	stream := true
	var stats ChatStats
	done, stopped := false, false
	err := c.api.Chat(ctx, &api.ChatRequest{
		Model: req.Model, Messages: msgs, Options: opts, Stream: &stream, Truncate: &no, KeepAlive: keepAlive,
		Think: &api.ThinkValue{Value: false},
	}, func(r api.ChatResponse) error {
		// The client keeps delivering what it already received after a
		// cancel: stop at once so no text follows a Stop.
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.Message.Content != "" {
			if err := onToken(r.Message.Content); err != nil {
				stopped = true
				return err
			}
		}
		if r.Done {
			done = true
			stats = ChatStats{PromptTokens: r.PromptEvalCount, OutputTokens: r.EvalCount, DoneReason: r.DoneReason,
				PromptDuration: r.PromptEvalDuration, OutputDuration: r.EvalDuration, LoadDuration: r.LoadDuration}
		}
		return nil
	})
	switch {
	case ctx.Err() != nil:
		return stats, ctx.Err()
	case stopped:
		// onToken's error, unchanged: mapErr would take a *net.OpError
		// from a reader's socket for a dead server.
		return stats, err
	case err != nil && cutLine(err):
		return stats, fmt.Errorf("chat with %s: %w", req.Model, ErrIncomplete)
	case err != nil:
		return stats, c.mapChatErr(ctx, req.Model, err)
	case !done:
		return stats, fmt.Errorf("chat with %s: %w", req.Model, ErrIncomplete)
	}
	return stats, nil
}

// cutLine reports whether err is a stream line broken off mid-object. The
// api client drops the body's read error and returns a line it cannot parse
// as the error's text; Ollama writes only whole JSON objects, so text that
// opens one and is not valid JSON is the connection dropping mid-line.
func cutLine(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "{") && !json.Valid([]byte(msg))
}

func (c *Client) mapChatErr(ctx context.Context, model string, err error) error {
	m := c.mapErr(ctx, model, err)
	if m == err {
		return err
	}
	return fmt.Errorf("chat with %s: %w", model, m)
}

// ModelInfo is what Kura needs to know about an installed model.
type ModelInfo struct {
	Name          string
	ContextLength int  // tokens; 0 when the model does not say
	Embedding     bool // an embedding-only model
	// ParamsB is the model's size in billions of parameters; 0 when it
	// does not say.
	ParamsB float64
	// Weights is the digest of the model's weights file, "sha256:<hex>":
	// the same for a model pulled from the registry and the same file
	// imported under another name (where the runtime's own digest, of the
	// manifest, differs). "" when the runtime does not say.
	Weights string
}

// Show describes an installed model. A model that is not installed is a
// *ModelMissingError.
func (c *Client) Show(ctx context.Context, model string) (ModelInfo, error) {
	resp, err := c.api.Show(ctx, &api.ShowRequest{Model: model})
	if err != nil {
		return ModelInfo{}, fmt.Errorf("show %s: %w", model, c.mapErr(ctx, model, err))
	}
	info := ModelInfo{Name: model, Weights: modelfileWeights(resp.Modelfile)}
	for k, v := range resp.ModelInfo {
		switch {
		case strings.HasSuffix(k, ".context_length"):
			info.ContextLength = toInt(v)
		case k == "general.parameter_count":
			info.ParamsB = float64(toInt(v)) / 1e9
		}
	}
	// A Modelfile PARAMETER num_ctx narrows what the model was built for.
	for _, line := range strings.Split(resp.Parameters, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "num_ctx" {
			if n, err := strconv.Atoi(f[1]); err == nil && n > 0 && (info.ContextLength == 0 || n < info.ContextLength) {
				info.ContextLength = n
			}
		}
	}
	hasCompletion := false
	for _, cp := range resp.Capabilities {
		switch cp {
		case "embedding":
			info.Embedding = true
		case "completion":
			hasCompletion = true
		}
	}
	if hasCompletion {
		info.Embedding = false
	}
	return info, nil
}

func toInt(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	}
	return 0
}
