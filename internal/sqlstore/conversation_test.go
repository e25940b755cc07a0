package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

func conversationID(c *inbox.Conversation) int64 { return c.ID }

func TestConversations(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)

	t.Run("OK", func(t *testing.T) {
		setClock(s, t0)
		client := inboxtest.MustCreateClient(t, s, a.ID)
		host := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)
		src := mustCreateSource(t, s, a.ID)
		c := &inbox.Conversation{
			AccountID: a.ID, UUID: "0b4f2a4e-1111-4222-8333-944455556666", InboxID: i.ID, ClientID: &client.ID,
			ContactSourceID: "wa-123", HMACVerified: true, Subject: "Late check-in",
			DefaultChannel: inbox.ChannelAirbnb, Status: inbox.StatusSnoozed, SnoozedUntil: ptr(t0.Add(24 * time.Hour)),
			AssigneeID: &host.ID, SourceID: &src.ID, Priority: "high", Labels: []string{"vip", "billing"},
			CustomAttributes:     inbox.Attributes{"order": "A-1", "amount": 12.5},
			AdditionalAttributes: inbox.Attributes{"browser": map[string]any{"name": "Firefox"}},
			ClosedAt:             ptr(t0.Add(-time.Hour)), MarkedAsSpamAt: ptr(t0.Add(-2 * time.Hour)),
			DeadlineResponseAt: ptr(t0.Add(time.Hour)), LastMessageAt: ptr(t0.Add(-3 * time.Minute)),
			LastActivityAt: t0.Add(-time.Minute), WaitingSince: ptr(t0.Add(-4 * time.Minute)),
			FirstReplyCreatedAt: ptr(t0.Add(-5 * time.Minute)), CreatedByID: ptr(int64(77)),
			CreatedByType: inbox.CreatorApplication,
		}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateConversation(ctx, c) })
		if c.ID == 0 {
			t.Fatalf("ID=%v, want non-zero", c.ID)
		} else if c.DisplayID != 1 {
			t.Fatalf("DisplayID=%v, want %v", c.DisplayID, 1)
		} else if c.CreatedAt != t0 || c.UpdatedAt != t0 {
			t.Fatalf("CreatedAt=%v UpdatedAt=%v, want %v", c.CreatedAt, c.UpdatedAt, t0)
		}
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) { return tx.FindConversationByID(ctx, a.ID, c.ID) })
		if diff := cmp.Diff(c, got); diff != "" {
			t.Fatalf("FindConversationByID mismatch (-want +got):\n%s", diff)
		}
		got = mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) {
			return tx.FindConversationByDisplayID(ctx, a.ID, c.DisplayID)
		})
		if diff := cmp.Diff(c, got); diff != "" {
			t.Fatalf("FindConversationByDisplayID mismatch (-want +got):\n%s", diff)
		}
	})

	// LastActivityAt defaults to the creation time; empty attributes read back
	// as empty maps.
	t.Run("Defaults", func(t *testing.T) {
		setClock(s, t0.Add(time.Hour))
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) { return tx.FindConversationByID(ctx, a.ID, c.ID) })
		if got.LastActivityAt != t0.Add(time.Hour) {
			t.Fatalf("LastActivityAt=%v, want %v", got.LastActivityAt, t0.Add(time.Hour))
		} else if got.CustomAttributes == nil || len(got.CustomAttributes) != 0 {
			t.Fatalf("CustomAttributes=%#v, want empty map", got.CustomAttributes)
		} else if got.ClientID != nil || got.AssigneeID != nil || got.ClosedAt != nil {
			t.Fatalf("ClientID=%v AssigneeID=%v ClosedAt=%v, want nil", got.ClientID, got.AssigneeID, got.ClosedAt)
		} else if len(got.Labels) != 0 {
			t.Fatalf("Labels=%v, want none", got.Labels)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Conversation, error) { return tx.FindConversationByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
		_, err = find(s, func(tx inbox.Tx) (*inbox.Conversation, error) {
			return tx.FindConversationByDisplayID(ctx, a.ID, 1<<40)
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		setClock(s, t0)
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		client := inboxtest.MustCreateClient(t, s, a.ID)
		host := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)
		later := t0.Add(time.Hour)
		setClock(s, later)
		u := inbox.ConversationUpdate{
			Status: ptr(inbox.StatusResolved), SnoozedUntil: ptr(ptr(t0.Add(2 * time.Hour))),
			ClosedAt: ptr(ptr(later)), AssigneeID: ptr(&host.ID), ClientID: ptr(&client.ID),
			DefaultChannel: ptr(inbox.ChannelEmail), Priority: ptr("urgent"), MarkedAsSpamAt: ptr(ptr(later)),
			CustomAttributes: &inbox.Attributes{"k": "v"}, AdditionalAttributes: &inbox.Attributes{"n": 1.0},
			LastMessageAt: ptr(ptr(t0.Add(3 * time.Minute))), LastActivityAt: ptr(t0.Add(4 * time.Minute)),
			WaitingSince: ptr(ptr(t0.Add(5 * time.Minute))), FirstReplyCreatedAt: ptr(ptr(t0.Add(6 * time.Minute))),
		}
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) {
			return tx.UpdateConversation(ctx, a.ID, c.ID, u)
		})
		want := *c
		want.Status, want.SnoozedUntil, want.ClosedAt = inbox.StatusResolved, ptr(t0.Add(2*time.Hour)), ptr(later)
		want.AssigneeID, want.ClientID, want.DefaultChannel = &host.ID, &client.ID, inbox.ChannelEmail
		want.Priority, want.MarkedAsSpamAt = "urgent", ptr(later)
		want.CustomAttributes, want.AdditionalAttributes = inbox.Attributes{"k": "v"}, inbox.Attributes{"n": 1.0}
		want.LastMessageAt, want.LastActivityAt = ptr(t0.Add(3*time.Minute)), t0.Add(4*time.Minute)
		want.WaitingSince, want.FirstReplyCreatedAt = ptr(t0.Add(5*time.Minute)), ptr(t0.Add(6*time.Minute))
		want.UpdatedAt = later
		want.Labels = nil
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Fatalf("UpdateConversation mismatch (-want +got):\n%s", diff)
		}

		// Pointers to nil clear nullable fields.
		got = mustChange(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) {
			return tx.UpdateConversation(ctx, a.ID, c.ID, inbox.ConversationUpdate{
				SnoozedUntil: ptr((*time.Time)(nil)), ClosedAt: ptr((*time.Time)(nil)),
				AssigneeID: ptr((*int64)(nil)), ClientID: ptr((*int64)(nil)), Priority: ptr(""),
				MarkedAsSpamAt: ptr((*time.Time)(nil)), WaitingSince: ptr((*time.Time)(nil)),
			})
		})
		if got.SnoozedUntil != nil || got.ClosedAt != nil || got.AssigneeID != nil || got.ClientID != nil ||
			got.MarkedAsSpamAt != nil || got.WaitingSince != nil || got.Priority != "" {
			t.Fatalf("SnoozedUntil=%v ClosedAt=%v AssigneeID=%v ClientID=%v MarkedAsSpamAt=%v WaitingSince=%v Priority=%q, want all cleared",
				got.SnoozedUntil, got.ClosedAt, got.AssigneeID, got.ClientID, got.MarkedAsSpamAt, got.WaitingSince, got.Priority)
		} else if got.Status != inbox.StatusResolved || got.LastMessageAt == nil {
			t.Fatalf("Status=%v LastMessageAt=%v, want unchanged", got.Status, got.LastMessageAt)
		}
	})

	// An empty update changes nothing, not even updated_at; Touch bumps it.
	t.Run("Touch", func(t *testing.T) {
		setClock(s, t0)
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		setClock(s, t0.Add(time.Minute))
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) {
			return tx.UpdateConversation(ctx, a.ID, c.ID, inbox.ConversationUpdate{})
		})
		if got.UpdatedAt != t0 {
			t.Fatalf("UpdatedAt=%v, want %v", got.UpdatedAt, t0)
		}
		got = mustChange(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) {
			return tx.UpdateConversation(ctx, a.ID, c.ID, inbox.ConversationUpdate{Touch: true})
		})
		if got.UpdatedAt != t0.Add(time.Minute) {
			t.Fatalf("UpdatedAt=%v, want %v", got.UpdatedAt, t0.Add(time.Minute))
		}
	})

	t.Run("ErrUpdateNotFound", func(t *testing.T) {
		for _, u := range []inbox.ConversationUpdate{{}, {Status: ptr(inbox.StatusOpen)}} {
			_, err := change(s, func(tx inbox.Tx) (*inbox.Conversation, error) {
				return tx.UpdateConversation(ctx, a.ID, 1<<40, u)
			})
			wantCode(t, err, inbox.ENOTFOUND)
		}
	})
}

// Display ids are a sequence per account.
func TestConversations_DisplayID(t *testing.T) {
	t.Parallel()

	t.Run("PerAccount", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		a, b := inboxtest.MustCreateAccount(t, s), inboxtest.MustCreateAccount(t, s)
		ia := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
		ib := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelAPI)
		var got []int64
		for range 3 {
			got = append(got, inboxtest.MustCreateConversation(t, s, a.ID, ia.ID).DisplayID)
			got = append(got, inboxtest.MustCreateConversation(t, s, b.ID, ib.ID).DisplayID)
		}
		if want := []int64{1, 1, 2, 2, 3, 3}; !slices.Equal(got, want) {
			t.Fatalf("display ids=%v, want %v", got, want)
		}
		// Each account finds its own number 2.
		for _, acc := range []*inbox.Account{a, b} {
			c := mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) {
				return tx.FindConversationByDisplayID(ctx, acc.ID, 2)
			})
			if c.AccountID != acc.ID || c.DisplayID != 2 {
				t.Fatalf("AccountID=%v DisplayID=%v, want %v 2", c.AccountID, c.DisplayID, acc.ID)
			}
		}
	})

	// Concurrent creators in one account get distinct, gapless numbers.
	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		s := inboxtest.MustOpenStore(t)
		a := inboxtest.MustCreateAccount(t, s)
		i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
		const n = 20
		got := make([]int64, n)
		errs := make([]error, n)
		parallel(n, func(k int) {
			errs[k] = s.Update(ctx, func(tx inbox.Tx) error {
				c := &inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusOpen,
					Labels: []string{"l"}}
				if err := tx.CreateConversation(ctx, c); err != nil {
					return err
				}
				got[k] = c.DisplayID
				return nil
			})
		})
		for k, err := range errs {
			if err != nil {
				t.Fatalf("goroutine %d: Update=%v, want nil", k, err)
			}
		}
		slices.Sort(got)
		for k, id := range got {
			if id != int64(k+1) {
				t.Fatalf("display ids=%v, want 1..%d without duplicates", got, n)
			}
		}
		convs, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Conversation, int, error) {
			return tx.FindConversations(ctx, a.ID, inbox.ConversationFilter{})
		})
		if total != n || len(convs) != n {
			t.Fatalf("total=%v len=%v, want %v", total, len(convs), n)
		}
	})
}

// filterFixture is one account with five conversations that differ in every
// filtered and sorted attribute, and a second account whose conversation would
// match most filters if tenancy leaked.
type filterFixture struct {
	s                  *sqlstore.Store
	a                  *inbox.Account
	inbox1, inbox2     *inbox.Inbox
	host1, host2       *inbox.Host
	client             *inbox.Client
	c1, c2, c3, c4, c5 *inbox.Conversation
}

func newFilterFixture(t *testing.T) *filterFixture {
	t.Helper()
	s := inboxtest.MustOpenStore(t)
	f := &filterFixture{s: s}
	f.a = inboxtest.MustCreateAccount(t, s)
	f.inbox1 = inboxtest.MustCreateInbox(t, s, f.a.ID, inbox.ChannelAPI)
	f.inbox2 = inboxtest.MustCreateInbox(t, s, f.a.ID, inbox.ChannelEmail)
	f.host1 = inboxtest.MustCreateHost(t, s, f.a.ID, inbox.RoleAgent)
	f.host2 = inboxtest.MustCreateHost(t, s, f.a.ID, inbox.RoleAgent)
	f.client = inboxtest.MustCreateClient(t, s, f.a.ID)

	hours := func(h int) *time.Time { return ptr(t0.Add(time.Duration(h) * time.Hour)) }
	type spec struct {
		inbox    *inbox.Inbox
		status   string
		assignee *inbox.Host
		client   *inbox.Client
		labels   []string
		priority string
		activity *time.Time
		waiting  *time.Time
		kind     string
		content  string
		replied  bool
	}
	specs := []spec{
		{f.inbox1, inbox.StatusOpen, f.host1, f.client, []string{"billing", "vip"}, "high", hours(5), hours(1),
			inbox.KindIncoming, "Hello, where is the KEY box?", true},
		{f.inbox1, inbox.StatusResolved, nil, nil, []string{"billing"}, "low", hours(1), nil,
			inbox.KindOutgoing, "thanks", true},
		{f.inbox2, inbox.StatusPending, f.host2, nil, nil, "urgent", hours(3), hours(2),
			inbox.KindIncoming, "Key_box code is 50%", false},
		{f.inbox2, inbox.StatusOpen, nil, nil, []string{"spam"}, "", hours(4), nil,
			inbox.KindActivity, "the key was changed", false},
		{f.inbox1, inbox.StatusSnoozed, f.host1, nil, []string{"vip"}, "medium", hours(2), nil,
			inbox.KindOutgoing, "see you", true},
	}
	convs := make([]*inbox.Conversation, len(specs))
	for k, sp := range specs {
		setClock(s, t0.Add(time.Duration(k)*time.Minute))
		c := &inbox.Conversation{AccountID: f.a.ID, InboxID: sp.inbox.ID, UUID: "u", Status: sp.status,
			Labels: sp.labels, Priority: sp.priority, LastActivityAt: *sp.activity, WaitingSince: sp.waiting}
		if sp.assignee != nil {
			c.AssigneeID = &sp.assignee.ID
		}
		if sp.client != nil {
			c.ClientID = &sp.client.ID
		}
		if sp.replied {
			c.FirstReplyCreatedAt = ptr(t0)
		}
		mustUpdate(t, s, func(tx inbox.Tx) error {
			if err := tx.CreateConversation(ctx, c); err != nil {
				return err
			}
			mustCreateMessageTx(t, tx, c, sp.kind, sp.content)
			return nil
		})
		convs[k] = c
	}
	f.c1, f.c2, f.c3, f.c4, f.c5 = convs[0], convs[1], convs[2], convs[3], convs[4]

	// Another account with a conversation that matches nearly everything.
	b := inboxtest.MustCreateAccount(t, s)
	ib := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelAPI)
	hb := inboxtest.MustCreateHost(t, s, b.ID, inbox.RoleAgent)
	setClock(s, t0.Add(time.Hour))
	mustUpdate(t, s, func(tx inbox.Tx) error {
		c := &inbox.Conversation{AccountID: b.ID, InboxID: ib.ID, UUID: "u", Status: inbox.StatusOpen,
			AssigneeID: &hb.ID, Labels: []string{"billing", "vip", "spam"}, Priority: "urgent",
			WaitingSince: ptr(t0)}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		mustCreateMessageTx(t, tx, c, inbox.KindIncoming, "key key KEY")
		return nil
	})
	return f
}

// mustCreateMessageTx stores a message of kind in c, sent by a new participant
// that fits the kind (none for activity messages).
func mustCreateMessageTx(tb testing.TB, tx inbox.Tx, c *inbox.Conversation, kind, content string) *inbox.Message {
	tb.Helper()
	m := &inbox.Message{AccountID: c.AccountID, ConversationID: c.ID, Kind: kind, Content: content, HasContent: true,
		ContentType: "text", Visibility: inbox.VisibilityExternal, Status: inbox.DeliverySent}
	if kind != inbox.KindActivity {
		p := &inbox.Participant{AccountID: c.AccountID, ConversationID: c.ID, MemberType: inbox.MemberClient, MemberID: 1}
		if kind == inbox.KindOutgoing {
			p.MemberType = inbox.MemberHost
		}
		if err := tx.CreateParticipant(ctx, p); err != nil {
			tb.Fatalf("CreateParticipant: %v", err)
		}
		m.SenderID = &p.ID
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		tb.Fatalf("CreateMessage: %v", err)
	}
	return m
}

func TestConversations_Filter(t *testing.T) {
	t.Parallel()
	f := newFilterFixture(t)
	c1, c2, c3, c4, c5 := f.c1.ID, f.c2.ID, f.c3.ID, f.c4.ID, f.c5.ID

	for _, tt := range []struct {
		name      string
		f         inbox.ConversationFilter
		want      []int64
		wantTotal int
	}{
		{"All", inbox.ConversationFilter{}, []int64{c1, c2, c3, c4, c5}, 5},
		{"IDs", inbox.ConversationFilter{IDs: []int64{c4, c2}}, []int64{c2, c4}, 2},
		{"DisplayIDs", inbox.ConversationFilter{DisplayIDs: []int64{f.c3.DisplayID}}, []int64{c3}, 1},
		{"Status", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen}}, []int64{c1, c4}, 2},
		{"Statuses", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen, inbox.StatusPending}}, []int64{c1, c3, c4}, 3},
		{"InboxID", inbox.ConversationFilter{InboxID: &f.inbox2.ID}, []int64{c3, c4}, 2},
		{"InboxIDs", inbox.ConversationFilter{InboxIDs: []int64{f.inbox1.ID}}, []int64{c1, c2, c5}, 3},
		// An agent who is a member of no inbox sees nothing.
		{"InboxIDsEmpty", inbox.ConversationFilter{InboxIDs: []int64{}}, []int64{}, 0},
		{"AssigneeID", inbox.ConversationFilter{AssigneeID: &f.host1.ID}, []int64{c1, c5}, 2},
		{"Assigned", inbox.ConversationFilter{Assigned: ptr(true)}, []int64{c1, c3, c5}, 3},
		{"Unassigned", inbox.ConversationFilter{Assigned: ptr(false)}, []int64{c2, c4}, 2},
		{"Label", inbox.ConversationFilter{Labels: []string{"vip"}}, []int64{c1, c5}, 2},
		{"LabelsAnyOf", inbox.ConversationFilter{Labels: []string{"spam", "billing"}}, []int64{c1, c2, c4}, 3},
		{"LabelUnknown", inbox.ConversationFilter{Labels: []string{"nope"}}, []int64{}, 0},
		{"ClientID", inbox.ConversationFilter{ClientID: &f.client.ID}, []int64{c1}, 1},
		{"UpdatedSince", inbox.ConversationFilter{UpdatedSince: ptr(t0.Add(3 * time.Minute))}, []int64{c4, c5}, 2},
		// Unattended: no first reply yet, or waiting again.
		{"Unattended", inbox.ConversationFilter{Unattended: true}, []int64{c1, c3, c4}, 3},
		// Substring of a message, case-insensitive; activity lines do not count.
		{"Query", inbox.ConversationFilter{Query: "key"}, []int64{c1, c3}, 2},
		{"QueryUpper", inbox.ConversationFilter{Query: "THANKS"}, []int64{c2}, 1},
		// LIKE wildcards in the query are literal characters.
		// Full text: words match words that start with them, a word written
		// with punctuation inside is those words in a row, and every word
		// of the query must occur.
		{"QueryPrefix", inbox.ConversationFilter{Query: "thank"}, []int64{c2}, 1},
		{"QueryJoinedWords", inbox.ConversationFilter{Query: "key_bo"}, []int64{c1, c3}, 2},
		{"QueryJoinedWordsOrder", inbox.ConversationFilter{Query: "box-key"}, []int64{}, 0},
		{"QueryAllWords", inbox.ConversationFilter{Query: "key code"}, []int64{c3}, 1},
		{"QueryPunctuationOnly", inbox.ConversationFilter{Query: "%_"}, []int64{}, 0},
		{"QueryNoMatch", inbox.ConversationFilter{Query: "zzz"}, []int64{}, 0},
		{"Combined", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen}, Labels: []string{"billing"},
			InboxID: &f.inbox1.ID, Assigned: ptr(true)}, []int64{c1}, 1},

		{"SortLastActivityDesc", inbox.ConversationFilter{Sort: inbox.SortLastActivityDesc}, []int64{c1, c4, c3, c5, c2}, 5},
		{"SortLastActivityAsc", inbox.ConversationFilter{Sort: inbox.SortLastActivityAsc}, []int64{c2, c5, c3, c4, c1}, 5},
		{"SortCreatedAtAsc", inbox.ConversationFilter{Sort: inbox.SortCreatedAtAsc}, []int64{c1, c2, c3, c4, c5}, 5},
		{"SortCreatedAtDesc", inbox.ConversationFilter{Sort: inbox.SortCreatedAtDesc}, []int64{c5, c4, c3, c2, c1}, 5},
		// Priority: no priority last, ties by newest activity.
		{"SortPriorityDesc", inbox.ConversationFilter{Sort: inbox.SortPriorityDesc}, []int64{c3, c1, c5, c2, c4}, 5},
		{"SortPriorityAsc", inbox.ConversationFilter{Sort: inbox.SortPriorityAsc}, []int64{c2, c5, c1, c3, c4}, 5},
		// Waiting since: not waiting last, in both directions.
		{"SortWaitingSinceAsc", inbox.ConversationFilter{Sort: inbox.SortWaitingSinceAsc}, []int64{c1, c3, c2, c4, c5}, 5},
		{"SortWaitingSinceDesc", inbox.ConversationFilter{Sort: inbox.SortWaitingSinceDesc}, []int64{c3, c1, c5, c4, c2}, 5},

		{"Limit", inbox.ConversationFilter{Page: inbox.Page{Limit: 2}}, []int64{c1, c2}, 5},
		// A first page with room to spare holds every match: its length is
		// the total (no COUNT runs); a page filled to its limit counts.
		{"LimitExact", inbox.ConversationFilter{Page: inbox.Page{Limit: 5}}, []int64{c1, c2, c3, c4, c5}, 5},
		{"LimitAbove", inbox.ConversationFilter{Page: inbox.Page{Limit: 6}}, []int64{c1, c2, c3, c4, c5}, 5},
		{"LimitAboveFiltered", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen}, Page: inbox.Page{Limit: 3}}, []int64{c1, c4}, 2},
		{"LimitExactSorted", inbox.ConversationFilter{Sort: inbox.SortCreatedAtDesc, Page: inbox.Page{Limit: 2}}, []int64{c5, c4}, 5},
		{"Offset", inbox.ConversationFilter{Page: inbox.Page{Limit: 2, Offset: 2}}, []int64{c3, c4}, 5},
		{"LastPage", inbox.ConversationFilter{Page: inbox.Page{Limit: 2, Offset: 4}}, []int64{c5}, 5},
		{"PastTheEnd", inbox.ConversationFilter{Page: inbox.Page{Limit: 2, Offset: 6}}, []int64{}, 5},
		{"PastTheEndFiltered", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen}, Page: inbox.Page{Offset: 2}}, []int64{}, 2},
		{"SortedPage", inbox.ConversationFilter{Sort: inbox.SortLastActivityDesc, Page: inbox.Page{Limit: 2, Offset: 2}}, []int64{c3, c5}, 5},
		// AfterID is a keyset cursor: the total counts what lies after it.
		{"AfterID", inbox.ConversationFilter{Page: inbox.Page{AfterID: c2, Limit: 2}}, []int64{c3, c4}, 3},
		{"AfterIDIgnoresOffset", inbox.ConversationFilter{Page: inbox.Page{AfterID: c3, Offset: 1}}, []int64{c4, c5}, 2},
		{"AfterIDFiltered", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen}, Page: inbox.Page{AfterID: c1}}, []int64{c4}, 1},
		{"AfterIDPastTheEnd", inbox.ConversationFilter{Page: inbox.Page{AfterID: c5}}, []int64{}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, total := mustList(t, f.s, func(tx inbox.Tx) ([]*inbox.Conversation, int, error) {
				return tx.FindConversations(ctx, f.a.ID, tt.f)
			})
			if diff := cmp.Diff(tt.want, ids(got, conversationID)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			} else if total != tt.wantTotal {
				t.Fatalf("total=%v, want %v", total, tt.wantTotal)
			}
		})
	}

	// Listed conversations carry their labels.
	t.Run("Labels", func(t *testing.T) {
		got, _ := mustList(t, f.s, func(tx inbox.Tx) ([]*inbox.Conversation, int, error) {
			return tx.FindConversations(ctx, f.a.ID, inbox.ConversationFilter{IDs: []int64{c1, c3}})
		})
		if len(got) != 2 {
			t.Fatalf("len=%v, want 2", len(got))
		} else if want := []string{"billing", "vip"}; !slices.Equal(got[0].Labels, want) {
			t.Fatalf("Labels=%v, want %v", got[0].Labels, want)
		} else if len(got[1].Labels) != 0 {
			t.Fatalf("Labels=%v, want none", got[1].Labels)
		}
	})
}

func TestConversations_Count(t *testing.T) {
	t.Parallel()
	f := newFilterFixture(t)

	for _, tt := range []struct {
		name string
		f    inbox.ConversationFilter
		mine int64
		want inbox.ConversationCounts
	}{
		{"All", inbox.ConversationFilter{}, f.host1.ID, inbox.ConversationCounts{Mine: 2, Unassigned: 2, All: 5}},
		{"OtherHost", inbox.ConversationFilter{}, f.host2.ID, inbox.ConversationCounts{Mine: 1, Unassigned: 2, All: 5}},
		{"NoHost", inbox.ConversationFilter{}, 0, inbox.ConversationCounts{Mine: 0, Unassigned: 2, All: 5}},
		{"Status", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen}}, f.host1.ID,
			inbox.ConversationCounts{Mine: 1, Unassigned: 1, All: 2}},
		// Assignee fields of the filter are ignored.
		{"IgnoresAssignee", inbox.ConversationFilter{Statuses: []string{inbox.StatusOpen}, AssigneeID: &f.host2.ID,
			Assigned: ptr(true)}, f.host1.ID, inbox.ConversationCounts{Mine: 1, Unassigned: 1, All: 2}},
		{"Labels", inbox.ConversationFilter{Labels: []string{"vip"}}, f.host1.ID, inbox.ConversationCounts{Mine: 2, All: 2}},
		{"Query", inbox.ConversationFilter{Query: "KEY"}, f.host2.ID, inbox.ConversationCounts{Mine: 1, All: 2}},
		{"None", inbox.ConversationFilter{InboxIDs: []int64{}}, f.host1.ID, inbox.ConversationCounts{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := mustFind(t, f.s, func(tx inbox.Tx) (inbox.ConversationCounts, error) {
				return tx.CountConversations(ctx, f.a.ID, tt.f, tt.mine)
			})
			if got != tt.want {
				t.Fatalf("counts=%+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestConversations_Labels(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	labels := func(t *testing.T, id int64) []string {
		t.Helper()
		return mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) { return tx.FindConversationByID(ctx, a.ID, id) }).Labels
	}

	// Order is kept and duplicates dropped, on create and on replace.
	t.Run("OrderAndDedupe", func(t *testing.T) {
		c := &inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusOpen,
			Labels: []string{"zeta", "alpha", "zeta", "mid"}}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateConversation(ctx, c) })
		if got, want := labels(t, c.ID), []string{"zeta", "alpha", "mid"}; !slices.Equal(got, want) {
			t.Fatalf("Labels=%v, want %v", got, want)
		}
		mustUpdate(t, s, func(tx inbox.Tx) error {
			return tx.SetConversationLabels(ctx, a.ID, c.ID, []string{"mid", "b", "mid", "a", "b"})
		})
		if got, want := labels(t, c.ID), []string{"mid", "b", "a"}; !slices.Equal(got, want) {
			t.Fatalf("Labels=%v, want %v", got, want)
		}
	})

	t.Run("Clear", func(t *testing.T) {
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetConversationLabels(ctx, a.ID, c.ID, []string{"x"}) })
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetConversationLabels(ctx, a.ID, c.ID, nil) })
		if got := labels(t, c.ID); len(got) != 0 {
			t.Fatalf("Labels=%v, want none", got)
		}
	})

	// Labels are case-sensitive and may contain anything.
	t.Run("Distinct", func(t *testing.T) {
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		in := []string{"VIP", "vip", "late check-in", "é"}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetConversationLabels(ctx, a.ID, c.ID, in) })
		if got := labels(t, c.ID); !slices.Equal(got, in) {
			t.Fatalf("Labels=%v, want %v", got, in)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error { return tx.SetConversationLabels(ctx, a.ID, 1<<40, []string{"x"}) })
		wantCode(t, err, inbox.ENOTFOUND)
	})
}

func TestConversations_Bookings(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	c1 := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	c2 := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	b1, b2 := mustCreateBooking(t, s, a.ID), mustCreateBooking(t, s, a.ID)
	links := func(t *testing.T, id int64) []int64 {
		t.Helper()
		m := mustFind(t, s, func(tx inbox.Tx) (map[int64]*inbox.ConversationLinks, error) {
			return tx.FindConversationLinks(ctx, a.ID, []int64{id})
		})
		return m[id].BookingIDs
	}

	// Connecting twice and disconnecting twice are no-ops.
	t.Run("Idempotent", func(t *testing.T) {
		mustUpdate(t, s, func(tx inbox.Tx) error {
			for _, b := range []int64{b2.ID, b1.ID, b2.ID} {
				if err := tx.ConnectBooking(ctx, a.ID, c1.ID, b); err != nil {
					return err
				}
			}
			return nil
		})
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.ConnectBooking(ctx, a.ID, c1.ID, b1.ID) })
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.ConnectBooking(ctx, a.ID, c2.ID, b1.ID) })
		if got, want := links(t, c1.ID), []int64{b1.ID, b2.ID}; !slices.Equal(got, want) {
			t.Fatalf("BookingIDs=%v, want %v", got, want)
		}
		byBooking := mustFind(t, s, func(tx inbox.Tx) (map[int64][]int64, error) {
			return tx.FindBookingConversationIDs(ctx, a.ID, []int64{b1.ID, b2.ID, 1 << 40})
		})
		if diff := cmp.Diff(map[int64][]int64{b1.ID: {c1.ID, c2.ID}, b2.ID: {c1.ID}}, byBooking); diff != "" {
			t.Fatalf("FindBookingConversationIDs mismatch (-want +got):\n%s", diff)
		}

		for range 2 {
			mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DisconnectBooking(ctx, a.ID, c1.ID, b1.ID) })
		}
		if got, want := links(t, c1.ID), []int64{b2.ID}; !slices.Equal(got, want) {
			t.Fatalf("BookingIDs=%v, want %v", got, want)
		}
		if got, want := links(t, c2.ID), []int64{b1.ID}; !slices.Equal(got, want) {
			t.Fatalf("BookingIDs=%v, want %v", got, want)
		}
	})

	t.Run("NoBookings", func(t *testing.T) {
		got := mustFind(t, s, func(tx inbox.Tx) (map[int64][]int64, error) { return tx.FindBookingConversationIDs(ctx, a.ID, nil) })
		if len(got) != 0 {
			t.Fatalf("FindBookingConversationIDs=%v, want empty", got)
		}
	})
}

func TestConversations_Links(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	empty := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	booking := mustCreateBooking(t, s, a.ID)
	q := mustCreateInquiry(t, s, a.ID)

	var m1, m2, m3 *inbox.Message
	mustUpdate(t, s, func(tx inbox.Tx) error {
		m1 = mustCreateMessageTx(t, tx, c, inbox.KindIncoming, "hi")
		m2 = mustCreateMessageTx(t, tx, c, inbox.KindActivity, "assigned")
		m3 = mustCreateMessageTx(t, tx, c, inbox.KindOutgoing, "hello")
		if err := tx.ConnectBooking(ctx, a.ID, c.ID, booking.ID); err != nil {
			return err
		}
		_, err := tx.UpdateInquiry(ctx, a.ID, q.ID, inbox.InquiryUpdate{ConversationID: ptr(&c.ID)})
		return err
	})
	_ = m2

	got := mustFind(t, s, func(tx inbox.Tx) (map[int64]*inbox.ConversationLinks, error) {
		return tx.FindConversationLinks(ctx, a.ID, []int64{c.ID, empty.ID, 1 << 40})
	})
	want := map[int64]*inbox.ConversationLinks{
		c.ID: {BookingIDs: []int64{booking.ID}, InquiryIDs: []int64{q.ID}, MessageIDs: []int64{m1.ID, m3.ID},
			ParticipantIDs: []int64{*m1.SenderID, *m3.SenderID}},
		empty.ID: {BookingIDs: []int64{}, InquiryIDs: []int64{}, MessageIDs: []int64{}, ParticipantIDs: []int64{}},
		1 << 40:  {BookingIDs: []int64{}, InquiryIDs: []int64{}, MessageIDs: []int64{}, ParticipantIDs: []int64{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("FindConversationLinks mismatch (-want +got):\n%s", diff)
	}

	t.Run("NoIDs", func(t *testing.T) {
		got := mustFind(t, s, func(tx inbox.Tx) (map[int64]*inbox.ConversationLinks, error) {
			return tx.FindConversationLinks(ctx, a.ID, nil)
		})
		if len(got) != 0 {
			t.Fatalf("FindConversationLinks=%v, want empty", got)
		}
	})
}

func TestConversations_Stats(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	h1 := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)
	h2 := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)
	client := inboxtest.MustCreateClient(t, s, a.ID)

	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	// incoming stores n incoming messages from sender, one per minute from minute start.
	incoming := func(t *testing.T, c *inbox.Conversation, sender *inbox.Participant, start, n int) {
		t.Helper()
		for k := range n {
			setClock(s, at(start+k))
			mustUpdate(t, s, func(tx inbox.Tx) error {
				return tx.CreateMessage(ctx, &inbox.Message{AccountID: a.ID, ConversationID: c.ID, SenderID: &sender.ID,
					Kind: inbox.KindIncoming, Content: "m", HasContent: true, ContentType: "text",
					Visibility: inbox.VisibilityExternal, Status: inbox.DeliverySent})
			})
		}
	}
	participant := func(t *testing.T, c *inbox.Conversation, typ string, member int64, readAt *time.Time) *inbox.Participant {
		t.Helper()
		p := &inbox.Participant{AccountID: a.ID, ConversationID: c.ID, MemberType: typ, MemberID: member, ReadAt: readAt}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateParticipant(ctx, p) })
		return p
	}
	stats := func(t *testing.T, ids ...int64) map[int64]*inbox.ConversationStats {
		t.Helper()
		return mustFind(t, s, func(tx inbox.Tx) (map[int64]*inbox.ConversationStats, error) {
			return tx.FindConversationStats(ctx, a.ID, ids)
		})
	}

	// Read state per member type, the assignee's own read time, and the
	// unread counter (uncapped: read models cap it, in internal/app).
	t.Run("OK", func(t *testing.T) {
		setClock(s, t0)
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		mustChange(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) {
			return tx.UpdateConversation(ctx, a.ID, c.ID, inbox.ConversationUpdate{AssigneeID: ptr(&h1.ID)})
		})
		pc := participant(t, c, inbox.MemberClient, client.ID, ptr(at(30)))
		participant(t, c, inbox.MemberHost, h1.ID, ptr(at(5)))
		participant(t, c, inbox.MemberHost, h2.ID, ptr(at(10)))
		incoming(t, c, pc, 1, 4)   // minutes 1-4: before every host read
		incoming(t, c, pc, 11, 12) // minutes 11-22: after the newest host read

		got := stats(t, c.ID)[c.ID]
		want := &inbox.ConversationStats{ClientReadAt: ptr(at(30)), HostReadAt: ptr(at(10)), AssigneeReadAt: ptr(at(5)),
			UnreadCount: 12, LastIncomingAt: ptr(at(22))}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FindConversationStats mismatch (-want +got):\n%s", diff)
		}

		// Reading up to minute 19 leaves three unread.
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetHostReadAt(ctx, a.ID, c.ID, ptr(at(19))) })
		got = stats(t, c.ID)[c.ID]
		if got.UnreadCount != 3 {
			t.Fatalf("UnreadCount=%v, want %v", got.UnreadCount, 3)
		} else if *got.HostReadAt != at(19) || *got.AssigneeReadAt != at(19) {
			t.Fatalf("HostReadAt=%v AssigneeReadAt=%v, want %v", got.HostReadAt, got.AssigneeReadAt, at(19))
		} else if *got.ClientReadAt != at(30) {
			t.Fatalf("ClientReadAt=%v, want %v (SetHostReadAt touched a client)", got.ClientReadAt, at(30))
		}

		// Reading exactly the newest message leaves none.
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetHostReadAt(ctx, a.ID, c.ID, ptr(at(22))) })
		if got := stats(t, c.ID)[c.ID]; got.UnreadCount != 0 {
			t.Fatalf("UnreadCount=%v, want %v", got.UnreadCount, 0)
		}

		// Clearing the read time makes every incoming message unread again.
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetHostReadAt(ctx, a.ID, c.ID, nil) })
		if got := stats(t, c.ID)[c.ID]; got.UnreadCount != 16 || got.HostReadAt != nil {
			t.Fatalf("UnreadCount=%v HostReadAt=%v, want 16 nil", got.UnreadCount, got.HostReadAt)
		}
	})

	// Never read by a host: every incoming message is unread.
	t.Run("NeverRead", func(t *testing.T) {
		setClock(s, t0)
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		pc := participant(t, c, inbox.MemberClient, client.ID, nil)
		incoming(t, c, pc, 1, 3)
		mustUpdate(t, s, func(tx inbox.Tx) error {
			mustCreateMessageTx(t, tx, c, inbox.KindOutgoing, "reply") // outgoing messages are never unread
			return nil
		})
		got := stats(t, c.ID)[c.ID]
		want := &inbox.ConversationStats{UnreadCount: 3, LastIncomingAt: ptr(at(3))}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FindConversationStats mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		got := stats(t, c.ID, 1<<40)
		if diff := cmp.Diff(map[int64]*inbox.ConversationStats{c.ID: {}, 1 << 40: {}}, got); diff != "" {
			t.Fatalf("FindConversationStats mismatch (-want +got):\n%s", diff)
		}
		if got := stats(t); len(got) != 0 {
			t.Fatalf("FindConversationStats()=%v, want empty", got)
		}
	})
}

// Deleting a conversation removes what hangs off it and leaves tombstones.
func TestConversations_Delete(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	keep := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	setClock(s, t0)
	c := &inbox.Conversation{AccountID: a.ID, InboxID: i.ID, UUID: "u", Status: inbox.StatusOpen, Labels: []string{"x"}}
	booking := mustCreateBooking(t, s, a.ID)
	q := mustCreateInquiry(t, s, a.ID)
	att := &inbox.Attachment{AccountID: a.ID, Name: "a.png", FileKey: "k", FileSize: 1, ContentType: "image/png"}
	// shared is also shown by a message of another conversation.
	shared := &inbox.Attachment{AccountID: a.ID, Name: "b.png", FileKey: "k", FileSize: 1, ContentType: "image/png"}
	var msgs []*inbox.Message
	var keepMsg *inbox.Message
	mustUpdate(t, s, func(tx inbox.Tx) error {
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		if err := tx.CreateAttachment(ctx, att); err != nil {
			return err
		}
		if err := tx.CreateAttachment(ctx, shared); err != nil {
			return err
		}
		for _, kind := range []string{inbox.KindIncoming, inbox.KindActivity, inbox.KindOutgoing} {
			msgs = append(msgs, mustCreateMessageTx(t, tx, c, kind, "text"))
		}
		if _, err := tx.UpdateMessage(ctx, a.ID, msgs[0].ID, inbox.MessageUpdate{AttachmentIDs: &[]int64{att.ID, shared.ID}}); err != nil {
			return err
		}
		if err := tx.ConnectBooking(ctx, a.ID, c.ID, booking.ID); err != nil {
			return err
		}
		if _, err := tx.UpdateInquiry(ctx, a.ID, q.ID, inbox.InquiryUpdate{ConversationID: ptr(&c.ID)}); err != nil {
			return err
		}
		keepMsg = mustCreateMessageTx(t, tx, keep, inbox.KindIncoming, "stay")
		_, err := tx.UpdateMessage(ctx, a.ID, keepMsg.ID, inbox.MessageUpdate{AttachmentIDs: &[]int64{shared.ID}})
		return err
	})

	deletedAt := t0.Add(time.Hour)
	setClock(s, deletedAt)
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteConversation(ctx, a.ID, c.ID) })

	t.Run("Gone", func(t *testing.T) {
		err := s.View(ctx, func(tx inbox.Tx) error {
			if _, err := tx.FindConversationByID(ctx, a.ID, c.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Errorf("FindConversationByID=%v, want %v", err, inbox.ENOTFOUND)
			}
			for _, m := range msgs {
				if _, err := tx.FindMessageByID(ctx, a.ID, m.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
					t.Errorf("FindMessageByID(%d)=%v, want %v", m.ID, err, inbox.ENOTFOUND)
				}
			}
			for _, m := range []*inbox.Message{msgs[0], msgs[2]} {
				if _, err := tx.FindParticipantByID(ctx, a.ID, *m.SenderID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
					t.Errorf("FindParticipantByID(%d)=%v, want %v", *m.SenderID, err, inbox.ENOTFOUND)
				}
			}
			// The attachment only its messages showed is gone; the one
			// another conversation's message shows stays, linked to it.
			if _, err := tx.FindAttachmentByID(ctx, a.ID, att.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Errorf("FindAttachmentByID(deleted)=%v, want %v", err, inbox.ENOTFOUND)
			}
			if got, _, err := tx.FindAttachments(ctx, a.ID, inbox.AttachmentFilter{Page: inbox.Page{Limit: 10}}); err != nil {
				t.Error(err)
			} else if len(got) != 1 || got[0].ID != shared.ID {
				t.Errorf("FindAttachments=%d records, want only the shared one", len(got))
			}
			if got, err := tx.FindAttachmentByID(ctx, a.ID, shared.ID); err != nil {
				t.Errorf("FindAttachmentByID(shared)=%v, want nil", err)
			} else if len(got.MessageIDs) != 1 || got.MessageIDs[0] != keepMsg.ID {
				t.Errorf("MessageIDs=%v, want [%d]", got.MessageIDs, keepMsg.ID)
			}
			if got, err := tx.FindInquiryByID(ctx, a.ID, q.ID); err != nil {
				t.Errorf("FindInquiryByID=%v, want nil", err)
			} else if got.ConversationID != nil {
				t.Errorf("ConversationID=%v, want nil", *got.ConversationID)
			}
			if got, err := tx.FindBookingConversationIDs(ctx, a.ID, []int64{booking.ID}); err != nil {
				t.Errorf("FindBookingConversationIDs=%v, want nil", err)
			} else if len(got[booking.ID]) != 0 {
				t.Errorf("conversations of booking=%v, want none", got[booking.ID])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("OthersKept", func(t *testing.T) {
		mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) { return tx.FindConversationByID(ctx, a.ID, keep.ID) })
		mustFind(t, s, func(tx inbox.Tx) (*inbox.Message, error) { return tx.FindMessageByID(ctx, a.ID, keepMsg.ID) })
	})

	t.Run("Tombstones", func(t *testing.T) {
		for _, tt := range []struct {
			resource string
			since    time.Time
			want     []int64
		}{
			{inbox.ResourceConversations, deletedAt, []int64{c.ID}},
			{inbox.ResourceMessages, deletedAt, []int64{msgs[0].ID, msgs[1].ID, msgs[2].ID}},
			{inbox.ResourceParticipants, t0, []int64{*msgs[0].SenderID, *msgs[2].SenderID}},
			{inbox.ResourceConversations, deletedAt.Add(time.Microsecond), []int64{}},
		} {
			got := mustFind(t, s, func(tx inbox.Tx) ([]int64, error) { return tx.FindDeletedIDs(ctx, a.ID, tt.resource, tt.since) })
			if !slices.Equal(got, tt.want) {
				t.Fatalf("FindDeletedIDs(%s, %v)=%v, want %v", tt.resource, tt.since, got, tt.want)
			}
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteConversation(ctx, a.ID, c.ID) })
		wantCode(t, err, inbox.ENOTFOUND)
	})
}

// A listing asked not to count returns its page with a total of 0, and the
// same page as a counted listing.
func TestConversations_SkipTotal(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	box := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	for i := 0; i < 3; i++ {
		inboxtest.MustCreateConversation(t, s, a.ID, box.ID)
	}
	err := s.View(ctx, func(tx inbox.Tx) error {
		counted, total, err := tx.FindConversations(ctx, a.ID, inbox.ConversationFilter{Page: inbox.Page{Limit: 2}})
		if err != nil {
			return err
		} else if total != 3 || len(counted) != 2 {
			t.Fatalf("counted: total=%v len=%v, want 3 and 2", total, len(counted))
		}
		skipped, total, err := tx.FindConversations(ctx, a.ID, inbox.ConversationFilter{Page: inbox.Page{Limit: 2, SkipTotal: true}})
		if err != nil {
			return err
		} else if total != 0 || len(skipped) != 2 || skipped[0].ID != counted[0].ID || skipped[1].ID != counted[1].ID {
			t.Fatalf("skipped: total=%v ids=%v, want 0 and the counted page", total, len(skipped))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
