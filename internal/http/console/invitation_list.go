package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

type invitationRow struct {
	Inv       store.Invitation
	Flow      *store.Flow
	Creator   string
	Status    string
	Uses      string
	Links     []invitationLink
	FixedData string
	Used      []store.InvitationUse
	Warnings  []string
	Emails    []emailRow
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
	return h.render(w, r, http.StatusOK, "invitation_list", v)
}
