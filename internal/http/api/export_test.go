package api

// Messages the tests assert on exactly, exported to the external test
// package only.
const (
	MsgNoCredentials = msgNoCredentials
	MsgForbidden     = msgForbidden
)
