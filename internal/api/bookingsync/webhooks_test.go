package bookingsync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/app"
)

// webhookApp registers another application of the account with the scopes
// and returns a token of it.
func (e *env) webhookApp(scopes ...inbox.Scope) string {
	e.t.Helper()
	application := &inbox.Application{AccountID: e.account.ID, Name: "Hooks", Scopes: scopes}
	if _, err := app.NewAdmin(e.app).CreateApplication(context.Background(), application); err != nil {
		e.t.Fatal(err)
	}
	return e.newToken(e.account.ID, scopes, &application.ID, 0)
}

func webhookBody(attrs map[string]any) map[string]any {
	return map[string]any{"webhooks": []any{attrs}}
}

// firstError returns the field and title of a BookingSync error body.
func firstError(r *response) (field, title string) {
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		return "", ""
	}
	m, _ := errs[0].(map[string]any)
	f, _ := m["field"].(string)
	t, _ := m["title"].(string)
	return f, t
}

func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	token := e.webhookApp(inbox.ScopeInboxWrite, inbox.ScopeWebhooksWrite)

	created := e.do("POST", "/api/v3/webhooks", token, webhookBody(map[string]any{
		"url": "https://pms.example/hooks", "events": []string{"inbox_message_created", "inbox_conversation_created"}}))
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	rec := created.body["webhooks"].([]any)[0].(map[string]any)
	id, err := rec["id"].(json.Number).Int64()
	if err != nil {
		t.Fatal(err)
	}
	if rec["url"] != "https://pms.example/hooks" || rec["enabled"] != true || rec["disabled_at"] != nil ||
		fmt.Sprint(rec["events"]) != "[inbox_message_created inbox_conversation_created]" {
		t.Fatalf("created record: %s", created.raw)
	}
	if loc := created.header.Get("Location"); loc != fmt.Sprintf("%s/api/v3/webhooks/%d", e.srv.URL, id) {
		t.Fatalf("Location=%q", loc)
	}
	if _, ok := created.body["meta"]; !ok {
		t.Fatalf("no meta: %s", created.raw)
	}

	t.Run("Read", func(t *testing.T) {
		list := e.do("GET", "/api/v3/webhooks", token, nil)
		if list.status != 200 || len(list.body["webhooks"].([]any)) != 1 {
			t.Fatalf("list: %d %s", list.status, list.raw)
		}
		if r := e.do("GET", fmt.Sprintf("/api/v3/webhooks/%d", id), token, nil); r.status != 200 {
			t.Fatalf("show: %d %s", r.status, r.raw)
		}
	})

	// Subscriptions belong to their application: another application of
	// the same account neither lists nor reaches them.
	t.Run("OtherApplication", func(t *testing.T) {
		other := e.webhookApp(inbox.ScopeInboxRead, inbox.ScopeWebhooksWrite)
		if r := e.do("GET", "/api/v3/webhooks", other, nil); r.status != 200 || len(r.body["webhooks"].([]any)) != 0 {
			t.Fatalf("list: %d %s", r.status, r.raw)
		}
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			r := e.do(m, fmt.Sprintf("/api/v3/webhooks/%d", id), other, webhookBody(map[string]any{"url": "https://evil.example"}))
			if r.status != 404 {
				t.Fatalf("%s another application's webhook: %d %s", m, r.status, r.raw)
			}
		}
	})

	t.Run("Scopes", func(t *testing.T) {
		if r := e.do("GET", "/api/v3/webhooks", e.token, nil); r.status != 403 {
			t.Fatalf("without webhooks_read: %d %s", r.status, r.raw)
		}
		reader := e.webhookApp(inbox.ScopeInboxRead, inbox.ScopeWebhooksRead)
		if r := e.do("POST", "/api/v3/webhooks", reader, webhookBody(map[string]any{"url": "https://a.example",
			"events": []string{"inbox_message_created"}})); r.status != 403 {
			t.Fatalf("create with webhooks_read only: %d %s", r.status, r.raw)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, tc := range []struct {
			attrs map[string]any
			field string
		}{
			{map[string]any{"events": []string{"inbox_message_created"}}, "url"},
			{map[string]any{"url": "ftp://pms.example", "events": []string{"inbox_message_created"}}, "url"},
			{map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"inbox_message_created"}}, "url"},
			{map[string]any{"url": "http://[::1]/hook", "events": []string{"inbox_message_created"}}, "url"},
			{map[string]any{"url": "http://10.1.2.3/hook", "events": []string{"inbox_message_created"}}, "url"},
			{map[string]any{"url": "http://localhost/hook", "events": []string{"inbox_message_created"}}, "url"},
			{map[string]any{"url": "https://pms.example", "events": []string{}}, "events"},
			{map[string]any{"url": "https://pms.example", "events": []string{"message_created"}}, "events"},
			{map[string]any{"url": "https://pms.example", "events": "inbox_message_created"}, "events"},
			// The application lacks clients_read.
			{map[string]any{"url": "https://pms.example", "events": []string{"client_created"}}, "events"},
			{map[string]any{"url": "https://pms.example", "events": []string{"inbox_message_created"}, "secret": "x"}, "secret"},
		} {
			r := e.do("POST", "/api/v3/webhooks", token, webhookBody(tc.attrs))
			if field, _ := firstError(r); r.status != 422 || field != tc.field {
				t.Errorf("%v: %d %s, want 422 on %s", tc.attrs, r.status, r.raw, tc.field)
			}
		}
		if r := e.do("POST", "/api/v3/webhooks", token, map[string]any{"url": "https://pms.example"}); r.status != 400 {
			t.Errorf("without the webhooks root: %d %s", r.status, r.raw)
		}
	})

	t.Run("UpdateAndDelete", func(t *testing.T) {
		r := e.do("PATCH", fmt.Sprintf("/api/v3/webhooks/%d", id), token, webhookBody(map[string]any{"enabled": false,
			"events": []string{"inbox_conversation_updated"}}))
		rec := r.body["webhooks"].([]any)[0].(map[string]any)
		if r.status != 200 || rec["enabled"] != false || rec["disabled_at"] == nil || fmt.Sprint(rec["events"]) != "[inbox_conversation_updated]" {
			t.Fatalf("update: %d %s", r.status, r.raw)
		}
		if r := e.do("DELETE", fmt.Sprintf("/api/v3/webhooks/%d", id), token, nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", fmt.Sprintf("/api/v3/webhooks/%d", id), token, nil); r.status != 404 {
			t.Fatalf("show after delete: %d %s", r.status, r.raw)
		}
	})
}

// keys returns an object's keys, sorted.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestEncodeEvent renders client_created as BookingSync's documented
// example body has it, and the inbox events with the singular key.
func TestEncodeEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	r := e.do("POST", "/api/v3/clients", e.token, map[string]any{"clients": []any{map[string]any{"fullname": "Robt Braun",
		"emails": []any{map[string]any{"label": "default", "email": "client_5@example.com"}}}}})
	if r.status != 201 {
		t.Fatalf("create client: %d %s", r.status, r.raw)
	}
	var evs []*inbox.Event
	err := e.store.View(context.Background(), func(tx inbox.Tx) (err error) {
		evs, err = tx.FindEvents(context.Background(), e.account.ID, 0, 100)
		return err
	})
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %v %v", evs, err)
	}
	render := func(ev *inbox.Event, scopes inbox.Scopes) []app.EventPayload {
		var out []app.EventPayload
		err := e.app.Load(context.Background(), app.Visibility{AccountID: e.account.ID, Scopes: scopes}, func(l *app.Loader) (err error) {
			out, err = bookingsync.EncodeEvent(l, ev, "https://www.bookingsync.com")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := render(evs[len(evs)-1], allScopes)
	if len(got) != 1 || got[0].Name != "client_created" {
		t.Fatalf("payloads %v", got)
	}
	var body, want map[string]any
	must(t, json.Unmarshal(got[0].Body, &body))
	raw, err := os.ReadFile("testdata/webhooks.client_created.body.json")
	must(t, err)
	must(t, json.Unmarshal(raw, &want))
	if !slices.Equal(keys(body), keys(want)) || body["event"] != "client_created" {
		t.Fatalf("body keys %v, want %v: %s", keys(body), keys(want), got[0].Body)
	}
	res, wres := body["resource"].(map[string]any), want["resource"].(map[string]any)
	if !slices.Equal(keys(res), keys(wres)) || !slices.Equal(keys(res["client"].(map[string]any)), keys(wres["client"].(map[string]any))) {
		t.Fatalf("resource %s, want the keys of %s", got[0].Body, raw)
	}
	if fmt.Sprint(res["links"]) != fmt.Sprint(wres["links"]) {
		t.Fatalf("links %v, want %v", res["links"], wres["links"])
	}
	// An application without clients_read gets no client event.
	if got := render(evs[len(evs)-1], inbox.Scopes{inbox.ScopeInboxRead}); len(got) != 0 {
		t.Fatalf("without clients_read: %v", got)
	}
}

// A deleted client is client_destroyed, with the id it had.
func TestEncodeClientDestroyed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ev := &inbox.Event{AccountID: e.account.ID, Type: inbox.EventClientDeleted, SubjectID: 995923932}
	must(t, e.store.Update(context.Background(), func(tx inbox.Tx) error { return tx.CreateEvent(context.Background(), ev) }))
	for _, tc := range []struct {
		scopes inbox.Scopes
		want   string
	}{
		{allScopes, fmt.Sprintf(`{"account_id":%d,"event":"client_destroyed","resource":{"links":{"clients.account":"https://www.bookingsync.com/api/v3/accounts/{clients.account}"},"client":{"links":{"account":%d},"id":995923932}}}`, e.account.ID, e.account.ID)},
		{inbox.Scopes{inbox.ScopeInboxRead}, ""},
	} {
		var got []app.EventPayload
		err := e.app.Load(context.Background(), app.Visibility{AccountID: e.account.ID, Scopes: tc.scopes}, func(l *app.Loader) (err error) {
			got, err = bookingsync.EncodeEvent(l, ev, "https://www.bookingsync.com")
			return err
		})
		must(t, err)
		if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || string(got[0].Body) != tc.want) {
			t.Fatalf("scopes %v: %v, want %s", tc.scopes, got, tc.want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
