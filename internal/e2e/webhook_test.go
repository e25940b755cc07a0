package e2e_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hookReceiver is a Chatwoot webhook endpoint verifying signatures as a
// receiver does, and remembering when it first got each delivery.
type hookReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret []byte
	// first is when each delivery (X-Chatwoot-Delivery) first arrived, and
	// count how often it did; messages maps message ids to deliveries.
	first    map[string]time.Time
	count    map[string]int
	messages map[int64]string
	forged   int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{first: map[string]time.Time{}, count: map[string]int{}, messages: map[int64]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		// Slow enough that some requests are in flight when the server dies.
		time.Sleep(5 * time.Millisecond)
		r.mu.Lock()
		defer r.mu.Unlock()
		mac := hmac.New(sha256.New, r.secret)
		mac.Write([]byte(req.Header.Get("X-Chatwoot-Timestamp") + "."))
		mac.Write(body)
		if !hmac.Equal([]byte("sha256="+hex.EncodeToString(mac.Sum(nil))), []byte(req.Header.Get("X-Chatwoot-Signature"))) {
			r.forged++
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		var m struct{ ID int64 }
		json.Unmarshal(body, &m)
		d := req.Header.Get("X-Chatwoot-Delivery")
		if r.count[d] == 0 {
			r.first[d] = time.Now()
		}
		r.count[d]++
		r.messages[m.ID] = d
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// subscribe creates the account's Chatwoot webhook through the API.
func (e *env) subscribe(t *testing.T, base string, r *hookReceiver) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"url": r.srv.URL, "subscriptions": []string{"message_created"}})
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/accounts/%d/webhooks", base, e.account), bytes.NewReader(body))
	req.Header.Set("api_access_token", e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Payload struct{ Webhook struct{ Secret string } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Payload.Webhook.Secret == "" {
		t.Fatalf("create webhook: %d %v", resp.StatusCode, err)
	}
	r.mu.Lock()
	r.secret = []byte(out.Payload.Webhook.Secret)
	r.mu.Unlock()
}

// TestWebhooksSurviveCrash kills the server with SIGKILL while messages are
// posted and their webhooks delivered, restarts it, and checks that every
// acknowledged message's webhook arrives, and that a delivery arrives twice
// only if it was already under way when the server died.
func TestWebhooksSurviveCrash(t *testing.T) {
	e := newEnv(t, 4)
	e.env = append(e.env, "INBOXD_WEBHOOK_ALLOW_PRIVATE=true")
	r := newHookReceiver(t)
	p := e.start(t)
	e.subscribe(t, p.url, r)

	acked := map[int64]string{}
	var mu sync.Mutex
	serverErrs := 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { load(ctx, e, p.url, 8, acked, &mu, &serverErrs); close(done) }()
	time.Sleep(1500 * time.Millisecond)
	p.signal(t, syscall.SIGKILL)
	killed := time.Now()
	cancel()
	<-done
	if len(acked) == 0 {
		t.Fatal("no message was acknowledged before the kill; the test proved nothing")
	}
	r.mu.Lock()
	before := len(r.messages)
	r.mu.Unlock()

	p2 := e.start(t)
	// On PostgreSQL a killed node's leases run out first (10 s for the
	// fan-out, 30 s for its deliveries); SQLite's single node takes them
	// back at start.
	deadline := time.Now().Add(90 * time.Second)
	var lost []int64
	for {
		lost = lost[:0]
		r.mu.Lock()
		for id := range acked {
			if _, ok := r.messages[id]; !ok {
				lost = append(lost, id)
			}
		}
		r.mu.Unlock()
		if len(lost) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	p2.signal(t, syscall.SIGTERM)
	r.mu.Lock()
	defer r.mu.Unlock()
	dups, lateDups := 0, 0
	for d, n := range r.count {
		if n > 1 {
			dups += n - 1
			if !r.first[d].Before(killed) {
				lateDups++
			}
		}
	}
	t.Logf("acknowledged %d messages; %d webhooks arrived before the kill, %d in all; lost %d; duplicates %d (all first sent before the kill: %v); forged %d",
		len(acked), before, len(r.messages), len(lost), dups, lateDups == 0, r.forged)
	if len(lost) > 0 {
		t.Fatalf("%d acknowledged messages never reached the webhook, e.g. %s", len(lost), strconv.FormatInt(lost[0], 10))
	}
	if lateDups > 0 {
		t.Fatalf("%d deliveries arrived twice though first sent after the restart", lateDups)
	}
	if r.forged > 0 {
		t.Fatalf("%d requests failed the signature check", r.forged)
	}
}
