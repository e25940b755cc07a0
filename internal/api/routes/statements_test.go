package routes_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// world is a pair of accounts seeded for the listings: rows, where every
// row is alike and linked to records of its own (its own contact, assignee,
// inbox, label, booking, inquiry, source, sender participants, attachments,
// read state), so that per-row work cannot hide behind a loader's memo of a
// record shared by every row; and hub, for the listings nested in one record:
// a contact with n conversations (each like a row's), a conversation of
// another contact with n host participants, n messages (each from another
// host, with an attachment) and n labels, and an inbox with n members.
type world struct {
	n         int
	rows, hub tenant
	conv      []int64 // the rows' conversations
	parts     []int64 // the rows' host participants
	msgs      []int64 // the rows' host messages
	atts      []int64
	hosts     []int64
	clients   []int64
	sources   []int64
	bookings  []int64
	inquiries []int64
	hubConv   int64 // the hub conversation's display id
	hubClient int64 // the contact with n conversations
	hubInbox  int64 // the inbox with n members
}

// tenant is an account with an administrator's token (Chatwoot) and an
// application's token with every scope (BookingSync).
type tenant struct {
	account          int64
	bsToken, cwToken string
	appID            int64
	ctx              context.Context // acting as the administrator
}

func newTenant(t *testing.T, a *app.App, name string) tenant {
	ctx := context.Background()
	admin := app.NewAdmin(a)
	acc := &inbox.Account{Name: name}
	must(t, admin.CreateAccount(ctx, acc))
	owner := &inbox.Host{AccountID: acc.ID, Firstname: "Olga", Lastname: "Owner",
		Email: fmt.Sprintf("olga%d@world.example", acc.ID), Role: inbox.RoleAdministrator}
	cw, err := admin.CreateHostWithToken(ctx, owner, nil)
	must(t, err)
	application := &inbox.Application{AccountID: acc.ID, Name: "PMS", Scopes: inbox.KnownScopes}
	_, err = admin.CreateApplication(ctx, application)
	must(t, err)
	g, err := admin.CreateToken(ctx, acc.ID, inbox.KnownScopes, &application.ID, 0)
	must(t, err)
	p, err := a.Authenticate(ctx, cw)
	must(t, err)
	return tenant{account: acc.ID, bsToken: g.AccessToken, cwToken: cw, appID: application.ID,
		ctx: inbox.NewContextWithPrincipal(ctx, p)}
}

// seeded is what one row of a tenant links to.
type seeded struct {
	host, client, inbox, source, booking int64
}

// seedRow creates row i's own records: an agent, a contact, an inbox the
// agent is a member of, a label, a canned response, a source, a booking and
// a webhook of each dialect.
func seedRow(t *testing.T, a *app.App, tn tenant, i int) seeded {
	ctx := tn.ctx
	h, err := a.CreateAgent(ctx, app.AgentCreate{Name: fmt.Sprintf("Agent Needle %d", i),
		Email: fmt.Sprintf("agent%d@world.example", i)})
	must(t, err)
	c, err := a.CreateContact(ctx, app.ContactCreate{Client: inbox.Client{Fullname: fmt.Sprintf("Guest Needle %d", i),
		Email: fmt.Sprintf("guest%d@world.example", i), Phone: fmt.Sprintf("+155501%05d", i)}})
	must(t, err)
	b, err := a.CreateInbox(ctx, inbox.Inbox{Name: fmt.Sprintf("Inbox %d", i), Channel: inbox.ChannelAPI})
	must(t, err)
	_, err = a.ChangeInboxAgents(ctx, b.ID, app.MembersAdd, []int64{h.ID})
	must(t, err)
	_, err = a.CreateLabel(ctx, inbox.Label{Title: fmt.Sprintf("label-%d", i)})
	must(t, err)
	_, err = a.CreateCannedResponse(ctx, inbox.CannedResponse{ShortCode: fmt.Sprintf("code-%d", i), Content: "Needle"})
	must(t, err)
	src, err := a.CreateSource(ctx, &inbox.Source{Name: fmt.Sprintf("Source %d", i)})
	must(t, err)
	bk, err := a.CreateBooking(ctx, &inbox.Booking{ClientID: &c.Contact.ID, SourceID: &src.ID,
		StartAt: mustTime("2030-01-01T00:00:00Z"), EndAt: mustTime("2030-01-05T00:00:00Z")})
	must(t, err)
	admin := app.NewAdmin(a)
	url := fmt.Sprintf("https://receiver.example/%d", i)
	_, err = admin.CreateWebhook(ctx, tn.account, &tn.appID, app.WebhookChange{URL: &url,
		Events: &[]string{"inbox_message_created"}})
	must(t, err)
	_, err = admin.CreateWebhook(ctx, tn.account, nil, app.WebhookChange{URL: &url, Events: &[]string{"message_created"}})
	must(t, err)
	return seeded{host: h.ID, client: c.Contact.ID, inbox: b.ID, source: src.ID, booking: bk.ID}
}

func file(i int) []inbox.FileUpload {
	return []inbox.FileUpload{{Name: fmt.Sprintf("f%d.txt", i), ContentType: "text/plain", Data: []byte("needle")}}
}

// row is a seeded row's conversation: with client as its contact, the row's
// agent as assignee, label, source, booking and inquiry, a message with an
// attachment from the contact and one from the agent's participant, which
// has read it.
type row struct{ conv, part, msg, inquiry, att int64 }

func seedConversation(t *testing.T, a *app.App, tn tenant, i int, r seeded, client int64) row {
	ctx := tn.ctx
	c, err := a.CreateConversation(ctx, app.ConversationCreate{InboxID: &r.inbox, ClientID: &client,
		AssigneeID: &r.host, SourceID: &r.source, Priority: "high", Labels: []string{fmt.Sprintf("label-%d", i)}})
	must(t, err)
	_, err = a.CreateMessage(ctx, app.MessageCreate{ConversationID: c.ID, AsContact: true,
		Content: ptr(fmt.Sprintf("Needle question %d", i)), Files: file(i)})
	must(t, err)
	pt, err := a.CreateParticipant(ctx, app.ParticipantCreate{ConversationID: c.ID, MemberType: inbox.MemberHost,
		MemberID: r.host})
	must(t, err)
	m, err := a.CreateMessage(ctx, app.MessageCreate{ConversationID: c.ID, SenderParticipantID: &pt.ID,
		Content: ptr(fmt.Sprintf("Needle answer %d", i)), Files: file(i)})
	must(t, err)
	_, err = a.ConnectBooking(ctx, app.ByID(c.ID), r.booking, app.ViewOptions{})
	must(t, err)
	q, err := a.CreateInquiry(ctx, &inbox.Inquiry{Firstname: fmt.Sprintf("Ines %d", i), BookingID: &r.booking,
		ConversationID: &c.ID, SourceID: &r.source})
	must(t, err)
	_, err = a.UpdateParticipant(ctx, pt.ID, ptr(true))
	must(t, err)
	return row{conv: c.ID, part: pt.ID, msg: m.ID, inquiry: q.ID, att: m.AttachmentIDs[0]}
}

func newWorld(t *testing.T, a *app.App, n int) *world {
	w := &world{n: n, rows: newTenant(t, a, fmt.Sprintf("Rows %d", n)), hub: newTenant(t, a, fmt.Sprintf("Hub %d", n))}
	for i := range n {
		s := seedRow(t, a, w.rows, i)
		r := seedConversation(t, a, w.rows, i, s, s.client)
		w.conv, w.parts, w.msgs, w.atts = append(w.conv, r.conv), append(w.parts, r.part), append(w.msgs, r.msg), append(w.atts, r.att)
		w.hosts, w.clients = append(w.hosts, s.host), append(w.clients, s.client)
		w.sources, w.bookings, w.inquiries = append(w.sources, s.source), append(w.bookings, s.booking), append(w.inquiries, r.inquiry)
	}

	ctx := w.hub.ctx
	hub, err := a.CreateContact(ctx, app.ContactCreate{Client: inbox.Client{Fullname: "Hub Needle", Email: "hub@world.example"}})
	must(t, err)
	w.hubClient = hub.Contact.ID
	other, err := a.CreateContact(ctx, app.ContactCreate{Client: inbox.Client{Fullname: "Other", Email: "other@world.example"}})
	must(t, err)
	box, err := a.CreateInbox(ctx, inbox.Inbox{Name: "Hub", Channel: inbox.ChannelAPI})
	must(t, err)
	w.hubInbox = box.ID
	rows := make([]seeded, n)
	var labels []string
	for i := range rows {
		rows[i] = seedRow(t, a, w.hub, i)
		seedConversation(t, a, w.hub, i, rows[i], w.hubClient)
		labels = append(labels, fmt.Sprintf("label-%d", i))
	}
	c, err := a.CreateConversation(ctx, app.ConversationCreate{InboxID: &w.hubInbox, ClientID: &other.Contact.ID, Labels: labels})
	must(t, err)
	w.hubConv = c.DisplayID
	for i, r := range rows {
		pt, err := a.CreateParticipant(ctx, app.ParticipantCreate{ConversationID: c.ID, MemberType: inbox.MemberHost,
			MemberID: r.host})
		must(t, err)
		_, err = a.CreateMessage(ctx, app.MessageCreate{ConversationID: c.ID, SenderParticipantID: &pt.ID,
			Content: ptr(fmt.Sprintf("Needle note %d", i)), Files: file(i)})
		must(t, err)
		_, err = a.ChangeInboxAgents(ctx, w.hubInbox, app.MembersAdd, []int64{r.host})
		must(t, err)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

func join(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

// listRequests holds, per listing route, its request in a world: every
// relation the listing can render is asked for.
func listRequests() map[string]func(w *world) (tenant, request) {
	bs := func(path, include string) func(w *world) (tenant, request) {
		return func(w *world) (tenant, request) {
			return w.rows, request{path: path + "?updated_since=2000-01-01T00:00:00Z&include=" + include, status: 200}
		}
	}
	bsIDs := func(path, include string, ids func(w *world) []int64) func(w *world) (tenant, request) {
		return func(w *world) (tenant, request) {
			return w.rows, request{path: path + "/" + join(ids(w)) + "?include=" + include, status: 200}
		}
	}
	const v3 = "/api/v3"
	r := map[string]func(w *world) (tenant, request){
		"GET " + v3 + "/inbox/conversations": bs(v3+"/inbox/conversations", "account,assignee,source,bookings,inquiries,messages,participants"),
		"GET " + v3 + "/inbox/conversations/{ids}": bsIDs(v3+"/inbox/conversations",
			"account,assignee,source,bookings,inquiries,messages,participants", func(w *world) []int64 { return w.conv }),
		"GET " + v3 + "/inbox/participants":       bs(v3+"/inbox/participants", "conversation,member"),
		"GET " + v3 + "/inbox/participants/{ids}": bsIDs(v3+"/inbox/participants", "conversation,member", func(w *world) []int64 { return w.parts }),
		"GET " + v3 + "/inbox/messages":           bs(v3+"/inbox/messages", "attachments,conversation,sender"),
		"GET " + v3 + "/inbox/messages/{ids}":     bsIDs(v3+"/inbox/messages", "attachments,conversation,sender", func(w *world) []int64 { return w.msgs }),
		"GET " + v3 + "/inbox/attachments":        bs(v3+"/inbox/attachments", "account,messages"),
		"GET " + v3 + "/inbox/attachments/{ids}":  bsIDs(v3+"/inbox/attachments", "account,messages", func(w *world) []int64 { return w.atts }),
		"GET " + v3 + "/hosts":                    bs(v3+"/hosts", "account,participants,source"),
		"GET " + v3 + "/hosts/{ids}":              bsIDs(v3+"/hosts", "account,participants,source", func(w *world) []int64 { return w.hosts }),
		"GET " + v3 + "/clients":                  bs(v3+"/clients", "account"),
		"GET " + v3 + "/clients/{ids}":            bsIDs(v3+"/clients", "account", func(w *world) []int64 { return w.clients }),
		"GET " + v3 + "/sources":                  bs(v3+"/sources", "account"),
		"GET " + v3 + "/sources/{ids}":            bsIDs(v3+"/sources", "account", func(w *world) []int64 { return w.sources }),
		"GET " + v3 + "/bookings":                 bs(v3+"/bookings", "account,client,source,conversations"),
		"GET " + v3 + "/bookings/{ids}":           bsIDs(v3+"/bookings", "account,client,source,conversations", func(w *world) []int64 { return w.bookings }),
		"GET " + v3 + "/inquiries":                bs(v3+"/inquiries", "account,booking,conversation,source"),
		"GET " + v3 + "/inquiries/{ids}":          bsIDs(v3+"/inquiries", "account,booking,conversation,source", func(w *world) []int64 { return w.inquiries }),
		"GET " + v3 + "/webhooks":                 bs(v3+"/webhooks", ""),
	}
	const pat = "/api/v1/accounts/{account_id}"
	cw := func(path string) func(w *world) (tenant, request) {
		return func(w *world) (tenant, request) {
			return w.rows, request{path: fmt.Sprintf("/api/v1/accounts/%d%s", w.rows.account, path), status: 200}
		}
	}
	hub := func(rest string) func(w *world) (tenant, request) {
		return func(w *world) (tenant, request) {
			return w.hub, request{path: fmt.Sprintf("/api/v1/accounts/%d/conversations/%d%s", w.hub.account, w.hubConv, rest),
				status: 200}
		}
	}
	filter := func(path, attr, op, value string) func(w *world) (tenant, request) {
		return func(w *world) (tenant, request) {
			return w.rows, request{path: fmt.Sprintf("/api/v1/accounts/%d%s", w.rows.account, path), status: 200,
				body: map[string]any{"payload": []any{map[string]any{"attribute_key": attr, "filter_operator": op,
					"values": []string{value}, "query_operator": nil}}}}
		}
	}
	r["GET "+pat+"/conversations"] = cw("/conversations?status=all")
	r["GET "+pat+"/conversations/search"] = cw("/conversations/search?q=needle")
	r["POST "+pat+"/conversations/filter"] = filter("/conversations/filter", "status", "equal_to", "open")
	r["GET "+pat+"/conversations/{conversation_id}/labels"] = hub("/labels")
	r["GET "+pat+"/conversations/{conversation_id}/participants"] = hub("/participants")
	r["GET "+pat+"/conversations/{conversation_id}/messages"] = hub("/messages")
	r["GET "+pat+"/contacts"] = cw("/contacts?sort=-name&page=1")
	r["GET "+pat+"/contacts/search"] = cw("/contacts/search?q=needle")
	r["POST "+pat+"/contacts/filter"] = filter("/contacts/filter?page=1", "name", "contains", "needle")
	r["GET "+pat+"/contacts/{id}/conversations"] = func(w *world) (tenant, request) {
		return w.hub, request{path: fmt.Sprintf("/api/v1/accounts/%d/contacts/%d/conversations", w.hub.account, w.hubClient),
			status: 200}
	}
	r["GET "+pat+"/inboxes"] = cw("/inboxes")
	r["GET "+pat+"/inbox_members/{inbox_id}"] = func(w *world) (tenant, request) {
		return w.hub, request{path: fmt.Sprintf("/api/v1/accounts/%d/inbox_members/%d", w.hub.account, w.hubInbox), status: 200}
	}
	r["GET "+pat+"/agents"] = cw("/agents")
	r["GET "+pat+"/labels"] = cw("/labels")
	r["GET "+pat+"/canned_responses"] = cw("/canned_responses?search=code")
	r["GET "+pat+"/search"] = cw("/search?q=needle")
	r["GET "+pat+"/search/conversations"] = cw("/search/conversations?q=needle")
	r["GET "+pat+"/search/contacts"] = cw("/search/contacts?q=needle")
	r["GET "+pat+"/search/messages"] = cw("/search/messages?q=needle")
	r["GET "+pat+"/webhooks"] = cw("/webhooks")
	return r
}

// notLists are the read routes that answer one record (or a fixed set of
// counters), with why.
var notLists = map[string]string{
	"GET /oauth/token/info":      "one token",
	"GET /api/v3/accounts":       "a token sees its one account",
	"GET /api/v3/accounts/{ids}": "a token sees its one account",
	"GET /api/v3/webhooks/{id}":  "one webhook",
	"/api/v3/":                   "unknown routes",
	"/api/v1/":                   "unknown routes",
	"GET /api/v1/accounts/{account_id}/conversations/meta":              "three counters",
	"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}": "one conversation",
	"GET /api/v1/accounts/{account_id}/contacts/{id}":                   "one contact",
	"GET /api/v1/accounts/{account_id}/inboxes/{id}":                    "one inbox",
	"GET /api/v1/accounts/{account_id}/labels/{id}":                     "one label",
	"GET /api/v1/profile": "the caller",
}

// TestStatementsPerPage checks that a listing's work does not grow with its
// page: for every listing route of both dialects, a page of one world's rows
// and a full page of a hundred-row world's run the same number of SQL
// statements besides the COUNT of a total, which a first page holding every
// match does without (so the one-row page may skip the hundred-row page's
// one). A statement per row (a lookup of each row's sender, contact,
// attachments…) fails it. A read route added to either dialect fails it until
// it is in listRequests or notLists.
func TestStatementsPerPage(t *testing.T) {
	store := inboxtest.NewCountingStore(inboxtest.MustOpenStore(t))
	files, err := filestore.New(t.TempDir())
	must(t, err)
	a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetch.New(), Logger: discard()})
	rec := inboxtest.NewRouteRecorder()
	bookingsync.New(bookingsync.Deps{App: a, Logger: discard()}).Register(rec)
	chatwoot.New(chatwoot.Deps{App: a, Logger: discard()}).Register(rec)
	srv := httptest.NewServer(httpx.Middleware(rec.Mux, discard(), 16<<20, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
	}))
	defer srv.Close()
	small, large := newWorld(t, a, 1), newWorld(t, a, 100)
	lists := listRequests()
	seen := map[string]bool{}
	for _, pattern := range rec.Patterns {
		method, _, _ := strings.Cut(pattern, " ")
		if method != "GET" && !strings.HasSuffix(pattern, "/filter") || seen[pattern] {
			continue
		}
		seen[pattern] = true
		build, ok := lists[pattern]
		if !ok {
			if _, ok := notLists[pattern]; !ok {
				t.Errorf("read route %q is neither in listRequests nor in notLists: add it", pattern)
			}
			continue
		}
		t.Run(pattern, func(t *testing.T) {
			measure := func(w *world) (int, int, string) {
				tn, req := build(w)
				header, token := "api_access_token", tn.cwToken
				if strings.HasPrefix(req.path, "/api/v3") {
					header, token = "Authorization", "Bearer "+tn.bsToken
				}
				send(t, srv, method, req, header, token, "") // warms caches
				store.Reset()
				got := send(t, srv, method, req, header, token, "")
				if got.status != req.status {
					t.Fatalf("%s: status=%d, want %d; body %s", req.path, got.status, req.status, got.body)
				}
				c := store.Counts()
				return c.Statements - c.Totals, c.Totals, got.body
			}
			n1, totals1, body1 := measure(small)
			n100, totals100, body100 := measure(large)
			if n1 == 0 {
				t.Fatal("no statements counted")
			}
			// A page that did not grow would prove nothing.
			if len(body100) < 3*len(body1) {
				t.Fatalf("the hundred-row page (%d bytes) is not much larger than the one-row page (%d bytes)",
					len(body100), len(body1))
			}
			if n1 != n100 {
				t.Errorf("statements besides totals: %d for the one-row page, %d for the hundred-row page; want the same", n1, n100)
			}
			// A page that holds every match takes its total from its own
			// length (sqlstore.list); a full page counts it, once.
			if totals100 > 1 || totals1 > totals100 {
				t.Errorf("totals counted: %d for the one-row page, %d for the hundred-row page; want at most one, and none fewer for the larger page", totals1, totals100)
			}
			t.Logf("%d statements and %d/%d totals; %d and %d bytes", n1, totals1, totals100, len(body1), len(body100))
		})
	}
	for pattern := range lists {
		if !seen[pattern] {
			t.Errorf("listRequests has %q, which no dialect registers", pattern)
		}
	}
}
