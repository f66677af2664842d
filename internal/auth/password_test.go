package auth

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func mustPasswords(t *testing.T, spec string) *Passwords {
	t.Helper()
	p, err := ParsePasswordHash(spec)
	if err != nil {
		t.Fatalf("ParsePasswordHash(%q): %v", spec, err)
	}
	return p
}

func TestParsePasswordHash(t *testing.T) {
	for _, ok := range []string{"", "argon2id", "argon2id:m=19456,t=2,p=1", "argon2id:m=65536", "bcrypt", "bcrypt:cost=4"} {
		if _, err := ParsePasswordHash(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"md5":                "unknown password hash",
		"argon2id:x=1":       "unknown argon2id parameter",
		"argon2id:m=abc":     "want key=positive number",
		"argon2id:p=300":     "at most 255",
		"bcrypt:cost=2":      "between 4 and 31",
		"bcrypt:rounds=5":    "unknown bcrypt parameter",
		"argon2id:m=0,t=1":   "positive number",
		"argon2id:m=1,t=1,p": "want key=positive number",
	} {
		_, err := ParsePasswordHash(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to contain %q", bad, err, want)
		}
	}
}

func TestPasswordRoundTripAndRehash(t *testing.T) {
	argon := mustPasswords(t, "argon2id:m=1024,t=1,p=1")
	argonDefault := mustPasswords(t, "argon2id")
	bc := mustPasswords(t, "bcrypt:cost=4")

	argonHash, err := argon.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(argonHash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("argon2id encoding: %s", argonHash)
	}
	if again, _ := argon.Hash("correct horse"); again == argonHash {
		t.Error("two hashes of one password are equal: no salt")
	}
	bcryptHash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), 5)
	if err != nil {
		t.Fatal(err)
	}
	// Django's own test vector (django/tests/auth_tests/test_hashers.py,
	// Django 5.2): make_password("lètmein", "seasalt", "pbkdf2_sha256").
	const django = "pbkdf2_sha256$1000000$seasalt$r1uLUxoxpP2Ued/qxvmje7UH9PUJBkRrvf9gGPL7Cps="

	tests := []struct {
		name       string
		p          *Passwords
		hash, pass string
		ok, rehash bool
	}{
		{"argon2id round trip", argon, argonHash, "correct horse", true, false},
		{"argon2id wrong password", argon, argonHash, "wrong horse", false, false},
		{"argon2id with weaker parameters than configured", argonDefault, argonHash, "correct horse", true, true},
		{"argon2id when bcrypt is configured", bc, argonHash, "correct horse", true, true},
		{"bcrypt imported", argon, string(bcryptHash), "correct horse", true, true},
		{"bcrypt wrong password", argon, string(bcryptHash), "nope", false, false},
		{"bcrypt at another cost", bc, string(bcryptHash), "correct horse", true, true},
		{"Django pbkdf2_sha256", argon, django, "lètmein", true, true},
		{"Django pbkdf2_sha256 wrong password", argon, django, "letmein", false, false},
		{"Django hash tampered", argon, strings.Replace(django, "1000000", "999999", 1), "lètmein", false, false},
		{"empty hash never matches", argon, "", "", false, false},
		{"unknown scheme", argon, "md5$abc$def", "x", false, false},
		{"truncated argon2id", argon, "$argon2id$v=19$m=1024", "x", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash := tt.p.Verify(tt.hash, tt.pass)
			if ok != tt.ok || rehash != tt.rehash {
				t.Errorf("Verify = %v, %v; want %v, %v", ok, rehash, tt.ok, tt.rehash)
			}
		})
	}

	bcHash, err := bc.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost([]byte(bcHash)); cost != 4 {
		t.Errorf("bcrypt cost %d, want 4", cost)
	}
	if ok, rehash := bc.Verify(bcHash, "pw"); !ok || rehash {
		t.Errorf("bcrypt round trip: %v %v", ok, rehash)
	}
}
