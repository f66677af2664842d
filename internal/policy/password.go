package policy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// msgNoPassword is authentik's answer when the field is not in the request.
const msgNoPassword = "Password not set in context"

// evaluatePassword runs a password policy as authentik's
// PasswordPolicy.passes does: the password is the request's
// prompt_data[password_field] (else context[password_field]); the static
// rules, then the breached-password check, then zxcvbn, each failing on
// its own. Where authentik answers only error_message for a static rule,
// usher names every rule the password misses when error_message is empty.
func (e *Engine) evaluatePassword(ctx context.Context, q store.Queries, p store.Policy, req Request) (Result, error) {
	s := p.Password
	if s == nil {
		s = store.NewPasswordPolicySettings()
	}
	password, ok := passwordFrom(req.Context, s.PasswordField)
	if !ok || password == "" {
		return Result{Messages: []string{msgNoPassword}}, nil
	}
	if s.CheckStaticRules {
		if msgs := staticRules(s, password); len(msgs) > 0 {
			if s.ErrorMessage != "" {
				msgs = []string{s.ErrorMessage}
			}
			return Result{Messages: msgs}, nil
		}
	}
	if s.CheckHaveIBeenPwned {
		list, err := loadBreached(e.breachedListPath())
		if err != nil {
			return Result{}, &evalError{err.Error()}
		}
		e.warnHIBPOnce(ctx, q, p, req, list)
		if n := list.seen(password); n > s.HIBPAllowedCount {
			msg := "This password appears in lists of breached or common passwords; choose another."
			if s.ErrorMessage != "" {
				msg = s.ErrorMessage
			}
			return Result{Messages: []string{msg}}, nil
		}
	}
	if s.CheckZxcvbn {
		if r := zxcvbn.PasswordStrength(truncate(password, 72), userInputs(req)); r.Score <= s.ZxcvbnScoreThreshold {
			var msgs []string
			if s.ErrorMessage != "" {
				msgs = append(msgs, s.ErrorMessage)
			}
			msgs = append(msgs, fmt.Sprintf("This password is too easy to guess (strength %d of 4; more than %d is needed). "+
				"A few unrelated words make a strong passphrase; avoid names, dates and keyboard patterns.", r.Score, s.ZxcvbnScoreThreshold))
			return Result{Messages: msgs}, nil
		}
	}
	return Result{Passing: true}, nil
}

// passwordFrom finds the password as authentik's policy does.
func passwordFrom(c map[string]any, field string) (string, bool) {
	if field == "" {
		field = "password"
	}
	if pd, ok := c["prompt_data"].(map[string]any); ok {
		if v, ok := pd[field]; ok {
			s, isStr := v.(string)
			return s, isStr
		}
	}
	v, ok := c[field]
	s, isStr := v.(string)
	return s, ok && isStr
}

// staticRules lists the rules password misses.
func staticRules(s *store.PasswordPolicySettings, password string) []string {
	var msgs []string
	count := func(f func(rune) bool) int {
		n := 0
		for _, r := range password {
			if f(r) {
				n++
			}
		}
		return n
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	}
	if n := utf8.RuneCountInString(password); n < s.LengthMin {
		msgs = append(msgs, fmt.Sprintf("The password must be at least %d characters long (it has %d).", s.LengthMin, n))
	}
	if s.AmountDigits > 0 && count(unicode.IsDigit) < s.AmountDigits {
		msgs = append(msgs, fmt.Sprintf("The password must contain at least %d %s.", s.AmountDigits, plural(s.AmountDigits, "digit", "digits")))
	}
	if s.AmountUppercase > 0 && count(unicode.IsUpper) < s.AmountUppercase {
		msgs = append(msgs, fmt.Sprintf("The password must contain at least %d upper-case %s.", s.AmountUppercase, plural(s.AmountUppercase, "letter", "letters")))
	}
	if s.AmountLowercase > 0 && count(unicode.IsLower) < s.AmountLowercase {
		msgs = append(msgs, fmt.Sprintf("The password must contain at least %d lower-case %s.", s.AmountLowercase, plural(s.AmountLowercase, "letter", "letters")))
	}
	if s.AmountSymbols > 0 {
		// authentik counts each character of the charset found in the
		// password, repeats included.
		n := count(func(r rune) bool { return strings.ContainsRune(s.SymbolCharset, r) })
		if n < s.AmountSymbols {
			msgs = append(msgs, fmt.Sprintf("The password must contain at least %d %s from %s.", s.AmountSymbols,
				plural(s.AmountSymbols, "symbol", "symbols"), s.SymbolCharset))
		}
	}
	return msgs
}

// userInputs are words zxcvbn should treat as easy to guess: the user's
// names and address (authentik passes username, name and email), and the
// ones typed earlier in the same form during an enrollment.
func userInputs(req Request) []string {
	var out []string
	if u := req.User; u != nil {
		out = append(out, u.Username, u.Name, u.Email)
	}
	if pd, ok := req.Context["prompt_data"].(map[string]any); ok {
		for _, k := range []string{"username", "name", "email"} {
			if s, ok := pd[k].(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (e *Engine) breachedListPath() string {
	if e.App == nil {
		return ""
	}
	return e.App.BreachedPasswordsFile
}

// hibpWarned remembers, per instance, the policies whose skipped online
// check was already written to the event log (one event per policy and
// process start, not one per password).
var hibpWarned sync.Map

// warnHIBPOnce records a configuration_warning saying that the online
// "Have I Been Pwned" check is replaced by a local list.
func (e *Engine) warnHIBPOnce(ctx context.Context, q store.Queries, p store.Policy, req Request, list *breachedList) {
	if _, seen := hibpWarned.LoadOrStore(p.UUID, true); seen {
		return
	}
	e.record(ctx, q, req, event.ConfigurationWarning, map[string]any{"policy": policyRef(p),
		"message": HIBPSkippedMessage(list.source)})
}

// HIBPSkippedMessage explains check_have_i_been_pwned here (console, API
// warning, event log).
func HIBPSkippedMessage(source string) string {
	if source == "" {
		source = "USHER_PASSWORD_BREACHED_LIST, or the built-in list of common passwords"
	}
	return "The online Have I Been Pwned check is skipped: usher does not send password hashes to " +
		"api.pwnedpasswords.com. Passwords are checked against " + source + " instead."
}
