package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
)

// Error codes. Every error a bound method returns, and every error carried
// in an event or a saved message, has one, with the parameters its words
// need: the page words it in the user's language from the code (the
// English Message is for `kura serve` clients and logs). The window names
// its own buttons in those words; nothing here names a CLI command.
// docs/API.md lists the codes and their parameters (a test keeps the two
// the same, and the frontend's dictionaries translate each one).
const (
	CodeNotFound     = "not_found"     // what: collection|document|conversation|job|model, name
	CodeModelMissing = "model_missing" // model
	CodeModelRole    = "model_role"    // model, role: chat|embed (the role it cannot take)
	CodeUnreachable  = "unreachable"   // url
	CodeNoRegistry   = "no_registry"   // model: a download with no network
	CodeNoSuchModel  = "no_such_model" // model: the registry does not know it
	CodeNoGGUF       = "no_gguf"       // path: a folder without .gguf files
	CodeContext      = "context_too_small"
	CodeOutOfRange   = "out_of_range" // field, min, max
	CodeBadPath      = "bad_path"     // path: not absolute
	CodeNotAFile     = "not_a_file"   // path
	CodeBadName      = "bad_name"     // what: collection|model, name
	CodeNoDialogs    = "no_dialogs"   // native dialogs outside the desktop app
	CodeNotPausable  = "not_pausable" // only indexing pauses
	CodeJobEnded     = "job_ended"
	CodeInvalid      = "invalid" // other input the page should not have sent
	CodeCanceled     = "canceled"
	CodeInternal     = "internal" // detail: the engine's words, in English
)

// Codes lists every code above, for the test that keeps docs/API.md and
// the page's dictionaries complete.
var Codes = []string{CodeNotFound, CodeModelMissing, CodeModelRole, CodeUnreachable, CodeNoRegistry, CodeNoSuchModel,
	CodeNoGGUF, CodeContext, CodeOutOfRange, CodeBadPath, CodeNotAFile, CodeBadName, CodeNoDialogs, CodeNotPausable,
	CodeJobEnded, CodeInvalid, CodeCanceled, CodeInternal}

// Error is every error a bound method returns: Code and Params say what
// happened for the page to word; Message is the same in English words for a
// user of the window (it is what Error returns). Err is the engine's error,
// for logs (nil for invalid input).
type Error struct {
	Code    string
	Params  map[string]string
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// ErrorJSON is an error as the page receives it: from `kura serve` as
// {"error": ErrorJSON}, from the desktop window as the rejected value of a
// call (see FormatError).
type ErrorJSON struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Params  map[string]string `json:"params"`
}

// Code returns err's code: an *Error's own, CodeInternal otherwise.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// FormatError is the desktop window's error formatter (Wails'
// options.App.ErrorFormatter): a call rejects with the code, the parameters
// and the message, as `kura serve` answers.
func FormatError(err error) any { return ToJSON(err) }

// ToJSON is err as the page receives it.
func ToJSON(err error) ErrorJSON {
	var e *Error
	if errors.As(err, &e) {
		return ErrorJSON{Code: e.Code, Message: e.Message, Params: params(e.Params)}
	}
	return ErrorJSON{Code: CodeInternal, Message: sentence(err.Error()), Params: map[string]string{"detail": err.Error()}}
}

func params(p map[string]string) map[string]string {
	if p == nil {
		return map[string]string{}
	}
	return p
}

// newError builds an *Error; kv are parameter names and values.
func newError(code, message string, err error, kv ...string) *Error {
	p := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return &Error{Code: code, Params: p, Message: message, Err: err}
}

// invalid is an error for input the page should not have sent.
func invalid(format string, args ...any) error {
	return newError(CodeInvalid, sentence(fmt.Sprintf(format, args...)), nil)
}

// outOfRange is a setting outside its allowed range, which the message
// states (the page shows it beside the field).
func outOfRange(field, label string, lo, hi any) error {
	return newError(CodeOutOfRange, fmt.Sprintf("%s must be between %v and %v.", label, lo, hi), nil,
		"field", field, "min", fmt.Sprint(lo), "max", fmt.Sprint(hi))
}

// fail maps an engine error to an *Error with its code and words (nil
// stays nil). Errors the user cannot act on are logged as well.
func (a *App) fail(err error) error {
	if err == nil {
		return nil
	}
	return a.describe(err)
}

// describe is fail for an error known not to be nil.
func (a *App) describe(err error) *Error {
	e := classify(err)
	if e.Code == CodeInternal {
		a.log.Printf("kura: %v", err)
	}
	return e
}

// classify is fail without the logging.
func classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e, ok := packError(err); ok {
		return e
	}
	var missing *llm.ModelMissingError
	var unreachable *llm.UnreachableError
	var role *library.ErrWrongRole
	var ctxErr *answer.ContextError
	switch {
	case errors.Is(err, context.Canceled):
		return newError(CodeCanceled, "Stopped.", err)
	case errors.As(err, &missing):
		return newError(CodeModelMissing, fmt.Sprintf(
			"The model %q is not installed. Import it from a GGUF file or download it in Models.", missing.Model), err, "model", missing.Model)
	case errors.As(err, &role):
		return newError(CodeModelRole, sentence(role.Error()), err, "model", role.Model, "role", role.Role)
	case errors.As(err, &unreachable):
		return newError(CodeUnreachable, fmt.Sprintf(
			"Ollama is not reachable at %s. Start Ollama, or set its address in Settings; keyword search still works.", unreachable.URL), err, "url", unreachable.URL)
	case errors.Is(err, llm.ErrUnreachable):
		return newError(CodeUnreachable, "Ollama is not reachable. Start Ollama, or set its address in Settings; keyword search still works.", err, "url", "")
	case errors.Is(err, llm.ErrNoRegistry):
		m := quoted(err)
		return newError(CodeNoRegistry, fmt.Sprintf("Cannot download %s: there is no network connection to the model registry. Import the model from a GGUF file instead.", m), err, "model", m)
	case errors.Is(err, llm.ErrNoSuchModel):
		m := quoted(err)
		return newError(CodeNoSuchModel, fmt.Sprintf("The model registry has no model called %s.", m), err, "model", m)
	case errors.Is(err, library.ErrNoGGUF):
		path := strings.TrimSuffix(err.Error(), ": "+library.ErrNoGGUF.Error())
		return newError(CodeNoGGUF, fmt.Sprintf("There is no .gguf file in %s.", path), err, "path", path)
	case errors.As(err, &ctxErr):
		return newError(CodeContext, fmt.Sprintf("The question does not fit in the chat model's context of %d tokens. Choose a chat model with a longer context in Models.", ctxErr.NumCtx),
			err, "context", strconv.Itoa(ctxErr.NumCtx))
	case library.IsNotFound(err):
		what, name, words := notFound(err)
		return newError(CodeNotFound, sentence(words+" does not exist"), err, "what", what, "name", name)
	}
	return newError(CodeInternal, sentence(err.Error()), err, "detail", err.Error())
}

// notFound splits a store's not-found error ("collection \"x\": not
// found", "document /a/b: not found") into what is missing and its name,
// and gives the store's own words for it.
func notFound(err error) (what, name, words string) {
	s := err.Error()
	if i := strings.LastIndex(s, ": not found"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:] // wrapping context before the store's own words
	}
	what, name, _ = strings.Cut(s, " ")
	switch what {
	case "collection", "document", "conversation", "message", "job", "model":
	default:
		return "", s, s
	}
	if u, err := strconv.Unquote(name); err == nil {
		name = u
	}
	return what, name, s
}

// quoted is the first double-quoted name in err's text ("cannot download
// \"x\": ..." gives x), or "".
func quoted(err error) string {
	s := err.Error()
	i := strings.IndexByte(s, '"')
	if i < 0 {
		return ""
	}
	if u, err := strconv.QuotedPrefix(s[i:]); err == nil {
		if v, err := strconv.Unquote(u); err == nil {
			return v
		}
	}
	return ""
}

// errorText is fail's message, for errors carried in events and saved
// messages.
func (a *App) errorText(err error) string {
	if err == nil {
		return ""
	}
	return a.fail(err).Error()
}

// problem is err's code and parameters for a DTO ("" and {} for nil).
func (a *App) problem(err error) (string, map[string]string) {
	if err == nil {
		return "", map[string]string{}
	}
	e := a.describe(err)
	return e.Code, params(e.Params)
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
