package sqlstore

import (
	"context"
	"slices"

	"github.com/usher-id/usher/internal/store"
)

// authenticatorSetupKinds are the stage kinds with a configure_flow.
var authenticatorSetupKinds = []store.StageKind{store.StageAuthenticatorTOTP, store.StageAuthenticatorStatic,
	store.StageAuthenticatorWebAuthn, store.StageAuthenticatorEmail}

// clearConfigureFlows unsets configure_flow where it names a deleted flow
// (authentik's SET_NULL).
func (c *conn) clearConfigureFlows(ctx context.Context, flowUUID string) error {
	for _, k := range authenticatorSetupKinds {
		if err := c.rewriteStages(ctx, k, func(s *store.Stage) bool {
			if p := s.ConfigureFlow(); p != nil && *p == flowUUID {
				switch {
				case s.AuthenticatorTOTP != nil:
					s.AuthenticatorTOTP.ConfigureFlow = nil
				case s.AuthenticatorStatic != nil:
					s.AuthenticatorStatic.ConfigureFlow = nil
				case s.AuthenticatorWebAuthn != nil:
					s.AuthenticatorWebAuthn.ConfigureFlow = nil
				case s.AuthenticatorEmail != nil:
					s.AuthenticatorEmail.ConfigureFlow = nil
				}
				return true
			}
			return false
		}); err != nil {
			return err
		}
	}
	return nil
}

// dropConfigurationStage removes a deleted stage from validation stages'
// configuration_stages (authentik's many-to-many loses the row).
func (c *conn) dropConfigurationStage(ctx context.Context, stageUUID string) error {
	return c.rewriteStages(ctx, store.StageAuthenticatorValidate, func(s *store.Stage) bool {
		v := s.AuthenticatorValidate
		i := slices.Index(v.ConfigurationStages, stageUUID)
		if i < 0 {
			return false
		}
		v.ConfigurationStages = slices.Delete(v.ConfigurationStages, i, i+1)
		return true
	})
}
