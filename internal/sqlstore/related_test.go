package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func TestSources(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)

	t.Run("OK", func(t *testing.T) {
		src := &inbox.Source{AccountID: a.ID, Name: "Website", Position: 2, Internal: true}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateSource(ctx, src) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Source, error) { return tx.FindSourceByID(ctx, a.ID, src.ID) })
		if diff := cmp.Diff(src, got); diff != "" {
			t.Fatalf("FindSourceByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Source, error) { return tx.FindSourceByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		src := mustCreateSource(t, s, a.ID)
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Source, error) {
			return tx.UpdateSource(ctx, a.ID, src.ID, inbox.SourceUpdate{Name: ptr("Portal"), Position: ptr(9)})
		})
		if got.Name != "Portal" || got.Position != 9 {
			t.Fatalf("Name=%v Position=%v, want Portal 9", got.Name, got.Position)
		}
		_, err := change(s, func(tx inbox.Tx) (*inbox.Source, error) {
			return tx.UpdateSource(ctx, a.ID, 1<<40, inbox.SourceUpdate{Name: ptr("X")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		s1, s2 := mustCreateSource(t, s, b.ID), mustCreateSource(t, s, b.ID)
		got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Source, int, error) {
			return tx.FindSources(ctx, b.ID, inbox.ListFilter{})
		})
		if diff := cmp.Diff([]*inbox.Source{s1, s2}, got); diff != "" {
			t.Fatalf("FindSources mismatch (-want +got):\n%s", diff)
		} else if total != 2 {
			t.Fatalf("total=%v, want %v", total, 2)
		}
	})
}

func TestBookings(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	client := inboxtest.MustCreateClient(t, s, a.ID)
	src := mustCreateSource(t, s, a.ID)
	setClock(s, t0)

	t.Run("OK", func(t *testing.T) {
		b := &inbox.Booking{AccountID: a.ID, RentalID: ptr(int64(42)), ClientID: &client.ID, SourceID: &src.ID,
			StartAt: t0.AddDate(0, 1, 0), EndAt: t0.AddDate(0, 1, 7), Status: inbox.BookingBooked, Reference: "R-1"}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateBooking(ctx, b) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Booking, error) { return tx.FindBookingByID(ctx, a.ID, b.ID) })
		if diff := cmp.Diff(b, got); diff != "" {
			t.Fatalf("FindBookingByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Booking, error) { return tx.FindBookingByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	// Cancelling stamps canceled_at; any other status clears it.
	t.Run("Update", func(t *testing.T) {
		b := mustCreateBooking(t, s, a.ID)
		setClock(s, t0.Add(time.Hour))
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Booking, error) {
			return tx.UpdateBooking(ctx, a.ID, b.ID, inbox.BookingUpdate{Status: ptr(inbox.BookingCanceled),
				Reference: ptr("R-2"), ClientID: ptr(&client.ID), EndAt: ptr(t0.AddDate(0, 0, 30))})
		})
		if got.Status != inbox.BookingCanceled || got.CanceledAt == nil || *got.CanceledAt != t0.Add(time.Hour) {
			t.Fatalf("Status=%v CanceledAt=%v, want %v %v", got.Status, got.CanceledAt, inbox.BookingCanceled, t0.Add(time.Hour))
		} else if got.Reference != "R-2" || got.ClientID == nil || *got.ClientID != client.ID {
			t.Fatalf("Reference=%v ClientID=%v, want R-2 %v", got.Reference, got.ClientID, client.ID)
		} else if got.EndAt != t0.AddDate(0, 0, 30) || got.StartAt != b.StartAt {
			t.Fatalf("StartAt=%v EndAt=%v, want %v %v", got.StartAt, got.EndAt, b.StartAt, t0.AddDate(0, 0, 30))
		}
		got = mustChange(t, s, func(tx inbox.Tx) (*inbox.Booking, error) {
			return tx.UpdateBooking(ctx, a.ID, b.ID, inbox.BookingUpdate{Status: ptr(inbox.BookingTentative),
				ClientID: ptr((*int64)(nil))})
		})
		if got.CanceledAt != nil {
			t.Fatalf("CanceledAt=%v, want nil", got.CanceledAt)
		} else if got.ClientID != nil {
			t.Fatalf("ClientID=%v, want nil", *got.ClientID)
		}
		_, err := change(s, func(tx inbox.Tx) (*inbox.Booking, error) {
			return tx.UpdateBooking(ctx, a.ID, 1<<40, inbox.BookingUpdate{Reference: ptr("X")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		setClock(s, t0)
		b1 := mustCreateBooking(t, s, b.ID)
		setClock(s, t0.Add(time.Hour))
		b2 := mustCreateBooking(t, s, b.ID)
		got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Booking, int, error) {
			return tx.FindBookings(ctx, b.ID, inbox.ListFilter{UpdatedSince: ptr(t0.Add(time.Minute))})
		})
		if diff := cmp.Diff([]*inbox.Booking{b2}, got); diff != "" {
			t.Fatalf("FindBookings mismatch (-want +got):\n%s", diff)
		} else if total != 1 {
			t.Fatalf("total=%v, want %v", total, 1)
		}
		got, total = mustList(t, s, func(tx inbox.Tx) ([]*inbox.Booking, int, error) {
			return tx.FindBookings(ctx, b.ID, inbox.ListFilter{IDs: []int64{b1.ID, b2.ID}, Page: inbox.Page{Limit: 1}})
		})
		if len(got) != 1 || got[0].ID != b1.ID || total != 2 {
			t.Fatalf("bookings=%v total=%v, want [%v] 2", ids(got, func(b *inbox.Booking) int64 { return b.ID }), total, b1.ID)
		}
	})
}

func TestInquiries(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	i := inboxtest.MustCreateInbox(t, s, a.ID, inbox.ChannelAPI)
	src := mustCreateSource(t, s, a.ID)
	booking := mustCreateBooking(t, s, a.ID)
	setClock(s, t0)

	t.Run("OK", func(t *testing.T) {
		q := &inbox.Inquiry{AccountID: a.ID, Firstname: "Jo", Lastname: "Doe", Email: "jo@example.com", Phone: "1",
			CountryCode: "FR", Adults: 2, Children: 1, Message: "Is it free?", Locked: "Owner hold",
			StartAt: ptr(t0.AddDate(0, 2, 0)), EndAt: ptr(t0.AddDate(0, 2, 3)), RentalID: ptr(int64(5)),
			SourceID: &src.ID, BookingID: &booking.ID}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateInquiry(ctx, q) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Inquiry, error) { return tx.FindInquiryByID(ctx, a.ID, q.ID) })
		if diff := cmp.Diff(q, got); diff != "" {
			t.Fatalf("FindInquiryByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Inquiry, error) { return tx.FindInquiryByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		q := mustCreateInquiry(t, s, a.ID)
		c := inboxtest.MustCreateConversation(t, s, a.ID, i.ID)
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Inquiry, error) {
			return tx.UpdateInquiry(ctx, a.ID, q.ID, inbox.InquiryUpdate{Message: ptr("new"), Adults: ptr(3),
				Children: ptr(0), StartAt: ptr(ptr(t0)), ConversationID: ptr(&c.ID), BookingID: ptr(&booking.ID)})
		})
		if got.Message != "new" || got.Adults != 3 || got.Children != 0 {
			t.Fatalf("Message=%v Adults=%v Children=%v, want new 3 0", got.Message, got.Adults, got.Children)
		} else if got.StartAt == nil || *got.StartAt != t0 {
			t.Fatalf("StartAt=%v, want %v", got.StartAt, t0)
		} else if got.ConversationID == nil || *got.ConversationID != c.ID {
			t.Fatalf("ConversationID=%v, want %v", got.ConversationID, c.ID)
		} else if got.BookingID == nil || *got.BookingID != booking.ID {
			t.Fatalf("BookingID=%v, want %v", got.BookingID, booking.ID)
		} else if got.Firstname != q.Firstname {
			t.Fatalf("Firstname=%v, want %v", got.Firstname, q.Firstname)
		}
		_, err := change(s, func(tx inbox.Tx) (*inbox.Inquiry, error) {
			return tx.UpdateInquiry(ctx, a.ID, 1<<40, inbox.InquiryUpdate{Message: ptr("X")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		q1, q2 := mustCreateInquiry(t, s, b.ID), mustCreateInquiry(t, s, b.ID)
		got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Inquiry, int, error) {
			return tx.FindInquiries(ctx, b.ID, inbox.ListFilter{Page: inbox.Page{AfterID: q1.ID}})
		})
		if len(got) != 1 || got[0].ID != q2.ID || total != 1 {
			t.Fatalf("inquiries=%v total=%v, want [%v] 1", ids(got, func(q *inbox.Inquiry) int64 { return q.ID }), total, q2.ID)
		}
	})
}

func mustCreateSource(tb testing.TB, s inbox.Store, accountID int64) *inbox.Source {
	tb.Helper()
	src := &inbox.Source{AccountID: accountID, Name: "Website"}
	mustUpdate(tb, s, func(tx inbox.Tx) error { return tx.CreateSource(ctx, src) })
	return src
}

func mustCreateBooking(tb testing.TB, s inbox.Store, accountID int64) *inbox.Booking {
	tb.Helper()
	b := &inbox.Booking{AccountID: accountID, StartAt: t0.AddDate(0, 0, 10), EndAt: t0.AddDate(0, 0, 14),
		Status: inbox.BookingBooked}
	mustUpdate(tb, s, func(tx inbox.Tx) error { return tx.CreateBooking(ctx, b) })
	return b
}

func mustCreateInquiry(tb testing.TB, s inbox.Store, accountID int64) *inbox.Inquiry {
	tb.Helper()
	q := &inbox.Inquiry{AccountID: accountID, Firstname: "Jo", Lastname: "Doe", Adults: 1}
	mustUpdate(tb, s, func(tx inbox.Tx) error { return tx.CreateInquiry(ctx, q) })
	return q
}
