package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
)

// User is a reader with an account.
type User struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// MaxNameLen is the longest user name, in code points.
const MaxNameLen = 32

// ValidateName checks a user name: 1 to MaxNameLen letters, digits, '-',
// '_' or '.', starting with a letter or digit (so that @mentions find
// it). A name that breaks them is a *FieldError on "name".
func ValidateName(name string) error {
	if name == "" {
		return invalid("name", "choose a name")
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return invalid("name", "a name has at most %d characters", MaxNameLen)
	}
	for i, c := range name {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && (i == 0 || !strings.ContainsRune("-_.", c)) {
			return invalid("name", "a name has letters, digits, '-', '_' and '.', and starts with a letter or digit")
		}
	}
	return nil
}

// CreateUser adds a user whose name keeps the rules of ValidateName;
// ErrNameTaken if the name exists. Names compare
// by NameKey: Unicode case folding after NFKC, so "Åsa" takes "åsa" too.
// A name that only looks like one that exists (NameSkeleton: Cyrillic
// "bоb" beside "bob") is ErrNameLookalike.
func (db *DB) CreateUser(ctx context.Context, name string, passwordHash []byte) (User, error) {
	if err := ValidateName(name); err != nil {
		return User{}, fmt.Errorf("create user %q: %w", name, err)
	}
	if len(passwordHash) == 0 {
		return User{}, fmt.Errorf("create user %q: %w", name, invalid("", "password hash is empty"))
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return User{}, fmt.Errorf("create user %q: %w", name, err)
	}
	defer tx.Rollback()

	// One name by key (the same letters, any case) is taken; one by
	// skeleton only (letters that look the same) is a lookalike. Writes
	// are serialised (one writer, immediate transactions), so nobody takes
	// the skeleton between this check and the insert.
	key, skel := NameKey(name), NameSkeleton(name)
	var sameKey sql.NullBool
	if err := tx.QueryRowContext(ctx, `SELECT max(CASE WHEN name_key = ? THEN 1 ELSE 0 END) FROM users WHERE name_skeleton = ?`, key, skel).Scan(&sameKey); err != nil {
		return User{}, fmt.Errorf("create user %q: %w", name, err)
	}
	switch {
	case sameKey.Valid && sameKey.Bool:
		return User{}, fmt.Errorf("create user %q: %w", name, ErrNameTaken)
	case sameKey.Valid:
		return User{}, fmt.Errorf("create user %q: %w", name, ErrNameLookalike)
	}
	var (
		u       = User{Name: name}
		created string
	)
	err = tx.QueryRowContext(ctx, `
		INSERT INTO users (name, name_key, name_skeleton, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
		RETURNING id, created_at`, name, key, skel, passwordHash, now()).Scan(&u.ID, &created)
	if isConstraint(err, sqlite3.ErrConstraintUnique) {
		return User{}, fmt.Errorf("create user %q: %w", name, ErrNameTaken)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %q: %w", name, err)
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return User{}, fmt.Errorf("create user %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return User{}, fmt.Errorf("create user %q: %w", name, err)
	}
	return u, nil
}

// UserByName returns the user and their password hash, or ErrNotFound.
func (db *DB) UserByName(ctx context.Context, name string) (User, []byte, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return User{}, nil, fmt.Errorf("user %q: %w", name, err)
	}
	defer tx.Rollback()

	var (
		u       User
		hash    []byte
		created string
	)
	// By key; an exact name first, for two old accounts whose names fold
	// alike (see fillNameKeys). name = compares with the column's NOCASE.
	err = tx.QueryRowContext(ctx, `
		SELECT id, name, created_at, password_hash FROM users WHERE name_key = :key OR name = :name
		ORDER BY name = :name DESC, id LIMIT 1`, sql.Named("key", NameKey(name)), sql.Named("name", name)).
		Scan(&u.ID, &u.Name, &created, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, nil, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, nil, fmt.Errorf("user %q: %w", name, err)
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return User{}, nil, fmt.Errorf("user %q: %w", name, err)
	}
	return u, hash, nil
}

// User returns the user with the given id, or ErrNotFound.
func (db *DB) User(ctx context.Context, id int64) (User, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return User{}, fmt.Errorf("user %d: %w", id, err)
	}
	defer tx.Rollback()

	u, err := userByID(ctx, tx, id)
	if err != nil {
		return User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

func userByID(ctx context.Context, tx *sql.Tx, id int64) (User, error) {
	var (
		u       User
		created string
	)
	err := tx.QueryRowContext(ctx, `SELECT id, name, created_at FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, err
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return User{}, err
	}
	return u, nil
}

// CreateToken stores the hash of a personal API token for userID.
// It returns ErrNotFound if there is no such user.
func (db *DB) CreateToken(ctx context.Context, userID int64, tokenHash []byte) error {
	if len(tokenHash) == 0 {
		return fmt.Errorf("create token for user %d: %w", userID, invalid("", "token hash is empty"))
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create token for user %d: %w", userID, err)
	}
	defer tx.Rollback()

	_, err = tx.ExecContext(ctx, `INSERT INTO api_tokens (user_id, hash, created_at) VALUES (?, ?, ?)`,
		userID, tokenHash, now())
	if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
		// user_id is the table's only foreign key.
		return fmt.Errorf("create token for user %d: user %w", userID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("create token for user %d: %w", userID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create token for user %d: %w", userID, err)
	}
	return nil
}

// tokenUseResolution is how precisely a token's last use is recorded.
// Recording every use made every API request a write transaction, with its
// own fsync, before the request's own work; now a token in steady use costs
// one indexed read per request and one write a minute.
const tokenUseResolution = time.Minute

// UserByToken returns the owner of the token with this hash, or ErrNotFound,
// and records the time of use, to within tokenUseResolution: the stored
// last use is rewritten only when it is older than that (or unset).
func (db *DB) UserByToken(ctx context.Context, tokenHash []byte) (User, error) {
	var (
		u                User
		created, lastUse string
	)
	err := db.ro.QueryRowContext(ctx, `
		SELECT u.id, u.name, u.created_at, coalesce(t.last_used_at, '')
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, tokenHash).
		Scan(&u.ID, &u.Name, &created, &lastUse)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user by token: token %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("user by token: %w", err)
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return User{}, fmt.Errorf("user by token: %w", err)
	}
	ts := now()
	// Both strings are timeFormat, so they compare in time order.
	if lastUse < time.Now().UTC().Add(-tokenUseResolution).Format(timeFormat) {
		// A token revoked since the read above is simply not updated.
		if _, err := db.sql.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE hash = ?`, ts, tokenHash); err != nil {
			return User{}, fmt.Errorf("user by token: record use: %w", err)
		}
	}
	return u, nil
}
