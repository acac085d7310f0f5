package store

import (
	"context"
	"fmt"
)

// Other processes write to the same file: "glossa publish" publishes a
// revision, "glossa import" adds notes, "glossa user add" and "glossa
// token new" add accounts, all beside a running server. The server's
// caches and live streams follow the generation, which counts only this
// DB's own commits, so it must also be told of those.

// OthersWrote reports whether another connection (another process, or
// another DB on the same file) has committed since the last call, or
// since Open. It reads SQLite's data_version on the write
// pool's one connection: that number moves only when some other
// connection commits, and none of this DB's other connections writes (the
// read pool is query_only), so a change is never this DB's own commit.
// It waits for the write connection, so it is meant to be polled now and
// then, not per request.
//
// On PostgreSQL it reads instead the next transaction id the server will
// hand out, which moves whenever any transaction on the server writes,
// this DB's own included: a coarse signal (a change reported may be one
// this DB made, which costs a cached page, never a missed change), until
// instances tell each other with LISTEN/NOTIFY.
func (db *DB) OthersWrote(ctx context.Context) (bool, error) {
	var v int64
	q := `PRAGMA data_version`
	if db.dialect == postgres {
		q = `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint`
	}
	if err := db.sql.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return false, fmt.Errorf("data version: %w", err)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	seen := db.dataVersion != 0
	moved := seen && v != db.dataVersion
	db.dataVersion = v
	return moved, nil
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
