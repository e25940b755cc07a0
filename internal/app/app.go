// Package app holds every use case of inboxd: tenancy, roles and scopes,
// validation, state transitions, transaction boundaries and events. It is the
// only caller of the store. Both wire dialects call it and translate; neither
// decides a rule.
//
// App's methods read the caller from the context (inbox.PrincipalFromContext)
// and act inside the caller's account. The administrative use cases the
// command line runs take the account id explicitly and need no caller; they
// live on Admin (NewAdmin), which the HTTP dialects never hold.
package app

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/secret"
)

// FileStore keeps attachment bytes, addressed by content. internal/filestore
// has two: a local directory and S3-compatible object storage.
type FileStore interface {
	// Put stores data durably and returns its key (hex SHA-256). Storing
	// the same content twice is harmless.
	Put(ctx context.Context, data []byte) (string, error)
	// Open returns the content stored under key, to be streamed (and
	// sought, for range requests); ENOTFOUND if none.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

// Fetcher downloads a remote file for remote_file_url. Implementations must
// refuse loopback, private and link-local destinations.
type Fetcher interface {
	Fetch(ctx context.Context, url string, maxBytes int64) (data []byte, contentType string, err error)
}

// Deps are what App needs.
type Deps struct {
	Store   inbox.Store
	Files   FileStore
	Fetcher Fetcher
	Logger  *slog.Logger
	// RateLimit is the number of BookingSync API requests allowed per
	// application and account per clock hour; 0 disables the limit.
	RateLimit int
	// TokenLifetime is how long OAuth access tokens live (default 2 h).
	TokenLifetime time.Duration
	// Secret is the server key that seals secrets kept for reuse and signs
	// recomputable tokens. nil gets a random key that lives as long as the
	// process (enough for tests; the server always passes its key).
	Secret *secret.Key
	// WebhookAllowPrivate lets webhooks target loopback, private and
	// link-local addresses (on-premise receivers, tests).
	WebhookAllowPrivate bool
	// AuthCacheTTL is how long a resolved token is reused without reading
	// the store (2 s). Revocations reach a followed cache sooner (Follow).
	AuthCacheTTL time.Duration
	// FileLinkTTL is how long an attachment's download link works at least
	// (default 30 days; links are signed anew on every read).
	FileLinkTTL time.Duration
	// SessionIdle and SessionLifetime end web sessions unused for that long
	// and that long after sign-in (DefaultSessionIdle, DefaultSessionLifetime).
	SessionIdle     time.Duration
	SessionLifetime time.Duration
}

// App is the application layer.
type App struct {
	store         inbox.Store
	files         FileStore
	fetcher       Fetcher
	log           *slog.Logger
	rateLimit     int
	rates         sync.Map // rate limit key → *rateCounter
	auth          authCache
	tokenLifetime time.Duration
	secret        *secret.Key
	fileLinkTTL   time.Duration

	webhookAllowPrivate bool
	// Web sign-in (signin.go).
	sessionIdle, sessionLifetime time.Duration
	hashing                      chan struct{}
}

// New returns an App.
func New(d Deps) *App {
	a := &App{store: d.Store, files: d.Files, fetcher: d.Fetcher, log: d.Logger, rateLimit: d.RateLimit,
		tokenLifetime: d.TokenLifetime, secret: d.Secret, webhookAllowPrivate: d.WebhookAllowPrivate}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.secret == nil {
		a.secret, _ = secret.Generate()
	}
	if a.tokenLifetime <= 0 {
		a.tokenLifetime = 2 * time.Hour
	}
	if a.auth.ttl = d.AuthCacheTTL; a.auth.ttl <= 0 {
		a.auth.ttl = authCacheTTL
	}
	if a.fileLinkTTL = d.FileLinkTTL; a.fileLinkTTL <= 0 {
		a.fileLinkTTL = DefaultFileLinkTTL
	}
	if a.sessionIdle = d.SessionIdle; a.sessionIdle <= 0 {
		a.sessionIdle = DefaultSessionIdle
	}
	if a.sessionLifetime = d.SessionLifetime; a.sessionLifetime <= 0 {
		a.sessionLifetime = DefaultSessionLifetime
	}
	a.hashing = make(chan struct{}, passwordHashWorkers)
	a.store = linkingStore{Store: d.Store, app: a}
	return a
}

// Ping checks that the database answers.
func (a *App) Ping(ctx context.Context) error { return a.store.Ping(ctx) }

// RateLimit returns the configured hourly request limit (0: none).
func (a *App) RateLimit() int { return a.rateLimit }

// emit writes an event to the outbox inside tx.
func emit(ctx context.Context, tx inbox.Tx, p *inbox.Principal, e inbox.Event) error {
	if p != nil {
		e.ActorType, e.ActorID = p.ActorType(), p.ActorID()
	}
	return tx.CreateEvent(ctx, &e)
}

func ptr[T any](v T) *T { return &v }

// invalidRef is the validation error for an unknown or foreign reference.
func invalidRef(field string) error { return inbox.FieldError(field, inbox.MsgInvalid) }

// asInvalid turns ENOTFOUND from a reference lookup into a 422 on field.
func asInvalid(err error, field string) error {
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return invalidRef(field)
	}
	return err
}

// viewAs runs fn in a read transaction for a caller holding scope s: the
// account the request addresses is checked first, and fn gets a Loader for
// the caller's visibility.
func viewAs[T any](ctx context.Context, a *App, s inbox.Scope, fn func(*Loader, *inbox.Principal) (T, error)) (T, error) {
	var out T
	p, err := require(ctx, s)
	if err != nil {
		return out, err
	}
	err = a.store.View(ctx, func(tx inbox.Tx) error {
		l, err := callerLoader(ctx, tx, p)
		if err != nil {
			return err
		}
		out, err = fn(l, p)
		return err
	})
	return out, err
}

// callerLoader checks the request's account and returns a Loader for the
// caller's visibility.
func callerLoader(ctx context.Context, tx inbox.Tx, p *inbox.Principal) (*Loader, error) {
	if err := checkRequest(ctx, tx, p); err != nil {
		return nil, err
	}
	vis, err := VisibilityOf(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	return newLoader(ctx, tx, vis), nil
}

// zeroTime is the earliest time the store can hold.
var zeroTime = time.Unix(0, 0).UTC()
