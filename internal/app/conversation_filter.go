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

// valueKind says how a filter key's values are checked.
type valueKind int

const (
	valuesText valueKind = iota
	valuesStatus
	valuesPriority
	valuesIDs
	valuesDisplayID // ids, except for contains and does_not_contain
	valuesDate
	valuesBoolean
)

// filterKey is an attribute a filter may test, with its operators.
type filterKey struct {
	key  string
	ops  []string
	kind valueKind
}

var (
	opsEquality = []string{inbox.OpEqual, inbox.OpNotEqual}
	opsPresence = []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpPresent, inbox.OpNotPresent}
	opsText     = []string{inbox.OpEqual, inbox.OpNotEqual, inbox.OpContains, inbox.OpNotContains}
	opsDate     = []string{inbox.OpGreaterThan, inbox.OpLessThan, inbox.OpDaysBefore}
)

// conversationFilterKeys lists, in the order error messages name them, the
// attributes a conversation filter may test (Chatwoot's filter_keys.yml).
var conversationFilterKeys = []filterKey{
	{inbox.CondStatus, opsEquality, valuesStatus},
	{inbox.CondAssigneeID, opsPresence, valuesIDs},
	{inbox.CondInboxID, opsPresence, valuesIDs},
	{inbox.CondTeamID, opsPresence, valuesIDs},
	{inbox.CondPriority, opsEquality, valuesPriority},
	{inbox.CondDisplayID, opsText, valuesDisplayID},
	{inbox.CondCampaignID, opsPresence, valuesIDs},
	{inbox.CondLabels, opsPresence, valuesText},
	{inbox.CondBrowserLanguage, opsEquality, valuesText},
	{inbox.CondConversationLanguage, opsEquality, valuesText},
	{inbox.CondReferer, opsText, valuesText},
	{inbox.CondCreatedAt, opsDate, valuesDate},
	{inbox.CondLastActivityAt, opsDate, valuesDate},
	{inbox.CondMailSubject, opsText, valuesText},
}

// contactFilterKeys lists the attributes a contact filter may test.
var contactFilterKeys = []filterKey{
	{inbox.ContactCondName, opsText, valuesText},
	{inbox.ContactCondPhoneNumber, append(slices.Clone(opsText), inbox.OpStartsWith), valuesText},
	{inbox.ContactCondEmail, opsText, valuesText},
	{inbox.ContactCondIdentifier, opsEquality, valuesText},
	{inbox.ContactCondCountryCode, opsEquality, valuesText},
	{inbox.ContactCondCity, opsText, valuesText},
	{inbox.ContactCondCompany, opsText, valuesText},
	{inbox.ContactCondLabels, opsPresence, valuesText},
	{inbox.ContactCondCreatedAt, opsDate, valuesDate},
	{inbox.ContactCondLastActivity, opsDate, valuesDate},
	{inbox.ContactCondBlocked, opsEquality, valuesBoolean},
}

// conversationConditions validates a conversation filter payload and turns
// it into store conditions. now anchors days_before. Errors carry Chatwoot's
// texts.
func conversationConditions(in []FilterCondition, now time.Time) ([]inbox.ConversationCondition, error) {
	return parseConditions(conversationFilterKeys, in, now)
}

// contactConditions validates a contact filter payload (Chatwoot's
// contacts/filter) the same way.
func contactConditions(in []FilterCondition, now time.Time) ([]inbox.ConversationCondition, error) {
	return parseConditions(contactFilterKeys, in, now)
}

func parseConditions(keys []filterKey, in []FilterCondition, now time.Time) ([]inbox.ConversationCondition, error) {
	out := make([]inbox.ConversationCondition, 0, len(in))
	or := false
	for _, fc := range in {
		c, err := condition(keys, fc, now)
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

func condition(keys []filterKey, fc FilterCondition, now time.Time) (inbox.ConversationCondition, error) {
	c := inbox.ConversationCondition{Attribute: strings.TrimSpace(fc.Attribute), Operator: strings.TrimSpace(fc.Operator)}
	var key *filterKey
	names := make([]string, len(keys))
	for i := range keys {
		names[i] = keys[i].key
		if keys[i].key == c.Attribute {
			key = &keys[i]
		}
	}
	if key == nil {
		return c, inbox.FieldError("attribute_key", fmt.Sprintf("Invalid attribute key - [%s]. The key should be one of [%s] "+
			"or a custom attribute defined in the account.", c.Attribute, strings.Join(names, ",")))
	}
	if !slices.Contains(key.ops, c.Operator) {
		return c, inbox.FieldError("filter_operator", fmt.Sprintf("Invalid operator. The allowed operators for %s are [%s].",
			c.Attribute, strings.Join(key.ops, ",")))
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
	ids := func() bool {
		for _, v := range c.Values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return false
			}
		}
		return true
	}
	switch key.kind {
	case valuesStatus:
		for _, v := range c.Values {
			if v != "all" && !inbox.ValidStatus(v) {
				return c, badValues
			}
		}
	case valuesPriority:
		for _, v := range c.Values {
			if !slices.Contains(inbox.Priorities, v) {
				return c, badValues
			}
		}
	case valuesIDs:
		if !ids() {
			return c, badValues
		}
	case valuesDisplayID:
		if (c.Operator == inbox.OpEqual || c.Operator == inbox.OpNotEqual) && !ids() {
			return c, badValues
		}
	case valuesBoolean:
		// One value, as Rails casts it.
		switch strings.ToLower(c.Values[0]) {
		case "true", "t", "1":
			c.Values = []string{"true"}
		case "false", "f", "0":
			c.Values = []string{"false"}
		default:
			return c, badValues
		}
	case valuesDate:
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
