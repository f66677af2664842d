package invitation

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// userKeys are fixed-data keys the user write stage applies to the account
// without a prompt field (authentik's UserWriteStageView.update_user). "groups" is not one: the stage
// discards it (groups come from the flow's user write stage, as authentik's invitations
// page says), so an invitation carrying it deserves a warning.
var userKeys = map[string]bool{"username": true, "name": true, "email": true, "password": true,
	"is_active": true, "type": true, "path": true, "attributes": true}

// AppliesWithoutPrompt reports whether a fixed-data key reaches the account
// even when no prompt field asks for it: a user field, or an attribute path
// (attributes.x.y, attributes_x).
func AppliesWithoutPrompt(key string) bool {
	return userKeys[key] || strings.HasPrefix(key, "attributes.") || strings.HasPrefix(key, "attributes_")
}

// Problems lists why inv can never work, for the CLI and the console:
// not active (expired, used up, revoked), its flow has no invitation stage,
// or a fixed-data key matches no prompt field of its flow and is not a user
// field. Nil when nothing is wrong.
func Problems(ctx context.Context, q store.Queries, inv store.Invitation, now time.Time) ([]string, error) {
	var out []string
	switch inv.Status(now) {
	case store.InvitationExpired:
		out = append(out, "it has expired")
	case store.InvitationUsedUp:
		out = append(out, "it has no uses left")
	case store.InvitationRevoked:
		out = append(out, "it has been revoked")
	}
	if inv.Flow == nil {
		return out, nil
	}
	flow, err := q.GetFlow(ctx, *inv.Flow)
	if err != nil {
		return nil, err
	}
	bindings, err := q.ListBindings(ctx, flow.UUID)
	if err != nil {
		return nil, err
	}
	hasStage := false
	fields := map[string]bool{}
	for _, b := range bindings {
		st, err := q.GetStage(ctx, b.Stage)
		if err != nil {
			return nil, err
		}
		switch {
		case st.Kind == store.StageInvitation:
			hasStage = true
		case st.Kind == store.StagePrompt && st.Prompt != nil:
			for _, id := range st.Prompt.Fields {
				p, err := q.GetPrompt(ctx, id)
				if err != nil {
					return nil, err
				}
				fields[p.FieldKey] = true
			}
		}
	}
	if !hasStage {
		out = append(out, fmt.Sprintf("its flow %q has no invitation stage", flow.Slug))
	}
	var unknown []string
	for k := range inv.FixedData {
		if !fields[k] && !AppliesWithoutPrompt(k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		out = append(out, fmt.Sprintf("fixed data key %q matches no prompt field of flow %q", k, flow.Slug))
	}
	return out, nil
}
