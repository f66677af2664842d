package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
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
}

type invitationLink struct{ Flow, URL string }

type invitationListPage struct {
	Rows  []invitationRow
	Pager *pager
}

// invitationLink is the URL an invitee opens (spec a.3).
func invitationURL(base, slug, token string) string {
	return base + "/if/flow/" + url.PathEscape(slug) + "/?itoken=" + url.QueryEscape(token)
}

// invitationList is Directory > Invitations: one page of invitations, each
// row expanding (a <details>) to its links, data and uses.
func (h *Handler) invitationList(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	p := newPager(r, "/if/admin/invitations/", []string{"name", "expires"}, "-expires")
	invs, n, err := h.App.Store.ListInvitations(ctx, store.InvitationFilter{Search: p.Search, Ordering: p.Sort,
		Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.Count = n
	ff, err := loadFlowFacts(ctx, h.App.Store)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
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
		if row.Used, err = h.App.Store.ListInvitationUses(ctx, inv.UUID); err != nil {
			h.serverError(w, r, err)
			return
		}
		row.Warnings = ff.invitationWarnings(inv, row.Status)
		rows = append(rows, row)
	}
	v := h.view(r, u, "Invitations", "invitations")
	v.P = invitationListPage{Rows: rows, Pager: p}
	h.render(w, r, http.StatusOK, "invitation_list", v)
}
