// Package store keeps glossa's data in SQLite (mattn/go-sqlite3), or in
// PostgreSQL (jackc/pgx) given a postgres:// URL (dialect.go): users,
// API tokens, sessions (the web layer's, see sessions.go), documents and their revisions with their
// blocks, and notes with their original and current targets.
//
// Every public method takes a context and runs in one transaction. The rule
// saying which notes a reader may see lives in one place (visibleTo) and every
// query that lists, counts or fetches notes goes through it.
//
// store must not import content or web: anchors and canonical text arrive as
// plain values.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

var (
	ErrNotFound  = errors.New("not found")
	ErrNameTaken = errors.New("name already taken")
	ErrStale     = errors.New("note was changed since it was read") // version mismatch (If-Match)

	// ErrForbidden: the caller may not do this (not a member of the group,
	// not one of its teachers).
	ErrForbidden = errors.New("forbidden")

	// ErrRemoved: a teacher removed the caller from the group, so its
	// invite link does not let them back in until a teacher lets them back
	// in. It is an ErrForbidden too.
	ErrRemoved = fmt.Errorf("%w: removed from the group by a teacher", ErrForbidden)

	// ErrNotInAudience: the caller may see the note only because they
	// wrote it, and may no longer write in its thread: they are not a
	// member of its group now (they left, or were removed), or the thread
	// was narrowed away from their reply. It is an ErrForbidden too.
	ErrNotInAudience = fmt.Errorf("%w: no longer in the thread's audience", ErrForbidden)

	// ErrInvalid wraps errors about values the caller passed (an unknown
	// audience, offsets that do not fit the quote, a target on a block that
	// does not exist); the message names the field. The web layer answers
	// them with a 4xx.
	ErrInvalid = errors.New("invalid")

	// ErrWidens: an audience change would show others' replies to readers
	// they did not write for. It is an ErrInvalid too, naming "audience".
	ErrWidens = invalid("audience", "others have replied to this note, so its audience may narrow but not widen")
)

// DB is glossa's database.
//
// It holds two pools on the same file. Writes go through sql: one
// connection, so writers in this process wait in database/sql, which hands
// the connection over the moment it is free, rather than in SQLite's busy
// handler, which polls with sleeps of up to 100 ms (measured here with 8
// writers: same throughput, p99 latency 25 ms instead of 55-105 ms). Its DSN still asks for BEGIN
// IMMEDIATE and a busy timeout, for other processes on the same file (a
// "glossa publish" while the server runs): a transaction that reads and
// then writes never fails with "database is locked" halfway. Reads go
// through ro, which uses deferred transactions on query-only connections:
// under WAL they run beside the writer and beside each other, where BEGIN
// IMMEDIATE would queue every page view behind every other (about twice
// the read latency with a writer busy, measured on 2 CPUs).
type DB struct {
	sql *sql.DB
	ro  *sql.DB
	gen atomic.Uint64 // see Generation

	path    string  // the file, for Backup's own connection (SQLite)
	dialect dialect // which database: what differs lives behind it

	// searchSlots bounds the searches running at once, and searchTimeout
	// how long each may take; see Search.
	searchSlots   chan struct{}
	searchTimeout time.Duration

	mu          sync.Mutex
	changed     chan struct{} // closed at the next commit; see Changed
	dataVersion int64         // the write connection's data_version; see OthersWrote

	// On PostgreSQL, other instances' commits (watch.go): this DB's id in
	// the notices, whether others committed since OthersWrote last said,
	// why the listener is not listening (under mu), the wake for
	// OthersNoticed (capacity 1), and the listener's stop and end.
	instance    string
	othersWrote bool
	listenErr   error
	othersWake  chan struct{}
	// presenceWake: another instance's readers changed (presence.go).
	presenceWake chan struct{}
	listenStop   context.CancelFunc
	listenDone   chan struct{}

	// The create writer (batch.go): notes waiting to be written, and
	// whether Close has been called, under cmu.
	cmu        sync.Mutex
	queue      []*createReq
	closed     bool
	wake       chan struct{} // capacity 1: "the queue may have notes"
	writerDone chan struct{} // closed when the writer has stopped
}

// Generation counts the commits through this DB that changed what a reader
// may see: notes, documents, groups and memberships, reactions,
// moderation. Anything derived from them, such as a cached page, is current
// while the generation it was made at is. Writes by other processes are
// counted when MarkChanged says so (see OthersWrote).
func (db *DB) Generation() uint64 { return db.gen.Load() }

// Changed returns a channel that is closed at the next such commit, for
// live readers waiting for news.
func (db *DB) Changed() <-chan struct{} {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.changed
}

// commit commits a write transaction and tells those waiting.
//
// The order is what live streams rely on (web/live.go, Shared reads): the
// generation is counted after the commit, and before the channel Changed
// returned is closed, so whoever takes Changed and then loads Generation
// has every commit that will not close the channel it holds counted.
//
// On PostgreSQL it tells the other instances too (notice), inside the
// transaction, so they count the commit as their own when it is done.
func (db *DB) commit(tx *sql.Tx) error {
	if err := db.notice(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.changedNow()
	return nil
}

// Open opens the database named by dsn and applies the embedded
// migrations not yet recorded. A postgres:// or postgresql:// URL opens
// PostgreSQL (openPostgres); anything else is the path of a SQLite file,
// created if needed, with WAL, foreign keys, a busy timeout and immediate
// transactions set in the DSN.
func Open(ctx context.Context, dsn string) (*DB, error) { return open(ctx, dsn, 0) }

// open is Open applying the migrations up to version upTo only (0: all),
// so that a test can make the database an older glossa left and see a
// migration take it from there.
func open(ctx context.Context, path string, upTo int) (*DB, error) {
	if isPostgresURL(path) {
		return openPostgres(ctx, path, upTo)
	}
	if path == "" {
		return nil, fmt.Errorf("open database: %w", invalid("", "empty path"))
	}
	// The pragmas live in the DSN, so every connection the pool opens gets
	// them, not only the first. synchronous=FULL: a note answered 201 has
	// been fsynced to the WAL, so it survives a power cut, not only a
	// crash of the process (NORMAL loses no commit when the process dies,
	// but may lose the last ones when the machine does). It costs one
	// fsync per commit; see the README (Durability) for the figures.
	rw, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_fk":              {"1"},
		"_journal_mode":    {"WAL"},
		"_busy_timeout":    {strconv.FormatInt(busyTimeout.Milliseconds(), 10)},
		"_txlock":          {"immediate"},
		"_synchronous":     {"FULL"},
		"_stmt_cache_size": {stmtCacheSize},
	}))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	rw.SetMaxOpenConns(1)
	if err := connect(ctx, rw); err != nil {
		rw.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := migrate(ctx, rw, sqlite, upTo); err != nil {
		rw.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := fillNameKeys(ctx, rw); err != nil {
		rw.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := fillNameSkeletons(ctx, rw); err != nil {
		rw.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}

	// Opened after migrating, so the file exists and is already in WAL
	// mode (journal_mode is stored in the file); query_only makes any write
	// slipping into a read method an error instead of a lock grab.
	ro, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_fk":              {"1"},
		"_busy_timeout":    {strconv.FormatInt(busyTimeout.Milliseconds(), 10)},
		"_txlock":          {"deferred"},
		"_query_only":      {"1"},
		"_stmt_cache_size": {stmtCacheSize},
	}))
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Keep reader connections open: each new one re-runs the pragmas and
	// re-reads the schema.
	n := max(4, runtime.GOMAXPROCS(0))
	ro.SetMaxOpenConns(n)
	ro.SetMaxIdleConns(n)
	db, err := newDB(ctx, rw, ro, sqlite, n)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.path = path
	return db, nil
}

// newDB makes the DB on its two pools, opened and migrated, with n read
// connections, and starts its create writer. On an error it closes both.
func newDB(ctx context.Context, rw, ro *sql.DB, d dialect, n int) (*DB, error) {
	if err := ro.PingContext(ctx); err != nil {
		rw.Close()
		ro.Close()
		return nil, err
	}
	db := &DB{sql: rw, ro: ro, dialect: d, changed: make(chan struct{}),
		wake: make(chan struct{}, 1), writerDone: make(chan struct{}),
		othersWake: make(chan struct{}, 1), presenceWake: make(chan struct{}, 1), instance: rand.Text()}
	// Half the read connections for searches, which the index can make
	// costly (search.go); the other half is always there for pages.
	db.searchSlots, db.searchTimeout = make(chan struct{}, max(1, n/2)), SearchTimeout
	// OthersWrote compares with the database as it is now: a commit by
	// another process from here on is one it reports, however soon it comes.
	if _, err := db.OthersWrote(ctx); err != nil {
		rw.Close()
		ro.Close()
		return nil, err
	}
	go db.createWriter()
	return db, nil
}

// busyTimeout is how long a connection waits for another process's lock.
const busyTimeout = 5 * time.Second

// connect makes the write pool's first connection. When several processes
// create a new file at once, the switch to WAL that each connection makes
// on opening can fail with "database is locked" at once, ignoring the busy
// timeout (measured: 9 of 1,800 racing connects; none on a file already in
// WAL mode). Retry that for as long as the busy timeout would have waited.
func connect(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.PingContext(ctx)
		var e sqlite3.Error
		if err == nil || !errors.As(err, &e) || e.Code != sqlite3.ErrBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stmtCacheSize is how many prepared statements each connection keeps
// (mattn/go-sqlite3's _stmt_cache_size). Our SQL strings are a small fixed
// set, and preparing them against a schema this full of checks and foreign
// keys is costly: without the cache about 40% of CreateNote's CPU time went
// to sqlite3_prepare.
const stmtCacheSize = "64"

// dsn builds a file: URI for mattn/go-sqlite3. The path is escaped because
// the driver splits the DSN at the first '?'.
func dsn(path string, params url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params.Encode()
}

// Close closes the database. Notes already handed to CreateNote are
// written first; those asked for after Close get ErrClosed.
func (db *DB) Close() error {
	db.cmu.Lock()
	db.closed = true
	db.cmu.Unlock()
	select {
	case db.wake <- struct{}{}:
	default:
	}
	<-db.writerDone
	if db.listenStop != nil {
		db.listenStop()
		<-db.listenDone
	}
	return errors.Join(db.ro.Close(), db.sql.Close())
}

// SQL exposes the write pool, for tests and benchmarks that need a query
// of their own (sessions have their methods: sessions.go).
//
// It is the write pool, with a single connection on SQLite (on
// PostgreSQL a few, whose transactions take turns on one lock): never call
// a DB method that writes while holding a *sql.Tx or unclosed *sql.Rows
// from it, or both wait forever.
func (db *DB) SQL() *sql.DB { return db.sql }

// timeFormat is RFC 3339 in UTC with a fixed nine fractional digits: unlike
// time.RFC3339Nano, which drops trailing zeros, its strings sort in time
// order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// now is the time written into rows, in UTC.
func now() string { return time.Now().UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// isConstraint reports whether err is the constraint violation code
// (sqlite3.ErrConstraintUnique, ...ForeignKey, ...), or on PostgreSQL
// the same violation (pgConstraint).
func isConstraint(err error, code sqlite3.ErrNoExtended) bool {
	var e sqlite3.Error
	if errors.As(err, &e) {
		return e.ExtendedCode == code
	}
	return pgConstraint(err, code)
}
