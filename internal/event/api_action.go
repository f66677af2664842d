package event

import "strings"

// authentikActions are the actions authentik's API declares (its
// EventActions enum). Clients generated from its schema, such as
// goauthentik.io/api/v3, refuse an event whose action is not one of them.
var authentikActions = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range APIActions() {
		m[a] = true
	}
	return m
}()

// usherActions maps the actions usher records beyond authentik's onto the
// closest of authentik's, for the API and webhooks; the event's context
// keeps usher's own as "usher_action".
var usherActions = map[string]string{
	"invitation_sent":           "email_sent",
	"invitation_revoked":        "model_updated",
	"invitation_expiry_changed": "model_updated",
	"invitation_expired":        "model_deleted",
	"invitation_failed":         "suspicious_request",
	"rate_limited":              "suspicious_request",
}

// APIAction is the action the API shows for action: itself when authentik
// has it (custom_* actions included, as authentik's API returns them),
// else its mapping, else configuration_warning, so a client generated from
// authentik's schema can always read the event. changed reports a mapping.
func APIAction(action string) (shown string, changed bool) {
	if authentikActions[action] || strings.HasPrefix(action, Custom) {
		return action, false
	}
	if a, ok := usherActions[action]; ok {
		return a, true
	}
	return "configuration_warning", true
}

// APIActions lists the actions the events API can show, in authentik's
// order.
func APIActions() []string {
	return []string{"login", "login_failed", "logout", "user_write", "user_offboarded", "suspicious_request",
		"password_set", "secret_view", "secret_rotate", "invitation_used", "authorize_application", "source_linked",
		"impersonation_started", "impersonation_ended", "flow_execution", "policy_execution", "policy_exception",
		"property_mapping_exception", "system_task_execution", "system_task_exception", "system_exception",
		"configuration_error", "configuration_warning", "model_created", "model_updated", "model_deleted",
		"email_sent", "update_available", "export_ready", "review_initiated", "review_overdue", "review_attested",
		"review_completed", "access_request_created", "access_request_approved", "access_request_denied",
		"access_request_revoked", "custom_"}
}
