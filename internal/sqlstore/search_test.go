package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func TestSearchMessages(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	box1 := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	box2 := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelEmail)
	c1 := inboxtest.MustCreateConversation(t, s, a.ID, box1.ID)
	c2 := inboxtest.MustCreateConversation(t, s, a.ID, box2.ID)
	msg := func(c *inbox.Conversation, kind, content string) *inbox.Message {
		var m *inbox.Message
		mustUpdate(t, s, func(tx inbox.Tx) error { m = mustCreateMessageTx(t, tx, c, kind, content); return nil })
		return m
	}
	once := msg(c1, inbox.KindIncoming, "Where do I leave the keys after checkout? I will write to jane@example.com")
	twice := msg(c2, inbox.KindOutgoing, "Keys: the keys box is left of the door.")
	accent := msg(c1, inbox.KindIncoming, "Merci pour l'accueil, Émile était très gentil")
	activity := msg(c1, inbox.KindActivity, "Ada assigned the keys conversation")
	// Another account says the same things.
	b := inboxtest.MustCreateAccount(t, s)
	bc := inboxtest.MustCreateConversation(t, s, b.ID, inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelAPI).ID)
	mustUpdate(t, s, func(tx inbox.Tx) error {
		mustCreateMessageTx(t, tx, bc, inbox.KindIncoming, "keys keys keys jane@example.com checkout")
		return nil
	})
	_ = activity

	search := func(t *testing.T, f inbox.SearchFilter) []int64 {
		t.Helper()
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Message, error) { return tx.SearchMessages(ctx, a.ID, f) })
		return ids(got, messageID)
	}
	for _, tt := range []struct {
		name string
		f    inbox.SearchFilter
		want []int64
	}{
		// The message saying "keys" twice in fewer words ranks first; the
		// activity line is never a result.
		{"Ranked", inbox.SearchFilter{Query: "keys"}, []int64{twice.ID, once.ID}},
		{"Prefix", inbox.SearchFilter{Query: "chec"}, []int64{once.ID}},
		{"CaseFolded", inbox.SearchFilter{Query: "KEYS DOOR"}, []int64{twice.ID}},
		{"EveryWord", inbox.SearchFilter{Query: "keys checkout"}, []int64{once.ID}},
		// Only the last word matches as a prefix.
		{"WholeWordsButLast", inbox.SearchFilter{Query: "key door"}, []int64{}},
		{"LastWordPrefix", inbox.SearchFilter{Query: "keys do"}, []int64{twice.ID, once.ID}},
		{"EmailAsPhrase", inbox.SearchFilter{Query: "jane@example.com"}, []int64{once.ID}},
		{"EmailWordsOutOfOrder", inbox.SearchFilter{Query: "example@jane"}, []int64{}},
		{"Accents", inbox.SearchFilter{Query: "émile"}, []int64{accent.ID}},
		{"Inboxes", inbox.SearchFilter{Query: "keys", InboxIDs: []int64{box1.ID}}, []int64{once.ID}},
		{"NoInboxes", inbox.SearchFilter{Query: "keys", InboxIDs: []int64{}}, []int64{}},
		{"PageLimit", inbox.SearchFilter{Query: "keys", Page: inbox.Page{Limit: 1}}, []int64{twice.ID}},
		{"PageOffset", inbox.SearchFilter{Query: "keys", Page: inbox.Page{Limit: 1, Offset: 1}}, []int64{once.ID}},
		{"PunctuationOnly", inbox.SearchFilter{Query: `"*:()^-`}, []int64{}},
		{"QuerySyntaxIsText", inbox.SearchFilter{Query: `keys OR NEAR("x") door*`}, []int64{}},
		{"NoMatch", inbox.SearchFilter{Query: "zebra"}, []int64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, search(t, tt.f)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("FollowsWrites", func(t *testing.T) {
		mustChange(t, s, func(tx inbox.Tx) (*inbox.Message, error) {
			return tx.UpdateMessage(ctx, a.ID, once.ID, inbox.MessageUpdate{Content: ptr("This message was deleted")})
		})
		if diff := cmp.Diff([]int64{twice.ID}, search(t, inbox.SearchFilter{Query: "keys"})); diff != "" {
			t.Fatalf("after an edit (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int64{once.ID}, search(t, inbox.SearchFilter{Query: "deleted"})); diff != "" {
			t.Fatalf("new words after an edit (-want +got):\n%s", diff)
		}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteConversation(ctx, a.ID, c2.ID) })
		if got := search(t, inbox.SearchFilter{Query: "keys"}); len(got) != 0 {
			t.Fatalf("after deleting the conversation: %v, want none", got)
		}
	})

	t.Run("RolledBackWritesLeaveNoTrace", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			mustCreateMessageTx(t, tx, c1, inbox.KindIncoming, "ephemeral words")
			return fmt.Errorf("roll back")
		})
		if err == nil {
			t.Fatal("the transaction did not fail")
		}
		if got := search(t, inbox.SearchFilter{Query: "ephemeral"}); len(got) != 0 {
			t.Fatalf("a rolled-back message is found: %v", got)
		}
	})
}

func TestSearchClientsAndConversations(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	box1 := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	box2 := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	mk := func(c *inbox.Client) *inbox.Client {
		c.AccountID = a.ID
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateClient(ctx, c) })
		return c
	}
	jane := mk(&inbox.Client{Fullname: "Jane Booker", Email: "jane.booker@mail.example", Phone: "+1 (555) 123-4567"})
	joe := mk(&inbox.Client{Firstname: "Joe", Lastname: "Smith", Identifier: "crm-42", Email: "joe@booker.example"})
	b := inboxtest.MustCreateAccount(t, s)
	mustUpdate(t, s, func(tx inbox.Tx) error {
		return tx.CreateClient(ctx, &inbox.Client{AccountID: b.ID, Fullname: "Jane Booker", Phone: "15551234567"})
	})

	searchClients := func(t *testing.T, q string) []int64 {
		t.Helper()
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Client, error) {
			return tx.SearchClients(ctx, a.ID, inbox.SearchFilter{Query: q})
		})
		return ids(got, clientID)
	}
	for _, tt := range []struct {
		name, q string
		want    []int64
	}{
		// A name match outranks an e-mail match.
		{"NameBeforeEmail", "booker", []int64{jane.ID, joe.ID}},
		{"FirstAndLastName", "joe smi", []int64{joe.ID}},
		{"Email", "jane.booker@mail", []int64{jane.ID}},
		{"PhoneDigits", "15551234567", []int64{jane.ID}},
		{"PhoneAsWritten", "+1 (555) 123-4567", []int64{jane.ID}},
		{"Identifier", "crm-42", []int64{joe.ID}},
		{"None", "smith jane", []int64{}},
	} {
		t.Run("Clients"+tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, searchClients(t, tt.q)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("ClientsFollowWrites", func(t *testing.T) {
		mustChange(t, s, func(tx inbox.Tx) (*inbox.Client, error) {
			return tx.UpdateClient(ctx, a.ID, joe.ID, inbox.ClientUpdate{Lastname: ptr("Doe")})
		})
		if got := searchClients(t, "smith"); len(got) != 0 {
			t.Fatalf("old name still found: %v", got)
		}
		if diff := cmp.Diff([]int64{joe.ID}, searchClients(t, "joe doe")); diff != "" {
			t.Fatalf("new name (-want +got):\n%s", diff)
		}
	})

	// Conversations: 1 by Jane in box1 mentioning towels, 2 by Joe in box2
	// mentioning towels twice, 3 without a contact whose display id is
	// searched for.
	conv := func(box *inbox.Inbox, client *inbox.Client, kind, content string) *inbox.Conversation {
		c := inboxtest.MustCreateConversation(t, s, a.ID, box.ID)
		mustUpdate(t, s, func(tx inbox.Tx) error {
			if client != nil {
				if err := tx.PatchConversation(ctx, a.ID, c.ID, inbox.ConversationUpdate{ClientID: ptr(&client.ID)}); err != nil {
					return err
				}
			}
			mustCreateMessageTx(t, tx, c, kind, content)
			return nil
		})
		return c
	}
	cj := conv(box1, jane, inbox.KindIncoming, "Are there towels in the flat?")
	cb := conv(box2, joe, inbox.KindOutgoing, "Towels: yes, fresh towels every day")
	cn := conv(box2, nil, inbox.KindActivity, "towels were mentioned by the system")
	searchConvs := func(t *testing.T, f inbox.SearchFilter) []int64 {
		t.Helper()
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Conversation, error) { return tx.SearchConversations(ctx, a.ID, f) })
		return ids(got, conversationID)
	}
	for _, tt := range []struct {
		name string
		f    inbox.SearchFilter
		want []int64
	}{
		// Activity lines do not make a conversation match.
		{"ByMessage", inbox.SearchFilter{Query: "towels"}, []int64{cb.ID, cj.ID}},
		{"ByContact", inbox.SearchFilter{Query: "jane"}, []int64{cj.ID}},
		{"ByContactPhone", inbox.SearchFilter{Query: "555"}, []int64{cj.ID}},
		{"DisplayIDFirst", inbox.SearchFilter{Query: fmt.Sprint(cn.DisplayID)}, []int64{cn.ID}},
		{"Inboxes", inbox.SearchFilter{Query: "towels", InboxIDs: []int64{box1.ID}}, []int64{cj.ID}},
		{"Page", inbox.SearchFilter{Query: "towels", Page: inbox.Page{Limit: 1, Offset: 1}}, []int64{cj.ID}},
		{"None", inbox.SearchFilter{Query: strings.Repeat("z", 10)}, []int64{}},
	} {
		t.Run("Conversations"+tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, searchConvs(t, tt.f)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("ConversationsHaveLabels", func(t *testing.T) {
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetConversationLabels(ctx, a.ID, cj.ID, []string{"towels"}) })
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Conversation, error) {
			return tx.SearchConversations(ctx, a.ID, inbox.SearchFilter{Query: "jane"})
		})
		if len(got) != 1 || len(got[0].Labels) != 1 {
			t.Fatalf("search result %+v, want one conversation with its label", got)
		}
	})
}
