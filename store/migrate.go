package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrationFS holds the schema history, one folder per dialect. Files are
// named NNNN_what.sql and are never edited once released: a change is a
// new file in each folder, with the same version number, leaving the two
// schemas alike (TestSchemasMatch checks it).
//
// PostgreSQL's history starts at version 12, whose one file makes the
// schema SQLite's first twelve reach.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations of d in version order.
func migrations(d dialect) ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/"+d.String()+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", base)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// migrate applies, in order, the migrations not yet recorded in
// schema_migrations (those up to version upTo, if it is not 0), each in its
// own transaction together with its record, so a failed migration leaves
// neither half a schema change nor a record.
// The check for "already applied" happens inside that (immediate)
// transaction, so two processes opening the same file cannot both apply one.
func migrate(ctx context.Context, db *sql.DB, d dialect, upTo int) error {
	ms, err := migrations(d)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if upTo > 0 {
		ms = slices.DeleteFunc(ms, func(m migration) bool { return m.version > upTo })
	}
	if len(ms) == 0 {
		return fmt.Errorf("migrate: no %s migrations up to version %d", d, upTo)
	}
	if err := createMigrationsTable(ctx, db, d); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}

	// A database written by a newer glossa has a schema this binary does not
	// know; running on it would corrupt data quietly.
	var latest int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&latest); err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	if known := ms[len(ms)-1].version; latest > known {
		return fmt.Errorf("migrate: database is at version %d, this program knows up to %d", latest, known)
	}

	for _, m := range ms {
		apply := applyMigration
		if d == postgres {
			apply = applyPostgresMigration
		}
		if err := apply(ctx, db, m); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, err)
		}
	}
	return nil
}

// createMigrationsTable runs in a transaction of its own, which the DSN
// makes BEGIN IMMEDIATE: in autocommit mode "CREATE TABLE IF NOT EXISTS"
// reads then writes, and when another process creates the table in between
// SQLite answers "database is locked" at once, without waiting.
//
// On PostgreSQL the write transaction's lock (pgConn) does the same for
// instances starting together.
func createMigrationsTable(ctx context.Context, db *sql.DB, d dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	) STRICT`
	if d == postgres {
		create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint PRIMARY KEY,
		applied_at text NOT NULL
	)`
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return err
	}
	return tx.Commit()
}

// applyMigration applies m, unless it is recorded, and records it, in one
// transaction.
//
// Migrations run with foreign keys off, as SQLite's documentation asks of
// a schema change that rebuilds a table (SQLite cannot alter a constraint,
// and dropping a table that others refer to would, with foreign keys on,
// delete every row that refers to it, by cascade). The pragma belongs to a
// connection and does nothing inside a transaction, so the migration gets
// a connection of its own, and foreign keys are on again before it goes
// back to the pool. PRAGMA foreign_key_check, before the record, refuses a
// migration that leaves rows dangling.
func applyMigration(ctx context.Context, db *sql.DB, m migration) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, e := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); e != nil {
			// Never hand the pool a connection that does not enforce them.
			conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("foreign keys on again: %w", e))
		}
	}()

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	return applyIn(ctx, tx, m, func() error {
		rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
		if err != nil {
			return err
		}
		dangling := rows.Next()
		if err := rows.Close(); err != nil {
			return err
		}
		if dangling {
			return fmt.Errorf("leaves rows violating foreign keys (PRAGMA foreign_key_check)")
		}
		return nil
	})
}

// applyPostgresMigration applies m, unless it is recorded, and records it,
// in one transaction, which on PostgreSQL includes the schema change and
// checks every constraint as it goes. The write pool's lock (pgConn) keeps
// two instances from applying it at once.
func applyPostgresMigration(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	return applyIn(ctx, tx, m, func() error { return nil })
}

// applyIn applies m in tx, unless it is recorded, runs check, records m
// and commits; on any error tx is rolled back, so nothing is half-applied.
func applyIn(ctx context.Context, tx *sql.Tx, m migration, check func() error) error {
	defer tx.Rollback()
	var applied bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.version).Scan(&applied); err != nil {
		return err
	}
	if applied {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, now()); err != nil {
		return err
	}
	return tx.Commit()
}
