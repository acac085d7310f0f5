package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Notification tells a user of a reply to their note or a mention of them.
type Notification struct {
	ID        int64
	Kind      string // "reply" or "mention"
	Note      Note   // the reply, or the note that mentions
	CreatedAt time.Time
	Read      bool
}

// notify records, inside the transaction that wrote note id, a "reply"
// notification for the parent's author and a "mention" notification for
// each name in n.Mentions that belongs to a member of the note's group.
// Nobody is told of a note they may not see, nor of their own.
func notify(ctx context.Context, tx *sql.Tx, id string, n NewNote) error {
	vis := visibility(visRow{alias: "n", hidden: true, deleted: true})
	insert := func(kind string, userID int64) error {
		if userID == n.AuthorID {
			return nil
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO notifications (user_id, kind, note_id, created_at)
			SELECT CAST(:viewer AS BIGINT), :kind, n.id, :ts FROM notes n WHERE n.id = :id AND `+vis+`
			ON CONFLICT (user_id, kind, note_id) DO NOTHING`,
			sql.Named("viewer", userID), sql.Named("kind", kind), sql.Named("ts", now()), sql.Named("id", id))
		return err
	}
	if n.ParentID == "" && len(n.Mentions) == 0 {
		return nil // most notes: no one to tell, and no query to run
	}
	var parentAuthor sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT p.author_id FROM notes c JOIN notes p ON p.id = c.parent_id WHERE c.id = ?`, id).
		Scan(&parentAuthor); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("notify: %w", err)
	}
	if parentAuthor.Valid {
		if err := insert("reply", parentAuthor.Int64); err != nil {
			return fmt.Errorf("notify reply: %w", err)
		}
	}
	if len(n.Mentions) == 0 {
		return nil
	}
	// Each person hears once: the parent's author of the reply, not of a
	// mention too; a name mentioned twice (or spelt two ways) once.
	seen := map[int64]bool{}
	if parentAuthor.Valid {
		seen[parentAuthor.Int64] = true
	}
	for _, name := range n.Mentions {
		var userID int64
		err := tx.QueryRowContext(ctx, `
			SELECT u.id FROM users u JOIN notes n ON n.id = :id
			JOIN memberships m ON m.user_id = u.id AND m.group_id = n.group_id
			WHERE u.name_key = :key OR u.name = :name
			ORDER BY u.name = :name DESC, u.id LIMIT 1`, sql.Named("id", id), sql.Named("key", NameKey(name)), sql.Named("name", name)).Scan(&userID)
		if err == sql.ErrNoRows {
			continue // not a member of the note's group: no one to tell
		}
		if err != nil {
			return fmt.Errorf("notify mention: %w", err)
		}
		if seen[userID] {
			continue
		}
		seen[userID] = true
		if err := insert("mention", userID); err != nil {
			return fmt.Errorf("notify mention: %w", err)
		}
	}
	return nil
}

// Notifications lists userID's notifications, unread first, newest first
// within each, for notes they may still see.
func (db *DB) Notifications(ctx context.Context, userID int64, limit int) ([]Notification, error) {
	if limit <= 0 {
		limit = 200
	}
	vis, args := visibleTo(Viewer{UserID: userID})
	rows, err := db.ro.QueryContext(ctx, strings.Replace(noteSelect, "SELECT ", "SELECT nt.id, nt.kind, nt.created_at, nt.read_at IS NOT NULL, ", 1)+`
		JOIN notifications nt ON nt.note_id = n.id
		WHERE nt.user_id = :viewer AND `+vis+`
		ORDER BY nt.read_at IS NOT NULL, nt.created_at DESC, nt.id DESC
		LIMIT :limit`, append(args, sql.Named("limit", limit))...)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var (
			nt Notification
			ts string
		)
		n, err := scanNote(prefixScanner{rows, []any{&nt.ID, &nt.Kind, &ts, &nt.Read}})
		if err != nil {
			return nil, fmt.Errorf("notifications: %w", err)
		}
		nt.Note = n
		if nt.CreatedAt, err = parseTime(ts); err != nil {
			return nil, err
		}
		out = append(out, nt)
	}
	return out, rows.Err()
}

// prefixScanner scans some leading columns into its own destinations and
// hands the rest to the wrapped scan.
type prefixScanner struct {
	rows   *sql.Rows
	prefix []any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.rows.Scan(append(p.prefix[:len(p.prefix):len(p.prefix)], dest...)...)
}

// UnreadNotifications counts userID's unread notifications on notes they
// may see.
func (db *DB) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	vis, args := visibleTo(Viewer{UserID: userID})
	var n int
	err := db.ro.QueryRowContext(ctx, `SELECT count(*) FROM notifications nt JOIN notes n ON n.id = nt.note_id
		WHERE nt.user_id = :viewer AND nt.read_at IS NULL AND `+vis, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread notifications: %w", err)
	}
	return n, nil
}

// MarkNotificationsRead marks all of userID's notifications read.
func (db *DB) MarkNotificationsRead(ctx context.Context, userID int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, now(), userID); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	return db.commit(tx)
}
