package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Passwords hashes and verifies passwords. New hashes use the configured
// scheme (argon2id by default); verification also accepts bcrypt and
// Django's pbkdf2_sha256 so users imported from authentik keep their
// passwords, and reports when a hash should be upgraded.
type Passwords struct {
	scheme string // "argon2id", "bcrypt", "none" (tests/benchmarks only)
	memory uint32 // KiB
	time   uint32
	par    uint8
	cost   int
}

// DefaultPasswordHash is OWASP's argon2id recommendation.
const DefaultPasswordHash = "argon2id:m=19456,t=2,p=1"

// ParsePasswordHash reads a USHER_PASSWORD_HASH value: "argon2id",
// "argon2id:m=19456,t=2,p=1", "bcrypt:cost=N".
func ParsePasswordHash(spec string) (*Passwords, error) {
	if spec == "" || spec == "argon2id" {
		spec = DefaultPasswordHash
	}
	name, params, _ := strings.Cut(spec, ":")
	p := &Passwords{scheme: name}
	kv := map[string]int{}
	if params != "" {
		for _, part := range strings.Split(params, ",") {
			k, v, ok := strings.Cut(part, "=")
			n, err := strconv.Atoi(v)
			if !ok || err != nil || n <= 0 {
				return nil, fmt.Errorf("invalid parameter %q: want key=positive number", part)
			}
			kv[k] = n
		}
	}
	switch name {
	case "argon2id":
		p.memory, p.time, p.par = 19456, 2, 1
		for k, v := range kv {
			switch k {
			case "m":
				p.memory = uint32(v)
			case "t":
				p.time = uint32(v)
			case "p":
				if v > 255 {
					return nil, fmt.Errorf("argon2id p must be at most 255")
				}
				p.par = uint8(v)
			default:
				return nil, fmt.Errorf("unknown argon2id parameter %q (use m, t, p)", k)
			}
		}
	case "bcrypt":
		p.cost = bcrypt.DefaultCost
		for k, v := range kv {
			if k != "cost" {
				return nil, fmt.Errorf("unknown bcrypt parameter %q (use cost)", k)
			}
			if v < bcrypt.MinCost || v > bcrypt.MaxCost {
				return nil, fmt.Errorf("bcrypt cost must be between %d and %d", bcrypt.MinCost, bcrypt.MaxCost)
			}
			p.cost = v
		}
	default:
		return nil, fmt.Errorf("unknown password hash %q (use argon2id, argon2id:m=…,t=…,p=…, or bcrypt:cost=N)", name)
	}
	return p, nil
}

// Hash encodes password with the configured scheme.
func (p *Passwords) Hash(password string) (string, error) {
	switch p.scheme {
	case "bcrypt":
		var err error
		b := withHashSlot(func() []byte {
			var b []byte
			b, err = bcrypt.GenerateFromPassword([]byte(password), p.cost)
			return b
		})
		return string(b), err
	default:
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return "", err
		}
		key := withHashSlot(func() []byte { return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.par, 32) })
		return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.par,
			base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
	}
}

var errBadHash = errors.New("unrecognised password hash")

// Verify reports whether password matches hash, and whether the hash should
// be replaced by a fresh one (another scheme or weaker parameters). An empty
// hash never matches (unusable password).
func (p *Passwords) Verify(hash, password string) (ok, rehash bool) {
	switch {
	case hash == "":
		return false, false
	case strings.HasPrefix(hash, "$argon2id$"):
		ok, params, err := verifyArgon2(hash, password)
		if err != nil {
			return false, false
		}
		return ok, ok && (p.scheme != "argon2id" || params != fmt.Sprintf("m=%d,t=%d,p=%d", p.memory, p.time, p.par))
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		if withHashSlot(func() error { return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) }) != nil {
			return false, false
		}
		cost, _ := bcrypt.Cost([]byte(hash))
		return true, p.scheme != "bcrypt" || cost != p.cost
	case strings.HasPrefix(hash, "pbkdf2_sha256$"):
		ok := verifyDjango(hash, password)
		return ok, ok
	}
	return false, false
}

func verifyArgon2(hash, password string) (bool, string, error) {
	parts := strings.Split(hash, "$") // "", argon2id, v=19, m=..,t=..,p=.., salt, key
	if len(parts) != 6 {
		return false, "", errBadHash
	}
	var m, t uint32
	var par uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &par); err != nil {
		return false, "", errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, "", errBadHash
	}
	got := withHashSlot(func() []byte { return argon2.IDKey([]byte(password), salt, t, m, par, uint32(len(want))) })
	return subtle.ConstantTimeCompare(got, want) == 1, parts[3], nil
}

// verifyDjango checks "pbkdf2_sha256$<iterations>$<salt>$<base64 key>".
func verifyDjango(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter <= 0 {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil {
		return false
	}
	got := withHashSlot(func() []byte {
		var k []byte
		k, err = pbkdf2.Key(sha256.New, password, []byte(parts[2]), iter, len(want))
		return k
	})
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}
