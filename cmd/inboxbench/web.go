package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// webPassword is the password of the first two accounts' administrators,
// who sign in to the web inbox for the P scenarios.
const webPassword = "inboxbench web password"

// webHosts is how many accounts get a web sign-in (the large tenant and a
// typical one).
const webHosts = 2

// webScenarios measure the web inbox's pages as a signed-in browser asks
// for them (compressed): the list (50 conversations a page), a page deep in
// it reached by its cursor, and conversations. Each response's
// Server-Timing header gives the server's own time, reported beside the
// latency the client saw.
func webScenarios(ds *dataset, base string) ([]scenario, error) {
	var cookies []string
	for i := 0; i < webHosts && i < len(ds.accounts); i++ {
		c, err := signIn(base, fmt.Sprintf("admin%d@bench.example", i))
		if err != nil {
			return nil, err
		}
		cookies = append(cookies, c)
	}
	page := func(path, cookie string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Accept-Encoding", "gzip")
		return req
	}
	// The 21st page of the large tenant's list, reached as a reader would:
	// by following "Older" twenty times.
	deep := "/inbox"
	for range 20 {
		next, err := olderLink(page(deep, cookies[0]))
		if err != nil {
			return nil, err
		}
		if next == "" {
			break
		}
		deep = next
	}
	big := ds.accounts[0]
	out := []scenario{
		{goClient: true, name: "P1 web list page 1", next: func(*rand.Rand) *http.Request { return page("/inbox", cookies[0]) }},
		{goClient: true, name: "P1 web list page 21", next: func(*rand.Rand) *http.Request { return page(deep, cookies[0]) }},
		{goClient: true, name: "P2 web conversation", next: func(rng *rand.Rand) *http.Request {
			return page("/inbox/conversations/"+strconv.FormatInt(big.convs[rng.IntN(len(big.convs))].displayID, 10), cookies[0])
		}},
	}
	if len(cookies) > 1 {
		out = append(out, scenario{goClient: true, name: "P3 web list typical tenant", next: func(*rand.Rand) *http.Request {
			return page("/inbox", cookies[1])
		}})
	}
	return out, nil
}

var (
	formTokenRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	olderRE     = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
)

// signIn signs in through the form and returns the session cookie.
func signIn(base, email string) (string, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/signin")
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formTokenRE.FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("sign-in page: no form token (HTTP %d)", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/signin", strings.NewReader(url.Values{"csrf": {string(m[1])},
		"email": {email}, "password": {webPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "inboxd_form", Value: string(m[1])})
	resp, err = client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "inboxd_session" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("sign in as %s: HTTP %d, no session", email, resp.StatusCode)
}

// olderLink returns the list page's link to the next (older) page.
func olderLink(req *http.Request) (string, error) {
	req.Header.Del("Accept-Encoding")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: HTTP %d", req.URL, resp.StatusCode)
	}
	m := olderRE.FindSubmatch(body)
	if m == nil {
		return "", nil
	}
	return strings.ReplaceAll(string(m[1]), "&amp;", "&"), nil
}

// serverTime reads the page's Server-Timing duration in milliseconds (0
// when it has none).
func serverTime(h http.Header) float64 {
	v := h.Get("Server-Timing")
	i := strings.Index(v, "dur=")
	if i < 0 {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.TrimRight(v[i+4:], "; "), 64)
	return f
}
