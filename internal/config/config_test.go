package config_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/config"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestDefaults(t *testing.T) {
	c := config.Defaults()
	if c.Addr != ":8080" || c.DataDir != "./data" || c.DatabaseURL != "" || c.BaseURL != "" || c.RateLimit != 1000 {
		t.Fatalf("Defaults()=%+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if got, want := c.DSN(), filepath.Join("data", "inboxd.db"); got != want {
		t.Fatalf("DSN=%v, want %v", got, want)
	}
	if c.Engine() != "sqlite" {
		t.Fatalf("Engine=%v, want sqlite", c.Engine())
	}
}

func TestPrecedence(t *testing.T) {
	c := config.Defaults()
	err := c.FromEnv(env(map[string]string{
		config.EnvAddr:        "127.0.0.1:9000",
		config.EnvDataDir:     "/var/lib/inboxd",
		config.EnvDatabaseURL: "postgres://inbox@db:5432/inbox",
		config.EnvRateLimit:   "50",
		config.EnvBaseURL:     "https://inbox.example",
	}))
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--addr", ":7000", "--rate-limit", "0"}); err != nil {
		t.Fatal(err)
	}
	// Flags win over the environment; the environment over the defaults.
	if c.Addr != ":7000" || c.RateLimit != 0 {
		t.Fatalf("flags not applied: %+v", c)
	}
	if c.DataDir != "/var/lib/inboxd" || c.BaseURL != "https://inbox.example" || c.LogLevel != "info" {
		t.Fatalf("environment or defaults lost: %+v", c)
	}
	if c.Engine() != "postgres" || c.DSN() != "postgres://inbox@db:5432/inbox" {
		t.Fatalf("Engine=%v DSN=%v, want postgres", c.Engine(), c.DSN())
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestFromEnv_Errors(t *testing.T) {
	for name, kv := range map[string]map[string]string{
		"RateLimit":       {config.EnvRateLimit: "many"},
		"ShutdownTimeout": {config.EnvShutdownTimeout: "soon"},
	} {
		t.Run(name, func(t *testing.T) {
			c := config.Defaults()
			if err := c.FromEnv(env(kv)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*config.Config)
		want   string // "" means valid
	}{
		{"PortOnly", func(c *config.Config) { c.Addr = ":0" }, ""},
		{"IPv6", func(c *config.Config) { c.Addr = "[::1]:8080" }, ""},
		{"PostgresqlScheme", func(c *config.Config) { c.DatabaseURL = "postgresql://u:secret@h/db" }, ""},
		{"HTTPSBase", func(c *config.Config) { c.BaseURL = "https://inbox.example/" }, ""},
		{"AddrNoPort", func(c *config.Config) { c.Addr = "localhost" }, "invalid --addr/INBOXD_ADDR"},
		{"AddrBadPort", func(c *config.Config) { c.Addr = ":99999" }, "port must be a number"},
		{"DatabaseScheme", func(c *config.Config) { c.DatabaseURL = "mysql://h/db" }, `unsupported scheme "mysql"`},
		{"DatabasePath", func(c *config.Config) { c.DatabaseURL = "/tmp/inbox.db" }, "invalid --database-url/INBOXD_DATABASE_URL"},
		{"DatabaseNoHost", func(c *config.Config) { c.DatabaseURL = "postgres:///db" }, "missing host"},
		{"BaseURLScheme", func(c *config.Config) { c.BaseURL = "inbox.example" }, "invalid --base-url"},
		{"BaseURLQuery", func(c *config.Config) { c.BaseURL = "https://inbox.example/?a=1" }, "query"},
		{"NegativeLimit", func(c *config.Config) { c.RateLimit = -5 }, "invalid --rate-limit/INBOXD_RATE_LIMIT -5"},
		{"EmptyDataDir", func(c *config.Config) { c.DataDir = " " }, "invalid --data-dir"},
		{"LogLevel", func(c *config.Config) { c.LogLevel = "loud" }, "invalid --log-level"},
		{"LogFormat", func(c *config.Config) { c.LogFormat = "xml" }, "invalid --log-format"},
		{"ShutdownTimeout", func(c *config.Config) { c.ShutdownTimeout = 0 }, "invalid --shutdown-timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Defaults()
			tt.mutate(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate: nil, want an error containing %q", tt.want)
			case err != nil && (!strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n")):
				t.Fatalf("Validate: %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestRedactedDSN(t *testing.T) {
	c := config.Defaults()
	c.DatabaseURL = "postgres://inbox:hunter2@db:5432/inbox"
	if got := c.RedactedDSN(); strings.Contains(got, "hunter2") {
		t.Fatalf("RedactedDSN=%v leaks the password", got)
	}
	if c.ShutdownTimeout != 30*time.Second {
		t.Fatalf("ShutdownTimeout=%v, want 30s", c.ShutdownTimeout)
	}
}

func TestServerKey(t *testing.T) {
	t.Run("FromEnvironment", func(t *testing.T) {
		c := config.Defaults()
		c.DataDir = t.TempDir()
		key := strings.Repeat("0f", 32)
		if err := c.FromEnv(env(map[string]string{config.EnvSecretKey: key})); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		k, source, err := c.ServerKey()
		if err != nil || source != config.EnvSecretKey {
			t.Fatalf("source=%q err=%v, want %s", source, err, config.EnvSecretKey)
		}
		again, _, _ := c.ServerKey()
		if k.Fingerprint() != again.Fingerprint() {
			t.Fatal("the same variable gave two keys")
		}
		if _, err := os.Stat(c.SecretKeyFile()); !os.IsNotExist(err) {
			t.Fatalf("a key file was written although the key came from the environment (stat: %v)", err)
		}
	})
	t.Run("FromFile", func(t *testing.T) {
		c := config.Defaults()
		c.DataDir = t.TempDir()
		k, source, err := c.ServerKey()
		if err != nil || !strings.HasPrefix(source, "new key file") {
			t.Fatalf("source=%q err=%v, want a new key file", source, err)
		}
		again, source, err := c.ServerKey()
		if err != nil || !strings.HasPrefix(source, "key file") || again.Fingerprint() != k.Fingerprint() {
			t.Fatalf("second start: source=%q err=%v, want the same key from the file", source, err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		c := config.Defaults()
		c.SecretKey = "hunter2-is-not-a-key"
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), config.EnvSecretKey) {
			t.Fatalf("err=%v, want one naming %s", err, config.EnvSecretKey)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("err=%q quotes the secret", err)
		}
	})
}
