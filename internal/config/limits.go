package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Environment variables of the connection limits.
const (
	EnvMaxConns          = "INBOXD_MAX_CONNS"
	EnvMaxConnsPerIP     = "INBOXD_MAX_CONNS_PER_IP"
	EnvReadHeaderTimeout = "INBOXD_READ_HEADER_TIMEOUT"
	EnvReadTimeout       = "INBOXD_READ_TIMEOUT"
)

// ConnLimits bound the server's connections and how long it waits for a
// client to send its request.
type ConnLimits struct {
	// MaxConns is how many connections the node keeps open; 0 means no
	// cap (the open-file limit still lowers it).
	MaxConns int
	// MaxConnsPerIP is how many connections one client address keeps
	// open (trusted proxies excepted); 0 means no cap.
	MaxConnsPerIP int
	// ReadHeaderTimeout is how long a client has to send a request's
	// headers, and its body too until it is authenticated.
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long an authenticated client has to send a whole
	// request, body included (a 16 MiB upload on a slow link needs minutes).
	ReadTimeout time.Duration
}

// defaultConnLimits are the defaults of ConnLimits.
func defaultConnLimits() ConnLimits {
	return ConnLimits{MaxConns: 1000, MaxConnsPerIP: 100, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute}
}

// fromEnv reads the connection limits' environment variables.
func (l *ConnLimits) fromEnv(getenv func(string) string) error {
	for _, s := range []struct {
		name string
		dst  *int
	}{{EnvMaxConns, &l.MaxConns}, {EnvMaxConnsPerIP, &l.MaxConnsPerIP}} {
		if v := getenv(s.name); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s=%q: not a whole number", s.name, v)
			}
			*s.dst = n
		}
	}
	for _, s := range []struct {
		name string
		dst  *time.Duration
	}{{EnvReadHeaderTimeout, &l.ReadHeaderTimeout}, {EnvReadTimeout, &l.ReadTimeout}} {
		if v := getenv(s.name); v != "" {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s=%q: not a duration (e.g. 10s)", s.name, v)
			}
			*s.dst = d
		}
	}
	return nil
}

// registerFlags binds the connection limits to flags of the server.
func (l *ConnLimits) registerFlags(fs *flag.FlagSet) {
	fs.IntVar(&l.MaxConns, "max-conns", l.MaxConns, "connections the node keeps open; 0: no cap but the open-file limit (env "+EnvMaxConns+")")
	fs.IntVar(&l.MaxConnsPerIP, "max-conns-per-ip", l.MaxConnsPerIP, "connections one client address keeps open, trusted proxies excepted; 0: no cap (env "+EnvMaxConnsPerIP+")")
	fs.DurationVar(&l.ReadHeaderTimeout, "read-header-timeout", l.ReadHeaderTimeout, "how long a client has to send its request headers, and its body until authenticated (env "+EnvReadHeaderTimeout+")")
	fs.DurationVar(&l.ReadTimeout, "read-timeout", l.ReadTimeout, "how long an authenticated client has to send a whole request, body included (env "+EnvReadTimeout+")")
}

// validate checks the connection limits.
func (l ConnLimits) validate() error {
	if l.MaxConns < 0 {
		return fmt.Errorf("invalid --max-conns/%s %d: must be 0 (no cap) or more", EnvMaxConns, l.MaxConns)
	}
	if l.MaxConnsPerIP < 0 {
		return fmt.Errorf("invalid --max-conns-per-ip/%s %d: must be 0 (no cap) or more", EnvMaxConnsPerIP, l.MaxConnsPerIP)
	}
	if l.ReadHeaderTimeout <= 0 {
		return fmt.Errorf("invalid --read-header-timeout/%s %s: must be positive", EnvReadHeaderTimeout, l.ReadHeaderTimeout)
	}
	if l.ReadTimeout < l.ReadHeaderTimeout {
		return fmt.Errorf("invalid --read-timeout/%s %s: must be at least the read header timeout (%s)",
			EnvReadTimeout, l.ReadTimeout, l.ReadHeaderTimeout)
	}
	return nil
}
