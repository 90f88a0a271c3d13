package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
)

// Error codes, the `code` of an error in `kura serve` (docs/API.md).
const (
	CodeNotFound     = "not_found"
	CodeModelMissing = "model_missing"
	CodeUnreachable  = "unreachable"
	CodeInvalid      = "invalid"
	CodeCanceled     = "canceled"
	CodeInternal     = "internal"
)

// Error is every error a bound method returns: Message is already words
// for a user (it is what Error returns, so Wails shows it as is), Code lets
// a program branch on it.
type Error struct {
	Code    string
	Message string
	Err     error // the engine's error, for logs; nil for invalid input
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// Code returns err's code: an *Error's own, CodeInternal otherwise.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// invalid is an error for input the page should not have sent.
func invalid(format string, args ...any) error {
	return &Error{Code: CodeInvalid, Message: sentence(fmt.Sprintf(format, args...))}
}

// fail maps an engine error to an *Error with words a user understands
// (nil stays nil). Errors the user cannot act on are logged as well.
func (a *App) fail(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e, ok := packError(err); ok {
		return e
	}
	var missing *llm.ModelMissingError
	var unreachable *llm.UnreachableError
	switch {
	case errors.Is(err, context.Canceled):
		return &Error{Code: CodeCanceled, Message: "Stopped.", Err: err}
	case errors.As(err, &missing):
		return &Error{Code: CodeModelMissing, Err: err, Message: fmt.Sprintf(
			"The model %q is not installed. Download it in Models (or run: kura models pull %s), or import a GGUF file there.", missing.Model, missing.Model)}
	case errors.As(err, &unreachable):
		return &Error{Code: CodeUnreachable, Err: err, Message: fmt.Sprintf(
			"Ollama is not reachable at %s. Start Ollama, or set its address in Settings; keyword search still works.", unreachable.URL)}
	case errors.Is(err, llm.ErrUnreachable):
		return &Error{Code: CodeUnreachable, Err: err, Message: "Ollama is not reachable. Start Ollama, or set its address in Settings; keyword search still works."}
	case library.IsNotFound(err):
		what := strings.TrimSuffix(err.Error(), ": not found")
		return &Error{Code: CodeNotFound, Err: err, Message: sentence(what + " does not exist")}
	}
	a.log.Printf("kura: %v", err)
	return &Error{Code: CodeInternal, Message: sentence(err.Error()), Err: err}
}

// errorText is fail's message, for errors carried in events and saved
// messages.
func (a *App) errorText(err error) string {
	if err == nil {
		return ""
	}
	return a.fail(err).Error()
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
