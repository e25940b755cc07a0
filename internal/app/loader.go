package app

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

// Loader builds read models (conversation, message and participant views,
// listings with their counts) inside one transaction, as one reader sees
// them. Every method enforces the reader's Visibility: tenancy (a record of
// another account is ENOTFOUND), the inboxes an agent may see (EFORBIDDEN
// for a conversation outside them) and, for application readers, the scopes
// of records outside the inbox.
//
// A Loader lives for one transaction and memoises what it read (hosts,
// clients, inboxes, participants, conversations), so rendering many records
// reads each related record once. It is not safe for concurrent use.
//
// Get one with App.Read (an HTTP caller, whose principal and route decide
// the visibility) or App.Load (any other reader, with an explicit
// Visibility); write use cases build their answer with one internally,
// inside the write transaction.
type Loader struct {
	ctx          context.Context
	tx           inbox.Tx
	vis          Visibility
	hosts        map[int64]*inbox.Host
	clients      map[int64]*inbox.Client
	inboxes      map[int64]*inbox.Inbox
	participants map[int64]*inbox.Participant
	convs        map[int64]*inbox.Conversation
	attachments  map[int64]*inbox.Attachment
	// audiences and accountHosts memoise EventAudience (realtime.go).
	audiences    map[int64]Audience
	accountHosts []*inbox.Host
	// ev is what PrefetchEvents read (loader_events_batch.go); nil until
	// it runs.
	ev *eventMemo
}

func newLoader(ctx context.Context, tx inbox.Tx, vis Visibility) *Loader {
	return &Loader{ctx: ctx, tx: tx, vis: vis, hosts: map[int64]*inbox.Host{},
		clients: map[int64]*inbox.Client{}, inboxes: map[int64]*inbox.Inbox{},
		participants: map[int64]*inbox.Participant{}, convs: map[int64]*inbox.Conversation{},
		attachments: map[int64]*inbox.Attachment{}}
}

// Load runs fn with a Loader for an explicit visibility, in one read
// transaction. It is how readers that are not HTTP callers (webhook and
// realtime renderers, the web inbox) build read models: with the visibility
// of the subscription or subscriber, no principal needed.
//
//	err := a.Load(ctx, app.Visibility{AccountID: ev.AccountID}, func(l *app.Loader) error {
//		v, err := l.Conversation(*ev.ConversationID, app.ViewOptions{Details: true})
//		...
//	})
func (a *App) Load(ctx context.Context, vis Visibility, fn func(*Loader) error) error {
	return a.store.View(ctx, func(tx inbox.Tx) error {
		return fn(newLoader(ctx, tx, vis))
	})
}

// Read is the one app call of an HTTP read: it requires scope s of the caller
// (the scope its route declares), checks the account the request addresses
// (WithRequest), and runs fn with a Loader for the caller's visibility, all
// in one read transaction. fn reads what the response needs and may render
// it; it must not keep the Loader after returning.
//
// A dialect read handler is: decode the request, then
//
//	err := a.app.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) error {
//		list, err := l.Conversations(app.ConversationQuery{...})
//		...render into a local variable...
//		return err
//	})
//
// then encode. Writes are use cases (CreateMessage, UpdateConversation, …)
// that return their read model built inside the write transaction.
func (a *App) Read(ctx context.Context, s inbox.Scope, fn func(*Loader) error) error {
	_, err := viewAs(ctx, a, s, func(l *Loader, _ *inbox.Principal) (struct{}, error) {
		return struct{}{}, fn(l)
	})
	return err
}

// View is Read for a function that returns one value: the value of the
// read, loaded in one transaction.
//
//	inboxes, err := app.View(ctx, a, inbox.ScopeInboxRead, (*app.Loader).Inboxes)
func View[T any](ctx context.Context, a *App, s inbox.Scope, fn func(*Loader) (T, error)) (T, error) {
	return viewAs(ctx, a, s, func(l *Loader, _ *inbox.Principal) (T, error) { return fn(l) })
}

// Visibility returns the reader's visibility.
func (l *Loader) Visibility() Visibility { return l.vis }

// accountID is the tenant every query is scoped by.
func (l *Loader) accountID() int64 { return l.vis.AccountID }

// need answers EFORBIDDEN unless the reader holds scope s.
func (l *Loader) need(s inbox.Scope) error {
	if !l.vis.Has(s) {
		return inbox.Errorf(inbox.EFORBIDDEN, "The access token lacks the %s scope.", s)
	}
	return nil
}

// needAllInboxes answers EFORBIDDEN for a reader limited to some inboxes:
// listings that do not name a conversation are for readers that see all.
func (l *Loader) needAllInboxes() error {
	if !l.vis.AllInboxes() {
		return errNotPermitted()
	}
	return nil
}

func memo[T any](m map[int64]*T, id int64, find func() (*T, error)) (*T, error) {
	if v, ok := m[id]; ok {
		return v, nil
	}
	v, err := find()
	if err != nil {
		return nil, err
	}
	m[id] = v
	return v, nil
}

func (l *Loader) host(id int64) (*inbox.Host, error) {
	return memo(l.hosts, id, func() (*inbox.Host, error) { return l.tx.FindHostByID(l.ctx, l.accountID(), id) })
}

func (l *Loader) client(id int64) (*inbox.Client, error) {
	return memo(l.clients, id, func() (*inbox.Client, error) { return l.tx.FindClientByID(l.ctx, l.accountID(), id) })
}

func (l *Loader) inbox(id int64) (*inbox.Inbox, error) {
	return memo(l.inboxes, id, func() (*inbox.Inbox, error) { return l.tx.FindInboxByID(l.ctx, l.accountID(), id) })
}

func (l *Loader) participant(id int64) (*inbox.Participant, error) {
	return memo(l.participants, id, func() (*inbox.Participant, error) {
		return l.tx.FindParticipantByID(l.ctx, l.accountID(), id)
	})
}

func (l *Loader) attachment(id int64) (*inbox.Attachment, error) {
	return memo(l.attachments, id, func() (*inbox.Attachment, error) {
		return l.tx.FindAttachmentByID(l.ctx, l.accountID(), id)
	})
}

// conversation finds a conversation without the visibility check; callers
// check what they hand out.
func (l *Loader) conversation(id int64) (*inbox.Conversation, error) {
	return memo(l.convs, id, func() (*inbox.Conversation, error) {
		return l.tx.FindConversationByID(l.ctx, l.accountID(), id)
	})
}

// forget drops a memoised conversation after the transaction changed it.
func (l *Loader) forget(convID int64) {
	delete(l.convs, convID)
	if l.ev != nil {
		delete(l.ev.parts, convID)
		delete(l.ev.contacts, convID)
	}
}

// visible answers EFORBIDDEN when the reader may not see c.
func (l *Loader) visible(c *inbox.Conversation) error {
	if !l.vis.CanSeeInbox(c.InboxID) {
		return errNotPermitted()
	}
	return nil
}

// find returns the conversation a reference names, checked against the
// reader's visibility: ENOTFOUND when it is missing or another account's,
// EFORBIDDEN when it lies outside the reader's inboxes.
func (l *Loader) find(ref ConversationRef) (*inbox.Conversation, error) {
	var c *inbox.Conversation
	var err error
	if ref.DisplayID != 0 {
		if c, err = l.tx.FindConversationByDisplayID(l.ctx, l.accountID(), ref.DisplayID); err == nil {
			l.convs[c.ID] = c
		}
	} else {
		c, err = l.conversation(ref.ID)
	}
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		// Named on the reference, so that a dialect whose path names both a
		// conversation and a record in it can tell which one is missing.
		return nil, &inbox.Error{Code: inbox.ENOTFOUND, Field: "conversation_id", Message: "Conversation not found."}
	} else if err != nil {
		return nil, err
	}
	return c, l.visible(c)
}

// ConversationRef names a conversation: by its global id (BookingSync) or by
// its number in the account (Chatwoot's display id). Exactly one is set.
type ConversationRef struct {
	ID        int64
	DisplayID int64
}

// ByID names a conversation by its global id.
func ByID(id int64) ConversationRef { return ConversationRef{ID: id} }

// ByDisplayID names a conversation by its number in the account.
func ByDisplayID(n int64) ConversationRef { return ConversationRef{DisplayID: n} }

// Check runs, in one read transaction, the checks a request's use case makes
// before it acts: the account the request addresses (WithRequest) and, when
// ref is not nil, that the caller may see that conversation. A dialect calls
// it instead of its use case when the request fails to decode, so that the
// client gets the errors in the order the use case would give them (an
// unknown account or conversation before a malformed body).
func (a *App) Check(ctx context.Context, ref *ConversationRef) error {
	s := inbox.ScopePublic
	if req, ok := requestFrom(ctx); ok && req.Scope != "" {
		s = req.Scope
	}
	_, err := viewAs(ctx, a, s, func(l *Loader, _ *inbox.Principal) (struct{}, error) {
		if ref == nil {
			return struct{}{}, nil
		}
		_, err := l.find(*ref)
		return struct{}{}, err
	})
	return err
}
