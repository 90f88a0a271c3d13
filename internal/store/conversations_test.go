package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
)

func TestAVersion1IndexUpgradesAndKeepsItsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index.db")
	// A file as Kura with schema version 1 left it, with one collection.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append([]string{`CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)`}, schemaV1...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO meta VALUES('schema_version', '1'); INSERT INTO collections(name, created_at) VALUES('old', 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open a version-1 index: %v", err)
	}
	defer s.Close()
	var v string
	if err := s.r.QueryRow(`SELECT value FROM meta WHERE key='schema_version'`).Scan(&v); err != nil || v != strconv.Itoa(SchemaVersion) {
		t.Fatalf("schema_version = %q, %v; want %d", v, err, SchemaVersion)
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM collections WHERE name = 'old'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("collections named old = %d, %v; want the one written by version 1", n, err)
	}
	c, err := s.CreateConversation(ctx, "t", "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMessage(ctx, Message{ConversationID: c.ID, Role: RoleUser, Text: "q", Complete: true}); err != nil {
		t.Fatal(err)
	}
	// Reopening an upgraded file migrates nothing more.
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if ms, err := s2.Messages(ctx, c.ID); err != nil || len(ms) != 1 {
		t.Fatalf("messages after reopening = %v, %v; want the one saved", ms, err)
	}
}

func TestConversationsKeepTheirMessagesInOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a, err := s.CreateConversation(ctx, "", "default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateConversation(ctx, "second", "default"); err != nil {
		t.Fatal(err)
	}
	want := []Message{
		{ConversationID: a.ID, Role: RoleUser, Text: "売上は？", Complete: true},
		{ConversationID: a.ID, Role: RoleAssistant, Text: "部分的な", Sources: `[{"n":1}]`, Complete: false, Error: "stopped"},
	}
	for _, m := range want {
		if _, err := s.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Messages(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d messages, want 2", len(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Role != w.Role || g.Text != w.Text || g.Sources != w.Sources || g.Complete != w.Complete || g.Error != w.Error || g.ID == 0 || g.CreatedAt == 0 {
			t.Errorf("message %d = %+v, want %+v with an id and a time", i, g, w)
		}
	}
	if list, _ := s.Conversations(ctx); len(list) != 2 || list[0].UpdatedAt < list[1].UpdatedAt {
		t.Fatalf("conversations = %+v, want both, most recently updated first", list)
	}
	if err := s.RenameConversation(ctx, a.ID, "売上"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Conversation(ctx, a.ID); c.Title != "売上" {
		t.Fatalf("title = %q after rename", c.Title)
	}
	if err := s.DeleteConversation(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Messages(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Messages of a deleted conversation = %v, want ErrNotFound", err)
	}
	var n int
	s.r.QueryRow(`SELECT count(*) FROM messages`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d messages left after deleting their conversation", n)
	}
	for name, err := range map[string]error{
		"rename":  s.RenameConversation(ctx, 999, "x"),
		"delete":  s.DeleteConversation(ctx, 999),
		"message": func() error { _, err := s.AddMessage(ctx, Message{ConversationID: 999, Role: RoleUser}); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a missing conversation = %v, want ErrNotFound", name, err)
		}
	}
}
