package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/auth"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// benchConv is what the load generator needs to address a conversation.
type benchConv struct {
	id, displayID        int64
	hostPart, clientPart int64
}

// saved is the dataset as written next to the database, so a later run can
// measure the same data without seeding it again (-reuse).
type saved struct {
	Accounts []struct {
		ID    int64      `json:"id"`
		BS    string     `json:"bs_token"`
		CW    string     `json:"cw_token"`
		Convs [][4]int64 `json:"conversations"`
	} `json:"accounts"`
	Messages int `json:"messages"`
}

func (d *dataset) save(path string) error {
	var sv saved
	sv.Messages = d.messages
	for _, a := range d.accounts {
		x := struct {
			ID    int64      `json:"id"`
			BS    string     `json:"bs_token"`
			CW    string     `json:"cw_token"`
			Convs [][4]int64 `json:"conversations"`
		}{ID: a.id, BS: a.bsToken, CW: a.cwToken}
		for _, c := range a.convs {
			x.Convs = append(x.Convs, [4]int64{c.id, c.displayID, c.hostPart, c.clientPart})
		}
		sv.Accounts = append(sv.Accounts, x)
	}
	b, err := json.Marshal(sv)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func loadDataset(path string) (*dataset, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sv saved
	if err := json.Unmarshal(b, &sv); err != nil {
		return nil, err
	}
	d := &dataset{messages: sv.Messages}
	for _, x := range sv.Accounts {
		a := &benchAccount{id: x.ID, bsToken: x.BS, cwToken: x.CW}
		for _, c := range x.Convs {
			a.convs = append(a.convs, benchConv{id: c[0], displayID: c[1], hostPart: c[2], clientPart: c[3]})
		}
		d.conversations += len(a.convs)
		d.participants += 2 * len(a.convs)
		d.accounts = append(d.accounts, a)
	}
	return d, nil
}

// benchAccount is one seeded tenant with its credentials.
type benchAccount struct {
	id      int64
	bsToken string // BookingSync bearer token
	cwToken string // Chatwoot api_access_token of the administrator
	convs   []benchConv
}

type dataset struct {
	accounts      []*benchAccount
	conversations int
	messages      int
	participants  int
}

func (d *dataset) summary() map[string]int {
	return map[string]int{"accounts": len(d.accounts), "conversations": d.conversations, "messages": d.messages,
		"participants": d.participants, "largest_account_conversations": len(d.accounts[0].convs)}
}

// benchWords are the words messages mention (vocabulary).
var benchWords = vocabulary()

// largeTenant is the size of the first account: enough conversations for
// page 500 of a 100-per-page listing to exist.
const largeTenant = 50100

// seed fills the database through the store (fast, no HTTP). The first
// account is the large tenant (half the conversations, at most largeTenant),
// so that deep pages exist; the others share the rest, so growing the
// dataset grows the number of rows per ordinary account.
func seed(ctx context.Context, dsn string, scale float64, convs, msgs int) (*dataset, error) {
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	a := app.New(app.Deps{Store: st})
	nAccounts := max(2, int(100*scale))
	nConvs := max(nAccounts*2, int(100000*scale))
	if convs > 0 {
		nConvs = max(nAccounts*2, convs)
	}
	nMsgs := max(nConvs, int(1000000*scale))
	if msgs > 0 {
		nMsgs = max(nConvs, msgs)
	}
	perConv := nMsgs / nConvs
	ds := &dataset{}
	bar := newProgress("seeding", nConvs)
	rng := rand.New(rand.NewPCG(1, 2))
	labels := []string{"booking", "vip", "late-checkout", "payment", "cleaning", "complaint"}
	for i := 0; i < nAccounts; i++ {
		acc, err := seedAccount(ctx, app.NewAdmin(a), i)
		if err != nil {
			return nil, err
		}
		ds.accounts = append(ds.accounts, acc)
		big := min(nConvs/2, largeTenant)
		share := (nConvs - big) / (nAccounts - 1)
		if i == 0 {
			share = big
		}
		hosts, clients, inboxID, err := accountRefs(ctx, st, acc.id)
		if err != nil {
			return nil, err
		}
		for done := 0; done < share; {
			batch := min(200, share-done)
			err := st.Update(ctx, func(tx inbox.Tx) error {
				for j := 0; j < batch; j++ {
					bc, err := seedConversation(ctx, tx, acc.id, inboxID, hosts, clients, labels, perConv, rng)
					if err != nil {
						return err
					}
					acc.convs = append(acc.convs, bc)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			done += batch
			ds.conversations += batch
			ds.messages += batch * perConv
			ds.participants += batch * 2
			bar.add(batch)
		}
	}
	bar.done()
	if st.Engine() == "postgres" {
		// A bulk load leaves PostgreSQL without statistics or visibility
		// map until autovacuum comes by; measure the steady state instead.
		fmt.Fprintln(os.Stderr, "VACUUM ANALYZE (as autovacuum would after a bulk load)")
		if err := st.Maintain(ctx); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// seedAccount creates a tenant with hosts, clients, inboxes and tokens through
// the application's admin methods.
func seedAccount(ctx context.Context, a *app.Admin, i int) (*benchAccount, error) {
	acc := &inbox.Account{Name: fmt.Sprintf("Bench Rentals %03d", i+1), Status: inbox.AccountPaying}
	if err := a.CreateAccount(ctx, acc); err != nil {
		return nil, err
	}
	admin := &inbox.Host{AccountID: acc.ID, Firstname: "Ada", Lastname: "Admin",
		Email: fmt.Sprintf("admin%d@bench.example", i), Role: inbox.RoleAdministrator}
	cw, err := a.CreateHostWithToken(ctx, admin, nil)
	if err != nil {
		return nil, err
	}
	if i < webHosts {
		if err := a.SetPassword(ctx, acc.ID, admin.ID, webPassword); err != nil {
			return nil, err
		}
	}
	if _, err := a.CreateHostWithToken(ctx, &inbox.Host{AccountID: acc.ID, Firstname: "Alan", Lastname: "Agent",
		Email: fmt.Sprintf("agent%d@bench.example", i), Role: inbox.RoleAgent}, nil); err != nil {
		return nil, err
	}
	for j := 0; j < 5; j++ {
		if err := a.CreateClient(ctx, &inbox.Client{AccountID: acc.ID, Fullname: fmt.Sprintf("Guest %d-%d", i, j),
			Email: fmt.Sprintf("guest%d-%d@bench.example", i, j)}); err != nil {
			return nil, err
		}
	}
	app1 := &inbox.Application{AccountID: acc.ID, Name: "Bench PMS", Scopes: inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsWrite}}
	if _, err := a.CreateApplication(ctx, app1); err != nil {
		return nil, err
	}
	g, err := a.CreateToken(ctx, acc.ID, app1.Scopes, &app1.ID, -1)
	if err != nil {
		return nil, err
	}
	return &benchAccount{id: acc.ID, bsToken: g.AccessToken, cwToken: cw}, nil
}

func accountRefs(ctx context.Context, st inbox.Store, accountID int64) (hosts, clients []int64, inboxID int64, err error) {
	err = st.View(ctx, func(tx inbox.Tx) error {
		hs, _, err := tx.FindHosts(ctx, accountID, inbox.HostFilter{Page: inbox.Page{Limit: 100}})
		if err != nil {
			return err
		}
		for _, h := range hs {
			hosts = append(hosts, h.ID)
		}
		cs, _, err := tx.FindClients(ctx, accountID, inbox.ClientFilter{Page: inbox.Page{Limit: 100}})
		if err != nil {
			return err
		}
		for _, c := range cs {
			clients = append(clients, c.ID)
		}
		box, err := tx.FindInboxByChannel(ctx, accountID, inbox.ChannelAPI)
		if err != nil {
			return err
		}
		inboxID = box.ID
		return nil
	})
	return hosts, clients, inboxID, err
}

// seedConversation writes one conversation with two participants and
// alternating guest and host messages whose derived fields agree.
func seedConversation(ctx context.Context, tx inbox.Tx, accountID, inboxID int64, hosts, clients []int64, labels []string, n int, rng *rand.Rand) (benchConv, error) {
	words := benchWords
	now := tx.Now()
	start := now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)
	client := clients[rng.IntN(len(clients))]
	host := hosts[0]
	last := start.Add(time.Duration(n) * time.Minute)
	c := &inbox.Conversation{AccountID: accountID, UUID: auth.NewUUID(), InboxID: inboxID, ClientID: &client,
		ContactSourceID: auth.NewUUID(), Subject: "Stay question", Status: inbox.StatusOpen,
		LastMessageAt: &last, LastActivityAt: now, CustomAttributes: inbox.Attributes{},
		AdditionalAttributes: inbox.Attributes{}, CreatedByType: inbox.CreatorApplication}
	if rng.IntN(4) == 0 {
		c.Status, c.ClosedAt = inbox.StatusResolved, &last
	}
	if rng.IntN(3) == 0 {
		c.AssigneeID = &host
	}
	for _, l := range labels {
		if rng.IntN(5) == 0 {
			c.Labels = append(c.Labels, l)
		}
	}
	if err := tx.CreateConversation(ctx, c); err != nil {
		return benchConv{}, err
	}
	cp := &inbox.Participant{AccountID: accountID, ConversationID: c.ID, MemberType: inbox.MemberClient, MemberID: client}
	hp := &inbox.Participant{AccountID: accountID, ConversationID: c.ID, MemberType: inbox.MemberHost, MemberID: host, ReadAt: &now}
	var lastClient, lastHost *time.Time
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i+1) * time.Minute)
		if i%2 == 0 {
			lastClient = &at
		} else {
			lastHost = &at
		}
	}
	cp.LastMessageSentAt, hp.LastMessageSentAt = lastClient, lastHost
	if err := tx.CreateParticipant(ctx, cp); err != nil {
		return benchConv{}, err
	}
	if err := tx.CreateParticipant(ctx, hp); err != nil {
		return benchConv{}, err
	}
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i+1) * time.Minute)
		m := &inbox.Message{AccountID: accountID, ConversationID: c.ID, Kind: inbox.KindIncoming, SenderID: &cp.ID,
			Content: fmt.Sprintf("Hello, is the flat free on the %dth? %s %s", i%28+1, words[rng.IntN(len(words))],
				strings.Repeat("Thanks! ", rng.IntN(8))),
			HasContent: true, ContentType: "text", Origin: "airbnb_message", Visibility: inbox.VisibilityExternal,
			Status: inbox.DeliverySent, SentAt: &at}
		if i%2 == 1 {
			m.Kind, m.SenderID, m.Origin = inbox.KindOutgoing, &hp.ID, "bookingsync_inbox"
		}
		if err := tx.CreateMessage(ctx, m); err != nil {
			return benchConv{}, err
		}
	}
	return benchConv{id: c.ID, displayID: c.DisplayID, hostPart: hp.ID, clientPart: cp.ID}, nil
}

// progress draws a one-line progress bar on stderr.
type progress struct {
	label string
	total int
	n     int
	start time.Time
	last  time.Time
}

func newProgress(label string, total int) *progress {
	return &progress{label: label, total: total, start: time.Now()}
}

func (p *progress) add(n int) {
	p.n += n
	if time.Since(p.last) < 200*time.Millisecond && p.n < p.total {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * p.n / max(1, p.total)
	rate := float64(p.n) / time.Since(p.start).Seconds()
	fmt.Fprintf(os.Stderr, "\r%s [%s%s] %d/%d conversations (%.0f/s)", p.label, strings.Repeat("#", filled),
		strings.Repeat(".", width-filled), p.n, p.total, rate)
}

func (p *progress) done() {
	fmt.Fprintf(os.Stderr, "\r%s done: %d conversations in %s%s\n", p.label, p.n, time.Since(p.start).Round(time.Second),
		strings.Repeat(" ", 30))
}
