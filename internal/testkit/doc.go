// Package testkit holds small helpers that tests of several packages
// share: a log buffer safe for concurrent writers and a free local port.
package testkit
