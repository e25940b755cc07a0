package main_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// cliJSON runs a command that must succeed and decodes its output.
func cliJSON(t *testing.T, env []string, args ...string) map[string]any {
	t.Helper()
	r := runCLI(t, env, args...)
	if r.code != 0 {
		t.Fatalf("inboxd %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("inboxd %s: %v: %q", strings.Join(args, " "), err, r.stdout)
	}
	return out
}

func TestCLI_Webhooks(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	acc := fmt.Sprint(cliJSON(t, db.env, "accounts", "create", "--name", "Acme")["id"])
	appID := fmt.Sprint(cliJSON(t, db.env, "apps", "create", "--account", acc, "--name", "PMS",
		"--scopes", "inbox_read,webhooks_write")["id"])

	bs := cliJSON(t, db.env, "webhooks", "create", "--account", acc, "--app", appID, "--url", "https://pms.example/hooks",
		"--events", "inbox_message_created,inbox_conversation_created")
	if bs["dialect"] != "bookingsync" || bs["enabled"] != true || bs["secret"] != nil {
		t.Fatalf("BookingSync webhook: %v", bs)
	}
	cw := cliJSON(t, db.env, "webhooks", "create", "--account", acc, "--url", "https://n8n.example/in", "--events", "message_created")
	if cw["dialect"] != "chatwoot" || len(fmt.Sprint(cw["secret"])) != 64 {
		t.Fatalf("Chatwoot webhook: %v", cw)
	}
	id := fmt.Sprint(cw["id"])

	list := cliJSON(t, db.env, "webhooks", "list", "--account", acc)["webhooks"].([]any)
	if len(list) != 2 {
		t.Fatalf("list: %v", list)
	}
	off := cliJSON(t, db.env, "webhooks", "update", "--account", acc, "--id", id, "--disable")
	if off["enabled"] != false || off["disabled_at"] == nil {
		t.Fatalf("disabled: %v", off)
	}
	on := cliJSON(t, db.env, "webhooks", "update", "--account", acc, "--id", id, "--enable", "--events", "message_created,message_updated")
	if on["enabled"] != true || fmt.Sprint(on["events"]) != "[message_created message_updated]" {
		t.Fatalf("enabled: %v", on)
	}
	if d := cliJSON(t, db.env, "webhooks", "deliveries", "--account", acc, "--state", "failed", "--attempts"); len(d["deliveries"].([]any)) != 0 {
		t.Fatalf("deliveries: %v", d)
	}
	if q := cliJSON(t, db.env, "webhooks", "redeliver", "--account", acc, "--since", "24h"); q["queued"] != float64(0) {
		t.Fatalf("redeliver: %v", q)
	}
	if r := cliJSON(t, db.env, "webhooks", "delete", "--account", acc, "--id", id); r["deleted"] != cw["id"] {
		t.Fatalf("delete: %v", r)
	}

	for _, tt := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"Private", nil, []string{"webhooks", "create", "--account", acc, "--url", "http://127.0.0.1:9000/in", "--events", "message_created"},
			1, "url points to an address that is not public"},
		{"UnknownEvent", nil, []string{"webhooks", "create", "--account", acc, "--url", "https://x.example", "--events", "message_exploded"},
			1, "subscriptions is not included in the list"},
		{"ScopeMissing", nil, []string{"webhooks", "create", "--account", acc, "--app", appID, "--url", "https://x.example",
			"--events", "client_created"}, 1, "needs the clients_read scope"},
		{"MissingURL", nil, []string{"webhooks", "create", "--account", acc, "--events", "message_created"}, 2, "missing --url"},
		{"RedeliverNeither", nil, []string{"webhooks", "redeliver", "--account", acc}, 2, "give either --id or --since"},
		{"BadState", nil, []string{"webhooks", "deliveries", "--account", acc, "--state", "lost"}, 2, "--state"},
		{"UnknownWebhook", nil, []string{"webhooks", "delete", "--account", acc, "--id", "999"}, 1, "Webhook not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, append(slices.Clone(db.env), tt.env...), tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("exit=%d stderr=%q, want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
	// On-premise receivers: allowed with the flag (or its variable).
	allowed := cliJSON(t, append(slices.Clone(db.env), "INBOXD_WEBHOOK_ALLOW_PRIVATE=true"), "webhooks", "create", "--account", acc,
		"--url", "http://127.0.0.1:9000/in", "--events", "message_created")
	if allowed["url"] != "http://127.0.0.1:9000/in" {
		t.Fatalf("allowed private: %v", allowed)
	}
	cliJSON(t, db.env, "webhooks", "create", "--account", acc, "--webhook-allow-private", "--url", "http://10.0.0.7/in",
		"--events", "message_created")
}
