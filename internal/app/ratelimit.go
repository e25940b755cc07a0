package app

import (
	"context"
	"strconv"
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/metrics"
)

// RateStatus is the caller's hourly request budget after one more request.
type RateStatus struct {
	Limit     int
	Remaining int
	// Reset is when the current window ends (the next full hour).
	Reset time.Time
	// Exceeded reports that this request went over the limit.
	Exceeded bool
}

// RetryAfter is how long the caller must wait for the next window.
func (s *RateStatus) RetryAfter(now time.Time) time.Duration {
	if d := s.Reset.Sub(now); d > 0 {
		return d
	}
	return 0
}

// HitRateLimit counts one BookingSync API request of the caller against the
// hourly limit and reports the budget left. The budget belongs to the
// application in its account (a token without an application has its own),
// is counted per clock hour, and lives in the store so that every node shares
// it. It returns nil when no limit is configured.
//
// Writing the shared counter on every request would turn each read into a
// durable write, so each node counts locally and adds its hits to the shared
// counter in batches: at least once a second, and on every request once the
// budget left is under a tenth of the limit. Across nodes the limit can
// therefore be overshot by at most what the nodes served in the last second
// while the budget was above a tenth; within one node it is exact.
func (a *App) HitRateLimit(ctx context.Context) (*RateStatus, error) {
	if a.rateLimit <= 0 {
		return nil, nil
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	key := "api_v3:account:" + strconv.FormatInt(p.AccountID, 10)
	if p.ApplicationID != nil {
		key += ":application:" + strconv.FormatInt(*p.ApplicationID, 10)
	} else {
		key += ":token:" + strconv.FormatInt(p.TokenID, 10)
	}
	v, _ := a.rates.LoadOrStore(key, &rateCounter{})
	c := v.(*rateCounter)
	now := time.Now().UTC()
	window := now.Truncate(time.Hour)

	c.mu.Lock()
	if !c.window.Equal(window) {
		c.window, c.shared, c.pending, c.synced = window, 0, 0, time.Time{}
	}
	c.pending++
	used := c.shared + c.pending
	flush := !c.syncing && (now.Sub(c.synced) >= time.Second || a.rateLimit-used < a.rateLimit/10+1)
	n := 0
	if flush {
		c.syncing, n = true, c.pending
		c.pending = 0
	}
	c.mu.Unlock()

	if flush {
		var total int
		err := a.store.Update(ctx, func(tx inbox.Tx) (err error) {
			total, err = tx.HitRateLimit(ctx, key, window, n)
			return err
		})
		c.mu.Lock()
		c.syncing = false
		if err != nil {
			c.pending += n // try again with the next request
			c.mu.Unlock()
			return nil, err
		}
		if c.window.Equal(window) {
			c.shared, c.synced = total, now
		}
		used = c.shared + c.pending
		c.mu.Unlock()
	}
	if used > a.rateLimit {
		metrics.RateLimited()
	}
	return &RateStatus{Limit: a.rateLimit, Remaining: max(a.rateLimit-used, 0), Reset: window.Add(time.Hour),
		Exceeded: used > a.rateLimit}, nil
}

// rateCounter is one node's view of a shared hourly counter.
type rateCounter struct {
	mu      sync.Mutex
	window  time.Time
	shared  int // the shared total at the last flush (this node's flushed hits included)
	pending int // this node's hits not yet added to the shared total
	synced  time.Time
	syncing bool
}
