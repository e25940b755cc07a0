package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// TestScreenshots writes the pictures of the README (docs/screenshots) when
// INBOXD_WEB_SCREENSHOTS names a directory:
//
//	INBOXD_WEB_SCREENSHOTS=$PWD/docs/screenshots go test -run TestScreenshots ./internal/web
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("INBOXD_WEB_SCREENSHOTS")
	if dir == "" {
		t.Skip("INBOXD_WEB_SCREENSHOTS is not set")
	}
	e := newEnv(t)
	c := e.seedStory()
	ctx := tab(t)
	signInTab(t, ctx, e.URL, "alice@seaside.example")
	shots := []struct {
		name          string
		path          string
		width, height int64
		scale         float64
	}{
		{"conversation-desktop.png", "/inbox/conversations/" + itoa(c.DisplayID), 1280, 800, 1},
		{"conversation-phone.png", "/inbox/conversations/" + itoa(c.DisplayID), 390, 844, 2},
	}
	for _, s := range shots {
		must(t, chromedp.Do(ctx, chromedp.EmulateViewport(s.width, s.height, chromedp.EmulateScale(s.scale))))
		load(t, ctx, chromedp.Navigate(e.URL+s.path))
		must(t, chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.getElementById('live').dataset.state === 'on'`),
			chromedp.Sleep(300*time.Millisecond)))
		img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, s.name), img, 0o644))
		t.Logf("wrote %s (%d KB)", s.name, len(img)>>10)
	}
}

// seedStory gives the account a realistic conversation: a guest on Airbnb
// with a booking, replies, a private note, labels, a priority, an assignee
// and a photo.
func (e *env) seedStory() *inbox.Conversation {
	t := e.t
	ctx := e.ownerCtx
	emma := e.newGuest("Emma Johansson")
	for _, g := range []struct{ name, subject, text string }{
		{"Lukas Weber", "Parking at the apartment", "Hello, is there a parking space for our car?"},
		{"Sofia Rossi", "Invoice for my stay", "Could you send me an invoice with my company's VAT number?"},
		{"James Carter", "Is the pool heated?", "We are thinking of booking for early May. Is the pool heated then?"},
	} {
		e.newConversation(e.Airbnb, e.newGuest(g.name), g.subject, g.text)
	}
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(3*24*time.Hour + 16*time.Hour)
	b, err := e.App.CreateBooking(ctx, &inbox.Booking{ClientID: &emma.ID, StartAt: start, EndAt: start.Add(4*24*time.Hour - 6*time.Hour),
		Status: inbox.BookingBooked, Reference: "SEA-1001"})
	must(t, err)
	c := e.newConversation(e.Airbnb, emma, "Early check-in on Friday?",
		"Hi! Our flight lands at 9am on Friday. Any chance we could check in early?")
	_, err = e.App.ConnectBooking(ctx, app.ByID(c.ID), b.ID, app.ViewOptions{})
	must(t, err)
	say := func(text string, internal bool, files ...inbox.FileUpload) {
		in := app.MessageCreate{ConversationID: c.ID, Content: &text, Files: files}
		if internal {
			in.Visibility = inbox.VisibilityInternal
		}
		_, err := e.App.CreateMessage(ctx, in)
		must(t, err)
	}
	say("Hi Emma, the cleaners finish around noon. You are welcome to drop your bags from 10am and check in at 12.", false)
	e.guestSays(c, "Perfect! Where exactly is the key box?")
	say("Key box is behind the blue gate, code 4711. Sending Emma the photo.", true)
	say("It is right by the blue gate, here is a photo. The code is in your arrival guide.", false,
		inbox.FileUpload{Name: "key-box.png", ContentType: "image/png", Data: photo()})
	agent := &e.Agent.ID
	labels := []string{"check-in", "vip"}
	high := "high"
	_, err = e.App.UpdateConversation(ctx, app.ByID(c.ID), app.ConversationChange{AssigneeID: &agent, Labels: &labels,
		Priority: &high}, app.ViewOptions{})
	must(t, err)
	e.guestSays(c, "Thank you so much, see you on Friday!")
	for _, cr := range []inbox.CannedResponse{{ShortCode: "checkin", Content: "Check-in is from 3pm; the key box code is in your arrival guide."},
		{ShortCode: "thanks", Content: "Thank you for staying with us! We hope to welcome you again soon."}} {
		_, err := e.App.CreateCannedResponse(ctx, cr)
		must(t, err)
	}
	return c
}

// photo draws a small picture: a blue gate in a garden.
func photo() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			c := color.RGBA{R: 90 + uint8(y/6), G: 150 + uint8(y/5), B: 90, A: 255}
			if y < 90 {
				c = color.RGBA{R: 170, G: 205, B: 240, A: 255}
			}
			if x > 120 && x < 220 && y > 70 && y < 200 {
				c = color.RGBA{R: 40, G: 90, B: 170, A: 255}
				if (x-120)%20 < 3 {
					c = color.RGBA{R: 30, G: 60, B: 120, A: 255}
				}
			}
			if x > 232 && x < 262 && y > 120 && y < 160 {
				c = color.RGBA{R: 60, G: 60, B: 60, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
