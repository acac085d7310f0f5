package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// dialect is the database a DB runs on. The store's SQL is written once,
// for both (see README, "How it is built"): ? and :name parameters, which
// pgConn rewrites for PostgreSQL; text timestamps from Go (now); integer
// 0/1 flags. What truly differs is here or switches on db.dialect where it
// is used:
//
//   - opening, pools and transactions: open (SQLite), openPostgres and
//     pgConn (PostgreSQL);
//   - migrations: migrations/sqlite and migrations/postgres, the same
//     version numbers (migrate.go);
//   - search: FTS4 on SQLite, tsvector on PostgreSQL (search.go);
//   - the change signal from other processes: OthersWrote, from SQLite's
//     data_version or from other instances' notices (watch.go);
//   - event numbering: one function, nextEvent, whose row lock orders
//     the numbers' commits on PostgreSQL (events.go);
//   - sessions' expiry (sessions.go), constraint errors (isConstraint).
type dialect int

const (
	sqlite dialect = iota
	postgres
)

func (d dialect) String() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// SQL string literals of control characters, which both databases take
// in a literal where SQLite's char() and PostgreSQL's chr() differ.
const (
	blankChars = "' \t\n\r'" // space, tab, line feed, carriage return
	tagSep     = "'\x1f'"    // the unit separator, between a note's tags
)

// IsPostgresURL reports whether dsn, as Open takes it, names a PostgreSQL
// database rather than a SQLite file.
func IsPostgresURL(dsn string) bool { return isPostgresURL(dsn) }

// DisplayName is dsn fit for a log or a message: a SQLite path as it is,
// a PostgreSQL URL without its password or options.
func DisplayName(dsn string) string {
	if isPostgresURL(dsn) {
		return redactURL(dsn)
	}
	return dsn
}

func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// pgWriteConns is the write pool's size on PostgreSQL. Writers take turns
// on one lock (pgConn), so more connections would only wait there.
const pgWriteConns = 4

// openPostgres opens the PostgreSQL database at the URL dsn: a write pool
// whose transactions take turns, as SQLite's do, and a read pool of
// read-only snapshot transactions (pgConn), and migrates it.
func openPostgres(ctx context.Context, dsn string, upTo int) (*DB, error) {
	fail := func(err error) (*DB, error) {
		return nil, fmt.Errorf("open database %s: %w", redactURL(dsn), err)
	}
	wc, err := newPGConnector(dsn, false)
	if err != nil {
		return fail(err)
	}
	rc, err := newPGConnector(dsn, true)
	if err != nil {
		return fail(err)
	}
	rw := sql.OpenDB(wc)
	rw.SetMaxOpenConns(pgWriteConns)
	rw.SetMaxIdleConns(pgWriteConns)
	if err := rw.PingContext(ctx); err != nil {
		rw.Close()
		return fail(err)
	}
	if err := migrate(ctx, rw, postgres, upTo); err != nil {
		rw.Close()
		return fail(err)
	}
	ro := sql.OpenDB(rc)
	n := max(4, runtime.GOMAXPROCS(0))
	ro.SetMaxOpenConns(n)
	ro.SetMaxIdleConns(n)
	db, err := newDB(ctx, rw, ro, postgres, n)
	if err != nil {
		return fail(err)
	}
	var lctx context.Context
	lctx, db.listenStop = context.WithCancel(context.WithoutCancel(ctx))
	db.listenDone = make(chan struct{})
	go db.listen(lctx, dsn)
	return db, nil
}

// redactURL is dsn without its password, for error messages.
func redactURL(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "(a PostgreSQL URL that does not parse)"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// pgConstraint reports whether err is PostgreSQL's violation of the
// constraint SQLite names code.
func pgConstraint(err error, code sqlite3.ErrNoExtended) bool {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return false
	}
	switch code {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		return e.Code == "23505" // unique_violation
	case sqlite3.ErrConstraintForeignKey:
		return e.Code == "23503" // foreign_key_violation
	case sqlite3.ErrConstraintCheck:
		return e.Code == "23514" // check_violation
	case sqlite3.ErrConstraintNotNull:
		return e.Code == "23502" // not_null_violation
	}
	return false
}
