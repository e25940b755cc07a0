package inbox_test

import (
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// Limits that say "characters" count characters, not bytes.
func TestLengthsInCharacters(t *testing.T) {
	subject := func(n int) error {
		c := &inbox.Conversation{Status: inbox.StatusOpen, Subject: strings.Repeat("é", n)}
		return c.Validate()
	}
	if err := subject(1000); err != nil {
		t.Fatalf("1000 two-byte characters: %v, want valid", err)
	}
	if err := subject(1001); inbox.ErrorField(err) != "subject" || !strings.Contains(inbox.ErrorMessage(err), "1000 characters") {
		t.Fatalf("1001 characters: %v, want too long", err)
	}
	host := func(n int) error {
		h := &inbox.Host{Firstname: strings.Repeat("日", n), Lastname: "X", Role: inbox.RoleAgent, Availability: "online"}
		return h.Validate()
	}
	if err := host(200); err != nil {
		t.Fatalf("a 202-character name of 602 bytes: %v, want valid", err)
	}
	if err := host(300); err == nil {
		t.Fatal("a 302-character name: valid, want too long")
	}
	content := func(n int) error {
		sender := int64(1)
		m := &inbox.Message{ConversationID: 1, SenderID: &sender, Kind: inbox.KindIncoming, Content: strings.Repeat("ü", n),
			HasContent: true, Visibility: inbox.VisibilityExternal}
		return m.Validate()
	}
	if err := content(inbox.MaxContentLength); inbox.ErrorField(err) == "content" {
		t.Fatalf("%d characters: %v, want no content error", inbox.MaxContentLength, err)
	}
	if err := content(inbox.MaxContentLength + 1); inbox.ErrorField(err) != "content" {
		t.Fatalf("%d characters: %v, want too long", inbox.MaxContentLength+1, err)
	}
	filter := func(n int) error {
		f := &inbox.ConversationFilter{Query: strings.Repeat("ß", n)}
		return f.Validate()
	}
	if err := filter(inbox.MaxFilterValueLength); err != nil {
		t.Fatalf("a search of %d two-byte characters: %v, want valid", inbox.MaxFilterValueLength, err)
	}
	if err := filter(inbox.MaxFilterValueLength + 1); inbox.ErrorField(err) != "q" {
		t.Fatalf("a search of %d characters: %v, want too long", inbox.MaxFilterValueLength+1, err)
	}
	value := func(n int) error {
		return inbox.ValidateConditions([]inbox.ConversationCondition{{Attribute: "status", Operator: inbox.OpContains,
			Values: []string{strings.Repeat("ж", n)}}})
	}
	if err := value(inbox.MaxFilterValueLength); err != nil {
		t.Fatalf("a filter value of %d two-byte characters: %v, want valid", inbox.MaxFilterValueLength, err)
	}
	if err := value(inbox.MaxFilterValueLength + 1); inbox.ErrorField(err) != "values" {
		t.Fatalf("a filter value of %d characters: %v, want too long", inbox.MaxFilterValueLength+1, err)
	}
}
