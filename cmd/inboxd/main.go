// Command inboxd is the shared-inbox server and its admin tool.
//
//	inboxd [serve] [flags]   run the HTTP server (the default)
//	inboxd migrate           apply database migrations and exit
//	inboxd accounts create | hosts create | clients create | inboxes create |
//	       apps create | tokens create | demo
//
// Run "inboxd help" for the flags of each command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/conns"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/metrics"
	"github.com/inboxd/inbox/internal/realtime"
	"github.com/inboxd/inbox/internal/server"
	"github.com/inboxd/inbox/internal/sqlstore"
	"github.com/inboxd/inbox/internal/version"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Main is the running program: its settings and what is wired from them.
type Main struct {
	Config config.Config
	Logger *slog.Logger

	// SkipKeyCheck opens the database without comparing the server key with
	// the one it was first used with (for the secret-key commands).
	SkipKeyCheck bool

	Store *sqlstore.Store
	App   *app.App
	Admin *app.Admin // the administrative use cases the commands run
	HTTP  *http.Server
	// Events is the outbox tail of a serving node (background.go).
	Events *events.Tail
	// Realtime serves /cable and the event stream from the tail.
	Realtime *realtime.Hub

	bg    *background
	ln    net.Listener
	guard *conns.Guard // ln, capped and tracked
	done  chan error   // receives Serve's result once it returns

	keySource, keyFingerprint string // where the server key came from, for the startup log
	filesWhere                string // where attachment files are kept, for the startup log
}

// NewMain returns a Main with default settings, logging to stderr.
func NewMain() *Main {
	return &Main{Config: config.Defaults(), Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
}

// Open validates nothing: it connects to the database (creating and migrating
// it as needed) and builds the application. The admin commands stop here.
func (m *Main) Open(ctx context.Context) error {
	store, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	files, err := m.openFiles(ctx)
	if err != nil {
		store.Close()
		return err
	}
	key, source, err := m.Config.ServerKey()
	if err != nil {
		store.Close()
		return err
	}
	m.keySource, m.keyFingerprint = source, key.Fingerprint()
	m.Store = store
	m.App = app.New(app.Deps{
		Store:       store,
		Files:       files,
		Fetcher:     fetch.New(),
		Logger:      m.Logger,
		RateLimit:   m.Config.RateLimit,
		Secret:      key,
		FileLinkTTL: m.Config.FileLinkTTL,

		WebhookAllowPrivate: m.Config.WebhookAllowPrivate,

		SessionIdle:     m.Config.SessionIdle,
		SessionLifetime: m.Config.SessionLifetime,
	})
	m.Admin = app.NewAdmin(m.App)
	if !m.SkipKeyCheck {
		if err := m.Admin.CheckServerKey(ctx); err != nil {
			store.Close()
			m.Store, m.App, m.Admin = nil, nil, nil
			return keyError(err, source)
		}
	}
	return nil
}

// openFiles opens the attachment file store: the S3 bucket when one is
// configured, else the data directory.
func (m *Main) openFiles(ctx context.Context) (app.FileStore, error) {
	if c := m.Config.S3(); c != nil {
		s3, err := filestore.NewS3(ctx, *c)
		if err != nil {
			return nil, err
		}
		m.filesWhere = "s3 " + c.Endpoint + " bucket " + c.Bucket
		return s3, nil
	}
	m.filesWhere = m.Config.FilesDir()
	return filestore.New(m.Config.FilesDir())
}

// openStore opens the database, retrying one that does not answer yet with
// a growing delay for up to Config.DatabaseWait, logging each try.
func (m *Main) openStore(ctx context.Context) (*sqlstore.Store, error) {
	deadline := time.Now().Add(m.Config.DatabaseWait)
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		store, err := sqlstore.Open(ctx, m.Config.DSN())
		if err == nil {
			return store, nil
		}
		var newer *sqlstore.NewerSchemaError
		if errors.As(err, &newer) {
			return nil, err
		}
		err = fmt.Errorf("open database %s: %w", m.Config.RedactedDSN(), err)
		left := time.Until(deadline)
		if !errors.Is(err, sqlstore.ErrUnreachable) || m.Config.DatabaseWait <= 0 {
			return nil, err
		} else if left <= 0 {
			return nil, fmt.Errorf("%w (gave up after %d tries in %s, --database-wait)", err, attempt, m.Config.DatabaseWait)
		}
		wait := min(delay, left)
		m.Logger.Warn("database not answering yet; retrying", "attempt", attempt, "retry_in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// keyError explains a server key the database does not know.
func keyError(err error, source string) error {
	var mismatch *app.KeyMismatchError
	if !errors.As(err, &mismatch) {
		return fmt.Errorf("check the server key: %w", err)
	}
	return fmt.Errorf("%v (key from %s): give every node the same %s; if the old key is lost for good, "+
		"\"inboxd secret-key adopt --yes\" makes this key the database's (secrets sealed under the old one stay unreadable; "+
		"give applications new ones with \"inboxd apps rotate-secret\")", err, source, config.EnvSecretKey)
}

// Server timeouts besides the configured read timeouts. Responses may be
// large downloads on slow links, hence minutes to write them.
const (
	writeTimeout   = 5 * time.Minute
	idleTimeout    = 2 * time.Minute
	maxHeaderBytes = 64 << 10
	// drainGrace is how long a stopping server still waits for a request
	// on a connection that has none in flight (see conns.Guard.Drain).
	drainGrace = time.Second
)

// Run opens the store and starts serving HTTP in the background. It returns
// once the listener is bound; Addr reports where. Stop with Close.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	proxies, err := m.Config.Proxies()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		m.Store.Close()
		m.Store, m.App, m.Admin = nil, nil, nil
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	m.startBackground()
	m.guard = m.newGuard(ln, proxies)
	guard := m.guard
	metrics.WatchConnections(func() metrics.ConnStats {
		s := guard.Stats()
		return metrics.ConnStats{Open: s.Open, Refused: s.Refused, Evicted: s.Evicted}
	})
	m.HTTP = &http.Server{
		Handler: m.guard.Handler(server.New(server.Deps{App: m.App, Logger: m.Logger, BaseURL: m.Config.BaseURL, TrustedProxies: proxies,
			MetricsToken: m.Config.MetricsToken, Realtime: m.Realtime, Events: m.Events})),
		ConnState:         m.guard.ConnState,
		ReadHeaderTimeout: m.Config.Conns.ReadHeaderTimeout,
		ReadTimeout:       m.Config.Conns.ReadTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	// Shutdown waits neither for WebSockets (hijacked) nor sensibly for
	// streams (they never end): the hub tells their clients to reconnect
	// elsewhere and closes them.
	m.HTTP.RegisterOnShutdown(m.Realtime.Shutdown)
	m.done = make(chan error, 1)
	go func() { m.done <- m.HTTP.Serve(m.guard) }()
	if m.Config.DebugAddr != "" {
		go m.serveDebug()
	}
	v := version.Get()
	m.Logger.Info("listening", "addr", ln.Addr().String(), "version", v.Version, "commit", v.Commit, "built", v.Date,
		"engine", m.Store.Engine(),
		"database", m.Config.RedactedDSN(), "data_dir", m.Config.DataDir, "files", m.filesWhere,
		"secret_key", m.keySource, "secret_key_fingerprint", m.keyFingerprint)
	if m.Store.Engine() == "postgres" && m.Config.SecretKey == "" {
		m.Logger.Warn("the server key comes from this node's data directory; every node on this database needs the same key: set " +
			config.EnvSecretKey + " on all of them")
	}
	return nil
}

// Addr is the address the server listens on ("" before Run).
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Close stops accepting connections, finishes every request already sent
// (each response closing its connection), closes the connections that have
// none, all within the shutdown timeout, then closes the store.
func (m *Main) Close() error {
	var err error
	if m.HTTP != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		e := m.guard.Drain(ctx, drainGrace)
		if e == nil {
			e = m.HTTP.Shutdown(ctx)
		}
		if e != nil {
			// Out of patience: cut the remaining connections.
			m.HTTP.Close()
			err = fmt.Errorf("shutdown: %w", e)
		}
		// Serve returns once the listener is closed, which Drain does first.
		if e := <-m.done; e != nil && !errors.Is(e, http.ErrServerClosed) && !errors.Is(e, net.ErrClosed) && err == nil {
			err = e
		}
		m.HTTP = nil
	}
	m.stopBackground()
	if m.Store != nil {
		if e := m.Store.Close(); e != nil && err == nil {
			err = e
		}
		m.Store = nil
	}
	return err
}

// serve runs the server until SIGINT or SIGTERM, then drains and exits.
func serve(ctx context.Context, m *Main) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		// A second signal now stops the process at once.
		stop()
		m.Logger.Info("shutting down: draining in-flight requests", "timeout", m.Config.ShutdownTimeout.String())
	case err := <-m.done:
		// Serve stopped on its own (it only does on a listener failure).
		m.done <- err
	}
	if err := m.Close(); err != nil {
		return err
	}
	m.Logger.Info("stopped")
	return nil
}

// newLogger builds the slog logger the settings ask for.
func newLogger(c config.Config, w io.Writer) *slog.Logger {
	level, _ := c.Level()
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serveDebug serves pprof profiles and the metrics on the debug listener until the process
// ends. Failing to bind it is logged, not fatal: it is a diagnostic aid.
func (m *Main) serveDebug() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("GET /metrics", metrics.Handler())
	srv := &http.Server{Addr: m.Config.DebugAddr, Handler: mux, ReadHeaderTimeout: m.Config.Conns.ReadHeaderTimeout}
	m.Logger.Info("debug listener", "addr", m.Config.DebugAddr)
	if err := srv.ListenAndServe(); err != nil {
		m.Logger.Warn("debug listener stopped", "err", err)
	}
}

// newGuard caps the connections ln accepts as configured, lowering the node
// cap to what the open-file limit leaves once the database, attachment
// files and outbound fetches have their descriptors: past it, accept fails
// and every client waits, the legitimate ones included.
func (m *Main) newGuard(ln net.Listener, proxies httpx.Proxies) *conns.Guard {
	const reserved = 128
	lim := conns.Limits{Max: m.Config.Conns.MaxConns, PerAddr: m.Config.Conns.MaxConnsPerIP}
	if files, ok := conns.OpenFileLimit(); ok && (lim.Max == 0 || lim.Max > files-reserved) {
		lim.Max = max(files-reserved, 16)
		m.Logger.Warn("connection cap lowered to fit the open-file limit", "max_conns", lim.Max, "open_file_limit", files)
	}
	if len(proxies) > 0 {
		lim.Exempt = func(a netip.Addr) bool {
			for _, p := range proxies {
				if p.Contains(a) {
					return true
				}
			}
			return false
		}
	}
	return conns.New(ln, lim, m.Logger)
}
