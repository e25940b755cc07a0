package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// runHealthcheck asks the server on --addr whether it is ready, for
// container health checks in images that have no shell or curl.
func runHealthcheck(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address the server listens on (env INBOXD_ADDR)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return usagef("--addr %q: want host:port", cfg.Addr)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/readyz"
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return c.print(map[string]any{"url": url, "status": "ok"})
}
