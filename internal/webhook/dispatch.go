package webhook

import (
	"context"
	"time"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/metrics"
)

// lane is one webhook's deliveries on this node: at most perWebhook in
// flight, the others queued, so a slow endpoint holds only its own lane.
type lane struct {
	id       int64
	inflight int
	queue    []claimed
}

// claimed is a delivery this node leased, with when the lease ends by this
// node's clock.
type claimed struct {
	o     *app.Outgoing
	until time.Time
}

// claimBatch bounds one claim; recordBatch the attempts recorded in one
// transaction; laneQueue the deliveries a lane holds (beyond it, they wait
// in the database).
const (
	claimBatch  = 64
	recordBatch = 256
	laneQueue   = 256
)

// dispatch claims due deliveries whenever it is woken (a fan-out made some,
// a request finished) and at every poll (retries, other nodes' work).
func (s *Service) dispatch(ctx context.Context) {
	timer := time.NewTimer(s.d.Poll)
	defer timer.Stop()
	for {
		s.claim(ctx)
		timer.Reset(s.d.Poll)
		select {
		case <-ctx.Done():
			s.mu.Lock()
			s.stopping = true
			s.mu.Unlock()
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// claim leases as many due deliveries as there is room for.
func (s *Service) claim(ctx context.Context) {
	for ctx.Err() == nil {
		s.mu.Lock()
		free := min(maxInFlight-s.total, claimBatch)
		var skip []int64
		for id, l := range s.lanes {
			if l.inflight+len(l.queue) >= perWebhook {
				skip = append(skip, id)
			}
		}
		s.mu.Unlock()
		if free <= 0 {
			return
		}
		start := time.Now()
		outs, err := s.d.System.ClaimDeliveries(ctx, s.owner, deliveryLease, free, skip)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("webhooks: claiming deliveries failed", "error", err)
			}
			return
		}
		s.enqueue(outs, start.Add(deliveryLease))
		if len(outs) < free {
			return
		}
	}
}

// enqueue puts deliveries leased until until into their lanes and starts
// what the lanes have room for.
func (s *Service) enqueue(outs []*app.Outgoing, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range outs {
		l := s.lanes[o.Delivery.WebhookID]
		if l == nil {
			l = &lane{id: o.Delivery.WebhookID}
			s.lanes[l.id] = l
		}
		l.queue = append(l.queue, claimed{o: o, until: until})
		s.total++
		s.startLane(l)
	}
}

// startLane starts what the lane has room for; s.mu is held.
func (s *Service) startLane(l *lane) {
	for !s.stopping && l.inflight < perWebhook && len(l.queue) > 0 {
		c := l.queue[0]
		l.queue = l.queue[1:]
		l.inflight++
		s.running.Add(1)
		go s.deliver(l, c)
	}
}

// deliver sends one delivery and hands its outcome to the recorder. A
// delivery whose lease is nearly over is not started: another claim (this
// node's or another's) sends it once the lease ends, so it is never sent
// twice at once. The lane's slot frees as soon as the answer is in.
func (s *Service) deliver(l *lane, c claimed) {
	defer s.running.Done()
	if time.Until(c.until) >= sendMargin {
		at := s.send(c.o)
		metrics.WebhookDelivery(c.o.Webhook.Dialect, result(at), at.Latency)
		s.results <- app.Completion{Out: c.o, Attempt: at, Node: s.owner}
	}
	s.mu.Lock()
	l.inflight--
	s.total--
	s.startLane(l)
	empty := l.inflight == 0 && len(l.queue) == 0
	if empty {
		delete(s.lanes, l.id)
	}
	// What waits in the database for this lane may come now: when the lane
	// is empty, or (where the fan-out leaves the cluster what it cannot
	// start at once) as soon as it has a free slot and nothing queued.
	claim := empty || !s.d.SoleNode && len(l.queue) == 0
	s.mu.Unlock()
	if claim {
		s.poke()
	}
}

// record stores attempts' outcomes, as many per transaction as have come
// in, until results is closed.
func (s *Service) record() {
	defer close(s.recorded)
	for first := range s.results {
		batch := []app.Completion{first}
	more:
		for len(batch) < recordBatch {
			select {
			case c, ok := <-s.results:
				if !ok {
					break more
				}
				batch = append(batch, c)
			default:
				break more
			}
		}
		s.flush(batch)
	}
}

// flush records a batch, retrying a few times; what cannot be recorded is
// sent again when its lease ends (at least once).
func (s *Service) flush(batch []app.Completion) {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		disabled, err := s.d.System.CompleteDeliveries(ctx, batch)
		cancel()
		if err == nil {
			for _, w := range disabled {
				s.log.Warn("webhook disabled", "account", w.AccountID, "webhook", w.ID, "url", w.URL, "reason", w.DisabledReason)
			}
			return
		}
		s.log.Warn("webhooks: recording attempts failed", "attempts", len(batch), "error", err)
		if attempt == 5 {
			return
		}
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
}

// drain waits for the requests in flight and for their outcomes to be
// recorded, then gives up this node's leases so that the next node (or
// this one restarted) carries on at once.
func (s *Service) drain() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.running.Wait()
	close(s.results)
	<-s.recorded
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.d.System.ReleaseLeases(ctx, s.owner); err != nil {
		s.log.Warn("webhooks: releasing leases failed", "error", err)
	}
}

// result labels an attempt for the delivery metric.
func result(at app.Attempt) string {
	switch {
	case at.OK():
		return "success"
	case at.Status != 0:
		return "http_error"
	case at.Timeout:
		return "timeout"
	}
	return "error"
}

// reportQueue publishes the number of pending deliveries per dialect.
func (s *Service) reportQueue(ctx context.Context) {
	for {
		if n, err := s.d.System.PendingDeliveries(ctx); err == nil {
			for _, d := range []string{"chatwoot", "bookingsync"} {
				metrics.SetWebhookQueueDepth(d, n[d])
			}
		}
		if !sleep(ctx, 5*time.Second) {
			return
		}
	}
}
