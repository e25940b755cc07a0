package main_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
)

// writerResult is what one writer saw until the server stopped.
type writerResult struct {
	acked   []string // contents of the messages the server answered 200 for
	cut     []error  // requests on an established connection that got no answer
	refused error    // the connection the writer could not open (the server had stopped accepting)
	bad     []string // answers other than 200
}

// write posts messages as a plain HTTP/1.1 client does: one connection
// kept alive, each request sent 0 to 60 ms after the previous answer is
// read, never retried, a new connection only when the server asks to close
// (Connection: close) or cut the last one. It stops when a connection
// cannot be opened any more. (Go's own http.Transport retries a request
// that found its idle connection closed before any byte was written, so
// it would hide cut connections.)
func write(ctx context.Context, addr, token string, accountID, displayID int64, id int) writerResult {
	var res writerResult
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	path := fmt.Sprintf("/api/v1/accounts/%d/conversations/%d/messages", accountID, displayID)
	for n := 0; ctx.Err() == nil; n++ {
		if conn == nil {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				res.refused = err
				return res
			}
			conn, br = c, bufio.NewReader(c)
		}
		content := fmt.Sprintf("writer %d message %d", id, n)
		body := `{"content":"` + content + `"}`
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		_, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\napi_access_token: %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, addr, token, len(body), body)
		var resp *http.Response
		if err == nil {
			resp, err = http.ReadResponse(br, nil)
		}
		if err != nil {
			res.cut = append(res.cut, err)
			conn.Close()
			conn = nil
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			res.cut = append(res.cut, err)
		case resp.StatusCode == http.StatusOK:
			res.acked = append(res.acked, content)
		default:
			res.bad = append(res.bad, fmt.Sprintf("%d %s", resp.StatusCode, b))
		}
		if err != nil || resp.Close {
			conn.Close()
			conn = nil
		}
		// Most clients do something between requests: their connection
		// sits idle meanwhile, which is when a stopping server closes it.
		time.Sleep(time.Duration(id%4) * 20 * time.Millisecond)
	}
	return res
}

// SIGTERM while 20 clients write as fast as they can on keep-alive
// connections: the server stops accepting, answers every request it has
// read (each answer closing its connection), closes the connections that
// carry none, and exits 0. No writer sees a connection cut with a request
// in flight (they were 8 on SQLite, 1 on PostgreSQL), and every message
// acknowledged is in the database.
func TestServe_SIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	seed := mustRunJSON(t, db.env, "demo")
	token := str(t, obj(t, seed, "chatwoot"), "api_access_token")
	accountID := num(t, obj(t, seed, "account"), "id")
	convs := objs(t, seed, "conversations")
	srv := mustStartServer(t, db.env, "--shutdown-timeout", "20s")

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const writers = 20
	results := make([]writerResult, writers)
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = write(ctx, srv.addr, token, accountID, num(t, convs[i%len(convs)], "display_id"), i)
		}()
	}
	time.Sleep(1500 * time.Millisecond) // under load
	signalled := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := srv.wait(t); err != nil {
		t.Fatalf("exit: %v, want status 0; logs:\n%s", err, srv.logs.String())
	}
	stopped := time.Since(signalled)

	acked := map[string]bool{}
	var cut []error
	refused := 0
	for i, r := range results {
		for _, c := range r.acked {
			acked[c] = true
		}
		cut = append(cut, r.cut...)
		if r.refused != nil {
			refused++
			if !errors.Is(r.refused, syscall.ECONNREFUSED) {
				t.Errorf("writer %d could not connect: %v, want connection refused", i, r.refused)
			}
		}
		if len(r.bad) > 0 {
			t.Errorf("writer %d got %d answers other than 200, first: %s", i, len(r.bad), r.bad[0])
		}
	}
	t.Logf("SIGTERM under %d writers: %d messages acknowledged, %d connections cut with a request in flight, "+
		"%d writers refused a new connection, the server exited %v after the signal",
		writers, len(acked), len(cut), refused, stopped.Round(time.Millisecond))
	if len(acked) < writers {
		t.Errorf("only %d messages acknowledged: the load did not run", len(acked))
	}
	if len(cut) > 0 {
		t.Errorf("%d connections cut with a request in flight, want 0; first: %v", len(cut), cut[0])
	}
	if refused != writers {
		t.Errorf("%d writers ended on a refused connection, want all %d", refused, writers)
	}

	// Acknowledged means stored.
	a := db.mustOpenApp(t)
	pctx, _ := asPrincipal(t, a, token)
	stored := map[string]bool{}
	for _, c := range convs {
		id := num(t, c, "id")
		for page := 0; ; page++ {
			msgs, err := listMessages(pctx, a, inbox.MessageFilter{ConversationID: &id, Page: inbox.Page{Limit: 100, Offset: page * 100}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				stored[m.Content] = true
			}
			if len(msgs) < 100 {
				break
			}
		}
	}
	missing := 0
	for c := range acked {
		if !stored[c] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d acknowledged messages are not in the database", missing)
	}
}
