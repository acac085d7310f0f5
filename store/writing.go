package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// WritingTo returns the audience userID chose for their new notes on
// document documentID ("Writing to" on the reading page), and the group
// it names; ok is false when they have not chosen one. The group may be
// one they have since left: the caller checks.
func (db *DB) WritingTo(ctx context.Context, userID, documentID int64) (a Audience, groupID int64, ok bool, err error) {
	var g sql.NullInt64
	err = db.ro.QueryRowContext(ctx, `SELECT audience, group_id FROM writing_to WHERE user_id = ? AND document_id = ?`,
		userID, documentID).Scan(&a, &g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, fmt.Errorf("writing to: %w", err)
	}
	return a, g.Int64, true, nil
}

// SetWritingTo remembers the audience userID writes to on document
// documentID. A group audience needs userID in the group (ErrForbidden);
// private and public take no group (ErrInvalid).
// What a reader's page offers changes with it, so it counts as a change
// (Generation): their cached pages are not served again.
func (db *DB) SetWritingTo(ctx context.Context, userID, documentID int64, a Audience, groupID int64) error {
	switch a {
	case Private, Public:
		if groupID != 0 {
			return fmt.Errorf("writing to: %w: audience %q takes no group", ErrInvalid, a)
		}
	case Teachers, Members:
		if groupID == 0 {
			return fmt.Errorf("writing to: %w: audience %q needs a group", ErrInvalid, a)
		}
	default:
		return fmt.Errorf("writing to: %w: audience %q is not one of private, public, teachers, group", ErrInvalid, a)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing to: %w", err)
	}
	defer tx.Rollback()
	var g any
	if groupID != 0 {
		var member bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?)`,
			groupID, userID).Scan(&member); err != nil {
			return fmt.Errorf("writing to: %w", err)
		}
		if !member {
			return fmt.Errorf("writing to group %d: user %d is not a member: %w", groupID, userID, ErrForbidden)
		}
		g = groupID
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO writing_to (user_id, document_id, audience, group_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, document_id) DO UPDATE SET audience = excluded.audience, group_id = excluded.group_id`,
		userID, documentID, string(a), g); err != nil {
		if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
			return fmt.Errorf("writing to: user %d, document %d: %w", userID, documentID, ErrNotFound)
		}
		return fmt.Errorf("writing to: %w", err)
	}
	if err := db.commit(tx); err != nil {
		return fmt.Errorf("writing to: %w", err)
	}
	return nil
}
