package inbox

import "time"

// Client is a guest or customer: BookingSync's client, Chatwoot's contact.
type Client struct {
	ID                   int64
	AccountID            int64
	Fullname             string
	Firstname            string
	Lastname             string
	Email                string
	Phone                string
	Company              string
	Notes                string
	PreferredLocale      string
	Identifier           string
	Blocked              bool
	AdditionalAttributes Attributes
	CustomAttributes     Attributes
	LastActivityAt       *time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Name is the client's display name.
func (c *Client) Name() string {
	if c.Fullname != "" {
		return c.Fullname
	}
	switch {
	case c.Firstname == "":
		return c.Lastname
	case c.Lastname == "":
		return c.Firstname
	}
	return c.Firstname + " " + c.Lastname
}

// Resolved reports whether the client can be reached or recognised: it has an
// e-mail, a phone number or an identifier (Chatwoot lists only these).
func (c *Client) Resolved() bool { return c.Email != "" || c.Phone != "" || c.Identifier != "" }

// Validate checks a client before it is stored. A client needs something to
// be known by: a name, an e-mail, a phone number or an identifier.
// (BookingSync's stricter "fullname, or firstname and lastname" is a rule of
// its create request, checked by that dialect.)
func (c *Client) Validate() error {
	if isBlank(c.Name()) && isBlank(c.Email) && isBlank(c.Phone) && isBlank(c.Identifier) {
		return FieldError("name", MsgBlank)
	} else if c.Email != "" && !ValidEmail(c.Email) {
		return FieldError("email", MsgInvalid)
	} else if tooLong(c.Name(), 255) {
		return FieldError("name", "is too long (maximum is 255 characters)")
	}
	if err := c.CustomAttributes.Validate("custom_attributes"); err != nil {
		return err
	}
	return c.AdditionalAttributes.Validate("additional_attributes")
}

// ClientUpdate holds the client fields to change; nil leaves a field unchanged.
type ClientUpdate struct {
	Fullname        *string
	Firstname       *string
	Lastname        *string
	Email           *string
	Phone           *string
	Company         *string
	Notes           *string
	PreferredLocale *string
	Identifier      *string
	Blocked         *bool
	// AdditionalAttributes and CustomAttributes replace the whole object.
	AdditionalAttributes *Attributes
	CustomAttributes     *Attributes
	// LastActivityAt is when the client last wrote.
	LastActivityAt *time.Time
}

// ClientFilter selects clients of one account. Zero fields do not filter.
type ClientFilter struct {
	IDs          []int64
	UpdatedSince *time.Time
	// Query matches a case-insensitive substring of the name, e-mail, phone
	// number or identifier (Chatwoot's contact search).
	Query string
	// Identifier selects the client with this identifier (exact).
	Identifier string
	// Resolved keeps only clients with an e-mail, a phone or an identifier.
	Resolved bool
	// Conditions is an advanced filter (attributes ContactCond*), AND-ed
	// with the fields above.
	Conditions []ConversationCondition
	// Sort is "" (ascending id) or one of ClientSorts, "-" first for
	// descending.
	Sort string
	Page Page
}

// ClientSorts lists the client sort keys (Chatwoot's contact sort).
var ClientSorts = []string{"name", "email", "phone_number", "last_activity_at", "created_at", "company_name",
	"city", "country_code"}

// Attributes a contact condition may test (Chatwoot's contact filter keys).
// city and country_code live in the client's additional attributes; company
// is the client's company. Contact labels are not modelled: no client has one.
const (
	ContactCondName         = "name"
	ContactCondEmail        = "email"
	ContactCondPhoneNumber  = "phone_number"
	ContactCondIdentifier   = "identifier"
	ContactCondCountryCode  = "country_code"
	ContactCondCity         = "city"
	ContactCondCompany      = "company"
	ContactCondLabels       = "labels"
	ContactCondCreatedAt    = "created_at"
	ContactCondLastActivity = "last_activity_at"
	ContactCondBlocked      = "blocked"
)

// OpStartsWith matches a case-insensitive prefix (contact phone numbers).
const OpStartsWith = "starts_with"

// ContactInbox is a client's identity in one inbox: the id the inbox's
// channel knows the client by (Chatwoot's contact_inbox source_id: a
// generated UUID for API inboxes, the e-mail address for an e-mail inbox).
// (InboxID, SourceID) is unique in an account.
type ContactInbox struct {
	ID           int64
	AccountID    int64
	ClientID     int64
	InboxID      int64
	SourceID     string
	HMACVerified bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ContactInboxFilter selects contact inboxes of one account.
type ContactInboxFilter struct {
	ClientIDs []int64
	InboxID   *int64
	SourceID  string
}
