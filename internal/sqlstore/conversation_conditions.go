package sqlstore

import (
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
)

// conditionsSQL renders an advanced conversation filter as one parenthesised
// boolean expression. Conditions are joined with AND or OR left to right and
// SQL's precedence applies (AND before OR), as in Chatwoot. The application
// layer has validated attributes, operators and values; anything else
// renders as false rather than as SQL.
func conditionsSQL(e engine, conds []inbox.ConversationCondition) (string, []any) {
	return joinConditions(conds, func(c inbox.ConversationCondition) (string, []any) { return conditionSQL(e, c) })
}

// joinConditions renders conditions, each by one, as one parenthesised
// expression joined left to right with AND or OR.
func joinConditions(conds []inbox.ConversationCondition, one func(inbox.ConversationCondition) (string, []any)) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("(")
	for i, c := range conds {
		if i > 0 {
			if c.Or {
				b.WriteString(" OR ")
			} else {
				b.WriteString(" AND ")
			}
		}
		q, a := one(c)
		b.WriteString("(" + q + ")")
		args = append(args, a...)
	}
	b.WriteString(")")
	return b.String(), args
}

// conditionSQL renders one condition.
func conditionSQL(e engine, c inbox.ConversationCondition) (string, []any) {
	switch c.Attribute {
	case inbox.CondStatus:
		if c.Operator == inbox.OpEqual && containsString(c.Values, "all") {
			return "1 = 1", nil
		}
		return valuesSQL("c.status", c)
	case inbox.CondPriority:
		return valuesSQL("c.priority", c)
	case inbox.CondAssigneeID:
		return idsSQL("c.assignee_id", c)
	case inbox.CondInboxID:
		return idsSQL("c.inbox_id", c)
	case inbox.CondDisplayID:
		switch c.Operator {
		case inbox.OpContains, inbox.OpNotContains:
			return containsSQL(e, "CAST(c.display_id AS TEXT)", c)
		}
		return idsSQL("c.display_id", c)
	case inbox.CondTeamID, inbox.CondCampaignID:
		// Not modelled: no conversation has a team or a campaign.
		if c.Operator == inbox.OpNotEqual || c.Operator == inbox.OpNotPresent {
			return "1 = 1", nil
		}
		return "1 = 0", nil
	case inbox.CondLabels:
		return labelsSQL(c)
	case inbox.CondBrowserLanguage, inbox.CondConversationLanguage, inbox.CondReferer, inbox.CondMailSubject:
		col := "COALESCE(" + dialectJSONText(e, "c.additional_attributes", c.Attribute) + ", '')"
		switch c.Operator {
		case inbox.OpContains, inbox.OpNotContains:
			return containsSQL(e, col, c)
		}
		return valuesSQL(col, c)
	case inbox.CondCreatedAt:
		return timeSQL("c.created_at", c)
	case inbox.CondLastActivityAt:
		return timeSQL("c.last_activity_at", c)
	}
	return "1 = 0", nil
}

// valuesSQL compares a text column with the values.
func valuesSQL(col string, c inbox.ConversationCondition) (string, []any) {
	in := placeholders(len(c.Values))
	switch c.Operator {
	case inbox.OpEqual:
		return col + " IN (" + in + ")", stringArgs(c.Values)
	case inbox.OpNotEqual:
		return col + " NOT IN (" + in + ")", stringArgs(c.Values)
	}
	return "1 = 0", nil
}

// idsSQL compares a nullable id column with the values. "Not equal" keeps
// rows where the column is NULL (an unassigned conversation is not assigned
// to 5).
func idsSQL(col string, c inbox.ConversationCondition) (string, []any) {
	var ids []any
	for _, v := range c.Values {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "1 = 0", nil
		}
		ids = append(ids, n)
	}
	in := placeholders(len(ids))
	switch c.Operator {
	case inbox.OpEqual:
		return col + " IN (" + in + ")", ids
	case inbox.OpNotEqual:
		return "(" + col + " IS NULL OR " + col + " NOT IN (" + in + "))", ids
	case inbox.OpPresent:
		return col + " IS NOT NULL", nil
	case inbox.OpNotPresent:
		return col + " IS NULL", nil
	}
	return "1 = 0", nil
}

// containsSQL matches a case-insensitive substring of any value (contains),
// of none (does_not_contain), or a prefix of any value (starts_with).
func containsSQL(e engine, col string, c inbox.ConversationCondition) (string, []any) {
	pattern := likePattern
	if c.Operator == inbox.OpStartsWith {
		pattern = likePrefix
	}
	var parts []string
	var args []any
	for _, v := range c.Values {
		parts = append(parts, dialectContains(e, col))
		args = append(args, pattern(v))
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	if c.Operator == inbox.OpNotContains {
		return "NOT (" + strings.Join(parts, " OR ") + ")", args
	}
	return strings.Join(parts, " OR "), args
}

// labelsSQL tests the conversation's labels.
func labelsSQL(c inbox.ConversationCondition) (string, []any) {
	exists := `EXISTS (SELECT 1 FROM conversation_labels l WHERE l.account_id = c.account_id AND l.conversation_id = c.id`
	switch c.Operator {
	case inbox.OpEqual:
		return exists + ` AND l.label IN (` + placeholders(len(c.Values)) + `))`, stringArgs(c.Values)
	case inbox.OpNotEqual:
		return `NOT ` + exists + ` AND l.label IN (` + placeholders(len(c.Values)) + `))`, stringArgs(c.Values)
	case inbox.OpPresent:
		return exists + `)`, nil
	case inbox.OpNotPresent:
		return `NOT ` + exists + `)`, nil
	}
	return "1 = 0", nil
}

// timeSQL bounds a time column.
func timeSQL(col string, c inbox.ConversationCondition) (string, []any) {
	switch c.Operator {
	case inbox.OpGreaterThan:
		return col + " > ?", []any{ts(c.Time)}
	case inbox.OpLessThan:
		return col + " < ?", []any{ts(c.Time)}
	}
	return "1 = 0", nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
