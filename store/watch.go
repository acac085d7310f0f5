package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Other processes write to the same database: "glossa publish" publishes a
// revision, "glossa import" adds notes, "glossa user add" and "glossa
// token new" add accounts, all beside a running server; on PostgreSQL,
// other glossa instances serve the same database. The server's caches and
// live streams follow the generation, which counts only this DB's own
// commits, so it must also be told of those.

// OthersWrote reports whether another connection (another process, or
// another DB on the same database) has committed since the last call, or
// since Open.
//
// On SQLite it reads data_version on the write pool's one connection:
// that number moves only when some other connection commits, and none of
// this DB's other connections writes (the read pool is query_only), so a
// change is never this DB's own commit. It waits for the write
// connection, so it is meant to be polled now and then, not per request.
//
// On PostgreSQL other instances say so themselves: every commit that
// counts a generation sends a notice in its transaction (commit), which
// this DB's listener receives (listen), and OthersWrote reports the
// notices of others that came since the last call. While the listener is
// not connected it cannot know, so it reports true, with the error that
// keeps it from listening, at every call; and when it has connected
// again, true once more for what was committed meanwhile. OthersNoticed
// says when to ask.
func (db *DB) OthersWrote(ctx context.Context) (bool, error) {
	if db.dialect == postgres {
		db.mu.Lock()
		defer db.mu.Unlock()
		moved := db.othersWrote || db.listenErr != nil
		db.othersWrote = false
		return moved, db.listenErr
	}
	var v int64
	if err := db.sql.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return false, fmt.Errorf("data version: %w", err)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	seen := db.dataVersion != 0
	moved := seen && v != db.dataVersion
	db.dataVersion = v
	return moved, nil
}

// Shared reports whether other glossa instances may serve this database
// at the same time (PostgreSQL): what a process keeps of it in memory,
// such as a session, may be out of date the moment another commits.
func (db *DB) Shared() bool { return db.dialect == postgres }

// OthersNoticed returns a channel that receives when OthersWrote has
// news: on PostgreSQL, a notice from another instance or a change in the
// listener's state; on SQLite, nothing (poll OthersWrote instead).
func (db *DB) OthersNoticed() <-chan struct{} { return db.othersWake }

// noticeChannel is the PostgreSQL channel instances tell each other of
// their commits on; the payload is the sender's instance id.
const noticeChannel = "glossa_commits"

// notice sends, on PostgreSQL, the notice that this DB is committing a
// change, inside the transaction tx: it is delivered at the commit, and
// a rollback sends nothing.
func (db *DB) notice(tx *sql.Tx) error {
	if db.dialect != postgres {
		return nil
	}
	if _, err := tx.ExecContext(context.Background(), `SELECT pg_notify(?, ?)`, noticeChannel, db.instance); err != nil {
		return fmt.Errorf("notify other instances: %w", err)
	}
	return nil
}

// Listening on PostgreSQL, and again after a lost connection.
const (
	listenPing       = 30 * time.Second // a quiet connection is pinged this often
	listenRetryFirst = 100 * time.Millisecond
	listenRetryMost  = 30 * time.Second
)

// listen receives other instances' notices on a connection of its own
// (LISTEN needs one connection for as long as it listens, which the pools
// do not promise) until ctx ends, and closes listenDone. A quiet
// connection is pinged now and then, so one the network dropped without
// a word is noticed; a lost one is made again, waiting twice as long
// after each failure up to listenRetryMost. pgx's own
// WaitForNotification is enough for this: a listener library would add
// its own reconnecting, at a fixed delay, and no ping.
func (db *DB) listen(ctx context.Context, dsn string) {
	defer close(db.listenDone)
	retry := listenRetryFirst
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, dsn, func() { retry = listenRetryFirst })
		if ctx.Err() != nil {
			return
		}
		db.listenState(fmt.Errorf("listen for other instances' commits on %s: %w", redactURL(dsn), err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, listenRetryMost)
	}
}

// listenOnce connects, listens and receives notices until the connection
// fails, calling connected once it listens.
func (db *DB) listenOnce(ctx context.Context, dsn string, connected func()) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	// A wait that times out (to ping) leaves the connection usable, and
	// sends the server no cancel request.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	cctx, cancel := context.WithTimeout(ctx, listenPing)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+noticeChannel+`; LISTEN `+presenceChannel); err != nil {
		return err
	}
	connected()
	// Whatever was committed before it listened is news too.
	db.listenState(nil)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			switch {
			case n.Payload == db.instance:
			case n.Channel == presenceChannel:
				wake(db.presenceWake)
			default:
				db.othersCommitted()
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			pctx, cancel := context.WithTimeout(ctx, listenPing)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// othersCommitted records another instance's notice and wakes whoever
// waits on OthersNoticed.
func (db *DB) othersCommitted() {
	db.mu.Lock()
	db.othersWrote = true
	db.mu.Unlock()
	db.wakeOthers()
}

// listenState records whether the listener works (err nil) or why not.
// Either way what others committed meanwhile is unknown, so it counts as
// news.
func (db *DB) listenState(err error) {
	db.mu.Lock()
	db.listenErr = err
	db.othersWrote = true
	db.mu.Unlock()
	db.wakeOthers()
	wake(db.presenceWake)
}

func (db *DB) wakeOthers() { wake(db.othersWake) }

// wake sends on c, of capacity 1, unless a wake is pending already.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// MarkChanged counts a change made elsewhere as if this DB had committed
// it: the generation moves on (so every page cached before is stale) and
// live streams wake to read the event log again. Call it once whatever
// depends on the change (such as the rendered documents) is up to date.
func (db *DB) MarkChanged() { db.changedNow() }

// changedNow counts a generation, then closes the channel Changed hands
// out (under the mutex Changed takes): whoever takes the channel after it
// was closed sees the new generation. web's live streams rely on this
// order (see commit).
func (db *DB) changedNow() {
	db.gen.Add(1)
	db.mu.Lock()
	close(db.changed)
	db.changed = make(chan struct{})
	db.mu.Unlock()
}

// CurrentRevisions returns each document's current revision id, by slug:
// a cheap way to see whether anyone published.
func (db *DB) CurrentRevisions(ctx context.Context) (map[string]int64, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT slug, current_revision_id FROM documents WHERE current_revision_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("current revisions: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			slug string
			id   int64
		)
		if err := rows.Scan(&slug, &id); err != nil {
			return nil, fmt.Errorf("current revisions: %w", err)
		}
		out[slug] = id
	}
	return out, rows.Err()
}
