package store

import (
	"context"
	"time"
)

// Store is a database usher runs on. All methods of Queries run in their own
// transaction when called on the Store; Tx groups several into one.
type Store interface {
	Queries
	// Tx runs fn in one transaction. An error from fn (or a panic) rolls
	// back; nil commits. Nested calls to Tx on the Queries passed to fn are
	// not supported.
	Tx(ctx context.Context, fn func(q Queries) error) error
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	Ping(ctx context.Context) error
	// Stats reports connection pool figures for /metrics.
	Stats() PoolStats
	Close() error
}

// PoolStats are database pool gauges.
type PoolStats struct {
	OpenConnections int
	InUse           int
	Idle            int
	WaitCount       int64
}

// Queries is everything usher reads and writes. Get* return ErrNotFound
// when nothing matches; Create*/Update* return ErrConflict on a unique
// violation and ErrReferenced on a missing reference. Create* fill in
// generated keys (UUID when empty, PK, timestamps) on the value passed.
type Queries interface {
	InvitationExtraQueries
	DeviceQueries
	EventStatsQueries
	FlowTokenQueries
	OAuthQueries
	SavepointQueries
	SessionRoundTripQueries
	InvitationConsumeQueries
	RateLimitBatchQueries

	// Settings: small key/value rows (secret key, bootstrap marker).
	GetSetting(ctx context.Context, key string) (string, error)
	// SetSettingIfAbsent stores value unless key exists; it reports the
	// value now stored and whether this call stored it.
	SetSettingIfAbsent(ctx context.Context, key, value string) (stored string, created bool, err error)
	SetSetting(ctx context.Context, key, value string) error

	// ConfigVersion is a counter that database triggers raise on every
	// write to the configuration the flows run on (flows, stages, stage
	// bindings, prompts, policies, policy bindings, brands, applications),
	// whoever writes it. A cache of that configuration is current while
	// the counter is unchanged.
	ConfigVersion(ctx context.Context) (int64, error)

	// Users.
	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, pk int64) (User, error)
	GetUserByUUID(ctx context.Context, uuid string) (User, error)
	GetUserByUsername(ctx context.Context, username string) (User, error)
	// FindUsers matches case-insensitively on username or email (for the
	// identification stage); fields names which to match: "username", "email".
	FindUserForLogin(ctx context.Context, fields []string, value string, caseInsensitive bool) (User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]User, int, error)
	// UserPaths lists every distinct user path.
	UserPaths(ctx context.Context) ([]string, error)
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, pk int64) error
	SetLastLogin(ctx context.Context, pk int64, at time.Time) error

	// Groups and membership.
	CreateGroup(ctx context.Context, g *Group) error
	GetGroup(ctx context.Context, uuid string) (Group, error)
	GetGroupByName(ctx context.Context, name string) (Group, error)
	ListGroups(ctx context.Context, f GroupFilter) ([]Group, int, error)
	UpdateGroup(ctx context.Context, g *Group) error
	DeleteGroup(ctx context.Context, uuid string) error
	AddGroupMember(ctx context.Context, groupUUID string, userPK int64) error
	RemoveGroupMember(ctx context.Context, groupUUID string, userPK int64) error
	UserGroups(ctx context.Context, userPK int64) ([]Group, error)
	// IsSuperuser: any of the user's groups or their ancestors has IsSuperuser.
	IsSuperuser(ctx context.Context, userPK int64) (bool, error)

	// API tokens.
	CreateToken(ctx context.Context, t *Token) error
	GetTokenByHash(ctx context.Context, keyHash string) (Token, error)
	GetToken(ctx context.Context, identifier string) (Token, error)
	// ListTokens lists a user's tokens by identifier; userPK 0 lists everyone's.
	ListTokens(ctx context.Context, userPK int64) ([]Token, error)
	DeleteToken(ctx context.Context, identifier string) error

	// Sessions.
	CreateSession(ctx context.Context, s *Session) error
	GetSession(ctx context.Context, id string) (Session, error)
	UpdateSession(ctx context.Context, s *Session) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions removes every session of the user except keepID.
	DeleteUserSessions(ctx context.Context, userPK int64, keepID string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	// Flows.
	CreateFlow(ctx context.Context, f *Flow) error
	GetFlow(ctx context.Context, uuid string) (Flow, error)
	GetFlowBySlug(ctx context.Context, slug string) (Flow, error)
	ListFlows(ctx context.Context) ([]Flow, error)
	UpdateFlow(ctx context.Context, f *Flow) error
	DeleteFlow(ctx context.Context, uuid string) error

	// Stages (every kind in one table; names unique across kinds).
	CreateStage(ctx context.Context, s *Stage) error
	GetStage(ctx context.Context, uuid string) (Stage, error)
	GetStageByName(ctx context.Context, name string) (Stage, error)
	ListStages(ctx context.Context) ([]Stage, error)
	UpdateStage(ctx context.Context, s *Stage) error
	DeleteStage(ctx context.Context, uuid string) error

	// Flow stage bindings, listed by order.
	CreateBinding(ctx context.Context, b *FlowStageBinding) error
	GetBinding(ctx context.Context, uuid string) (FlowStageBinding, error)
	ListBindings(ctx context.Context, flowUUID string) ([]FlowStageBinding, error) // "" = all
	// BindingsForStage lists bindings that use a stage.
	BindingsForStage(ctx context.Context, stageUUID string) ([]FlowStageBinding, error)
	UpdateBinding(ctx context.Context, b *FlowStageBinding) error
	DeleteBinding(ctx context.Context, uuid string) error

	// Prompts.
	CreatePrompt(ctx context.Context, p *Prompt) error
	GetPrompt(ctx context.Context, uuid string) (Prompt, error)
	GetPromptByName(ctx context.Context, name string) (Prompt, error)
	ListPrompts(ctx context.Context) ([]Prompt, error)
	UpdatePrompt(ctx context.Context, p *Prompt) error
	DeletePrompt(ctx context.Context, uuid string) error
	// PromptStagesUsing lists the prompt stages that include a prompt.
	PromptStagesUsing(ctx context.Context, promptUUID string) ([]Stage, error)

	// Invitations.
	CreateInvitation(ctx context.Context, i *Invitation) error
	GetInvitation(ctx context.Context, uuid string) (Invitation, error)
	ListInvitations(ctx context.Context, f InvitationFilter) ([]Invitation, int, error)
	UpdateInvitation(ctx context.Context, i *Invitation) error
	DeleteInvitation(ctx context.Context, uuid string) error
	// ConsumeInvitation atomically records one use: it fails with ErrUsedUp
	// when MaxUses is reached, ErrRevoked when the invitation is revoked,
	// ErrNotFound when it does not exist. It does not check expiry (the flow
	// does). Call it in the transaction that creates the user.
	ConsumeInvitation(ctx context.Context, use *InvitationUse) error
	ListInvitationUses(ctx context.Context, invitationUUID string) ([]InvitationUse, error)
	// ListInvitationUsesFor lists the uses of several invitations in one
	// query (a page of the admin console), by invitation, then oldest first.
	ListInvitationUsesFor(ctx context.Context, invitationUUIDs []string) ([]InvitationUse, error)
	// LinkInvitationOutbox records that outbox messages were sent for an
	// invitation (its emails); linking the same pair twice is a no-op.
	LinkInvitationOutbox(ctx context.Context, invitationUUID string, outboxIDs []int64) error
	// InvitationOutbox returns the linked outbox messages of several
	// invitations in one query, by invitation UUID, newest first.
	InvitationOutbox(ctx context.Context, invitationUUIDs []string) (map[string][]OutboxMessage, error)
	// DeleteExpiredInvitations removes invitations that expired before the
	// cutoff (retention); it returns how many.
	DeleteExpiredInvitations(ctx context.Context, before time.Time) (int, error)

	// Policies and bindings.
	CreatePolicy(ctx context.Context, p *Policy) error
	GetPolicy(ctx context.Context, uuid string) (Policy, error)
	GetPolicyByName(ctx context.Context, name string) (Policy, error)
	ListPolicies(ctx context.Context) ([]Policy, error)
	UpdatePolicy(ctx context.Context, p *Policy) error
	DeletePolicy(ctx context.Context, uuid string) error
	CreatePolicyBinding(ctx context.Context, b *PolicyBinding) error
	GetPolicyBinding(ctx context.Context, uuid string) (PolicyBinding, error)
	ListPolicyBindings(ctx context.Context, target string) ([]PolicyBinding, error) // "" = all; by order
	UpdatePolicyBinding(ctx context.Context, b *PolicyBinding) error
	DeletePolicyBinding(ctx context.Context, uuid string) error

	// Brands and applications.
	CreateBrand(ctx context.Context, b *Brand) error
	GetBrand(ctx context.Context, uuid string) (Brand, error)
	ListBrands(ctx context.Context) ([]Brand, error)
	UpdateBrand(ctx context.Context, b *Brand) error
	DeleteBrand(ctx context.Context, uuid string) error
	CreateApplication(ctx context.Context, a *Application) error
	GetApplication(ctx context.Context, uuid string) (Application, error)
	GetApplicationBySlug(ctx context.Context, slug string) (Application, error)
	ListApplications(ctx context.Context) ([]Application, error)
	UpdateApplication(ctx context.Context, a *Application) error
	DeleteApplication(ctx context.Context, uuid string) error

	// Events.
	CreateEvent(ctx context.Context, e *Event) error
	ListEvents(ctx context.Context, f EventFilter) ([]Event, int, error)
	// GetEvent returns one event by its UUID.
	GetEvent(ctx context.Context, uuid string) (Event, error)
	DeleteExpiredEvents(ctx context.Context, now time.Time) (int, error)

	// Blueprint instances.
	CreateBlueprintInstance(ctx context.Context, b *BlueprintInstance) error
	GetBlueprintInstance(ctx context.Context, uuid string) (BlueprintInstance, error)
	GetBlueprintInstanceByName(ctx context.Context, name string) (BlueprintInstance, error)
	ListBlueprintInstances(ctx context.Context) ([]BlueprintInstance, error)
	UpdateBlueprintInstance(ctx context.Context, b *BlueprintInstance) error
	DeleteBlueprintInstance(ctx context.Context, uuid string) error

	// Outbox.
	EnqueueOutbox(ctx context.Context, m *OutboxMessage) error
	// ClaimOutbox leases up to limit due, unsent, not-failed messages for
	// lease, so that each is worked on by one instance at a time.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	MarkOutboxSent(ctx context.Context, id int64, at time.Time) error
	// MarkOutboxFailed records an attempt's error; with retryAt nil the
	// message is given up.
	MarkOutboxFailed(ctx context.Context, id int64, errText string, retryAt *time.Time) error
	ListOutbox(ctx context.Context, limit int) ([]OutboxMessage, error)

	// Leases coordinate background work across instances: TryLease takes or
	// renews the named lease for holder until now+ttl and reports whether
	// holder has it.
	TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)

	// Rate limits: Hit adds one hit to key's window starting at
	// windowStart and returns the count in that window.
	Hit(ctx context.Context, key string, windowStart time.Time, expires time.Time) (int, error)
	HitCount(ctx context.Context, key string, windowStart time.Time) (int, error)
	DeleteExpiredHits(ctx context.Context, now time.Time) (int, error)
}
