package webhook

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
)

// fanOutBatch is how many events one fan-out transaction covers.
const fanOutBatch = 200

// inboxSyncEvery is how often an account's API inbox webhooks are compared
// with their inboxes' webhook_url (a changed URL takes effect within it).
const inboxSyncEvery = 5 * time.Second

// fanOut holds the fan-out cursor whenever it can and turns events into
// deliveries.
func (s *Service) fanOut(ctx context.Context) {
	select {
	case <-s.d.Tail.Ready():
	case <-ctx.Done():
		return
	}
	for ctx.Err() == nil {
		pos, ok, err := s.d.System.TakeFanOut(ctx, s.owner, fanOutLease)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("webhooks: taking the fan-out cursor failed", "error", err)
		}
		if !ok {
			sleep(ctx, fanOutLease/3)
			continue
		}
		if err := s.fanOutFrom(ctx, pos); err != nil && ctx.Err() == nil {
			s.log.Warn("webhooks: fan-out stopped", "error", err)
			sleep(ctx, time.Second)
		}
	}
}

// fanOutFrom makes deliveries from the events after pos while this node
// holds the cursor. The cursor moves in the transaction that stores
// deliveries; events that make none move it at most once a second (a node
// that dies meanwhile leaves its successor a second of events to read
// again, which make no deliveries either).
func (s *Service) fanOutFrom(ctx context.Context, committed int64) error {
	sub := s.d.Tail.Subscribe(committed, events.Filter{})
	renewed, lastCommit := time.Now(), time.Now()
	for {
		// Wake in time to renew the lease even when no event comes.
		wctx, cancel := context.WithTimeout(ctx, fanOutLease/3)
		evs, err := sub.Next(wctx, fanOutBatch)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, events.ErrPruned) {
			// Retention never passes the fan-out cursor: this means the
			// cursor was moved by hand or the database restored.
			return err
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		var ds []*inbox.Delivery
		if len(evs) > 0 {
			if ds, err = s.deliveriesFor(ctx, evs); err != nil {
				return err
			}
		}
		if pos := sub.Position(); pos > committed && (len(ds) > 0 || time.Since(lastCommit) > time.Second) {
			leased := s.leaseLocally(ds)
			start := time.Now()
			ok, err := s.d.System.CommitFanOut(ctx, s.owner, committed, pos, ds, deliveryLease)
			if err != nil || !ok {
				return err // lost the cursor: another node carries on
			}
			committed, lastCommit = pos, time.Now()
			s.sendNow(ctx, leased, start.Add(deliveryLease))
			if len(leased) < len(ds) {
				s.poke() // some wait in the database for a lane to free
			}
		}
		if time.Since(renewed) > fanOutLease/3 {
			at, ok, err := s.d.System.TakeFanOut(ctx, s.owner, fanOutLease)
			if err != nil || !ok || at != committed {
				return err
			}
			renewed = time.Now()
		}
	}
}

// leaseLocally marks the deliveries this node will send at once, leased to
// it as they are stored: those whose lane has room for them. The others
// are stored unleased and claimed when a lane frees. A sole node (SQLite)
// queues up to laneQueue of a webhook's deliveries itself, which saves it
// the claims; on a database other nodes may share (PostgreSQL) it keeps
// only what its lane can start now and leaves the rest to whichever node
// claims first, so that every node of a cluster delivers.
func (s *Service) leaseLocally(ds []*inbox.Delivery) []*inbox.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := perWebhook
	if s.d.SoleNode {
		keep = laneQueue
	}
	room := map[int64]int{}
	var out []*inbox.Delivery
	for _, d := range ds {
		n, ok := room[d.WebhookID]
		if !ok {
			n = keep
			if l := s.lanes[d.WebhookID]; l != nil {
				n -= l.inflight + len(l.queue)
			}
		}
		if n > 0 && !s.stopping {
			d.LeaseOwner = s.owner
			out = append(out, d)
			n--
		}
		room[d.WebhookID] = n
	}
	return out
}

// sendNow queues stored deliveries leased to this node until until.
func (s *Service) sendNow(ctx context.Context, leased []*inbox.Delivery, until time.Time) {
	var ds []*inbox.Delivery
	for _, d := range leased {
		if d.ID != 0 { // 0: made before, by a fan-out that ran twice
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		return
	}
	outs, err := s.d.System.Outgoing(ctx, ds)
	if err != nil {
		// Their leases end and they are claimed then.
		s.log.Warn("webhooks: reading new deliveries failed", "error", err)
		return
	}
	s.enqueue(outs, until)
}

// deliveriesFor renders events for the webhooks that want them.
func (s *Service) deliveriesFor(ctx context.Context, evs []*inbox.Event) ([]*inbox.Delivery, error) {
	var accounts, stale []int64
	now := time.Now()
	for _, e := range evs {
		if !slices.Contains(accounts, e.AccountID) {
			accounts = append(accounts, e.AccountID)
			if now.Sub(s.synced[e.AccountID]) > inboxSyncEvery {
				stale = append(stale, e.AccountID)
			}
		}
	}
	if len(stale) > 0 {
		if err := s.d.System.SyncInboxWebhooks(ctx, stale); err != nil {
			return nil, err
		}
		for _, id := range stale {
			s.synced[id] = now
		}
		if len(s.synced) > 100000 { // accounts come and go; start over rather than grow
			clear(s.synced)
		}
	}
	targets, err := s.d.System.Targets(ctx, accounts)
	if err != nil || len(targets) == 0 {
		return nil, err
	}
	// Readers that see the same render the same: one rendering per group.
	groups := map[string][]*app.Target{}
	var keys []string
	for _, t := range targets {
		k := groupKey(t)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], t)
	}
	// Render in parallel: chunks of one group's events, each in a read
	// transaction of its own.
	var jobs []renderJob
	for _, k := range keys {
		group := groups[k]
		var mine []*inbox.Event
		for _, e := range evs {
			if e.AccountID == group[0].Visibility.AccountID && s.wanted(group, e) {
				mine = append(mine, e)
			}
		}
		for len(mine) > 0 {
			n := min(len(mine), renderChunk)
			jobs = append(jobs, renderJob{group: group, evs: mine[:n]})
			mine = mine[n:]
		}
	}
	results := make([][]*inbox.Delivery, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, renderWorkers)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = s.render(ctx, j)
		}()
	}
	wg.Wait()
	var out []*inbox.Delivery
	for i := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, results[i]...)
	}
	return out, nil
}

// Rendering runs renderWorkers read transactions at once, of at most
// renderChunk events each. A chunk is read with a fixed number of
// statements whatever its size (Loader.PrefetchEvents), so chunks are
// large: half a fan-out batch.
const (
	renderWorkers = 4
	renderChunk   = fanOutBatch / 2
)

// renderJob is a chunk of events for a group of targets that see alike.
type renderJob struct {
	group []*app.Target
	evs   []*inbox.Event
}

// wanted reports whether any target of the group wants an event the event
// fires, so events nobody subscribed to are not rendered.
func (s *Service) wanted(group []*app.Target, e *inbox.Event) bool {
	var names []string
	if group[0].Webhook.Dialect == inbox.WebhookBookingSync {
		names = bookingsync.EventNames(e)
	} else {
		names = chatwoot.EventNames(e)
	}
	for _, n := range names {
		for _, t := range group {
			if t.Wants(n, e.CreatedAt) {
				return true
			}
		}
	}
	return false
}

// render makes the deliveries of a chunk.
func (s *Service) render(ctx context.Context, j renderJob) ([]*inbox.Delivery, error) {
	var out []*inbox.Delivery
	err := s.d.App.Load(ctx, j.group[0].Visibility, func(l *app.Loader) error {
		opt := chatwoot.EventViewOptions
		if j.group[0].Webhook.Dialect == inbox.WebhookBookingSync {
			opt = bookingsync.EventViewOptions
		}
		// One statement per kind of record for the whole chunk, not several
		// per event.
		if err := l.PrefetchEvents(j.evs, opt); err != nil {
			return err
		}
		for _, e := range j.evs {
			payloads, err := s.encode(l, j.group[0].Webhook.Dialect, e)
			if err != nil {
				return err
			}
			for _, p := range payloads {
				for _, t := range j.group {
					if t.Wants(p.Name, e.CreatedAt) {
						out = append(out, &inbox.Delivery{AccountID: e.AccountID, WebhookID: t.Webhook.ID,
							EventSeq: e.Seq, Event: p.Name, UUID: uuid.NewString(), Body: p.Body})
					}
				}
			}
		}
		return nil
	})
	return out, err
}

func (s *Service) encode(l *app.Loader, dialect string, e *inbox.Event) ([]app.EventPayload, error) {
	if dialect == inbox.WebhookBookingSync {
		return bookingsync.EncodeEvent(l, e, s.d.BaseURL)
	}
	return chatwoot.EncodeEvent(l, e, s.d.BaseURL, time.Now())
}

// groupKey is the same for targets whose payloads render alike.
func groupKey(t *app.Target) string {
	v := t.Visibility
	var b strings.Builder
	b.WriteString(t.Webhook.Dialect + "/a" + strconv.FormatInt(v.AccountID, 10))
	if v.InboxIDs != nil {
		b.WriteString("/i")
		for _, id := range v.InboxIDs {
			b.WriteString(strconv.FormatInt(id, 10) + ",")
		}
	}
	if v.Scopes != nil {
		b.WriteString("/s" + v.Scopes.String())
	}
	return b.String()
}
