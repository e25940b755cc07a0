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

// Validate checks a client before it is stored. A client needs a full name, or
// a first and last name.
func (c *Client) Validate() error {
	if isBlank(c.Fullname) && (isBlank(c.Firstname) || isBlank(c.Lastname)) {
		return FieldError("fullname", MsgBlank)
	} else if c.Email != "" && !ValidEmail(c.Email) {
		return FieldError("email", MsgInvalid)
	}
	return nil
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
	Blocked         *bool
}

// ClientFilter selects clients of one account.
type ClientFilter struct {
	IDs          []int64
	UpdatedSince *time.Time
	Page         Page
}
