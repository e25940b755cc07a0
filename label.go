package inbox

import (
	"strings"
	"time"
	"unicode"
)

// Label is one of an account's labels (Chatwoot's account labels). A
// conversation's labels are names; they need not be defined here.
type Label struct {
	ID            int64
	AccountID     int64
	Title         string // lower case; unique in the account
	Description   string
	Color         string // "#rrggbb"
	ShowOnSidebar bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// DefaultLabelColor is the color of a label created without one.
const DefaultLabelColor = "#1f93ff"

// Normalize lower-cases the title, as titles are compared.
func (l *Label) Normalize() { l.Title = strings.ToLower(strings.TrimSpace(l.Title)) }

// Validate checks a label before it is stored: a title of letters, digits,
// hyphens and underscores, and a color written #rgb or #rrggbb.
func (l *Label) Validate() error {
	if l.Title == "" {
		return FieldError("title", MsgBlank)
	} else if tooLong(l.Title, 255) {
		return FieldError("title", "is too long (maximum is 255 characters)")
	}
	for _, r := range l.Title {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '-' && r != '_' {
			return FieldError("title", MsgInvalid)
		}
	}
	if !validColor(l.Color) {
		return FieldError("color", MsgInvalid)
	} else if tooLong(l.Description, 10000) {
		return FieldError("description", "is too long (maximum is 10000 characters)")
	}
	return nil
}

func validColor(s string) bool {
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// LabelUpdate holds the label fields to change; nil leaves one unchanged.
type LabelUpdate struct {
	Title         *string
	Description   *string
	Color         *string
	ShowOnSidebar *bool
}

// CannedResponse is a saved reply agents insert by its short code.
type CannedResponse struct {
	ID        int64
	AccountID int64
	ShortCode string // unique in the account
	Content   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks a canned response before it is stored.
func (c *CannedResponse) Validate() error {
	if isBlank(c.ShortCode) {
		return FieldError("short_code", MsgBlank)
	} else if tooLong(c.ShortCode, 255) {
		return FieldError("short_code", "is too long (maximum is 255 characters)")
	} else if isBlank(c.Content) {
		return FieldError("content", MsgBlank)
	} else if tooLong(c.Content, MaxContentLength) {
		return FieldError("content", "is too long (maximum is 150000 characters)")
	}
	return nil
}

// CannedResponseUpdate holds the fields to change; nil leaves one unchanged.
type CannedResponseUpdate struct {
	ShortCode *string
	Content   *string
}

// CannedResponseFilter selects canned responses of one account.
type CannedResponseFilter struct {
	// Search matches a case-insensitive substring of the short code or the
	// content; matches whose short code starts with it come first.
	Search string
}
