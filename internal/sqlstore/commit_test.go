package sqlstore_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// dropMode says what the proxy does with the next COMMIT.
type dropMode int32

const (
	passThrough dropMode = iota
	dropBefore           // the COMMIT never reaches the server
	dropAnswer           // the server commits; its answer never reaches the client
)

// commitProxy relays PostgreSQL connections and can cut one at its COMMIT.
type commitProxy struct {
	ln     net.Listener
	target string
	mode   atomic.Int32
	fired  atomic.Int32
	wg     sync.WaitGroup
}

func newCommitProxy(t *testing.T, target string) *commitProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *commitProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go func() { defer p.wg.Done(); io.Copy(c, s); c.Close() }()
		go func() { defer p.wg.Done(); p.relay(c, s) }()
	}
}

// relay copies client bytes to the server, acting on the first COMMIT once
// armed.
func (p *commitProxy) relay(client, server net.Conn) {
	defer server.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			mode := dropMode(p.mode.Load())
			if mode != passThrough && bytes.Contains(bytes.ToLower(chunk), []byte("commit")) && p.mode.CompareAndSwap(int32(mode), int32(passThrough)) {
				p.fired.Add(1)
				if mode == dropAnswer {
					server.Write(chunk)
					client.Close() // the answer has nowhere to go
					// Let the server finish the COMMIT before it sees the
					// connection end.
					server.SetReadDeadline(time.Now().Add(2 * time.Second))
					io.Copy(io.Discard, server)
				}
				client.Close()
				return
			}
			if _, err := server.Write(chunk); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestCommitOutcome cuts the connection of a write at its COMMIT: a write the
// server committed is reported as done, one it never received as
// EUNAVAILABLE, and neither as anything in between (PostgreSQL only: SQLite
// runs in the process).
func TestCommitOutcome(t *testing.T) {
	if inboxtest.Engine() != "postgres" {
		t.Skip("PostgreSQL only: a COMMIT's answer can be lost only over a connection")
	}
	dsn := inboxtest.MustNewDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCommitProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	direct, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	exists := func(id int64) bool {
		err := direct.View(ctx, func(tx inbox.Tx) error {
			_, err := tx.FindAccountByID(ctx, id)
			return err
		})
		if err != nil && inbox.ErrorCode(err) != inbox.ENOTFOUND {
			t.Fatal(err)
		}
		return err == nil
	}
	write := func(mode dropMode) (int64, error) {
		proxy.mode.Store(int32(mode))
		before := proxy.fired.Load()
		acc := &inbox.Account{Name: "Outcome", Status: inbox.AccountTrial, Locale: "en"}
		err := store.Update(ctx, func(tx inbox.Tx) error { return tx.CreateAccount(ctx, acc) })
		if mode != passThrough && proxy.fired.Load() == before {
			t.Fatal("the proxy saw no COMMIT: the test proved nothing")
		}
		return acc.ID, err
	}

	t.Run("CommittedAnswerLost", func(t *testing.T) {
		id, err := write(dropAnswer)
		if err != nil {
			t.Fatalf("err=%v, want success: the server committed", err)
		}
		if !exists(id) {
			t.Fatal("reported committed but not stored")
		}
	})
	t.Run("ErrCommitNeverArrived", func(t *testing.T) {
		id, err := write(dropBefore)
		if inbox.ErrorCode(err) != inbox.EUNAVAILABLE {
			t.Fatalf("err=%v, want unavailable", err)
		}
		if id != 0 && exists(id) {
			t.Fatal("reported failed but stored")
		}
	})
	t.Run("AfterwardsOK", func(t *testing.T) {
		id, err := write(passThrough)
		if err != nil || !exists(id) {
			t.Fatalf("err=%v exists=%v", err, exists(id))
		}
	})
}
