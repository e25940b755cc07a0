package realtime

import (
	"context"
	"errors"
	"time"

	inbox "github.com/inboxd/inbox"
)

// historyRequest is AnyCable's history request: the position the client
// reached in each stream, or the time it was last in touch.
type historyRequest struct {
	// Since is a Unix time: events written at or after it.
	Since float64 `json:"since"`
	// Streams are positions by stream id.
	Streams map[string]streamPosition `json:"streams"`
}

type streamPosition struct {
	Epoch  string `json:"epoch"`
	Offset int64  `json:"offset"`
}

const (
	// historyPage is how many events a replay reads at a time.
	historyPage = 200
	// maxReplay bounds one replay: a client further behind reads the
	// current state through the API instead (reject_history says so).
	maxReplay = 10000
)

// errReplayTooLong ends a replay past maxReplay events.
var errReplayTooLong = errors.New("realtime: more events missed than one replay sends")

// catchUp replays what the subscription missed, then confirm_history; or
// reject_history when the history cannot be had (another epoch, older than
// the retention window, too long). Live deliveries that arrive meanwhile
// wait, and follow the replay without duplicates.
func (s *subscription) catchUp(req *historyRequest) {
	s.mu.Lock()
	s.replaying = true
	s.mu.Unlock()

	err := s.replay(req)

	s.mu.Lock()
	pending := s.pending
	s.pending, s.replaying = nil, false
	s.hand(pending, false)
	s.mu.Unlock()
	switch {
	case err == nil:
		s.c.send(typed(s.identifier, "confirm_history"))
	case errors.Is(err, errGone):
	default:
		if !errors.Is(err, ErrHistoryGone) && !errors.Is(err, errReplayTooLong) && s.c.ctx.Err() == nil {
			s.c.hub.log.Error("realtime: replay history", "account_id", s.account, "err", err)
		}
		s.c.send(typed(s.identifier, "reject_history"))
	}
}

// errGone ends a replay whose client went away.
var errGone = errors.New("realtime: client gone")

// replay sends the events a history request asks for. While it runs it
// alone moves s.last (deliver only appends to s.pending).
func (s *subscription) replay(req *historyRequest) error {
	h := s.c.hub
	ctx := s.c.ctx
	epoch, err := h.epochOf(ctx)
	if err != nil {
		return err
	}
	read := func(after int64) ([]*inbox.Event, error) {
		return h.outbox.History(ctx, s.account, after, historyPage)
	}
	if pos, ok := req.Streams[streamID(s.account, s.host)]; ok {
		if pos.Epoch != epoch {
			return ErrHistoryGone
		}
		s.last = max(s.last, pos.Offset)
	} else if req.Since > 0 {
		since := time.Unix(int64(req.Since), 0)
		first := true
		read = func(after int64) ([]*inbox.Event, error) {
			if first {
				first = false
				return h.outbox.HistorySince(ctx, s.account, since, historyPage)
			}
			return h.outbox.History(ctx, s.account, after, historyPage)
		}
	} else {
		return nil // nothing asked
	}
	for sent := 0; ; sent += historyPage {
		if sent >= maxReplay {
			return errReplayTooLong
		}
		evs, err := read(s.last)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		if err := s.replayPage(ctx, evs); err != nil {
			return err
		}
		if len(evs) < historyPage {
			return nil
		}
	}
}

func (s *subscription) replayPage(ctx context.Context, evs []*inbox.Event) error {
	ds, err := s.c.hub.render(ctx, s.account, evs, view{}, s.c.base)
	if err != nil {
		return err
	}
	if !s.hand(ds, true) {
		return errGone
	}
	// Events no one showed this host still move its position, so the
	// next page starts after them.
	s.last = max(s.last, evs[len(evs)-1].Seq)
	return nil
}
