package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

type invitationRow struct {
	Inv     store.Invitation
	Flow    *store.Flow
	Creator string
	Status  string
	// StatusLabel is the status in words ("Used up"), StatusNote what it
	// means for the invitee (none for active invitations).
	StatusLabel, StatusNote string
	Uses                    string
	Links                   []invitationLink
	FixedData               string
	Used                    []store.InvitationUse
	Warnings                []string
	Emails                  []emailRow
	// EmailTrouble marks a row whose email failed or is being retried,
	// visible without expanding it.
	EmailTrouble bool
	Open         bool // expanded on load (after sending)
	Groups       []string
	// History is read for the expanded row only (one query), so a page of
	// rows costs no more than before; HistoryURL expands the row.
	History    []invitation.HistoryEntry
	HistoryURL string
}

// emailRow is one invitation email and where its delivery stands.
type emailRow struct {
	To       string
	Status   string // queued, retrying, sent, failed
	Error    string
	Attempts int
	Queued   time.Time
	Sent     *time.Time
	Next     time.Time
}

// emailRows describes outbox messages for the console. The payload's
// recipients are shown; a payload that cannot be read still shows its status.
func emailRows(msgs []store.OutboxMessage) []emailRow {
	out := make([]emailRow, 0, len(msgs))
	for _, m := range msgs {
		e := emailRow{Error: m.LastError, Attempts: m.Attempts, Queued: m.Created, Sent: m.SentAt, Next: m.NextAttempt}
		if msg, err := mail.Decode(m.Payload); err == nil || len(msg.To) > 0 {
			e.To = strings.Join(msg.To, ", ")
		}
		switch {
		case m.SentAt != nil:
			e.Status = "sent"
		case m.Failed:
			e.Status = "failed"
		case m.LastError != "":
			e.Status = "retrying"
		default:
			e.Status = "queued"
		}
		out = append(out, e)
	}
	return out
}

type invitationLink struct{ Flow, URL string }

type invitationListPage struct {
	Rows  []invitationRow
	Pager *pager
	// NoEmail replaces Send by email when no SMTP server is configured.
	NoEmail string
}

// invitationLink is the URL an invitee opens (authentik's stages/invitation/api.py).
func invitationURL(base, slug, token string) string {
	return base + "/if/flow/" + url.PathEscape(slug) + "/?itoken=" + url.QueryEscape(token)
}

// invitationList is Directory > Invitations: one page of invitations, each
// row expanding (a <details>) to its links, data and uses.
func (h *Handler) invitationList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	p := newPager(r, "/if/admin/invitations/", []string{"name", "expires"}, "-expires")
	invs, n, err := h.App.Store.ListInvitations(ctx, store.InvitationFilter{Search: p.Search, Ordering: p.Sort,
		Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Count = n
	// The invitation named by ?open= (just created, sent or edited) comes
	// first, expanded, wherever the sort order would put it.
	if open := r.URL.Query().Get("open"); open != "" {
		if inv, err := h.App.Store.GetInvitation(ctx, open); err == nil {
			invs = append([]store.Invitation{inv}, slices.DeleteFunc(invs, func(i store.Invitation) bool { return i.UUID == inv.UUID })...)
		}
	}
	ff, err := loadFlowFacts(ctx, h.App.Store)
	if err != nil {
		return err
	}
	// Uses and emails of the whole page in one query each.
	ids := make([]string, len(invs))
	for i, inv := range invs {
		ids[i] = inv.UUID
	}
	uses, err := h.App.Store.ListInvitationUsesFor(ctx, ids)
	if err != nil {
		return err
	}
	used := map[string][]store.InvitationUse{}
	for _, use := range uses {
		used[use.Invitation] = append(used[use.Invitation], use)
	}
	emails, err := h.App.Store.InvitationOutbox(ctx, ids)
	if err != nil {
		return err
	}
	groups, err := h.App.Store.InvitationGroups(ctx, ids)
	if err != nil {
		return err
	}
	open := r.URL.Query().Get("open")
	base, now := httpx.BaseURL(r), h.App.Clock()
	creators := map[int64]string{}
	rows := make([]invitationRow, 0, len(invs))
	for _, inv := range invs {
		row := invitationRow{Inv: inv, Status: inv.Status(now), FixedData: prettyJSON(orEmpty(inv.FixedData))}
		row.StatusLabel, row.StatusNote = statusLabels[row.Status], statusNotes[row.Status]
		if name, ok := creators[inv.CreatedBy]; ok {
			row.Creator = name
		} else if cu, err := h.App.Store.GetUser(ctx, inv.CreatedBy); err == nil {
			row.Creator, creators[inv.CreatedBy] = cu.Username, cu.Username
		}
		max := "unlimited"
		if inv.MaxUses != nil {
			max = strconv.Itoa(*inv.MaxUses)
		}
		row.Uses = strconv.Itoa(inv.Uses) + " of " + max
		if inv.Flow != nil {
			if f, ok := ff.byUUID[*inv.Flow]; ok {
				row.Flow = &f
				row.Links = []invitationLink{{f.Slug, invitationURL(base, f.Slug, inv.UUID)}}
			}
		} else {
			for _, f := range ff.invitableFlows() {
				row.Links = append(row.Links, invitationLink{f.Slug, invitationURL(base, f.Slug, inv.UUID)})
			}
		}
		row.Used = used[inv.UUID]
		row.Emails = emailRows(emails[inv.UUID])
		for _, m := range row.Emails {
			if m.Status == "failed" || m.Status == "retrying" {
				row.EmailTrouble = true
			}
		}
		row.Open = open == inv.UUID
		for _, g := range groups[inv.UUID] {
			row.Groups = append(row.Groups, g.Name)
		}
		row.HistoryURL = invitationRowURL(inv)
		if row.Open {
			if row.History, err = invitation.History(ctx, h.App.Store, inv, 200); err != nil {
				return err
			}
		}
		row.Warnings = ff.invitationWarnings(inv, row.Status)
		rows = append(rows, row)
	}
	v := h.view(r, u, "Invitations", "invitations")
	v.P = invitationListPage{Rows: rows, Pager: p}
	if h.App.EmailNotConfigured {
		v.P = invitationListPage{Rows: rows, Pager: p, NoEmail: invitation.EmailNotConfiguredMessage}
	}
	return h.render(w, r, http.StatusOK, "invitation_list", v)
}

var statusLabels = map[string]string{store.InvitationActive: "Active", store.InvitationExpired: "Expired",
	store.InvitationUsedUp: "Used up", store.InvitationRevoked: "Revoked"}

var statusNotes = map[string]string{
	store.InvitationExpired: "Expired: nobody can use this invitation any more. Edit it to set a later expiry.",
	store.InvitationUsedUp:  "Used up: every allowed use has been taken.",
	store.InvitationRevoked: "Revoked: the link no longer works.",
}

// invitationLinks are the links of one invitation: to its flow, or to each
// flow with an invitation stage when it names none.
func (h *Handler) invitationLinks(r *http.Request, inv store.Invitation) ([]invitationLink, error) {
	ff, err := loadFlowFacts(r.Context(), h.App.Store)
	if err != nil {
		return nil, err
	}
	base := httpx.BaseURL(r)
	if inv.Flow != nil {
		if f, ok := ff.byUUID[*inv.Flow]; ok {
			return []invitationLink{{f.Slug, invitationURL(base, f.Slug, inv.UUID)}}, nil
		}
		return nil, nil
	}
	var out []invitationLink
	for _, f := range ff.invitableFlows() {
		out = append(out, invitationLink{f.Slug, invitationURL(base, f.Slug, inv.UUID)})
	}
	return out, nil
}
