package store

import "time"

// User types (authentik's UserTypes).
const (
	UserTypeInternal               = "internal"
	UserTypeExternal               = "external"
	UserTypeServiceAccount         = "service_account"
	UserTypeInternalServiceAccount = "internal_service_account"
)

// User is an account. PK is the integer primary key the API exposes.
type User struct {
	PK                 int64
	UUID               string
	Username           string // unique, at most 150 characters
	Name               string
	Email              string // not unique, may be blank
	Password           string // encoded hash; "" means no usable password
	PasswordChangeDate *time.Time
	IsActive           bool   // default true
	Type               string // default internal
	Path               string // default "users"
	Attributes         map[string]any
	LastLogin          *time.Time
	DateJoined         time.Time
	LastUpdated        time.Time
}

// Group is a named set of users; a group may have one parent. A user is a
// superuser when any of their groups, or any ancestor of those, has
// IsSuperuser.
type Group struct {
	UUID        string
	Name        string // unique
	IsSuperuser bool
	Parent      *string // group UUID
	Attributes  map[string]any
}

// UserFilter selects users for listing. Zero values mean "any".
type UserFilter struct {
	Search     string // case-insensitive contains over username, name, email
	Username   string // exact
	Email      string // exact
	Path       string // exact
	PathPrefix string // path == p or starts with p + "/"
	Type       string
	IsActive   *bool
	GroupUUID  string // members of this group
	Ordering   string // "username", "-date_joined", ... (field name, "-" for descending)
	Limit      int    // 0 = no limit
	Offset     int
}

// GroupFilter selects groups for listing.
type GroupFilter struct {
	Search   string
	Name     string
	Ordering string
	Limit    int
	Offset   int
}

// Token is an API token. Only a hash of the key is stored.
type Token struct {
	Identifier  string // unique, human-readable id
	KeyHash     string // hex sha256 of the key
	UserPK      int64
	Intent      string // "api"
	Description string
	Expires     *time.Time // nil = never
	Created     time.Time
}
