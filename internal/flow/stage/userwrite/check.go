package userwrite

import (
	"fmt"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

// checkUser applies the users API's field rules (fieldrule, the functions
// the model registry calls for users) to the user about to be written:
// prompt_data can come from fixed data, hidden prompts or a policy, not
// only from a prompt that checked it. It returns a message naming the
// field, or "". A field the flow left as the pending user had it is not
// judged again, so an account made before a rule existed can still log in
// and change other fields.
func checkUser(u *store.User, before *store.User) string {
	var was store.User
	if before != nil {
		was = *before
	}
	for _, f := range []struct {
		label, now, was string
		rule            func(string) string
	}{
		{"Username", u.Username, was.Username, fieldrule.Username},
		{"Name", u.Name, was.Name, fieldrule.Name},
		{"Email", u.Email, was.Email, fieldrule.Email},
		{"Path", u.Path, was.Path, fieldrule.UserPath},
	} {
		if before != nil && f.now == f.was {
			continue
		}
		if msg := f.rule(f.now); msg != "" {
			return fmt.Sprintf("%s: %s Please start again and correct it.", f.label, msg)
		}
	}
	if msg := attributesText(u.Attributes); msg != "" {
		return msg
	}
	return ""
}

// attributesText checks the attribute values a flow set for storable text.
func attributesText(attrs map[string]any) string {
	if path, ok := fieldrule.FirstBadText(attrs); !ok {
		return fmt.Sprintf("Attributes (%s): %s", path, fieldrule.MsgText)
	}
	return ""
}
