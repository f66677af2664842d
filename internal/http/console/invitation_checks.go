package console

import (
	"context"
	"sort"
	"strings"

	"github.com/usher-id/usher/internal/domain/invitation"

	"github.com/usher-id/usher/internal/store"
)

// flowFacts answers, for one request, which flows can use invitations and
// which prompt field keys each flow asks for. Flows, stages, bindings and
// prompts are configuration (tens to hundreds of rows), so they are read
// once; invitations and users are always paged.
type flowFacts struct {
	flows      []store.Flow
	byUUID     map[string]store.Flow
	invitable  map[string]bool            // flow UUID -> has an invitation stage
	promptKeys map[string]map[string]bool // flow UUID -> prompt field keys
}

func loadFlowFacts(ctx context.Context, q store.Queries) (*flowFacts, error) {
	flows, err := q.ListFlows(ctx)
	if err != nil {
		return nil, err
	}
	stages, err := q.ListStages(ctx)
	if err != nil {
		return nil, err
	}
	bindings, err := q.ListBindings(ctx, "")
	if err != nil {
		return nil, err
	}
	prompts, err := q.ListPrompts(ctx)
	if err != nil {
		return nil, err
	}
	keyOf := map[string]string{}
	for _, p := range prompts {
		keyOf[p.UUID] = p.FieldKey
	}
	stageByUUID := map[string]store.Stage{}
	for _, s := range stages {
		stageByUUID[s.UUID] = s
	}
	ff := &flowFacts{flows: flows, byUUID: map[string]store.Flow{}, invitable: map[string]bool{}, promptKeys: map[string]map[string]bool{}}
	for _, f := range flows {
		ff.byUUID[f.UUID] = f
		ff.promptKeys[f.UUID] = map[string]bool{}
	}
	for _, b := range bindings {
		s, ok := stageByUUID[b.Stage]
		if !ok {
			continue
		}
		switch {
		case s.Kind == store.StageInvitation:
			ff.invitable[b.Target] = true
		case s.Kind == store.StagePrompt && s.Prompt != nil:
			for _, id := range s.Prompt.Fields {
				if k, ok := keyOf[id]; ok && ff.promptKeys[b.Target] != nil {
					ff.promptKeys[b.Target][k] = true
				}
			}
		}
	}
	return ff, nil
}

// invitableFlows lists the flows that have an invitation stage, by name.
func (ff *flowFacts) invitableFlows() []store.Flow {
	var out []store.Flow
	for _, f := range ff.flows {
		if ff.invitable[f.UUID] {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out
}

// invitationWarnings explains what keeps an invitation from working as
// meant, beyond its status (which the Status column says already).
func (ff *flowFacts) invitationWarnings(inv store.Invitation, status string) []string {
	var w []string
	var keys map[string]bool
	if inv.Flow != nil {
		f, ok := ff.byUUID[*inv.Flow]
		switch {
		case !ok:
			w = append(w, "Its flow no longer exists.")
		case !ff.invitable[f.UUID]:
			w = append(w, "Its flow "+f.Slug+" has no invitation stage, so the invitation is never checked. On the flow's Stage Bindings tab, click Add an invitation stage to this flow.")
		default:
			keys = ff.promptKeys[f.UUID]
		}
	} else {
		if len(ff.invitableFlows()) == 0 {
			w = append(w, "No flow has an invitation stage, so no flow can use this invitation.")
		}
		keys = map[string]bool{}
		for _, f := range ff.invitableFlows() {
			for k := range ff.promptKeys[f.UUID] {
				keys[k] = true
			}
		}
	}
	if keys != nil {
		var unknown []string
		for k := range inv.FixedData {
			if keys[k] || invitation.AppliesWithoutPrompt(k) {
				continue
			}
			unknown = append(unknown, k)
		}
		sort.Strings(unknown)
		if len(unknown) > 0 {
			w = append(w, "Custom attribute keys "+strings.Join(unknown, ", ")+" match no prompt field of the flow and no user field, so they have no effect.")
		}
	}
	return w
}
