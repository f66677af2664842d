// Package fieldrule holds the input rules every boundary applies the same
// way: the model registry (API, console, blueprints), the flow executor's
// answer parsing and the user write stage. One place, so a value the API
// refuses cannot get in through a flow, and the other way round.
package fieldrule

import (
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MsgText is the message for text holding a NUL character or bytes that are
// not UTF-8: PostgreSQL cannot store either (its text and jsonb types
// refuse them), and no legitimate value needs them.
const MsgText = "Enter text without NUL characters, in valid UTF-8."

// Text returns MsgText when s cannot be stored as text, else "".
func Text(s string) string {
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		return MsgText
	}
	return ""
}

// FirstBadText walks a decoded JSON or YAML value (maps, lists, strings)
// and returns the dotted path of the first string or key that fails Text,
// or ok. Paths are built from map keys and list indexes so an error can
// name where inside a JSON field the bad text is.
func FirstBadText(v any) (path string, ok bool) {
	return walk(v, "")
}

func walk(v any, at string) (string, bool) {
	join := func(k string) string {
		if at == "" {
			return k
		}
		return at + "." + k
	}
	switch t := v.(type) {
	case string:
		if Text(t) != "" {
			return at, false
		}
	case []string:
		for i, s := range t {
			if Text(s) != "" {
				return join(fmt.Sprint(i)), false
			}
		}
	case []any:
		for i, x := range t {
			if p, ok := walk(x, join(fmt.Sprint(i))); !ok {
				return p, false
			}
		}
	case map[string]any:
		for k, x := range t {
			if Text(k) != "" {
				return at, false
			}
			if p, ok := walk(x, join(k)); !ok {
				return p, false
			}
		}
	case map[any]any:
		for k, x := range t {
			ks := fmt.Sprint(k)
			if Text(ks) != "" {
				return at, false
			}
			if p, ok := walk(x, join(ks)); !ok {
				return p, false
			}
		}
	}
	return "", true
}

// Int32 range: usher's INTEGER columns on PostgreSQL (orders, max_uses,
// timeouts) hold 32 bits, as Django's IntegerField does; its serializers
// check the same bounds.
const (
	MinInt32 = math.MinInt32
	MaxInt32 = math.MaxInt32
)

// Int32 returns Django's range message for n outside the INTEGER range, or "".
func Int32(n int) string {
	switch {
	case n > MaxInt32:
		return fmt.Sprintf("Ensure this value is less than or equal to %d.", MaxInt32)
	case n < MinInt32:
		return fmt.Sprintf("Ensure this value is greater than or equal to %d.", MinInt32)
	}
	return ""
}

// User field rules, shared by the users API and the user write stage.
const (
	// UsernameMax is authentik's User.username max_length.
	UsernameMax = 150
	// NameMax bounds a user's display name. authentik's column is
	// unbounded text; usher caps it so a flow cannot store megabytes in a
	// field every page and event shows.
	NameMax = 256
	// EmailMax is Django's EmailField max_length.
	EmailMax = 254

	MsgUsername  = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	MsgBlank     = "This field may not be blank."
	MsgControl   = "Remove control and text-direction characters from this field."
	msgMaxLength = "Ensure this field has no more than %d characters."
)

// usernameRE is authentik's UsernameValidator (Django's
// UnicodeUsernameValidator, `^[\w.@+-]+\Z`): letters, digits and @.+-_.
var usernameRE = regexp.MustCompile(`^[\p{L}\p{N}_.@+-]+$`)

// MaxLength returns Django's max_length message when s has more than max
// characters, else "".
func MaxLength(s string, max int) string {
	if utf8.RuneCountInString(s) > max {
		return fmt.Sprintf(msgMaxLength, max)
	}
	return ""
}

// Username checks a username as authentik's User serializer does: not
// blank, at most 150 characters, letters, digits and @/./+/-/_ only (which
// also leaves out NUL, control and text-direction characters).
func Username(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return MsgBlank
	case MaxLength(s, UsernameMax) != "":
		return MaxLength(s, UsernameMax)
	case !usernameRE.MatchString(s):
		return MsgUsername
	}
	return ""
}

// Name checks a user's display name: at most NameMax characters, valid
// text, and no control or bidirectional formatting characters (they let a
// name such as "admin\u202e" pass for another in lists and events).
func Name(s string) string {
	if msg := Text(s); msg != "" {
		return msg
	}
	if msg := MaxLength(s, NameMax); msg != "" {
		return msg
	}
	if HasControl(s) {
		return MsgControl
	}
	return ""
}

// HasControl reports whether s holds a control character (Unicode Cc) or
// a bidirectional formatting character (U+061C, U+200E/F, U+202A-E,
// U+2066-9).
func HasControl(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Bidi_Control, r) {
			return true
		}
	}
	return false
}

// MsgEmail is DRF's EmailField message.
const MsgEmail = "Enter a valid email address."

// Email checks an optional email address as the users API does: empty,
// or one address of at most 254 characters with a dotted domain.
func Email(s string) string {
	if s == "" {
		return ""
	}
	if msg := MaxLength(s, EmailMax); msg != "" {
		return msg
	}
	if Text(s) != "" || HasControl(s) {
		return MsgEmail
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return MsgEmail
	}
	return ""
}

// UserPath checks a user path as authentik's User serializer does.
func UserPath(p string) string {
	switch {
	case p == "":
		return MsgBlank
	case strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/"):
		return "No leading or trailing slashes allowed."
	case strings.Contains(p, "//"):
		return "No empty segments in user path allowed."
	case HasControl(p):
		return MsgControl
	}
	return ""
}
