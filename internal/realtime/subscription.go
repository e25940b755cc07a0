package realtime

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/chatwoot"
)

// roomChannel is Chatwoot's channel: the one /cable serves.
const roomChannel = "RoomChannel"

// roomIdentifier is a RoomChannel subscription's identifier (spec/chatwoot-
// v1.md §7.1). Rails params arrive as JSON numbers or strings alike.
type roomIdentifier struct {
	Channel     string  `json:"channel"`
	PubSubToken string  `json:"pubsub_token"`
	AccountID   flexInt `json:"account_id"`
	UserID      flexInt `json:"user_id"`
}

// flexInt is an id sent as a number or as a string of digits.
type flexInt int64

// UnmarshalJSON implements json.Unmarshaler; anything else is 0.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err == nil {
		*n = flexInt(v)
	}
	return nil
}

// subscription is one RoomChannel subscription: a host following its
// account's events on one connection.
type subscription struct {
	c          *cableConn
	identifier string
	account    int64
	host       int64
	token      string // the pubsub token it subscribed with
	// head and tail frame a broadcast: head + message + tail + offset + "}".
	head, tail []byte

	mu        sync.Mutex
	last      int64       // the last position handed to the client
	replaying bool        // a history replay runs: live deliveries wait
	pending   []*delivery // live deliveries that arrived during the replay
}

func (s *subscription) accountID() int64 { return s.account }
func (s *subscription) baseURL() string  { return s.c.base }
func (s *subscription) view() view       { return view{} }
func (s *subscription) resync()          { go s.c.disconnect(reasonResync, true) }

// revoked checks the subscription again when users' access changed (an
// agent removed, a role changed): a host no longer in the account is told
// it is unauthorized and not to reconnect. A revoked OAuth token (an id)
// is no subscription's.
func (s *subscription) revoked(tokenID int64) {
	if tokenID != 0 {
		return
	}
	go func() {
		_, err := s.c.hub.app.Subscribe(s.c.ctx, s.account, s.host, s.token)
		if inbox.ErrorCode(err) == inbox.EUNAUTHORIZED {
			s.c.disconnect(reasonUnauthorized, false)
		}
	}()
}

// streamID names a subscription's stream in broadcasts and history
// requests: the host's feed in its account. (Chatwoot streams by pubsub
// token; a stream name is repeated in every frame, so it is not the token.)
func streamID(account, host int64) string {
	return "room:" + strconv.FormatInt(account, 10) + ":" + strconv.FormatInt(host, 10)
}

// subscribe answers a subscribe command: confirm_subscription for a valid
// RoomChannel identifier of a host and its pubsub token, then (with a
// history request) what the host missed; reject_subscription otherwise.
func (c *cableConn) subscribe(cmd command) {
	var id roomIdentifier
	if json.Unmarshal([]byte(cmd.Identifier), &id) != nil || id.Channel != roomChannel || id.UserID <= 0 {
		// Contacts (the web widget) subscribe without user_id: inboxd has
		// no contact subscriptions.
		c.send(typed(cmd.Identifier, "reject_subscription"))
		return
	}
	c.mu.Lock()
	_, dup := c.subs[cmd.Identifier]
	full := len(c.subs) >= maxSubscriptionsPerConn
	c.mu.Unlock()
	if dup {
		// ActionCable ignores a second subscribe to the same identifier.
		return
	}
	if full {
		c.send(typed(cmd.Identifier, "reject_subscription"))
		return
	}
	h, err := c.hub.app.Subscribe(c.ctx, int64(id.AccountID), int64(id.UserID), id.PubSubToken)
	if err != nil {
		c.send(typed(cmd.Identifier, "reject_subscription"))
		return
	}
	epoch, err := c.hub.epochOf(c.ctx)
	if err != nil {
		c.hub.log.Error("realtime: read the outbox epoch", "err", err)
		c.send(typed(cmd.Identifier, "reject_subscription"))
		return
	}
	s := &subscription{c: c, identifier: cmd.Identifier, account: h.AccountID, host: h.ID, token: id.PubSubToken,
		replaying: cmd.History != nil}
	s.head = append(append([]byte(`{"identifier":`), jsonString(cmd.Identifier)...), `,"message":`...)
	s.tail = append(append(append(append([]byte(`,"stream_id":`), jsonString(streamID(s.account, s.host))...),
		`,"epoch":`...), jsonString(epoch)...), `,"offset":`...)
	c.mu.Lock()
	c.subs[cmd.Identifier] = s
	c.mu.Unlock()
	c.hub.join(s)
	c.send(typed(cmd.Identifier, "confirm_subscription"))
	if cmd.History != nil {
		s.catchUp(cmd.History)
	}
}

// jsonString is s as a JSON string.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// deliver hands a batch of the tail to the client, or keeps it while a
// replay runs. A client whose replay falls too far behind is disconnected
// (it reconnects and asks again from where it got to).
func (s *subscription) deliver(ds []*delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replaying {
		s.pending = append(s.pending, ds...)
		if len(s.pending) > s.c.hub.limits.QueueFrames {
			s.pending = nil
			s.c.q.close()
			go s.c.disconnect(reasonSlowConsumer, true)
		}
		return
	}
	s.hand(ds, false)
}

// hand queues the broadcasts of deliveries past the last position
// handed over that the host may see. wait makes it wait for room rather
// than overflow (replays). It reports false when the client is gone.
func (s *subscription) hand(ds []*delivery, wait bool) bool {
	for _, d := range ds {
		if d.seq <= s.last {
			continue
		}
		s.last = d.seq
		if !d.audience.Sees(s.host) {
			continue
		}
		for _, b := range d.cable {
			f := s.frame(b, d.seq)
			if wait {
				if !s.c.q.pushWait(f, s.c.hub.limits.WriteTimeout) {
					return false
				}
				s.c.kick()
			} else {
				s.c.send(f)
			}
		}
	}
	return true
}

// frame is a broadcast as the client receives it: ActionCable's
// {"identifier","message"} with AnyCable's stream position, which carries
// the event's place in the outbox (harmless to Rails' client, which reads
// identifier and message only).
func (s *subscription) frame(b chatwoot.Broadcast, seq int64) []byte {
	f := make([]byte, 0, len(s.head)+len(b.Message)+len(s.tail)+21)
	f = append(f, s.head...)
	f = append(f, b.Message...)
	f = append(f, s.tail...)
	f = strconv.AppendInt(f, seq, 10)
	return append(f, '}')
}
