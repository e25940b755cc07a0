package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// TestServe_SIGTERM sends SIGTERM to a real inboxd process while a request
// is in flight (its body only half sent): the server stops accepting new
// connections, still completes the request, commits its write and exits 0.
func TestServe_SIGTERM(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	seed := mustRunJSON(t, db.env, "demo")
	token := str(t, obj(t, seed, "chatwoot"), "api_access_token")
	accountID := num(t, obj(t, seed, "account"), "id")
	conv := objs(t, seed, "conversations")[0]
	srv := mustStartServer(t, db.env)

	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"content":"Sent while the server was stopping."}`
	head := fmt.Sprintf("POST /api/v1/accounts/%d/conversations/%d/messages HTTP/1.1\r\nHost: %s\r\n"+
		"api_access_token: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		accountID, num(t, conv, "display_id"), srv.addr, token, len(body))
	if _, err := io.WriteString(conn, head+body[:12]); err != nil {
		t.Fatal(err)
	}
	// Let the server read the headers and start the handler, which now waits
	// for the rest of the body.
	time.Sleep(300 * time.Millisecond)

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The server is draining once it refuses new connections.
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", srv.addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("server still accepts connections 10 s after SIGTERM; logs:\n%s", srv.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	if _, err := io.WriteString(conn, body[12:]); err != nil {
		t.Fatalf("finish the in-flight request: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no response: %v; logs:\n%s", err, srv.logs.String())
	}
	defer resp.Body.Close()
	var msg map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatalf("decode response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status=%v, want 200; body: %v", resp.StatusCode, msg)
	} else if msg["content"] != "Sent while the server was stopping." {
		t.Fatalf("content=%v, want the message sent", msg["content"])
	}

	if err := srv.wait(t); err != nil {
		t.Fatalf("exit: %v, want status 0; logs:\n%s", err, srv.logs.String())
	}
	if logs := srv.logs.String(); !strings.Contains(logs, "shutting down") || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Fatalf("logs do not show the drain:\n%s", logs)
	}

	// The write made during the drain is in the database.
	a := db.mustOpenApp(t)
	ctx, _ := asPrincipal(t, a, token)
	id := num(t, conv, "id")
	msgs, err := listMessages(ctx, a, inbox.MessageFilter{ConversationID: &id, Page: inbox.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range msgs {
		found = found || m.Content == "Sent while the server was stopping."
	}
	if !found {
		t.Fatal("the message sent during shutdown was not stored")
	}
}

// TestCLI_Demo seeds the demo account next to a running server and checks
// both what was stored and that every printed curl line works.
func TestCLI_Demo(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	srv := mustStartServer(t, db.env)
	out := mustRunJSON(t, db.env, "demo", "--base-url", "http://"+srv.addr)

	a := db.mustOpenApp(t)
	ctx, admin := asPrincipal(t, a, str(t, obj(t, out, "chatwoot"), "api_access_token"))
	if admin.Host == nil || admin.Host.Role != inbox.RoleAdministrator {
		t.Fatalf("chatwoot token is not an administrator's: %+v", admin.Host)
	}

	t.Run("Seeded", func(t *testing.T) {
		list, err := app.View(ctx, a, inbox.ScopeInboxRead, func(l *app.Loader) (*app.ConversationList, error) {
			return l.Conversations(app.ConversationQuery{Filter: inbox.ConversationFilter{Page: inbox.Page{Limit: 100}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		convs, total := list.Items, list.Total
		if total < 5 || total > 8 {
			t.Fatalf("conversations=%d, want about six", total)
		}
		boxes, err := app.View(ctx, a, inbox.ScopeInboxRead, (*app.Loader).Inboxes)
		if err != nil {
			t.Fatal(err)
		}
		channelOf := map[int64]string{}
		for _, b := range boxes {
			channelOf[b.ID] = b.Channel
		}
		channels := map[string]bool{}
		var resolved, assigned, labelled int
		kinds := map[string]int{}
		for _, c := range convs {
			channels[channelOf[c.InboxID]] = true
			if c.Status == inbox.StatusResolved {
				resolved++
			}
			if c.AssigneeID != nil {
				assigned++
			}
			if len(c.Labels) > 0 {
				labelled++
			}
			msgs, err := listMessages(ctx, a, inbox.MessageFilter{ConversationID: &c.ID, ExcludeActivity: true,
				Page: inbox.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			} else if len(msgs) == 0 {
				t.Fatalf("conversation %d has no messages", c.ID)
			}
			for _, m := range msgs {
				kinds[m.Kind]++
			}
		}
		for _, ch := range []string{inbox.ChannelAirbnb, inbox.ChannelBookingCom, inbox.ChannelEmail, inbox.ChannelAPI} {
			if !channels[ch] {
				t.Errorf("no conversation in a %s inbox", ch)
			}
		}
		if resolved != 1 || assigned < 1 || labelled < 2 {
			t.Errorf("resolved=%d assigned=%d labelled=%d, want 1, at least 1, at least 2", resolved, assigned, labelled)
		}
		if kinds[inbox.KindIncoming] < 6 || kinds[inbox.KindOutgoing] < 5 {
			t.Errorf("messages by kind=%v, want messages both ways", kinds)
		}
		bookings, err := app.View(ctx, a, inbox.ScopeBookingsRead, func(l *app.Loader) (*app.BookingListing, error) {
			return l.Bookings(inbox.ListFilter{Page: inbox.Page{Limit: 10}})
		})
		if err != nil {
			t.Fatal(err)
		}
		links := bookings.ConversationIDs
		bookingID := num(t, out, "booking_id")
		if len(links[bookingID]) != 1 {
			t.Errorf("booking %d linked to %v, want one conversation", bookingID, links[bookingID])
		}
	})

	t.Run("BookingSyncCredentials", func(t *testing.T) {
		bs := obj(t, out, "bookingsync")
		_, p := asPrincipal(t, a, str(t, bs, "access_token"))
		if p.ApplicationID == nil || *p.ApplicationID != num(t, bs, "application_id") || !p.Scopes.Has(inbox.ScopeInboxWrite) {
			t.Fatalf("access token principal=%+v", p)
		}
		if _, err := a.ClientCredentials(ctx, str(t, bs, "client_id"), str(t, bs, "client_secret"), ""); err != nil {
			t.Fatalf("printed client credentials: %v", err)
		}
	})

	t.Run("CurlLines", func(t *testing.T) {
		lines, ok := out["curl"].([]any)
		if !ok || len(lines) < 4 {
			t.Fatalf("curl=%v, want ready-to-paste lines", out["curl"])
		}
		for _, l := range lines {
			line := l.(string)
			// JSON escapes " and \: a line holding neither is printed
			// exactly as it must be pasted.
			if strings.ContainsAny(line, `"\`) {
				t.Errorf("%s: holds a quote or backslash, which the JSON output escapes", line)
			}
			req := mustParseCurl(t, line)
			if !strings.HasPrefix(req.URL.String(), "http://"+srv.addr+"/") {
				t.Fatalf("%s: does not point at the server", line)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			err = json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || err != nil {
				t.Errorf("%s\n  status=%d, JSON error=%v, want 200 with JSON", line, resp.StatusCode, err)
			}
		}
	})
}

var (
	curlHeader = regexp.MustCompile(`-H '([^:']+): ([^']*)'`)
	curlData   = regexp.MustCompile(`-d '([^']*)'`)
	curlMethod = regexp.MustCompile(`-X ([A-Z]+)`)
	curlURL    = regexp.MustCompile(`'(https?://[^']+)'$`)
)

// mustParseCurl turns one of the printed curl lines into a request.
func mustParseCurl(tb testing.TB, line string) *http.Request {
	tb.Helper()
	u := curlURL.FindStringSubmatch(line)
	if !strings.HasPrefix(line, "curl ") || u == nil {
		tb.Fatalf("not a curl line: %s", line)
	}
	method, body := http.MethodGet, ""
	if m := curlMethod.FindStringSubmatch(line); m != nil {
		method = m[1]
	}
	if d := curlData.FindStringSubmatch(line); d != nil {
		body = d[1]
		if curlMethod.FindStringSubmatch(line) == nil {
			method = http.MethodPost // as curl does for -d
		}
	}
	req, err := http.NewRequest(method, u[1], strings.NewReader(body))
	if err != nil {
		tb.Fatalf("%s: %v", line, err)
	}
	if body != "" {
		// curl's default for -d, unless a -H below says otherwise.
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range curlHeader.FindAllStringSubmatch(line, -1) {
		req.Header.Set(h[1], h[2])
	}
	return req
}

// obj reads a JSON object field.
func obj(tb testing.TB, v map[string]any, key string) map[string]any {
	tb.Helper()
	o, ok := v[key].(map[string]any)
	if !ok {
		tb.Fatalf("%s=%#v, want an object", key, v[key])
	}
	return o
}

// objs reads a JSON array of objects.
func objs(tb testing.TB, v map[string]any, key string) []map[string]any {
	tb.Helper()
	arr, ok := v[key].([]any)
	if !ok {
		tb.Fatalf("%s=%#v, want an array", key, v[key])
	}
	out := make([]map[string]any, len(arr))
	for i, e := range arr {
		if out[i], ok = e.(map[string]any); !ok {
			tb.Fatalf("%s[%d]=%#v, want an object", key, i, e)
		}
	}
	return out
}

// listMessages lists messages as the caller in ctx.
func listMessages(ctx context.Context, a *app.App, f inbox.MessageFilter) ([]*inbox.Message, error) {
	return app.View(ctx, a, inbox.ScopeInboxRead, func(l *app.Loader) ([]*inbox.Message, error) {
		msgs, _, err := l.Messages(f)
		return msgs, err
	})
}
