package inbox

import (
	"slices"
	"strings"
	"time"
)

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
	// AutoOffline marks the host offline when it goes away (Chatwoot).
	AutoOffline bool
	SourceID    *int64
	// DeletedAt is set when the host was removed from the account: it is no
	// longer listed and cannot sign in, but the messages it sent still name
	// it.
	DeletedAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
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

// Validate checks a host before it is stored. A host needs a name (a first
// or a last name; BookingSync's requirement of both is a rule of its
// requests, checked by that dialect).
func (h *Host) Validate() error {
	if isBlank(h.Firstname) && isBlank(h.Lastname) {
		return FieldError("name", MsgBlank)
	} else if tooLong(h.Name(), 255) {
		return FieldError("name", "is too long (maximum is 255 characters)")
	} else if h.Email != "" && !ValidEmail(h.Email) {
		return FieldError("email", MsgInvalid)
	}
	switch h.Role {
	case RoleAdministrator, RoleAgent:
	default:
		return FieldError("role", MsgInclusion)
	}
	if !ValidAvailability(h.Availability) {
		return FieldError("availability_status", MsgInclusion)
	}
	return nil
}

// Availabilities lists a host's availability values.
var Availabilities = []string{"online", "busy", "offline"}

// ValidAvailability reports whether s is an availability.
func ValidAvailability(s string) bool { return slices.Contains(Availabilities, s) }

// ValidRole reports whether s is a host role.
func ValidRole(s string) bool { return s == RoleAdministrator || s == RoleAgent }

// SplitName splits a display name into a first name (the first word) and a
// last name (the rest), the way a single "name" field maps onto a host.
func SplitName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	if i := strings.IndexAny(name, " \t"); i > 0 {
		return name[:i], strings.TrimSpace(name[i+1:])
	}
	return name, ""
}

// HostUpdate holds the host fields to change; nil leaves a field unchanged.
type HostUpdate struct {
	Firstname    *string
	Lastname     *string
	Email        *string
	Role         *string
	Availability *string
	AutoOffline  *bool
	SourceID     **int64
}

// HostFilter selects hosts of one account. Removed hosts are listed only
// with Removed.
type HostFilter struct {
	IDs []int64
	// Removed lists removed hosts too: a removed host still shows where it
	// is referenced (a message's sender), as FindHostByID finds it.
	Removed      bool
	UpdatedSince *time.Time
	// Sort is "" (ascending id) or "name" (Chatwoot lists agents by name).
	Sort string
	Page Page
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
