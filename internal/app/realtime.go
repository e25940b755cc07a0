package app

import (
	"context"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// The realtime feeds (/cable, the BookingSync event stream) deliver outbox
// events to connected readers. The rules they follow live here: who may
// subscribe, and who may receive an event.

// Subscribe checks a realtime subscription of a host: the pubsub token must
// be that host's (VerifyPubSubToken), the host must still belong to the
// account and the account must be active. It returns the host and the
// visibility its events are filtered by. Every failure is EUNAUTHORIZED, so
// that a subscriber learns nothing about accounts and hosts it does not hold
// a token for.
func (a *App) Subscribe(ctx context.Context, accountID, hostID int64, token string) (*inbox.Host, error) {
	denied := inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid subscription.")
	if accountID <= 0 || hostID <= 0 || !a.VerifyPubSubToken(token, accountID, hostID) {
		return nil, denied
	}
	var h *inbox.Host
	err := a.store.View(ctx, func(tx inbox.Tx) error {
		acc, err := tx.FindAccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if acc.Status == inbox.AccountSuspended {
			return denied
		}
		h, err = tx.FindHostByID(ctx, accountID, hostID)
		return err
	})
	if inbox.ErrorCode(err) == inbox.ENOTFOUND || err == nil && h.DeletedAt != nil {
		return nil, denied
	}
	return h, err
}

// Audience is who may receive one event: the hosts that see the record it
// is about. Applications are filtered by their scopes instead
// (inbox.BookingSyncEventScope).
type Audience struct {
	// Hosts are the ids of the hosts that may see the event.
	Hosts map[int64]bool
}

// Sees reports whether a host may receive the event.
func (au Audience) Sees(hostID int64) bool { return au.Hosts[hostID] }

// EventAudience returns the hosts that may receive an event of the reader's
// account: for an event about a conversation (or a message in it), the
// administrators and the members of the conversation's inbox, as Chatwoot
// broadcasts to inbox members and administrators; for an event about a
// record outside any inbox (a client), every host. Removed hosts receive
// nothing, and nobody receives an event whose conversation is gone.
//
// It reads the memberships at the time of the call, so a host removed from
// an inbox stops receiving that inbox's events at once. The Loader memoises
// per inbox: rendering a batch of events of one account costs two queries.
func (l *Loader) EventAudience(e *inbox.Event) (Audience, error) {
	inboxID := int64(0)
	if e.ConversationID != nil {
		c, err := l.conversation(*e.ConversationID)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			return Audience{}, nil
		} else if err != nil {
			return Audience{}, err
		}
		inboxID = c.InboxID
	}
	if au, ok := l.audiences[inboxID]; ok {
		return au, nil
	}
	if l.accountHosts == nil {
		// Every host of the account (FindHosts lists only those not
		// removed), page by page.
		const page = 500
		l.accountHosts = []*inbox.Host{}
		for after := int64(0); ; {
			hosts, _, err := l.tx.FindHosts(l.ctx, l.accountID(), inbox.HostFilter{Page: inbox.Page{Limit: page, AfterID: after, SkipTotal: true}})
			if err != nil {
				return Audience{}, err
			}
			l.accountHosts = append(l.accountHosts, hosts...)
			if len(hosts) < page {
				break
			}
			after = hosts[len(hosts)-1].ID
		}
	}
	var members []int64
	if inboxID != 0 {
		var err error
		if members, err = l.tx.FindInboxMemberIDs(l.ctx, l.accountID(), inboxID); err != nil {
			return Audience{}, err
		}
	}
	isMember := make(map[int64]bool, len(members))
	for _, id := range members {
		isMember[id] = true
	}
	au := Audience{Hosts: map[int64]bool{}}
	for _, h := range l.accountHosts {
		if inboxID == 0 || h.Role == inbox.RoleAdministrator || isMember[h.ID] {
			au.Hosts[h.ID] = true
		}
	}
	if l.audiences == nil {
		l.audiences = map[int64]Audience{}
	}
	l.audiences[inboxID] = au
	return au, nil
}

// Performer returns the host who caused an event, or nil when an
// application or the system did.
func (l *Loader) Performer(e *inbox.Event) (*inbox.Host, error) {
	if e.ActorType != inbox.CreatorUser || e.ActorID == nil {
		return nil, nil
	}
	h, err := l.host(*e.ActorID)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return nil, nil
	}
	return h, err
}

// ContactInbox returns the contact inbox record of a conversation's contact
// (Chatwoot's contact_inbox), or nil when the conversation has none.
func (l *Loader) ContactInbox(c *inbox.Conversation) (*inbox.ContactInbox, error) {
	if c.ClientID == nil || c.ContactSourceID == "" {
		return nil, nil
	}
	if ci, ok := l.ev.contactInbox(c.ID); ok {
		return ci, nil
	}
	cis, err := l.tx.FindContactInboxes(l.ctx, l.accountID(), inbox.ContactInboxFilter{
		ClientIDs: []int64{*c.ClientID}, InboxID: &c.InboxID, SourceID: c.ContactSourceID})
	if err != nil || len(cis) == 0 {
		return nil, err
	}
	return cis[0], nil
}

// AccountEventsSince lists an account's events written at or after a time,
// in outbox order, at most limit.
func (s *System) AccountEventsSince(ctx context.Context, accountID int64, since time.Time, limit int) ([]*inbox.Event, error) {
	var evs []*inbox.Event
	err := s.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		evs, err = tx.FindAccountEventsSince(ctx, accountID, since, limit)
		return err
	})
	return evs, err
}

// epochSetting names the setting that holds the outbox's epoch.
const epochSetting = "events.epoch"

// OutboxEpoch names this database's outbox numbering: a random value
// created with the first call and kept in the settings. Positions (Seq) of
// another database, restored or replaced, mean nothing here; a client that
// presents one with another epoch cannot catch up from it (AnyCable's
// stream epoch).
func (s *System) OutboxEpoch(ctx context.Context) (string, error) {
	var epoch string
	err := s.app.store.Update(ctx, func(tx inbox.Tx) error {
		v, err := tx.FindSetting(ctx, epochSetting)
		if err == nil {
			epoch = v
			return nil
		} else if inbox.ErrorCode(err) != inbox.ENOTFOUND {
			return err
		}
		epoch = auth.NewUUID()[:8]
		return tx.CreateSetting(ctx, epochSetting, epoch)
	})
	if inbox.ErrorCode(err) == inbox.ECONFLICT {
		// Another node created it first.
		return s.OutboxEpoch(ctx)
	}
	return epoch, err
}
