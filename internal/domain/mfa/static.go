package mfa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// tokenAlphabet is what recovery codes are made of (authentik's
// generate_id: letters and digits).
const tokenAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewStaticTokens returns count random codes of length characters.
func NewStaticTokens(count, length int) []string {
	out := make([]string, count)
	for i := range out {
		b := make([]byte, length)
		for j := range b {
			b[j] = tokenAlphabet[randIndex(len(tokenAlphabet))]
		}
		out[i] = string(b)
	}
	return out
}

// randIndex is a uniform index below n from crypto/rand.
func randIndex(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// HashToken is how a recovery code is stored: SHA-256, hex. The codes are
// random enough that no salt or slow hash is needed, and looking one up by
// its hash compares no secret byte by byte.
func HashToken(token string) string {
	s := sha256.Sum256([]byte(normalizeCode(token)))
	return hex.EncodeToString(s[:])
}

// CreateStatic stores a static device for the user with tokens (hashed).
func CreateStatic(ctx context.Context, q store.Queries, d *store.Device, tokens []string) error {
	d.Kind = store.DeviceStatic
	if err := q.CreateDevice(ctx, d); err != nil {
		return err
	}
	hashes := make([]string, len(tokens))
	for i, t := range tokens {
		hashes[i] = HashToken(t)
	}
	return q.AddStaticTokens(ctx, d.PK, hashes)
}

// UseStatic redeems a recovery code of the user: the DELETE that removes
// it is the one use. It returns the device, or nil when the code is not
// (or no longer) one of the user's.
func UseStatic(ctx context.Context, q store.Queries, userPK int64, code string, now time.Time) (*store.Device, error) {
	code = normalizeCode(code)
	if code == "" {
		return nil, nil
	}
	pk, ok, err := q.UseStaticToken(ctx, userPK, HashToken(code), now)
	if err != nil || !ok {
		return nil, err
	}
	d, err := q.GetDevice(ctx, pk)
	if err != nil {
		return nil, err
	}
	return &d, nil
}
