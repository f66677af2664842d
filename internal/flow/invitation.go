package flow

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// ActionInvitationFailed is the event an administrator sees when an
// invitation could not be used; its context names the invitation (when
// known) and the cause.
const ActionInvitationFailed = "invitation_failed"

// Invitation failure causes (event context "cause") and what the invitee is
// told for each.
const (
	CauseMissing     = "missing"
	CauseMalformed   = "malformed"
	CauseUnknown     = "unknown"
	CauseExpired     = "expired"
	CauseUsedUp      = "used_up"
	CauseRevoked     = "revoked"
	CauseWrongFlow   = "wrong_flow"
	CauseNoStage     = "no_invitation_stage"
	CauseEmail       = "email_mismatch"
	MsgInvitationUse = "This invitation has already been used."
)

var causeMessages = map[string]string{
	CauseMissing:   "You need an invitation to enroll here. Open the link from your invitation.",
	CauseMalformed: "This invitation link is incomplete or damaged. Open the link from your invitation again, or copy all of it.",
	CauseUnknown:   "This invitation does not exist. Ask the person who invited you for a new invitation.",
	CauseExpired:   "This invitation has expired. Ask the person who invited you for a new invitation.",
	CauseUsedUp:    MsgInvitationUse,
	CauseRevoked:   "This invitation has been withdrawn. Ask the person who invited you for a new invitation.",
	CauseWrongFlow: "This invitation is for a different sign-up page. Open the exact link from your invitation.",
	CauseNoStage:   "This link carries an invitation, but this page does not accept invitations. Ask the person who invited you to send a new link.",
	CauseEmail:     "This invitation was sent to a different email address.",
}

// InvitationError is an invitation that cannot be used, with the message for
// the invitee.
type InvitationError struct {
	Cause      string
	Invitation *store.Invitation // nil when unknown
	Token      string
}

func (e *InvitationError) Error() string { return e.Message() }

// CauseOf reports the invitation failure whose message is msg, so that
// the pages showing a denial can give it its own title and next step.
func CauseOf(msg string) (string, bool) {
	for cause, m := range causeMessages {
		if m == msg {
			return cause, true
		}
	}
	return "", false
}

// Message is what the invitee is told.
func (e *InvitationError) Message() string { return causeMessages[e.Cause] }

var (
	uuidDashed = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	uuidHex    = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
)

// ParseToken normalises an invitation token (a UUID with or without
// dashes) to the dashed lower-case form; ok is false when it is not one.
func ParseToken(s string) (string, bool) {
	s = strings.TrimSpace(s)
	switch {
	case uuidDashed.MatchString(s):
		return strings.ToLower(s), true
	case uuidHex.MatchString(s):
		s = strings.ToLower(s)
		return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:], true
	}
	return "", false
}

// CheckInvitation reports why inv cannot be used on flow at now, or nil.
// Revocation, use and expiry come from the row; a flow-less invitation
// works on any flow with an invitation stage.
func CheckInvitation(inv *store.Invitation, flowUUID string, now time.Time) *InvitationError {
	cause := ""
	switch inv.Status(now) {
	case store.InvitationRevoked:
		cause = CauseRevoked
	case store.InvitationUsedUp:
		cause = CauseUsedUp
	case store.InvitationExpired:
		cause = CauseExpired
	default:
		if inv.Flow != nil && *inv.Flow != flowUUID {
			cause = CauseWrongFlow
		}
	}
	if cause == "" {
		return nil
	}
	return &InvitationError{Cause: cause, Invitation: inv, Token: inv.UUID}
}

// LookupInvitation finds the invitation for token and checks it against the
// running flow.
func (ex *Execution) LookupInvitation(token string) (*store.Invitation, *InvitationError, error) {
	if token == "" {
		return nil, &InvitationError{Cause: CauseMissing}, nil
	}
	id, ok := ParseToken(token)
	if !ok {
		return nil, &InvitationError{Cause: CauseMalformed}, nil
	}
	inv, err := ex.App.Store.GetInvitation(ex.Ctx(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &InvitationError{Cause: CauseUnknown, Token: id}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if ierr := CheckInvitation(&inv, ex.Flow.UUID, ex.Now()); ierr != nil {
		return &inv, ierr, nil
	}
	return &inv, nil, nil
}

// RecordInvitationFailure writes the invitation_failed event for an
// administrator; its failure is logged, not shown.
func (ex *Execution) RecordInvitationFailure(ierr *InvitationError) {
	if ierr.Cause == CauseMalformed || ierr.Cause == CauseUnknown {
		// A guessed token: count it against this client only.
		ex.limiter.Fail(ex.Ctx(), ex.invitationLimitKey())
	}
	data := map[string]any{"cause": ierr.Cause, "message": ierr.Message(),
		"flow": event.Model(store.ModelFlow, hex(ex.Flow.UUID), ex.Flow.Slug)}
	if ierr.Invitation != nil {
		data["invitation"] = event.Model(store.ModelInvitation, hex(ierr.Invitation.UUID), ierr.Invitation.Name)
		data["invitation_uuid"] = hex(ierr.Invitation.UUID)
	} else if ierr.Token != "" {
		data["invitation_uuid"] = hex(ierr.Token)
	}
	if err := ex.Record(ex.App.Store, ex.EventUser(), ActionInvitationFailed, data); err != nil {
		ex.Log().ErrorContext(ex.Ctx(), "record invitation_failed event", "err", err)
	}
}

// ConsumeInvitation records one use of the invitation in effect, through q
// (call it inside the transaction that writes the user, so the use and the
// account commit together or not at all). It re-checks expiry and
// revocation under the transaction; Store.ConsumeInvitation makes the use
// count atomic. A failure is an *InvitationError: roll back and deny.
func (ex *Execution) ConsumeInvitation(q store.Queries, user *store.User) error {
	inv, err := ex.Invitation()
	if err != nil || inv == nil || ex.Plan.Consumed {
		return err
	}
	use := store.InvitationUse{Invitation: inv.UUID, UsedAt: ex.Now(), ClientIP: httpx.ClientIP(ex.R)}
	if user != nil {
		pk := user.PK
		use.UserPK, use.Username = &pk, user.Username
	}
	// The conditional UPDATE that counts this use returns the row as it was
	// under the transaction: expiry, flow and email are checked on it, and
	// a refusal undoes the use.
	fresh, err := q.ConsumeInvitationRow(ex.Ctx(), &use, func(fresh store.Invitation) error {
		if ierr := CheckInvitation(&fresh, ex.Flow.UUID, ex.Now()); ierr != nil {
			return ierr
		}
		if fresh.Email != "" && (user == nil || !strings.EqualFold(strings.TrimSpace(user.Email), fresh.Email)) {
			return &InvitationError{Cause: CauseEmail, Invitation: &fresh, Token: fresh.UUID}
		}
		return nil
	})
	var ierr *InvitationError
	switch {
	case errors.As(err, &ierr):
		return ierr
	case errors.Is(err, store.ErrUsedUp):
		return &InvitationError{Cause: CauseUsedUp, Invitation: inv, Token: inv.UUID}
	case errors.Is(err, store.ErrRevoked):
		return &InvitationError{Cause: CauseRevoked, Invitation: inv, Token: inv.UUID}
	case errors.Is(err, store.ErrNotFound):
		return &InvitationError{Cause: CauseUnknown, Token: inv.UUID}
	case err != nil:
		return fmt.Errorf("consume invitation: %w", err)
	}
	data := map[string]any{"invitation_uuid": hex(fresh.UUID),
		"invitation": event.Model(store.ModelInvitation, hex(fresh.UUID), fresh.Name)}
	if user != nil {
		// The invitation's groups join with the use: the same transaction,
		// after the conditional UPDATE that makes this use the counted one.
		joined, err := invitation.JoinGroups(ex.Ctx(), q, fresh.UUID, user.PK)
		if err != nil {
			return err
		}
		if len(joined) > 0 {
			names := make([]string, len(joined))
			for i, g := range joined {
				names[i] = g.Name
			}
			data["groups"] = names
		}
	}
	if err := ex.Record(q, user, event.InvitationUsed, data); err != nil {
		return err
	}
	ex.Plan.Consumed = true
	return nil
}

// hex renders a UUID the way authentik's events do: without dashes.
func hex(uuid string) string { return strings.ReplaceAll(uuid, "-", "") }
