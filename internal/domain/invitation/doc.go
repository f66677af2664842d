// Package invitation holds the rules around invitations once they are
// valid: revoking and deleting them, sending them by email through the
// outbox, the events each change records, the problems that keep one
// from working, and retention. Validation lives in the invitation's
// resource kind (internal/resource), which the API, the console, the CLI
// (internal/cli/invite) and blueprints all save through.
package invitation
