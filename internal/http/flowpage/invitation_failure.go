package flowpage

import (
	"net/http"

	"github.com/usher-id/usher/internal/flow"
)

// An invitation that cannot be used gets a page of its own: a title that
// says so (not the enrollment's "Welcome! Complete your enrollment"), the
// reason in the error style of the form pages, what to do next, and a
// "Start again" link only where starting again can help.

// invitationNextSteps say what the invitee can do for each cause.
var invitationNextSteps = map[string]string{
	flow.CauseMissing:   "If you already have an account, sign in instead.",
	flow.CauseMalformed: "Copy the whole link from your invitation into the address bar; some mail programs split long links.",
	flow.CauseUnknown:   "If you already enrolled with it, sign in with the account you created.",
	flow.CauseExpired:   "If you already enrolled with it, sign in with the account you created.",
	flow.CauseUsedUp:    "If you enrolled with it, sign in with the account you created. Otherwise ask the person who invited you for a new invitation.",
	flow.CauseRevoked:   "If you already have an account, sign in.",
	flow.CauseWrongFlow: "Open the link exactly as it is in your invitation.",
	flow.CauseNoStage:   "The administrator can add an invitation stage to this page's flow, or send you a link to a page that accepts invitations.",
	flow.CauseEmail:     "Enroll with the address the invitation was sent to, or ask the person who invited you for an invitation for this address.",
}

func (h *Handler) invitationFailure(p *page, r *http.Request, cause, msg string) {
	p.Title = "This invitation can't be used"
	p.Errors = []string{msg}
	p.Intro = invitationNextSteps[cause]
	switch cause {
	case flow.CauseEmail:
		// Typing the invited address helps: the flow starts again.
		p.Links = []link{{URL: r.URL.Path + queryOf(r), Label: "Start again"}, {URL: "/", Label: "Go to the home page"}}
	case flow.CauseMalformed, flow.CauseWrongFlow, flow.CauseNoStage:
		p.Links = []link{{URL: "/", Label: "Go to the home page"}}
	default:
		p.Links = []link{{URL: h.loginURL(r, "/"), Label: "Sign in"}, {URL: "/", Label: "Go to the home page"}}
	}
}
