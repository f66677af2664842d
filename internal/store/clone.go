package store

import "slices"

// Clone methods copy values that hold pointers, slices or maps, so that a
// value kept in a cache can be handed out without the receiver being able
// to change the cached one. clone_test.go checks that every field is
// copied, so a new pointer or slice field fails it until it is added here.

// Clone returns a deep copy of s.
func (s Stage) Clone() Stage {
	if s.Invitation != nil {
		v := *s.Invitation
		s.Invitation = &v
	}
	if s.Prompt != nil {
		v := *s.Prompt
		v.Fields, v.ValidationPolicies = slices.Clone(v.Fields), slices.Clone(v.ValidationPolicies)
		s.Prompt = &v
	}
	if s.UserWrite != nil {
		v := *s.UserWrite
		v.CreateUsersGroup = clonePtr(v.CreateUsersGroup)
		s.UserWrite = &v
	}
	if s.UserLogin != nil {
		v := *s.UserLogin
		s.UserLogin = &v
	}
	if s.Identification != nil {
		v := *s.Identification
		v.UserFields = slices.Clone(v.UserFields)
		v.PasswordStage, v.EnrollmentFlow = clonePtr(v.PasswordStage), clonePtr(v.EnrollmentFlow)
		v.RecoveryFlow, v.PasswordlessFlow = clonePtr(v.RecoveryFlow), clonePtr(v.PasswordlessFlow)
		s.Identification = &v
	}
	if s.Password != nil {
		v := *s.Password
		v.Backends, v.ConfigureFlow = slices.Clone(v.Backends), clonePtr(v.ConfigureFlow)
		s.Password = &v
	}
	if s.UserLogout != nil {
		v := *s.UserLogout
		s.UserLogout = &v
	}
	if s.Deny != nil {
		v := *s.Deny
		s.Deny = &v
	}
	s.AuthenticatorStages = s.AuthenticatorStages.clone()
	if s.Email != nil {
		v := *s.Email
		s.Email = &v
	}
	if s.Consent != nil {
		v := *s.Consent
		s.Consent = &v
	}
	return s
}

// Clone returns a deep copy of b.
func (b PolicyBinding) Clone() PolicyBinding {
	b.Policy, b.Group, b.User = clonePtr(b.Policy), clonePtr(b.Group), clonePtr(b.User)
	return b
}

// Clone returns a deep copy of b.
func (b Brand) Clone() Brand {
	b.FlowAuthentication, b.FlowInvalidation = clonePtr(b.FlowAuthentication), clonePtr(b.FlowInvalidation)
	b.FlowRecovery, b.FlowUnenrollment = clonePtr(b.FlowRecovery), clonePtr(b.FlowUnenrollment)
	b.FlowUserSettings, b.DefaultApplication = clonePtr(b.FlowUserSettings), clonePtr(b.DefaultApplication)
	if b.Attributes != nil {
		b.Attributes = cloneJSON(b.Attributes).(map[string]any)
	}
	return b
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneJSON deep-copies decoded JSON (objects and arrays; other values are
// immutable).
func cloneJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = cloneJSON(e)
		}
		return s
	}
	return v
}
