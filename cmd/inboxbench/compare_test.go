package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestCompareNamesEveryScenarioUnderTheBaseline(t *testing.T) {
	base := &report{Results: []result{
		{Name: "R1 get", Generator: "wrk", Ratio: 0.10},
		{Name: "R2 details", Generator: "wrk", Ratio: 0.10},
		{Name: "R4 messages", Generator: "wrk", Ratio: 0.10},
		{Name: "W1 create", Generator: "wrk", Ratio: 0.10},
		{Name: "L1 list", Generator: "wrk", Ratio: 0.10},
		{Name: "S1 search", Generator: "wrk", Ratio: 0.10},
	}}
	cur := &report{Results: []result{
		{Name: "R1 get", Generator: "wrk", Ratio: 0.061},                                     // within 0.6×
		{Name: "R2 details", Generator: "wrk", Ratio: 0.059},                                 // under
		{Name: "R4 messages", Generator: "go", Ratio: 0.2},                                   // another generator
		{Name: "W1 create", Generator: "wrk", Ratio: 0.2, Errors: 3, FirstError: "HTTP 500"}, // errors
		// L1 not measured; S1 not selected.
	}}
	err := compare(io.Discard, base, cur, options{only: "R1,R2,R4,W1,L1", minRatio: 0.6})
	if err == nil {
		t.Fatal("no failure")
	}
	for _, name := range []string{"R2 details", "R4 messages", "W1 create", "L1 list"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%q does not name %s", err, name)
		}
	}
	for _, name := range []string{"R1 get", "S1 search"} {
		if strings.Contains(err.Error(), name) {
			t.Errorf("%q names %s", err, name)
		}
	}
	if err := compare(io.Discard, base, cur, options{only: "R1", minRatio: 0.6}); err != nil {
		t.Errorf("R1 alone: %v", err)
	}
}

func TestMedianTakesTheMiddleRunPerScenario(t *testing.T) {
	run := func(bare float64, r1, r2 float64) *report {
		return &report{Engine: "sqlite", BareRPS: bare, Results: []result{{Name: "R1", Ratio: r1, RPS: r1 * 1000}, {Name: "R2", Ratio: r2}}}
	}
	m := median([]*report{run(30000, 0.3, 0.1), run(20000, 0.1, 0.3), run(40000, 0.2, 0.2)})
	if m.BareRPS != 30000 || len(m.Results) != 2 || m.Results[0].Ratio != 0.2 || m.Results[0].RPS != 200 || m.Results[1].Ratio != 0.2 {
		t.Fatalf("median %+v", m)
	}
	if m.BaselineOf == "" || m.Engine != "sqlite" {
		t.Fatalf("median %+v", m)
	}
}

func TestRetryMeasuresAgainOnlyWhatFellUnder(t *testing.T) {
	base := &report{Results: []result{{Name: "R1 get", Ratio: 0.1}, {Name: "R2 details", Ratio: 0.1}, {Name: "R4 messages", Ratio: 0.1}}}
	cur := &report{Results: []result{{Name: "R1 get", Ratio: 0.05}, {Name: "R2 details", Ratio: 0.09}, {Name: "R4 messages", Ratio: 0.02}}}
	var asked string
	err := retryBelow(t.Context(), options{minRatio: 0.6, duration: time.Second}, base, cur, func(o options) ([]result, error) {
		if o.duration != 3*time.Second {
			t.Errorf("measured again for %s", o.duration)
		}
		asked = o.only
		return []result{{Name: "R1 get", Ratio: 0.08}, {Name: "R4 messages", Ratio: 0.01}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if asked != "R1,R4" {
		t.Fatalf("measured again %q", asked)
	}
	got := cur.Results
	if got[0].Ratio != 0.08 || !got[0].Retried || got[1].Ratio != 0.09 || got[1].Retried || got[2].Ratio != 0.02 || got[2].Retried {
		t.Fatalf("after the retry %+v", got)
	}
	if err := compare(io.Discard, base, cur, options{minRatio: 0.6}); err == nil || !strings.Contains(err.Error(), "R4 messages") ||
		strings.Contains(err.Error(), "R1 get") {
		t.Fatalf("compare after the retry: %v", err)
	}
}

func TestMedianLeavesOutRunsWithErrors(t *testing.T) {
	runs := []*report{
		{Results: []result{{Name: "R4", Ratio: 0.5, Requests: 10, Errors: 15}}},
		{Results: []result{{Name: "R4", Ratio: 0.1, Requests: 10}}},
		{Results: []result{{Name: "R4", Ratio: 0.3, Requests: 10}}},
		{Results: []result{{Name: "R4", Ratio: 0.4, Requests: 0}}},
	}
	if m := median(runs); m.Results[0].Ratio != 0.1 {
		t.Fatalf("median %+v", m.Results)
	}
}
