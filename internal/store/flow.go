package store

// Flow designations.
const (
	DesignationAuthentication     = "authentication"
	DesignationAuthorization      = "authorization"
	DesignationInvalidation       = "invalidation"
	DesignationEnrollment         = "enrollment"
	DesignationUnenrollment       = "unenrollment"
	DesignationRecovery           = "recovery"
	DesignationStageConfiguration = "stage_configuration"
)

// Flow is a sequence of stages (authentik's flows/models.py Flow). Its UUID is also the target of
// policy bindings (usher uses the flow pk as policybindingmodel_ptr_id).
type Flow struct {
	UUID              string
	Name              string
	Slug              string // unique, ^[-a-zA-Z0-9_]+$
	Title             string
	Designation       string
	Authentication    string // none (default), require_authenticated, require_unauthenticated, require_superuser, require_redirect, require_outpost
	Layout            string // stacked (default), ...
	PolicyEngineMode  string // any (default), all
	DeniedAction      string // message_continue (default), message, continue
	CompatibilityMode bool
	Background        string
}

// FlowStageBinding places a stage in a flow at an order (authentik's flows/models.py FlowStageBinding). Its UUID
// is also a policy binding target.
type FlowStageBinding struct {
	UUID                  string
	Target                string // flow UUID
	Stage                 string // stage UUID
	Order                 int
	EvaluateOnPlan        bool   // default false
	ReEvaluatePolicies    bool   // default true
	InvalidResponseAction string // retry (default), restart, restart_with_context
	PolicyEngineMode      string // any (default), all
}
