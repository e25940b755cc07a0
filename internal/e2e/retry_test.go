package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// retryBudget is how long a client retrying one request may have to wait
// for its answer (issue 8: "every retry answered in < 5 s").
const retryBudget = 5 * time.Second

// bsSetup gives the env a BookingSync token and, per conversation, a
// participant to send as (the administrator host). Call it before starting
// the server.
func (e *env) bsSetup(t *testing.T) (token string, senders map[int64]int64) {
	t.Helper()
	ctx := context.Background()
	st := e.openStore(t)
	defer st.Close() // only the server touches the database while it runs
	a := app.New(app.Deps{Store: st})
	admin := app.NewAdmin(a)
	application := &inbox.Application{AccountID: e.account, Name: "PMS", Scopes: inbox.Scopes{inbox.ScopeInboxWrite}}
	if _, err := admin.CreateApplication(ctx, application); err != nil {
		t.Fatal(err)
	}
	g, err := admin.CreateToken(ctx, e.account, application.Scopes, &application.ID, -1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(ctx, e.token)
	if err != nil {
		t.Fatal(err)
	}
	senders = map[int64]int64{}
	for _, c := range e.convs {
		pt, err := a.CreateParticipant(inbox.NewContextWithPrincipal(ctx, p), app.ParticipantCreate{ConversationID: c.ID,
			MemberType: inbox.MemberHost, MemberID: p.Host.ID})
		if err != nil {
			t.Fatal(err)
		}
		senders[c.ID] = pt.ID
	}
	return g.AccessToken, senders
}

// attempt is one message post with its Idempotency-Key.
type attempt struct {
	key, content string
	bookingSync  bool
	conv         *inbox.Conversation
	sender       int64
	// id is the message id of the 2xx answer (0: not acknowledged).
	id int64
}

// post sends the attempt once and returns the status (0 when no answer came)
// and whether the answer was a replay.
func (e *env) post(ctx context.Context, client *http.Client, base, bsToken string, a *attempt) (int, bool, error) {
	var url string
	var body []byte
	if a.bookingSync {
		url = base + "/api/v3/inbox/messages"
		body, _ = json.Marshal(map[string]any{"messages": []any{map[string]any{"content": a.content, "origin": "email",
			"visibility": "external", "conversation_id": a.conv.ID, "sender_id": a.sender}}})
	} else {
		url = fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", base, e.account, a.conv.DisplayID)
		body, _ = json.Marshal(map[string]any{"content": a.content})
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", a.key)
	if a.bookingSync {
		req.Header.Set("Authorization", "Bearer "+bsToken)
	} else {
		req.Header.Set("api_access_token", e.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, false, err // the answer was cut: it counts as none
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, false, fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	var out struct {
		ID       int64
		Messages []struct{ ID int64 }
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return resp.StatusCode, false, fmt.Errorf("bad body %s", b)
	}
	if a.bookingSync && len(out.Messages) == 1 {
		out.ID = out.Messages[0].ID
	}
	if out.ID == 0 {
		return resp.StatusCode, false, fmt.Errorf("no id in %s", b)
	}
	a.id = out.ID
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", nil
}

// keyedRound runs 16 keyed writers against base, calls disrupt after 1.5 s,
// stops them once it returns, and gives what they sent, the statuses they
// saw and how many were acknowledged (it fails the test if none was).
func (e *env) keyedRound(t *testing.T, base, bsToken string, senders map[int64]int64, disrupt func()) ([]*attempt, map[int]int, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var attempts []*attempt
	var statuses map[int]int
	go func() { attempts, statuses = e.idempotentLoad(ctx, base, bsToken, senders, 16); close(done) }()
	time.Sleep(1500 * time.Millisecond)
	disrupt()
	cancel()
	<-done
	acked := 0
	for _, a := range attempts {
		if a.id != 0 {
			acked++
		}
	}
	if acked == 0 {
		t.Fatal("nothing was acknowledged; the test proved nothing")
	}
	return attempts, statuses, acked
}

// idempotentLoad posts from workers (half through each dialect) until ctx
// ends and returns every attempt, with the statuses seen.
func (e *env) idempotentLoad(ctx context.Context, base, bsToken string, senders map[int64]int64, workers int) ([]*attempt, map[int]int) {
	var mu sync.Mutex
	var all []*attempt
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ctx.Err() == nil; i++ {
				c := e.convs[(w+i)%len(e.convs)]
				a := &attempt{key: fmt.Sprintf("w%d-%d", w, i), content: fmt.Sprintf("keyed worker %d message %d", w, i),
					bookingSync: w%2 == 1, conv: c, sender: senders[c.ID]}
				status, _, _ := e.post(ctx, client, base, bsToken, a)
				mu.Lock()
				all = append(all, a)
				statuses[status]++
				mu.Unlock()
				if status >= 500 {
					time.Sleep(50 * time.Millisecond) // as a client told to retry later would
				}
			}
		}()
	}
	wg.Wait()
	return all, statuses
}

// retryResult is what retrying the unacknowledged attempts found.
type retryResult struct {
	retried, replayed int
	slowest           time.Duration
}

// retryAll retries every attempt that got no 2xx, with its key, as a client
// does: again on a cut connection or a 5xx, until answered or out of budget.
func (e *env) retryAll(t *testing.T, base, bsToken string, attempts []*attempt) retryResult {
	t.Helper()
	var r retryResult
	client := &http.Client{Timeout: retryBudget}
	for _, a := range attempts {
		if a.id != 0 {
			continue
		}
		r.retried++
		start := time.Now()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), retryBudget)
			status, replayed, err := e.post(ctx, client, base, bsToken, a)
			cancel()
			if err == nil {
				if replayed {
					r.replayed++
				}
				break
			}
			if status != 0 && status < 500 {
				t.Fatalf("retry of %s: %v", a.key, err)
			}
			if time.Since(start) > retryBudget {
				t.Fatalf("retry of %s not answered within %v: %v", a.key, retryBudget, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		r.slowest = max(r.slowest, time.Since(start))
	}
	return r
}

// countStored counts, per attempt, the messages holding its content, and
// returns how many acknowledged ones are missing and how many were stored
// more than once.
func (e *env) countStored(t *testing.T, attempts []*attempt) (lost, duplicates int) {
	t.Helper()
	ctx := context.Background()
	stored := map[string]int{}
	err := e.openStore(t).View(ctx, func(tx inbox.Tx) error {
		for _, c := range e.convs {
			cid := c.ID
			msgs, _, err := tx.FindMessages(ctx, e.account, inbox.MessageFilter{ConversationID: &cid, Page: inbox.Page{Limit: 1 << 20}})
			if err != nil {
				return err
			}
			for _, m := range msgs {
				stored[m.Content]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attempts {
		n := stored[a.content]
		if n > 1 {
			duplicates += n - 1
			t.Errorf("%s stored %d times", a.key, n)
		}
		if a.id != 0 && n == 0 {
			lost++
			t.Errorf("%s acknowledged (message %d) but not stored", a.key, a.id)
		}
	}
	return lost, duplicates
}

// TestCrashRetriesStoreOnce posts keyed messages from 16 writers through both
// dialects, kills the server with SIGKILL mid-stream, restarts it and retries
// every request that got no answer with its Idempotency-Key: each retry is
// answered within 5 s, nothing acknowledged is lost and nothing is stored
// twice (issue 8 item 1).
func TestCrashRetriesStoreOnce(t *testing.T) {
	e := newEnv(t, 4)
	bsToken, senders := e.bsSetup(t)
	p := e.start(t)
	attempts, statuses, acked := e.keyedRound(t, p.url, bsToken, senders, func() { p.signal(t, syscall.SIGKILL) })
	for status := range statuses {
		if status >= 500 {
			t.Fatalf("statuses before the kill: %v, want no 5xx", statuses)
		}
	}
	p2 := e.start(t)
	r := e.retryAll(t, p2.url, bsToken, attempts)
	p2.signal(t, syscall.SIGTERM)
	lost, dups := e.countStored(t, attempts)
	t.Logf("SIGKILL: %d acknowledged, %d without an answer retried (%d of them had committed: replayed), "+
		"%d lost, %d duplicates, slowest retry %v", acked, r.retried, r.replayed, lost, dups, r.slowest.Round(time.Millisecond))
	if r.retried == 0 {
		t.Log("no request was in flight at the kill this time")
	}
}
