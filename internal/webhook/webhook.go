// Package webhook delivers events to webhook subscriptions: at least once,
// signed, retried, never lost.
//
// Two loops run on every node:
//
//   - The fan-out reads the outbox (an internal/events subscription) from
//     the shared cursor 'webhooks.fanout', renders each event once per
//     kind of reader with the dialects' encoders (chatwoot.EncodeEvent,
//     bookingsync.EncodeEvent) and stores a delivery row per webhook that
//     wants it, moving the cursor in the same transaction: a crash before
//     the commit redoes the batch, after it the rows exist. One node at a
//     time holds the cursor's lease (renewed every few seconds; another
//     node takes over within Lease when the holder dies), so events are
//     rendered once.
//   - The dispatcher claims due deliveries (any node: a lease on each row,
//     FOR UPDATE SKIP LOCKED on PostgreSQL), POSTs them and records each
//     attempt. A delivery whose sender died is claimed again when its lease
//     ends, so it is sent at least once; a healthy cluster sends each once.
//     Each webhook has its own lane with a few requests in flight, so a
//     slow or dead endpoint only ever holds its own lane.
//
// Retries follow app.RetryDelay (15 s doubling to 2 h, with jitter) for
// app.RetryWindow (24 h); a webhook failing without a success for 72 h is
// disabled (inbox.WebhookDisableAfter). Requests: 5 s to connect, 10 s in
// all, no redirects followed, at most 64 KiB of the answer read, any 2xx
// is success.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/fetch"
)

// Deps configure a Service.
type Deps struct {
	App    *app.App
	System *app.System
	Tail   *events.Tail
	// BaseURL is the public URL links in payloads start with.
	BaseURL string
	// AllowPrivate lets deliveries connect to loopback, private and
	// link-local addresses (--webhook-allow-private).
	AllowPrivate bool
	Logger       *slog.Logger
	// Owner names this node in leases (default: host, pid and a random
	// suffix).
	Owner string
	// Poll is how often the dispatcher looks for due deliveries without
	// being woken (1 s).
	Poll time.Duration
	// Client replaces the HTTP client (tests).
	Client *http.Client
	// SoleNode says that no other process delivers from this database
	// (SQLite): leases left by a killed predecessor are released at start.
	SoleNode bool
}

// Settings of the loops.
const (
	// fanOutLease is how long the fan-out cursor is held without renewal:
	// when a node dies, another takes the fan-out over within it.
	fanOutLease = 10 * time.Second
	// deliveryLease is how long a claimed delivery is this node's: when a
	// node dies, its deliveries are sent again within it. A request is only
	// started with at least sendMargin of it left (the 10 s request and the
	// write that records it), so a lease never ends under a request.
	deliveryLease = 30 * time.Second
	sendMargin    = 12 * time.Second
	// perWebhook is how many requests one webhook may have in flight on a
	// node; maxInFlight bounds them all.
	perWebhook  = 4
	maxInFlight = 256
	// readLimit is how much of an answer is read.
	readLimit = 64 << 10
)

// Service runs the fan-out and the dispatcher of one node.
type Service struct {
	d      Deps
	log    *slog.Logger
	client *http.Client
	owner  string
	wake   chan struct{}

	mu       sync.Mutex
	lanes    map[int64]*lane
	total    int  // requests in flight or queued in lanes
	stopping bool // no request starts any more
	running  sync.WaitGroup
	// results carries attempts' outcomes to the recorder, which closes
	// recorded when it is done.
	results  chan app.Completion
	recorded chan struct{}

	// synced remembers when each account's API inbox webhooks were last
	// brought in step with their inboxes.
	synced map[int64]time.Time
}

// New returns a Service; Run starts it.
func New(d Deps) *Service {
	s := &Service{d: d, log: d.Logger, client: d.Client, owner: d.Owner, wake: make(chan struct{}, 1),
		lanes: map[int64]*lane{}, synced: map[int64]time.Time{}, results: make(chan app.Completion, 4096),
		recorded: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.d.Poll <= 0 {
		s.d.Poll = time.Second
	}
	if s.owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		s.owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if s.client == nil {
		s.client = NewClient(d.AllowPrivate)
	}
	return s
}

// NewClient returns the HTTP client deliveries are sent with: 5 s to
// connect, 10 s in all, redirects not followed, and unless allowPrivate,
// only public addresses dialled (checked after DNS).
func NewClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		dialer.Control = fetch.Guard(func(ap netip.AddrPort) bool { return fetch.Public(ap.Addr()) })
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   perWebhook,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run runs the fan-out and the dispatcher until ctx ends, then waits for
// the requests in flight (at most the 10 s request timeout) and records
// them.
func (s *Service) Run(ctx context.Context) {
	if s.d.SoleNode {
		if err := s.d.System.ReleaseLeases(ctx, ""); err != nil && ctx.Err() == nil {
			s.log.Warn("webhooks: releasing leases failed", "error", err)
		}
	}
	go s.record()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.fanOut(ctx) }()
	go func() { defer wg.Done(); s.dispatch(ctx) }()
	go func() { defer wg.Done(); s.reportQueue(ctx) }()
	wg.Wait()
	s.drain()
}

// Owner is the name this node holds leases under.
func (s *Service) Owner() string { return s.owner }

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
