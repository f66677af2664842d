// Package invite turns what an operator types into invitations: the
// flags of `usher invitation create` and the rows of a CSV file. Like the
// API it is a front end: it parses, then saves through the invitation's
// resource kind (the one validator the API and blueprints use) and leaves
// the rules around the write (events, email) to domain/invitation.
package invite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// Create validates p and writes the invitation through q (a Store or a
// transaction), created by creator, with a model_created event; with
// p.Send it also enqueues the invitation email (an invitation_sent event).
// Validation problems come back as *resource.ValidationError naming the
// field.
func Create(ctx context.Context, a *app.App, q store.Queries, creator *store.User, p Params) (store.Invitation, error) {
	var flow *store.Flow
	missingFlow := false
	if p.FlowSlug != "" {
		f, err := q.GetFlowBySlug(ctx, p.FlowSlug)
		switch {
		case errors.Is(err, store.ErrNotFound):
			missingFlow = true
		case err != nil:
			return store.Invitation{}, err
		default:
			flow = &f
		}
	}
	data, verr := build(p, flow, a.Clock())
	groupsData(ctx, q, p.Groups, data, verr, map[string]string{})
	if missingFlow {
		delete(verr.Fields, "flow") // "required to send" would only repeat it
		verr.Add("flow", fmt.Sprintf("no flow with slug %q (see the admin console's Flows page)", p.FlowSlug))
	}
	if err := verr.Err(); err != nil {
		return store.Invitation{}, err
	}
	inv, err := insert(ctx, a, q, creator, data, p.BaseURL)
	if err != nil {
		return store.Invitation{}, err
	}
	if p.Send {
		if _, err := invitation.Send(ctx, a, q, inv, invitation.SendOptions{To: []string{inv.Email}, BaseURL: p.BaseURL, Inviter: creator}); err != nil {
			return store.Invitation{}, err
		}
	}
	return inv, nil
}

// build checks p (every problem at once) and returns the invitation as the
// API would receive it: the CLI words its own parse errors (relative
// expiry, YAML fixed data) and the invitation model applies the rest.
func build(p Params, flow *store.Flow, now time.Time) (map[string]any, *resource.ValidationError) {
	v := &resource.ValidationError{}
	data := map[string]any{"name": p.Name, "fixed_data": map[string]any{},
		"expires": nil, "flow": nil, "max_uses": nil, "email": ""}
	switch {
	case p.Name == "":
		v.Add("name", msgRequired)
	case !slugRE.MatchString(p.Name):
		v.Add("name", msgSlug)
	}
	if flow != nil {
		data["flow"] = flow.UUID
	}
	exp, err := ParseExpires(p.Expires, now)
	if err != nil {
		v.Add("expires", err.Error())
	}
	if exp != nil {
		data["expires"] = fieldrule.FormatTime(*exp)
	}
	switch {
	case p.MaxUses < 0:
		v.Add("max_uses", "must be at least 1 (leave it out for unlimited uses)")
	case p.SingleUse && p.MaxUses > 1:
		v.Add("single_use", fmt.Sprintf("conflicts with max_uses %d: single use means max_uses 1", p.MaxUses))
	case p.SingleUse:
		data["single_use"], data["max_uses"] = true, 1
	case p.MaxUses > 0:
		data["max_uses"] = p.MaxUses
	}
	if p.FixedData != "" {
		fd, err := ParseFixedData(p.FixedData)
		if err != nil {
			v.Add("fixed_data", err.Error())
		}
		if fd != nil {
			data["fixed_data"] = fd
		}
	}
	if p.Email != "" {
		e, err := mail.Address(p.Email)
		if err != nil {
			v.Add("email", err.Error())
		}
		data["email"] = e
	}
	if p.Redirect != "" {
		data["redirect"] = p.Redirect
	}
	if p.Send && p.Email == "" {
		v.Add("email", "is required to send the invitation (give the address to send it to)")
	}
	if p.Send && flow == nil {
		v.Add("flow", "is required to send the invitation: the link names the flow")
	}
	return data, v
}

// groupsData resolves refs (names or pks) through the invitation domain
// into data["groups"], adding one "groups" error per unknown group. cache
// maps refs already resolved (a CSV import names the same groups often).
func groupsData(ctx context.Context, q store.Queries, refs []string, data map[string]any, v *resource.ValidationError, cache map[string]string) {
	if len(refs) == 0 {
		return
	}
	pks := make([]any, 0, len(refs))
	for _, ref := range refs {
		pk, ok := cache[ref]
		if !ok {
			g, err := invitation.ResolveGroup(ctx, q, ref)
			if err != nil {
				v.Add("groups", err.Error())
				continue
			}
			pk, cache[ref] = g.UUID, g.UUID
		}
		pks = append(pks, pk)
	}
	data["groups"] = pks
}

// insert saves data as creator through the invitation model, so the API
// serializer's rules apply to invitations made here too, and records
// model_created.
func insert(ctx context.Context, a *app.App, q store.Queries, creator *store.User, data map[string]any, baseURL string) (store.Invitation, error) {
	inv, err := resource.Invitations.Create(&resource.Ctx{Context: ctx, Q: q, User: creator, BaseURL: baseURL, Now: a.Clock()}, data)
	if err != nil {
		return store.Invitation{}, err
	}
	return inv, invitation.Created(ctx, a, q, creator, inv)
}
