package resource

import (
	"errors"
	"fmt"
	"net/url"
	"sort"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Invitations is authentik's stages.invitation.Invitation.
var Invitations = define(&Model[store.Invitation]{
	Name: store.ModelInvitation, VerboseName: "Invitation", VerboseNamePlural: "Invitations",
	Fields: []string{"pk", "name", "expires", "fixed_data", "created_by", "single_use", "flow", "flow_obj",
		"max_uses", "uses", "status", "link", "email", "groups", "groups_obj", "redirect"},
	pk:    func(inv store.Invitation) any { return inv.UUID },
	title: func(inv store.Invitation) string { return inv.Name },
	list: func(c *Ctx) ([]store.Invitation, error) {
		all, _, err := c.Q.ListInvitations(c.ctx(), store.InvitationFilter{})
		return all, err
	},
	del:       func(c *Ctx, inv store.Invitation) error { return c.Q.DeleteInvitation(c.ctx(), inv.UUID) },
	save:      saveInvitation,
	serialize: serializeInvitation,
}, finder[store.Invitation]{
	byPK: uuidPK(func(c *Ctx, id string) (store.Invitation, error) { return c.Q.GetInvitation(c.ctx(), id) }),
	candidates: func(c *Ctx, ids map[string]any) ([]store.Invitation, error) {
		f := store.InvitationFilter{}
		if s, ok := ids["name"].(string); ok {
			f.Name = s
		}
		all, _, err := c.Q.ListInvitations(c.ctx(), f)
		return all, err
	},
})

func saveInvitation(c *Ctx, existing *store.Invitation, data map[string]any) (store.Invitation, error) {
	inv := store.Invitation{Expiring: true, FixedData: map[string]any{}}
	if existing != nil {
		inv = *existing
	}
	in := newInput(c, store.ModelInvitation, existing == nil, data)
	setPK(c, in, &inv.UUID)
	in.readOnly("flow_obj", "uses", "status", "link", "groups_obj")
	in.slug("name", &inv.Name, true)
	in.when("expires", &inv.Expires)
	in.dict("fixed_data", &inv.FixedData)
	in.ref("flow", &inv.Flow, false, true, exists(c, getFlow))
	in.email("email", &inv.Email)
	// groups: usher's addition (issue 18), the groups the invitee joins
	// when the invitation is used. Left out, an update keeps them, as DRF
	// leaves an absent many-to-many field alone.
	var groups []string
	setGroups := in.refs("groups", &groups, false, true, exists(c, getGroup))
	// redirect (issue 18): where the invitee lands after enrolling, a path
	// on this site checked as every next= is (httpx.LocalRedirect).
	var redirect string
	setRedirect := in.str("redirect", &redirect, strOpt{blank: true})
	if setRedirect && redirect != "" {
		if _, ok := httpx.LocalRedirect(redirect); !ok {
			in.fail("redirect", "Enter a path on this site, such as /if/user/ or /application/launch/<slug>/.")
		}
	}

	// single_use is usher's max_uses == 1; both may be given if they agree.
	maxGiven := in.nullInt("max_uses", &inv.MaxUses, 1)
	var single bool
	if in.boolean("single_use", &single) {
		switch {
		case maxGiven && single != inv.SingleUse():
			in.fail("single_use", "single_use and max_uses disagree: single use means max_uses 1.")
		case single:
			one := 1
			inv.MaxUses = &one
		case inv.SingleUse():
			inv.MaxUses = nil
		}
	}

	if c.Blueprint {
		creatorFromBlueprint(c, in, &inv)
	} else {
		in.readOnly("created_by")
		if existing == nil {
			if c.User == nil {
				in.fail("created_by", "An invitation needs a creator: no requesting user is known.")
			} else {
				inv.CreatedBy = c.User.PK
			}
		}
	}
	if err := in.err(); err != nil {
		return store.Invitation{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateInvitation(c.ctx(), &inv)
	} else {
		err = c.Q.UpdateInvitation(c.ctx(), &inv)
	}
	if err == nil && setGroups {
		err = c.Q.SetInvitationGroups(c.ctx(), inv.UUID, groups)
	}
	if err == nil && setRedirect {
		err = c.Q.SetInvitationRedirect(c.ctx(), inv.UUID, redirect)
	}
	c.forget()
	if err != nil {
		return store.Invitation{}, err
	}
	return inv, nil
}

// creatorFromBlueprint applies a blueprint's created_by (a user pk). authentik
// defaults it to its hidden anonymous user; usher has no such row, so the
// default is the first superuser (earliest date joined), which keeps
// "deleting the creator deletes the invitation" meaningful.
func creatorFromBlueprint(c *Ctx, in *input, inv *store.Invitation) {
	raw, given := in.get("created_by")
	if given && raw != nil {
		if m, ok := raw.(map[string]any); ok {
			raw = m["pk"]
		}
		pk, ok := asInt(raw)
		if _, isBool := raw.(bool); !ok || isBool {
			in.fail("created_by", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(raw)))
			return
		}
		if _, err := c.Q.GetUser(c.ctx(), int64(pk)); err != nil {
			in.fail("created_by", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", pk))
			return
		}
		inv.CreatedBy = int64(pk)
		return
	}
	if !in.create && !given {
		return
	}
	u, err := FirstSuperuser(c)
	if err != nil {
		in.fail("created_by", "No superuser exists to own this invitation; set created_by to a user pk.")
		return
	}
	inv.CreatedBy = u.PK
}

// FirstSuperuser returns the superuser who joined first: members of a
// superuser group or of any group below one.
func FirstSuperuser(c *Ctx) (store.User, error) {
	groups, _, err := c.Q.ListGroups(c.ctx(), store.GroupFilter{})
	if err != nil {
		return store.User{}, err
	}
	byID := map[string]store.Group{}
	for _, g := range groups {
		byID[g.UUID] = g
	}
	superGroup := func(g store.Group) bool {
		seen := map[string]bool{}
		for {
			if g.IsSuperuser {
				return true
			}
			if g.Parent == nil || seen[g.UUID] {
				return false
			}
			seen[g.UUID] = true
			p, ok := byID[*g.Parent]
			if !ok {
				return false
			}
			g = p
		}
	}
	var found []store.User
	for _, g := range groups {
		if !superGroup(g) {
			continue
		}
		users, _, err := c.Q.ListUsers(c.ctx(), store.UserFilter{GroupUUID: g.UUID, Ordering: "date_joined", Limit: 1})
		if err != nil {
			return store.User{}, err
		}
		found = append(found, users...)
	}
	if len(found) == 0 {
		return store.User{}, store.ErrNotFound
	}
	sort.Slice(found, func(i, j int) bool {
		if !found[i].DateJoined.Equal(found[j].DateJoined) {
			return found[i].DateJoined.Before(found[j].DateJoined)
		}
		return found[i].PK < found[j].PK
	})
	return found[0], nil
}

func serializeInvitation(c *Ctx, inv store.Invitation) (map[string]any, error) {
	creator, err := partialUser(c, inv.CreatedBy)
	if err != nil {
		return nil, err
	}
	var flowObj, link any
	if inv.Flow != nil {
		f, err := c.flow(*inv.Flow)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			if flowObj, err = serializeFlow(c, f); err != nil {
				return nil, err
			}
			link = InvitationLink(c.BaseURL, f.Slug, inv.UUID)
		}
	}
	var maxUses any
	if inv.MaxUses != nil {
		maxUses = *inv.MaxUses
	}
	fixed := inv.FixedData
	if fixed == nil {
		fixed = map[string]any{}
	}
	groups, err := c.Q.InvitationGroups(c.ctx(), []string{inv.UUID})
	if err != nil {
		return nil, err
	}
	groupPKs, groupsObj := []string{}, []map[string]any{}
	for _, g := range groups[inv.UUID] {
		groupPKs = append(groupPKs, g.UUID)
		groupsObj = append(groupsObj, partialGroup(g))
	}
	redirect, err := c.Q.InvitationRedirect(c.ctx(), inv.UUID)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"groups": groupPKs, "groups_obj": groupsObj, "redirect": redirect,
		"pk": inv.UUID, "name": inv.Name, "expires": fmtTimePtr(inv.Expires), "fixed_data": fixed,
		"created_by": creator, "single_use": inv.SingleUse(), "flow": strPtr(inv.Flow), "flow_obj": flowObj,
		"max_uses": maxUses, "uses": inv.Uses, "status": inv.Status(c.now()), "link": link, "email": inv.Email,
	}, nil
}

// InvitationLink is the enrollment URL for an invitation (authentik's stages/invitation/api.py).
func InvitationLink(baseURL, flowSlug, invitationUUID string) string {
	return baseURL + "/if/flow/" + url.PathEscape(flowSlug) + "/?itoken=" + url.QueryEscape(invitationUUID)
}
