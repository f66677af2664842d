package prompt

import "github.com/usher-id/usher/internal/fieldrule"

// userFieldRule checks an answer the user write stage will store as the
// user's username or name with the users API's rules (fieldrule), so the
// person enrolling sees the problem on the field instead of a failed flow
// at the end. A username prompt, or any prompt whose field key is
// "username" or "name", is such an answer.
func userFieldRule(f field, v any) string {
	s, ok := v.(string)
	if !ok {
		return ""
	}
	switch {
	case f.p.Type == "username" || f.p.FieldKey == "username":
		if s == "" {
			return "" // an optional field left empty; required is checked already
		}
		return fieldrule.Username(s)
	case f.p.FieldKey == "name":
		return fieldrule.Name(s)
	}
	return ""
}
