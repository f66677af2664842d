// Package ratelimit throttles repeated failures (invalid invitation tokens,
// wrong passwords, rejected prompt answers, bad API tokens). Counts live in
// the database (Store.Hit), in fixed windows, so every instance sharing the
// database enforces the same limits and a restart forgets nothing.
//
// A key names what is counted: "<action>:<scope>:<value>", for example
// "login_fail:ip:203.0.113.9" or "login_fail:user:alice". Keys whose scope
// is "ip" use the per-address rule (default 10 failures per 5 minutes);
// every other scope (user, invitation, ...) uses the per-target rule
// (default 20 per 15 minutes). Use IPKey and TargetKey to build them.
//
// Callers Check before the action and Fail after a failure; only failures
// count, so a client that succeeds is never slowed down. To keep a known
// invitation from being locked by strangers, invalid tokens are counted per
// client address only, and a correct token is never refused because of
// another address's failures.
package ratelimit
