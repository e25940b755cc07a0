package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
)

// searchScenarios measure Chatwoot's full-text message search: a word the
// seeder put in messages (about 500 of the 1,000,000 mention each), in a
// random tenant or in the large tenant (half the messages), as the
// administrator sees it (every inbox). S1 at one connection is the latency
// of one user's search; S1 at -c connections is the throughput.
func searchScenarios(ds *dataset, base string) []scenario {
	words := vocabulary()
	big := ds.accounts[0]
	search := func(acc *benchAccount, rng *rand.Rand) *http.Request {
		q := url.QueryEscape(words[rng.IntN(len(words))])
		return get(fmt.Sprintf("%s/api/v1/accounts/%d/search/messages?q=%s", base, acc.id, q), "api_access_token", acc.cwToken)
	}
	return []scenario{
		{name: "S1 cw search messages 1 conn", conns: 1, next: func(rng *rand.Rand) *http.Request {
			return search(ds.accounts[rng.IntN(len(ds.accounts))], rng)
		}},
		{name: "S1 cw search large tenant 1 conn", conns: 1, next: func(rng *rand.Rand) *http.Request {
			return search(big, rng)
		}},
		{name: "S1 cw search messages", next: func(rng *rand.Rand) *http.Request {
			return search(ds.accounts[rng.IntN(len(ds.accounts))], rng)
		}},
	}
}
