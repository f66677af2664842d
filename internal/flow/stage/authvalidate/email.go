package authvalidate

import (
	"time"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/userlogin"
	"github.com/usher-id/usher/internal/store"
)

// ctxEmailSent marks that this sign-in sent its code, so showing the page
// again does not send another.
const ctxEmailSent = "authenticator_validate_email_sent"

// sendEmailCode sends a new code to the user's email device, once per
// sign-in, with the subject, template and expiry of the stage that set the
// device up; the device keeps only the code's hash.
func sendEmailCode(ex *flow.Execution, u *store.User, d store.Device) error {
	if sent, _ := ex.Context()[ctxEmailSent].(bool); sent {
		return nil
	}
	if _, over := ex.MFALimited(); over {
		return nil // the answer will be refused as limited anyway
	}
	def, _ := store.NewStage(store.StageAuthenticatorEmail, "")
	s := def.AuthenticatorEmail
	if d.Stage != nil {
		if st, err := ex.Store().GetStage(ex.Ctx(), *d.Stage); err == nil && st.AuthenticatorEmail != nil {
			s = st.AuthenticatorEmail
		}
	}
	ttl := userlogin.ParseTimedelta(s.TokenExpiry)
	if ttl <= 0 {
		ttl = 30 * time.Minute
	}
	b, err := brand.ForRequest(ex.Ctx(), ex.Store(), ex.R)
	if err != nil {
		return err
	}
	code, exp := mfa.NewEmailCode(), ex.Now().Add(ttl)
	name := u.Name
	if name == "" {
		name = u.Username
	}
	err = ex.Store().Tx(ex.Ctx(), func(q store.Queries) error {
		if err := q.SetEmailToken(ex.Ctx(), d.PK, mfa.HashToken(code), exp); err != nil {
			return err
		}
		return mfa.SendEmailCode(ex.Ctx(), q, mfa.EmailCode{To: d.Email, Name: name, Brand: brand.Title(b),
			Subject: s.Subject, Template: s.Template, Code: code, Expires: exp})
	})
	if err != nil {
		return err
	}
	ex.Context()[ctxEmailSent] = true
	return nil
}
