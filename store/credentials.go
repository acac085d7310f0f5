package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Credentials: the account rules for a password, its hash, and personal
// API tokens, of which the store keeps only a hash. The web pages and the
// command line ("glossa user add", "glossa token new") both use them.

// Limits on a password: at least MinPasswordLen code points, at most
// MaxPasswordLen bytes (argon2id's input is bytes; a longer one is
// refused before it is hashed).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024
)

// NewToken makes a personal API token: 32 random bytes, URL-safe, prefixed
// so a leaked one is recognisable. Only HashToken(token) is stored.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "glossa_" + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what the store keeps of a token. The token has 256 bits of
// entropy, so a plain SHA-256 suffices (no salt, no slow hash).
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return fmt.Errorf("A password has at least %d characters.", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("A password has at most %d bytes.", MaxPasswordLen)
	}
	return nil
}

// DefaultPasswordParams are glossa's argon2id parameters: OWASP's
// recommended minimum for argon2id (Password Storage Cheat Sheet: 19 MiB of
// memory, 2 passes, 1 lane). The library's own defaults (64 MiB, 1 pass, a
// lane per CPU) are meant, it says, for development; they made every
// sign-in, and the server's start-up, hold 64 MiB. A hash records its
// parameters, so hashes made with other parameters keep working.
var DefaultPasswordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// HashPassword hashes with argon2id; params nil means
// DefaultPasswordParams.
func HashPassword(pw string, params *argon2id.Params) ([]byte, error) {
	if params == nil {
		params = DefaultPasswordParams
	}
	h, err := argon2id.CreateHash(pw, params)
	return []byte(h), err
}
