// Package totp holds the rules of time-based one-time password devices:
// how a secret is made, how a code is checked, and that a code is accepted
// once. The setup stage, the validation stage and the API all call it.
package totp

import (
	"context"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/usher-id/usher/internal/store"
)

// Period is the time step, in seconds, every authenticator app uses.
const Period = 30

// NewKey makes a new secret for account (the username) named after issuer,
// with 6 or 8 digits, as an otpauth:// key the app can scan.
func NewKey(issuer, account string, digits int) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: Period,
		Digits: otp.Digits(digits), Algorithm: otp.AlgorithmSHA1})
}

// Step is the time step of the code shown at t.
func Step(t time.Time) int64 { return t.Unix() / Period }

// Match checks code against secret with a window of one step either side
// (authentik's TOTP devices allow the same drift) and returns the step it
// belongs to. Codes are compared in constant time.
func Match(secret string, digits int, code string, now time.Time) (int64, bool) {
	if len(code) != digits {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: Period, Digits: otp.Digits(digits), Algorithm: otp.AlgorithmSHA1}
	for _, off := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(off*Period) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return Step(at), true
		}
	}
	return 0, false
}

// Verify accepts code for device d at most once: the code's step must be
// later than the last accepted one, which the store raises in one
// conditional write (so two instances cannot both accept it).
func Verify(ctx context.Context, q store.Queries, d store.TOTPDevice, code string, now time.Time) (bool, error) {
	step, ok := Match(d.Key, d.Digits, code, now)
	if !ok {
		return false, nil
	}
	return q.UseTOTPStep(ctx, d.ID, step, now)
}

// Enroll stores a confirmed device for user with the secret just proven by
// the code of step, so that code cannot be used again to sign in.
func Enroll(ctx context.Context, q store.Queries, userPK int64, name, secret string, digits int, step int64, now time.Time) (store.TOTPDevice, error) {
	d := store.TOTPDevice{UserPK: userPK, Name: name, Key: secret, Digits: digits, Confirmed: true,
		LastStep: step, Created: now, LastUsed: &now}
	err := q.CreateTOTPDevice(ctx, &d)
	return d, err
}

// SetupFlow is the flow a user runs to set up a TOTP device: the
// configure_flow of the first TOTP setup stage that has one (authentik's
// user settings offer each setup stage's configure_flow the same way).
func SetupFlow(ctx context.Context, q store.Queries) (store.Flow, bool, error) {
	stages, err := q.ListStages(ctx)
	if err != nil {
		return store.Flow{}, false, err
	}
	for _, s := range stages {
		if s.Kind != store.StageAuthenticatorTOTP || s.TOTP == nil || s.TOTP.ConfigureFlow == nil {
			continue
		}
		f, err := q.GetFlow(ctx, *s.TOTP.ConfigureFlow)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		return f, err == nil, err
	}
	return store.Flow{}, false, nil
}

// Remove deletes one of the user's own devices; another user's device is
// ErrNotFound, so its existence is not revealed.
func Remove(ctx context.Context, q store.Queries, userPK, id int64) (store.TOTPDevice, error) {
	d, err := q.GetTOTPDevice(ctx, id)
	if err != nil {
		return d, err
	}
	if d.UserPK != userPK {
		return store.TOTPDevice{}, store.ErrNotFound
	}
	return d, q.DeleteTOTPDevice(ctx, id)
}

// Code reads a code as typed (a string; spaces ignored) or as authentik's
// web UI sends it (a number, which loses leading zeros: they are put back
// up to digits).
func Code(v any, digits int) string {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(strings.TrimSpace(t), " ", "")
	case float64:
		if t >= 0 && t == float64(int64(t)) {
			s := strconv.FormatInt(int64(t), 10)
			if len(s) < digits {
				s = strings.Repeat("0", digits-len(s)) + s
			}
			return s
		}
	}
	return ""
}
