package store

// Model names: authentik's "app_label.model" for each model usher has, as
// blueprints, events and the API name them. Named once here, the lowest
// layer, so every package refers to a model the same way.
const (
	ModelApplication = "authentik_core.application"
	// Authenticator stages and devices (issue 17).
	ModelAuthenticatorTOTPStage     = "authentik_stages_authenticator_totp.authenticatortotpstage"
	ModelAuthenticatorStaticStage   = "authentik_stages_authenticator_static.authenticatorstaticstage"
	ModelAuthenticatorWebAuthnStage = "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage"
	ModelAuthenticatorEmailStage    = "authentik_stages_authenticator_email.authenticatoremailstage"
	ModelAuthenticatorValidateStage = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
	ModelTOTPDevice                 = "authentik_stages_authenticator_totp.totpdevice"
	ModelStaticDevice               = "authentik_stages_authenticator_static.staticdevice"
	ModelWebAuthnDevice             = "authentik_stages_authenticator_webauthn.webauthndevice"
	ModelEmailDevice                = "authentik_stages_authenticator_email.emaildevice"
	ModelBlueprintInstance          = "authentik_blueprints.blueprintinstance"
	ModelBrand                      = "authentik_brands.brand"
	ModelDenyStage                  = "authentik_stages_deny.denystage"
	ModelEmailStage                 = "authentik_stages_email.emailstage"
	ModelExpressionPolicy           = "authentik_policies_expression.expressionpolicy"
	ModelPasswordPolicy             = "authentik_policies_password.passwordpolicy"
	ModelFlow                       = "authentik_flows.flow"
	ModelFlowStageBinding           = "authentik_flows.flowstagebinding"
	ModelGroup                      = "authentik_core.group"
	ModelIdentificationStage        = "authentik_stages_identification.identificationstage"
	ModelInvitation                 = "authentik_stages_invitation.invitation"
	ModelInvitationStage            = "authentik_stages_invitation.invitationstage"
	ModelMetaApplyBlueprint         = "authentik_blueprints.metaapplyblueprint"
	ModelPasswordStage              = "authentik_stages_password.passwordstage"
	ModelPolicyBinding              = "authentik_policies.policybinding"
	ModelPrompt                     = "authentik_stages_prompt.prompt"
	ModelPromptStage                = "authentik_stages_prompt.promptstage"
	ModelUser                       = "authentik_core.user"
	ModelToken                      = "authentik_core.token"
	ModelUserLoginStage             = "authentik_stages_user_login.userloginstage"
	ModelUserLogoutStage            = "authentik_stages_user_logout.userlogoutstage"
	ModelUserWriteStage             = "authentik_stages_user_write.userwritestage"
)
