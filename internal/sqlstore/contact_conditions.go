package sqlstore

import (
	"strings"

	inbox "github.com/inboxd/inbox"
)

// clientName is a client's display name in SQL (inbox.Client.Name).
const clientName = "(CASE WHEN fullname <> '' THEN fullname WHEN firstname = '' THEN lastname " +
	"WHEN lastname = '' THEN firstname ELSE firstname || ' ' || lastname END)"

// contactConditionSQL renders one condition of an advanced contact filter.
// Text comparisons ignore case, as Chatwoot's contact filter does. The
// application layer has validated attributes, operators and values; anything
// else renders as false.
func contactConditionSQL(e engine, c inbox.ConversationCondition) (string, []any) {
	switch c.Attribute {
	case inbox.ContactCondName:
		return textSQL(e, clientName, c)
	case inbox.ContactCondEmail:
		return textSQL(e, "email", c)
	case inbox.ContactCondPhoneNumber:
		return textSQL(e, "phone", c)
	case inbox.ContactCondIdentifier:
		return textSQL(e, "identifier", c)
	case inbox.ContactCondCompany:
		return textSQL(e, "company", c)
	case inbox.ContactCondCountryCode, inbox.ContactCondCity:
		return textSQL(e, "COALESCE("+dialectJSONText(e, "additional_attributes", c.Attribute)+", '')", c)
	case inbox.ContactCondBlocked:
		if len(c.Values) != 1 || (c.Values[0] != "true" && c.Values[0] != "false") {
			return "1 = 0", nil
		}
		want := c.Values[0] == "true"
		if c.Operator == inbox.OpNotEqual {
			want = !want
		}
		return "blocked = ?", []any{want}
	case inbox.ContactCondLabels:
		// Not modelled: no client has a label.
		if c.Operator == inbox.OpNotEqual || c.Operator == inbox.OpNotPresent {
			return "1 = 1", nil
		}
		return "1 = 0", nil
	case inbox.ContactCondCreatedAt:
		return timeSQL("created_at", c)
	case inbox.ContactCondLastActivity:
		return timeSQL("last_activity_at", c)
	}
	return "1 = 0", nil
}

// textSQL compares a text column with the values, ignoring case.
func textSQL(e engine, col string, c inbox.ConversationCondition) (string, []any) {
	switch c.Operator {
	case inbox.OpEqual, inbox.OpNotEqual:
		in := strings.TrimSuffix(strings.Repeat("LOWER(?), ", len(c.Values)), ", ")
		if in == "" {
			return "1 = 0", nil
		}
		not := ""
		if c.Operator == inbox.OpNotEqual {
			not = "NOT "
		}
		return "LOWER(" + col + ") " + not + "IN (" + in + ")", stringArgs(c.Values)
	case inbox.OpContains, inbox.OpNotContains, inbox.OpStartsWith:
		return containsSQL(e, col, c)
	}
	return "1 = 0", nil
}
