package event

import "strings"

// authentikActions are the actions authentik's API declares (its
// EventActions enum). Clients generated from its schema, such as
// goauthentik.io/api/v3, refuse an event whose action is not one of them.
var authentikActions = map[string]bool{
	"login": true, "login_failed": true, "logout": true, "user_write": true, "user_offboarded": true,
	"suspicious_request": true, "password_set": true, "secret_view": true, "secret_rotate": true,
	"invitation_used": true, "authorize_application": true, "source_linked": true,
	"impersonation_started": true, "impersonation_ended": true, "flow_execution": true,
	"policy_execution": true, "policy_exception": true, "property_mapping_exception": true,
	"system_task_execution": true, "system_task_exception": true, "system_exception": true,
	"configuration_error": true, "configuration_warning": true, "model_created": true,
	"model_updated": true, "model_deleted": true, "email_sent": true, "update_available": true,
	"export_ready": true, "review_initiated": true, "review_overdue": true, "review_attested": true,
	"review_completed": true, "access_request_created": true, "access_request_approved": true,
	"access_request_denied": true, "access_request_revoked": true,
}

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
