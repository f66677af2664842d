package store

// Policy is an expression policy (authentik_policies_expression.expressionpolicy)
// or a password policy (authentik_policies_password.passwordpolicy).
type Policy struct {
	UUID             string
	Name             string // unique across kinds
	Kind             string // PolicyExpression or PolicyPassword
	Expression       string
	ExecutionLogging bool
	// Password holds a password policy's settings (Kind PolicyPassword).
	Password *PasswordPolicySettings
}

// Policy kinds.
const (
	PolicyExpression = "expression"
	PolicyPassword   = "password"
)

// PasswordPolicySettings are authentik's PasswordPolicy fields.
type PasswordPolicySettings struct {
	PasswordField        string `json:"password_field"` // default "password"
	AmountDigits         int    `json:"amount_digits"`
	AmountUppercase      int    `json:"amount_uppercase"`
	AmountLowercase      int    `json:"amount_lowercase"`
	AmountSymbols        int    `json:"amount_symbols"`
	LengthMin            int    `json:"length_min"`
	SymbolCharset        string `json:"symbol_charset"`
	ErrorMessage         string `json:"error_message"`
	CheckStaticRules     bool   `json:"check_static_rules"`      // default true
	CheckHaveIBeenPwned  bool   `json:"check_have_i_been_pwned"` // checked against a local list here
	HIBPAllowedCount     int    `json:"hibp_allowed_count"`
	CheckZxcvbn          bool   `json:"check_zxcvbn"`
	ZxcvbnScoreThreshold int    `json:"zxcvbn_score_threshold"` // default 2
}

// DefaultSymbolCharset is authentik's default symbol_charset.
const DefaultSymbolCharset = "!\\\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "

// NewPasswordPolicySettings returns authentik's defaults.
func NewPasswordPolicySettings() *PasswordPolicySettings {
	return &PasswordPolicySettings{PasswordField: "password", SymbolCharset: DefaultSymbolCharset,
		CheckStaticRules: true, ZxcvbnScoreThreshold: 2}
}

// PolicyBinding binds a policy, a group or a user to a target: a flow, a
// flow stage binding or an application (by their UUID). Exactly one of
// Policy, Group, User is set.
type PolicyBinding struct {
	UUID          string
	Target        string
	Policy        *string
	Group         *string
	User          *int64
	Negate        bool
	Enabled       bool // default true
	Order         int
	Timeout       int // seconds, default 30
	FailureResult bool
}
