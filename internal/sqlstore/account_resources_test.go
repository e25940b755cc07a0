package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func clientID(c *inbox.Client) int64 { return c.ID }

func TestContactInboxes(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	box := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	other := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelEmail)
	c1, c2 := inboxtest.MustCreateClient(t, s, a.ID), inboxtest.MustCreateClient(t, s, a.ID)
	setClock(s, t0)

	ci := &inbox.ContactInbox{AccountID: a.ID, ClientID: c1.ID, InboxID: box.ID, SourceID: "src-1", HMACVerified: true}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateContactInbox(ctx, ci) })
	mustUpdate(t, s, func(tx inbox.Tx) error {
		return tx.CreateContactInbox(ctx, &inbox.ContactInbox{AccountID: a.ID, ClientID: c1.ID, InboxID: other.ID,
			SourceID: "src-1"})
	})

	t.Run("OK", func(t *testing.T) {
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.ContactInbox, error) {
			return tx.FindContactInboxes(ctx, a.ID, inbox.ContactInboxFilter{InboxID: &box.ID, SourceID: "src-1"})
		})
		if diff := cmp.Diff([]*inbox.ContactInbox{ci}, got); diff != "" {
			t.Fatalf("FindContactInboxes mismatch (-want +got):\n%s", diff)
		}
		got = mustFind(t, s, func(tx inbox.Tx) ([]*inbox.ContactInbox, error) {
			return tx.FindContactInboxes(ctx, a.ID, inbox.ContactInboxFilter{ClientIDs: []int64{c1.ID, c2.ID}})
		})
		if len(got) != 2 || got[0].InboxID != box.ID || got[1].InboxID != other.ID {
			t.Fatalf("contact inboxes of c1 = %+v, want both inboxes in creation order", got)
		}
	})

	t.Run("ErrSourceTaken", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateContactInbox(ctx, &inbox.ContactInbox{AccountID: a.ID, ClientID: c2.ID, InboxID: box.ID,
				SourceID: "src-1"})
		})
		wantCode(t, err, inbox.ECONFLICT)
	})

	t.Run("OtherAccount", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.ContactInbox, error) {
			return tx.FindContactInboxes(ctx, b.ID, inbox.ContactInboxFilter{SourceID: "src-1"})
		})
		if len(got) != 0 {
			t.Fatalf("account B sees %d of A's contact inboxes", len(got))
		}
	})
}

func TestLabels(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	box := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	setClock(s, t0)

	l := &inbox.Label{AccountID: a.ID, Title: "vip", Description: "Very important", Color: "#ff0000", ShowOnSidebar: true}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateLabel(ctx, l) })

	t.Run("OK", func(t *testing.T) {
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Label, error) { return tx.FindLabelByID(ctx, a.ID, l.ID) })
		if diff := cmp.Diff(l, got); diff != "" {
			t.Fatalf("FindLabelByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrTitleTaken", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateLabel(ctx, &inbox.Label{AccountID: a.ID, Title: "vip", Color: inbox.DefaultLabelColor})
		})
		wantCode(t, err, inbox.ECONFLICT)
	})

	t.Run("ListByTitle", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		for _, title := range []string{"zeta", "alpha", "mid"} {
			mustUpdate(t, s, func(tx inbox.Tx) error {
				return tx.CreateLabel(ctx, &inbox.Label{AccountID: b.ID, Title: title, Color: inbox.DefaultLabelColor})
			})
		}
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Label, error) { return tx.FindLabels(ctx, b.ID) })
		var titles []string
		for _, x := range got {
			titles = append(titles, x.Title)
		}
		if diff := cmp.Diff([]string{"alpha", "mid", "zeta"}, titles); diff != "" {
			t.Fatalf("titles mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("RenameCarriesConversations", func(t *testing.T) {
		old := &inbox.Label{AccountID: a.ID, Title: "late", Color: inbox.DefaultLabelColor}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateLabel(ctx, old) })
		only := inboxtest.MustCreateConversation(t, s, a.ID, box.ID)
		both := inboxtest.MustCreateConversation(t, s, a.ID, box.ID)
		mustUpdate(t, s, func(tx inbox.Tx) error {
			if err := tx.SetConversationLabels(ctx, a.ID, only.ID, []string{"late", "x"}); err != nil {
				return err
			}
			return tx.SetConversationLabels(ctx, a.ID, both.ID, []string{"late", "checkout"})
		})
		setClock(s, t0.Add(time.Hour))
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Label, error) {
			return tx.UpdateLabel(ctx, a.ID, old.ID, inbox.LabelUpdate{Title: ptr("checkout"), Color: ptr("#000")})
		})
		if got.Title != "checkout" || got.Color != "#000" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("label=%+v, want title checkout, color #000, updated at %v", got, t0.Add(time.Hour))
		}
		for _, tt := range []struct {
			c    *inbox.Conversation
			want []string
		}{{only, []string{"checkout", "x"}}, {both, []string{"checkout"}}} {
			c := mustFind(t, s, func(tx inbox.Tx) (*inbox.Conversation, error) { return tx.FindConversationByID(ctx, a.ID, tt.c.ID) })
			if diff := cmp.Diff(tt.want, c.Labels); diff != "" {
				t.Fatalf("labels of %d mismatch (-want +got):\n%s", c.ID, diff)
			} else if !c.UpdatedAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("UpdatedAt=%v, want %v (the rename changed it)", c.UpdatedAt, t0.Add(time.Hour))
			}
		}
		// The title is taken by the renamed label now.
		_, err := change(s, func(tx inbox.Tx) (*inbox.Label, error) {
			return tx.UpdateLabel(ctx, a.ID, l.ID, inbox.LabelUpdate{Title: ptr("checkout")})
		})
		wantCode(t, err, inbox.ECONFLICT)
	})

	t.Run("Delete", func(t *testing.T) {
		d := &inbox.Label{AccountID: a.ID, Title: "gone", Color: inbox.DefaultLabelColor}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateLabel(ctx, d) })
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteLabel(ctx, a.ID, d.ID) })
		_, err := find(s, func(tx inbox.Tx) (*inbox.Label, error) { return tx.FindLabelByID(ctx, a.ID, d.ID) })
		wantCode(t, err, inbox.ENOTFOUND)
		wantCode(t, s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteLabel(ctx, a.ID, d.ID) }), inbox.ENOTFOUND)
	})
}

func TestCannedResponses(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)
	var all []*inbox.CannedResponse
	for _, c := range [][2]string{{"wifi", "The wifi password is on the fridge."}, {"checkout", "Checkout is at 11."},
		{"late_checkout", "Late checkout costs 20 EUR."}, {"keys", "The 100% safe key box: code 4_2."}} {
		cr := &inbox.CannedResponse{AccountID: a.ID, ShortCode: c[0], Content: c[1]}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateCannedResponse(ctx, cr) })
		all = append(all, cr)
	}
	crID := func(c *inbox.CannedResponse) int64 { return c.ID }

	t.Run("OK", func(t *testing.T) {
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.CannedResponse, error) {
			return tx.FindCannedResponseByID(ctx, a.ID, all[0].ID)
		})
		if diff := cmp.Diff(all[0], got); diff != "" {
			t.Fatalf("FindCannedResponseByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrShortCodeTaken", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateCannedResponse(ctx, &inbox.CannedResponse{AccountID: a.ID, ShortCode: "wifi", Content: "x"})
		})
		wantCode(t, err, inbox.ECONFLICT)
	})

	for _, tt := range []struct {
		name   string
		search string
		want   []int64
	}{
		{"All", "", ids(all, crID)},
		// Short codes starting with the search come first, then other
		// matches of the short code or the content.
		{"PrefixFirst", "CHECK", []int64{all[1].ID, all[2].ID}},
		{"Content", "fridge", []int64{all[0].ID}},
		{"Wildcards", "100%", []int64{all[3].ID}},
		{"Underscore", "4_2", []int64{all[3].ID}},
		{"None", "zzz", []int64{}},
	} {
		t.Run("Search"+tt.name, func(t *testing.T) {
			got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.CannedResponse, error) {
				return tx.FindCannedResponses(ctx, a.ID, inbox.CannedResponseFilter{Search: tt.search})
			})
			if diff := cmp.Diff(tt.want, ids(got, crID)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("UpdateDelete", func(t *testing.T) {
		setClock(s, t0.Add(time.Hour))
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.CannedResponse, error) {
			return tx.UpdateCannedResponse(ctx, a.ID, all[0].ID, inbox.CannedResponseUpdate{Content: ptr("Ask us.")})
		})
		if got.Content != "Ask us." || got.ShortCode != "wifi" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("canned response=%+v, want content changed only", got)
		}
		_, err := change(s, func(tx inbox.Tx) (*inbox.CannedResponse, error) {
			return tx.UpdateCannedResponse(ctx, a.ID, all[0].ID, inbox.CannedResponseUpdate{ShortCode: ptr("keys")})
		})
		wantCode(t, err, inbox.ECONFLICT)
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteCannedResponse(ctx, a.ID, all[0].ID) })
		wantCode(t, s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteCannedResponse(ctx, a.ID, all[0].ID) }), inbox.ENOTFOUND)
	})
}

func TestHosts_RolesAndRemoval(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	box := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	setClock(s, t0)
	h := &inbox.Host{AccountID: a.ID, Firstname: "Zoe", Lastname: "Zed", Email: "Zoe@Example.com", Role: inbox.RoleAgent,
		Availability: "online", AutoOffline: true}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateHost(ctx, h) })
	other := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAdministrator)
	conv := inboxtest.MustCreateConversation(t, s, a.ID, box.ID)
	token := &inbox.AccessToken{AccountID: a.ID, Kind: inbox.TokenPersonal, HostID: &h.ID, TokenHash: []byte("removal")}
	mustUpdate(t, s, func(tx inbox.Tx) error {
		if err := tx.AddInboxMember(ctx, a.ID, box.ID, h.ID); err != nil {
			return err
		} else if err := tx.AddInboxMember(ctx, a.ID, box.ID, other.ID); err != nil {
			return err
		} else if err := tx.CreateAccessToken(ctx, token); err != nil {
			return err
		}
		return tx.PatchConversation(ctx, a.ID, conv.ID, inbox.ConversationUpdate{AssigneeID: ptr(&h.ID)})
	})

	t.Run("UpdateRole", func(t *testing.T) {
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Host, error) {
			return tx.UpdateHost(ctx, a.ID, h.ID, inbox.HostUpdate{Role: ptr(inbox.RoleAdministrator), Availability: ptr("busy"),
				AutoOffline: ptr(false)})
		})
		if got.Role != inbox.RoleAdministrator || got.Availability != "busy" || got.AutoOffline {
			t.Fatalf("host=%+v, want administrator, busy, not auto offline", got)
		}
	})

	t.Run("ByName", func(t *testing.T) {
		got, _ := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Host, int, error) {
			return tx.FindHosts(ctx, a.ID, inbox.HostFilter{Sort: "name"})
		})
		if len(got) != 2 || got[0].ID != other.ID || got[1].ID != h.ID {
			t.Fatalf("hosts by name = %v, want Host… before Zoe", ids(got, func(h *inbox.Host) int64 { return h.ID }))
		}
	})

	t.Run("Delete", func(t *testing.T) {
		setClock(s, t0.Add(time.Hour))
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteHost(ctx, a.ID, h.ID) })
		err := s.View(ctx, func(tx inbox.Tx) error {
			got, err := tx.FindHostByID(ctx, a.ID, h.ID)
			if err != nil {
				return err
			} else if got.DeletedAt == nil || !got.DeletedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("DeletedAt=%v, want %v", got.DeletedAt, t0.Add(time.Hour))
			}
			listed, _, err := tx.FindHosts(ctx, a.ID, inbox.HostFilter{})
			if err != nil {
				return err
			} else if len(listed) != 1 || listed[0].ID != other.ID {
				t.Errorf("hosts listed after the removal: %v, want only %d", ids(listed, func(h *inbox.Host) int64 { return h.ID }), other.ID)
			}
			members, err := tx.FindInboxMemberIDs(ctx, a.ID, box.ID)
			if err != nil {
				return err
			} else if diff := cmp.Diff([]int64{other.ID}, members); diff != "" {
				t.Errorf("inbox members mismatch (-want +got):\n%s", diff)
			}
			tok, err := tx.FindAccessTokenByHash(ctx, token.TokenHash)
			if err != nil {
				return err
			} else if tok.RevokedAt == nil {
				t.Errorf("the removed host's token is not revoked")
			}
			c, err := tx.FindConversationByID(ctx, a.ID, conv.ID)
			if err != nil {
				return err
			} else if c.AssigneeID != nil || !c.UpdatedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("conversation assignee=%v updated_at=%v, want unassigned at %v", c.AssigneeID, c.UpdatedAt, t0.Add(time.Hour))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A removed host can be neither changed nor removed again.
		_, err = change(s, func(tx inbox.Tx) (*inbox.Host, error) {
			return tx.UpdateHost(ctx, a.ID, h.ID, inbox.HostUpdate{Firstname: ptr("X")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
		wantCode(t, s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteHost(ctx, a.ID, h.ID) }), inbox.ENOTFOUND)
		// Its e-mail is free for a new host.
		_, err = find(s, func(tx inbox.Tx) (*inbox.Host, error) { return tx.FindHostByEmail(ctx, a.ID, "zoe@example.com") })
		wantCode(t, err, inbox.ENOTFOUND)
		mustUpdate(t, s, func(tx inbox.Tx) error {
			return tx.CreateHost(ctx, &inbox.Host{AccountID: a.ID, Firstname: "Zoe", Lastname: "Again", Email: "ZOE@example.com",
				Role: inbox.RoleAgent, Availability: "online"})
		})
	})
}

func TestInboxes_UpdateAndMembers(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)
	box := &inbox.Inbox{AccountID: a.ID, Name: "API", Channel: inbox.ChannelAPI, WebhookURL: "https://example.com/hook"}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateInbox(ctx, box) })
	h1, h2 := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent), inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)

	got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Inbox, error) { return tx.FindInboxByID(ctx, a.ID, box.ID) })
	if diff := cmp.Diff(box, got); diff != "" {
		t.Fatalf("FindInboxByID mismatch (-want +got):\n%s", diff)
	}
	setClock(s, t0.Add(time.Hour))
	got = mustChange(t, s, func(tx inbox.Tx) (*inbox.Inbox, error) {
		return tx.UpdateInbox(ctx, a.ID, box.ID, inbox.InboxUpdate{Name: ptr("Website"), WebhookURL: ptr("")})
	})
	if got.Name != "Website" || got.WebhookURL != "" || got.Channel != inbox.ChannelAPI || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("inbox=%+v, want renamed, without webhook", got)
	}
	mustUpdate(t, s, func(tx inbox.Tx) error {
		for _, h := range []*inbox.Host{h2, h1} {
			if err := tx.AddInboxMember(ctx, a.ID, box.ID, h.ID); err != nil {
				return err
			}
		}
		return tx.RemoveInboxMember(ctx, a.ID, box.ID, h2.ID)
	})
	members := mustFind(t, s, func(tx inbox.Tx) ([]int64, error) { return tx.FindInboxMemberIDs(ctx, a.ID, box.ID) })
	if diff := cmp.Diff([]int64{h1.ID}, members); diff != "" {
		t.Fatalf("members mismatch (-want +got):\n%s", diff)
	}
	_, err := change(s, func(tx inbox.Tx) (*inbox.Inbox, error) {
		return tx.UpdateInbox(ctx, a.ID, 1<<40, inbox.InboxUpdate{Name: ptr("X")})
	})
	wantCode(t, err, inbox.ENOTFOUND)
}

func TestClients_FilterSortDelete(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	box := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	mk := func(at time.Time, c *inbox.Client) *inbox.Client {
		setClock(s, at)
		c.AccountID = a.ID
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateClient(ctx, c) })
		return c
	}
	ann := mk(t0, &inbox.Client{Fullname: "Ann Lee", Email: "ann@example.com", Company: "Acme",
		AdditionalAttributes: inbox.Attributes{"city": "Lyon", "country_code": "FR"}, LastActivityAt: ptr(t0.Add(3 * time.Hour))})
	bob := mk(t0.Add(time.Minute), &inbox.Client{Firstname: "bob", Lastname: "Stone", Phone: "+1 (555) 123-4567",
		Blocked: true, LastActivityAt: ptr(t0.Add(time.Hour))})
	cid := mk(t0.Add(2*time.Minute), &inbox.Client{Fullname: "Cid 100%", Identifier: "crm_7"})
	nameless := mk(t0.Add(3*time.Minute), &inbox.Client{Fullname: "No Contact"})
	_ = inboxtest.MustCreateClient(t, s, inboxtest.MustCreateAccount(t, s).ID) // another account's

	cond := func(attr, op string, values ...string) inbox.ConversationCondition {
		return inbox.ConversationCondition{Attribute: attr, Operator: op, Values: values}
	}
	for _, tt := range []struct {
		name string
		f    inbox.ClientFilter
		want []int64
	}{
		{"Resolved", inbox.ClientFilter{Resolved: true}, []int64{ann.ID, bob.ID, cid.ID}},
		{"Identifier", inbox.ClientFilter{Identifier: "crm_7"}, []int64{cid.ID}},
		{"IdentifierExact", inbox.ClientFilter{Identifier: "CRM_7"}, []int64{}},
		{"QueryName", inbox.ClientFilter{Query: "STONE"}, []int64{bob.ID}},
		{"QueryEmail", inbox.ClientFilter{Query: "@example"}, []int64{ann.ID}},
		{"QueryPhone", inbox.ClientFilter{Query: "(555) 123"}, []int64{bob.ID}},
		{"QueryIdentifier", inbox.ClientFilter{Query: "m_7"}, []int64{cid.ID}},
		{"QueryWildcard", inbox.ClientFilter{Query: "0%"}, []int64{cid.ID}},
		{"SortName", inbox.ClientFilter{Sort: "name"}, []int64{ann.ID, bob.ID, cid.ID, nameless.ID}},
		{"SortNameDesc", inbox.ClientFilter{Sort: "-name"}, []int64{nameless.ID, cid.ID, bob.ID, ann.ID}},
		// Empty values sort last in both directions.
		{"SortEmail", inbox.ClientFilter{Sort: "email"}, []int64{ann.ID, bob.ID, cid.ID, nameless.ID}},
		{"SortLastActivityDesc", inbox.ClientFilter{Sort: "-last_activity_at"}, []int64{ann.ID, bob.ID, nameless.ID, cid.ID}},
		{"SortCity", inbox.ClientFilter{Sort: "-city"}, []int64{ann.ID, nameless.ID, cid.ID, bob.ID}},
		{"CondNameContains", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("name", "contains", "ON")}},
			[]int64{bob.ID, nameless.ID}},
		{"CondNameEqualIgnoresCase", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("name", "equal_to", "BOB STONE")}},
			[]int64{bob.ID}},
		{"CondPhoneStartsWith", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("phone_number", "starts_with", "+1 (")}},
			[]int64{bob.ID}},
		{"CondCity", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("city", "equal_to", "lyon")}}, []int64{ann.ID}},
		{"CondCountryNot", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("country_code", "not_equal_to", "fr")}},
			[]int64{bob.ID, cid.ID, nameless.ID}},
		{"CondCompany", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("company", "does_not_contain", "acm")}},
			[]int64{bob.ID, cid.ID, nameless.ID}},
		{"CondBlocked", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("blocked", "equal_to", "true")}}, []int64{bob.ID}},
		{"CondNotBlocked", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("blocked", "not_equal_to", "true")}},
			[]int64{ann.ID, cid.ID, nameless.ID}},
		{"CondLabels", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{cond("labels", "is_present")}}, []int64{}},
		{"CondCreatedAt", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{{Attribute: "created_at",
			Operator: "is_greater_than", Time: t0.Add(90 * time.Second)}}}, []int64{cid.ID, nameless.ID}},
		{"CondLastActivityOr", inbox.ClientFilter{Conditions: []inbox.ConversationCondition{
			{Attribute: "last_activity_at", Operator: "is_less_than", Time: t0.Add(2 * time.Hour)},
			{Attribute: "identifier", Operator: "equal_to", Values: []string{"CRM_7"}, Or: true}}}, []int64{bob.ID, cid.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Client, int, error) { return tx.FindClients(ctx, a.ID, tt.f) })
			if diff := cmp.Diff(tt.want, ids(got, clientID)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			} else if total != len(tt.want) {
				t.Fatalf("total=%d, want %d", total, len(tt.want))
			}
		})
	}

	t.Run("UpdateAttributes", func(t *testing.T) {
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Client, error) {
			return tx.UpdateClient(ctx, a.ID, cid.ID, inbox.ClientUpdate{Identifier: ptr("crm_8"),
				AdditionalAttributes: &inbox.Attributes{"city": "Oslo"}, CustomAttributes: &inbox.Attributes{"tier": "gold"}})
		})
		if got.Identifier != "crm_8" || got.AdditionalAttributes["city"] != "Oslo" || got.CustomAttributes["tier"] != "gold" {
			t.Fatalf("client=%+v, want identifier and both attribute objects replaced", got)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		setClock(s, t0.Add(time.Hour))
		conv := inboxtest.MustCreateConversation(t, s, a.ID, box.ID)
		booking := mustCreateBooking(t, s, a.ID)
		mustUpdate(t, s, func(tx inbox.Tx) error {
			if err := tx.PatchConversation(ctx, a.ID, conv.ID, inbox.ConversationUpdate{ClientID: ptr(&ann.ID)}); err != nil {
				return err
			} else if _, err := tx.UpdateBooking(ctx, a.ID, booking.ID, inbox.BookingUpdate{ClientID: ptr(&ann.ID)}); err != nil {
				return err
			}
			mustCreateMessageTx(t, tx, conv, inbox.KindIncoming, "bye")
			return tx.CreateContactInbox(ctx, &inbox.ContactInbox{AccountID: a.ID, ClientID: ann.ID, InboxID: box.ID, SourceID: "ann"})
		})
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteClient(ctx, a.ID, ann.ID) })
		err := s.View(ctx, func(tx inbox.Tx) error {
			if _, err := tx.FindClientByID(ctx, a.ID, ann.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Errorf("client after delete: err=%v, want not found", err)
			}
			if _, err := tx.FindConversationByID(ctx, a.ID, conv.ID); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Errorf("the client's conversation after delete: err=%v, want not found", err)
			}
			if b, err := tx.FindBookingByID(ctx, a.ID, booking.ID); err != nil || b.ClientID != nil {
				t.Errorf("booking client=%v err=%v, want unlinked", b.ClientID, err)
			}
			if cis, err := tx.FindContactInboxes(ctx, a.ID, inbox.ContactInboxFilter{SourceID: "ann"}); err != nil || len(cis) != 0 {
				t.Errorf("contact inboxes=%v err=%v, want none", cis, err)
			}
			deleted, err := tx.FindDeletedIDs(ctx, a.ID, inbox.ResourceClients, t0)
			if err != nil {
				return err
			} else if diff := cmp.Diff([]int64{ann.ID}, deleted); diff != "" {
				t.Errorf("deleted clients mismatch (-want +got):\n%s", diff)
			}
			deleted, err = tx.FindDeletedIDs(ctx, a.ID, inbox.ResourceConversations, t0)
			if err != nil {
				return err
			} else if diff := cmp.Diff([]int64{conv.ID}, deleted); diff != "" {
				t.Errorf("deleted conversations mismatch (-want +got):\n%s", diff)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteClient(ctx, a.ID, ann.ID) }), inbox.ENOTFOUND)
	})
}
