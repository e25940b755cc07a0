package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func messageID(m *inbox.Message) int64 { return m.ID }

func TestParticipants(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	host := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)
	client := inboxtest.MustCreateClient(t, s, a.ID)
	setClock(s, t0)

	var pc, ph *inbox.Participant
	t.Run("OK", func(t *testing.T) {
		pc = &inbox.Participant{AccountID: a.ID, ConversationID: c.ID, MemberType: inbox.MemberClient,
			MemberID: client.ID, ReadAt: ptr(t0.Add(-time.Hour)), LastMessageSentAt: ptr(t0.Add(-2 * time.Hour))}
		ph = &inbox.Participant{AccountID: a.ID, ConversationID: c.ID, MemberType: inbox.MemberHost, MemberID: host.ID}
		mustUpdate(t, s, func(tx inbox.Tx) error {
			if err := tx.CreateParticipant(ctx, pc); err != nil {
				return err
			}
			return tx.CreateParticipant(ctx, ph)
		})
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Participant, error) { return tx.FindParticipantByID(ctx, a.ID, pc.ID) })
		if diff := cmp.Diff(pc, got); diff != "" {
			t.Fatalf("FindParticipantByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Participant, error) { return tx.FindParticipantByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			f    inbox.ParticipantFilter
			want []int64
		}{
			{"Conversation", inbox.ParticipantFilter{ConversationID: &c.ID}, []int64{pc.ID, ph.ID}},
			{"MemberType", inbox.ParticipantFilter{MemberType: inbox.MemberHost}, []int64{ph.ID}},
			{"Member", inbox.ParticipantFilter{MemberType: inbox.MemberClient, MemberID: &client.ID}, []int64{pc.ID}},
			{"IDs", inbox.ParticipantFilter{IDs: []int64{ph.ID}}, []int64{ph.ID}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Participant, int, error) {
					return tx.FindParticipants(ctx, a.ID, tt.f)
				})
				if diff := cmp.Diff(tt.want, ids(got, func(p *inbox.Participant) int64 { return p.ID })); diff != "" {
					t.Fatalf("ids mismatch (-want +got):\n%s", diff)
				} else if total != len(tt.want) {
					t.Fatalf("total=%v, want %v", total, len(tt.want))
				}
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		setClock(s, t0.Add(time.Minute))
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Participant, error) {
			return tx.UpdateParticipant(ctx, a.ID, pc.ID, inbox.ParticipantUpdate{ReadAt: ptr((*time.Time)(nil)),
				LastMessageSentAt: ptr(ptr(t0))})
		})
		if got.ReadAt != nil {
			t.Fatalf("ReadAt=%v, want nil", got.ReadAt)
		} else if got.LastMessageSentAt == nil || *got.LastMessageSentAt != t0 {
			t.Fatalf("LastMessageSentAt=%v, want %v", got.LastMessageSentAt, t0)
		} else if got.UpdatedAt != t0.Add(time.Minute) {
			t.Fatalf("UpdatedAt=%v, want %v", got.UpdatedAt, t0.Add(time.Minute))
		}
		_, err := change(s, func(tx inbox.Tx) (*inbox.Participant, error) {
			return tx.UpdateParticipant(ctx, a.ID, 1<<40, inbox.ParticipantUpdate{ReadAt: ptr(ptr(t0))})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	// SetHostReadAt touches the host participants of that conversation only.
	t.Run("SetHostReadAt", func(t *testing.T) {
		other := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		po := &inbox.Participant{AccountID: a.ID, ConversationID: other.ID, MemberType: inbox.MemberHost, MemberID: host.ID}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateParticipant(ctx, po) })
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.SetHostReadAt(ctx, a.ID, c.ID, ptr(t0.Add(time.Hour))) })
		err := s.View(ctx, func(tx inbox.Tx) error {
			for _, tt := range []struct {
				p    *inbox.Participant
				want *time.Time
			}{{ph, ptr(t0.Add(time.Hour))}, {pc, nil}, {po, nil}} {
				got, err := tx.FindParticipantByID(ctx, a.ID, tt.p.ID)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(tt.want, got.ReadAt); diff != "" {
					t.Errorf("participant %d ReadAt mismatch (-want +got):\n%s", tt.p.ID, diff)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		p := &inbox.Participant{AccountID: a.ID, ConversationID: c.ID, MemberType: inbox.MemberHost, MemberID: host.ID}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateParticipant(ctx, p) })
		setClock(s, t0.Add(2*time.Hour))
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteParticipant(ctx, a.ID, p.ID) })
		_, err := find(s, func(tx inbox.Tx) (*inbox.Participant, error) { return tx.FindParticipantByID(ctx, a.ID, p.ID) })
		wantCode(t, err, inbox.ENOTFOUND)
		got := mustFind(t, s, func(tx inbox.Tx) ([]int64, error) {
			return tx.FindDeletedIDs(ctx, a.ID, inbox.ResourceParticipants, t0.Add(2*time.Hour))
		})
		if want := []int64{p.ID}; !slices.Equal(got, want) {
			t.Fatalf("FindDeletedIDs=%v, want %v", got, want)
		}
	})

	t.Run("ErrDeleteNotFound", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteParticipant(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	// A participant who sent a message stays.
	t.Run("ErrDeleteSender", func(t *testing.T) {
		var m *inbox.Message
		mustUpdate(t, s, func(tx inbox.Tx) error { m = mustCreateMessageTx(t, tx, c, inbox.KindIncoming, "hi"); return nil })
		err := s.Update(ctx, func(tx inbox.Tx) error { return tx.DeleteParticipant(ctx, a.ID, *m.SenderID) })
		wantCode(t, err, inbox.ECONFLICT)
		mustFind(t, s, func(tx inbox.Tx) (*inbox.Participant, error) { return tx.FindParticipantByID(ctx, a.ID, *m.SenderID) })
	})
}

func TestMessages(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	setClock(s, t0)
	p := &inbox.Participant{AccountID: a.ID, ConversationID: c.ID, MemberType: inbox.MemberHost, MemberID: 1}
	mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateParticipant(ctx, p) })
	a1, a2 := mustCreateAttachment(t, s, a.ID), mustCreateAttachment(t, s, a.ID)

	t.Run("OK", func(t *testing.T) {
		m := &inbox.Message{AccountID: a.ID, ConversationID: c.ID, SenderID: &p.ID, Kind: inbox.KindOutgoing,
			Content: "Hello 👋", HasContent: true, ContentType: "input_select",
			ContentAttributes:    inbox.Attributes{"items": []any{map[string]any{"title": "A", "value": "a"}}},
			AdditionalAttributes: inbox.Attributes{"campaign": 3.0}, Origin: "airbnb_message",
			Channel: inbox.ChannelAirbnb, Visibility: inbox.VisibilityAll, Status: inbox.DeliveryDelivered,
			SourceID: "src-1", EchoID: "echo-1", SentAt: ptr(t0.Add(-time.Second)),
			// Duplicates are dropped; order is kept.
			AttachmentIDs: []int64{a2.ID, a1.ID, a2.ID},
			CreatedByID:   ptr(int64(5)), CreatedByType: inbox.CreatorUser}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateMessage(ctx, m) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Message, error) { return tx.FindMessageByID(ctx, a.ID, m.ID) })
		want := *m
		want.AttachmentIDs = []int64{a2.ID, a1.ID}
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Fatalf("FindMessageByID mismatch (-want +got):\n%s", diff)
		}
		att := mustFind(t, s, func(tx inbox.Tx) (*inbox.Attachment, error) { return tx.FindAttachmentByID(ctx, a.ID, a2.ID) })
		if want := []int64{m.ID}; !slices.Equal(att.MessageIDs, want) {
			t.Fatalf("MessageIDs=%v, want %v", att.MessageIDs, want)
		}
	})

	// A message without content (attachment only) keeps a null content.
	t.Run("NoContent", func(t *testing.T) {
		m := &inbox.Message{AccountID: a.ID, ConversationID: c.ID, SenderID: &p.ID, Kind: inbox.KindOutgoing,
			ContentType: "text", Visibility: inbox.VisibilityExternal, Status: inbox.DeliverySent,
			AttachmentIDs: []int64{a1.ID}}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateMessage(ctx, m) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Message, error) { return tx.FindMessageByID(ctx, a.ID, m.ID) })
		if got.HasContent || got.Content != "" {
			t.Fatalf("HasContent=%v Content=%q, want false empty", got.HasContent, got.Content)
		}
		// An empty string is content.
		got = mustChange(t, s, func(tx inbox.Tx) (*inbox.Message, error) {
			return tx.UpdateMessage(ctx, a.ID, m.ID, inbox.MessageUpdate{Content: ptr(""), HasContent: ptr(true)})
		})
		if !got.HasContent || got.Content != "" {
			t.Fatalf("HasContent=%v Content=%q, want true empty", got.HasContent, got.Content)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Message, error) { return tx.FindMessageByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		var m *inbox.Message
		mustUpdate(t, s, func(tx inbox.Tx) error { m = mustCreateMessageTx(t, tx, c, inbox.KindIncoming, "draft"); return nil })
		setClock(s, t0.Add(time.Minute))
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Message, error) {
			return tx.UpdateMessage(ctx, a.ID, m.ID, inbox.MessageUpdate{Content: ptr("final"), Status: ptr(inbox.DeliveryRead),
				Visibility: ptr(inbox.VisibilityInternal), ContentAttributes: &inbox.Attributes{"deleted": true},
				SentAt: ptr(ptr(t0)), AttachmentIDs: &[]int64{a1.ID, a2.ID}})
		})
		if got.Content != "final" || got.Status != inbox.DeliveryRead || got.Visibility != inbox.VisibilityInternal {
			t.Fatalf("Content=%v Status=%v Visibility=%v, want final read internal", got.Content, got.Status, got.Visibility)
		} else if diff := cmp.Diff(inbox.Attributes{"deleted": true}, got.ContentAttributes); diff != "" {
			t.Fatalf("ContentAttributes mismatch (-want +got):\n%s", diff)
		} else if got.SentAt == nil || *got.SentAt != t0 || got.UpdatedAt != t0.Add(time.Minute) {
			t.Fatalf("SentAt=%v UpdatedAt=%v, want %v %v", got.SentAt, got.UpdatedAt, t0, t0.Add(time.Minute))
		} else if want := []int64{a1.ID, a2.ID}; !slices.Equal(got.AttachmentIDs, want) {
			t.Fatalf("AttachmentIDs=%v, want %v", got.AttachmentIDs, want)
		}

		// The attachment list is replaced, and can be emptied; content can be nulled.
		got = mustChange(t, s, func(tx inbox.Tx) (*inbox.Message, error) {
			return tx.UpdateMessage(ctx, a.ID, m.ID, inbox.MessageUpdate{HasContent: ptr(false), AttachmentIDs: &[]int64{}})
		})
		if got.HasContent || len(got.AttachmentIDs) != 0 {
			t.Fatalf("HasContent=%v AttachmentIDs=%v, want false none", got.HasContent, got.AttachmentIDs)
		}
		_, err := change(s, func(tx inbox.Tx) (*inbox.Message, error) {
			return tx.UpdateMessage(ctx, a.ID, 1<<40, inbox.MessageUpdate{Content: ptr("x")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})
}

func TestMessages_List(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	other := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	att := mustCreateAttachment(t, s, a.ID)
	setClock(s, t0)

	// m[0..5]: incoming, activity, outgoing (private), incoming, outgoing, incoming.
	var m []*inbox.Message
	var o *inbox.Message
	mustUpdate(t, s, func(tx inbox.Tx) error {
		for k, kind := range []string{inbox.KindIncoming, inbox.KindActivity, inbox.KindOutgoing, inbox.KindIncoming,
			inbox.KindOutgoing, inbox.KindIncoming} {
			m = append(m, mustCreateMessageTx(t, tx, c, kind, "text"))
			if k == 1 {
				o = mustCreateMessageTx(t, tx, other, inbox.KindIncoming, "elsewhere")
			}
		}
		_, err := tx.UpdateMessage(ctx, a.ID, m[2].ID, inbox.MessageUpdate{Visibility: ptr(inbox.VisibilityInternal),
			AttachmentIDs: &[]int64{att.ID}})
		return err
	})
	id := func(ks ...int) []int64 {
		out := []int64{}
		for _, k := range ks {
			out = append(out, m[k].ID)
		}
		return out
	}

	for _, tt := range []struct {
		name      string
		f         inbox.MessageFilter
		want      []int64
		wantTotal int
	}{
		{"Conversation", inbox.MessageFilter{ConversationID: &c.ID}, id(0, 1, 2, 3, 4, 5), 6},
		{"Account", inbox.MessageFilter{}, []int64{m[0].ID, m[1].ID, o.ID, m[2].ID, m[3].ID, m[4].ID, m[5].ID}, 7},
		{"IDs", inbox.MessageFilter{IDs: []int64{m[4].ID, o.ID}}, []int64{o.ID, m[4].ID}, 2},
		{"ExcludeActivity", inbox.MessageFilter{ConversationID: &c.ID, ExcludeActivity: true}, id(0, 2, 3, 4, 5), 5},
		{"ExcludePrivate", inbox.MessageFilter{ConversationID: &c.ID, ExcludePrivate: true}, id(0, 1, 3, 4, 5), 5},
		{"BeforeID", inbox.MessageFilter{ConversationID: &c.ID, BeforeID: m[3].ID}, id(0, 1, 2), 3},
		{"AfterID", inbox.MessageFilter{ConversationID: &c.ID, AfterID: m[3].ID}, id(4, 5), 2},
		{"AfterAndBefore", inbox.MessageFilter{ConversationID: &c.ID, AfterID: m[0].ID, BeforeID: m[4].ID}, id(1, 2, 3), 3},
		// Newest: the last Limit matches, still in ascending order.
		{"Newest", inbox.MessageFilter{ConversationID: &c.ID, Newest: true, Page: inbox.Page{Limit: 2}}, id(4, 5), 6},
		{"NewestBefore", inbox.MessageFilter{ConversationID: &c.ID, Newest: true, BeforeID: m[4].ID, Page: inbox.Page{Limit: 3}}, id(1, 2, 3), 4},
		{"NewestAll", inbox.MessageFilter{ConversationID: &c.ID, Newest: true}, id(0, 1, 2, 3, 4, 5), 6},
		{"Limit", inbox.MessageFilter{ConversationID: &c.ID, Page: inbox.Page{Limit: 2}}, id(0, 1), 6},
		{"Offset", inbox.MessageFilter{ConversationID: &c.ID, Page: inbox.Page{Limit: 2, Offset: 4}}, id(4, 5), 6},
		{"PastTheEnd", inbox.MessageFilter{ConversationID: &c.ID, Page: inbox.Page{Offset: 6}}, []int64{}, 6},
		{"None", inbox.MessageFilter{ConversationID: &c.ID, AfterID: m[5].ID}, []int64{}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Message, int, error) { return tx.FindMessages(ctx, a.ID, tt.f) })
			if diff := cmp.Diff(tt.want, ids(got, messageID)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			} else if total != tt.wantTotal {
				t.Fatalf("total=%v, want %v", total, tt.wantTotal)
			}
		})
	}

	t.Run("Attachments", func(t *testing.T) {
		got, _ := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Message, int, error) {
			return tx.FindMessages(ctx, a.ID, inbox.MessageFilter{IDs: []int64{m[1].ID, m[2].ID}})
		})
		if len(got) != 2 {
			t.Fatalf("len=%v, want 2", len(got))
		} else if got[0].AttachmentIDs == nil || len(got[0].AttachmentIDs) != 0 {
			t.Fatalf("AttachmentIDs=%#v, want empty", got[0].AttachmentIDs)
		} else if want := []int64{att.ID}; !slices.Equal(got[1].AttachmentIDs, want) {
			t.Fatalf("AttachmentIDs=%v, want %v", got[1].AttachmentIDs, want)
		}
	})

	t.Run("UpdatedSince", func(t *testing.T) {
		setClock(s, t0.Add(24*time.Hour))
		mustChange(t, s, func(tx inbox.Tx) (*inbox.Message, error) {
			return tx.UpdateMessage(ctx, a.ID, m[3].ID, inbox.MessageUpdate{Status: ptr(inbox.DeliveryRead)})
		})
		got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Message, int, error) {
			return tx.FindMessages(ctx, a.ID, inbox.MessageFilter{UpdatedSince: ptr(t0.Add(24 * time.Hour))})
		})
		if diff := cmp.Diff(id(3), ids(got, messageID)); diff != "" || total != 1 {
			t.Fatalf("total=%v, ids mismatch (-want +got):\n%s", total, diff)
		}
	})
}

func TestMessages_Latest(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	c1 := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	c2 := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	empty := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
	att := mustCreateAttachment(t, s, a.ID)

	var m1, m2, m3, m4 *inbox.Message
	mustUpdate(t, s, func(tx inbox.Tx) error {
		m1 = mustCreateMessageTx(t, tx, c1, inbox.KindIncoming, "old")
		m2 = mustCreateMessageTx(t, tx, c1, inbox.KindOutgoing, "reply")
		m3 = mustCreateMessageTx(t, tx, c2, inbox.KindOutgoing, "only")
		m4 = mustCreateMessageTx(t, tx, c1, inbox.KindActivity, "resolved")
		_, err := tx.UpdateMessage(ctx, a.ID, m2.ID, inbox.MessageUpdate{AttachmentIDs: &[]int64{att.ID}})
		return err
	})
	_ = m1

	got := mustFind(t, s, func(tx inbox.Tx) (map[int64][2]*inbox.Message, error) {
		return tx.FindLatestMessages(ctx, a.ID, []int64{c1.ID, c2.ID, empty.ID})
	})
	for _, tt := range []struct {
		name     string
		id       int64
		any, non int64 // ids of the newest message and of the newest non-activity one; 0 for none
	}{
		{"ActivityLast", c1.ID, m4.ID, m2.ID},
		{"Same", c2.ID, m3.ID, m3.ID},
		{"Empty", empty.ID, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pair, ok := got[tt.id]
			if !ok {
				t.Fatalf("conversation %d missing from %v", tt.id, got)
			}
			for k, want := range []int64{tt.any, tt.non} {
				var id int64
				if pair[k] != nil {
					id = pair[k].ID
				}
				if id != want {
					t.Fatalf("pair[%d].ID=%v, want %v", k, id, want)
				}
			}
		})
	}
	t.Run("Attachments", func(t *testing.T) {
		if want := []int64{att.ID}; !slices.Equal(got[c1.ID][1].AttachmentIDs, want) {
			t.Fatalf("AttachmentIDs=%v, want %v", got[c1.ID][1].AttachmentIDs, want)
		}
	})
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)

	t.Run("OK", func(t *testing.T) {
		att := &inbox.Attachment{AccountID: a.ID, Name: "photo.jpg", FileKey: "ab12", FileSize: 2048,
			ContentType: "image/jpeg", ImageWidth: ptr(640), ImageHeight: ptr(480)}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateAttachment(ctx, att) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Attachment, error) { return tx.FindAttachmentByID(ctx, a.ID, att.ID) })
		if diff := cmp.Diff(att, got); diff != "" {
			t.Fatalf("FindAttachmentByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Attachment, error) { return tx.FindAttachmentByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		att := mustCreateAttachment(t, s, a.ID)
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Attachment, error) {
			return tx.UpdateAttachment(ctx, a.ID, att.ID, inbox.AttachmentUpdate{Name: ptr("b.pdf"), FileKey: ptr("cd"),
				FileSize: ptr(int64(3)), ContentType: ptr("application/pdf"), ImageWidth: ptr((*int)(nil)),
				ImageHeight: ptr(ptr(9))})
		})
		if got.Name != "b.pdf" || got.FileKey != "cd" || got.FileSize != 3 || got.ContentType != "application/pdf" {
			t.Fatalf("Name=%v FileKey=%v FileSize=%v ContentType=%v, want b.pdf cd 3 application/pdf",
				got.Name, got.FileKey, got.FileSize, got.ContentType)
		} else if got.ImageWidth != nil || got.ImageHeight == nil || *got.ImageHeight != 9 {
			t.Fatalf("ImageWidth=%v ImageHeight=%v, want nil 9", got.ImageWidth, got.ImageHeight)
		}
		_, err := change(s, func(tx inbox.Tx) (*inbox.Attachment, error) {
			return tx.UpdateAttachment(ctx, a.ID, 1<<40, inbox.AttachmentUpdate{Name: ptr("x")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		ib := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelAPI)
		cb := inboxtest.MustCreateConversation(t, s, b.ID, ib.ID)
		x, y := mustCreateAttachment(t, s, b.ID), mustCreateAttachment(t, s, b.ID)
		var m *inbox.Message
		mustUpdate(t, s, func(tx inbox.Tx) error {
			m = mustCreateMessageTx(t, tx, cb, inbox.KindIncoming, "see attached")
			_, err := tx.UpdateMessage(ctx, b.ID, m.ID, inbox.MessageUpdate{AttachmentIDs: &[]int64{y.ID}})
			return err
		})
		got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Attachment, int, error) {
			return tx.FindAttachments(ctx, b.ID, inbox.AttachmentFilter{})
		})
		if diff := cmp.Diff([]int64{x.ID, y.ID}, ids(got, func(a *inbox.Attachment) int64 { return a.ID })); diff != "" || total != 2 {
			t.Fatalf("total=%v, ids mismatch (-want +got):\n%s", total, diff)
		} else if want := []int64{m.ID}; !slices.Equal(got[1].MessageIDs, want) {
			t.Fatalf("MessageIDs=%v, want %v", got[1].MessageIDs, want)
		}
		got, total = mustList(t, s, func(tx inbox.Tx) ([]*inbox.Attachment, int, error) {
			return tx.FindAttachments(ctx, b.ID, inbox.AttachmentFilter{MessageID: &m.ID})
		})
		if len(got) != 1 || got[0].ID != y.ID || total != 1 {
			t.Fatalf("attachments=%v total=%v, want [%v] 1", ids(got, func(a *inbox.Attachment) int64 { return a.ID }), total, y.ID)
		}
	})
}

func mustCreateAttachment(tb testing.TB, s inbox.Store, accountID int64) *inbox.Attachment {
	tb.Helper()
	a := &inbox.Attachment{AccountID: accountID, Name: "a.txt", FileKey: "0123abcd", FileSize: 10, ContentType: "text/plain"}
	mustUpdate(tb, s, func(tx inbox.Tx) error { return tx.CreateAttachment(ctx, a) })
	return a
}
