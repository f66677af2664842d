package ratelimit

// MFAFail counts wrong second-factor answers (TOTP, recovery and emailed
// codes, failed WebAuthn assertions), per address and per user: a six-digit
// code has a million values, so guessing must stop long before.
const MFAFail = "mfa_fail"
