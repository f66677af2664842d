package prompt

import (
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Preview is the challenge a flow would send for p alone (authentik's
// PromptViewSet.preview, which the admin UI's prompt form shows). Outside a
// flow there is no prompt_data and no user, so expressions are not run:
// their text is shown as the placeholder or initial value.
func Preview(p store.Prompt) *flow.PromptChallenge {
	f := field{p: p, initial: p.InitialValue}
	if isChoice(p.Type) {
		var placeholder any = p.Placeholder
		f.choices = choicesFor(p, nil, placeholder)
		if !hasChoice(f.choices, f.initial) {
			f.initial = ""
			if len(f.choices) > 0 {
				f.initial = f.choices[0].Value
			}
		}
	} else {
		f.placeholder = p.Placeholder
	}
	c := promptChallenge([]field{f}, nil)
	c.FlowInfo = &flow.FlowInfo{Title: "Preview", Layout: "stacked", CancelURL: "/flows/-/cancel/"}
	return c
}
