// Package e2e holds usher's end-to-end tests: they build the usher binary,
// start real `usher serve` processes (SQLite, or PostgreSQL when
// USHER_TEST_POSTGRES_DSN is set) and drive them the way people do, in a
// headless Chromium with one browser context per actor, checking the
// outcome through the REST API with the bootstrap token. The package has no
// code outside its tests.
package e2e
