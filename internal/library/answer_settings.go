package library

// Per-collection answer settings: one global chat model and number of
// passages do not fit every collection (a shelf of long reports wants more
// passages than a folder of short notes; a Korean collection may be
// answered best by another model). A collection may override both; what it
// does not set follows the configuration. They are kept in the index, beside
// the collection.
//
// An answer style (brief, detailed) is deliberately not offered: it would
// change the prompt every question starts with, which the runtime reuses
// from its cache (see package answer), for a preference the question itself
// can state.

import (
	"context"
	"encoding/json"
	"fmt"
)

// AnswerSettings override the configuration for the answers of one
// collection; zero fields follow it.
type AnswerSettings struct {
	// ChatModel writes this collection's answers ("" for the configured one).
	ChatModel string `json:"chat_model,omitempty"`
	// TopK is the passages retrieved per question (0 for the configured number).
	TopK int `json:"top_k,omitempty"`
}

// MaxTopK bounds AnswerSettings.TopK (as config.Config.TopK).
const MaxTopK = 50

func answerKey(collection string) string { return "answer_settings:" + collection }

// AnswerSettings returns the collection's overrides (zero when it has none).
// The collection need not exist.
func (l *Library) AnswerSettings(ctx context.Context, collection string) AnswerSettings {
	return l.answerSettings(ctx, collection)
}

func (l *Library) answerSettings(ctx context.Context, collection string) AnswerSettings {
	var s AnswerSettings
	if v, err := l.store.Setting(ctx, answerKey(collection)); err == nil && v != "" {
		_ = json.Unmarshal([]byte(v), &s) // a damaged value means the defaults
	}
	return s
}

// SetAnswerSettings saves the collection's overrides after checking them:
// TopK within 0..MaxTopK, and a chat model that is installed and can chat
// (else llm's *ModelMissingError or an *ErrWrongRole). The collection must
// exist.
func (l *Library) SetAnswerSettings(ctx context.Context, collection string, s AnswerSettings) error {
	if _, err := l.store.Collection(ctx, collection); err != nil {
		return err
	}
	if s.TopK < 0 || s.TopK > MaxTopK {
		return fmt.Errorf("passages per question: %d is not between 0 (the configured number) and %d", s.TopK, MaxTopK)
	}
	if s.ChatModel != "" {
		info, err := l.llm.Show(ctx, s.ChatModel)
		if err != nil {
			return err
		}
		if info.Embedding {
			return &ErrWrongRole{Model: s.ChatModel, Role: RoleChat}
		}
	}
	if s == (AnswerSettings{}) {
		return l.store.SetSetting(ctx, answerKey(collection), "")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return l.store.SetSetting(ctx, answerKey(collection), string(b))
}

// chatModelFor is the model that answers in collection: its own, else the
// configured one.
func (l *Library) chatModelFor(ctx context.Context, collection string) string {
	if m := l.answerSettings(ctx, collection).ChatModel; m != "" {
		return m
	}
	return l.Config().ChatModel
}
