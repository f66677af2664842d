package store

import "strings"

// Hex is a UUID without dashes, as authentik's events and blueprint
// exports name a model's primary key.
func Hex(id string) string { return strings.ReplaceAll(id, "-", "") }
