package inbox

import (
	"context"
	"time"
)

// Store is inboxd's persistence. internal/app is its only caller.
//
// Update runs fn in a read-write transaction and commits it when fn returns
// nil; any error rolls everything back, so a failed request leaves nothing
// half-written. The store may run fn more than once when the engine asks for a
// retry (SQLite busy, PostgreSQL serialization failure), so fn must have no
// side effects outside tx. View runs fn in a read-only transaction.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Tx is one transaction. Every method is scoped by account id; a record of
// another account is reported exactly like a missing one (ENOTFOUND). Find*ByID
// methods return ENOTFOUND, never (nil, nil). List methods return the page of
// records and the total number of matches.
type Tx interface {
	// Now is the transaction's fixed time; every timestamp it writes uses it.
	Now() time.Time

	CreateAccount(ctx context.Context, a *Account) error
	FindAccountByID(ctx context.Context, id int64) (*Account, error)
	// FindAccounts lists every account (the admin command line's view).
	FindAccounts(ctx context.Context) ([]*Account, error)
	// DeleteAccount removes an account with every record it holds.
	DeleteAccount(ctx context.Context, id int64) error

	CreateHost(ctx context.Context, h *Host) error
	FindHostByID(ctx context.Context, accountID, id int64) (*Host, error)
	FindHosts(ctx context.Context, accountID int64, f HostFilter) ([]*Host, int, error)
	UpdateHost(ctx context.Context, accountID, id int64, u HostUpdate) (*Host, error)
	// FindHostByEmail finds the host with that e-mail, ignoring letter case;
	// removed hosts are not found.
	FindHostByEmail(ctx context.Context, accountID int64, email string) (*Host, error)
	// DeleteHost removes a host from its account: it is marked deleted, its
	// tokens are revoked, its inbox memberships dropped and its assigned
	// conversations unassigned. Its participants and messages stay.
	DeleteHost(ctx context.Context, accountID, id int64) error

	CreateClient(ctx context.Context, c *Client) error
	FindClientByID(ctx context.Context, accountID, id int64) (*Client, error)
	FindClients(ctx context.Context, accountID int64, f ClientFilter) ([]*Client, int, error)
	UpdateClient(ctx context.Context, accountID, id int64, u ClientUpdate) (*Client, error)
	// DeleteClient removes a client with its contact inboxes and the
	// conversations it is the contact of (as DeleteConversation does), and
	// unlinks its bookings. The application layer checks first that the
	// client takes part in no other conversation.
	DeleteClient(ctx context.Context, accountID, id int64) error

	// CreateContactInbox returns ECONFLICT when the inbox already has that
	// source id.
	CreateContactInbox(ctx context.Context, ci *ContactInbox) error
	// FindContactInboxes lists contact inboxes by ascending id.
	FindContactInboxes(ctx context.Context, accountID int64, f ContactInboxFilter) ([]*ContactInbox, error)

	CreateInbox(ctx context.Context, i *Inbox) error
	FindInboxByID(ctx context.Context, accountID, id int64) (*Inbox, error)
	// FindInboxByChannel returns the account's oldest inbox of that channel.
	FindInboxByChannel(ctx context.Context, accountID int64, channel string) (*Inbox, error)
	FindInboxes(ctx context.Context, accountID int64) ([]*Inbox, error)
	UpdateInbox(ctx context.Context, accountID, id int64, u InboxUpdate) (*Inbox, error)
	AddInboxMember(ctx context.Context, accountID, inboxID, hostID int64) error
	// RemoveInboxMember drops a membership (idempotent).
	RemoveInboxMember(ctx context.Context, accountID, inboxID, hostID int64) error
	// FindMemberInboxIDs lists the inboxes a host is a member of.
	FindMemberInboxIDs(ctx context.Context, accountID, hostID int64) ([]int64, error)
	// FindInboxMemberIDs lists the hosts that are members of an inbox.
	FindInboxMemberIDs(ctx context.Context, accountID, inboxID int64) ([]int64, error)

	// CreateLabel returns ECONFLICT when the title is taken.
	CreateLabel(ctx context.Context, l *Label) error
	FindLabelByID(ctx context.Context, accountID, id int64) (*Label, error)
	// FindLabels lists the account's labels by title.
	FindLabels(ctx context.Context, accountID int64) ([]*Label, error)
	// UpdateLabel returns ECONFLICT when the new title is taken. A new
	// title is also given to the conversations that carried the old one.
	UpdateLabel(ctx context.Context, accountID, id int64, u LabelUpdate) (*Label, error)
	DeleteLabel(ctx context.Context, accountID, id int64) error

	// CreateCannedResponse returns ECONFLICT when the short code is taken.
	CreateCannedResponse(ctx context.Context, c *CannedResponse) error
	FindCannedResponseByID(ctx context.Context, accountID, id int64) (*CannedResponse, error)
	FindCannedResponses(ctx context.Context, accountID int64, f CannedResponseFilter) ([]*CannedResponse, error)
	UpdateCannedResponse(ctx context.Context, accountID, id int64, u CannedResponseUpdate) (*CannedResponse, error)
	DeleteCannedResponse(ctx context.Context, accountID, id int64) error

	// SearchMessages returns the non-activity messages matching a full-text
	// query, best match first.
	SearchMessages(ctx context.Context, accountID int64, f SearchFilter) ([]*Message, error)
	// SearchClients returns the clients whose name, e-mail, phone number or
	// identifier match a full-text query, best match first.
	SearchClients(ctx context.Context, accountID int64, f SearchFilter) ([]*Client, error)
	// SearchConversations returns the conversations whose display id is the
	// query, whose contact matches it or that hold a matching incoming or
	// outgoing message, best match first.
	SearchConversations(ctx context.Context, accountID int64, f SearchFilter) ([]*Conversation, error)

	CreateSource(ctx context.Context, s *Source) error
	FindSourceByID(ctx context.Context, accountID, id int64) (*Source, error)
	FindSources(ctx context.Context, accountID int64, f ListFilter) ([]*Source, int, error)
	UpdateSource(ctx context.Context, accountID, id int64, u SourceUpdate) (*Source, error)

	CreateBooking(ctx context.Context, b *Booking) error
	FindBookingByID(ctx context.Context, accountID, id int64) (*Booking, error)
	FindBookings(ctx context.Context, accountID int64, f ListFilter) ([]*Booking, int, error)
	UpdateBooking(ctx context.Context, accountID, id int64, u BookingUpdate) (*Booking, error)
	// FindBookingConversationIDs returns, per booking id, the linked conversations.
	FindBookingConversationIDs(ctx context.Context, accountID int64, bookingIDs []int64) (map[int64][]int64, error)

	CreateInquiry(ctx context.Context, q *Inquiry) error
	FindInquiryByID(ctx context.Context, accountID, id int64) (*Inquiry, error)
	FindInquiries(ctx context.Context, accountID int64, f ListFilter) ([]*Inquiry, int, error)
	UpdateInquiry(ctx context.Context, accountID, id int64, u InquiryUpdate) (*Inquiry, error)

	// CreateConversation assigns ID, DisplayID (the account's next number) and
	// timestamps, and stores the labels.
	CreateConversation(ctx context.Context, c *Conversation) error
	FindConversationByID(ctx context.Context, accountID, id int64) (*Conversation, error)
	FindConversationByDisplayID(ctx context.Context, accountID, displayID int64) (*Conversation, error)
	FindConversations(ctx context.Context, accountID int64, f ConversationFilter) ([]*Conversation, int, error)
	// CountConversations returns Chatwoot's list counters for the filter
	// (whose assignee fields are ignored); mineHostID is the caller.
	CountConversations(ctx context.Context, accountID int64, f ConversationFilter, mineHostID int64) (ConversationCounts, error)
	UpdateConversation(ctx context.Context, accountID, id int64, u ConversationUpdate) (*Conversation, error)
	// PatchConversation is UpdateConversation without reading the record back.
	PatchConversation(ctx context.Context, accountID, id int64, u ConversationUpdate) error
	// SetConversationLabels replaces the label list (order kept, duplicates dropped).
	SetConversationLabels(ctx context.Context, accountID, id int64, labels []string) error
	// DeleteConversation removes the conversation with its participants and
	// messages and records tombstones for all of them; the attachments only
	// its messages used are deleted too.
	DeleteConversation(ctx context.Context, accountID, id int64) error
	ConnectBooking(ctx context.Context, accountID, conversationID, bookingID int64) error
	DisconnectBooking(ctx context.Context, accountID, conversationID, bookingID int64) error
	// FindConversationLinks returns, per conversation id, its linked ids.
	// MessageIDs leave out activity messages: they are not records of the
	// conversation a client links to.
	FindConversationLinks(ctx context.Context, accountID int64, ids []int64) (map[int64]*ConversationLinks, error)
	// FindConversationStats returns, per conversation id, its read state
	// (UnreadCount uncapped).
	FindConversationStats(ctx context.Context, accountID int64, ids []int64) (map[int64]*ConversationStats, error)

	CreateParticipant(ctx context.Context, p *Participant) error
	FindParticipantByID(ctx context.Context, accountID, id int64) (*Participant, error)
	FindParticipants(ctx context.Context, accountID int64, f ParticipantFilter) ([]*Participant, int, error)
	// FindHostParticipantIDs returns, per host id, the ids of the
	// participants that host is, ascending (an empty list for none).
	FindHostParticipantIDs(ctx context.Context, accountID int64, hostIDs []int64) (map[int64][]int64, error)
	UpdateParticipant(ctx context.Context, accountID, id int64, u ParticipantUpdate) (*Participant, error)
	// PatchParticipant is UpdateParticipant without reading the record back.
	PatchParticipant(ctx context.Context, accountID, id int64, u ParticipantUpdate) error
	// SetHostReadAt sets read_at of every host participant of a conversation.
	SetHostReadAt(ctx context.Context, accountID, conversationID int64, t *time.Time) error
	DeleteParticipant(ctx context.Context, accountID, id int64) error

	CreateMessage(ctx context.Context, m *Message) error
	FindMessageByID(ctx context.Context, accountID, id int64) (*Message, error)
	FindMessages(ctx context.Context, accountID int64, f MessageFilter) ([]*Message, int, error)
	UpdateMessage(ctx context.Context, accountID, id int64, u MessageUpdate) (*Message, error)
	// FindLatestMessages returns, per conversation id, the newest message
	// (any kind) and the newest non-activity message.
	FindLatestMessages(ctx context.Context, accountID int64, ids []int64) (map[int64][2]*Message, error)
	// FindFirstMessages returns, per conversation id, the oldest message
	// (any kind); a conversation without messages is absent.
	FindFirstMessages(ctx context.Context, accountID int64, ids []int64) (map[int64]*Message, error)

	CreateAttachment(ctx context.Context, a *Attachment) error
	FindAttachmentByID(ctx context.Context, accountID, id int64) (*Attachment, error)
	FindAttachments(ctx context.Context, accountID int64, f AttachmentFilter) ([]*Attachment, int, error)
	UpdateAttachment(ctx context.Context, accountID, id int64, u AttachmentUpdate) (*Attachment, error)
	// DeleteMessageAttachments unlinks a message's attachments and deletes
	// those no other message links: a deleted attachment is never found,
	// listed or downloaded again.
	DeleteMessageAttachments(ctx context.Context, accountID, messageID int64) error

	CreateApplication(ctx context.Context, a *Application) error
	FindApplicationByID(ctx context.Context, accountID, id int64) (*Application, error)
	// FindApplications lists the account's applications by ascending id.
	FindApplications(ctx context.Context, accountID int64) ([]*Application, error)
	// FindApplicationByClientID looks an application up by its public client
	// id, across accounts (the token endpoint has no account yet).
	FindApplicationByClientID(ctx context.Context, clientID string) (*Application, error)
	// SetApplicationSecret replaces an application's secret hash and sealed copy.
	SetApplicationSecret(ctx context.Context, accountID, id int64, hash, sealed []byte) error
	CreateAccessToken(ctx context.Context, t *AccessToken) error
	// FindAccessTokenByHash looks a token up by its hash, across accounts.
	FindAccessTokenByHash(ctx context.Context, hash []byte) (*AccessToken, error)
	FindAccessTokenByRefreshHash(ctx context.Context, hash []byte) (*AccessToken, error)
	RevokeAccessToken(ctx context.Context, accountID, id int64) error
	// FindAccessTokens lists the account's tokens, revoked and expired ones too.
	FindAccessTokens(ctx context.Context, accountID int64) ([]*AccessToken, error)
	FindAccessTokenByID(ctx context.Context, accountID, id int64) (*AccessToken, error)
	// DeleteAccessToken removes a token.
	DeleteAccessToken(ctx context.Context, accountID, id int64) error
	// DeleteApplication removes an application with its tokens.
	DeleteApplication(ctx context.Context, accountID, id int64) error
	// DeleteInbox removes an inbox that has no conversations (ECONFLICT
	// otherwise) with its memberships and contact identities.
	DeleteInbox(ctx context.Context, accountID, id int64) error
	// UpdateApplication changes an application and returns it.
	UpdateApplication(ctx context.Context, accountID, id int64, u ApplicationUpdate) (*Application, error)

	// Web sign-in (session.go). FindHostsByEmail lists the hosts of every
	// account with that e-mail in any letter case, removed ones left out
	// (sign-in has no account yet), by ascending id.
	FindHostsByEmail(ctx context.Context, email string) ([]*Host, error)
	// FindHostPassword returns a host's password hash; ENOTFOUND when the
	// host has none.
	FindHostPassword(ctx context.Context, accountID, hostID int64) (string, error)
	SetHostPassword(ctx context.Context, accountID, hostID int64, hash string) error
	CreateInvitation(ctx context.Context, inv *Invitation) error
	// FindInvitationByHash looks an invitation up by its token's hash,
	// across accounts.
	FindInvitationByHash(ctx context.Context, hash []byte) (*Invitation, error)
	// UseInvitation marks an invitation used; ENOTFOUND when it already was.
	UseInvitation(ctx context.Context, accountID, id int64) error
	CreateSession(ctx context.Context, s *Session) error
	// FindSessionByHash looks a session up by its token's hash, across accounts.
	FindSessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// TouchSession sets a session's last_seen_at to the transaction's time.
	TouchSession(ctx context.Context, accountID, id int64) error
	DeleteSession(ctx context.Context, accountID, id int64) error
	// DeleteHostSessions deletes a host's sessions: every one, or with
	// seenBefore set, those last seen before it or past their expiry.
	DeleteHostSessions(ctx context.Context, accountID, hostID int64, seenBefore *time.Time) error
	CreateAuthorizationCode(ctx context.Context, c *AuthorizationCode) error
	// FindAuthorizationCodeByHash looks a code up by its hash, across accounts.
	FindAuthorizationCodeByHash(ctx context.Context, hash []byte) (*AuthorizationCode, error)
	// UseAuthorizationCode marks a code used and records the token it was
	// exchanged for; ENOTFOUND when it already was used.
	UseAuthorizationCode(ctx context.Context, accountID, id, tokenID int64) error
	// DeleteExpiredAuthorizationCodes deletes an application's codes that
	// expired before t.
	DeleteExpiredAuthorizationCodes(ctx context.Context, accountID, applicationID int64, t time.Time) error

	CreateEvent(ctx context.Context, e *Event) error
	// FindEvents lists an account's events with an id above afterID, by id
	// (whether or not they were sequenced yet; see Event.ID).
	FindEvents(ctx context.Context, accountID int64, afterID int64, limit int) ([]*Event, error)
	// SequenceEvents gives up to limit committed events their Seq and
	// returns how many it placed (internal/events explains the order). It
	// may return 0 while another transaction is placing them.
	SequenceEvents(ctx context.Context, limit int) (int, error)
	// FindEventsAfter lists the events of every account with a Seq above
	// after, by Seq. Only the outbox tail reads across accounts.
	FindEventsAfter(ctx context.Context, after int64, limit int) ([]*Event, error)
	// FindAccountEventsAfter lists an account's events with a Seq above
	// after, by Seq.
	FindAccountEventsAfter(ctx context.Context, accountID, after int64, limit int) ([]*Event, error)
	// FindAccountEventsSince lists an account's sequenced events written at
	// or after since, by Seq (a realtime client's history "since" a time).
	FindAccountEventsSince(ctx context.Context, accountID int64, since time.Time, limit int) ([]*Event, error)
	// EventPositions returns the newest Seq given (0 before the first
	// event) and the newest Seq retention removed.
	EventPositions(ctx context.Context) (head, pruned int64, err error)

	// CreateWebhook stores a subscription; ECONFLICT when the inbox already
	// has its webhook.
	CreateWebhook(ctx context.Context, w *Webhook) error
	FindWebhookByID(ctx context.Context, accountID, id int64) (*Webhook, error)
	// FindWebhooks lists an account's webhooks by ascending id.
	FindWebhooks(ctx context.Context, accountID int64, f WebhookFilter) ([]*Webhook, error)
	// FindEnabledWebhooks lists the enabled webhooks of several accounts
	// (the webhook fan-out, which serves every account).
	FindEnabledWebhooks(ctx context.Context, accountIDs []int64) ([]*Webhook, error)
	UpdateWebhook(ctx context.Context, accountID, id int64, u WebhookUpdate) (*Webhook, error)
	// SetWebhookHealth records a webhook's delivery health: the failure
	// clock, the last success and whether (and why) it is disabled.
	SetWebhookHealth(ctx context.Context, w *Webhook) error
	// DeleteWebhook removes a webhook with its deliveries.
	DeleteWebhook(ctx context.Context, accountID, id int64) error

	// CreateDeliveries stores deliveries, skipping those already created
	// for the same webhook, event position and event name.
	CreateDeliveries(ctx context.Context, ds []*Delivery) error
	// ClaimDeliveries leases up to limit pending deliveries that are due
	// at now and not leased, of any account, to owner until leaseUntil,
	// leaving out the webhooks in skip. A claimed delivery is another
	// claimer's again once its lease ends.
	ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int, skip []int64) ([]*Delivery, error)
	// CompleteDelivery stores the outcome of a pending delivery's attempt
	// (its State, NextAttemptAt, Last* and DeliveredAt), records the
	// attempt and releases the lease.
	CompleteDelivery(ctx context.Context, d *Delivery, at *DeliveryAttempt) error
	// CompleteDeliveries is CompleteDelivery for many deliveries, in a few
	// statements: ok[i] is false for a delivery that was not pending (left
	// as it was).
	CompleteDeliveries(ctx context.Context, ds []*Delivery, ats []*DeliveryAttempt) (ok []bool, err error)
	FindDeliveryByID(ctx context.Context, accountID, id int64) (*Delivery, error)
	// FindDeliveries lists an account's deliveries, newest first.
	FindDeliveries(ctx context.Context, accountID int64, f DeliveryFilter) ([]*Delivery, error)
	// FindDeliveryAttempts lists a delivery's attempts, oldest first.
	FindDeliveryAttempts(ctx context.Context, accountID, deliveryID int64) ([]*DeliveryAttempt, error)
	// RetryDeliveries makes deliveries pending again, due now and retried
	// until retryUntil: one (id) or the failed ones created at or after
	// since (of one webhook when webhookID is set). It returns how many.
	RetryDeliveries(ctx context.Context, accountID int64, id *int64, webhookID *int64, since *time.Time, retryUntil time.Time) (int, error)
	// FailDeliveries fails a webhook's pending deliveries with a reason.
	FailDeliveries(ctx context.Context, accountID, webhookID int64, reason string) error
	// CountPendingDeliveries returns the pending deliveries per dialect.
	CountPendingDeliveries(ctx context.Context) (map[string]int, error)

	// TakeCursor returns a shared cursor's position when owner holds its
	// lease or takes it (free or expired), extending it to until; ok is
	// false when another owner holds it.
	TakeCursor(ctx context.Context, name, owner string, now, until time.Time) (pos int64, ok bool, err error)
	// ReleaseLeases gives up the leases owner holds (every lease when owner
	// is ""), on cursors and on pending deliveries.
	ReleaseLeases(ctx context.Context, owner string) error
	// AdvanceCursor moves a cursor owner holds from one position to
	// another; false when it was not at from or not held by owner.
	AdvanceCursor(ctx context.Context, name, owner string, from, to int64) (bool, error)

	// Retention (each removes at most limit rows and returns how many).
	// PruneEvents removes the oldest events created before before, never
	// one the webhook fan-out has not passed.
	PruneEvents(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneIdempotencyKeys removes keys (with their responses) created
	// before before.
	PruneIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneDeliveries removes finished deliveries last changed before
	// before, with their attempts, and older attempts of pending ones.
	PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneTombstones removes tombstones of records deleted before before.
	PruneTombstones(ctx context.Context, before time.Time, limit int) (int, error)

	// FindDeletedIDs lists ids of records of one resource deleted at or after since.
	FindDeletedIDs(ctx context.Context, accountID int64, resource string, since time.Time) ([]int64, error)

	// FindIdempotencyKey returns ENOTFOUND when the key was never used.
	FindIdempotencyKey(ctx context.Context, accountID int64, key string) (*IdempotencyRecord, error)
	// CreateIdempotencyKey returns ECONFLICT when the key exists.
	CreateIdempotencyKey(ctx context.Context, r *IdempotencyRecord) error
	// CompleteIdempotencyKey stores the response of a pending key.
	CompleteIdempotencyKey(ctx context.Context, r *IdempotencyRecord) error
	// DeleteIdempotencyKey forgets a key (idempotent).
	DeleteIdempotencyKey(ctx context.Context, accountID int64, key string) error

	// FindFileKeys lists the file keys of every attachment, deleted ones
	// included, in every account (for backups).
	FindFileKeys(ctx context.Context) ([]string, error)

	// FindSetting returns a deployment-wide setting; ENOTFOUND if unset.
	// Settings belong to no account.
	FindSetting(ctx context.Context, name string) (string, error)
	// CreateSetting stores a setting; ECONFLICT if it is already set.
	CreateSetting(ctx context.Context, name, value string) error
	// UpdateSetting replaces a setting's value; ENOTFOUND if it is unset.
	UpdateSetting(ctx context.Context, name, value string) error

	// HitRateLimit adds n hits to the counter of key in the window starting
	// at window and returns the new count. Counters are shared by every node.
	HitRateLimit(ctx context.Context, key string, window time.Time, n int) (int, error)
}

// Resources that keep tombstones.
const (
	ResourceConversations = "conversations"
	ResourceParticipants  = "participants"
	ResourceMessages      = "messages"
	ResourceClients       = "clients"
)

// IdempotencyRecord remembers the response to a POST sent with an
// Idempotency-Key header. Status 0 marks a request still in progress.
type IdempotencyRecord struct {
	AccountID   int64
	Key         string
	RequestHash string
	Status      int
	Header      string
	Body        []byte
	CreatedAt   time.Time
}
