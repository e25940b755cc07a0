package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

//go:embed assets templates
var files embed.FS

// asset is one embedded static file, served under a name that carries a
// hash of its content, so browsers may keep it for a year.
type asset struct {
	name, contentType string
	body, gzipped     []byte
}

type assets struct {
	byName   map[string]*asset // by hashed name
	hashedOf map[string]string // plain name → hashed name
}

func loadAssets() *assets {
	as := &assets{byName: map[string]*asset{}, hashedOf: map[string]string{}}
	entries, err := fs.ReadDir(files, "assets")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := files.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a := &asset{name: hashed, body: body, gzipped: gzipBytes(body)}
		switch ext {
		case ".css":
			a.contentType = "text/css; charset=utf-8"
		case ".js":
			a.contentType = "text/javascript; charset=utf-8"
		case ".svg":
			a.contentType = "image/svg+xml"
		default:
			a.contentType = "application/octet-stream"
		}
		as.byName[hashed] = a
		as.hashedOf[e.Name()] = hashed
	}
	return as
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// url returns the path an asset is served at.
func (as *assets) url(name string) string {
	h, ok := as.hashedOf[name]
	if !ok {
		panic("web: no asset " + name)
	}
	return "/assets/" + h
}

// serveAsset serves an embedded file, compressed when the client accepts it.
func (w *Web) serveAsset(rw http.ResponseWriter, r *http.Request) {
	a := w.assets.byName[r.PathValue("name")]
	if a == nil {
		http.NotFound(rw, r)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	body := a.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rw.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(q) != "q=0" {
				return true
			}
		}
	}
	return false
}

// pages holds one template set per page (templates/*.html), each with the
// layout and the shared fragments (templates/parts).
type pages struct {
	byName map[string]*template.Template
	// fragments renders the pieces the event stream sends (row, message,
	// details).
	fragments *template.Template
}

func loadPages(as *assets) *pages {
	funcs := template.FuncMap{
		"asset":      as.url,
		"when":       when,
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"date":       func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006") },
		"channel":    channelOf,
		"excerpt":    excerpt,
		"fileURL":    func(a *inbox.Attachment) string { return httpx.FileURL("", a.AccountID, a.ID, a.URLToken, a.Name) },
		"size":       size,
		"initials":   initials,
		"has":        func(list []string, s string) bool { return slices.Contains(list, s) },
		"isImage":    func(a *inbox.Attachment) bool { return a.FileType() == "image" },
		"paragraphs": paragraphs,
		"unread":     func(c *app.ConversationView) bool { return c.Stats != nil && c.Stats.UnreadCount > 0 },
		"contact":    contactName,
		"title":      title,
		"sender":     senderName,
		"member":     memberName,
		"deref":      func(p *int64) int64 { return *p },
		"mine":       func(c *app.ConversationView, h *inbox.Host) bool { return c.AssigneeID != nil && *c.AssigneeID == h.ID },
		"known":      knownLabel,
		"nights":     func(a, b time.Time) int { return int(b.Sub(a).Hours()+12) / 24 },
		"rowOf":      func(c *app.ConversationView, back string) rowData { return rowData{C: c, Back: back} },
		"scopeText":  scopeText,
	}
	base := template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/parts/*.html"))
	p := &pages{byName: map[string]*template.Template{}, fragments: base}
	entries, err := fs.ReadDir(files, "templates")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(files, "templates/"+e.Name()))
		p.byName[strings.TrimSuffix(e.Name(), ".html")] = t
	}
	return p
}

// bufs recycles render buffers.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page is what every page's layout shows; each page's data embeds it.
type page struct {
	Title string
	// Host is the signed-in host (nil on the sign-in pages).
	Host *inbox.Host
	// CSRF is the session's form token (masked anew on every page).
	CSRF string
	// Live is the event stream's URL ("" without live updates).
	Live string
	// Error is a message shown above the content.
	Error string
	// Body names the page for the script (data-page).
	Body string
	// redirectTo is a destination outside the site that a form of the page
	// may be redirected to (the consent page's client): the policy allows
	// it as a form action.
	redirectTo string
}

func (p *page) base() *page { return p }

// render writes a page: the layout around the page's content.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, data interface{ base() *page }) {
	t := w.pages.byName[name]
	buf := bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufs.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		w.log.Error("render page", "page", name, "err", err, "request_id", httpx.RequestID(r.Context()))
		http.Error(rw, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	securityHeaders(h, data.base().redirectTo)
	h.Add("Vary", "Accept-Encoding")
	body := buf.Bytes()
	if acceptsGzip(r) && buf.Len() > 1024 {
		zbuf := bufs.Get().(*bytes.Buffer)
		zbuf.Reset()
		defer bufs.Put(zbuf)
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(zbuf)
		zw.Write(body)
		zw.Close()
		gzipWriters.Put(zw)
		h.Set("Content-Encoding", "gzip")
		body = zbuf.Bytes()
	}
	// The time the server took, for the browser's developer tools and
	// inboxbench: from the request's arrival to its page, compressed.
	h.Set("Server-Timing", "page;dur="+strconv.FormatFloat(float64(time.Since(httpx.RequestStart(r.Context())).Microseconds())/1000, 'f', 2, 64))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rw.WriteHeader(status)
	rw.Write(body)
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// securityHeaders keeps the pages in their own frame and their scripts to
// the embedded one: no inline script runs, even one smuggled into a message
// past the template's escaping.
func securityHeaders(h http.Header, redirectTo string) {
	action := "'self'"
	if src := sourceOf(redirectTo); src != "" {
		action += " " + src
	}
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action "+action)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}

// sourceOf returns the CSP source of a URL: its origin, or its scheme for
// a private-use scheme ("" when it has neither).
func sourceOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		if u.Host == "" || strings.ContainsAny(u.Host, " ;,'") {
			return ""
		}
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + ":"
}

// fragment renders one shared fragment to a string (for the event stream).
func (w *Web) fragment(name string, data any) (string, error) {
	var b strings.Builder
	err := w.pages.fragments.ExecuteTemplate(&b, name, data)
	return b.String(), err
}

// when formats a time compactly: the hour today, the weekday this week, the
// day this year, else the date.
func when(t time.Time) string {
	t = t.UTC()
	now := time.Now().UTC()
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04")
	case now.Sub(t) < 6*24*time.Hour && now.After(t):
		return t.Format("Mon 15:04")
	case t.Year() == now.Year():
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// channel is how a channel is shown: a short badge and its name.
type channel struct {
	Class, Short, Name string
}

var channels = map[string]channel{
	inbox.ChannelAirbnb:     {"airbnb", "Ab", "Airbnb"},
	inbox.ChannelBookingCom: {"booking", "B.", "Booking.com"},
	inbox.ChannelVrbo:       {"vrbo", "Vr", "Vrbo"},
	inbox.ChannelHomeaway:   {"homeaway", "HA", "HomeAway"},
	inbox.ChannelExpedia:    {"expedia", "Ex", "Expedia"},
	inbox.ChannelEmail:      {"email", "@", "E-mail"},
	inbox.ChannelSMS:        {"sms", "SMS", "SMS"},
	inbox.ChannelWhatsApp:   {"whatsapp", "WA", "WhatsApp"},
	inbox.ChannelWebWidget:  {"widget", "W", "Website chat"},
	inbox.ChannelAPI:        {"api", "API", "API"},
}

func channelOf(name string) channel {
	if c, ok := channels[name]; ok {
		return c
	}
	return channel{"api", "?", name}
}

// excerpt shortens text to one line of at most n characters.
func excerpt(s string, n int) string {
	cut := false
	if max := 8 * n; len(s) > max {
		// Enough for n characters whatever the spacing: a long message is
		// not read to its end.
		for max > 0 && !utf8.RuneStart(s[max]) {
			max--
		}
		s, cut = s[:max], true
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		if cut {
			return s + "…"
		}
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}

// paragraphs splits a message into its paragraphs (blank-line separated);
// the template keeps line breaks inside each with CSS.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.Trim(p, "\n"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(f)
		out = append(out, r)
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}

// rowData is a row of the list: a conversation and the list it links back to.
type rowData struct {
	C    *app.ConversationView
	Back string
}

// title capitalises a word of the domain's vocabulary (open, urgent).
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func senderName(m *app.MessageView) string {
	switch {
	case m.SenderClient != nil:
		return m.SenderClient.Name()
	case m.SenderHost != nil:
		return m.SenderHost.Name()
	}
	return "System"
}

func memberName(p *app.ParticipantView) string {
	if p.Client != nil {
		return p.Client.Name()
	}
	return p.Host.Name()
}

func knownLabel(labels []*inbox.Label, title string) bool {
	for _, l := range labels {
		if l.Title == title {
			return true
		}
	}
	return false
}

// scopeTexts say what each scope lets an application do.
var scopeTexts = map[inbox.Scope]string{
	inbox.ScopePublic:              "see the account's public details",
	inbox.ScopeInboxRead:           "read your conversations and messages",
	inbox.ScopeInboxWrite:          "read, answer and change your conversations",
	inbox.ScopeClientsRead:         "read your guests' details",
	inbox.ScopeClientsWrite:        "read and change your guests' details",
	inbox.ScopeBookingsRead:        "read your bookings",
	inbox.ScopeBookingsWrite:       "read and change your bookings",
	inbox.ScopeBookingsWriteOwned:  "read your bookings and change the ones it made",
	inbox.ScopeInquiriesRead:       "read your inquiries",
	inbox.ScopeInquiriesWrite:      "read and change your inquiries",
	inbox.ScopeInquiriesWriteOwned: "read your inquiries and change the ones it made",
}

func scopeText(s inbox.Scope) string {
	if t, ok := scopeTexts[s]; ok {
		return t
	}
	return string(s)
}
