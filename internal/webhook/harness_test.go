package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/secret"
	"github.com/inboxd/inbox/internal/sqlstore"
	"github.com/inboxd/inbox/internal/webhook"
)

// harness is one database with an account, an administrator, an OAuth
// application and a clock the test can move forward.
type harness struct {
	t      *testing.T
	dsn    string
	offset *atomic.Int64 // added to the real time by every store's clock
	store  *sqlstore.Store
	app    *app.App
	admin  *app.Admin
	acc    *inbox.Account
	ctx    context.Context // acting as the administrator
	appID  int64
	secret string // the application's client secret
	logs   *syncBuffer
	key    *secret.Key // the server key every node shares
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	key, _ := secret.Generate()
	h := &harness{t: t, dsn: inboxtest.MustNewDSN(t), offset: &atomic.Int64{}, logs: &syncBuffer{}, key: key}
	h.store, h.app = h.open()
	h.admin = app.NewAdmin(h.app)
	ctx := context.Background()
	h.acc = &inbox.Account{Name: "Acme Rentals", Email: "acme@example.com"}
	must(t, h.admin.CreateAccount(ctx, h.acc))
	token, err := h.admin.CreateHostWithToken(ctx, &inbox.Host{AccountID: h.acc.ID, Firstname: "Agent", Lastname: "Smith",
		Email: "agent@example.com", Role: inbox.RoleAdministrator}, nil)
	must(t, err)
	p, err := h.app.Authenticate(ctx, token)
	must(t, err)
	h.ctx = inbox.NewContextWithPrincipal(ctx, p)
	application := &inbox.Application{AccountID: h.acc.ID, Name: "PMS", Scopes: inbox.Scopes{inbox.ScopeInboxWrite,
		inbox.ScopeClientsRead, inbox.ScopeWebhooksWrite}}
	h.secret, err = h.admin.CreateApplication(ctx, application)
	must(t, err)
	h.appID = application.ID
	return h
}

// open opens one more store on the database, with the test's clock, and an
// app over it sharing the server key.
func (h *harness) open() (*sqlstore.Store, *app.App) {
	h.t.Helper()
	s, err := sqlstore.Open(context.Background(), h.dsn)
	must(h.t, err)
	h.t.Cleanup(func() { s.Close() })
	s.Now = func() time.Time { return time.Now().Add(time.Duration(h.offset.Load())) }
	return s, app.New(app.Deps{Store: s, WebhookAllowPrivate: true, Secret: h.key,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
}

// advance moves every store's clock forward.
func (h *harness) advance(d time.Duration) { h.offset.Add(int64(d)) }

// node is a running tail and webhook service.
type node struct {
	svc  *webhook.Service
	stop func()
}

// start runs a tail and a webhook service over a store of the database
// (h.store when store is nil) until stop or the end of the test.
func (h *harness) start(client *http.Client) *node {
	h.t.Helper()
	return h.startOn(h.store, h.app, client)
}

func (h *harness) startOn(s *sqlstore.Store, a *app.App, client *http.Client) *node {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sys := app.NewSystem(a)
	tail := events.New(events.Deps{Source: sys, Sequence: s.Engine() == "postgres", Wake: s.Changes(ctx), Poll: 50 * time.Millisecond})
	if client == nil {
		client = webhook.NewClient(true)
	}
	svc := webhook.New(webhook.Deps{App: a, System: sys, Tail: tail, BaseURL: "http://inboxd.test", AllowPrivate: true,
		Poll: 20 * time.Millisecond, Client: client, Logger: slog.New(slog.NewTextHandler(h.logs, nil))})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); tail.Run(ctx) }()
	go func() { defer wg.Done(); svc.Run(ctx) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); wg.Wait() }) }
	h.t.Cleanup(stop)
	return &node{svc: svc, stop: stop}
}

// webhook creates a webhook: the application's (BookingSync) when bs is
// set, else the account's (Chatwoot).
func (h *harness) webhook(bs bool, url string, events ...string) *app.WebhookView {
	h.t.Helper()
	var owner *int64
	if bs {
		owner = &h.appID
	}
	v, err := h.admin.CreateWebhook(context.Background(), h.acc.ID, owner, app.WebhookChange{URL: &url, Events: &events})
	must(h.t, err)
	return v
}

// conversation creates a conversation with a new guest and the
// administrator's first message, and returns it.
func (h *harness) conversation(text string) *app.ConversationView {
	h.t.Helper()
	c, err := h.app.CreateClient(h.ctx, &inbox.Client{Fullname: "Jane Doe", Email: "jane@example.com"})
	must(h.t, err)
	v, err := h.app.CreateConversation(h.ctx, app.ConversationCreate{ClientID: &c.ID})
	must(h.t, err)
	h.message(v.ID, text)
	return v
}

func (h *harness) message(conversationID int64, text string) {
	h.t.Helper()
	_, err := h.app.CreateMessage(h.ctx, app.MessageCreate{ConversationID: conversationID, Content: &text})
	must(h.t, err)
}

// deliveriesOf lists one webhook's deliveries, newest first, with attempts.
func (h *harness) deliveriesOf(webhookID int64) []*app.DeliveryView {
	h.t.Helper()
	ds, err := h.admin.Deliveries(context.Background(), h.acc.ID, inbox.DeliveryFilter{WebhookID: &webhookID, Limit: 1000}, true)
	must(h.t, err)
	return ds
}

// deliveries lists the account's deliveries, newest first, with attempts.
func (h *harness) deliveries() []*app.DeliveryView {
	h.t.Helper()
	ds, err := h.admin.Deliveries(context.Background(), h.acc.ID, inbox.DeliveryFilter{Limit: 1000}, true)
	must(h.t, err)
	return ds
}

// eventually waits for cond, failing the test after a generous deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// received is one request a receiver accepted as genuine.
type received struct {
	eventID  int64
	event    string
	delivery string // X-Chatwoot-Delivery
	body     []byte
	header   http.Header
}

// receiver is a webhook endpoint that checks signatures the way the real
// receivers do: BookingSync's HMAC-SHA1 over the body in MIME Base64 (or
// strict Base64), Chatwoot's HMAC-SHA256 over "<timestamp>.<body>" with a
// timestamp no older than five minutes. A request that fails the check is
// answered 422 and counted in forged.
type receiver struct {
	URL    string
	ln     net.Listener
	srv    *http.Server
	secret func() []byte
	// status, when set, gives the status of the n-th request (1-based);
	// 0 means 200. Only 2xx answers count as received.
	status atomic.Pointer[func(n int) int]
	// hold, when set, makes every request wait until it is closed.
	hold atomic.Pointer[chan struct{}]

	mu     sync.Mutex
	got    []received
	forged int
	calls  int
}

func newReceiver(t *testing.T, secret func() []byte) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	r := &receiver{URL: "http://" + ln.Addr().String() + "/hook", secret: secret}
	r.serve(ln)
	t.Cleanup(r.close)
	return r
}

func (r *receiver) serve(ln net.Listener) {
	r.ln = ln
	r.srv = &http.Server{Handler: r}
	go r.srv.Serve(ln)
}

func (r *receiver) close() { r.srv.Close() }

// restart listens again on the same address after close.
func (r *receiver) restart(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", r.ln.Addr().String())
	must(t, err)
	r.serve(ln)
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.calls++
	n := r.calls
	r.mu.Unlock()
	if hold := r.hold.Load(); hold != nil {
		select {
		case <-*hold:
		case <-req.Context().Done():
			return
		}
	}
	if !r.genuine(req.Header, body) {
		r.mu.Lock()
		r.forged++
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnprocessableEntity)
		return
	}
	if f := r.status.Load(); f != nil {
		if code := (*f)(n); code != 0 && code != http.StatusOK {
			w.WriteHeader(code)
			return
		}
	}
	r.mu.Lock()
	id, _ := strconv.ParseInt(req.Header.Get(webhook.EventIDHeader), 10, 64)
	r.got = append(r.got, received{eventID: id, event: req.Header.Get(webhook.EventHeader),
		delivery: req.Header.Get("X-Chatwoot-Delivery"), body: body, header: req.Header.Clone()})
	r.mu.Unlock()
}

func (r *receiver) genuine(h http.Header, body []byte) bool {
	secret := r.secret()
	if sig := h.Get("X-Content-Signature"); sig != "" {
		return h.Get("User-Agent") == "BookingSync Webhook Delivery" &&
			(hmacHex(sha1New, secret, rubyEncode64(body)) == sig || hmacHex(sha1New, secret, []byte(base64.StdEncoding.EncodeToString(body))) == sig)
	}
	ts, err := strconv.ParseInt(h.Get("X-Chatwoot-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)) > 5*time.Minute {
		return false
	}
	want := "sha256=" + hmacHex(sha256.New, secret, append([]byte(h.Get("X-Chatwoot-Timestamp")+"."), body...))
	return hmac.Equal([]byte(want), []byte(h.Get("X-Chatwoot-Signature")))
}

var sha1New = sha1.New

func hmacHex(h func() hash.Hash, key, data []byte) string {
	m := hmac.New(h, key)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// rubyEncode64 is Ruby's Base64.encode64: 60-character lines, each ending
// in a newline.
func rubyEncode64(b []byte) []byte {
	s := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for i := 0; i < len(s); i += 60 {
		out.WriteString(s[i:min(i+60, len(s))])
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// accepted returns what the receiver accepted so far.
func (r *receiver) accepted() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) forgeries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forged
}

// syncBuffer is a log sink tests read while the service writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) contains(sub string) bool { return strings.Contains(s.String(), sub) }
