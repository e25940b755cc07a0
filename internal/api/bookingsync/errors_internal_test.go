package bookingsync

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
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
