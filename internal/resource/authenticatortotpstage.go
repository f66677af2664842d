package resource

import (
	"strconv"

	"github.com/usher-id/usher/internal/store"
)

// AuthenticatorTOTPStages is authentik's
// stages.authenticator_totp.AuthenticatorTOTPStage. digits is an integer
// model field whose API enum is the strings "6" and "8"; a blueprint's
// `digits: 6` and the API's "6" are both accepted, and it renders as the
// string the Go client expects.
var AuthenticatorTOTPStages = stageModel(stageSpec{
	kind: store.StageAuthenticatorTOTP, model: store.ModelTOTPStage,
	component: "ak-stage-authenticator-totp-form", verbose: "TOTP Authenticator Setup Stage",
	plural: "TOTP Authenticator Setup Stages",
	fields: []string{"configure_flow", "friendly_name", "digits"},
	read: func(in *input, s *store.Stage) {
		t := s.TOTP
		in.ref("configure_flow", &t.ConfigureFlow, false, true, exists(in.c, getFlow))
		in.str("friendly_name", &t.FriendlyName, strOpt{blank: true})
		digits := strconv.Itoa(t.Digits)
		if in.choice("digits", &digits, true, "6", "8") {
			t.Digits, _ = strconv.Atoi(digits)
		}
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		t := s.TOTP
		m["configure_flow"] = strPtr(t.ConfigureFlow)
		m["friendly_name"] = t.FriendlyName
		m["digits"] = strconv.Itoa(t.Digits)
	},
})
