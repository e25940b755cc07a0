package app_test

import (
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// messages lists a conversation's messages of a kind, oldest first.
func (e *env) messages(convID int64, kind string) []int64 {
	e.t.Helper()
	msgs, err := app.View(e.asAdmin, e.app, inbox.ScopeInboxRead, func(l *app.Loader) ([]*inbox.Message, error) {
		ms, _, err := l.Messages(inbox.MessageFilter{ConversationID: &convID, Page: inbox.Page{Limit: 1000}})
		return ms, err
	})
	must(e.t, err)
	var ids []int64
	for _, m := range msgs {
		if m.Kind == kind {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// last is the newest of ids.
func last(t *testing.T, ids []int64) int64 {
	t.Helper()
	if len(ids) == 0 {
		t.Fatal("no such message")
	}
	return ids[len(ids)-1]
}

// TestEvents checks, per use case, the events it writes to the outbox in its
// transaction: type, subject, actor and changes, in order.
func TestEvents(t *testing.T) {
	e := newEnv(t)

	t.Run("CreateConversation", func(t *testing.T) {
		before := e.lastEventID()
		c := e.conversation(0)
		pt := e.participant(c.ID, inbox.MemberClient, e.client.ID)
		e.expectEvents(t, before, e.actorOf(e.asAdmin),
			ev{typ: inbox.EventConversationCreated, subject: c.ID},
			ev{typ: inbox.EventParticipantCreated, subject: pt.ID})
	})
	t.Run("CreateConversationWithMessage", func(t *testing.T) {
		before := e.lastEventID()
		text := "Welcome"
		c, err := e.app.CreateConversation(e.asAdmin, app.ConversationCreate{ClientID: &e.client.ID,
			Message: &app.MessageCreate{Content: &text}})
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asAdmin),
			ev{typ: inbox.EventConversationCreated, subject: c.ID},
			ev{typ: inbox.EventParticipantCreated, subject: e.participant(c.ID, inbox.MemberClient, e.client.ID).ID},
			ev{typ: inbox.EventParticipantCreated, subject: e.participant(c.ID, inbox.MemberHost, e.adminHost.ID).ID},
			ev{typ: inbox.EventMessageCreated, subject: last(t, e.messages(c.ID, inbox.KindOutgoing))})
	})
	t.Run("Close", func(t *testing.T) {
		c := e.conversation(0)
		before := e.lastEventID()
		_, err := e.app.UpdateConversation(e.asApp, app.ByID(c.ID), app.ConversationChange{Closed: ptr(true)}, app.ViewOptions{})
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asApp),
			ev{typ: inbox.EventMessageCreated, subject: last(t, e.messages(c.ID, inbox.KindActivity))},
			ev{typ: inbox.EventConversationStatusChanged, subject: c.ID,
				changes: map[string][2]any{"status": {inbox.StatusOpen, inbox.StatusResolved}}})
	})
	t.Run("AssignPriorityLabels", func(t *testing.T) {
		c := e.conversation(0)
		before := e.lastEventID()
		assignee := &e.agentHost.ID
		_, err := e.app.UpdateConversation(e.asAdmin, app.ByDisplayID(c.DisplayID), app.ConversationChange{
			AssigneeID: &assignee, Priority: ptr("high"), Labels: &[]string{"vip"}}, app.ViewOptions{})
		must(t, err)
		acts := e.messages(c.ID, inbox.KindActivity)
		e.expectEvents(t, before, e.actorOf(e.asAdmin),
			ev{typ: inbox.EventMessageCreated, subject: acts[0]},
			ev{typ: inbox.EventConversationUpdated, subject: c.ID, changes: map[string][2]any{"assignee_id": {nil, e.agentHost.ID}}},
			ev{typ: inbox.EventMessageCreated, subject: acts[1]},
			ev{typ: inbox.EventConversationUpdated, subject: c.ID, changes: map[string][2]any{"priority": {nil, "high"}}},
			ev{typ: inbox.EventMessageCreated, subject: acts[2]},
			ev{typ: inbox.EventConversationUpdated, subject: c.ID, changes: map[string][2]any{"labels": {nil, []string{"vip"}}}})
	})
	t.Run("SpamAndCustomAttributes", func(t *testing.T) {
		c := e.conversation(0)
		before := e.lastEventID()
		now := e.clock.tick()
		attrs := inbox.Attributes{"floor": 2.0}
		_, err := e.app.UpdateConversation(e.asApp, app.ByID(c.ID), app.ConversationChange{MarkedAsSpam: ptr(true),
			CustomAttributes: &attrs}, app.ViewOptions{})
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asApp),
			ev{typ: inbox.EventConversationUpdated, subject: c.ID, changes: map[string][2]any{
				"marked_as_spam_at": {nil, now}, "custom_attributes": {inbox.Attributes{}, attrs}}})
	})
	t.Run("ToggleStatusByAgentTakesIt", func(t *testing.T) {
		c := e.conversation(0)
		_, err := e.app.UpdateConversation(e.asAdmin, app.ByID(c.ID), app.ConversationChange{Closed: ptr(true)}, app.ViewOptions{})
		must(t, err)
		before := e.lastEventID()
		_, err = e.app.ToggleStatus(e.asAgent, app.ByDisplayID(c.DisplayID), "", nil)
		must(t, err)
		acts := e.messages(c.ID, inbox.KindActivity)
		e.expectEvents(t, before, e.actorOf(e.asAgent),
			ev{typ: inbox.EventMessageCreated, subject: acts[1]},
			ev{typ: inbox.EventConversationStatusChanged, subject: c.ID,
				changes: map[string][2]any{"status": {inbox.StatusResolved, inbox.StatusOpen}}},
			ev{typ: inbox.EventMessageCreated, subject: acts[2]},
			ev{typ: inbox.EventConversationUpdated, subject: c.ID, changes: map[string][2]any{"assignee_id": {nil, e.agentHost.ID}}})
	})
	t.Run("MarkSeen", func(t *testing.T) {
		c := e.conversation(0)
		before := e.lastEventID()
		now := e.clock.tick()
		_, err := e.app.MarkSeen(e.asAdmin, app.ByDisplayID(c.DisplayID), app.ViewOptions{})
		must(t, err)
		pt := e.participant(c.ID, inbox.MemberHost, e.adminHost.ID)
		e.expectEvents(t, before, e.actorOf(e.asAdmin),
			ev{typ: inbox.EventParticipantCreated, subject: pt.ID},
			ev{typ: inbox.EventParticipantUpdated, subject: pt.ID, changes: map[string][2]any{"read_at": {nil, now}}},
			ev{typ: inbox.EventConversationRead, subject: c.ID, changes: map[string][2]any{"read_at": {nil, now}}})
	})
	t.Run("MarkUnread", func(t *testing.T) {
		c := e.conversation(0)
		seen := e.clock.tick()
		_, err := e.app.MarkSeen(e.asAgent, app.ByID(c.ID), app.ViewOptions{})
		must(t, err)
		agentPt := e.participant(c.ID, inbox.MemberHost, e.agentHost.ID)
		before := e.lastEventID()
		_, err = e.app.MarkUnread(e.asAdmin, app.ByID(c.ID), app.ViewOptions{})
		must(t, err)
		adminPt := e.participant(c.ID, inbox.MemberHost, e.adminHost.ID)
		// No incoming message yet: every host's read_at is cleared.
		e.expectEvents(t, before, e.actorOf(e.asAdmin),
			ev{typ: inbox.EventParticipantCreated, subject: adminPt.ID},
			ev{typ: inbox.EventParticipantUpdated, subject: agentPt.ID, changes: map[string][2]any{"read_at": {seen, nil}}},
			ev{typ: inbox.EventParticipantUpdated, subject: adminPt.ID, changes: map[string][2]any{"read_at": {nil, nil}}},
			ev{typ: inbox.EventConversationRead, subject: c.ID, changes: map[string][2]any{"read_at": {seen, nil}}})
	})
	t.Run("ParticipantRead", func(t *testing.T) {
		c := e.conversation(0)
		pt := e.participant(c.ID, inbox.MemberClient, e.client.ID)
		before := e.lastEventID()
		now := e.clock.tick()
		_, err := e.app.UpdateParticipant(e.asApp, pt.ID, ptr(true))
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asApp),
			ev{typ: inbox.EventParticipantUpdated, subject: pt.ID, changes: map[string][2]any{"read_at": {nil, now}}},
			ev{typ: inbox.EventConversationRead, subject: c.ID, changes: map[string][2]any{"read_at": {nil, now}}})
		before = e.lastEventID()
		_, err = e.app.UpdateParticipant(e.asApp, pt.ID, nil)
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asApp)) // nothing changed, nothing written
	})
	t.Run("MuteAndDelete", func(t *testing.T) {
		c := e.conversation(0)
		before := e.lastEventID()
		must(t, e.app.SetMuted(e.asAdmin, app.ByDisplayID(c.DisplayID), true))
		acts := e.messages(c.ID, inbox.KindActivity)
		e.expectEvents(t, before, e.actorOf(e.asAdmin),
			ev{typ: inbox.EventClientUpdated, subject: e.client.ID, changes: map[string][2]any{"blocked": {false, true}}},
			ev{typ: inbox.EventMessageCreated, subject: acts[0]},
			ev{typ: inbox.EventConversationStatusChanged, subject: c.ID,
				changes: map[string][2]any{"status": {inbox.StatusOpen, inbox.StatusResolved}}},
			ev{typ: inbox.EventMessageCreated, subject: acts[1]})
		must(t, e.app.SetMuted(e.asAdmin, app.ByDisplayID(c.DisplayID), false))
		before = e.lastEventID()
		must(t, e.app.DeleteConversation(e.asAdmin, app.ByID(c.ID)))
		e.expectEvents(t, before, e.actorOf(e.asAdmin), ev{typ: inbox.EventConversationDeleted, subject: c.ID})
	})
	t.Run("Bookings", func(t *testing.T) {
		c := e.conversation(0)
		before := e.lastEventID()
		b, err := e.app.CreateBooking(e.asApp, &inbox.Booking{StartAt: time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC),
			EndAt: time.Date(2030, 2, 3, 0, 0, 0, 0, time.UTC)})
		must(t, err)
		_, err = e.app.ConnectBooking(e.asApp, app.ByID(c.ID), b.ID, app.ViewOptions{})
		must(t, err)
		_, err = e.app.UpdateBooking(e.asApp, b.ID, inbox.BookingUpdate{Reference: ptr("R-9")})
		must(t, err)
		_, err = e.app.DisconnectBooking(e.asApp, app.ByID(c.ID), b.ID, app.ViewOptions{})
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asApp),
			ev{typ: inbox.EventBookingCreated, subject: b.ID},
			ev{typ: inbox.EventConversationUpdated, subject: c.ID, changes: map[string][2]any{"bookings": {nil, b.ID}}},
			ev{typ: inbox.EventBookingUpdated, subject: b.ID},
			ev{typ: inbox.EventConversationUpdated, subject: c.ID, changes: map[string][2]any{"bookings": {nil, b.ID}}})
	})
	t.Run("Watchers", func(t *testing.T) {
		c := e.conversation(0)
		before := e.lastEventID()
		_, err := e.app.ChangeWatchers(e.asAdmin, app.ByDisplayID(c.DisplayID), []int64{e.agentHost.ID}, app.WatchersAdd)
		must(t, err)
		pt := e.participant(c.ID, inbox.MemberHost, e.agentHost.ID)
		_, err = e.app.ChangeWatchers(e.asAdmin, app.ByDisplayID(c.DisplayID), []int64{e.agentHost.ID}, app.WatchersRemove)
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asAdmin),
			ev{typ: inbox.EventParticipantCreated, subject: pt.ID},
			ev{typ: inbox.EventParticipantDeleted, subject: pt.ID})
		before = e.lastEventID()
		v, err := e.app.CreateParticipant(e.asApp, app.ParticipantCreate{ConversationID: c.ID, MemberType: inbox.MemberHost,
			MemberID: e.agentHost.ID})
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asApp), ev{typ: inbox.EventParticipantCreated, subject: v.ID})
	})
	t.Run("IncomingMessageReopens", func(t *testing.T) {
		c := e.conversation(0)
		_, err := e.app.UpdateConversation(e.asAdmin, app.ByID(c.ID), app.ConversationChange{Closed: ptr(true)}, app.ViewOptions{})
		must(t, err)
		guest := e.participant(c.ID, inbox.MemberClient, e.client.ID)
		before := e.lastEventID()
		text := "Still there?"
		m, err := e.app.CreateMessage(e.asApp, app.MessageCreate{ConversationID: c.ID, SenderParticipantID: &guest.ID,
			Content: &text})
		must(t, err)
		// The activity line names the system; the events name the caller.
		e.expectEvents(t, before, e.actorOf(e.asApp),
			ev{typ: inbox.EventMessageCreated, subject: m.ID},
			ev{typ: inbox.EventMessageCreated, subject: last(t, e.messages(c.ID, inbox.KindActivity))},
			ev{typ: inbox.EventConversationStatusChanged, subject: c.ID,
				changes: map[string][2]any{"status": {inbox.StatusResolved, inbox.StatusOpen}}})
		before = e.lastEventID()
		_, err = e.app.UpdateMessage(e.asApp, m.ID, app.MessageChange{Content: ptr("Edited")})
		must(t, err)
		_, err = e.app.DeleteMessage(e.asAdmin, app.ByDisplayID(c.DisplayID), m.ID)
		must(t, err)
		got := e.eventsAfter(before)
		if len(got) != 2 || got[0].Type != inbox.EventMessageUpdated || got[1].Type != inbox.EventMessageUpdated ||
			got[0].SubjectID != m.ID || got[1].SubjectID != m.ID || *got[0].ActorID != e.appID || *got[1].ActorID != e.adminHost.ID {
			t.Fatalf("edit and delete events=%+v", got)
		}
	})
	t.Run("RelatedRecords", func(t *testing.T) {
		before := e.lastEventID()
		cl, err := e.app.CreateClient(e.asApp, &inbox.Client{Fullname: "Ines Guest"})
		must(t, err)
		_, err = e.app.UpdateClient(e.asApp, cl.ID, app.ClientChange{ClientUpdate: inbox.ClientUpdate{Fullname: ptr("Ines G.")}})
		must(t, err)
		q, err := e.app.CreateInquiry(e.asApp, &inbox.Inquiry{Firstname: "Ines"})
		must(t, err)
		_, err = e.app.UpdateInquiry(e.asApp, q.ID, inbox.InquiryUpdate{Lastname: ptr("Guest")})
		must(t, err)
		att, err := e.app.CreateAttachment(e.asApp, inbox.FileUpload{Name: "a.txt", Data: []byte("hi")})
		must(t, err)
		_, err = e.app.UpdateAttachment(e.asApp, att.ID, ptr("b.txt"), nil)
		must(t, err)
		e.expectEvents(t, before, e.actorOf(e.asApp),
			ev{typ: inbox.EventClientCreated, subject: cl.ID},
			ev{typ: inbox.EventClientUpdated, subject: cl.ID},
			ev{typ: inbox.EventInquiryCreated, subject: q.ID},
			ev{typ: inbox.EventInquiryUpdated, subject: q.ID},
			ev{typ: inbox.EventAttachmentCreated, subject: att.ID},
			ev{typ: inbox.EventAttachmentUpdated, subject: att.ID})
	})
	t.Run("AdminActsAsTheSystem", func(t *testing.T) {
		before := e.lastEventID()
		cl := &inbox.Client{AccountID: e.account, Fullname: "From the CLI"}
		must(t, e.admin.CreateClient(t.Context(), cl))
		e.expectEvents(t, before, actor{}, ev{typ: inbox.EventClientCreated, subject: cl.ID})
	})
}

// TestReadStateMovesUpdatedAt checks that a read-state change moves the
// conversation's updated_at, so a client syncing with updated_since sees it.
func TestReadStateMovesUpdatedAt(t *testing.T) {
	e := newEnv(t)
	c := e.conversation(0)
	pt := e.participant(c.ID, inbox.MemberClient, e.client.ID)
	since := func(at time.Time) []int64 {
		list, err := app.View(e.asApp, e.app, inbox.ScopeInboxRead, func(l *app.Loader) (*app.ConversationList, error) {
			return l.Conversations(app.ConversationQuery{Filter: inbox.ConversationFilter{UpdatedSince: &at},
				View: app.ViewOptions{Links: true}})
		})
		must(t, err)
		var ids []int64
		for _, v := range list.Items {
			ids = append(ids, v.ID)
		}
		return ids
	}
	for _, step := range []struct {
		name string
		do   func() error
	}{
		{"MarkSeen", func() error {
			_, err := e.app.MarkSeen(e.asAdmin, app.ByID(c.ID), app.ViewOptions{})
			return err
		}},
		{"MarkUnread", func() error {
			_, err := e.app.MarkUnread(e.asAdmin, app.ByID(c.ID), app.ViewOptions{})
			return err
		}},
		{"ParticipantRead", func() error {
			_, err := e.app.UpdateParticipant(e.asApp, pt.ID, ptr(true))
			return err
		}},
		{"ParticipantUnread", func() error {
			_, err := e.app.UpdateParticipant(e.asApp, pt.ID, ptr(false))
			return err
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			at := e.clock.tick()
			if got := since(at); len(got) != 0 {
				t.Fatalf("updated since %v before the change: %v", at, got)
			}
			must(t, step.do())
			if got := since(at); len(got) != 1 || got[0] != c.ID {
				t.Fatalf("updated since %v after the change: %v, want [%d]", at, got, c.ID)
			}
		})
	}
	// And the synced conversation shows the read state BookingSync reads.
	v, err := app.View(e.asApp, e.app, inbox.ScopeInboxRead, func(l *app.Loader) (*app.ConversationView, error) {
		return l.Conversation(app.ByID(c.ID), app.ViewOptions{Links: true})
	})
	must(t, err)
	if v.Stats.HostReadAt != nil || v.Stats.ClientReadAt != nil {
		t.Fatalf("read state=%+v after marking unread, want none read", v.Stats)
	}
}
