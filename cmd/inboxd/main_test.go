package main_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	main "github.com/inboxd/inbox/cmd/inboxd"
	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// MustRunMain starts the real server on a free loopback port with a fresh
// database (SQLite in a temporary data directory, or a new PostgreSQL
// database when INBOXD_TEST_DATABASE_URL is set) and stops it when the test
// ends.
func MustRunMain(tb testing.TB) *main.Main {
	tb.Helper()
	m := main.NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = tb.TempDir()
	if inboxtest.Engine() == "postgres" {
		m.Config.DatabaseURL = inboxtest.MustNewDSN(tb)
	}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("Run: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return m
}

func TestMain_Run(t *testing.T) {
	m := MustRunMain(t)
	base := "http://" + m.Addr()

	t.Run("Readyz", func(t *testing.T) {
		status, body := mustGetJSON(t, base+"/readyz")
		if status != http.StatusOK {
			t.Fatalf("status=%v, want %v", status, http.StatusOK)
		} else if body["status"] != "ok" {
			t.Fatalf("body=%v, want status ok", body)
		}
	})
	t.Run("Healthz", func(t *testing.T) {
		if status, _ := mustGetJSON(t, base+"/healthz"); status != http.StatusOK {
			t.Fatalf("status=%v, want %v", status, http.StatusOK)
		}
	})
	t.Run("Engine", func(t *testing.T) {
		// CI greps for this line and sets INBOXD_TEST_REQUIRE_ENGINE, so a
		// suite that silently ran on the wrong engine fails.
		t.Logf("test engine: %s", m.Store.Engine())
		if got, want := m.Store.Engine(), inboxtest.Engine(); got != want {
			t.Fatalf("engine=%v, want %v", got, want)
		}
		if want := os.Getenv("INBOXD_TEST_REQUIRE_ENGINE"); want != "" && m.Store.Engine() != want {
			t.Fatalf("engine=%v, want %v (INBOXD_TEST_REQUIRE_ENGINE)", m.Store.Engine(), want)
		}
		if inboxtest.Engine() == "sqlite" {
			// A fresh data directory gets its database without any setup.
			if _, err := os.Stat(filepath.Join(m.Config.DataDir, config.SQLiteFile)); err != nil {
				t.Fatalf("database file: %v", err)
			}
		}
	})
	t.Run("Timeouts", func(t *testing.T) {
		s := m.HTTP
		if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 {
			t.Fatalf("timeouts: header=%v read=%v write=%v idle=%v, want all set",
				s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
		}
		// A 16 MiB upload must fit even on a slow (1 MB/s) link.
		if s.ReadTimeout < 30*time.Second {
			t.Fatalf("ReadTimeout=%v, too short for 16 MiB uploads", s.ReadTimeout)
		}
	})
}

func TestMain_Close(t *testing.T) {
	m := MustRunMain(t)
	addr := m.Addr()
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("server still answers after Close")
	}
	// A second Close (the test cleanup) is harmless.
}

func TestMain_RunInvalidConfig(t *testing.T) {
	for name, mutate := range map[string]func(*config.Config){
		"BadAddr":        func(c *config.Config) { c.Addr = "nonsense" },
		"BadDatabaseURL": func(c *config.Config) { c.DatabaseURL = "mysql://localhost/inbox" },
		"NegativeLimit":  func(c *config.Config) { c.RateLimit = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			m := main.NewMain()
			m.Config.DataDir = t.TempDir()
			m.Config.Addr = "127.0.0.1:0"
			mutate(&m.Config)
			if err := m.Run(context.Background()); err == nil {
				m.Close()
				t.Fatal("Run succeeded, want a configuration error")
			}
			if m.Store != nil {
				t.Fatal("store opened despite the invalid configuration")
			}
		})
	}
}

// mustGetJSON fetches url and decodes its JSON object body.
func mustGetJSON(tb testing.TB, url string) (int, map[string]any) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatalf("GET %s: decode body: %v", url, err)
	}
	return resp.StatusCode, body
}
