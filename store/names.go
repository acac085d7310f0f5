package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NameKey is what user names are compared by: the name in NFKC, then
// case-folded by Unicode's full case folding, so "Åsa", "åsa" and "ÅSA"
// are one name, as are "Straße" and "STRASSE". Names are unique by key,
// and looked up by key (sign-in, @mentions, the user: search filter).
func NameKey(name string) string {
	return cases.Fold().String(norm.NFKC.String(name))
}

// ErrNameLookalike: a new name is not taken, but it looks like one that
// is (the same NameSkeleton).
var ErrNameLookalike = errors.New("name looks like one already taken")

// NameSkeleton is what user names are told apart by when they may only
// look alike: the name's confusable skeleton (Unicode's UTS #39: each
// character mapped to the one it is most easily taken for, so Cyrillic
// "о" and the digit "0" become Latin "o", "1" and "I" become "l", and
// "m" becomes "rn"), case-folded with NameKey and mapped again, so that
// "Bob" and Cyrillic "bоb", or "Il" and "ll", meet too. Two names with one
// skeleton are one name for sign-up (CreateUser); a skeleton is never
// shown or used to find anyone.
//
// The skeleton is stricter than refusing names that mix scripts: it also
// catches a name written wholly in another script ("рое", Cyrillic, is
// "poe") and digits for letters ("b0b"), which a single-script rule lets
// through. The price is that a few distinct Latin names are one as well
// ("barn" and "bam"): in many fonts they are hard to tell apart, which is
// the point.
func NameSkeleton(name string) string {
	return confusable.Skeleton(NameKey(confusable.Skeleton(name)))
}

// fillNameSkeletons gives a skeleton to every account that has none
// (those made before migration 0009). Accounts whose names share a
// skeleton all keep theirs and keep signing in; only new names are
// refused.
func fillNameSkeletons(ctx context.Context, db *sql.DB) error {
	var done bool
	if err := db.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM users WHERE name_skeleton IS NULL)`).Scan(&done); err != nil {
		return fmt.Errorf("name skeletons: %w", err)
	}
	if done {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("name skeletons: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM users WHERE name_skeleton IS NULL`)
	if err != nil {
		return fmt.Errorf("name skeletons: %w", err)
	}
	skel := map[int64]string{}
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return fmt.Errorf("name skeletons: %w", err)
		}
		skel[id] = NameSkeleton(name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("name skeletons: %w", err)
	}
	for id, s := range skel {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name_skeleton = ? WHERE id = ?`, s, id); err != nil {
			return fmt.Errorf("name skeletons: %w", err)
		}
	}
	return tx.Commit()
}

// fillNameKeys gives a key to every account that has none (those made
// before migration 0008) and makes keys unique. Two old accounts whose
// names fold alike ("Émile" and "émile" were allowed) both stay: the
// older gets the key, the newer one its key with "#id" added, which no
// name folds to. The newer one still signs in by its exact name, since
// lookups prefer an exact match (see UserByName); nobody can register a
// third such name.
func fillNameKeys(ctx context.Context, db *sql.DB) error {
	// Most opens have nothing to do: ask with a read first, so that a
	// "glossa backup" or "glossa export" beside a busy server does not
	// queue for the write lock.
	var done bool
	if err := db.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM users WHERE name_key IS NULL)
		AND EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = 'users_name_key')`).Scan(&done); err != nil {
		return fmt.Errorf("name keys: %w", err)
	}
	if done {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("name keys: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM users WHERE name_key IS NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("name keys: %w", err)
	}
	type account struct {
		id   int64
		name string
	}
	var todo []account
	for rows.Next() {
		var a account
		if err := rows.Scan(&a.id, &a.name); err != nil {
			rows.Close()
			return fmt.Errorf("name keys: %w", err)
		}
		todo = append(todo, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("name keys: %w", err)
	}
	for _, a := range todo {
		key := NameKey(a.name)
		var taken bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE name_key = ?)`, key).Scan(&taken); err != nil {
			return fmt.Errorf("name keys: %w", err)
		}
		if taken {
			key += "#" + strconv.FormatInt(a.id, 10)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name_key = ? WHERE id = ?`, key, a.id); err != nil {
			return fmt.Errorf("name keys: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE UNIQUE INDEX IF NOT EXISTS users_name_key ON users (name_key)`); err != nil {
		return fmt.Errorf("name keys: %w", err)
	}
	return tx.Commit()
}
