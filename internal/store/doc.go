// Package store holds usher's domain types and the storage interface that
// every backend implements. Backends live in sub-packages: sqlite and postgres
// open a database and run their embedded migrations, sqlstore holds the SQL
// both share, and storetest is the conformance suite that all of them pass.
//
// Field names and defaults follow authentik's models:
// users have an integer pk and a uuid; everything else is keyed by a UUID
// string with dashes.
package store
