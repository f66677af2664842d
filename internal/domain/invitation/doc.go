// Package invitation holds the rules around invitations once they are
// valid: revoking and deleting them, sending them by email through the
// outbox (optionally moving the expiry first), the events each change
// records, the problems that keep one from working, retention, and issue
// 18's rules: the groups an invitee joins when the use is counted,
// accepting an invitation with an existing account, the history built from
// events, the redirect after enrolling, and delegated invitations with their
// quota. Field validation lives in the invitation's resource model
// (internal/resource), which the API, the console, the CLI
// (internal/cli/invite) and blueprints all save through.
package invitation
