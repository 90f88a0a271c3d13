package library

// What the desktop app and `kura serve` need beyond the CLI: saved
// conversations, per-document lookups and model checks. Like the rest of
// the package it knows nothing of Wails or HTTP.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
)

// Document returns the collection's document at path (exactly as stored:
// absolute), or an error wrapping store.ErrNotFound.
func (l *Library) Document(ctx context.Context, collection, path string) (store.Document, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return store.Document{}, err
	}
	return l.store.DocumentByPath(ctx, c.ID, path)
}

// Installed reports whether model is installed in the runtime. An
// unreachable runtime is an error, not "not installed".
func (l *Library) Installed(ctx context.Context, model string) (bool, error) {
	_, err := l.llm.Show(ctx, model)
	var missing *llm.ModelMissingError
	if errors.As(err, &missing) {
		return false, nil
	}
	return err == nil, err
}

// SameModel reports whether two model names mean the same model: "bge-m3"
// is "bge-m3:latest", and case does not matter.
func SameModel(a, b string) bool { return strings.EqualFold(withTag(a), withTag(b)) }

func withTag(name string) string {
	if strings.Contains(name, ":") {
		return name
	}
	return name + ":latest"
}

// SavedSource is a passage an answer was given, saved with the answer so
// that a conversation shows its sources later even if the documents
// change.
type SavedSource struct {
	N     int    `json:"n"`
	Path  string `json:"path"`
	Title string `json:"title"`
	Page  int    `json:"page"`
	// EndPage is the page the passage ends on (0 in sources saved before
	// passages could run across pages: the same page).
	EndPage int     `json:"end_page,omitempty"`
	OCR     bool    `json:"ocr,omitempty"`
	Start   int     `json:"start"`
	End     int     `json:"end"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
	Cited   bool    `json:"cited"`
}

// ChatMessage is a saved message of a conversation with its sources.
type ChatMessage struct {
	ID             int64
	ConversationID int64
	Role           string // store.RoleUser or store.RoleAssistant
	Text           string
	Sources        []SavedSource
	// Complete is false for an answer that was stopped or failed: Text is
	// what had arrived, Error why it ended.
	Complete  bool
	Error     string
	CreatedAt int64
}

// NewConversation starts an untitled conversation over collection (which
// need not exist yet: asking fails until it does). Its first question
// becomes its title.
func (l *Library) NewConversation(ctx context.Context, collection string) (store.Conversation, error) {
	if !store.ValidName(collection) {
		return store.Conversation{}, fmt.Errorf("collection name %q: use 1-64 letters, digits, spaces, '_', '.' or '-'", collection)
	}
	return l.store.CreateConversation(ctx, "", collection)
}

// Conversations lists the saved conversations, most recently updated first.
func (l *Library) Conversations(ctx context.Context) ([]store.Conversation, error) {
	return l.store.Conversations(ctx)
}

// RenameConversation sets a conversation's title.
func (l *Library) RenameConversation(ctx context.Context, id int64, title string) error {
	return l.store.RenameConversation(ctx, id, title)
}

// DeleteConversation deletes a conversation and its messages.
func (l *Library) DeleteConversation(ctx context.Context, id int64) error {
	return l.store.DeleteConversation(ctx, id)
}

// Messages returns a conversation's messages, oldest first.
func (l *Library) Messages(ctx context.Context, id int64) ([]ChatMessage, error) {
	ms, err := l.store.Messages(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]ChatMessage, 0, len(ms))
	for _, m := range ms {
		cm := ChatMessage{ID: m.ID, ConversationID: m.ConversationID, Role: m.Role, Text: m.Text, Complete: m.Complete, Error: m.Error, CreatedAt: m.CreatedAt}
		if m.Sources != "" {
			// A damaged column loses the sources, not the conversation.
			_ = json.Unmarshal([]byte(m.Sources), &cm.Sources)
		}
		out = append(out, cm)
	}
	return out, nil
}

// Converse asks question in conversation id: it saves the question, answers
// it from the conversation's collection with the earlier complete turns as
// history (streaming tokens to onToken, as Ask), and saves the answer with
// its sources. A first question also titles an untitled conversation.
//
// The answer is saved whatever happens once the question is saved: on
// success complete; when ctx is cancelled or answering fails, with the
// partial text, Complete false and Error set to describe(err), which lets
// the caller choose the words (nil: err.Error()). It returns the saved
// answer and the error that ended answering.
func (l *Library) Converse(ctx context.Context, id int64, question string, onToken func(string) error, describe func(error) string) (ChatMessage, error) {
	conv, err := l.store.Conversation(ctx, id)
	if err != nil {
		return ChatMessage{}, err
	}
	earlier, err := l.store.Messages(ctx, id)
	if err != nil {
		return ChatMessage{}, err
	}
	if conv.Title == "" && len(earlier) == 0 {
		if err := l.store.RenameConversation(ctx, id, Title(question)); err != nil {
			return ChatMessage{}, err
		}
	}
	if _, err := l.store.AddMessage(ctx, store.Message{ConversationID: id, Role: store.RoleUser, Text: question, Complete: true}); err != nil {
		return ChatMessage{}, err
	}

	res, askErr := l.Ask(ctx, conv.Collection, question, history(earlier), onToken)

	cited := map[int]bool{}
	for _, n := range answer.Citations(res.Text) {
		cited[n] = true
	}
	srcs := make([]SavedSource, 0, len(res.Sources))
	for _, s := range res.Sources {
		srcs = append(srcs, SavedSource{N: s.N, Path: s.Path, Title: s.Title, Page: s.Page, EndPage: s.EndPage, OCR: s.OCR, Start: s.Start, End: s.End,
			Text: s.Text, Score: s.Score, Cited: s.Cited || cited[s.N]})
	}
	b, err := json.Marshal(srcs)
	if err != nil {
		return ChatMessage{}, err
	}
	m := store.Message{ConversationID: id, Role: store.RoleAssistant, Text: res.Text, Sources: string(b), Complete: askErr == nil}
	if askErr != nil {
		if describe == nil {
			describe = func(err error) string { return err.Error() }
		}
		m.Error = describe(askErr)
	}
	// The answer is saved even when ctx was cancelled (a stop).
	saved, err := l.store.AddMessage(context.WithoutCancel(ctx), m)
	if err != nil {
		return ChatMessage{}, errors.Join(askErr, err)
	}
	return ChatMessage{ID: saved.ID, ConversationID: id, Role: saved.Role, Text: saved.Text, Sources: srcs,
		Complete: saved.Complete, Error: saved.Error, CreatedAt: saved.CreatedAt}, askErr
}

// history turns saved messages into the model's history: each question
// followed by a complete answer. Stopped or failed answers, and the
// questions they answered, are left out.
func history(ms []store.Message) []answer.Turn {
	var turns []answer.Turn
	for i := 0; i+1 < len(ms); i++ {
		q, a := ms[i], ms[i+1]
		if q.Role == store.RoleUser && a.Role == store.RoleAssistant && a.Complete {
			turns = append(turns, answer.Turn{Question: q.Text, Answer: a.Text})
			i++
		}
	}
	return turns
}

// titleRunes bounds a title made from a question.
const titleRunes = 60

// Title makes a conversation title from its first question: the first
// line, spaces collapsed, cut at 60 characters with an ellipsis.
func Title(question string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(question), "\n")
	t := strings.Join(strings.Fields(line), " ")
	if utf8.RuneCountInString(t) <= titleRunes {
		return t
	}
	r := []rune(t)
	return strings.TrimSpace(string(r[:titleRunes-1])) + "…"
}
