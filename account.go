package inbox

import "time"

// Account is the tenant. Every other record carries its id.
type Account struct {
	ID        int64
	Name      string
	Email     string
	Status    string // AccountTrial, AccountPaying or AccountSuspended
	Locale    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Account statuses (BookingSync's vocabulary; Chatwoot only distinguishes
// suspended from active).
const (
	AccountTrial     = "trial"
	AccountPaying    = "paying"
	AccountSuspended = "suspended"
)

// Validate checks the fields a caller may set.
func (a *Account) Validate() error {
	if isBlank(a.Name) {
		return FieldError("name", MsgBlank)
	}
	switch a.Status {
	case AccountTrial, AccountPaying, AccountSuspended:
	default:
		return FieldError("status", MsgInclusion)
	}
	return nil
}

// Host is a user of an account: a property manager or support agent. In the
// Chatwoot dialect a host is an agent ("user").
type Host struct {
	ID           int64
	AccountID    int64
	Firstname    string
	Lastname     string
	Email        string
	Role         string // RoleAdministrator or RoleAgent
	Availability string // online, busy, offline
	SourceID     *int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Host roles.
const (
	RoleAdministrator = "administrator"
	RoleAgent         = "agent"
)

// Name is the host's display name.
func (h *Host) Name() string {
	switch {
	case h.Firstname == "":
		return h.Lastname
	case h.Lastname == "":
		return h.Firstname
	}
	return h.Firstname + " " + h.Lastname
}

// Validate checks a host before it is stored.
func (h *Host) Validate() error {
	if isBlank(h.Firstname) {
		return FieldError("firstname", MsgBlank)
	} else if isBlank(h.Lastname) {
		return FieldError("lastname", MsgBlank)
	} else if h.Email != "" && !ValidEmail(h.Email) {
		return FieldError("email", MsgInvalid)
	}
	switch h.Role {
	case RoleAdministrator, RoleAgent:
	default:
		return FieldError("role", MsgInclusion)
	}
	switch h.Availability {
	case "online", "busy", "offline":
	default:
		return FieldError("availability_status", MsgInclusion)
	}
	return nil
}

// HostUpdate holds the host fields to change; nil leaves a field unchanged.
type HostUpdate struct {
	Firstname *string
	Lastname  *string
	Email     *string
	SourceID  **int64
}

// HostFilter selects hosts of one account.
type HostFilter struct {
	IDs          []int64
	UpdatedSince *time.Time
	Page         Page
}

// ValidEmail reports whether s looks like an e-mail address: something@something.something.
func ValidEmail(s string) bool {
	at := -1
	for i, r := range s {
		if r == ' ' || r == '\t' || r == '\n' {
			return false
		}
		if r == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at <= 0 || at == len(s)-1 {
		return false
	}
	domain := s[at+1:]
	for i := 1; i < len(domain)-1; i++ {
		if domain[i] == '.' {
			return true
		}
	}
	return false
}
