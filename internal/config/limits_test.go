package config_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/config"
)

func TestConnLimits(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		l := config.Defaults().Conns
		if l.MaxConns != 1000 || l.MaxConnsPerIP != 100 || l.ReadHeaderTimeout != 10*time.Second || l.ReadTimeout != 5*time.Minute {
			t.Fatalf("Defaults().Conns=%+v", l)
		}
	})
	t.Run("EnvThenFlags", func(t *testing.T) {
		c := config.Defaults()
		err := c.FromEnv(env(map[string]string{
			config.EnvMaxConns: "500", config.EnvMaxConnsPerIP: "0",
			config.EnvReadHeaderTimeout: "3s", config.EnvReadTimeout: "1m",
		}))
		if err != nil {
			t.Fatal(err)
		}
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.RegisterFlags(fs)
		if err := fs.Parse([]string{"--max-conns", "200", "--read-timeout", "2m"}); err != nil {
			t.Fatal(err)
		}
		want := config.ConnLimits{MaxConns: 200, MaxConnsPerIP: 0, ReadHeaderTimeout: 3 * time.Second, ReadTimeout: 2 * time.Minute}
		if c.Conns != want {
			t.Fatalf("Conns=%+v, want %+v", c.Conns, want)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrEnv", func(t *testing.T) {
		for name, value := range map[string]string{config.EnvMaxConns: "many", config.EnvReadTimeout: "5"} {
			c := config.Defaults()
			if err := c.FromEnv(env(map[string]string{name: value})); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: err=%v, want one naming the variable", name, value, err)
			}
		}
	})
	t.Run("ErrValidate", func(t *testing.T) {
		for _, tt := range []struct {
			set  func(*config.ConnLimits)
			flag string
		}{
			{func(l *config.ConnLimits) { l.MaxConns = -1 }, "--max-conns"},
			{func(l *config.ConnLimits) { l.MaxConnsPerIP = -1 }, "--max-conns-per-ip"},
			{func(l *config.ConnLimits) { l.ReadHeaderTimeout = 0 }, "--read-header-timeout"},
			{func(l *config.ConnLimits) { l.ReadTimeout = time.Second }, "--read-timeout"},
		} {
			c := config.Defaults()
			tt.set(&c.Conns)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.flag) {
				t.Errorf("err=%v, want one naming %s", err, tt.flag)
			}
		}
	})
}
