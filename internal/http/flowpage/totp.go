package flowpage

import (
	"bytes"
	"encoding/base64"
	"image/png"

	"github.com/pquerna/otp"

	"github.com/usher-id/usher/internal/flow"
)

// buildTOTP shows the TOTP setup: the QR code as an inline PNG rendered
// here (no script; the flow pages' CSP allows data: images), the secret as
// text for apps without a camera, and the code field.
func buildTOTP(p *page, c *flow.AuthenticatorTOTPChallenge, per map[string][]string) {
	p.Form, p.Submit = true, "Continue"
	p.PendingUser = c.PendingUser
	k, err := otp.NewKeyFromURL(c.ConfigURL)
	if err != nil {
		p.Message = "The setup key could not be read. Please start again."
		p.Form = false
		return
	}
	digits := "6"
	if d := k.Digits(); d > 0 {
		digits = d.String()
	}
	p.Fields = append(p.Fields, input{Kind: "static", ID: "totp-help",
		Value: "Scan this QR code with your authenticator app, or enter the key below by hand, then type the " +
			digits + "-digit code it shows."})
	if img, err := k.Image(200, 200); err == nil {
		var buf bytes.Buffer
		if png.Encode(&buf, img) == nil {
			p.Fields = append(p.Fields, input{Kind: "qr", ID: "totp-qr", Label: "QR code for your authenticator app",
				Value: base64.StdEncoding.EncodeToString(buf.Bytes())})
		}
	}
	p.Fields = append(p.Fields,
		input{Kind: "static", ID: "totp-secret", Value: "Key: " + k.Secret()},
		input{Kind: "input", Type: "text", Key: "code", ID: "field-code", Label: "Code", InputMode: "numeric",
			Autocomplete: "one-time-code", Required: true, NoCapitalize: true, Errors: per["code"]})
}
