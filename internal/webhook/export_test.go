package webhook

// PerWebhook is how many requests one node sends a webhook at once.
const PerWebhook = perWebhook
