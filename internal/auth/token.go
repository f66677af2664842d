package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// HashToken is how API token keys are stored and looked up: the database
// never holds a usable key. Lookup is by this hash, so comparing keys needs
// no timing-sensitive string comparison.
func HashToken(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// NewTokenKey returns a random API token key.
func NewTokenKey() string {
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
