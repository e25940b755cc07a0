// Command inboxbench measures inboxd: it seeds a realistic dataset straight
// through the store, starts the real inboxd server as a child process, drives
// it over loopback HTTP with concurrent keep-alive connections, and reports
// each scenario as requests/s, p50, p99 and the ratio to a bare net/http
// handler measured in the same run, plus the server's peak RSS.
//
//	go run ./cmd/inboxbench                      # SQLite, full dataset
//	go run ./cmd/inboxbench -scale 0.01 -d 3s    # a quick run
//	go run ./cmd/inboxbench -database-url postgres://…
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		runBare(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		if err := runBaseline(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "inboxbench:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "inboxbench:", err)
		os.Exit(1)
	}
}

type options struct {
	databaseURL string
	workDir     string
	scale       float64
	duration    time.Duration
	conns       int
	out         string
	only        string
	keep        bool
	pprofDir    string
	convs       int
	msgs        int
	reuse       bool
	debugAddr   string
	load        string
	wrk         string // wrk's version when wrk drives the scenarios
	baseline    string
	minRatio    float64
}

func run(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("inboxbench", flag.ContinueOnError)
	fs.StringVar(&o.databaseURL, "database-url", "", "postgres:// URL of an EMPTY database to seed (default: SQLite in the work dir)")
	fs.StringVar(&o.workDir, "work-dir", "", "directory for the SQLite database, files and binaries (default: a temp dir)")
	fs.Float64Var(&o.scale, "scale", 1, "dataset size: 1 = 100 accounts, 100,000 conversations, 1,000,000 messages")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "duration of each scenario")
	fs.IntVar(&o.conns, "c", 50, "concurrent keep-alive connections")
	fs.StringVar(&o.out, "out", "inboxbench.json", "where to write the JSON results")
	fs.StringVar(&o.only, "only", "", "comma list of scenarios to run (default all)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work dir")
	fs.StringVar(&o.pprofDir, "pprof", "", "write a CPU profile of the server per scenario into this directory")
	fs.BoolVar(&o.reuse, "reuse", false, "measure the dataset a previous run seeded in -work-dir (with -keep) instead of seeding")
	fs.IntVar(&o.convs, "conversations", 0, "override the number of conversations (default 100,000 × scale)")
	fs.IntVar(&o.msgs, "messages", 0, "override the number of messages (default 1,000,000 × scale)")
	fs.StringVar(&o.load, "load", "auto", "load generator: wrk, go (the built-in client), or auto (wrk when it is on PATH)")
	fs.StringVar(&o.baseline, "baseline", "", "a previous run's JSON: fail when a scenario's ratio falls below -min-ratio × its ratio there")
	fs.Float64Var(&o.minRatio, "min-ratio", 0.6, "with -baseline, the lowest acceptable fraction of the baseline's ratio")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch o.load {
	case "auto", "wrk":
		o.wrk = wrkVersion()
		if o.wrk == "" && o.load == "wrk" {
			return fmt.Errorf("-load wrk: wrk is not on PATH (Debian: apt-get install wrk)")
		}
	case "go":
	default:
		return fmt.Errorf("-load must be wrk, go or auto")
	}
	var baseline *report
	if o.baseline != "" {
		var err error
		if baseline, err = readReport(o.baseline); err != nil {
			return fmt.Errorf("-baseline: %w", err)
		}
	}
	if o.scale <= 0 || o.scale > 10 {
		return fmt.Errorf("-scale must be in (0, 10]")
	}
	if o.workDir == "" {
		dir, err := os.MkdirTemp("", "inboxbench-")
		if err != nil {
			return err
		}
		o.workDir = dir
		if !o.keep {
			defer os.RemoveAll(dir)
		}
	}
	if err := os.MkdirAll(o.workDir, 0o755); err != nil {
		return err
	}
	dsn := o.databaseURL
	engine := "postgres"
	if dsn == "" {
		engine = "sqlite"
		dsn = filepath.Join(o.workDir, "data", "inboxd.db")
	}
	load := "go (built-in client)"
	if o.wrk != "" {
		load = o.wrk + " (the web pages: go)"
	}
	fmt.Fprintf(os.Stderr, "engine %s, scale %g, %s per scenario, %d connections, load generator %s\n", engine, o.scale, o.duration, o.conns, load)

	var ds *dataset
	var err error
	savedPath := filepath.Join(o.workDir, "dataset.json")
	if o.reuse {
		if ds, err = loadDataset(savedPath); err != nil {
			return fmt.Errorf("-reuse: %w", err)
		}
	} else {
		if ds, err = seed(ctx, dsn, o.scale, o.convs, o.msgs); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if err := ds.save(savedPath); err != nil {
			return err
		}
	}
	bin, err := buildServer(ctx, o.workDir)
	if err != nil {
		return err
	}
	env := map[string]string{
		"INBOXD_DATABASE_URL": o.databaseURL,
		"INBOXD_DATA_DIR":     filepath.Join(o.workDir, "data"),
		"INBOXD_RATE_LIMIT":   "1000000000",
		"INBOXD_LOG_LEVEL":    "error",
		// RT3 holds 5,000 connections: no cap but the open-file limit.
		"INBOXD_MAX_CONNS": "0",
		// The webhook scenarios' receiver listens on loopback.
		"INBOXD_WEBHOOK_ALLOW_PRIVATE": "true",
	}
	if o.pprofDir != "" {
		if o.debugAddr, err = freeAddr(); err != nil {
			return err
		}
		env["INBOXD_DEBUG_ADDR"] = o.debugAddr
	}
	srv, err := startChild(ctx, bin, []string{"serve"}, env)
	if err != nil {
		return err
	}
	defer srv.stop()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bare, err := startChild(ctx, self, []string{"bare"}, nil)
	if err != nil {
		return err
	}
	defer bare.stop()

	rep := report{Engine: engine, Scale: o.scale, Duration: o.duration.String(), Connections: o.conns, Dataset: ds.summary(),
		Started: time.Now().UTC().Format(time.RFC3339), Load: load}
	load0 := loadAverage()
	cal := measureWith(ctx, o.wrk != "", bareScenario(bare.url, 1500), o.conns, min(o.duration, 5*time.Second), o.workDir)
	rep.BareRPS = cal.RPS
	if cal.RPS < minBareRPS {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the bare server reached %.0f req/s (1,500-byte body) with this load generator, under %d: the ratios do not count",
			cal.RPS, minBareRPS))
	}
	rep.Results, err = runScenarios(ctx, o, ds, srv.url, bare.url)
	if err != nil {
		return err
	}
	if baseline != nil {
		if err := retryBelow(ctx, o, baseline, &rep, func(o options) ([]result, error) {
			return runScenarios(ctx, o, ds, srv.url, bare.url)
		}); err != nil {
			return err
		}
	}
	rep.Uptime = "load average " + load0 + " at the start, " + loadAverage() + " at the end"
	var second func() (*child, error)
	if engine == "postgres" {
		second = func() (*child, error) { return startChild(ctx, bin, []string{"serve"}, env) }
	}
	if rep.Realtime, err = runRealtime(ctx, o, ds, srv, second); err != nil {
		return err
	}
	if rep.Webhooks, err = runWebhooks(ctx, o, ds, srv.url); err != nil {
		return err
	}
	rep.PeakRSSMB = srv.peakRSSMB()
	rep.print(os.Stdout)
	b, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	if baseline != nil {
		return compare(os.Stdout, baseline, &rep, o)
	}
	return nil
}
