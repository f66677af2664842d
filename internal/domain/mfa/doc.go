// Package mfa holds the rules of second factors, whichever front end
// uses them (flow stages, API, console): how a TOTP secret is made and a
// code accepted exactly once, how recovery codes are issued, stored
// (hashed) and redeemed once, and what removing a device means. Redeeming
// is always one conditional write in the database (store.DeviceQueries),
// never a check in process memory, so it holds across instances.
package mfa
