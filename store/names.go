package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

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
