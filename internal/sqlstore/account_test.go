package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func TestAccounts(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	setClock(s, t0)

	t.Run("OK", func(t *testing.T) {
		a := &inbox.Account{Name: "Acme", Email: "ops@acme.test", Status: inbox.AccountPaying, Locale: "fr"}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateAccount(ctx, a) })
		if a.ID == 0 {
			t.Fatalf("ID=%v, want non-zero", a.ID)
		} else if a.CreatedAt != t0 || a.UpdatedAt != t0 {
			t.Fatalf("CreatedAt=%v UpdatedAt=%v, want %v", a.CreatedAt, a.UpdatedAt, t0)
		}
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Account, error) { return tx.FindAccountByID(ctx, a.ID) })
		if diff := cmp.Diff(a, got); diff != "" {
			t.Fatalf("FindAccountByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Account, error) { return tx.FindAccountByID(ctx, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	// A record that references a missing row is EINVALID on both engines.
	t.Run("ErrMissingReference", func(t *testing.T) {
		err := s.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateHost(ctx, &inbox.Host{AccountID: 1 << 40, Firstname: "F", Lastname: "L",
				Role: inbox.RoleAgent, Availability: "online"})
		})
		wantCode(t, err, inbox.EINVALID)
	})
}

func TestHosts(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)

	t.Run("OK", func(t *testing.T) {
		setClock(s, t0)
		h := &inbox.Host{AccountID: a.ID, Firstname: "Ada", Lastname: "Lovelace", Email: "ada@example.com",
			Role: inbox.RoleAdministrator, Availability: "busy", SourceID: ptr(int64(7))}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateHost(ctx, h) })
		if h.ID == 0 {
			t.Fatalf("ID=%v, want non-zero", h.ID)
		}
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Host, error) { return tx.FindHostByID(ctx, a.ID, h.ID) })
		if diff := cmp.Diff(h, got); diff != "" {
			t.Fatalf("FindHostByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Host, error) { return tx.FindHostByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		setClock(s, t0)
		h := inboxtest.MustCreateHost(t, s, a.ID, inbox.RoleAgent)
		setClock(s, t0.Add(time.Hour))
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Host, error) {
			return tx.UpdateHost(ctx, a.ID, h.ID, inbox.HostUpdate{Firstname: ptr("Grace"), Email: ptr(""),
				SourceID: ptr(ptr(int64(3)))})
		})
		if got.Firstname != "Grace" {
			t.Fatalf("Firstname=%v, want %v", got.Firstname, "Grace")
		} else if got.Lastname != h.Lastname {
			t.Fatalf("Lastname=%v, want %v", got.Lastname, h.Lastname)
		} else if got.Email != "" {
			t.Fatalf("Email=%v, want empty", got.Email)
		} else if got.SourceID == nil || *got.SourceID != 3 {
			t.Fatalf("SourceID=%v, want %v", got.SourceID, 3)
		} else if got.UpdatedAt != t0.Add(time.Hour) || got.CreatedAt != t0 {
			t.Fatalf("CreatedAt=%v UpdatedAt=%v, want %v and %v", got.CreatedAt, got.UpdatedAt, t0, t0.Add(time.Hour))
		}

		// A pointer to nil clears a nullable field.
		got = mustChange(t, s, func(tx inbox.Tx) (*inbox.Host, error) {
			return tx.UpdateHost(ctx, a.ID, h.ID, inbox.HostUpdate{SourceID: ptr((*int64)(nil))})
		})
		if got.SourceID != nil {
			t.Fatalf("SourceID=%v, want nil", *got.SourceID)
		} else if got.Firstname != "Grace" {
			t.Fatalf("Firstname=%v, want %v", got.Firstname, "Grace")
		}
	})

	t.Run("ErrUpdateNotFound", func(t *testing.T) {
		_, err := change(s, func(tx inbox.Tx) (*inbox.Host, error) {
			return tx.UpdateHost(ctx, a.ID, 1<<40, inbox.HostUpdate{Firstname: ptr("X")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		var hosts []*inbox.Host
		for i := range 4 {
			setClock(s, t0.Add(time.Duration(i)*time.Hour))
			hosts = append(hosts, inboxtest.MustCreateHost(t, s, b.ID, inbox.RoleAgent))
		}
		hostID := func(h *inbox.Host) int64 { return h.ID }
		all := ids(hosts, hostID)
		for _, tt := range []struct {
			name      string
			f         inbox.HostFilter
			want      []int64
			wantTotal int
		}{
			{"All", inbox.HostFilter{}, all, 4},
			{"IDs", inbox.HostFilter{IDs: []int64{all[3], all[1]}}, []int64{all[1], all[3]}, 2},
			{"EmptyIDs", inbox.HostFilter{IDs: []int64{}}, []int64{}, 0},
			{"UpdatedSince", inbox.HostFilter{UpdatedSince: ptr(t0.Add(2 * time.Hour))}, all[2:], 2},
			{"Limit", inbox.HostFilter{Page: inbox.Page{Limit: 3}}, all[:3], 4},
			{"Offset", inbox.HostFilter{Page: inbox.Page{Offset: 3, Limit: 3}}, all[3:], 4},
			{"PastTheEnd", inbox.HostFilter{Page: inbox.Page{Offset: 4}}, []int64{}, 4},
			{"AfterID", inbox.HostFilter{Page: inbox.Page{AfterID: all[1], Offset: 1}}, all[2:], 2},
			{"AfterIDPastTheEnd", inbox.HostFilter{Page: inbox.Page{AfterID: all[3]}}, []int64{}, 0},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Host, int, error) { return tx.FindHosts(ctx, b.ID, tt.f) })
				if diff := cmp.Diff(tt.want, ids(got, hostID)); diff != "" {
					t.Fatalf("ids mismatch (-want +got):\n%s", diff)
				} else if total != tt.wantTotal {
					t.Fatalf("total=%v, want %v", total, tt.wantTotal)
				}
			})
		}
	})
}

func TestClients(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)
	setClock(s, t0)

	t.Run("OK", func(t *testing.T) {
		c := &inbox.Client{AccountID: a.ID, Fullname: "Jane Roe", Firstname: "Jane", Lastname: "Roe",
			Email: "jane@example.com", Phone: "+33 1 23", Company: "Roe Ltd", Notes: "VIP", PreferredLocale: "fr",
			Identifier: "ext-1", Blocked: true,
			AdditionalAttributes: inbox.Attributes{"city": "Lyon", "score": 4.5, "tags": []any{"a", "b"}},
			CustomAttributes:     inbox.Attributes{"vip": true, "nested": map[string]any{"x": nil}},
			LastActivityAt:       ptr(t0.Add(-time.Hour))}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateClient(ctx, c) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Client, error) { return tx.FindClientByID(ctx, a.ID, c.ID) })
		if diff := cmp.Diff(c, got); diff != "" {
			t.Fatalf("FindClientByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Client, error) { return tx.FindClientByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		c := inboxtest.MustCreateClient(t, s, a.ID)
		mustChange(t, s, func(tx inbox.Tx) (*inbox.Client, error) {
			return tx.UpdateClient(ctx, a.ID, c.ID, inbox.ClientUpdate{Blocked: ptr(true)})
		})
		got := mustChange(t, s, func(tx inbox.Tx) (*inbox.Client, error) {
			return tx.UpdateClient(ctx, a.ID, c.ID, inbox.ClientUpdate{Phone: ptr("+1 555"), Notes: ptr("n"),
				PreferredLocale: ptr("de"), Company: ptr("C"), Blocked: ptr(false)})
		})
		if got.Phone != "+1 555" || got.Notes != "n" || got.PreferredLocale != "de" || got.Company != "C" {
			t.Fatalf("Phone=%v Notes=%v PreferredLocale=%v Company=%v, want +1 555, n, de, C",
				got.Phone, got.Notes, got.PreferredLocale, got.Company)
		} else if got.Blocked {
			t.Fatalf("Blocked=%v, want %v", got.Blocked, false)
		} else if got.Fullname != c.Fullname || got.Email != c.Email {
			t.Fatalf("Fullname=%v Email=%v, want %v %v", got.Fullname, got.Email, c.Fullname, c.Email)
		}
	})

	t.Run("ErrUpdateNotFound", func(t *testing.T) {
		_, err := change(s, func(tx inbox.Tx) (*inbox.Client, error) {
			return tx.UpdateClient(ctx, a.ID, 1<<40, inbox.ClientUpdate{Notes: ptr("x")})
		})
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		c1, c2 := inboxtest.MustCreateClient(t, s, b.ID), inboxtest.MustCreateClient(t, s, b.ID)
		got, total := mustList(t, s, func(tx inbox.Tx) ([]*inbox.Client, int, error) {
			return tx.FindClients(ctx, b.ID, inbox.ClientFilter{Page: inbox.Page{Limit: 1, Offset: 1}})
		})
		if len(got) != 1 || got[0].ID != c2.ID {
			t.Fatalf("clients=%v, want [%v]", ids(got, func(c *inbox.Client) int64 { return c.ID }), c2.ID)
		} else if total != 2 {
			t.Fatalf("total=%v, want %v", total, 2)
		}
		got, _ = mustList(t, s, func(tx inbox.Tx) ([]*inbox.Client, int, error) {
			return tx.FindClients(ctx, b.ID, inbox.ClientFilter{IDs: []int64{c1.ID}})
		})
		if len(got) != 1 || got[0].ID != c1.ID {
			t.Fatalf("clients=%v, want [%v]", ids(got, func(c *inbox.Client) int64 { return c.ID }), c1.ID)
		}
	})
}

func TestInboxes(t *testing.T) {
	t.Parallel()
	s := inboxtest.MustOpenStore(t)
	a := inboxtest.MustCreateAccount(t, s)

	t.Run("OK", func(t *testing.T) {
		i := &inbox.Inbox{AccountID: a.ID, Name: "WhatsApp", Channel: inbox.ChannelWhatsApp, ReplyWindowHours: 24}
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.CreateInbox(ctx, i) })
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Inbox, error) { return tx.FindInboxByID(ctx, a.ID, i.ID) })
		if diff := cmp.Diff(i, got); diff != "" {
			t.Fatalf("FindInboxByID mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := find(s, func(tx inbox.Tx) (*inbox.Inbox, error) { return tx.FindInboxByID(ctx, a.ID, 1<<40) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("ByChannel", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		first := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelEmail)
		inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelEmail)
		got := mustFind(t, s, func(tx inbox.Tx) (*inbox.Inbox, error) {
			return tx.FindInboxByChannel(ctx, b.ID, inbox.ChannelEmail)
		})
		if got.ID != first.ID {
			t.Fatalf("ID=%v, want the oldest %v", got.ID, first.ID)
		}
		_, err := find(s, func(tx inbox.Tx) (*inbox.Inbox, error) { return tx.FindInboxByChannel(ctx, b.ID, inbox.ChannelSMS) })
		wantCode(t, err, inbox.ENOTFOUND)
	})

	t.Run("List", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		i1 := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelSMS)
		i2 := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelAPI)
		got := mustFind(t, s, func(tx inbox.Tx) ([]*inbox.Inbox, error) { return tx.FindInboxes(ctx, b.ID) })
		if diff := cmp.Diff([]*inbox.Inbox{i1, i2}, got); diff != "" {
			t.Fatalf("FindInboxes mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("Members", func(t *testing.T) {
		b := inboxtest.MustCreateAccount(t, s)
		i1 := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelSMS)
		i2 := inboxtest.MustCreateInbox(t, s, b.ID, inbox.ChannelAPI)
		h := inboxtest.MustCreateHost(t, s, b.ID, inbox.RoleAgent)
		other := inboxtest.MustCreateHost(t, s, b.ID, inbox.RoleAgent)
		mustUpdate(t, s, func(tx inbox.Tx) error {
			for _, id := range []int64{i2.ID, i1.ID, i2.ID} { // adding twice is a no-op
				if err := tx.AddInboxMember(ctx, b.ID, id, h.ID); err != nil {
					return err
				}
			}
			return nil
		})
		mustUpdate(t, s, func(tx inbox.Tx) error { return tx.AddInboxMember(ctx, b.ID, i1.ID, h.ID) })
		got := mustFind(t, s, func(tx inbox.Tx) ([]int64, error) { return tx.FindMemberInboxIDs(ctx, b.ID, h.ID) })
		if diff := cmp.Diff([]int64{i1.ID, i2.ID}, got); diff != "" {
			t.Fatalf("FindMemberInboxIDs mismatch (-want +got):\n%s", diff)
		}
		got = mustFind(t, s, func(tx inbox.Tx) ([]int64, error) { return tx.FindMemberInboxIDs(ctx, b.ID, other.ID) })
		if len(got) != 0 {
			t.Fatalf("FindMemberInboxIDs=%v, want none", got)
		}
	})
}
