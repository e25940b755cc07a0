package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// A record of account A looked up, changed or deleted with account B's id is
// ENOTFOUND, exactly like a missing one, and stays as it was.
func TestTenancy(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	b := inboxtest.MustCreateAccount(t, s)
	// B has records of its own, so a query that forgot account_id would find them.
	ib := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelAPI)
	inboxtest.MustCreateConversation(t, s, b.ID, ib.ID)
	inboxtest.MustCreateHost(t, s, b.ID, inbox.RoleAgent)

	setClock(s, t0)
	host := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)
	client := inboxtest.MustCreateClient(t, s, a.ID)
	in := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelEmail)
	conv := inboxtest.MustCreateConversation(t, s, a.ID, in.ID)
	src := mustCreateSource(t, s, a.ID)
	booking := mustCreateBooking(t, s, a.ID)
	inquiry := mustCreateInquiry(t, s, a.ID)
	att := mustCreateAttachment(t, s, a.ID)
	app := &inbox.Application{AccountID: a.ID, Name: "App", ClientID: "tenancy", SecretHash: []byte{1}}
	token := &inbox.AccessToken{AccountID: a.ID, Kind: inbox.TokenPersonal, HostID: &host.ID, TokenHash: []byte("tenancy")}
	label := &inbox.Label{AccountID: a.ID, Title: "mine", Color: inbox.DefaultLabelColor}
	canned := &inbox.CannedResponse{AccountID: a.ID, ShortCode: "hi", Content: "hello"}
	var msg *inbox.Message
	mustUpdate(t, s, func(tx inbox.Tx) error {
		if err := tx.CreateApplication(ctx, app); err != nil {
			return err
		}
		if err := tx.CreateAccessToken(ctx, token); err != nil {
			return err
		}
		if err := tx.SetConversationLabels(ctx, a.ID, conv.ID, []string{"mine"}); err != nil {
			return err
		}
		if err := tx.ConnectBooking(ctx, a.ID, conv.ID, booking.ID); err != nil {
			return err
		}
		if err := tx.CreateIdempotencyKey(ctx, &inbox.IdempotencyRecord{AccountID: a.ID, Key: "k", RequestHash: "h"}); err != nil {
			return err
		}
		msg = mustCreateMessageTx(t, tx, conv, inbox.KindIncoming, "hello")
		if err := tx.CreateLabel(ctx, label); err != nil {
			return err
		} else if err := tx.CreateCannedResponse(ctx, canned); err != nil {
			return err
		} else if err := tx.AddInboxMember(ctx, a.ID, in.ID, host.ID); err != nil {
			return err
		}
		return tx.CreateContactInbox(ctx, &inbox.ContactInbox{AccountID: a.ID, ClientID: client.ID, InboxID: in.ID, SourceID: "tenancy"})
	})
	participant := *msg.SenderID
	setClock(s, t0.Add(time.Hour))

	// snapshot reads, as account A, everything the cases below try to change.
	type snapshot struct {
		Host        *inbox.Host
		Client      *inbox.Client
		Conv        *inbox.Conversation
		Source      *inbox.Source
		Booking     *inbox.Booking
		Inquiry     *inbox.Inquiry
		Participant *inbox.Participant
		Message     *inbox.Message
		Attachment  *inbox.Attachment
		Token       *inbox.AccessToken
		Links       map[int64]*inbox.ConversationLinks
		Inbox       *inbox.Inbox
		Label       *inbox.Label
		Canned      *inbox.CannedResponse
		Members     []int64
	}
	snap := func(t *testing.T) snapshot {
		t.Helper()
		var sn snapshot
		err := s.View(ctx, func(tx inbox.Tx) error {
			var err error
			if sn.Host, err = tx.FindHostByID(ctx, a.ID, host.ID); err != nil {
				return err
			} else if sn.Client, err = tx.FindClientByID(ctx, a.ID, client.ID); err != nil {
				return err
			} else if sn.Conv, err = tx.FindConversationByID(ctx, a.ID, conv.ID); err != nil {
				return err
			} else if sn.Source, err = tx.FindSourceByID(ctx, a.ID, src.ID); err != nil {
				return err
			} else if sn.Booking, err = tx.FindBookingByID(ctx, a.ID, booking.ID); err != nil {
				return err
			} else if sn.Inquiry, err = tx.FindInquiryByID(ctx, a.ID, inquiry.ID); err != nil {
				return err
			} else if sn.Participant, err = tx.FindParticipantByID(ctx, a.ID, participant); err != nil {
				return err
			} else if sn.Message, err = tx.FindMessageByID(ctx, a.ID, msg.ID); err != nil {
				return err
			} else if sn.Attachment, err = tx.FindAttachmentByID(ctx, a.ID, att.ID); err != nil {
				return err
			} else if sn.Token, err = tx.FindAccessTokenByHash(ctx, token.TokenHash); err != nil {
				return err
			} else if sn.Inbox, err = tx.FindInboxByID(ctx, a.ID, in.ID); err != nil {
				return err
			} else if sn.Label, err = tx.FindLabelByID(ctx, a.ID, label.ID); err != nil {
				return err
			} else if sn.Canned, err = tx.FindCannedResponseByID(ctx, a.ID, canned.ID); err != nil {
				return err
			} else if sn.Members, err = tx.FindInboxMemberIDs(ctx, a.ID, in.ID); err != nil {
				return err
			}
			sn.Links, err = tx.FindConversationLinks(ctx, a.ID, []int64{conv.ID})
			return err
		})
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		return sn
	}
	before := snap(t)

	for _, tt := range []struct {
		name string
		fn   func(tx inbox.Tx) error
	}{
		{"FindHostByID", func(tx inbox.Tx) error { _, err := tx.FindHostByID(ctx, b.ID, host.ID); return err }},
		{"FindClientByID", func(tx inbox.Tx) error { _, err := tx.FindClientByID(ctx, b.ID, client.ID); return err }},
		{"FindInboxByID", func(tx inbox.Tx) error { _, err := tx.FindInboxByID(ctx, b.ID, in.ID); return err }},
		{"FindInboxByChannel", func(tx inbox.Tx) error { _, err := tx.FindInboxByChannel(ctx, b.ID, inbox.ChannelEmail); return err }},
		{"FindSourceByID", func(tx inbox.Tx) error { _, err := tx.FindSourceByID(ctx, b.ID, src.ID); return err }},
		{"FindBookingByID", func(tx inbox.Tx) error { _, err := tx.FindBookingByID(ctx, b.ID, booking.ID); return err }},
		{"FindInquiryByID", func(tx inbox.Tx) error { _, err := tx.FindInquiryByID(ctx, b.ID, inquiry.ID); return err }},
		{"FindConversationByID", func(tx inbox.Tx) error { _, err := tx.FindConversationByID(ctx, b.ID, conv.ID); return err }},
		// B's own conversation number 1 exists; A's number 2 does not exist in B.
		{"FindConversationByDisplayID", func(tx inbox.Tx) error {
			_, err := tx.FindConversationByDisplayID(ctx, b.ID, conv.DisplayID+1)
			return err
		}},
		{"FindParticipantByID", func(tx inbox.Tx) error { _, err := tx.FindParticipantByID(ctx, b.ID, participant); return err }},
		{"FindMessageByID", func(tx inbox.Tx) error { _, err := tx.FindMessageByID(ctx, b.ID, msg.ID); return err }},
		{"FindAttachmentByID", func(tx inbox.Tx) error { _, err := tx.FindAttachmentByID(ctx, b.ID, att.ID); return err }},
		{"FindApplicationByID", func(tx inbox.Tx) error { _, err := tx.FindApplicationByID(ctx, b.ID, app.ID); return err }},
		{"FindIdempotencyKey", func(tx inbox.Tx) error { _, err := tx.FindIdempotencyKey(ctx, b.ID, "k"); return err }},

		{"UpdateHost", func(tx inbox.Tx) error {
			_, err := tx.UpdateHost(ctx, b.ID, host.ID, inbox.HostUpdate{Firstname: ptr("X")})
			return err
		}},
		{"UpdateClient", func(tx inbox.Tx) error {
			_, err := tx.UpdateClient(ctx, b.ID, client.ID, inbox.ClientUpdate{Blocked: ptr(true)})
			return err
		}},
		{"UpdateSource", func(tx inbox.Tx) error {
			_, err := tx.UpdateSource(ctx, b.ID, src.ID, inbox.SourceUpdate{Name: ptr("X")})
			return err
		}},
		{"UpdateBooking", func(tx inbox.Tx) error {
			_, err := tx.UpdateBooking(ctx, b.ID, booking.ID, inbox.BookingUpdate{Status: ptr(inbox.BookingCanceled)})
			return err
		}},
		{"UpdateInquiry", func(tx inbox.Tx) error {
			_, err := tx.UpdateInquiry(ctx, b.ID, inquiry.ID, inbox.InquiryUpdate{Message: ptr("X")})
			return err
		}},
		{"UpdateConversation", func(tx inbox.Tx) error {
			_, err := tx.UpdateConversation(ctx, b.ID, conv.ID, inbox.ConversationUpdate{Status: ptr(inbox.StatusResolved)})
			return err
		}},
		{"UpdateConversationEmpty", func(tx inbox.Tx) error {
			_, err := tx.UpdateConversation(ctx, b.ID, conv.ID, inbox.ConversationUpdate{})
			return err
		}},
		{"UpdateParticipant", func(tx inbox.Tx) error {
			_, err := tx.UpdateParticipant(ctx, b.ID, participant, inbox.ParticipantUpdate{ReadAt: ptr(ptr(t0))})
			return err
		}},
		{"UpdateMessage", func(tx inbox.Tx) error {
			_, err := tx.UpdateMessage(ctx, b.ID, msg.ID, inbox.MessageUpdate{Content: ptr("X"), AttachmentIDs: &[]int64{}})
			return err
		}},
		{"UpdateAttachment", func(tx inbox.Tx) error {
			_, err := tx.UpdateAttachment(ctx, b.ID, att.ID, inbox.AttachmentUpdate{Name: ptr("X")})
			return err
		}},
		{"SetConversationLabels", func(tx inbox.Tx) error {
			return tx.SetConversationLabels(ctx, b.ID, conv.ID, []string{"theirs"})
		}},
		{"ConnectBooking", func(tx inbox.Tx) error { return tx.ConnectBooking(ctx, b.ID, conv.ID, booking.ID) }},
		{"DeleteConversation", func(tx inbox.Tx) error { return tx.DeleteConversation(ctx, b.ID, conv.ID) }},
		{"DeleteParticipant", func(tx inbox.Tx) error { return tx.DeleteParticipant(ctx, b.ID, participant) }},
		{"RevokeAccessToken", func(tx inbox.Tx) error { return tx.RevokeAccessToken(ctx, b.ID, token.ID) }},
		{"DeleteHost", func(tx inbox.Tx) error { return tx.DeleteHost(ctx, b.ID, host.ID) }},
		{"DeleteClient", func(tx inbox.Tx) error { return tx.DeleteClient(ctx, b.ID, client.ID) }},
		{"UpdateInbox", func(tx inbox.Tx) error {
			_, err := tx.UpdateInbox(ctx, b.ID, in.ID, inbox.InboxUpdate{Name: ptr("X")})
			return err
		}},
		{"FindLabelByID", func(tx inbox.Tx) error { _, err := tx.FindLabelByID(ctx, b.ID, label.ID); return err }},
		{"UpdateLabel", func(tx inbox.Tx) error {
			_, err := tx.UpdateLabel(ctx, b.ID, label.ID, inbox.LabelUpdate{Title: ptr("x")})
			return err
		}},
		{"DeleteLabel", func(tx inbox.Tx) error { return tx.DeleteLabel(ctx, b.ID, label.ID) }},
		{"FindCannedResponseByID", func(tx inbox.Tx) error { _, err := tx.FindCannedResponseByID(ctx, b.ID, canned.ID); return err }},
		{"UpdateCannedResponse", func(tx inbox.Tx) error {
			_, err := tx.UpdateCannedResponse(ctx, b.ID, canned.ID, inbox.CannedResponseUpdate{Content: ptr("x")})
			return err
		}},
		{"DeleteCannedResponse", func(tx inbox.Tx) error { return tx.DeleteCannedResponse(ctx, b.ID, canned.ID) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, s.Update(ctx, tt.fn), inbox.ENOTFOUND)
		})
	}

	// Calls that answer for several ids give B nothing of A's.
	t.Run("Lists", func(t *testing.T) {
		err := s.View(ctx, func(tx inbox.Tx) error {
			check := func(name string, n int, err error) {
				t.Helper()
				if err != nil {
					t.Errorf("%s: %v", name, err)
				} else if n != 0 {
					t.Errorf("%s: %d records of account A, want none", name, n)
				}
			}
			hosts, _, err := tx.FindHosts(ctx, b.ID, inbox.HostFilter{IDs: []int64{host.ID}})
			check("FindHosts", len(hosts), err)
			clients, _, err := tx.FindClients(ctx, b.ID, inbox.ClientFilter{IDs: []int64{client.ID}})
			check("FindClients", len(clients), err)
			convs, _, err := tx.FindConversations(ctx, b.ID, inbox.ConversationFilter{IDs: []int64{conv.ID}})
			check("FindConversations", len(convs), err)
			msgs, _, err := tx.FindMessages(ctx, b.ID, inbox.MessageFilter{ConversationID: &conv.ID})
			check("FindMessages", len(msgs), err)
			parts, _, err := tx.FindParticipants(ctx, b.ID, inbox.ParticipantFilter{ConversationID: &conv.ID})
			check("FindParticipants", len(parts), err)
			atts, _, err := tx.FindAttachments(ctx, b.ID, inbox.AttachmentFilter{IDs: []int64{att.ID}})
			check("FindAttachments", len(atts), err)
			srcs, _, err := tx.FindSources(ctx, b.ID, inbox.ListFilter{IDs: []int64{src.ID}})
			check("FindSources", len(srcs), err)
			bookings, _, err := tx.FindBookings(ctx, b.ID, inbox.ListFilter{IDs: []int64{booking.ID}})
			check("FindBookings", len(bookings), err)
			inqs, _, err := tx.FindInquiries(ctx, b.ID, inbox.ListFilter{IDs: []int64{inquiry.ID}})
			check("FindInquiries", len(inqs), err)
			byBooking, err := tx.FindBookingConversationIDs(ctx, b.ID, []int64{booking.ID})
			check("FindBookingConversationIDs", len(byBooking[booking.ID]), err)
			links, err := tx.FindConversationLinks(ctx, b.ID, []int64{conv.ID})
			l := links[conv.ID]
			check("FindConversationLinks", len(l.BookingIDs)+len(l.InquiryIDs)+len(l.MessageIDs)+len(l.ParticipantIDs), err)
			latest, err := tx.FindLatestMessages(ctx, b.ID, []int64{conv.ID})
			n := 0
			for _, m := range latest[conv.ID] {
				if m != nil {
					n++
				}
			}
			check("FindLatestMessages", n, err)
			stats, err := tx.FindConversationStats(ctx, b.ID, []int64{conv.ID})
			if err == nil && *stats[conv.ID] != (inbox.ConversationStats{}) {
				t.Errorf("FindConversationStats=%+v, want zero", *stats[conv.ID])
			}
			counts, err := tx.CountConversations(ctx, b.ID, inbox.ConversationFilter{IDs: []int64{conv.ID}}, host.ID)
			check("CountConversations", counts.All, err)
			inboxes, err := tx.FindMemberInboxIDs(ctx, b.ID, host.ID)
			check("FindMemberInboxIDs", len(inboxes), err)
			deleted, err := tx.FindDeletedIDs(ctx, b.ID, inbox.ResourceConversations, time.Time{})
			check("FindDeletedIDs", len(deleted), err)
			events, err := tx.FindEvents(ctx, b.ID, 0, 100)
			check("FindEvents", len(events), err)
			cis, err := tx.FindContactInboxes(ctx, b.ID, inbox.ContactInboxFilter{ClientIDs: []int64{client.ID}})
			check("FindContactInboxes", len(cis), err)
			members, err := tx.FindInboxMemberIDs(ctx, b.ID, in.ID)
			check("FindInboxMemberIDs", len(members), err)
			labels, err := tx.FindLabels(ctx, b.ID)
			check("FindLabels", len(labels), err)
			canneds, err := tx.FindCannedResponses(ctx, b.ID, inbox.CannedResponseFilter{Search: "hi"})
			check("FindCannedResponses", len(canneds), err)
			found, err := tx.SearchMessages(ctx, b.ID, inbox.SearchFilter{Query: "hello"})
			check("SearchMessages", len(found), err)
			fc, err := tx.SearchClients(ctx, b.ID, inbox.SearchFilter{Query: client.Fullname})
			check("SearchClients", len(fc), err)
			fconv, err := tx.SearchConversations(ctx, b.ID, inbox.SearchFilter{Query: "hello"})
			check("SearchConversations", len(fconv), err)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Unchanged", func(t *testing.T) {
		if diff := cmp.Diff(before, snap(t)); diff != "" {
			t.Fatalf("account A's records changed (-before +after):\n%s", diff)
		}
		// A can still delete its conversation: B left no row pointing at it.
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.DeleteConversation(ctx, a.ID, conv.ID) })
	})
}
