package resource

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

// DeviceType is what the API says about one authenticator device class
// (authentik's TOTPDevice, StaticDevice, WebAuthnDevice, EmailDevice).
type DeviceType struct {
	Model, Class, Verbose, Plural string
	MaxName                       int // the name column's max_length
}

// DeviceTypes by device kind.
var DeviceTypes = map[store.DeviceKind]DeviceType{
	store.DeviceTOTP:     {store.ModelTOTPDevice, "authentik_stages_authenticator_totp.TOTPDevice", "TOTP Device", "TOTP Devices", 64},
	store.DeviceStatic:   {store.ModelStaticDevice, "authentik_stages_authenticator_static.StaticDevice", "Static Device", "Static Devices", 64},
	store.DeviceWebAuthn: {store.ModelWebAuthnDevice, "authentik_stages_authenticator_webauthn.WebAuthnDevice", "WebAuthn Device", "WebAuthn Devices", 200},
	store.DeviceEmail:    {store.ModelEmailDevice, "authentik_stages_authenticator_email.EmailDevice", "Email Device", "Email Devices", 64},
}

// SerializeDevice renders a device as authentik's per-class serializer
// does (TOTPDeviceSerializer, ...). Static devices list no tokens: usher
// keeps only their hashes, so codes are shown once, at setup.
func SerializeDevice(c *Ctx, d store.Device) (map[string]any, error) {
	u, err := partialUser(c, d.UserPK)
	if err != nil {
		return nil, err
	}
	m := map[string]any{"pk": d.PK, "name": d.Name, "user": u}
	switch d.Kind {
	case store.DeviceStatic:
		m["token_set"] = []any{}
	case store.DeviceWebAuthn:
		m["created_on"] = fieldrule.FormatTime(d.Created)
		m["device_type"] = nil // usher has no authenticator metadata (MDS) import
		m["aaguid"] = d.AAGUID
	case store.DeviceEmail:
		m["email"] = d.Email
	}
	return m, nil
}

// DeviceSummary is authentik's DeviceSerializer (/authenticators/all/).
func DeviceSummary(q *Ctx, d store.Device) map[string]any {
	t := DeviceTypes[d.Kind]
	var extra any
	if d.Kind == store.DeviceStatic {
		if n, err := q.Q.CountStaticTokens(q.ctx(), d.PK); err == nil {
			extra = fmt.Sprintf("%d codes left", n)
		}
	}
	return map[string]any{"verbose_name": t.Verbose, "verbose_name_plural": t.Plural, "meta_model_name": t.Model,
		"pk": strconv.FormatInt(d.PK, 10), "name": d.Name, "type": t.Class, "confirmed": true,
		"created": fieldrule.FormatTime(d.Created), "last_updated": fieldrule.FormatTime(d.LastUpdated), "last_used": fmtTimePtr(d.LastUsed),
		"extra_description": extra, "external_id": nil}
}

// DeviceName reads the one writable field of a device, "name"; required
// says it must be present (a PUT).
func DeviceName(kind store.DeviceKind, data map[string]any, required bool) (string, bool, error) {
	raw, ok := data["name"]
	if !ok {
		if required {
			return "", false, NewValidationError("name", msgRequired)
		}
		return "", false, nil
	}
	s, isStr := raw.(string)
	switch {
	case raw == nil:
		return "", false, NewValidationError("name", msgNull)
	case !isStr:
		return "", false, NewValidationError("name", msgString)
	case s == "":
		return "", false, NewValidationError("name", msgBlank)
	case utf8.RuneCountInString(s) > DeviceTypes[kind].MaxName:
		return "", false, NewValidationError("name", fmt.Sprintf("Ensure this field has no more than %d characters.", DeviceTypes[kind].MaxName))
	}
	if err := checkText(map[string]any{"name": s}); err != nil {
		return "", false, err
	}
	return s, true, nil
}
