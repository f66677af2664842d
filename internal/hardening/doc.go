// Package hardening holds usher's whole-system abuse, fault and soak
// tests (issue 9): they start real stores and the real server middleware
// around the flow areas and check what an attacker or a failing database
// can and cannot do. It has no code of its own.
package hardening
