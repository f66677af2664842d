package store

// Policy is an expression policy (authentik_policies_expression.expressionpolicy).
type Policy struct {
	UUID             string
	Name             string // unique
	Kind             string // "expression"
	Expression       string
	ExecutionLogging bool
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
