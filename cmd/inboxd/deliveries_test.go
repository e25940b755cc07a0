package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// hookLog is a receiver that answers with the status it is set to and
// notes each request's dialect and delivery id.
type hookLog struct {
	status atomic.Int64
	mu     sync.Mutex
	got    []hookHit
}

type hookHit struct {
	userAgent, delivery string
	status              int
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	st := int(h.status.Load())
	h.mu.Lock()
	h.got = append(h.got, hookHit{userAgent: r.UserAgent(), delivery: r.Header.Get("X-Chatwoot-Delivery"), status: st})
	h.mu.Unlock()
	w.WriteHeader(st)
}

func (h *hookLog) hits() []hookHit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// A real server delivering to a receiver that fails, then recovers: the
// CLI shows the attempts (status, latency, error); `webhooks redeliver`
// sends one delivery again by id (with the same X-Chatwoot-Delivery) and
// every failed one since a time; a webhook failing without a success for
// 72 hours is disabled and says so in the server's log, in both APIs and
// in the CLI; /metrics counts the attempts by result and the queue.
func TestServe_WebhookDeliveries(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	env := append(slices.Clone(db.env), "INBOXD_WEBHOOK_ALLOW_PRIVATE=true")
	seed := mustRunJSON(t, env, "demo")
	cwToken := str(t, obj(t, seed, "chatwoot"), "api_access_token")
	accountID := num(t, obj(t, seed, "account"), "id")
	acc := fmt.Sprint(accountID)
	conv := objs(t, seed, "conversations")[0]
	appID := fmt.Sprint(cliJSON(t, env, "apps", "create", "--account", acc, "--name", "PMS",
		"--scopes", "inbox_read,webhooks_read")["id"])
	bsToken := str(t, cliJSON(t, env, "tokens", "create", "--account", acc, "--app", appID, "--scopes", "inbox_read,webhooks_read"),
		"access_token")

	recv := &hookLog{}
	recv.status.Store(http.StatusInternalServerError)
	hook := httptest.NewServer(recv)
	defer hook.Close()
	cw := cliJSON(t, env, "webhooks", "create", "--account", acc, "--url", hook.URL+"/cw", "--events", "message_created")
	bs := cliJSON(t, env, "webhooks", "create", "--account", acc, "--app", appID, "--url", hook.URL+"/bs",
		"--events", "inbox_message_created")
	debug := "127.0.0.1:" + freePort(t)
	srv := mustStartServer(t, env, "--debug-addr", debug)
	base := "http://" + srv.addr
	post := func(content string) {
		t.Helper()
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", base, accountID,
			num(t, conv, "display_id")), strings.NewReader(fmt.Sprintf(`{"content":%q}`, content)))
		req.Header.Set("api_access_token", cwToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("post: %d", resp.StatusCode)
		}
	}
	deliveries := func(args ...string) []map[string]any {
		t.Helper()
		out := cliJSON(t, env, append([]string{"webhooks", "deliveries", "--account", acc, "--attempts"}, args...)...)
		var ds []map[string]any
		for _, d := range out["deliveries"].([]any) {
			ds = append(ds, d.(map[string]any))
		}
		return ds
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30 s; logs:\n%s", what, srv.logs.String())
			}
		}
	}

	// A message: one delivery per webhook, each failed once with HTTP 500.
	post("first")
	var first []map[string]any
	eventually("the first attempts", func() bool {
		first = deliveries()
		return len(first) == 2 && first[0]["attempts"] == float64(1) && first[1]["attempts"] == float64(1)
	})
	byHook := map[any]map[string]any{}
	for _, d := range first {
		log := d["attempt_log"].([]any)
		a := log[0].(map[string]any)
		if d["state"] != "pending" || d["last_status"] != float64(500) || d["last_error"] != "HTTP 500" ||
			len(log) != 1 || a["status"] != float64(500) || a["error"] != "HTTP 500" || a["latency_ms"] == nil {
			t.Fatalf("delivery after a failed attempt: %v", d)
		}
		byHook[d["webhook"]] = d
	}
	cwDelivery, bsDelivery := byHook[cw["id"]], byHook[bs["id"]]
	if cwDelivery == nil || bsDelivery == nil || cwDelivery["event"] != "message_created" || bsDelivery["event"] != "inbox_message_created" {
		t.Fatalf("deliveries %v, want one per webhook", first)
	}
	metrics := func() string {
		_, body := mustGetText(t, "http://"+debug+"/metrics")
		return body
	}
	eventually("attempts and the queue in /metrics", func() bool {
		m := metrics()
		return strings.Contains(m, `inboxd_webhook_delivery_duration_seconds_count{dialect="chatwoot",result="http_error"} 1`) &&
			strings.Contains(m, `inboxd_webhook_delivery_duration_seconds_count{dialect="bookingsync",result="http_error"} 1`) &&
			strings.Contains(m, `inboxd_webhook_queue_depth{dialect="chatwoot"} 1`) &&
			strings.Contains(m, `inboxd_webhook_queue_depth{dialect="bookingsync"} 1`)
	})

	// The receiver recovers; one delivery is sent again at once, by id,
	// with the delivery id of its first attempt.
	recv.status.Store(http.StatusOK)
	q := cliJSON(t, env, "webhooks", "redeliver", "--account", acc, "--id", fmt.Sprint(cwDelivery["id"]))
	if q["queued"] != float64(1) {
		t.Fatalf("redeliver --id: %v", q)
	}
	eventually("the redelivery", func() bool {
		for _, d := range deliveries("--webhook", fmt.Sprint(cw["id"])) {
			if d["id"] == cwDelivery["id"] && d["state"] == "delivered" {
				return true
			}
		}
		return false
	})
	var uuids []string
	for _, h := range recv.hits() {
		if h.delivery != "" {
			uuids = append(uuids, h.delivery)
		}
	}
	if len(uuids) != 2 || uuids[0] != uuids[1] || uuids[0] != cwDelivery["delivery"] {
		t.Fatalf("X-Chatwoot-Delivery of the two sendings: %v, want %v twice", uuids, cwDelivery["delivery"])
	}
	if m := metrics(); !strings.Contains(m, `inboxd_webhook_delivery_duration_seconds_count{dialect="chatwoot",result="success"} 1`) {
		t.Fatalf("metrics lack the success:\n%s", grepLines(m, "webhook"))
	}

	// Both webhooks have been failing, without a success, for 73 hours;
	// the receiver fails again: the next attempt disables them.
	recv.status.Store(http.StatusBadGateway)
	store, err := sqlstore.Open(context.Background(), db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.Update(context.Background(), func(tx inbox.Tx) error {
		since := time.Now().Add(-73 * time.Hour)
		for _, id := range []any{cw["id"], bs["id"]} {
			w, err := tx.FindWebhookByID(context.Background(), accountID, int64(id.(float64)))
			if err != nil {
				return err
			}
			w.FailingSince, w.LastSuccessAt = &since, nil
			if err := tx.SetWebhookHealth(context.Background(), w); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// --since counts in whole seconds: start it after the first message's.
	created, err := time.Parse(time.RFC3339, fmt.Sprint(cwDelivery["created_at"]))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(created.Add(time.Second)))
	since := time.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
	post("second")
	eventually("both webhooks disabled, in the log", func() bool { return strings.Count(srv.logs.String(), `"msg":"webhook disabled"`) == 2 })
	const why = "disabled after failing without a success since"
	for _, w := range cliJSON(t, env, "webhooks", "list", "--account", acc)["webhooks"].([]any) {
		w := w.(map[string]any)
		if w["enabled"] != false || w["disabled_at"] == nil || !strings.Contains(fmt.Sprint(w["disabled_reason"]), why) ||
			!strings.Contains(fmt.Sprint(w["disabled_reason"]), "HTTP 502") {
			t.Fatalf("CLI: %v, want disabled with the reason", w)
		}
	}
	st, cwList := mustGetAny(t, fmt.Sprintf("%s/api/v1/accounts/%d/webhooks", base, accountID), "api_access_token", cwToken)
	payload, _ := cwList.(map[string]any)["payload"].(map[string]any)
	cwHooks, _ := payload["webhooks"].([]any)
	if st != 200 || len(cwHooks) != 1 { // the account's; the application's is BookingSync's
		t.Fatalf("Chatwoot webhooks: %d %v", st, cwList)
	}
	for _, w := range cwHooks {
		w := w.(map[string]any)
		if w["active"] != false || w["disabled_at"] == nil || !strings.Contains(fmt.Sprint(w["disabled_reason"]), why) {
			t.Fatalf("Chatwoot API: %v, want inactive with the reason", w)
		}
	}
	st, bsList := mustGetAny(t, base+"/api/v3/webhooks", "Authorization", "Bearer "+bsToken)
	bsHooks, _ := bsList.(map[string]any)["webhooks"].([]any)
	if st != 200 || len(bsHooks) != 1 {
		t.Fatalf("BookingSync webhooks: %d %v", st, bsList)
	}
	if w := bsHooks[0].(map[string]any); w["enabled"] != false || w["disabled_at"] == nil ||
		!strings.Contains(fmt.Sprint(w["disabled_reason"]), why) {
		t.Fatalf("BookingSync API: %v, want disabled with the reason", w)
	}
	// Their pending deliveries failed with them: the second message's two
	// and the first message's BookingSync one, which awaited its retry.
	failed := deliveries("--state", "failed")
	if len(failed) != 3 {
		t.Fatalf("failed deliveries: %v, want 3", failed)
	}
	for _, d := range failed {
		if d["last_error"] != "webhook disabled" {
			t.Fatalf("failed delivery %v, want last_error \"webhook disabled\"", d)
		}
	}

	// Enabled again and the receiver healthy: every failed delivery since
	// a time (the second message's) is sent again, not the older one.
	recv.status.Store(http.StatusOK)
	for _, id := range []any{cw["id"], bs["id"]} {
		cliJSON(t, env, "webhooks", "update", "--account", acc, "--id", fmt.Sprint(id), "--enable")
	}
	if q := cliJSON(t, env, "webhooks", "redeliver", "--account", acc, "--since", since); q["queued"] != float64(2) {
		t.Fatalf("redeliver --since: %v, want 2 queued", q)
	}
	eventually("the failed deliveries sent again", func() bool { return len(deliveries("--state", "delivered")) == 3 })
	if left := deliveries("--state", "failed"); len(left) != 1 || left[0]["id"] != bsDelivery["id"] {
		t.Fatalf("still failed: %v, want only the delivery made before --since", left)
	}
}

// mustGetAny GETs url with one header and decodes the JSON answer.
func mustGetAny(tb testing.TB, url, header, value string) (int, any) {
	tb.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set(header, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var v any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return resp.StatusCode, v
}

// mustGetText GETs url and returns the body, waiting for a listener that is
// still starting (the debug listener starts beside the server).
func mustGetText(tb testing.TB, url string) (int, string) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url)
		if err == nil {
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		} else if time.Now().After(deadline) {
			tb.Fatal(err)
		}
	}
}
