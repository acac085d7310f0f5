package store

import (
	"context"
	"fmt"
	"time"
)

// Presence across instances. Each glossa keeps in memory who has a live
// stream open through it (web/presence.go); when several instances serve
// one database (Shared), each also writes its readers here, as rows of
// (instance, document, user) under a heartbeat of the instance, and reads
// the others'. An instance that stopped beating for PresenceExpiry (killed,
// cut off) is left out, and its rows go at the next heartbeat of another.
// Every change sends a notice on presenceChannel, so the others count
// again at once (PresenceNoticed).

// PresenceExpiry is how long an instance's readers count after its last
// heartbeat; instances beat well within it.
const PresenceExpiry = 45 * time.Second

// presenceChannel is the PostgreSQL channel of presence changes; the
// payload is the sender's instance id.
const presenceChannel = "glossa_presence"

// Reading is one reader with a live stream open on one document.
type Reading struct{ DocumentID, UserID int64 }

// SyncPresence records this instance's heartbeat and its readers' changes
// (added and removed since the last call), deletes the instances whose
// heartbeat is older than PresenceExpiry, and, when anything changed,
// tells the other instances, all in one transaction. It is for a shared
// database only (Shared).
// It reports whether any other instance expired.
func (db *DB) SyncPresence(ctx context.Context, added, removed []Reading) (bool, error) {
	expired, err := db.syncPresence(ctx, added, removed)
	if err != nil {
		return false, fmt.Errorf("sync presence: %w", err)
	}
	return expired, nil
}

func (db *DB) syncPresence(ctx context.Context, added, removed []Reading) (bool, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	ts := time.Now().UTC()
	if _, err := tx.ExecContext(ctx, `INSERT INTO live_instances (instance, seen_at) VALUES (?, ?)
		ON CONFLICT (instance) DO UPDATE SET seen_at = excluded.seen_at`, db.instance, ts.Format(timeFormat)); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM live_instances WHERE seen_at < ?`, ts.Add(-PresenceExpiry).Format(timeFormat))
	if err != nil {
		return false, err
	}
	expired, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	for _, r := range removed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM live_readers WHERE instance = ? AND document_id = ? AND user_id = ?`,
			db.instance, r.DocumentID, r.UserID); err != nil {
			return false, err
		}
	}
	for _, r := range added {
		// A document or account gone meanwhile adds nothing.
		if _, err := tx.ExecContext(ctx, `INSERT INTO live_readers (instance, document_id, user_id)
			SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?2) AND EXISTS (SELECT 1 FROM users WHERE id = ?3)
			ON CONFLICT DO NOTHING`, db.instance, r.DocumentID, r.UserID); err != nil {
			return false, err
		}
	}
	if len(added) > 0 || len(removed) > 0 || expired > 0 {
		if db.dialect == postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, presenceChannel, db.instance); err != nil {
				return false, err
			}
		}
	}
	return expired > 0, tx.Commit()
}

// LeavePresence removes this instance and its readers, for a clean stop.
func (db *DB) LeavePresence(ctx context.Context) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("leave presence: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM live_instances WHERE instance = ?`, db.instance)
	if err != nil {
		return fmt.Errorf("leave presence: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 && db.dialect == postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, presenceChannel, db.instance); err != nil {
			return fmt.Errorf("leave presence: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("leave presence: %w", err)
	}
	return nil
}

// OthersReading returns the users with a live stream open on the document
// through another instance that beat within PresenceExpiry.
func (db *DB) OthersReading(ctx context.Context, documentID int64) (map[int64]bool, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT DISTINCT r.user_id FROM live_readers r
		JOIN live_instances i ON i.instance = r.instance
		WHERE r.document_id = ? AND r.instance <> ? AND i.seen_at >= ?`,
		documentID, db.instance, time.Now().UTC().Add(-PresenceExpiry).Format(timeFormat))
	if err != nil {
		return nil, fmt.Errorf("others reading: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("others reading: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// PresenceNoticed returns a channel that receives when another instance
// changed its readers (on PostgreSQL; never on SQLite).
func (db *DB) PresenceNoticed() <-chan struct{} { return db.presenceWake }
