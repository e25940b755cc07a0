package chatwoot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// An unexpected error cannot be provoked through the HTTP API on purpose, so
// this white-box test renders one directly: the body is errors.json's
// "internal" case and the detail goes to the log only.
func TestWriteError_Internal(t *testing.T) {
	var cases []struct {
		Case   string          `json:"case"`
		Status int             `json:"status"`
		Inboxd json.RawMessage `json:"inboxd"`
	}
	raw, err := os.ReadFile("testdata/errors.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for _, c := range cases {
		if c.Case == "internal" {
			if err := json.Compact(&want, c.Inboxd); err != nil {
				t.Fatal(err)
			}
		}
	}
	var logged bytes.Buffer
	a := New(Deps{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	rec := httptest.NewRecorder()
	a.writeError(rec, httptest.NewRequest("GET", "/api/v1/accounts/1/conversations", nil),
		fmt.Errorf("query conversations: connection refused to db-7"))
	if rec.Code != 500 {
		t.Fatalf("status=%d, want 500", rec.Code)
	}
	if got := rec.Body.String(); got != want.String() {
		t.Fatalf("body=%s, want %s", got, want.String())
	}
	if !strings.Contains(logged.String(), "connection refused to db-7") {
		t.Fatalf("log=%q, want the error's detail", logged.String())
	}
}

// A database that could not be reached or could not confirm a write answers
// 503 with Retry-After in Chatwoot's shape: the client retries.
func TestWriteError_Unavailable(t *testing.T) {
	a := New(Deps{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	rec := httptest.NewRecorder()
	a.writeError(rec, httptest.NewRequest("POST", "/api/v1/accounts/1/conversations/1/messages", nil),
		&inbox.Error{Code: inbox.EUNAVAILABLE, Message: "The database is unavailable; nothing was stored. Try again."})
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("status=%d Retry-After=%q, want 503 and 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	want := `{"status":503,"error":"The database is unavailable; nothing was stored. Try again.",` +
		`"description":"The database is unavailable; nothing was stored. Try again.",` +
		`"errors":[{"field":"","message":"The database is unavailable; nothing was stored. Try again.","code":"unavailable"}]}`
	if got := rec.Body.String(); got != want {
		t.Fatalf("body=%s, want %s", got, want)
	}
}

// A request whose client went away (its context canceled mid-query) is no
// server failure: it is recorded as 499 and logs nothing at error level.
func TestWriteError_Canceled(t *testing.T) {
	var logged bytes.Buffer
	a := New(Deps{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	rec := httptest.NewRecorder()
	a.writeError(rec, httptest.NewRequest("GET", "/api/v1/accounts/1/conversations", nil),
		fmt.Errorf("list conversations: %w", context.Canceled))
	if rec.Code != 499 {
		t.Fatalf("status=%d, want 499", rec.Code)
	}
	if strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("log=%q, want no error logged", logged.String())
	}
}
