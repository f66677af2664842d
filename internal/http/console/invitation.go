package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func (h *Handler) mountInvitations(mux *routes) {
	e := h.invitationEntity()
	mux.HandleFunc("GET /if/admin/invitations/", h.admin(h.invitationList))
	e.mount(mux)
	mux.HandleFunc("GET /if/admin/invitations/{id}/revoke/", h.admin(e.with(h.invitationConfirmRevoke)))
	mux.HandleFunc("POST /if/admin/invitations/{id}/revoke/", h.admin(e.with(h.invitationRevoke)))
	mux.HandleFunc("GET /if/admin/invitations/{id}/send/", h.admin(e.with(h.invitationSendShow)))
	mux.HandleFunc("POST /if/admin/invitations/{id}/send/", h.admin(e.with(h.invitationSend)))
}

func (h *Handler) invitationEntity() *entity[store.Invitation] {
	return &entity[store.Invitation]{h: h,
		Singular: "Invitation", Base: "/if/admin/invitations/", Nav: "invitations", model: resource.Invitations,
		// Back on the list, the invitation comes first, expanded with its
		// link and copy button; the message carries the link too.
		next: func(inv store.Invitation) string { return "/if/admin/invitations/?open=" + url.QueryEscape(inv.UUID) },
		notes: func(r *http.Request, inv store.Invitation, created bool) []flash {
			if !created {
				return nil
			}
			links, err := h.invitationLinks(r, inv)
			if err != nil || len(links) == 0 {
				return nil
			}
			return []flash{{"ok", "Link to use it: " + links[0].URL}}
		},
		load: func(ctx context.Context, id string) (store.Invitation, error) {
			return h.App.Store.GetInvitation(ctx, id)
		},
		form: func(ctx context.Context, obj *store.Invitation) (*formDef, error) {
			ff, err := loadFlowFacts(ctx, h.App.Store)
			if err != nil {
				return nil, err
			}
			gopts, err := groupOptions(ctx, h.App.Store, "", "")
			if err != nil {
				return nil, err
			}
			return invitationForm(ff, gopts), nil
		},
		values: func(obj *store.Invitation) url.Values {
			if obj == nil {
				exp := h.App.Clock().Add(invitation.DefaultExpiry).Truncate(time.Minute)
				return url.Values{"expires": {localTime(&exp)}, "single_use": {"on"}, "fixed_data": {"{}"}}
			}
			inv := *obj
			v := url.Values{"name": {inv.Name}, "expires": {localTime(inv.Expires)}, "flow": {strPtr(inv.Flow)},
				"fixed_data": {prettyJSON(orEmpty(inv.FixedData))}, "single_use": {boolStr(inv.SingleUse())}, "email": {inv.Email}}
			if inv.MaxUses != nil && !inv.SingleUse() {
				v.Set("max_uses", strconv.Itoa(*inv.MaxUses))
			}
			if to, err := h.App.Store.InvitationRedirect(context.Background(), inv.UUID); err == nil {
				v.Set("redirect", to)
			}
			if gs, err := h.App.Store.InvitationGroups(context.Background(), []string{inv.UUID}); err == nil {
				for _, g := range gs[inv.UUID] {
					v.Add("groups", g.UUID)
				}
			}
			return v
		},
		data: func(f *formDef, v url.Values, obj *store.Invitation) map[string]any {
			d := invitationData(f, v, obj)
			// A newly set expiry in the past would make an invitation nobody
			// can use (an unchanged one on an expired invitation may stay).
			if s, ok := d["expires"].(string); ok {
				t, err := time.Parse(time.RFC3339, s)
				unchanged := obj != nil && obj.Expires != nil && obj.Expires.Truncate(time.Minute).Equal(t.Truncate(time.Minute))
				if err == nil && !t.After(h.App.Clock()) && !unchanged {
					f.addError("expires", "This time is in the past, so nobody could use the invitation. Choose a later expiry, or leave it empty for one that does not expire.")
				}
			}
			return d
		},
		ident: func(inv store.Invitation) (string, string) {
			return inv.UUID, inv.Name
		},
	}
}

// asInvitation accepts the value or a pointer, whichever the registry returns.
func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func invitationForm(ff *flowFacts, groups []option) *formDef {
	opts := []option{{Value: "", Label: "Any flow with an invitation stage"}}
	for _, f := range ff.flows {
		if f.Designation != store.DesignationEnrollment && !ff.invitable[f.UUID] {
			continue
		}
		o := option{Value: f.UUID, Label: f.Name + " (" + f.Slug + ")"}
		if !ff.invitable[f.UUID] {
			o.Warn = true
			o.Label += " — no invitation stage, invitations will not work"
		}
		opts = append(opts, o)
	}
	f := &formDef{Fields: []*field{
		{Name: "name", Label: "Name", Kind: "text", Required: true, Autocomplete: "off",
			Help: "Letters, numbers, underscores or hyphens."},
		{Name: "expires", Label: "Expires", Kind: "datetime",
			Help: "Date and time in UTC. Leave empty for an invitation that never expires."},
		{Name: "flow", Label: "Flow", Kind: "select", Options: opts,
			Help: "When set, only this flow can use the invitation."},
		{Name: "fixed_data", Label: "Custom attributes", Kind: "code",
			Help: "Optional JSON or YAML to pre-fill user information; the keys must match the field keys of the flow's prompt stages (or be user fields such as attributes, type, path)."},
		{Name: "single_use", Label: "Single use", Kind: "checkbox",
			Help: "When enabled, the invitation can be used once. Disable for links shared with several people."},
		{Name: "max_uses", Label: "Max uses", Kind: "number",
			Help: "How many people may enroll with a multi-use invitation. Leave empty for unlimited."},
		{Name: "email", Label: "Email", Kind: "email", Autocomplete: "off",
			Help: "Optional. When set, only this address can enroll; the email field is pre-filled and locked."},
		{Name: "groups", Label: "Groups", Kind: "multiselect", Options: groups,
			Help: "The account joins these groups when the invitation is used (Ctrl or Cmd + click to choose several)."},
		{Name: "redirect", Label: "After enrolling, go to", Kind: "text", Autocomplete: "off", Placeholder: "/application/launch/<slug>/",
			Help: "Optional. A path on this site where the invitee lands after enrolling, such as an application's /application/launch/<slug>/."},
	}}
	if len(ff.invitableFlows()) == 0 {
		f.Intro = "No flow has an invitation stage yet, so no invitation can work. Create an Invitation Stage and bind it to an enrollment flow first (Flows and Stages)."
	}
	return f
}

func invitationData(f *formDef, v url.Values, _ *store.Invitation) map[string]any {
	// An empty multiselect sends nothing: that means "no groups".
	d := map[string]any{"name": strings.TrimSpace(v.Get("name")), "flow": nullable(v.Get("flow")),
		"email": strings.TrimSpace(v.Get("email")), "groups": append([]string{}, v["groups"]...),
		"redirect": strings.TrimSpace(v.Get("redirect"))}
	f.timeValue(v, "expires", d)
	if fd, err := parseAttributes(v.Get("fixed_data")); err != nil {
		f.addError("fixed_data", err.Error())
	} else {
		d["fixed_data"] = fd
	}
	single := checked(v, "single_use")
	d["single_use"] = single
	if single {
		if s := strings.TrimSpace(v.Get("max_uses")); s != "" && s != "1" {
			f.addError("max_uses", "A single-use invitation allows exactly one use: leave Max uses empty or turn off Single use.")
		}
	} else {
		f.intValue(v, "max_uses", d, true)
		if n, ok := d["max_uses"].(int); ok && n < 1 {
			f.addError("max_uses", "Ensure this value is greater than or equal to 1.")
		}
	}
	return d
}
