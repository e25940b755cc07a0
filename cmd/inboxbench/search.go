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
// of one user's search (also through /search, which looks for
// conversations and contacts too); S1 at -c connections is the throughput.
func searchScenarios(ds *dataset, base string) []scenario {
	words := vocabulary()
	big := ds.accounts[0]
	searchAt := func(path string, acc *benchAccount, rng *rand.Rand) *http.Request {
		q := url.QueryEscape(words[rng.IntN(len(words))])
		return get(fmt.Sprintf("%s/api/v1/accounts/%d/%s?q=%s", base, acc.id, path, q), "api_access_token", acc.cwToken)
	}
	search := func(acc *benchAccount, rng *rand.Rand) *http.Request { return searchAt("search/messages", acc, rng) }
	return []scenario{
		{name: "S1 cw search messages 1 conn", conns: 1, next: func(rng *rand.Rand) *http.Request {
			return search(ds.accounts[rng.IntN(len(ds.accounts))], rng)
		}},
		{name: "S1 cw search large tenant 1 conn", conns: 1, next: func(rng *rand.Rand) *http.Request {
			return search(big, rng)
		}},
		// /search: conversations, contacts and messages at once.
		{name: "S1 cw search all large tenant 1 conn", conns: 1, next: func(rng *rand.Rand) *http.Request {
			return searchAt("search", big, rng)
		}},
		{name: "S1 cw search messages", next: func(rng *rand.Rand) *http.Request {
			return search(ds.accounts[rng.IntN(len(ds.accounts))], rng)
		}},
	}
}
