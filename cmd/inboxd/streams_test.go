package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// SIGTERM while an event stream (/api/v3/inbox/stream) and a /cable
// connection are open and a request is in flight: the stream ends cleanly,
// the /cable client is told to reconnect elsewhere, the request is still
// answered, and the process exits 0, which it only does when the drain
// finished within the shutdown timeout (a stream left open would hold the
// drain until it ran out, and the exit status would say so). The metrics
// count both connections while they are open.
func TestServe_SIGTERMWithStreams(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	seed := mustRunJSON(t, db.env, "demo")
	cwToken := str(t, obj(t, seed, "chatwoot"), "api_access_token")
	bsToken := str(t, obj(t, seed, "bookingsync"), "access_token")
	accountID := num(t, obj(t, seed, "account"), "id")
	conv := objs(t, seed, "conversations")[0]
	debug := "127.0.0.1:" + freePort(t)
	srv := mustStartServer(t, db.env, "--shutdown-timeout", "20s", "--debug-addr", debug)
	base := "http://" + srv.addr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// The event stream: open once its first frame arrived.
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v3/inbox/stream", nil)
	req.Header.Set("Authorization", "Bearer "+bsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream: %d %s", resp.StatusCode, b)
	}
	stream := bufio.NewScanner(resp.Body)
	if !stream.Scan() || stream.Text() != "retry: 3000" {
		t.Fatalf("stream's first line %q, err %v", stream.Text(), stream.Err())
	}

	// /cable, subscribed to the administrator's room.
	ws, _, err := websocket.Dial(ctx, "ws://"+srv.addr+"/cable", &websocket.DialOptions{Subprotocols: []string{"actioncable-v1-json"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	_, v := mustGetAny(t, base+"/api/v1/profile", "api_access_token", cwToken)
	profile, _ := v.(map[string]any)
	room, _ := json.Marshal(map[string]any{"channel": "RoomChannel", "pubsub_token": profile["pubsub_token"],
		"account_id": profile["account_id"], "user_id": profile["id"]})
	sub, _ := json.Marshal(map[string]any{"command": "subscribe", "identifier": string(room)})
	if err := ws.Write(ctx, websocket.MessageText, sub); err != nil {
		t.Fatal(err)
	}
	cable := make(chan map[string]any, 100)
	cableErr := make(chan error, 1)
	go func() {
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				cableErr <- err
				close(cable)
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil && m["type"] != "ping" {
				cable <- m
			}
		}
	}()
	for m := range cable {
		if m["type"] == "confirm_subscription" {
			break
		}
		if m["type"] == "reject_subscription" {
			t.Fatalf("subscription rejected: %v", m)
		}
	}

	_, metrics := mustGetText(t, "http://"+debug+"/metrics")
	for _, want := range []string{`inboxd_realtime_connections{transport="cable"} 1`, `inboxd_realtime_connections{transport="sse"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("metrics lack %q while both are open:\n%s", want, grepLines(metrics, "realtime"))
		}
	}

	// A request in flight: headers and half its body sent.
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"content":"Sent while streams were open."}`
	head := fmt.Sprintf("POST /api/v1/accounts/%d/conversations/%d/messages HTTP/1.1\r\nHost: %s\r\n"+
		"api_access_token: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		accountID, num(t, conv, "display_id"), srv.addr, cwToken, len(body))
	if _, err := io.WriteString(conn, head+body[:10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the handler now waits for the rest

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The stream ends, cleanly: its response is complete, not cut.
	for stream.Scan() {
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("the stream was cut rather than ended: %v", err)
	}
	// The request in flight is still answered.
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatalf("finish the in-flight request: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	answer, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no response: %v; logs:\n%s", err, srv.logs.String())
	}
	answer.Body.Close()
	if answer.StatusCode != http.StatusOK {
		t.Fatalf("in-flight request: %d, want 200", answer.StatusCode)
	}
	// Once the requests are answered, the /cable client is asked to
	// reconnect, then its connection closes.
	var disconnect map[string]any
	for m := range cable {
		if m["type"] == "disconnect" {
			disconnect = m
		}
	}
	if disconnect == nil || disconnect["reason"] != "server_restart" || disconnect["reconnect"] != true {
		t.Fatalf("/cable got %v before closing (%v), want a disconnect for a server restart; logs:\n%s", disconnect, <-cableErr, srv.logs.String())
	}
	if err := srv.wait(t); err != nil {
		t.Fatalf("exit: %v, want status 0 (drained within the shutdown timeout); logs:\n%s", err, srv.logs.String())
	}
}
