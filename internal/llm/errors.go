package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/ollama/ollama/api"
)

// ErrUnreachable means no Ollama server answered at the configured URL.
var ErrUnreachable = errors.New("ollama is not reachable")

// ErrInputTooLong means an input is longer than the model's context; it is
// returned instead of letting the server truncate the input.
var ErrInputTooLong = errors.New("input is longer than the model's context")

// ErrIncomplete means a stream ended before the server reported it done
// (connection dropped, server killed).
var ErrIncomplete = errors.New("the model runtime stopped answering before the end")

// ErrNoRegistry means a download found no network route to the model
// registry (the usual case on an offline laptop).
var ErrNoRegistry = errors.New("no network connection to the model registry")

// ErrNoSuchModel means the model registry has no model by the name asked.
var ErrNoSuchModel = errors.New("the model registry has no model by that name")

// ModelMissingError means the named model is not installed on the server.
// Its message says only that: how to install one depends on where the user
// is (the CLI names its commands, the window its buttons), so the edges add
// the remedy.
type ModelMissingError struct{ Model string }

func (e *ModelMissingError) Error() string {
	return fmt.Sprintf("model %q is not installed", e.Model)
}

// UnreachableError carries the URL that did not answer; it matches
// ErrUnreachable with errors.Is.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("ollama is not reachable at %s", e.URL)
}

func (e *UnreachableError) Unwrap() []error { return []error{ErrUnreachable, e.Err} }

// mapErr turns transport and API errors into the package's errors. model is
// the model the request was about ("" when none).
func (c *Client) mapErr(ctx context.Context, model string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se api.StatusError
	if errors.As(err, &se) {
		msg := strings.ToLower(se.ErrorMessage)
		switch {
		case se.StatusCode == http.StatusNotFound && model != "":
			return &ModelMissingError{Model: model}
		case strings.Contains(msg, "not found") && strings.Contains(msg, "model") && model != "":
			return &ModelMissingError{Model: model}
		case strings.Contains(msg, "context length") || strings.Contains(msg, "too long") || strings.Contains(msg, "exceeds"):
			return fmt.Errorf("%w: %s", ErrInputTooLong, se.ErrorMessage)
		}
		return fmt.Errorf("ollama: %s", se.Error())
	}
	if isConnErr(err) {
		return &UnreachableError{URL: c.URL(), Err: err}
	}
	return err
}

func isConnErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	// io.EOF and io.ErrUnexpectedEOF: the server closed the connection
	// before its response (it died mid-request).
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.As(err, &oe) || (errors.As(err, &ne) && ne.Timeout())
}
