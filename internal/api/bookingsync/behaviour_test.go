package bookingsync_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	inbox "github.com/inboxd/inbox"
)

func TestConversationWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	f := e.fixture()
	path := fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation)
	put := func(attrs map[string]any) map[string]any {
		t.Helper()
		return e.do("PUT", path, e.token, wrap("conversations", attrs)).must(t, 200).one(t, "conversations")
	}

	t.Run("CreateClosedAndSpam", func(t *testing.T) {
		c := e.do("POST", "/api/v3/inbox/conversations", e.token, wrap("conversations", map[string]any{
			"closed": true, "marked_as_spam": "true", "last_message_at": "2020-01-01T10:00:00Z"})).must(t, 201).one(t, "conversations")
		if c["closed_at"] == nil || c["marked_as_spam_at"] == nil || c["last_message_at"] != "2020-01-01T10:00:00Z" {
			t.Errorf("conversation=%v", c)
		}
		if c["subject"] != nil || c["default_channel"] != nil {
			t.Errorf("unset subject/default_channel not null: %v", c)
		}
	})
	t.Run("CloseAndReopen", func(t *testing.T) {
		c := put(map[string]any{"closed": true})
		closedAt := c["closed_at"]
		if closedAt == nil {
			t.Fatal("closed_at is null")
		}
		if c = put(map[string]any{"closed": true}); c["closed_at"] != closedAt {
			t.Errorf("closing again moved closed_at: %v → %v", closedAt, c["closed_at"])
		}
		if c = put(map[string]any{"closed": false}); c["closed_at"] != nil {
			t.Errorf("closed_at=%v after closed: false", c["closed_at"])
		}
	})
	t.Run("Spam", func(t *testing.T) {
		if c := put(map[string]any{"marked_as_spam": true}); c["marked_as_spam_at"] == nil {
			t.Error("marked_as_spam_at is null")
		}
		if c := put(map[string]any{"marked_as_spam": false}); c["marked_as_spam_at"] != nil {
			t.Error("marked_as_spam_at not cleared")
		}
	})
	t.Run("AssigneeAndChannel", func(t *testing.T) {
		c := put(map[string]any{"assignee_id": nil, "default_channel": nil})
		if link(t, c, "assignee") != nil || c["default_channel"] != nil {
			t.Errorf("conversation=%v", c)
		}
		c = put(map[string]any{"assignee_id": fmt.Sprint(f.host), "default_channel": "vrbo"})
		if id(t, c["links"].(map[string]any), "assignee") != f.host || c["default_channel"] != "vrbo" {
			t.Errorf("conversation=%v", c)
		}
	})
	t.Run("ARecordReadCanBeSentBack", func(t *testing.T) {
		read := e.do("GET", path, e.token, nil).must(t, 200).one(t, "conversations")
		back := map[string]any{"closed": true}
		for _, k := range []string{"id", "links", "created_at", "updated_at"} {
			back[k] = read[k]
		}
		if c := put(back); c["closed_at"] == nil {
			t.Errorf("conversation=%v", c)
		}
	})
	t.Run("PatchIsPut", func(t *testing.T) {
		c := e.do("PATCH", path, e.token, wrap("conversations", map[string]any{"default_channel": "email"})).must(t, 200).one(t, "conversations")
		if c["default_channel"] != "email" {
			t.Errorf("default_channel=%v", c["default_channel"])
		}
	})
	t.Run("ConnectIsIdempotent", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			c := e.do("PATCH", path+"/connect_booking", e.token, wrap("bookings", map[string]any{"id": f.booking})).must(t, 200).one(t, "conversations")
			if got := idList(t, link(t, c, "bookings")); !slices.Equal(got, []int64{f.booking}) {
				t.Errorf("bookings=%v", got)
			}
		}
		for i := 0; i < 2; i++ {
			c := e.do("PUT", path+"/disconnect_booking", e.token, wrap("bookings", map[string]any{"id": f.booking})).must(t, 200).one(t, "conversations")
			if got := idList(t, link(t, c, "bookings")); len(got) != 0 {
				t.Errorf("bookings=%v after disconnect", got)
			}
		}
	})
	t.Run("ContentTypes", func(t *testing.T) {
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/vnd.api+json", "text/plain", ""} {
			r := e.doType("POST", "/api/v3/inbox/conversations", e.token, ct, `{"conversations":[{"subject":"ct"}]}`)
			r.must(t, 201)
		}
	})
}

func TestParticipantsAndReadState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	f := e.fixture()
	conv := fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation)
	// A second host participant, duplicated: BookingSync allows both.
	var dups []int64
	for i := 0; i < 2; i++ {
		p := e.do("POST", "/api/v3/inbox/participants", e.token, wrap("participants", map[string]any{
			"conversation_id": f.conversation, "member_id": f.host, "member_type": "Host", "read": "false",
			"last_message_sent_at": "2020-05-05T05:05:05Z"})).must(t, 201).one(t, "participants")
		if p["read_at"] != nil || p["last_message_sent_at"] != "2020-05-05T05:05:05Z" {
			t.Errorf("participant=%v", p)
		}
		if m := link(t, p, "member").(map[string]any); m["type"] != "Host" || id(t, m, "id") != f.host {
			t.Errorf("member=%v", m)
		}
		dups = append(dups, id(t, p, "id"))
	}
	if _, ok := e.do("GET", fmt.Sprintf("/api/v3/inbox/participants/%d", dups[0]), e.token, nil).must(t, 200).one(t, "participants")["member_id"]; ok {
		t.Error("participants show member_id; the member is only in links")
	}
	// The fixture's host participant has read; the conversation shows it.
	c := e.do("GET", conv, e.token, nil).must(t, 200).one(t, "conversations")
	hp := e.do("GET", fmt.Sprintf("/api/v3/inbox/participants/%d", f.hostParticipant), e.token, nil).must(t, 200).one(t, "participants")
	if c["read_at"] == nil || c["read_at"] != hp["read_at"] {
		t.Errorf("conversation read_at=%v, host read_at=%v", c["read_at"], hp["read_at"])
	}
	// Unread by every host: the conversation is unread.
	e.do("PUT", fmt.Sprintf("/api/v3/inbox/participants/%d", f.hostParticipant), e.token,
		wrap("participants", map[string]any{"read": false})).must(t, 200)
	if c := e.do("GET", conv, e.token, nil).must(t, 200).one(t, "conversations"); c["read_at"] != nil {
		t.Errorf("read_at=%v after every host unread", c["read_at"])
	}
	// A client reading does not make the conversation read by the host side.
	p := e.do("PATCH", fmt.Sprintf("/api/v3/inbox/participants/%d", f.clientParticipant), e.token,
		wrap("participants", map[string]any{"read": "true"})).must(t, 200).one(t, "participants")
	if p["read_at"] == nil {
		t.Error("client read_at is null")
	}
	if c := e.do("GET", conv, e.token, nil).must(t, 200).one(t, "conversations"); c["read_at"] != nil {
		t.Errorf("read_at=%v from a client's read", c["read_at"])
	}
	e.do("PUT", fmt.Sprintf("/api/v3/inbox/participants/%d", dups[1]), e.token, wrap("participants", map[string]any{"read": true})).must(t, 200)
	if c := e.do("GET", conv, e.token, nil).must(t, 200).one(t, "conversations"); c["read_at"] == nil {
		t.Error("read_at is null after a host read")
	}
	// An update without read answers the participant unchanged.
	if p := e.do("PUT", fmt.Sprintf("/api/v3/inbox/participants/%d", dups[1]), e.token, wrap("participants", map[string]any{})).
		must(t, 200).one(t, "participants"); p["read_at"] == nil {
		t.Errorf("participant=%v", p)
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	f := e.fixture()
	create := func(attrs map[string]any) map[string]any {
		t.Helper()
		base := map[string]any{"content": "Hello", "origin": "email", "conversation_id": fmt.Sprint(f.conversation),
			"sender_id": fmt.Sprint(f.hostParticipant)}
		for k, v := range attrs {
			base[k] = v
		}
		return e.do("POST", "/api/v3/inbox/messages", e.token, wrap("messages", base)).must(t, 201).one(t, "messages")
	}
	t.Run("VisibilityAllIsEchoed", func(t *testing.T) {
		m := create(map[string]any{"visibility": "all"})
		if m["visibility"] != "all" || m["sent_at"] != nil || m["channel"] != nil {
			t.Errorf("message=%v", m)
		}
		if m["created_by_type"] != "Doorkeeper::Application" || id(t, m, "created_by_id") != e.appID {
			t.Errorf("created_by=%v/%v", m["created_by_type"], m["created_by_id"])
		}
	})
	t.Run("InternalNote", func(t *testing.T) {
		m := create(map[string]any{"visibility": "internal"})
		if m["visibility"] != "internal" {
			t.Errorf("message=%v", m)
		}
	})
	t.Run("Attachments", func(t *testing.T) {
		m := create(map[string]any{"visibility": "external", "attachments_ids": []int64{f.attachments[1]}})
		if got := idList(t, link(t, m, "attachments")); !slices.Equal(got, []int64{f.attachments[1]}) {
			t.Errorf("attachments=%v", got)
		}
		path := fmt.Sprintf("/api/v3/inbox/messages/%d", id(t, m, "id"))
		m = e.do("PUT", path, e.token, wrap("messages", map[string]any{"attachment_ids": []int64{f.attachments[2], f.attachments[0]}})).
			must(t, 200).one(t, "messages")
		if got := idList(t, link(t, m, "attachments")); !slices.Equal(got, []int64{f.attachments[2], f.attachments[0]}) {
			t.Errorf("attachments after replace=%v", got)
		}
		for i := 0; i < 2; i++ {
			m = e.do("PUT", path+"/add_attachment", e.token, wrap("attachments", map[string]any{"id": f.attachments[1]})).
				must(t, 200).one(t, "messages")
		}
		if got := idList(t, link(t, m, "attachments")); !slices.Equal(got, []int64{f.attachments[2], f.attachments[0], f.attachments[1]}) {
			t.Errorf("attachments after add twice=%v", got)
		}
		att := e.do("GET", fmt.Sprintf("/api/v3/inbox/attachments/%d", f.attachments[1]), e.token, nil).must(t, 200).one(t, "attachments")
		if got := idList(t, link(t, att, "messages")); !slices.Contains(got, id(t, m, "id")) {
			t.Errorf("attachment links.messages=%v", got)
		}
	})
	t.Run("ConcurrentAddAttachment", func(t *testing.T) {
		// Additions to one message at the same instant must all land: each
		// reads and writes the list in one transaction.
		path := fmt.Sprintf("/api/v3/inbox/messages/%d/add_attachment", id(t, create(map[string]any{"visibility": "external"}), "id"))
		statuses := make([]int, len(f.attachments))
		var wg sync.WaitGroup
		for i, att := range f.attachments {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do("PUT", path, e.token, wrap("attachments", map[string]any{"id": att})).status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != 200 {
				t.Fatalf("add_attachment %d: status=%d, want 200", i, st)
			}
		}
		m := e.do("GET", strings.TrimSuffix(path, "/add_attachment"), e.token, nil).must(t, 200).one(t, "messages")
		got := idList(t, link(t, m, "attachments"))
		slices.Sort(got)
		want := slices.Sorted(slices.Values(f.attachments))
		if !slices.Equal(got, want) {
			t.Fatalf("attachments=%v, want %v", got, want)
		}
	})
	t.Run("Update", func(t *testing.T) {
		m := create(map[string]any{"visibility": "external", "channel": "email", "sent_at": "2030-01-01T00:00:00Z"})
		m = e.do("PATCH", fmt.Sprintf("/api/v3/inbox/messages/%d", id(t, m, "id")), e.token, wrap("messages", map[string]any{
			"content": "Edited", "channel": nil, "sent_at": nil, "origin": "sms"})).must(t, 200).one(t, "messages")
		if m["content"] != "Edited" || m["channel"] != nil || m["sent_at"] != nil || m["origin"] != "sms" {
			t.Errorf("message=%v", m)
		}
	})
	t.Run("ListNeverShowsActivity", func(t *testing.T) {
		e.do("PUT", fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation), e.token,
			wrap("conversations", map[string]any{"closed": true, "assignee_id": nil})).must(t, 200)
		r := e.do("GET", "/api/v3/inbox/messages?per_page=100", e.token, nil).must(t, 200)
		for _, m := range r.records(t, "messages") {
			if link(t, m, "sender") == nil {
				t.Errorf("a message without sender (activity line) is listed: %v", m)
			}
		}
		c := e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation), e.token, nil).must(t, 200).one(t, "conversations")
		if got := idList(t, link(t, c, "messages")); !slices.Equal(got, recordIDs(t, r, "messages")) {
			t.Errorf("links.messages=%v, listed %v", got, recordIDs(t, r, "messages"))
		}
	})
}

func TestFieldsAndInclude(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	f := e.fixture()
	t.Run("Fields", func(t *testing.T) {
		c := e.do("GET", "/api/v3/inbox/conversations?fields=subject,nonsense", e.token, nil).must(t, 200).one(t, "conversations")
		if len(c) != 3 || c["subject"] == nil || c["id"] == nil || c["links"] == nil {
			t.Errorf("record=%v, want links, id and subject", c)
		}
	})
	t.Run("ConversationParticipants", func(t *testing.T) {
		c := e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d?include=participants,account,assignee", f.conversation), e.token, nil).
			must(t, 200).one(t, "conversations")
		parts, _ := c["participants"].([]any)
		if len(parts) != 2 {
			t.Fatalf("participants=%v", c["participants"])
		}
		if id(t, parts[0].(map[string]any), "id") != f.hostParticipant || parts[0].(map[string]any)["links"] == nil {
			t.Errorf("participants[0]=%v", parts[0])
		}
		if acc, _ := c["account"].(map[string]any); acc == nil || id(t, acc, "id") != e.account.ID {
			t.Errorf("account=%v", c["account"])
		}
		if h, _ := c["assignee"].(map[string]any); h == nil || id(t, h, "id") != f.host || h["firstname"] != "Jan" {
			t.Errorf("assignee=%v", c["assignee"])
		}
		// The ids stay in links.
		if got := idList(t, link(t, c, "participants")); len(got) != 2 {
			t.Errorf("links.participants=%v", got)
		}
	})
	t.Run("MessageSender", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/messages?include=sender,hosts,sender.member", e.token, nil).must(t, 200)
		for _, m := range r.records(t, "messages") {
			sender, _ := m["sender"].(map[string]any)
			if sender == nil {
				t.Fatalf("message=%v", m)
			}
			member := link(t, sender, "member").(map[string]any)
			want := "Host"
			if id(t, m, "id") == f.clientMessage {
				want = "Client"
			}
			if member["type"] != want {
				t.Errorf("sender member=%v, want %s", member, want)
			}
			if _, ok := m["hosts"]; ok {
				t.Error("unknown include hosts was embedded")
			}
		}
	})
	t.Run("ParticipantMember", func(t *testing.T) {
		// Clients are embedded with inbox_read alone.
		readOnly := e.newToken(e.account.ID, inbox.Scopes{inbox.ScopeInboxRead}, &e.appID, 0)
		r := e.do("GET", fmt.Sprintf("/api/v3/inbox/participants/%d,%d?include=member,conversation", f.hostParticipant, f.clientParticipant), readOnly, nil).must(t, 200)
		recs := r.records(t, "participants")
		host, client := recs[0]["member"].(map[string]any), recs[1]["member"].(map[string]any)
		if host["firstname"] != "Jan" || client["fullname"] != "Anna Guest" {
			t.Errorf("members=%v / %v", host, client)
		}
		if conv, _ := recs[0]["conversation"].(map[string]any); conv == nil || id(t, conv, "id") != f.conversation {
			t.Errorf("conversation=%v", recs[0]["conversation"])
		}
	})
	t.Run("HostParticipants", func(t *testing.T) {
		h := e.do("GET", fmt.Sprintf("/api/v3/hosts/%d", f.host), e.token, nil).must(t, 200).one(t, "hosts")
		if got := idList(t, link(t, h, "participants")); !slices.Equal(got, []int64{f.hostParticipant}) {
			t.Errorf("links.participants=%v", got)
		}
		if link(t, h, "user") != nil || id(t, h["links"].(map[string]any), "source") != f.source {
			t.Errorf("links=%v", h["links"])
		}
	})
}

func TestRelatedResources(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	f := e.fixture()
	t.Run("Accounts", func(t *testing.T) {
		r := e.do("GET", "/api/v3/accounts", e.token, nil).must(t, 200)
		acc := r.one(t, "accounts")
		if id(t, acc, "id") != e.account.ID || acc["business_name"] != e.account.Name || acc["status"] != "trial" {
			t.Errorf("account=%v", acc)
		}
		if _, ok := r.body["links"]; ok {
			t.Error("accounts have no relations, so no links")
		}
		if _, ok := acc["inbox_email"]; !ok {
			t.Error("inbox_email missing for a token with an inbox scope")
		}
		pub := e.newToken(e.account.ID, nil, &e.appID, 0)
		if _, ok := e.do("GET", "/api/v3/accounts", pub, nil).must(t, 200).one(t, "accounts")["inbox_email"]; ok {
			t.Error("inbox_email shown without an inbox scope")
		}
		e.do("GET", fmt.Sprintf("/api/v3/accounts/%d", e.account.ID), e.token, nil).must(t, 200)
	})
	t.Run("BookingsPublicScope", func(t *testing.T) {
		pub := e.newToken(e.account.ID, nil, &e.appID, 0)
		r := e.do("GET", "/api/v3/bookings", pub, nil).must(t, 200)
		b := r.one(t, "bookings")
		want := []string{"end_at", "id", "reference", "start_at", "status", "updated_at"}
		if got := sortedKeys(b); !slices.Equal(got, want) {
			t.Errorf("public booking members=%v, want %v", got, want)
		}
		full := e.do("GET", fmt.Sprintf("/api/v3/bookings/%d", f.booking), e.token, nil).must(t, 200).one(t, "bookings")
		if id(t, full["links"].(map[string]any), "client") != f.client || full["status"] != "Booked" {
			t.Errorf("booking=%v", full)
		}
	})
	t.Run("CancelBooking", func(t *testing.T) {
		r := e.do("DELETE", fmt.Sprintf("/api/v3/bookings/%d", f.booking), e.token, nil).must(t, 204)
		if len(r.raw) != 0 {
			t.Errorf("body=%q", r.raw)
		}
		b := e.do("GET", fmt.Sprintf("/api/v3/bookings/%d", f.booking), e.token, nil).must(t, 200).one(t, "bookings")
		if b["status"] != "Canceled" || b["canceled_at"] == nil {
			t.Errorf("booking=%v", b)
		}
	})
	t.Run("InquiryLinksTheConversation", func(t *testing.T) {
		q := e.do("POST", "/api/v3/inquiries", e.token, wrap("inquiries", map[string]any{"firstname": "Ola", "lastname": "Nordmann",
			"adults": 2, "conversation_id": f.conversation, "start_at": "2031-02-01", "end_at": "2031-02-03"})).must(t, 201).one(t, "inquiries")
		c := e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation), e.token, nil).must(t, 200).one(t, "conversations")
		if got := idList(t, link(t, c, "inquiries")); !slices.Equal(got, []int64{id(t, q, "id")}) {
			t.Errorf("links.inquiries=%v", got)
		}
		q = e.do("PATCH", fmt.Sprintf("/api/v3/inquiries/%d", id(t, q, "id")), e.token, wrap("inquiries", map[string]any{"children": 1})).
			must(t, 200).one(t, "inquiries")
		if id(t, q, "children") != 1 || id(t, q, "adults") != 2 {
			t.Errorf("inquiry=%v", q)
		}
	})
	t.Run("ClientsAndSources", func(t *testing.T) {
		c := e.do("PUT", fmt.Sprintf("/api/v3/clients/%d", f.client), e.token, wrap("clients", map[string]any{
			"phones": []any{map[string]any{"label": "mobile", "number": "+48 600 000 000"}}, "notes": "VIP", "passport": nil,
			"addresses": []any{}})).must(t, 200).one(t, "clients")
		phones := c["phones"].([]any)
		if len(phones) != 1 || phones[0].(map[string]any)["number"] != "+48 600 000 000" || c["notes"] != "VIP" {
			t.Errorf("client=%v", c)
		}
		s := e.do("PATCH", fmt.Sprintf("/api/v3/sources/%d", f.source), e.token, wrap("sources", map[string]any{"name": "Portal", "position": 3})).
			must(t, 200).one(t, "sources")
		if s["name"] != "Portal" || id(t, s, "position") != 3 || s["internal"] != false {
			t.Errorf("source=%v", s)
		}
		h := e.do("PUT", fmt.Sprintf("/api/v3/hosts/%d", f.host), e.token, wrap("hosts", map[string]any{"lastname": "Nowak", "source_id": nil})).
			must(t, 200).one(t, "hosts")
		if h["lastname"] != "Nowak" || link(t, h, "source") != nil {
			t.Errorf("host=%v", h)
		}
	})
}
