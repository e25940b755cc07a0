package bookingsync

import (
	"net/http"
	"slices"

	inbox "github.com/inboxd/inbox"
)

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) { a.accounts(w, r, false) }

func (a *API) getAccounts(w http.ResponseWriter, r *http.Request) { a.accounts(w, r, true) }

// accounts lists the accounts the token may see: in inboxd an application
// belongs to one account, so that one.
func (a *API) accounts(w http.ResponseWriter, r *http.Request, byIDs bool) {
	q, items, total, ok := listing(a, w, r, byIDs, func(q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Account, int, error) {
		acc, err := a.app.GetAccount(r.Context())
		if err != nil {
			return nil, 0, err
		}
		if (ids != nil && !slices.Contains(ids, acc.ID)) || (q.since != nil && acc.UpdatedAt.Before(*q.since)) {
			return nil, 0, nil
		}
		if pg.AfterID >= acc.ID || pg.Offset > 0 {
			return nil, 1, nil
		}
		return []*inbox.Account{acc}, 1, nil
	}, func(acc *inbox.Account) int64 { return acc.ID })
	if !ok {
		return
	}
	p := inbox.PrincipalFromContext(r.Context())
	inboxScope := p != nil && p.Scopes.Has(inbox.ScopeInboxRead)
	recs := make([]object, len(items))
	for i, acc := range items {
		recs[i] = accountRecord(acc, inboxScope)
	}
	a.respondList(w, r, q, total, "", nil, "accounts", recs)
}
