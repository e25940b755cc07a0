package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildServer compiles cmd/inboxd from the module this command runs in.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "inboxd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/inboxd")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build inboxd (run inboxbench from the repository root): %w", err)
	}
	return bin, nil
}

type child struct {
	cmd *exec.Cmd
	url string
}

// freeAddr returns a loopback address with a free port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startChild runs a server process on a free loopback port and waits until
// it answers /readyz.
func startChild(ctx context.Context, bin string, args []string, env map[string]string) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	// Every connection of the load comes from loopback: the per-address
	// connection cap (100 by default) must not throttle a run with -c over it.
	cmd.Env = append(os.Environ(), "INBOXD_ADDR="+addr, "BARE_ADDR="+addr, "INBOXD_MAX_CONNS_PER_IP=0")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c, nil
			}
		}
		select {
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.stop()
	return nil, fmt.Errorf("%s did not become ready", bin)
}

func (c *child) stop() {
	if c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
		}
	}
}

// peakRSSMB reads the child's high-water resident set size.
func (c *child) peakRSSMB() float64 { return c.status("VmHWM:") }

// rssMB reads the child's resident set size now.
func (c *child) rssMB() float64 { return c.status("VmRSS:") }

// status reads a size in kB from the child's /proc status, in MB.
func (c *child) status(field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), field) {
			fields := strings.Fields(s.Text())
			kb, _ := strconv.ParseFloat(fields[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// runBare serves a fixed JSON body: the ceiling every scenario is compared to.
func runBare(_ []string) {
	// /?n=SIZE answers a JSON body of SIZE bytes, built once per size, so
	// each scenario is compared with a bare body as large as its own.
	var mu sync.Mutex
	bodies := map[int][]byte{}
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		n = max(16, min(n, 1<<20))
		mu.Lock()
		body, ok := bodies[n]
		if !ok {
			body = []byte(`{"data":"` + strings.Repeat("x", n-12) + `"}`)
			bodies[n] = body
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	srv := &http.Server{Addr: os.Getenv("BARE_ADDR"), Handler: mux}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
