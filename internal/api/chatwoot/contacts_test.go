package chatwoot_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// foreign is another account's administrator.
func (e *env) foreign() string {
	e.t.Helper()
	acc := e.mustAccount(fmt.Sprintf("Other %d", time.Now().UnixNano()), inbox.AccountTrial)
	_, tok := mustHostIn(e.t, e.app, acc.ID, "Mal", "Lory", "mal@other.example", inbox.RoleAdministrator)
	return tok
}

// refusal is a request a test expects refused: its status and the field
// its first error names.
type refusal struct {
	name   string
	token  string
	body   any
	status int
	field  string
}

// wantRefused sends each refusal to method path and checks its status and
// field.
func (e *env) wantRefused(t *testing.T, method, path string, cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		res := e.request(method, path, tc.token, tc.body)
		if res.status != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, res.status, tc.status, res.body)
		} else if got := get(t, res.obj(t), "errors", 0, "field"); got != tc.field {
			t.Errorf("%s: field %v, want %v; body %s", tc.name, got, tc.field, res.body)
		}
	}
}

// applicationToken is a token of an application of the env's account (not
// a person's).
func (e *env) applicationToken() string {
	e.t.Helper()
	application := &inbox.Application{AccountID: e.account.ID, Name: "PMS", Scopes: inbox.Scopes{inbox.ScopeInboxWrite}}
	if _, err := app.NewAdmin(e.app).CreateApplication(ctx, application); err != nil {
		e.t.Fatal(err)
	}
	grant, err := app.NewAdmin(e.app).CreateToken(ctx, e.account.ID, inbox.Scopes{inbox.ScopeInboxWrite}, &application.ID, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return grant.AccessToken
}

// clientCount counts the clients of the env's account in the store.
func (e *env) clientCount() int {
	e.t.Helper()
	var n int
	err := e.store.View(ctx, func(tx inbox.Tx) error {
		_, total, err := tx.FindClients(ctx, e.account.ID, inbox.ClientFilter{})
		n = total
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestContacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign := e.foreign()

	var annID int64
	t.Run("Create", func(t *testing.T) {
		path := e.path("/contacts")
		res := e.must("POST", path, e.agentTk, map[string]any{"name": "Ann Lee", "email": "Ann@Example.com",
			"inbox_id": e.apiBox.ID, "source_id": "ann-1", "avatar_url": "https://example.com/a.png"})
		assertShape(t, "contact-create.json", parseOrdered(t, golden(t, "contact-create.json")), res.body)
		assertOpenAPI(t, "POST", path, res)
		c := get(t, res.obj(t), "payload", "contact")
		annID = num(t, get(t, c, "id"))
		for _, tc := range []struct {
			path []any
			want any
		}{
			{[]any{"name"}, "Ann Lee"},
			{[]any{"email"}, "ann@example.com"},
			{[]any{"contact_inboxes", 0, "source_id"}, "ann-1"},
			{[]any{"contact_inboxes", 0, "inbox", "id"}, json.Number(itoa(e.apiBox.ID))},
		} {
			if got := get(t, c, tc.path...); got != tc.want {
				t.Errorf("%v=%v, want %v", tc.path, got, tc.want)
			}
		}
		if got := get(t, res.obj(t), "payload", "contact_inbox", "source_id"); got != "ann-1" {
			t.Errorf("contact_inbox.source_id=%v, want ann-1", got)
		}
		// Without an inbox: no contact inbox, contact_inbox nulls.
		res = e.must("POST", path, e.adminTk, map[string]any{"name": "Bob Stone", "phone_number": "+15550100",
			"identifier": "crm-bob", "additional_attributes": map[string]any{"city": "Oslo", "company_name": "Stone AS"},
			"custom_attributes": map[string]any{"tier": "gold"}})
		m := res.obj(t)
		if get(t, m, "payload", "contact_inbox", "inbox") != nil || get(t, m, "payload", "contact_inbox", "source_id") != nil {
			t.Errorf("contact_inbox=%v, want nulls", get(t, m, "payload", "contact_inbox"))
		}
		if got := get(t, m, "payload", "contact", "additional_attributes", "company_name"); got != "Stone AS" {
			t.Errorf("company_name=%v, want Stone AS", got)
		}
	})

	t.Run("ErrCreate", func(t *testing.T) {
		before := e.clientCount()
		for _, tc := range []struct {
			name  string
			body  any
			field string
		}{
			{"Nothing", map[string]any{}, "name"},
			{"BadEmail", map[string]any{"name": "X", "email": "not-an-email"}, "email"},
			{"IdentifierTaken", map[string]any{"name": "X", "identifier": "crm-bob"}, "identifier"},
			{"AttributesNotAnObject", map[string]any{"name": "X", "additional_attributes": []int{1}}, "additional_attributes"},
			{"UnknownInbox", map[string]any{"name": "X", "email": "x@example.com", "inbox_id": 1 << 40}, "inbox_id"},
			{"SourceTaken", map[string]any{"name": "X", "email": "x@example.com", "inbox_id": e.apiBox.ID, "source_id": "ann-1"}, "source_id"},
			{"NameTooLong", map[string]any{"name": string(make([]byte, 300))}, "name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := e.request("POST", e.path("/contacts"), e.adminTk, tc.body)
				if res.status != http.StatusUnprocessableEntity {
					t.Fatalf("status=%d, want 422; body %s", res.status, res.body)
				}
				if got := get(t, res.obj(t), "errors", 0, "field"); got != tc.field {
					t.Errorf("field=%v, want %v; body %s", got, tc.field, res.body)
				}
			})
		}
		if after := e.clientCount(); after != before {
			t.Fatalf("clients %d → %d: a failed create wrote something", before, after)
		}
		// An agent outside the inbox may not give a contact an identity there.
		res := e.request("POST", e.path("/contacts"), e.agentTk, map[string]any{"name": "Y", "inbox_id": e.other.ID})
		wantError(t, res, http.StatusUnauthorized, "forbidden", "You are not authorized to do this action")
		if after := e.clientCount(); after != before {
			t.Fatalf("clients %d → %d: a refused create wrote something", before, after)
		}
		res = e.request("POST", e.path("/contacts"), foreign, map[string]any{"name": "Z"})
		wantError(t, res, http.StatusUnauthorized, "unauthorized", "You are not authorized to access this account")
	})

	t.Run("Show", func(t *testing.T) {
		path := e.path("/contacts/%d", annID)
		res := e.must("GET", path, e.agentTk, nil)
		assertOpenAPI(t, "GET", path, res)
		if got := get(t, res.obj(t), "payload", "name"); got != "Ann Lee" {
			t.Fatalf("name=%v", got)
		}
		wantError(t, e.request("GET", e.path("/contacts/%d", 1<<40), e.adminTk, nil), 404, "not_found", "Resource could not be found")
		wantError(t, e.request("GET", e.path("/contacts/abc"), e.adminTk, nil), 404, "not_found", "Resource could not be found")
		wantError(t, e.request("GET", path, foreign, nil), 401, "unauthorized", "You are not authorized to access this account")
		// The foreign account's administrator asking for its own account
		// with this id: not found.
	})

	t.Run("UpdateMergesAttributes", func(t *testing.T) {
		path := e.path("/contacts/%d", annID)
		e.must("PUT", path, e.agentTk, map[string]any{"additional_attributes": map[string]any{"city": "Lyon"},
			"custom_attributes": map[string]any{"tier": "silver"}})
		res := e.must("PATCH", path, e.agentTk, map[string]any{"name": "Ann Marie Lee", "phone_number": "+33612345678",
			"identifier": "crm-7", "additional_attributes": map[string]any{"country_code": "FR", "company_name": "Doe Travel"},
			"custom_attributes": map[string]any{"vip": true}})
		assertOpenAPI(t, "PUT", path, res)
		// Writing makes the contact active (last_activity_at).
		conv := e.createConversation(map[string]any{"contact_id": annID})
		e.postMessage(conv, e.adminTk, map[string]any{"content": "Hello?", "message_type": "incoming"})
		full := e.must("GET", path, e.agentTk, nil)
		assertShape(t, "contact-show.json", parseOrdered(t, golden(t, "contact-show.json")), full.body)
		c := get(t, full.obj(t), "payload")
		for _, tc := range []struct {
			path []any
			want any
		}{
			{[]any{"name"}, "Ann Marie Lee"},
			{[]any{"additional_attributes", "city"}, "Lyon"},
			{[]any{"additional_attributes", "country_code"}, "FR"},
			{[]any{"additional_attributes", "company_name"}, "Doe Travel"},
			{[]any{"custom_attributes", "tier"}, "silver"},
			{[]any{"custom_attributes", "vip"}, true},
		} {
			if got := get(t, c, tc.path...); got != tc.want {
				t.Errorf("%v=%v, want %v", tc.path, got, tc.want)
			}
		}
		// The same record through BookingSync's model: first and last name
		// split, company in its column.
		cl := e.storedClient(annID)
		if cl.Firstname != "Ann" || cl.Lastname != "Marie Lee" || cl.Company != "Doe Travel" {
			t.Errorf("client %q %q company %q", cl.Firstname, cl.Lastname, cl.Company)
		}
		res = e.request("PUT", path, e.adminTk, map[string]any{"email": "bad"})
		wantError(t, res, 422, "invalid", "Email is invalid")
		if cl := e.storedClient(annID); cl.Email != "ann@example.com" {
			t.Fatalf("email=%q after a refused update", cl.Email)
		}
	})

	t.Run("ListSortPage", func(t *testing.T) {
		// An unresolved contact (no e-mail, phone or identifier) is not
		// listed, as Chatwoot lists only resolved ones.
		e.mustClient(&inbox.Client{Fullname: "No Contact"})
		for i := 0; i < 14; i++ {
			e.mustClient(&inbox.Client{Fullname: fmt.Sprintf("Zed %02d", i), Email: fmt.Sprintf("zed%d@example.com", i)})
		}
		path := e.path("/contacts")
		res := e.must("GET", path+"?sort=name", e.agentTk, nil)
		assertOpenAPI(t, "GET", path, res)
		m := res.obj(t)
		// Jane, Ann, Bob and 14 Zeds are resolved: 17, 15 per page.
		if got := num(t, get(t, m, "meta", "count")); got != 17 {
			t.Fatalf("count=%d, want 17", got)
		}
		if got := get(t, m, "meta", "current_page"); got != "1" {
			t.Fatalf("current_page=%v, want \"1\"", got)
		}
		list := get(t, m, "payload").([]any)
		if len(list) != 15 || get(t, list[0], "name") != "Ann Marie Lee" || get(t, list[1], "name") != "Bob Stone" {
			t.Fatalf("%d contacts, first %v then %v", len(list), get(t, list[0], "name"), get(t, list[1], "name"))
		}
		res = e.must("GET", path+"?sort=-name&page=2", e.agentTk, nil)
		list = get(t, res.obj(t), "payload").([]any)
		if len(list) != 2 || get(t, list[1], "name") != "Ann Marie Lee" {
			t.Fatalf("page 2 by -name: %s", res.body)
		}
		wantError(t, e.request("GET", path+"?sort=shoe_size", e.adminTk, nil), 422, "invalid", "Sort is not included in the list")
		wantError(t, e.request("GET", path+"?page=x", e.adminTk, nil), 422, "invalid", "Page is invalid")
	})

	t.Run("Search", func(t *testing.T) {
		path := e.path("/contacts/search")
		for _, tc := range []struct {
			q    string
			want string
		}{{"MARIE", "Ann Marie Lee"}, {"ann@", "Ann Marie Lee"}, {"3361234", "Ann Marie Lee"}, {"crm-b", "Bob Stone"}} {
			res := e.must("GET", path+"?q="+tc.q, e.agentTk, nil)
			assertOpenAPI(t, "GET", path, res)
			list := get(t, res.obj(t), "payload").([]any)
			if len(list) != 1 || get(t, list[0], "name") != tc.want {
				t.Errorf("q=%s: %s", tc.q, res.body)
			}
		}
		wantError(t, e.request("GET", path+"?q=%20", e.adminTk, nil), 422, "invalid", "Specify search string with parameter q")
	})

	t.Run("Filter", func(t *testing.T) {
		path := e.path("/contacts/filter")
		res := e.must("POST", path+"?page=1", e.agentTk, map[string]any{"payload": []any{
			map[string]any{"attribute_key": "city", "filter_operator": "equal_to", "values": []string{"lyon"}, "query_operator": "OR"},
			map[string]any{"attribute_key": "name", "filter_operator": "contains", "values": []string{"stone"}, "query_operator": nil},
		}})
		assertOpenAPI(t, "POST", path, res)
		m := res.obj(t)
		if got := num(t, get(t, m, "meta", "count")); got != 2 {
			t.Fatalf("count=%d, want 2 (Ann in Lyon, Bob Stone); body %s", got, res.body)
		}
		for _, tc := range []struct {
			cond map[string]any
			msg  string
		}{
			{map[string]any{"attribute_key": "shoe_size", "filter_operator": "equal_to", "values": []string{"42"}},
				"Invalid attribute key - [shoe_size]. The key should be one of [name,phone_number,email,identifier,country_code," +
					"city,company,labels,created_at,last_activity_at,blocked] or a custom attribute defined in the account."},
			{map[string]any{"attribute_key": "identifier", "filter_operator": "contains", "values": []string{"x"}},
				"Invalid operator. The allowed operators for identifier are [equal_to,not_equal_to]."},
			{map[string]any{"attribute_key": "blocked", "filter_operator": "equal_to", "values": []string{"maybe"}},
				"Invalid value. The values provided for blocked are invalid"},
		} {
			res := e.request("POST", path, e.adminTk, map[string]any{"payload": []any{tc.cond}})
			wantError(t, res, 422, "invalid", tc.msg)
		}
	})

	t.Run("ContactInboxes", func(t *testing.T) {
		path := e.path("/contacts/%d/contact_inboxes", annID)
		res := e.must("POST", path, e.agentTk, map[string]any{"inbox_id": e.apiBox.ID, "source_id": "ann-2"})
		assertShape(t, "contact-inbox-create.json", parseOrdered(t, golden(t, "contact-inbox-create.json")), res.body)
		assertOpenAPI(t, "POST", path, res)
		// The same source id again is the same identity.
		e.must("POST", path, e.agentTk, map[string]any{"inbox_id": e.apiBox.ID, "source_id": "ann-2"})
		// Without one, the contact's identity there is reused.
		if got := get(t, e.must("POST", path, e.agentTk, map[string]any{"inbox_id": e.apiBox.ID}).obj(t), "source_id"); got != "ann-1" {
			t.Fatalf("source_id=%v, want the contact's first identity ann-1", got)
		}
		bob := e.mustClient(&inbox.Client{Fullname: "Bo Other", Email: "bo@example.com"})
		res = e.request("POST", e.path("/contacts/%d/contact_inboxes", bob.ID), e.adminTk,
			map[string]any{"inbox_id": e.apiBox.ID, "source_id": "ann-2"})
		wantError(t, res, 422, "conflict", "source_id should be unique")
		wantError(t, e.request("POST", path, e.adminTk, map[string]any{}), 422, "invalid",
			"param is missing or the value is empty: inbox_id")
		wantError(t, e.request("POST", path, e.agentTk, map[string]any{"inbox_id": e.other.ID}), 401, "forbidden",
			"You are not authorized to do this action")
		wantError(t, e.request("POST", path, e.adminTk, map[string]any{"inbox_id": 1 << 40}), 422, "invalid", "Inbox is invalid")
	})

	t.Run("Conversations", func(t *testing.T) {
		inAgents := e.createConversation(map[string]any{"contact_id": annID})
		inOther := e.createConversation(map[string]any{"contact_id": annID, "inbox_id": e.other.ID})
		path := e.path("/contacts/%d/conversations", annID)
		res := e.must("GET", path, e.adminTk, nil)
		assertOpenAPI(t, "GET", path, res)
		var ids []int64
		for _, c := range get(t, res.obj(t), "payload").([]any) {
			ids = append(ids, num(t, get(t, c, "id")))
		}
		if len(ids) != 3 || ids[0] != inOther || ids[1] != inAgents {
			t.Fatalf("administrator sees %v, want the three, newest first (%d, %d, …)", ids, inOther, inAgents)
		}
		// The agent sees only the conversations of its inboxes.
		for _, c := range get(t, e.must("GET", path, e.agentTk, nil).obj(t), "payload").([]any) {
			if num(t, get(t, c, "id")) == inOther {
				t.Fatalf("agent sees conversation %d of an inbox it does not work in", inOther)
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		victim := e.mustClient(&inbox.Client{Fullname: "Del Me", Email: "del@example.com"})
		conv := e.createConversation(map[string]any{"contact_id": victim.ID})
		path := e.path("/contacts/%d", victim.ID)
		wantError(t, e.request("DELETE", path, e.agentTk, nil), 401, "forbidden", "You are not authorized to do this action")
		e.must("GET", path, e.adminTk, nil) // still there
		res := e.must("DELETE", path, e.adminTk, nil)
		if len(res.body) != 0 {
			t.Fatalf("body %q, want Chatwoot's empty 200", res.body)
		}
		wantError(t, e.request("GET", path, e.adminTk, nil), 404, "not_found", "Resource could not be found")
		wantError(t, e.request("GET", e.path("/conversations/%d", conv), e.adminTk, nil), 404, "not_found", "Resource could not be found")
		wantError(t, e.request("DELETE", path, e.adminTk, nil), 404, "not_found", "Resource could not be found")
	})

	t.Run("LastActivity", func(t *testing.T) {
		// A contact's message is its activity; it does not change the
		// client for BookingSync (updated_at stays).
		c := e.mustClient(&inbox.Client{Fullname: "Active Al"})
		before := e.storedClient(c.ID)
		if before.LastActivityAt != nil {
			t.Fatalf("new client has activity %v", before.LastActivityAt)
		}
		conv := e.createConversation(map[string]any{"contact_id": c.ID})
		e.postMessage(conv, e.adminTk, map[string]any{"content": "hello", "message_type": "incoming"})
		after := e.storedClient(c.ID)
		if after.LastActivityAt == nil || after.LastActivityAt.Before(before.CreatedAt) {
			t.Fatalf("last activity %v after an incoming message", after.LastActivityAt)
		}
		if !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("updated_at %v → %v: activity changed the client", before.UpdatedAt, after.UpdatedAt)
		}
		got := get(t, e.must("GET", e.path("/contacts/%d", c.ID), e.adminTk, nil).obj(t), "payload", "last_activity_at")
		if num(t, got) != after.LastActivityAt.Unix() {
			t.Fatalf("last_activity_at=%v, want %d", got, after.LastActivityAt.Unix())
		}
	})

	t.Run("TrailingSlashAndJSONSuffix", func(t *testing.T) {
		for _, p := range []string{"/contacts/", "/contacts.json", fmt.Sprintf("/contacts/%d.json", annID),
			fmt.Sprintf("/contacts/%d/", annID), "/inboxes.json", "/agents/"} {
			res := e.request("GET", e.path("%s", p), e.adminTk, nil)
			if res.status != 200 {
				t.Errorf("GET %s: status %d; body %s", p, res.status, res.body)
			}
		}
		wantError(t, e.request("GET", e.path("/contacts/"), "", nil), 401, "unauthorized",
			"You need to sign in or sign up before continuing.")
		wantError(t, e.request("GET", e.path("/nothing.json"), e.adminTk, nil), 404, "not_found", "Resource could not be found")
	})
}

// storedClient reads a client of the env's account from the store.
func (e *env) storedClient(id int64) *inbox.Client {
	e.t.Helper()
	var c *inbox.Client
	err := e.store.View(ctx, func(tx inbox.Tx) (err error) {
		c, err = tx.FindClientByID(ctx, e.account.ID, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}
