package mfa

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/usher-id/usher/internal/store"
)

// Period is the TOTP time step, authentik's (django-otp's) 30 seconds.
const Period = 30

// NewTOTPKey makes a new secret for account at issuer (the brand's title)
// with digits 6 or 8. Its URL is authentik's config_url (otpauth://totp/...).
func NewTOTPKey(issuer, account string, digits int) (*otp.Key, error) {
	d := otp.DigitsSix
	if digits == 8 {
		d = otp.DigitsEight
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: Period, Digits: d,
		Algorithm: otp.AlgorithmSHA1})
}

// KeyFromURL reads back a key made by NewTOTPKey (kept in the flow's
// context between showing the QR code and checking the first code).
func KeyFromURL(u string) (*otp.Key, error) { return otp.NewKeyFromURL(u) }

// QRDataURI renders the key's URL as a PNG QR code in a data: URI, so the
// setup page shows it without JavaScript or another request.
func QRDataURI(k *otp.Key) (string, error) {
	img, err := k.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// MatchTOTP returns the time step whose code is code, trying the current
// step and one on either side (authentik's tolerance of one step for clock
// drift), or ok false. Comparison is constant-time.
func MatchTOTP(secret string, digits int, code string, now time.Time) (step int64, ok bool) {
	code = normalizeCode(code)
	d := otp.DigitsSix
	if digits == 8 {
		d = otp.DigitsEight
	}
	if len(code) != d.Length() {
		return 0, false
	}
	base := now.Unix() / Period
	for _, s := range []int64{base - 1, base, base + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*Period, 0), totp.ValidateOpts{Period: Period, Digits: d,
			Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok
}

// UseTOTP accepts code for one of the user's TOTP devices: the code must
// match and its time step must be later than the last step accepted for
// that device, recorded in the same UPDATE, so a code works once even when
// two instances receive it at the same moment. It returns the device used.
func UseTOTP(ctx context.Context, q store.Queries, userPK int64, code string, now time.Time) (*store.Device, error) {
	devs, err := q.ListDevices(ctx, userPK, store.DeviceTOTP)
	if err != nil {
		return nil, err
	}
	for i := range devs {
		d := &devs[i]
		step, ok := MatchTOTP(d.Secret, d.Digits, code, now)
		if !ok {
			continue
		}
		used, err := q.UseTOTPStep(ctx, d.PK, step, now)
		if err != nil {
			return nil, err
		}
		if used {
			return d, nil
		}
	}
	return nil, nil
}

// normalizeCode drops the spaces people type into codes ("123 456").
func normalizeCode(code string) string {
	return strings.Join(strings.Fields(code), "")
}
