package invitation

import "strings"

// Slug turns an email address or a title into a valid invitation name:
// "Jane.Smith@Example.com" -> "jane-smith-example-com" ("invitation" when
// nothing usable is left).
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if out == "" {
		return "invitation"
	}
	return out
}
