package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// schemaV2 adds saved conversations (schema version 2). Messages go with
// their conversation; a conversation names its collection by name, not by
// key, so deleting a collection keeps its conversations readable.
var schemaV2 = []string{
	`CREATE TABLE conversations(
		id INTEGER PRIMARY KEY,
		title TEXT NOT NULL DEFAULT '',
		collection TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL)`,
	`CREATE TABLE messages(
		id INTEGER PRIMARY KEY,
		conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
		role TEXT NOT NULL,
		text TEXT NOT NULL,
		sources_json TEXT NOT NULL DEFAULT '',
		complete INTEGER NOT NULL DEFAULT 1,
		error TEXT NOT NULL DEFAULT '',
		created_at INTEGER NOT NULL)`,
	`CREATE INDEX messages_conversation ON messages(conversation_id, id)`,
}

// schemaCheck keeps each answer's sentence check with it (schema version
// 7): JSON the caller defines, "" for messages saved before it or without
// one.
var schemaCheck = []string{
	`ALTER TABLE messages ADD COLUMN check_json TEXT NOT NULL DEFAULT ''`,
}

// Message roles.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Conversation is a saved chat over one collection. Times are unix seconds;
// UpdatedAt moves with every message.
type Conversation struct {
	ID         int64
	Title      string
	Collection string
	CreatedAt  int64
	UpdatedAt  int64
}

// Message is one turn of a conversation. Sources is JSON the caller
// defines (the store keeps it opaque). Complete is false for an answer that
// was stopped or failed, whose partial Text and Error are kept.
type Message struct {
	ID             int64
	ConversationID int64
	Role           string
	Text           string
	Sources        string
	Complete       bool
	Error          string
	CreatedAt      int64
	// Check is JSON the caller defines (the answer's sentence check), kept
	// opaque like Sources.
	Check string
}

// CreateConversation starts a conversation over collection.
func (s *Store) CreateConversation(ctx context.Context, title, collection string) (Conversation, error) {
	t := now()
	res, err := s.exec(ctx, `INSERT INTO conversations(title, collection, created_at, updated_at) VALUES(?, ?, ?, ?)`, title, collection, t, t)
	if err != nil {
		return Conversation{}, fmt.Errorf("create conversation: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Conversation{}, fmt.Errorf("create conversation: %w", err)
	}
	return Conversation{ID: id, Title: title, Collection: collection, CreatedAt: t, UpdatedAt: t}, nil
}

// Conversation returns the conversation id, or an error wrapping
// ErrNotFound.
func (s *Store) Conversation(ctx context.Context, id int64) (Conversation, error) {
	var c Conversation
	err := s.r.QueryRowContext(ctx, `SELECT id, title, collection, created_at, updated_at FROM conversations WHERE id = ?`, id).
		Scan(&c.ID, &c.Title, &c.Collection, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{}, fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return c, err
}

// Conversations lists the conversations, most recently updated first.
func (s *Store) Conversations(ctx context.Context) ([]Conversation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, title, collection, created_at, updated_at FROM conversations ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conversation
	for rows.Next() {
		var c Conversation
		if err := rows.Scan(&c.ID, &c.Title, &c.Collection, &c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RenameConversation sets the title of conversation id (ErrNotFound if it
// does not exist). It does not count as an update.
func (s *Store) RenameConversation(ctx context.Context, id int64, title string) error {
	res, err := s.exec(ctx, `UPDATE conversations SET title = ? WHERE id = ?`, title, id)
	return affectedOne(res, err, "conversation", id)
}

// DeleteConversation deletes conversation id and its messages
// (ErrNotFound if it does not exist).
func (s *Store) DeleteConversation(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, `DELETE FROM conversations WHERE id = ?`, id)
	return affectedOne(res, err, "conversation", id)
}

func affectedOne(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// AddMessage appends m to its conversation (ErrNotFound if it does not
// exist) and marks the conversation updated, in one transaction. It returns
// m with its ID and CreatedAt set.
func (s *Store) AddMessage(ctx context.Context, m Message) (Message, error) {
	m.CreatedAt = now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE conversations SET updated_at = ? WHERE id = ?`, m.CreatedAt, m.ConversationID)
		if err := affectedOne(res, err, "conversation", m.ConversationID); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO messages(conversation_id, role, text, sources_json, complete, error, created_at, check_json) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ConversationID, m.Role, m.Text, m.Sources, m.Complete, m.Error, m.CreatedAt, m.Check)
		if err != nil {
			return err
		}
		m.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return Message{}, fmt.Errorf("save message: %w", err)
	}
	return m, nil
}

// Messages returns the messages of conversation id in the order they were
// added (ErrNotFound if the conversation does not exist).
func (s *Store) Messages(ctx context.Context, conversationID int64) ([]Message, error) {
	if _, err := s.Conversation(ctx, conversationID); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, conversation_id, role, text, sources_json, complete, error, created_at, check_json
		FROM messages WHERE conversation_id = ? ORDER BY id`, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Role, &m.Text, &m.Sources, &m.Complete, &m.Error, &m.CreatedAt, &m.Check); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
