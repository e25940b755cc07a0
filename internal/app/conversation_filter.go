package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
)

// FilterCondition is one condition of an advanced conversation filter as a
// client sends it (Chatwoot's filter payload).
type FilterCondition struct {
	Attribute string
	Operator  string
	Values    []string
	// QueryOperator joins this condition to the next one: "AND" or "OR" in
	// any case; "" (null) on the last condition, and read as AND elsewhere.
	QueryOperator string
}

// filterKeys lists, in the order error messages name them, the attributes a
// filter may test with their operators.
var filterKeys = []struct {
	key string
	ops []string
}{
	{inbox.CondStatus, []string{inbox.OpEqual, inbox.OpNotEqual}},
	{inbox.CondAssigneeID, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpPresent, inbox.OpNotPresent}},
	{inbox.CondInboxID, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpPresent, inbox.OpNotPresent}},
	{inbox.CondTeamID, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpPresent, inbox.OpNotPresent}},
	{inbox.CondPriority, []string{inbox.OpEqual, inbox.OpNotEqual}},
	{inbox.CondDisplayID, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpContains, inbox.OpNotContains}},
	{inbox.CondCampaignID, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpPresent, inbox.OpNotPresent}},
	{inbox.CondLabels, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpPresent, inbox.OpNotPresent}},
	{inbox.CondBrowserLanguage, []string{inbox.OpEqual, inbox.OpNotEqual}},
	{inbox.CondConversationLanguage, []string{inbox.OpEqual, inbox.OpNotEqual}},
	{inbox.CondReferer, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpContains, inbox.OpNotContains}},
	{inbox.CondCreatedAt, []string{inbox.OpGreaterThan, inbox.OpLessThan, inbox.OpDaysBefore}},
	{inbox.CondLastActivityAt, []string{inbox.OpGreaterThan, inbox.OpLessThan, inbox.OpDaysBefore}},
	{inbox.CondMailSubject, []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpContains, inbox.OpNotContains}},
}

// conversationConditions validates a filter payload and turns it into store
// conditions. now anchors days_before. Errors carry Chatwoot's texts.
func conversationConditions(in []FilterCondition, now time.Time) ([]inbox.ConversationCondition, error) {
	out := make([]inbox.ConversationCondition, 0, len(in))
	or := false
	for _, fc := range in {
		c, err := condition(fc, now)
		if err != nil {
			return nil, err
		}
		c.Or = or
		switch strings.ToUpper(strings.TrimSpace(fc.QueryOperator)) {
		case "AND":
			or = false
		case "OR":
			or = true
		case "":
			or = false
		default:
			return nil, inbox.FieldError("query_operator", `Query operator must be either "AND" or "OR".`)
		}
		out = append(out, c)
	}
	return out, nil
}

func condition(fc FilterCondition, now time.Time) (inbox.ConversationCondition, error) {
	c := inbox.ConversationCondition{Attribute: strings.TrimSpace(fc.Attribute), Operator: strings.TrimSpace(fc.Operator)}
	var ops []string
	keys := make([]string, len(filterKeys))
	for i, k := range filterKeys {
		keys[i] = k.key
		if k.key == c.Attribute {
			ops = k.ops
		}
	}
	if ops == nil {
		return c, inbox.FieldError("attribute_key", fmt.Sprintf("Invalid attribute key - [%s]. The key should be one of [%s] "+
			"or a custom attribute defined in the account.", c.Attribute, strings.Join(keys, ",")))
	}
	if !slices.Contains(ops, c.Operator) {
		return c, inbox.FieldError("filter_operator", fmt.Sprintf("Invalid operator. The allowed operators for %s are [%s].",
			c.Attribute, strings.Join(ops, ",")))
	}
	badValues := inbox.FieldError("values", fmt.Sprintf("Invalid value. The values provided for %s are invalid", c.Attribute))
	if c.Operator == inbox.OpPresent || c.Operator == inbox.OpNotPresent {
		return c, nil
	}
	for _, v := range fc.Values {
		if v = strings.TrimSpace(v); v != "" {
			c.Values = append(c.Values, v)
		}
	}
	if len(c.Values) == 0 {
		return c, badValues
	}
	switch c.Attribute {
	case inbox.CondStatus:
		for _, v := range c.Values {
			if v != "all" && !inbox.ValidStatus(v) {
				return c, badValues
			}
		}
	case inbox.CondPriority:
		for _, v := range c.Values {
			if !slices.Contains(inbox.Priorities, v) {
				return c, badValues
			}
		}
	case inbox.CondAssigneeID, inbox.CondInboxID, inbox.CondTeamID, inbox.CondCampaignID:
		for _, v := range c.Values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return c, badValues
			}
		}
	case inbox.CondDisplayID:
		if c.Operator == inbox.OpEqual || c.Operator == inbox.OpNotEqual {
			for _, v := range c.Values {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					return c, badValues
				}
			}
		}
	case inbox.CondCreatedAt, inbox.CondLastActivityAt:
		t, ok := conditionTime(c.Operator, c.Values[0], now)
		if !ok {
			return c, badValues
		}
		c.Time, c.Values = t, nil
		if c.Operator == inbox.OpDaysBefore {
			c.Operator = inbox.OpLessThan
		}
	}
	return c, nil
}

// conditionTime reads a time bound: a number of days for days_before, else a
// date, an ISO 8601 time or Unix seconds.
func conditionTime(op, v string, now time.Time) (time.Time, bool) {
	if op == inbox.OpDaysBefore {
		days, err := strconv.Atoi(v)
		if err != nil || days < 0 {
			return time.Time{}, false
		}
		return now.AddDate(0, 0, -days), true
	}
	if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(sec, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
