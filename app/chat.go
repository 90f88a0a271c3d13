package app

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
)

// asks are the answers being streamed, by request id, for StopAnswer.
type asks struct {
	mu      sync.Mutex
	seq     int
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

// Conversations lists the saved conversations, most recently updated first.
func (a *App) Conversations() ([]Conversation, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	cs, err := a.lib.Conversations(ctx)
	if err != nil {
		return nil, a.fail(err)
	}
	out := make([]Conversation, 0, len(cs))
	for _, c := range cs {
		out = append(out, conversationDTO(c))
	}
	return out, nil
}

// NewConversation starts an untitled conversation over collection; its
// first question becomes its title.
func (a *App) NewConversation(collection string) (Conversation, error) {
	if err := checkCollection(collection); err != nil {
		return Conversation{}, err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	c, err := a.lib.NewConversation(ctx, collection)
	if err != nil {
		return Conversation{}, a.fail(err)
	}
	return conversationDTO(c), nil
}

// RenameConversation sets a conversation's title.
func (a *App) RenameConversation(id int64, title string) error {
	title = strings.TrimSpace(title)
	if title == "" {
		return invalid("a title cannot be empty")
	}
	ctx, cancel := a.ctx()
	defer cancel()
	return a.fail(a.lib.RenameConversation(ctx, id, title))
}

// DeleteConversation deletes a conversation and its messages.
func (a *App) DeleteConversation(id int64) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return a.fail(a.lib.DeleteConversation(ctx, id))
}

// Messages returns a conversation's messages, oldest first.
func (a *App) Messages(conversationID int64) ([]Message, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	ms, err := a.lib.Messages(ctx, conversationID)
	if err != nil {
		return nil, a.fail(err)
	}
	out := make([]Message, 0, len(ms))
	for _, m := range ms {
		out = append(out, messageDTO(m))
	}
	return out, nil
}

// Ask asks question in a conversation and returns a request id at once.
// With within set (absolute paths of documents or folders of the
// conversation's collection), only those are searched. The quotes the model
// reads come first as one answer:sources event, the answer streams as
// answer:token events and ends with one answer:done carrying the saved
// message (partial, with complete false, when stopped with StopAnswer or
// failed).
func (a *App) Ask(conversationID int64, question string, within []string) (string, error) {
	if strings.TrimSpace(question) == "" {
		return "", invalid("type a question")
	}
	for i, p := range within {
		if !filepath.IsAbs(p) {
			return "", newError(CodeBadPath, "Give the full path of the document or folder to ask within, not "+strconv.Quote(p)+".", nil, "path", p)
		}
		within[i] = filepath.Clean(p)
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if _, err := a.lib.Messages(ctx, conversationID); err != nil {
		return "", a.fail(err) // the conversation does not exist
	}
	if len(within) > 0 {
		conv, err := a.lib.Conversation(ctx, conversationID)
		if err != nil {
			return "", a.fail(err)
		}
		// A path that names nothing fails now, not after the question is saved.
		if err := a.lib.CheckWithin(ctx, conv.Collection, within); err != nil {
			return "", a.fail(err)
		}
	}

	a.asks.mu.Lock()
	a.asks.seq++
	id := "ask-" + strconv.Itoa(a.asks.seq)
	actx, stop := context.WithCancel(a.base)
	a.asks.running[id] = stop
	a.asks.wg.Add(1)
	a.asks.mu.Unlock()

	go func() {
		defer a.asks.wg.Done()
		defer func() {
			a.asks.mu.Lock()
			delete(a.asks.running, id)
			a.asks.mu.Unlock()
			stop()
		}()
		m, err := a.lib.Converse(actx, conversationID, question, library.AskEvents{
			Sources: func(ac library.AskContext) error {
				a.send(EventAnswerSources, a.answerSources(id, conversationID, ac))
				return nil
			},
			Token: func(tok string) error {
				a.send(EventAnswerToken, AnswerToken{RequestID: id, ConversationID: conversationID, Text: tok})
				return nil
			},
		}, a.savedError, within...)
		a.send(EventAnswerDone, AnswerDone{RequestID: id, ConversationID: conversationID, Message: messageDTO(m), Error: a.errorText(err)})
	}()
	return id, nil
}

func (a *App) answerSources(id string, conversationID int64, ac library.AskContext) AnswerSources {
	p := ac.Prepared
	out := AnswerSources{RequestID: id, ConversationID: conversationID, Sources: make([]Passage, 0, len(p.Sources)),
		Dropped: p.Dropped, Mode: ac.Search.Mode, Warning: ac.Search.Warning, WarningCode: ac.Search.Why, Model: ac.Model, FreshTokens: p.FreshTokens}
	for _, s := range p.Sources {
		out.Sources = append(out.Sources, Passage{N: s.N, Path: EncodePath(s.Path), Name: EncodePath(filepath.Base(s.Path)), Page: s.Page,
			EndPage: max(s.EndPage, s.Page), Paged: extract.Paged(s.Path), OCR: s.OCR, Start: s.Start, End: s.End, Text: s.Text, Score: s.Score,
			PassageStart: s.PassageStart, PassageEnd: s.PassageEnd, Hash: s.Hash})
	}
	out.ReadingMs = ac.Wait.Total().Milliseconds()
	out.Extract = make([]Passage, 0, len(ac.Extract))
	for _, x := range ac.Extract {
		n := 0
		for _, q := range p.Sources {
			if q.ID == x.Passage.ID && q.Start <= x.Passage.Start && x.Passage.End <= q.End {
				n = q.N
				break
			}
		}
		s := x.Passage
		out.Extract = append(out.Extract, Passage{N: n, Path: EncodePath(s.Path), Name: EncodePath(filepath.Base(s.Path)), Page: s.Page,
			EndPage: max(s.EndPage, s.Page), Paged: extract.Paged(s.Path), OCR: s.OCR, Start: s.Start, End: s.End, Text: s.Text,
			PassageStart: x.PassageStart, PassageEnd: x.PassageEnd})
	}
	return out
}

// PreloadChatModel loads the chat model in the background and has it read
// the system prompt every question starts with, so that the first answer
// starts sooner. The chat view calls it when it opens; it returns at once.
func (a *App) PreloadChatModel() { a.preload() }

func (a *App) preload() {
	go func() {
		// A chat model that is missing is what the page says already.
		var missing *llm.ModelMissingError
		if err := a.lib.Preload(a.base); err != nil && a.base.Err() == nil && !errors.As(err, &missing) {
			a.log.Printf("kura: preload the chat model: %v", err)
		}
	}()
}

// StopAnswer stops the answer of request id; the partial answer is saved.
// Stopping an answer that already ended does nothing.
func (a *App) StopAnswer(requestID string) error {
	a.asks.mu.Lock()
	stop := a.asks.running[requestID]
	a.asks.mu.Unlock()
	if stop != nil {
		stop()
	}
	return nil
}

func conversationDTO(c store.Conversation) Conversation {
	return Conversation{ID: c.ID, Title: c.Title, Collection: c.Collection, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// savedError is how an answer's error is saved with it: as ErrorJSON, so
// that the page can word it in the user's language later too.
func (a *App) savedError(err error) string {
	b, jerr := json.Marshal(ToJSON(a.describe(err)))
	if jerr != nil {
		return a.errorText(err)
	}
	return string(b)
}

// readSavedError is savedError's inverse. Answers saved before errors had
// codes hold plain words: they come back with no code.
func readSavedError(s string) (message, code string, p map[string]string) {
	var e ErrorJSON
	if strings.HasPrefix(s, "{") && json.Unmarshal([]byte(s), &e) == nil && e.Code != "" {
		return e.Message, e.Code, params(e.Params)
	}
	return s, "", map[string]string{}
}

func messageDTO(m library.ChatMessage) Message {
	out := Message{ID: m.ID, Role: m.Role, Text: m.Text, Complete: m.Complete, CreatedAt: m.CreatedAt, FromDocuments: m.FromDocuments(),
		Sources: make([]Passage, 0, len(m.Sources))}
	out.Error, out.ErrorCode, out.ErrorParams = readSavedError(m.Error)
	for _, s := range m.Sources {
		out.Sources = append(out.Sources, Passage{N: s.N, Path: EncodePath(s.Path), Name: EncodePath(filepath.Base(s.Path)), Page: s.Page,
			EndPage: max(s.EndPage, s.Page), Paged: extract.Paged(s.Path), OCR: s.OCR, Start: s.Start, End: s.End, Text: s.Text, Score: s.Score, Cited: s.Cited,
			PassageStart: s.PassageStart, PassageEnd: s.PassageEnd, Hash: s.Hash})
	}
	if c := m.Check; c != nil {
		out.Check = &AnswerCheck{Judged: c.Judged, Supported: c.Supported, Sentences: make([]SentenceCheck, 0, len(c.Sentences))}
		for _, s := range c.Sentences {
			out.Check.Sentences = append(out.Check.Sentences, SentenceCheck{Text: s.Text, Verdict: s.Verdict, Cited: s.Cited, Quotes: s.Quotes,
				NumbersMissing: s.NumbersMissing, MissingQuotes: s.Missing, Suggest: s.Suggest})
		}
	}
	return out
}
