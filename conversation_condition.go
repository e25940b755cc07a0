package inbox

import "time"

// Attributes a ConversationCondition may test (Chatwoot's filter keys).
// Teams and campaigns are not modelled: no conversation has one.
const (
	CondStatus               = "status"
	CondAssigneeID           = "assignee_id"
	CondInboxID              = "inbox_id"
	CondTeamID               = "team_id"
	CondPriority             = "priority"
	CondDisplayID            = "display_id"
	CondCampaignID           = "campaign_id"
	CondLabels               = "labels"
	CondBrowserLanguage      = "browser_language"
	CondConversationLanguage = "conversation_language"
	CondReferer              = "referer"
	CondCreatedAt            = "created_at"
	CondLastActivityAt       = "last_activity_at"
	CondMailSubject          = "mail_subject"
)

// Condition operators. The application layer turns OpDaysBefore into
// OpLessThan with a Time, so the store never sees it.
const (
	OpEqual       = "equal_to"
	OpNotEqual    = "not_equal_to"
	OpContains    = "contains"
	OpNotContains = "does_not_contain"
	OpPresent     = "is_present"
	OpNotPresent  = "is_not_present"
	OpGreaterThan = "is_greater_than"
	OpLessThan    = "is_less_than"
	OpDaysBefore  = "days_before"
)

// ConversationCondition is one condition of an advanced conversation filter.
// Conditions are joined left to right: Or joins a condition to the one before
// it with OR instead of AND, and AND binds tighter than OR, as in SQL.
type ConversationCondition struct {
	Attribute string
	Operator  string
	// Values are compared by equal_to, not_equal_to, contains and
	// does_not_contain; id attributes hold decimal ids.
	Values []string
	// Time bounds is_greater_than and is_less_than on time attributes.
	Time time.Time
	Or   bool
}
