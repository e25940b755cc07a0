package sqlstore_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func TestApplications(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	b := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)

	app := &inbox.Application{AccountID: a.ID, Name: "Channel manager", ClientID: "cid-1",
		SecretHash: []byte{0, 1, 2, 255}, Scopes: inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsRead},
		RedirectURI: "https://example.com/cb"}

	t.Run("OK", func(t *testing.T) {
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateApplication(ctx, app) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Application, error) { return tx.FindApplicationByID(ctx, a.ID, app.ID) })
		if diff := cmp.Diff(app, got); diff != "" {
			t.Fatalf("FindApplicationByID mismatch (-want +got):\n%s", diff)
		}
		// The token endpoint looks applications up before it knows the account.
		got = mustFind(t, s, func(tx inbox.Tx) (*inbox.Application, error) { return tx.FindApplicationByClientID(ctx, "cid-1") })
		if diff := cmp.Diff(app, got); diff != "" {
			t.Fatalf("FindApplicationByClientID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Application, error) { return tx.FindApplicationByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
		_, err = find(s, func(tx inbox.Tx) (*inbox.Application, error) { return tx.FindApplicationByClientID(ctx, "nope") })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	// Client ids are unique across accounts.
	t.Run("ErrConflict", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateApplication(ctx, &inbox.Application{AccountID: b.ID, Name: "Copy", ClientID: "cid-1",
				SecretHash: []byte{1}})
		})
		wantCode(t, err, inbox.ECONFLICT)
	})
}

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	b := inboxtest.MustCreateAccount(t, s)
	host := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAdministrator)
	app := &inbox.Application{AccountID: a.ID, Name: "App", ClientID: "cid", SecretHash: []byte{9}}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateApplication(ctx, app) })
	setClock(s, t0)

	oauth := &inbox.AccessToken{AccountID: a.ID, Kind: inbox.TokenOAuth, ApplicationID: &app.ID,
		TokenHash: bytes.Repeat([]byte{0xAB}, 32), RefreshHash: bytes.Repeat([]byte{0xCD}, 32),
		Scopes: inbox.Scopes{inbox.ScopeInboxRead}, ExpiresAt: ptr(t0.Add(2 * time.Hour))}
	personal := &inbox.AccessToken{AccountID: a.ID, Kind: inbox.TokenPersonal, HostID: &host.ID,
		TokenHash: bytes.Repeat([]byte{0x01}, 32), Scopes: inbox.Scopes{inbox.ScopeInboxWrite}}

	t.Run("OK", func(t *testing.T) {
		mustUpdate(t, s, func(tx inbox.Tx) error {
			if err := tx.CreateAccessToken(ctx, oauth); err != nil {
				return err
			}
			return tx.CreateAccessToken(ctx, personal)
		})
		for _, tt := range []struct {
			name string
			find func(tx inbox.Tx) (*inbox.AccessToken, error)
			want *inbox.AccessToken
		}{
			{"ByHash", func(tx inbox.Tx) (*inbox.AccessToken, error) { return tx.FindAccessTokenByHash(ctx, oauth.TokenHash) }, oauth},
			{"ByRefreshHash", func(tx inbox.Tx) (*inbox.AccessToken, error) {
				return tx.FindAccessTokenByRefreshHash(ctx, oauth.RefreshHash)
			}, oauth},
			{"Personal", func(tx inbox.Tx) (*inbox.AccessToken, error) {
				return tx.FindAccessTokenByHash(ctx, personal.TokenHash)
			}, personal},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got := mustFind(t, s, tt.find)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("mismatch (-want +got):\n%s", diff)
				} else if !got.Active(t0) {
					t.Fatalf("Active=%v, want %v", false, true)
				}
			})
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, hash := range [][]byte{bytes.Repeat([]byte{0xEE}, 32), nil} {
			_, err := find(s, func(tx inbox.Tx) (*inbox.AccessToken, error) { return tx.FindAccessTokenByHash(ctx, hash) })
			wantCode(t, err, inbox.ENOTFOUND)
			_, err = find(s, func(tx inbox.Tx) (*inbox.AccessToken, error) { return tx.FindAccessTokenByRefreshHash(ctx, hash) })
			wantCode(t, err, inbox.ENOTFOUND)
		}
		// A refresh hash is not a token hash.
		_, err := find(s, func(tx inbox.Tx) (*inbox.AccessToken, error) { return tx.FindAccessTokenByHash(ctx, oauth.RefreshHash) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("ErrConflict", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateAccessToken(ctx, &inbox.AccessToken{AccountID: b.ID, Kind: inbox.TokenOAuth,
				TokenHash: oauth.TokenHash})
		})
		wantCode(t, err, inbox.ECONFLICT)
	})

	t.Run("Revoke", func(t *testing.T) {
		setClock(s, t0.Add(time.Minute))
		err := s.Update(ctx, func(tx inbox.Tx) error { return tx.RevokeAccessToken(ctx, b.ID, oauth.ID) })
		wantCode(t, err, inbox.ENOTFOUND)

		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.RevokeAccessToken(ctx, a.ID, oauth.ID) })
		for _, find := range []func(tx inbox.Tx) (*inbox.AccessToken, error){
			func(tx inbox.Tx) (*inbox.AccessToken, error) { return tx.FindAccessTokenByHash(ctx, oauth.TokenHash) },
			func(tx inbox.Tx) (*inbox.AccessToken, error) {
				return tx.FindAccessTokenByRefreshHash(ctx, oauth.RefreshHash)
			},
		} {
			got := mustFind(t, s, find)
			if got.RevokedAt == nil || *got.RevokedAt != t0.Add(time.Minute) {
				t.Fatalf("RevokedAt=%v, want %v", got.RevokedAt, t0.Add(time.Minute))
			} else if got.Active(t0.Add(time.Minute)) {
				t.Fatalf("Active=%v, want %v", true, false)
			}
		}
		// The other token is untouched.
		if got := mustFind(t, s, func(tx inbox.Tx) (*inbox.AccessToken, error) {
			return tx.FindAccessTokenByHash(ctx, personal.TokenHash)
		}); got.RevokedAt != nil {
			t.Fatalf("RevokedAt=%v, want nil", got.RevokedAt)
		}
		err = s.Update(ctx, func(tx inbox.Tx) error { return tx.RevokeAccessToken(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})
}

func TestEvents(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	b := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)

	e1 := &inbox.Event{AccountID: a.ID, Type: inbox.EventConversationUpdated, ConversationID: ptr(int64(10)),
		SubjectID: 10, ActorType: inbox.CreatorUser, ActorID: ptr(int64(3)),
		Changes: map[string][2]any{
			"status":      {"open", "resolved"},
			"assignee_id": {nil, 5.0},
			"labels":      {[]any{}, []any{"vip"}},
			"meta":        {map[string]any{"a": true}, nil},
		}}
	e2 := &inbox.Event{AccountID: a.ID, Type: inbox.EventMessageCreated, ConversationID: ptr(int64(10)),
		MessageID: ptr(int64(20)), SubjectID: 20}
	eb := &inbox.Event{AccountID: b.ID, Type: inbox.EventClientCreated, SubjectID: 1}
	e3 := &inbox.Event{AccountID: a.ID, Type: inbox.EventBookingCreated, SubjectID: 30}
	mustUpdate(t, s, func(tx inbox.Tx) error {
		for _, e := range []*inbox.Event{e1, e2, eb, e3} {
			if err := tx.CreateEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})

	t.Run("OK", func(t *testing.T) {
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Event, error) { return tx.FindEvents(ctx, a.ID, 0, 10) })
		if len(got) != 3 {
			t.Fatalf("len=%v, want %v", len(got), 3)
		}
		if diff := cmp.Diff(e1, got[0]); diff != "" {
			t.Fatalf("event mismatch (-want +got):\n%s", diff)
		}
		if got[1].ID != e2.ID || got[1].MessageID == nil || *got[1].MessageID != 20 || len(got[1].Changes) != 0 {
			t.Fatalf("ID=%v MessageID=%v Changes=%v, want %v 20 none", got[1].ID, got[1].MessageID, got[1].Changes, e2.ID)
		} else if got[1].ActorID != nil || got[1].ActorType != "" {
			t.Fatalf("ActorID=%v ActorType=%q, want nil empty", got[1].ActorID, got[1].ActorType)
		} else if got[2].ID != e3.ID || got[2].CreatedAt != t0 {
			t.Fatalf("ID=%v CreatedAt=%v, want %v %v", got[2].ID, got[2].CreatedAt, e3.ID, t0)
		}
	})

	t.Run("AfterIDAndLimit", func(t *testing.T) {
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Event, error) { return tx.FindEvents(ctx, a.ID, e1.ID, 1) })
		if diff := cmp.Diff([]int64{e2.ID}, ids(got, func(e *inbox.Event) int64 { return e.ID })); diff != "" {
			t.Fatalf("ids mismatch (-want +got):\n%s", diff)
		}
		got = mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Event, error) { return tx.FindEvents(ctx, a.ID, e3.ID, 10) })
		if len(got) != 0 {
			t.Fatalf("len=%v, want 0", len(got))
		}
	})
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	b := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)
	r := &inbox.IdempotencyRecord{AccountID: a.ID, Key: "key-1", RequestHash: "sha256:abc", Status: 201,
		Header: "Location: /x", Body: []byte(`{"id":1}`)}

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.IdempotencyRecord, error) { return tx.FindIdempotencyKey(ctx, a.ID, "key-1") })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("OK", func(t *testing.T) {
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateIdempotencyKey(ctx, r) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.IdempotencyRecord, error) { return tx.FindIdempotencyKey(ctx, a.ID, "key-1") })
		if diff := cmp.Diff(r, got); diff != "" {
			t.Fatalf("FindIdempotencyKey mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: a.ID, Key: "key-1", RequestHash: "other"})
		})
		wantCode(t, err, inbox.ECONFLICT)
		// The first response is kept.
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.IdempotencyRecord, error) { return tx.FindIdempotencyKey(ctx, a.ID, "key-1") })
		if got.RequestHash != r.RequestHash {
			t.Fatalf("RequestHash=%v, want %v", got.RequestHash, r.RequestHash)
		}
	})

	// Keys are per account; an empty body is stored as empty.
	t.Run("OtherAccount", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.IdempotencyRecord, error) { return tx.FindIdempotencyKey(ctx, b.ID, "key-1") })
		wantCode(t, err, inbox.ENOTFOUND)
		rb := &inbox.IdempotencyRecord{AccountID: b.ID, Key: "key-1", RequestHash: "h", Status: 204}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateIdempotencyKey(ctx, rb) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.IdempotencyRecord, error) { return tx.FindIdempotencyKey(ctx, b.ID, "key-1") })
		if got.Status != 204 || len(got.Body) != 0 {
			t.Fatalf("Status=%v Body=%q, want 204 empty", got.Status, got.Body)
		}
	})
}

// A key is claimed with status 0, completed with the response, and may be
// forgotten.
func TestIdempotencyKeys_Lifecycle(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	b := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)
	findKey := func(accountID int64) (*inbox.IdempotencyRecord, error) {
		return find(s, func(tx inbox.Tx) (*inbox.IdempotencyRecord, error) { return tx.FindIdempotencyKey(ctx, accountID, "k") })
	}
	mustUpdate(t, s, func(tx inbox.Tx) error {
		return tx.CreateIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: a.ID, Key: "k", RequestHash: "h"})
	})

	t.Run("Complete", func(t *testing.T) {
		setClock(s, t0.Add(time.Second))
		mustUpdate(t, s, func(tx inbox.Tx) error {
			return tx.CompleteIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: a.ID, Key: "k", Status: 201,
				Header: "Location: /1", Body: []byte("{}")})
		})
		got, err := findKey(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &inbox.IdempotencyRecord{AccountID: a.ID, Key: "k", RequestHash: "h", Status: 201,
			Header: "Location: /1", Body: []byte("{}"), CreatedAt: t0}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FindIdempotencyKey mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrCompleteNotFound", func(t *testing.T) {
		for _, r := range []*inbox.IdempotencyRecord{{AccountID: a.ID, Key: "nope", Status: 200}, {AccountID: b.ID, Key: "k", Status: 500}} {
			err := s.Update(ctx, func(tx inbox.Tx) error { return tx.CompleteIdempotencyKey(ctx, r) })
			wantCode(t, err, inbox.ENOTFOUND)
		}
		if got, err := findKey(a.ID); err != nil || got.Status != 201 {
			t.Fatalf("Status=%v err=%v, want 201 nil", got.Status, err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		// Another account's key of the same name is not touched.
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteIdempotencyKey(ctx, b.ID, "k") })
		if _, err := findKey(a.ID); err != nil {
			t.Fatalf("FindIdempotencyKey=%v, want nil", err)
		}
		for range 2 { // idempotent
			mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteIdempotencyKey(ctx, a.ID, "k") })
		}
		_, err := findKey(a.ID)
		wantCode(t, err, inbox.ENOTFOUND)
		mustUpdate(t, s, func(tx inbox.Tx) error {
			return tx.CreateIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: a.ID, Key: "k", RequestHash: "h2"})
		})
	})
}

func TestHitRateLimit(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	w1, w2 := t0, t0.Add(time.Minute)
	hit := func(t *testing.T, key string, window time.Time) int {
		t.Helper()
		return mustChange(t, s, func(tx inbox.Tx) (int, error) { return tx.HitRateLimit(ctx, key, window, 1) })
	}

	t.Run("Counts", func(t *testing.T) {
		for want := 1; want <= 3; want++ {
			if got := hit(t, "1:ip", w1); got != want {
				t.Fatalf("hits=%v, want %v", got, want)
			}
		}
		if got := hit(t, "2:ip", w1); got != 1 {
			t.Fatalf("hits of another key=%v, want %v", got, 1)
		}
		if got := hit(t, "1:ip", w2); got != 1 {
			t.Fatalf("hits in the next window=%v, want %v", got, 1)
		}
		if got := hit(t, "1:ip", w2); got != 2 {
			t.Fatalf("hits=%v, want %v", got, 2)
		}
	})

	// A weighted hit adds its weight.
	t.Run("Weighted", func(t *testing.T) {
		for _, tt := range []struct {
			window time.Time
			n      int
			want   int
		}{{w1, 5, 5}, {w1, 1, 6}, {w1, 4, 10}, {w2, 3, 3}} {
			got := mustChange(t, s, func(tx inbox.Tx) (int, error) { return tx.HitRateLimit(ctx, "4:ip", tt.window, tt.n) })
			if got != tt.want {
				t.Fatalf("hits after adding %d=%v, want %v", tt.n, got, tt.want)
			}
		}
	})

	// Every node shares the counter: concurrent hits each get their own count.
	t.Run("Concurrent", func(t *testing.T) {
		const n = 20
		got := make([]int, n)
		errs := make([]error, n)
		parallel(n, func(k int) {
			got[k], errs[k] = change(s, func(tx inbox.Tx) (int, error) { return tx.HitRateLimit(ctx, "3:ip", w1, 1) })
		})
		for k, err := range errs {
			if err != nil {
				t.Fatalf("goroutine %d: %v", k, err)
			}
		}
		slices.Sort(got)
		for k, n := range got {
			if n != k+1 {
				t.Fatalf("counts=%v, want 1..%d", got, len(got))
			}
		}
	})
}
