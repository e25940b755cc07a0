package chatwoot

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// filterCounts is the filter endpoint's meta: no assigned_count.
type filterCounts struct {
	MineCount       int `json:"mine_count"`
	UnassignedCount int `json:"unassigned_count"`
	AllCount        int `json:"all_count"`
}

// filterResult is the filter body: no data wrapper.
type filterResult struct {
	Meta    filterCounts    `json:"meta"`
	Payload []*conversation `json:"payload"`
}

// filterConditions reads {"payload":[{attribute_key, filter_operator,
// values, query_operator}, …]}.
func filterConditions(p *params) ([]app.FilterCondition, error) {
	raw, ok := p.values["payload"]
	if !ok || raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, inbox.FieldError("payload", "must be a list of conditions")
	}
	out := make([]app.FilterCondition, 0, len(items))
	for _, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, inbox.FieldError("payload", "must be a list of conditions")
		}
		cp := &params{values: m}
		var fc app.FilterCondition
		var err error
		if fc.Attribute, err = cp.str("attribute_key"); err != nil {
			return nil, err
		}
		if fc.Operator, err = cp.str("filter_operator"); err != nil {
			return nil, err
		}
		if fc.QueryOperator, err = cp.str("query_operator"); err != nil {
			return nil, err
		}
		switch v := m["values"].(type) {
		case nil:
		case []any:
			for _, x := range v {
				s, ok := scalar(x)
				if !ok {
					return nil, inbox.FieldError("values", "must be a list of values")
				}
				if _, err := text("values", s); err != nil {
					return nil, err
				}
				fc.Values = append(fc.Values, s)
			}
		default:
			s, ok := scalar(v)
			if !ok {
				return nil, inbox.FieldError("values", "must be a list of values")
			}
			if _, err := text("values", s); err != nil {
				return nil, err
			}
			fc.Values = []string{s}
		}
		out = append(out, fc)
	}
	return out, nil
}

// POST /conversations/filter?page=N
func (a *API) filterConversations(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	conds, err := filterConditions(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	page, err := conversationPage(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	base := a.base(r)
	a.read(w, r, func(l *app.Loader) (any, error) {
		list, err := l.FilterConversations(conds, page, details)
		if err != nil {
			return nil, err
		}
		n := list.Counts
		return filterResult{Meta: filterCounts{MineCount: n.Mine, UnassignedCount: n.Unassigned, AllCount: n.All},
			Payload: conversationsFrom(list.Items, base)}, nil
	})
}
