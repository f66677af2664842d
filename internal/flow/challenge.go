package flow

import (
	"net/http"

	"github.com/usher-id/usher/internal/httpx"
)

// Challenge is what the flow asks the client for: one struct per component,
// with the JSON shape of authentik's flows/challenge.py and its stages'
// challenge serializers. The executor API marshals it as it is; the flow
// pages switch on its type. Every component embeds Common, which carries the
// keys the executor fills in (flow_info, response_errors).
type Challenge interface {
	common() *Common
}

// Common holds the keys every challenge has.
type Common struct {
	Component      string    `json:"component"`
	FlowInfo       *FlowInfo `json:"flow_info,omitempty"`
	ResponseErrors Errors    `json:"response_errors,omitempty"`
}

func (c *Common) common() *Common { return c }

// InfoOf is a challenge's flow_info (nil before the executor set it).
func InfoOf(c Challenge) *FlowInfo { return c.common().FlowInfo }

// ErrorsOf are a challenge's response_errors.
func ErrorsOf(c Challenge) Errors { return c.common().ResponseErrors }

// FlowInfo is authentik's ContextualFlowInfo.
type FlowInfo struct {
	Title                string `json:"title"`
	Background           string `json:"background"`
	BackgroundThemedURLs any    `json:"background_themed_urls"` // always null: usher has no themed backgrounds
	CancelURL            string `json:"cancel_url"`
	Layout               string `json:"layout"`
}

// UserInfo is the part of a challenge that names the user the flow is
// about (authentik's WithUserInfoChallenge).
type UserInfo struct {
	PendingUser       string `json:"pending_user"`
	PendingUserAvatar string `json:"pending_user_avatar"`
}

// AccessDeniedChallenge ends a flow with a message.
type AccessDeniedChallenge struct {
	Common
	UserInfo
	ErrorMessage string `json:"error_message"`
}

// RedirectChallenge sends the client elsewhere (the flow is done).
type RedirectChallenge struct {
	Common
	To string `json:"to"`
}

// FlowErrorChallenge reports an error the flow cannot go on from: for an
// internal error only the request ID (the details go to the log); for a
// request the client got wrong (a body that is not JSON), Error says what.
type FlowErrorChallenge struct {
	Common
	RequestID string `json:"request_id"`
	Error     string `json:"error,omitempty"`
}

// IdentificationChallenge asks who the user is (authentik's
// IdentificationChallenge).
type IdentificationChallenge struct {
	Common
	UserFields            []string `json:"user_fields"`
	PasswordFields        bool     `json:"password_fields"`
	AllowShowPassword     bool     `json:"allow_show_password"`
	FlowDesignation       string   `json:"flow_designation"`
	PrimaryAction         string   `json:"primary_action"`
	Sources               []any    `json:"sources"`
	ShowSourceLabels      bool     `json:"show_source_labels"`
	EnableRememberMe      bool     `json:"enable_remember_me"`
	PendingUserIdentifier *string  `json:"pending_user_identifier"`
	EnrollURL             string   `json:"enroll_url,omitempty"`
	RecoveryURL           string   `json:"recovery_url,omitempty"`
	PasswordlessURL       string   `json:"passwordless_url,omitempty"`
	// CaptchaStage is always null: usher has no captcha stage (authentik
	// sends null when the identification stage has none).
	CaptchaStage any `json:"captcha_stage"`
}

// PasswordChallenge asks the pending user for their password.
type PasswordChallenge struct {
	Common
	UserInfo
	AllowShowPassword bool `json:"allow_show_password"`
}

// UserLoginChallenge asks whether to stay signed in.
type UserLoginChallenge struct {
	Common
	UserInfo
}

// PromptChallenge asks for the prompt stage's fields.
type PromptChallenge struct {
	Common
	Fields []PromptField `json:"fields"`
	// For the HTML pages only, never sent: fields an invitation fixed
	// (shown read-only) and what the client submitted (shown again,
	// passwords excluded).
	Locked map[string]bool   `json:"-"`
	Values map[string]string `json:"-"`
}

// PromptField is one field of a prompt challenge (authentik's
// StagePromptSerializer).
type PromptField struct {
	FieldKey     string         `json:"field_key"`
	Label        string         `json:"label"`
	Type         string         `json:"type"`
	Required     bool           `json:"required"`
	Placeholder  string         `json:"placeholder"`
	InitialValue string         `json:"initial_value"`
	Order        int            `json:"order"`
	SubText      string         `json:"sub_text"`
	Choices      []PromptChoice `json:"choices"` // null for types without choices
}

// PromptChoice is one choice of a dropdown or radio field.
type PromptChoice struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// NewFlowError is the challenge for an internal error in r.
func NewFlowError(r *http.Request) *FlowErrorChallenge {
	return &FlowErrorChallenge{Common: Common{Component: ComponentFlowError}, RequestID: httpx.RequestID(r.Context())}
}

// EmailChallenge is the email stage's "check your email" (authentik's
// stages/email/stage.py EmailChallenge, component ak-stage-email). Its
// answer asks for the email again. Restored is usher's: the page was opened
// from the link, and the answer continues the flow (opening the link alone
// does not, so a mail scanner that follows it completes nothing).
type EmailChallenge struct {
	Common
	Title    string `json:"title,omitempty"`
	Restored bool   `json:"restored,omitempty"`
}
