// Package e2e_test runs the real inboxd binary as a child process, so that
// crashes (SIGKILL), graceful restarts (SIGTERM) and concurrent clients are
// tested against what users run, on SQLite and PostgreSQL.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "inboxd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "inboxd")
	build := exec.Command("go", "build", "-o", binary, "github.com/inboxd/inbox/cmd/inboxd")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build inboxd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one database with a seeded account, shared by restarts of the server.
type env struct {
	dsn     string
	dataDir string
	account int64
	client  int64
	inbox   int64
	token   string // Chatwoot api_access_token of an administrator
	convs   []*inbox.Conversation
	env     []string // more environment for the server (NAME=value)
}

// newEnv seeds an account with an administrator and n conversations, then
// closes the store so only the server process touches the database.
func newEnv(t *testing.T, n int) *env {
	t.Helper()
	dsn := ""
	if inboxtest.Engine() == "postgres" {
		dsn = inboxtest.MustNewDSN(t)
	}
	return newEnvOn(t, dsn, n)
}

// newEnvOn is newEnv on a given PostgreSQL database, or ("") on SQLite in
// the server's data directory.
func newEnvOn(t *testing.T, dsn string, n int) *env {
	t.Helper()
	e := &env{dsn: dsn, dataDir: t.TempDir()}
	if dsn == "" {
		// The server's default SQLite location inside its data directory.
		e.dsn = filepath.Join(e.dataDir, "inboxd.db")
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := app.New(app.Deps{Store: st})
	acc := &inbox.Account{Name: "Crash Test Rentals"}
	if err := app.NewAdmin(a).CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	e.account = acc.ID
	if e.token, err = app.NewAdmin(a).CreateHostWithToken(ctx, &inbox.Host{AccountID: acc.ID, Firstname: "Ada", Lastname: "Admin",
		Email: "ada@example.com", Role: inbox.RoleAdministrator}, nil); err != nil {
		t.Fatal(err)
	}
	client := &inbox.Client{AccountID: acc.ID, Fullname: "Grace Guest"}
	if err := app.NewAdmin(a).CreateClient(ctx, client); err != nil {
		t.Fatal(err)
	}
	e.client = client.ID
	p, err := a.Authenticate(ctx, e.token)
	if err != nil {
		t.Fatal(err)
	}
	pctx := inbox.NewContextWithPrincipal(ctx, p)
	for i := 0; i < n; i++ {
		c, err := a.CreateConversation(pctx, app.ConversationCreate{ClientID: &client.ID})
		if err != nil {
			t.Fatal(err)
		}
		e.convs = append(e.convs, c.Conversation)
		e.inbox = c.InboxID
	}
	return e
}

// proc is a running inboxd server.
type proc struct {
	cmd    *exec.Cmd
	url    string
	done   chan error
	log    *bytes.Buffer
	exited bool
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs the server on the env's database and waits for /readyz.
func (e *env) start(t *testing.T) *proc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "INBOXD_ADDR="+addr, "INBOXD_DATA_DIR="+e.dataDir, "INBOXD_RATE_LIMIT=0")
	cmd.Env = append(cmd.Env, e.env...)
	if strings.HasPrefix(e.dsn, "postgres") {
		cmd.Env = append(cmd.Env, "INBOXD_DATABASE_URL="+e.dsn)
	}
	p := &proc{cmd: cmd, url: "http://" + addr, done: make(chan error, 1), log: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if !p.exited {
			cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("server exited: %v\n%s", err, p.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("server not ready\n%s", p.log)
	return nil
}

// signal sends sig and waits for the process to end.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if p.exited {
		return
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		p.exited = true
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not exit after %v\n%s", sig, p.log)
	}
}

// postMessage posts through the Chatwoot dialect and returns the created id
// (0 when the request was not acknowledged with a 2xx).
func (e *env) postMessage(ctx context.Context, client *http.Client, base string, c *inbox.Conversation, content string) (int64, int, error) {
	body, _ := json.Marshal(map[string]any{"content": content, "message_type": "outgoing"})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
		fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", base, e.account, c.DisplayID), bytes.NewReader(body))
	req.Header.Set("api_access_token", e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return 0, resp.StatusCode, fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	var m struct{ ID int64 }
	if err := json.Unmarshal(b, &m); err != nil || m.ID == 0 {
		return 0, resp.StatusCode, fmt.Errorf("bad body %s", b)
	}
	return m.ID, resp.StatusCode, nil
}

// verify opens the database directly and checks that every acknowledged
// message is there with its content, and that the derived fields agree
// with the messages (nothing half-written is visible).
func (e *env) verify(t *testing.T, acked map[int64]string) {
	t.Helper()
	ctx := context.Background()
	err := e.openStore(t).View(ctx, func(tx inbox.Tx) error {
		for id, content := range acked {
			m, err := tx.FindMessageByID(ctx, e.account, id)
			if err != nil {
				return fmt.Errorf("acknowledged message %d: %w", id, err)
			}
			if m.Content != content {
				return fmt.Errorf("message %d content=%q, want %q", id, m.Content, content)
			}
		}
		for _, c := range e.convs {
			conv, err := tx.FindConversationByID(ctx, e.account, c.ID)
			if err != nil {
				return err
			}
			cid := c.ID
			msgs, _, err := tx.FindMessages(ctx, e.account, inbox.MessageFilter{ConversationID: &cid, Page: inbox.Page{Limit: 100000}})
			if err != nil {
				return err
			}
			var newest *time.Time
			bySender := map[int64]time.Time{}
			for _, m := range msgs {
				if m.Kind == inbox.KindActivity {
					continue
				}
				at := m.CreatedAt
				if m.SentAt != nil {
					at = *m.SentAt
				}
				if newest == nil || at.After(*newest) {
					newest = &at
				}
				if m.SenderID != nil && at.After(bySender[*m.SenderID]) {
					bySender[*m.SenderID] = at
				}
			}
			if !sameTime(conv.LastMessageAt, newest) {
				return fmt.Errorf("conversation %d last_message_at=%v, newest message at %v", c.ID, conv.LastMessageAt, newest)
			}
			ps, _, err := tx.FindParticipants(ctx, e.account, inbox.ParticipantFilter{ConversationID: &cid, Page: inbox.Page{Limit: 1000}})
			if err != nil {
				return err
			}
			for _, p := range ps {
				want, ok := bySender[p.ID]
				var wantp *time.Time
				if ok {
					wantp = &want
				}
				if !sameTime(p.LastMessageSentAt, wantp) {
					return fmt.Errorf("participant %d last_message_sent_at=%v, newest message %v", p.ID, p.LastMessageSentAt, wantp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openStore opens the env's database; it is closed when the test ends.
func (e *env) openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func sameTime(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}
