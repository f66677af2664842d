package policy

import (
	"bufio"
	"crypto/sha1" // #nosec G505 -- HIBP's format is SHA-1; it names passwords, it protects nothing
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// The list of breached or common passwords a password policy's
// check_have_i_been_pwned uses here: usher does not call
// api.pwnedpasswords.com (a server of an identity provider should not tell
// a third party about its users' passwords, and often cannot reach it).
// USHER_PASSWORD_BREACHED_LIST names a file; without one a small built-in
// list of the most common passwords is used.

//go:embed common_passwords.txt
var commonPasswords string

// breachedList maps the upper-case SHA-1 hex of a password to how often
// it was seen.
type breachedList struct {
	counts map[string]int
	source string // for messages
}

var breached = struct {
	sync.Mutex
	lists map[string]*breachedList // by file path ("" = built in)
}{lists: map[string]*breachedList{}}

// loadBreached reads the list at path once per process ("" = built in).
// A line is a password, or 40 hex digits (a SHA-1, as in HIBP's
// downloadable files) optionally followed by ":COUNT".
func loadBreached(path string) (*breachedList, error) {
	breached.Lock()
	defer breached.Unlock()
	if l, ok := breached.lists[path]; ok {
		return l, nil
	}
	l := &breachedList{counts: map[string]int{}, source: "the built-in list of common passwords"}
	var sc *bufio.Scanner
	if path == "" {
		sc = bufio.NewScanner(strings.NewReader(commonPasswords))
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("USHER_PASSWORD_BREACHED_LIST: %w", err)
		}
		defer f.Close()
		sc = bufio.NewScanner(f)
		l.source = "the breached-password list " + path
	}
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		key, count := line, 1
		if h, c, ok := strings.Cut(line, ":"); ok && isSHA1Hex(h) {
			if n, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
				key, count = h, n
			}
		}
		if !isSHA1Hex(key) {
			key = sha1Hex(key)
		}
		l.counts[strings.ToUpper(key)] += count
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("USHER_PASSWORD_BREACHED_LIST %s: %w", path, err)
	}
	breached.lists[path] = l
	return l, nil
}

// seen is how often password appears in the list (0: not in it). Common
// passwords match whatever their letter case.
func (l *breachedList) seen(password string) int {
	n := l.counts[sha1Hex(password)]
	if lower := strings.ToLower(password); lower != password {
		n = max(n, l.counts[sha1Hex(lower)])
	}
	return n
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s)) // #nosec G401 -- see the import
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func isSHA1Hex(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
