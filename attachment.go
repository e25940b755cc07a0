package inbox

import "time"

// MaxAttachmentSize is the largest attachment accepted: 10 MiB.
const MaxAttachmentSize = 10 << 20

// Attachment is a stored file. Its bytes live in the file store under FileKey
// (the hex SHA-256 of the content, never shown to clients); the record holds
// the metadata.
type Attachment struct {
	ID          int64
	AccountID   int64
	Name        string
	FileKey     string
	FileSize    int64
	ContentType string
	ImageWidth  *int
	ImageHeight *int
	MessageIDs  []int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// URLToken authorizes downloading the content: internal/app signs one
	// on every read, and dialects put it in the attachment's URL.
	URLToken string
}

// FileType is Chatwoot's coarse attachment kind.
func (a *Attachment) FileType() string {
	switch {
	case len(a.ContentType) >= 6 && a.ContentType[:6] == "image/":
		return "image"
	case len(a.ContentType) >= 6 && a.ContentType[:6] == "audio/":
		return "audio"
	case len(a.ContentType) >= 6 && a.ContentType[:6] == "video/":
		return "video"
	}
	return "file"
}

// AttachmentFilter selects attachments of one account.
type AttachmentFilter struct {
	IDs          []int64
	MessageID    *int64
	UpdatedSince *time.Time
	Page         Page
}

// AttachmentUpdate holds attachment fields to change.
type AttachmentUpdate struct {
	Name        *string
	FileKey     *string
	FileSize    *int64
	ContentType *string
	ImageWidth  **int
	ImageHeight **int
}

// FileUpload is the content of a new or replaced attachment, before storage.
type FileUpload struct {
	Name        string
	ContentType string
	Data        []byte
	// RemoteURL, when set instead of Data, is fetched by the application.
	RemoteURL string
}
