// Package config holds inboxd's settings: their defaults, how they are read
// from the environment and from command-line flags, and their validation.
//
// Precedence is flags > environment > defaults: FromEnv overwrites defaults,
// and the flags registered by RegisterFlags use the current values as their
// defaults, so a flag given on the command line wins. The package keeps no
// global state; every caller builds its own Config.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/secret"
)

// Environment variable names.
const (
	EnvAddr            = "INBOXD_ADDR"
	EnvDataDir         = "INBOXD_DATA_DIR"
	EnvDatabaseURL     = "INBOXD_DATABASE_URL"
	EnvBaseURL         = "INBOXD_BASE_URL"
	EnvRateLimit       = "INBOXD_RATE_LIMIT"
	EnvLogLevel        = "INBOXD_LOG_LEVEL"
	EnvLogFormat       = "INBOXD_LOG_FORMAT"
	EnvShutdownTimeout = "INBOXD_SHUTDOWN_TIMEOUT"
	EnvDebugAddr       = "INBOXD_DEBUG_ADDR"
	EnvDatabaseWait    = "INBOXD_DATABASE_WAIT"
	EnvTrustedProxies  = "INBOXD_TRUSTED_PROXIES"
	EnvFileLinkTTL     = "INBOXD_FILE_LINK_TTL"
	EnvSessionIdle     = "INBOXD_SESSION_IDLE"
	EnvSessionLifetime = "INBOXD_SESSION_LIFETIME"
	EnvS3Endpoint      = "INBOXD_S3_ENDPOINT"
	EnvS3Bucket        = "INBOXD_S3_BUCKET"
	EnvS3Region        = "INBOXD_S3_REGION"
	EnvS3Prefix        = "INBOXD_S3_PREFIX"
	EnvRealtimeConns   = "INBOXD_REALTIME_CONNECTIONS"
	// EnvWebhookAllowPrivate lets webhooks target loopback, private and
	// link-local addresses.
	EnvWebhookAllowPrivate = "INBOXD_WEBHOOK_ALLOW_PRIVATE"
	// EnvEventRetention is how long events stay in the outbox.
	EnvEventRetention = "INBOXD_EVENT_RETENTION"
	// EnvMetricsToken, when set, serves /metrics on the main listener to
	// requests bearing it. Like the server key it has no flag.
	EnvMetricsToken = "INBOXD_METRICS_TOKEN"
	// EnvSecretKey holds the server key. It has no flag: a flag would show
	// the key to anyone who can list processes.
	EnvSecretKey = "INBOXD_SECRET_KEY"
)

// SQLiteFile is the name of the SQLite database inside the data directory.
const SQLiteFile = "inboxd.db"

// Config is every setting of inboxd.
type Config struct {
	// Addr is the TCP address the HTTP server listens on (host:port; an
	// empty host means every interface, port 0 picks a free port).
	Addr string
	// DataDir holds the SQLite database (when DatabaseURL is empty) and the
	// attachment files.
	DataDir string
	// DatabaseURL selects PostgreSQL when it is a postgres:// URL; empty
	// means SQLite in DataDir.
	DatabaseURL string
	// BaseURL is the public URL used in links; empty takes a trusted proxy's
	// forwarded scheme and host, else the listener's address (never the
	// request's Host header).
	BaseURL string
	// RateLimit is how many BookingSync API requests an application may make
	// per account and hour; 0 disables the limit.
	RateLimit int
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
	// ShutdownTimeout bounds how long a stopping server waits for in-flight
	// requests to finish.
	ShutdownTimeout time.Duration
	// DebugAddr, when set, serves Go's pprof profiles on a separate listener
	// (keep it on loopback: profiles reveal internals).
	DebugAddr string
	// S3Endpoint, when set, keeps attachment files in an S3-compatible
	// bucket (S3Bucket, in S3Region, under S3Prefix) instead of the data
	// directory; the credentials come from the environment
	// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
	S3Endpoint, S3Bucket, S3Region, S3Prefix string
	// FileLinkTTL is how long an attachment's download link works at least
	// (links are signed anew on every read).
	FileLinkTTL time.Duration
	// SessionIdle ends a web inbox session unused for that long;
	// SessionLifetime ends it that long after sign-in, however active.
	SessionIdle, SessionLifetime time.Duration
	// TrustedProxies lists the reverse proxies (addresses and CIDR prefixes,
	// comma-separated) whose X-Forwarded-* headers are believed.
	TrustedProxies string
	// DatabaseWait is how long to retry a database that does not answer yet
	// (PostgreSQL still starting) before giving up. The default is for the
	// server; the admin commands set it to 0 unless told otherwise.
	DatabaseWait time.Duration
	// MetricsToken, when set, serves /metrics on the main listener to
	// requests with "Authorization: Bearer <token>" (the debug listener
	// serves it without).
	MetricsToken string
	// RealtimeConnections is how many /cable and event stream connections
	// one node holds at once; more are refused with 503 until some close.
	// 0 means three quarters of Conns.MaxConns (RealtimeLimit), so that API
	// requests keep room.
	RealtimeConnections int
	// SecretKey is the server key in text form (see internal/secret); empty
	// means the key file in DataDir, created on first start.
	SecretKey string
	// Conns bound the server's connections (see limits.go).
	Conns ConnLimits
	// WebhookAllowPrivate lets webhooks target loopback, private and
	// link-local addresses (on-premise receivers, tests).
	WebhookAllowPrivate bool
	// EventRetention is how long events stay in the outbox: the window in
	// which realtime clients catch up (7 days).
	EventRetention time.Duration
}

// Defaults returns the settings used when nothing else is given.
func Defaults() Config {
	return Config{
		Addr:            ":8080",
		DataDir:         "./data",
		RateLimit:       1000,
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 30 * time.Second,
		DatabaseWait:    30 * time.Second,
		FileLinkTTL:     30 * 24 * time.Hour,
		SessionIdle:     12 * time.Hour,
		SessionLifetime: 14 * 24 * time.Hour,
		Conns:           defaultConnLimits(),
		EventRetention:  7 * 24 * time.Hour,
	}
}

// RealtimeLimit is the number of realtime connections a node holds:
// RealtimeConnections, else three quarters of the connection cap, else
// (no cap) 10,000.
func (c Config) RealtimeLimit() int {
	switch {
	case c.RealtimeConnections > 0:
		return c.RealtimeConnections
	case c.Conns.MaxConns > 0:
		return max(1, c.Conns.MaxConns*3/4)
	}
	return 10000
}

// FromEnv overwrites the settings whose environment variable is set (and
// non-empty). getenv is usually os.Getenv.
func (c *Config) FromEnv(getenv func(string) string) error {
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{EnvAddr, &c.Addr}, {EnvDataDir, &c.DataDir}, {EnvDatabaseURL, &c.DatabaseURL},
		{EnvBaseURL, &c.BaseURL}, {EnvLogLevel, &c.LogLevel}, {EnvLogFormat, &c.LogFormat},
		{EnvDebugAddr, &c.DebugAddr}, {EnvSecretKey, &c.SecretKey}, {EnvTrustedProxies, &c.TrustedProxies},
		{EnvS3Endpoint, &c.S3Endpoint}, {EnvS3Bucket, &c.S3Bucket}, {EnvS3Region, &c.S3Region}, {EnvS3Prefix, &c.S3Prefix},
		{EnvMetricsToken, &c.MetricsToken},
	} {
		if v := getenv(s.name); v != "" {
			*s.dst = v
		}
	}
	if v := getenv(EnvRateLimit); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: not a whole number", EnvRateLimit, v)
		}
		c.RateLimit = n
	}
	for _, d := range []struct {
		env string
		to  *time.Duration
	}{{EnvFileLinkTTL, &c.FileLinkTTL}, {EnvSessionIdle, &c.SessionIdle}, {EnvSessionLifetime, &c.SessionLifetime}} {
		if v := getenv(d.env); v != "" {
			n, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s=%q: not a duration (e.g. 720h)", d.env, v)
			}
			*d.to = n
		}
	}
	if v := getenv(EnvRealtimeConns); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: not a whole number", EnvRealtimeConns, v)
		}
		c.RealtimeConnections = n
	}
	if v := getenv(EnvDatabaseWait); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: not a duration (e.g. 30s)", EnvDatabaseWait, v)
		}
		c.DatabaseWait = d
	}
	if v := getenv(EnvWebhookAllowPrivate); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: want true or false", EnvWebhookAllowPrivate, v)
		}
		c.WebhookAllowPrivate = b
	}
	if v := getenv(EnvEventRetention); v != "" {
		d, err := ParseDays(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: not a duration (e.g. 7d or 168h)", EnvEventRetention, v)
		}
		c.EventRetention = d
	}
	if v := getenv(EnvShutdownTimeout); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: not a duration (e.g. 30s)", EnvShutdownTimeout, v)
		}
		c.ShutdownTimeout = d
	}
	return c.Conns.fromEnv(getenv)
}

// RegisterDatabaseFlags binds the flags every command shares: where the data
// lives and how to log.
func (c *Config) RegisterDatabaseFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite database and attachment files (env "+EnvDataDir+")")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL to use PostgreSQL; empty uses SQLite in the data directory (env "+EnvDatabaseURL+")")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env "+EnvLogLevel+")")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (env "+EnvLogFormat+")")
	fs.StringVar(&c.S3Endpoint, "s3-endpoint", c.S3Endpoint, "URL of an S3-compatible service for attachment files, e.g. https://s3.eu-west-1.amazonaws.com; empty keeps them in the data directory (env "+EnvS3Endpoint+"; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	fs.StringVar(&c.S3Bucket, "s3-bucket", c.S3Bucket, "bucket for attachment files (env "+EnvS3Bucket+")")
	fs.StringVar(&c.S3Region, "s3-region", c.S3Region, "region of the bucket; empty asks the service (env "+EnvS3Region+")")
	fs.StringVar(&c.S3Prefix, "s3-prefix", c.S3Prefix, "prefix of the objects' names in the bucket, e.g. inboxd/ (env "+EnvS3Prefix+")")
	fs.DurationVar(&c.DatabaseWait, "database-wait", c.DatabaseWait, "how long to retry a database that does not answer yet; 0 fails at once (env "+EnvDatabaseWait+")")
}

// RegisterServerFlags binds the flags only the server uses.
func (c *Config) RegisterServerFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address (env "+EnvAddr+")")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public base URL used in links; empty uses a trusted proxy's X-Forwarded-Host, else the listener's address (env "+EnvBaseURL+")")
	fs.IntVar(&c.RateLimit, "rate-limit", c.RateLimit, "BookingSync API requests per hour per application and account; 0 disables (env "+EnvRateLimit+")")
	fs.DurationVar(&c.FileLinkTTL, "file-link-ttl", c.FileLinkTTL, "how long attachment download links work at least; they are signed anew on every read (env "+EnvFileLinkTTL+")")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "a web inbox session ends when unused this long (env "+EnvSessionIdle+")")
	fs.DurationVar(&c.SessionLifetime, "session-lifetime", c.SessionLifetime, "a web inbox session ends this long after sign-in, however active (env "+EnvSessionLifetime+")")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (env "+EnvTrustedProxies+")")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "address of a separate pprof listener, e.g. 127.0.0.1:6060; empty disables (env "+EnvDebugAddr+")")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long to wait for in-flight requests on shutdown (env "+EnvShutdownTimeout+")")
	c.Conns.registerFlags(fs)
	fs.IntVar(&c.RealtimeConnections, "realtime-connections", c.RealtimeConnections, "most /cable and event stream connections this node holds at once; 0: three quarters of --max-conns (env "+EnvRealtimeConns+")")
	fs.Func("event-retention", "how long events stay in the outbox, e.g. 7d or 168h (env "+EnvEventRetention+"; default 7d)", func(v string) error {
		d, err := ParseDays(v)
		c.EventRetention = d
		return err
	})
	c.RegisterWebhookFlags(fs)
}

// RegisterWebhookFlags binds the flags of the commands that create webhooks
// or deliver them.
func (c *Config) RegisterWebhookFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", c.WebhookAllowPrivate, "let webhooks target loopback, private and link-local addresses (env "+EnvWebhookAllowPrivate+")")
}

// ParseDays parses a duration, also in whole days ("7d").
func ParseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// RegisterFlags binds every setting to a flag.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.RegisterServerFlags(fs)
	c.RegisterDatabaseFlags(fs)
}

// Validate checks every setting and returns the first problem as a one-line
// error naming the flag and the environment variable.
func (c Config) Validate() error {
	if err := c.ValidateDatabase(); err != nil {
		return err
	}
	if err := validateAddr(c.Addr); err != nil {
		return fmt.Errorf("invalid --addr/%s %q: %v", EnvAddr, c.Addr, err)
	}
	if err := validateBaseURL(c.BaseURL); err != nil {
		return fmt.Errorf("invalid --base-url/%s %q: %v", EnvBaseURL, c.BaseURL, err)
	}
	if c.FileLinkTTL < time.Hour {
		return fmt.Errorf("invalid --file-link-ttl/%s %s: must be at least 1h", EnvFileLinkTTL, c.FileLinkTTL)
	}
	if c.SessionIdle < time.Minute || c.SessionLifetime < c.SessionIdle {
		return fmt.Errorf("invalid --session-idle/%s %s or --session-lifetime/%s %s: the idle timeout must be at least 1m and the lifetime at least as long",
			EnvSessionIdle, c.SessionIdle, EnvSessionLifetime, c.SessionLifetime)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return fmt.Errorf("invalid %s: use at least 16 characters (e.g. openssl rand -hex 16)", EnvMetricsToken)
	}
	if _, err := c.Proxies(); err != nil {
		return fmt.Errorf("invalid --trusted-proxies/%s: %v", EnvTrustedProxies, err)
	}
	if c.DebugAddr != "" {
		if err := validateAddr(c.DebugAddr); err != nil {
			return fmt.Errorf("invalid --debug-addr/%s %q: %v", EnvDebugAddr, c.DebugAddr, err)
		}
	}
	if c.RateLimit < 0 {
		return fmt.Errorf("invalid --rate-limit/%s %d: must be 0 (no limit) or more", EnvRateLimit, c.RateLimit)
	}
	if c.RealtimeConnections < 0 {
		return fmt.Errorf("invalid --realtime-connections/%s %d: must be 0 (three quarters of --max-conns) or more", EnvRealtimeConns, c.RealtimeConnections)
	}
	if c.EventRetention <= 0 {
		return fmt.Errorf("invalid --event-retention/%s %s: must be positive", EnvEventRetention, c.EventRetention)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("invalid --shutdown-timeout/%s %s: must be positive", EnvShutdownTimeout, c.ShutdownTimeout)
	}
	return c.Conns.validate()
}

// ValidateDatabase checks the settings the admin commands use: the data
// directory, the database URL and logging.
func (c Config) ValidateDatabase() error {
	if strings.TrimSpace(c.DataDir) == "" {
		return fmt.Errorf("invalid --data-dir/%s: must not be empty", EnvDataDir)
	}
	if err := validateDatabaseURL(c.DatabaseURL); err != nil {
		return fmt.Errorf("invalid --database-url/%s: %v", EnvDatabaseURL, err)
	}
	if _, err := c.Level(); err != nil {
		return fmt.Errorf("invalid --log-level/%s %q: want debug, info, warn or error", EnvLogLevel, c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("invalid --log-format/%s %q: want text or json", EnvLogFormat, c.LogFormat)
	}
	if c.S3Endpoint != "" && strings.TrimSpace(c.S3Bucket) == "" {
		return fmt.Errorf("missing --s3-bucket/%s: --s3-endpoint needs a bucket", EnvS3Bucket)
	}
	if c.S3Endpoint == "" && c.S3Bucket != "" {
		return fmt.Errorf("missing --s3-endpoint/%s: --s3-bucket needs the service's URL", EnvS3Endpoint)
	}
	if c.DatabaseWait < 0 {
		return fmt.Errorf("invalid --database-wait/%s %s: must be 0 (no retry) or more", EnvDatabaseWait, c.DatabaseWait)
	}
	if c.SecretKey != "" {
		// The message never quotes the value: it is a secret.
		if _, err := secret.Parse(c.SecretKey); err != nil {
			return fmt.Errorf("invalid %s: %v", EnvSecretKey, err)
		}
	}
	return nil
}

// ServerKey returns the server key: INBOXD_SECRET_KEY when set, else the key
// file in the data directory (created on first use). source says which, for
// the startup log.
func (c Config) ServerKey() (k *secret.Key, source string, err error) {
	if c.SecretKey != "" {
		k, err := secret.Parse(c.SecretKey)
		if err != nil {
			return nil, "", fmt.Errorf("invalid %s: %v", EnvSecretKey, err)
		}
		return k, EnvSecretKey, nil
	}
	path := c.SecretKeyFile()
	k, created, err := secret.LoadFile(path)
	if err != nil {
		return nil, "", err
	}
	if created {
		return k, "new key file " + path, nil
	}
	return k, "key file " + path, nil
}

// SecretKeyFile is where the server key is kept when INBOXD_SECRET_KEY is
// not set.
func (c Config) SecretKeyFile() string { return filepath.Join(c.DataDir, secret.FileName) }

// Proxies returns the parsed TrustedProxies.
func (c Config) Proxies() (httpx.Proxies, error) { return httpx.ParseProxies(c.TrustedProxies) }

// DSN is what sqlstore.Open takes: the PostgreSQL URL, or the path of the
// SQLite file in the data directory.
func (c Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, SQLiteFile)
}

// S3 returns the S3 settings (nil when files stay in the data directory).
func (c Config) S3() *filestore.S3Config {
	if c.S3Endpoint == "" {
		return nil
	}
	return &filestore.S3Config{Endpoint: c.S3Endpoint, Bucket: c.S3Bucket, Region: c.S3Region, Prefix: c.S3Prefix}
}

// FilesDir is where attachment bytes are kept.
func (c Config) FilesDir() string { return filepath.Join(c.DataDir, "files") }

// Engine names the database engine the settings select: "postgres" or "sqlite".
func (c Config) Engine() string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// RedactedDSN is DSN with any password hidden, for logs.
func (c Config) RedactedDSN() string {
	if c.DatabaseURL == "" {
		return c.DSN()
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "postgres://(unparsable)"
	}
	return u.Redacted()
}

// Level returns the slog level of LogLevel.
func (c Config) Level() (slog.Level, error) {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, errors.New("unknown log level")
}

func validateAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port, e.g. :8080 or 127.0.0.1:8080")
	}
	if strings.ContainsAny(host, " /") {
		return errors.New("bad host")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	return nil
}

func validateDatabaseURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		// url's own message quotes the whole URL, password included.
		return errors.New("not a valid URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("unsupported scheme %q: want postgres://user@host:5432/dbname, or leave it empty for SQLite in the data directory", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("missing host: want postgres://user@host:5432/dbname")
	}
	return nil
}

func validateBaseURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("want an http:// or https:// URL")
	}
	if u.Host == "" {
		return errors.New("missing host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must not have a query or fragment")
	}
	return nil
}
