package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
)

// runDemo seeds a small, realistic account and prints what is needed to try
// both APIs on it.
func runDemo(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "base URL used in the printed curl lines (env "+config.EnvBaseURL+"; default http://localhost and the port of "+config.EnvAddr+")")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	d, err := seedDemo(ctx, m.App, m.Admin, time.Now())
	if err != nil {
		return fmt.Errorf("seed demo: %s", describe(err))
	}
	return c.print(d.output(demoBaseURL(*cfg)))
}

// demoBaseURL is where the printed curl lines point.
func demoBaseURL(cfg config.Config) string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || port == "0" {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// demo is what seedDemo created.
type demo struct {
	account       *inbox.Account
	admin, agent  *inbox.Host
	adminToken    string
	agentToken    string
	inboxes       []*inbox.Inbox
	clients       []*inbox.Client
	conversations []*inbox.Conversation
	booking       *inbox.Booking
	application   *inbox.Application
	clientSecret  string
	grant         *app.TokenGrant
	// adminPassword and agentPassword sign in to the web inbox.
	adminPassword, agentPassword string
}

// demoMessage is one line of a seeded conversation.
type demoMessage struct {
	fromGuest bool
	internal  bool
	text      string
}

// demoConversation is one seeded conversation.
type demoConversation struct {
	inbox    int // index into demo.inboxes
	client   int // index into demo.clients
	subject  string
	labels   []string
	priority string
	messages []demoMessage
}

var demoConversations = []demoConversation{
	{inbox: 1, client: 0, subject: "Early check-in on Friday?", labels: []string{"check-in"}, messages: []demoMessage{
		{fromGuest: true, text: "Hi! Our flight lands at 9am on Friday. Any chance we could check in early?"},
		{text: "Hi Emma, the cleaners finish around noon. You are welcome to drop your bags from 10am and check in at 12."},
		{fromGuest: true, text: "Perfect, thank you so much!"},
	}},
	{inbox: 2, client: 1, subject: "Parking at the apartment", messages: []demoMessage{
		{fromGuest: true, text: "Hello, is there a parking space for our car?"},
		{text: "Hello Lukas, yes: space 14 in the underground garage is yours for the whole stay. The gate code is in your arrival guide."},
		{fromGuest: true, text: "Great, that's all I needed."},
	}},
	{inbox: 3, client: 2, subject: "Invoice for my stay", labels: []string{"billing"}, priority: "high", messages: []demoMessage{
		{fromGuest: true, text: "Good morning, could you send me an invoice with my company's VAT number (IT01234567890)?"},
		{internal: true, text: "Asked accounting for the VAT invoice; they promised it by tomorrow."},
		{text: "Good morning Sofia, our accountant is preparing it and we will e-mail it to you tomorrow."},
	}},
	{inbox: 0, client: 0, subject: "Late checkout request", labels: []string{"check-out"}, messages: []demoMessage{
		{fromGuest: true, text: "Could we keep the apartment until 2pm on our last day?"},
		{text: "Let me check with the next guests and come back to you today."},
	}},
	{inbox: 1, client: 3, subject: "Is the pool heated?", labels: []string{"pre-booking"}, messages: []demoMessage{
		{fromGuest: true, text: "Hi, we are thinking of booking for early May. Is the pool heated at that time of year?"},
	}},
	{inbox: 3, client: 1, subject: "Left my phone charger", messages: []demoMessage{
		{fromGuest: true, text: "I think I left my phone charger by the bed. Could you post it to me?"},
		{text: "We found it! Please confirm your postal address and we will send it this week."},
	}},
}

// Indexes of the seeded conversations that get a special treatment.
const (
	demoAssigned = 0 // assigned to the agent, booking connected
	demoResolved = 1
	demoPending  = 5
)

// seedDemo creates the demo account through the application layer: the
// account, hosts and application with the admin calls, everything else as the
// administrator acting through the API methods.
func seedDemo(ctx context.Context, a *app.App, ad *app.Admin, now time.Time) (*demo, error) {
	d := &demo{account: &inbox.Account{Name: "Seaside Rentals (demo)", Email: "office@seaside-rentals.example"}}
	if err := ad.CreateAccount(ctx, d.account); err != nil {
		return nil, err
	}
	acc := d.account.ID

	// The account comes with its API inbox; add one per channel.
	d.inboxes = []*inbox.Inbox{nil,
		{AccountID: acc, Name: "Airbnb", Channel: inbox.ChannelAirbnb},
		{AccountID: acc, Name: "Booking.com", Channel: inbox.ChannelBookingCom},
		{AccountID: acc, Name: "stay@seaside-rentals.example", Channel: inbox.ChannelEmail},
	}
	for _, box := range d.inboxes[1:] {
		if err := ad.CreateInbox(ctx, box); err != nil {
			return nil, err
		}
	}

	var err error
	d.admin = &inbox.Host{AccountID: acc, Firstname: "Alice", Lastname: "Martin", Email: "alice@seaside-rentals.example",
		Role: inbox.RoleAdministrator}
	if d.adminToken, err = ad.CreateHostWithToken(ctx, d.admin, nil); err != nil {
		return nil, err
	}
	// Act as the administrator from here on, as an API caller would.
	p, err := a.Authenticate(ctx, d.adminToken)
	if err != nil {
		return nil, err
	}
	ctx = inbox.NewContextWithPrincipal(ctx, p)

	var boxes []*inbox.Inbox
	if err := a.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) (err error) {
		boxes, err = l.Inboxes()
		return err
	}); err != nil {
		return nil, err
	}
	for _, b := range boxes {
		if b.Channel == inbox.ChannelAPI {
			d.inboxes[0] = b
			break
		}
	}
	if d.inboxes[0] == nil {
		return nil, fmt.Errorf("the new account has no API inbox")
	}

	d.agent = &inbox.Host{AccountID: acc, Firstname: "Bruno", Lastname: "Costa", Email: "bruno@seaside-rentals.example",
		Role: inbox.RoleAgent}
	if d.agentToken, err = ad.CreateHostWithToken(ctx, d.agent,
		[]int64{d.inboxes[0].ID, d.inboxes[1].ID, d.inboxes[3].ID}); err != nil {
		return nil, err
	}

	for _, cl := range []*inbox.Client{
		{Fullname: "Emma Johansson", Firstname: "Emma", Lastname: "Johansson", Email: "emma.johansson@example.com", Phone: "+46 70 123 45 67", PreferredLocale: "sv"},
		{Fullname: "Lukas Weber", Firstname: "Lukas", Lastname: "Weber", Email: "lukas.weber@example.net", Phone: "+49 151 2345 6789", PreferredLocale: "de"},
		{Fullname: "Sofia Rossi", Firstname: "Sofia", Lastname: "Rossi", Email: "sofia.rossi@example.org", Company: "Rossi Consulting", PreferredLocale: "it"},
		{Fullname: "James Carter", Firstname: "James", Lastname: "Carter", Email: "james.carter@example.com", PreferredLocale: "en"},
	} {
		created, err := a.CreateClient(ctx, cl)
		if err != nil {
			return nil, err
		}
		d.clients = append(d.clients, created)
	}

	day := 24 * time.Hour
	start := time.Date(now.Year(), now.Month(), now.Day(), 16, 0, 0, 0, time.UTC).Add(3 * day)
	booking, err := a.CreateBooking(ctx, &inbox.Booking{ClientID: &d.clients[0].ID, StartAt: start,
		EndAt: start.Add(4*day - 6*time.Hour), Status: inbox.BookingBooked, Reference: "SEA-1001"})
	if err != nil {
		return nil, err
	}
	d.booking = booking.Booking

	for i, spec := range demoConversations {
		// Spread the conversations over the last days, oldest first, with
		// the messages of each some minutes apart.
		at := now.Add(-time.Duration(len(demoConversations)-i) * 19 * time.Hour).UTC().Truncate(time.Second)
		conv, err := seedConversation(ctx, a, d, spec, at)
		if err != nil {
			return nil, err
		}
		d.conversations = append(d.conversations, conv)
	}

	change := func(i int, ch app.ConversationChange) error {
		v, err := a.UpdateConversation(ctx, app.ByID(d.conversations[i].ID), ch, app.ViewOptions{})
		if err == nil {
			d.conversations[i] = v.Conversation
		}
		return err
	}
	if _, err := a.ConnectBooking(ctx, app.ByID(d.conversations[demoAssigned].ID), d.booking.ID, app.ViewOptions{}); err != nil {
		return nil, err
	}
	agentID := &d.agent.ID
	if err := change(demoAssigned, app.ConversationChange{AssigneeID: &agentID}); err != nil {
		return nil, err
	}
	closed := true
	if err := change(demoResolved, app.ConversationChange{Closed: &closed}); err != nil {
		return nil, err
	}
	if _, err := a.MarkSeen(ctx, app.ByID(d.conversations[demoResolved].ID), app.ViewOptions{}); err != nil {
		return nil, err
	}
	pending := inbox.StatusPending
	if err := change(demoPending, app.ConversationChange{Status: &pending}); err != nil {
		return nil, err
	}

	for _, cr := range []inbox.CannedResponse{
		{ShortCode: "checkin", Content: "Check-in is from 3pm; the key box code is in your arrival guide."},
		{ShortCode: "thanks", Content: "Thank you for staying with us! We hope to welcome you again soon."},
	} {
		if _, err := a.CreateCannedResponse(ctx, cr); err != nil {
			return nil, err
		}
	}
	d.adminPassword, d.agentPassword = demoPassword(), demoPassword()
	if err := ad.SetPassword(ctx, acc, d.admin.ID, d.adminPassword); err != nil {
		return nil, err
	}
	if err := ad.SetPassword(ctx, acc, d.agent.ID, d.agentPassword); err != nil {
		return nil, err
	}

	d.application = &inbox.Application{AccountID: acc, Name: "Channel manager (demo)",
		Scopes: inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsRead, inbox.ScopeBookingsRead}}
	if d.clientSecret, err = ad.CreateApplication(ctx, d.application); err != nil {
		return nil, err
	}
	// A long-lived token, so the printed curl lines keep working for a while.
	d.grant, err = ad.CreateToken(ctx, acc, inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsRead, inbox.ScopeBookingsRead},
		&d.application.ID, 30*day)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// seedConversation creates one conversation with its messages, the guest's
// through their participant and the host's as the calling administrator.
func seedConversation(ctx context.Context, a *app.App, d *demo, spec demoConversation, at time.Time) (*inbox.Conversation, error) {
	box, client := d.inboxes[spec.inbox], d.clients[spec.client]
	in := app.ConversationCreate{InboxID: &box.ID, ClientID: &client.ID, Subject: spec.subject, Labels: spec.labels,
		Priority: spec.priority}
	channel, origin := "", ""
	if inbox.ValidMessageChannel(box.Channel) {
		in.DefaultChannel, channel = box.Channel, box.Channel
		origin = map[string]string{inbox.ChannelAirbnb: "airbnb_message", inbox.ChannelBookingCom: "booking-com",
			inbox.ChannelEmail: "email"}[box.Channel]
	}
	conv, err := a.CreateConversation(ctx, in)
	if err != nil {
		return nil, err
	}
	var guests []*inbox.Participant
	if err := a.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) (err error) {
		guests, _, err = l.Participants(inbox.ParticipantFilter{ConversationID: &conv.ID, MemberType: inbox.MemberClient,
			Page: inbox.Page{Limit: 1}})
		return err
	}); err != nil {
		return nil, err
	} else if len(guests) == 0 {
		return nil, fmt.Errorf("conversation %d has no guest participant", conv.ID)
	}
	for j, msg := range spec.messages {
		sent := at.Add(time.Duration(j) * 23 * time.Minute)
		m := app.MessageCreate{ConversationID: conv.ID, Content: &msg.text, SentAt: &sent}
		switch {
		case msg.internal:
			m.Visibility = inbox.VisibilityInternal
		default:
			m.Channel, m.Origin = channel, origin
		}
		if msg.fromGuest {
			m.SenderParticipantID = &guests[0].ID
		}
		if _, err := a.CreateMessage(ctx, m); err != nil {
			return nil, err
		}
	}
	var out *inbox.Conversation
	err = a.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) error {
		v, err := l.Conversation(app.ByID(conv.ID), app.ViewOptions{})
		if err == nil {
			out = v.Conversation
		}
		return err
	})
	return out, err
}

// output is the JSON the demo command prints.
func (d *demo) output(base string) map[string]any {
	acc := d.account.ID
	var inboxes, clients, convs []map[string]any
	for _, b := range d.inboxes {
		inboxes = append(inboxes, map[string]any{"id": b.ID, "name": b.Name, "channel": b.Channel})
	}
	for _, c := range d.clients {
		clients = append(clients, map[string]any{"id": c.ID, "fullname": c.Fullname, "email": c.Email})
	}
	for _, c := range d.conversations {
		labels := c.Labels
		if labels == nil {
			labels = []string{}
		}
		convs = append(convs, map[string]any{"id": c.ID, "display_id": c.DisplayID, "subject": c.Subject,
			"inbox_id": c.InboxID, "status": c.Status, "assignee_id": c.AssigneeID, "labels": labels})
	}
	cw := fmt.Sprintf("-H 'api_access_token: %s'", d.adminToken)
	bs := fmt.Sprintf("-H 'Authorization: Bearer %s'", d.grant.AccessToken)
	first := d.conversations[demoAssigned]
	curl := []string{
		fmt.Sprintf("curl -s %s '%s/api/v1/accounts/%d/conversations'", cw, base, acc),
		fmt.Sprintf("curl -s %s '%s/api/v1/accounts/%d/conversations/%d/messages'", cw, base, acc, first.DisplayID),
		fmt.Sprintf("curl -s %s -d 'content=See you on Friday!' '%s/api/v1/accounts/%d/conversations/%d/messages'",
			cw, base, acc, first.DisplayID),
		fmt.Sprintf("curl -s %s '%s/api/v3/inbox/conversations'", bs, base),
		fmt.Sprintf("curl -s %s '%s/api/v3/inbox/conversations/%d'", bs, base, first.ID),
		fmt.Sprintf("curl -s %s '%s/api/v3/inbox/messages'", bs, base),
		fmt.Sprintf("curl -s -d 'grant_type=client_credentials&client_id=%s&client_secret=%s' '%s/oauth/token'",
			d.application.ClientID, d.clientSecret, base),
	}
	return map[string]any{
		"account": map[string]any{"id": acc, "name": d.account.Name},
		"hosts": []map[string]any{
			{"id": d.admin.ID, "name": d.admin.Name(), "role": d.admin.Role, "api_access_token": d.adminToken},
			{"id": d.agent.ID, "name": d.agent.Name(), "role": d.agent.Role, "api_access_token": d.agentToken},
		},
		"chatwoot": map[string]any{
			"base_url":         base + fmt.Sprintf("/api/v1/accounts/%d", acc),
			"api_access_token": d.adminToken,
		},
		"bookingsync": map[string]any{
			"base_url":       base + "/api/v3",
			"application_id": d.application.ID,
			"client_id":      d.application.ClientID,
			"client_secret":  d.clientSecret,
			"access_token":   d.grant.AccessToken,
			"refresh_token":  d.grant.RefreshToken,
			"scope":          d.grant.Scopes.String(),
			"expires_in":     int64(d.grant.ExpiresIn / time.Second),
		},
		"web": map[string]any{
			"url":           base + "/signin",
			"administrator": map[string]string{"email": d.admin.Email, "password": d.adminPassword},
			"agent":         map[string]string{"email": d.agent.Email, "password": d.agentPassword},
		},
		"inboxes":       inboxes,
		"clients":       clients,
		"booking_id":    d.booking.ID,
		"conversations": convs,
		"curl":          curl,
	}
}

// demoPassword returns a random password for a demo host: 16 letters and
// digits, easy to type.
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
