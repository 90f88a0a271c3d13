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
	"github.com/kura-app/kura/internal/cite"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/pathtext"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/verify"
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
//
// Start, End and Text are the quote the model read (offsets into the page
// text); PassageStart and PassageEnd the passage it was quoted from (0 and 0
// in answers saved before quotes). The quote is also what a later question
// in the conversation sends again, so that the runtime finds the whole
// conversation in its cache.
type SavedSource struct {
	N     int    `json:"n"`
	Path  string `json:"path"`
	Title string `json:"title"`
	Page  int    `json:"page"`
	// EndPage is the page the passage ends on (0 in sources saved before
	// passages could run across pages: the same page).
	EndPage      int     `json:"end_page,omitempty"`
	OCR          bool    `json:"ocr,omitempty"`
	Start        int     `json:"start"`
	End          int     `json:"end"`
	Text         string  `json:"text"`
	Score        float64 `json:"score"`
	Cited        bool    `json:"cited"`
	PassageStart int     `json:"passage_start,omitempty"`
	PassageEnd   int     `json:"passage_end,omitempty"`
	// Hash is the content hash of the source's file ("" in sources saved
	// before it was kept).
	Hash string `json:"hash,omitempty"`
}

// savedSources turns an answer's sources into what is saved with it.
func savedSources(srcs []answer.Source, text string) []SavedSource {
	cited := map[int]bool{}
	for _, n := range cite.Numbers(text) {
		cited[n] = true
	}
	out := make([]SavedSource, 0, len(srcs))
	for _, s := range srcs {
		out = append(out, SavedSource{N: s.N, Path: s.Path, Title: s.Title, Page: s.Page, EndPage: s.EndPage, OCR: s.OCR,
			Start: s.Start, End: s.End, Text: s.Text, Score: s.Score, Cited: s.Cited || cited[s.N],
			PassageStart: s.PassageStart, PassageEnd: s.PassageEnd, Hash: s.Hash})
	}
	return out
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
	// Check is the answer's sentence check, saved with it (nil for
	// questions, and for answers saved before checks).
	Check *verify.Report
}

// CheckAnswer judges each sentence of an answer against the quotes it was
// given (verify.Check): no model call, well under a millisecond.
func CheckAnswer(text string, srcs []answer.Source) verify.Report {
	quotes := make([]verify.Quote, len(srcs))
	for i, s := range srcs {
		quotes[i] = verify.Quote{N: s.N, Text: s.Text}
	}
	return verify.Check(text, quotes)
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

// Conversation returns one saved conversation, or an error wrapping
// store.ErrNotFound.
func (l *Library) Conversation(ctx context.Context, id int64) (store.Conversation, error) {
	return l.store.Conversation(ctx, id)
}

// CheckWithin checks that every path of within names a document of the
// collection or a folder holding some (see SearchOptions.Within).
func (l *Library) CheckWithin(ctx context.Context, collection string, within []string) error {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return err
	}
	_, err = l.resolveWithin(ctx, c, within)
	return err
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
		if m.Check != "" {
			var r verify.Report
			if json.Unmarshal([]byte(m.Check), &r) == nil {
				cm.Check = &r
			}
		}
		if m.Sources != "" {
			// A damaged column loses the sources, not the conversation.
			_ = json.Unmarshal([]byte(m.Sources), &cm.Sources)
			for i := range cm.Sources {
				cm.Sources[i].Path = pathtext.Decode(cm.Sources[i].Path)
			}
		}
		out = append(out, cm)
	}
	return out, nil
}

// Converse asks question in conversation id: it saves the question, answers
// it from the conversation's collection with the earlier complete turns as
// history (reporting sources and tokens through ev, as Ask), and saves the
// answer with its sources. A first question also titles an untitled
// conversation.
//
// The answer is saved whatever happens once the question is saved: on
// success complete; when ctx is cancelled or answering fails, with the
// partial text, Complete false and Error set to describe(err), which lets
// the caller choose the words (nil: err.Error()). It returns the saved
// answer and the error that ended answering.
//
// With within set the question is answered from those documents and
// folders only (see SearchOptions.Within); they are saved as the question's
// sources (paths only), so the conversation shows what it was restricted
// to.
func (l *Library) Converse(ctx context.Context, id int64, question string, ev AskEvents, describe func(error) string, within ...string) (ChatMessage, error) {
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
	scope, err := scopeSources(within)
	if err != nil {
		return ChatMessage{}, err
	}
	if _, err := l.store.AddMessage(ctx, store.Message{ConversationID: id, Role: store.RoleUser, Text: question, Sources: scope, Complete: true}); err != nil {
		return ChatMessage{}, err
	}

	var sent []answer.Source
	sources := ev.Sources
	ev.Sources = func(ac AskContext) error {
		sent = ac.Prepared.Sources
		if sources != nil {
			return sources(ac)
		}
		return nil
	}
	res, askErr := l.Ask(ctx, conv.Collection, question, history(earlier), ev, within...)
	if len(res.Sources) == 0 {
		res.Sources = sent // stopped or failed before the model answered
	}
	// JSON holds text: paths are saved in their lossless text form.
	srcs := savedSources(res.Sources, res.Text)
	stored := make([]SavedSource, len(srcs))
	for i, s := range srcs {
		s.Path = pathtext.Encode(s.Path)
		stored[i] = s
	}
	b, err := json.Marshal(stored)
	if err != nil {
		return ChatMessage{}, err
	}
	m := store.Message{ConversationID: id, Role: store.RoleAssistant, Text: res.Text, Sources: string(b), Complete: askErr == nil}
	var check *verify.Report
	if !res.NoPassages && strings.TrimSpace(res.Text) != "" {
		r := CheckAnswer(res.Text, res.Sources)
		cb, err := json.Marshal(r)
		if err != nil {
			return ChatMessage{}, err
		}
		m.Check, check = string(cb), &r
	}
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
		Complete: saved.Complete, Error: saved.Error, CreatedAt: saved.CreatedAt, Check: check}, askErr
}

// scopeSources is what a restricted question saves as its sources: the
// documents and folders it was restricted to, by path ("" for none).
func scopeSources(within []string) (string, error) {
	if len(within) == 0 {
		return "", nil
	}
	srcs := make([]SavedSource, 0, len(within))
	for _, p := range within {
		srcs = append(srcs, SavedSource{Path: p})
	}
	b, err := json.Marshal(srcs)
	return string(b), err
}

// history turns saved messages into the model's history: each question
// with the quotes it was sent with, followed by a complete answer. Stopped
// or failed answers, and the questions they answered, are left out.
func history(ms []store.Message) []answer.Turn {
	var turns []answer.Turn
	for i := 0; i+1 < len(ms); i++ {
		q, a := ms[i], ms[i+1]
		if q.Role == store.RoleUser && a.Role == store.RoleAssistant && a.Complete {
			t := answer.Turn{Question: q.Text, Answer: a.Text}
			var saved []SavedSource
			if a.Sources != "" && json.Unmarshal([]byte(a.Sources), &saved) == nil {
				for _, s := range saved {
					src := answer.Source{N: s.N, PassageStart: s.PassageStart, PassageEnd: s.PassageEnd}
					src.Path, src.Title, src.Page, src.Start, src.End, src.Text = pathtext.Decode(s.Path), s.Title, s.Page, s.Start, s.End, s.Text
					t.Sources = append(t.Sources, src)
				}
			}
			turns = append(turns, t)
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
