package bookingsync

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// A database that could not be reached or could not confirm a write answers
// 503 with Retry-After in BookingSync's shape: the client retries (with its
// Idempotency-Key, a POST replays if the write did commit).
func TestWriteError_Unavailable(t *testing.T) {
	a := New(Deps{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	rec := httptest.NewRecorder()
	a.writeError(rec, httptest.NewRequest("POST", "/api/v3/inbox/messages", nil),
		&inbox.Error{Code: inbox.EUNAVAILABLE, Message: "The database is unavailable; nothing was stored. Try again."})
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("status=%d Retry-After=%q, want 503 and 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	want := `{"errors":[{"code":"service_unavailable","title":"The database is unavailable; nothing was stored. Try again."}]}`
	if got := rec.Body.String(); got != want {
		t.Fatalf("body=%s, want %s", got, want)
	}
}

// A request whose client went away (its context canceled mid-query) is no
// server failure: it is recorded as 499 and logs nothing at error level, on
// the API and on the token endpoint alike.
func TestWriteError_Canceled(t *testing.T) {
	var logged bytes.Buffer
	a := New(Deps{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	err := fmt.Errorf("list conversations: %w", context.Canceled)
	rec := httptest.NewRecorder()
	a.writeError(rec, httptest.NewRequest("GET", "/api/v3/inbox/conversations", nil), err)
	if rec.Code != 499 {
		t.Fatalf("api: status=%d, want 499", rec.Code)
	}
	rec = httptest.NewRecorder()
	a.writeOAuthError(rec, httptest.NewRequest("POST", "/oauth/token", nil), err, false)
	if rec.Code != 499 {
		t.Fatalf("oauth: status=%d, want 499", rec.Code)
	}
	if strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("log=%q, want no error logged", logged.String())
	}
}
