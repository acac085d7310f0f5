package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EventKind says what happened to a note.
type EventKind string

const (
	EventCreated   EventKind = "created"
	EventEdited    EventKind = "edited"
	EventDeleted   EventKind = "deleted"
	EventHidden    EventKind = "hidden"
	EventRestored  EventKind = "restored"
	EventReacted   EventKind = "reacted"
	EventWithdrawn EventKind = "withdrawn" // its audience changed; sent to those who could see it before
)

// Event is one change to a note, as the live stream sends it: only ids and
// the block it concerns; the reader's page asks for the block again, through
// the same rule as every page.
type Event struct {
	ID       int64 // increasing, never reused: the SSE Last-Event-ID
	Kind     EventKind
	NoteID   string
	ParentID string // for replies
	Anchor   string
	AuthorID int64
	ActorID  int64 // who acted: the author, a reacting reader, a teacher
	At       time.Time
}

// logEvent records kind for note id, copying the note's audience columns
// as they are now, inside the writing transaction. For a deletion, hiding
// or narrowed audience, call it before the change: the copy then says who
// could see the note, and they are the ones to tell.
func logEvent(ctx context.Context, tx *sql.Tx, kind EventKind, id string, actorID int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO events (document_id, note_id, kind, anchor, author_id, audience, group_id, parent_id, actor_id, created_at)
		SELECT document_id, id, :kind, cur_anchor, author_id, audience, group_id, parent_id, :actor, :ts
		FROM notes WHERE id = :id`,
		sql.Named("kind", kind), sql.Named("ts", now()), sql.Named("id", id), sql.Named("actor", actorID))
	if err != nil {
		return fmt.Errorf("log %s event: %w", kind, err)
	}
	return nil
}

// followingCopies selects, in a statement on notes, the live copies of
// shared guide note :id that follow its words: those in groups their
// author (the original's) still teaches. A co-teacher removed from a
// group, or made a member again, no longer writes the guide there.
const followingCopies = `notes.shared_from = :id AND notes.deleted_at IS NULL
	AND EXISTS (SELECT 1 FROM memberships fm
		WHERE fm.user_id = notes.author_id AND fm.group_id = notes.group_id AND fm.role = 'teacher')`

// logCopiesEvent records kind for every copy of a shared guide note that
// follows it (followingCopies).
func logCopiesEvent(ctx context.Context, tx *sql.Tx, kind EventKind, originalID string, actorID int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO events (document_id, note_id, kind, anchor, author_id, audience, group_id, parent_id, actor_id, created_at)
		SELECT document_id, id, :kind, cur_anchor, author_id, audience, group_id, parent_id, :actor, :ts
		FROM notes WHERE `+followingCopies,
		sql.Named("kind", kind), sql.Named("ts", now()), sql.Named("id", originalID), sql.Named("actor", actorID))
	if err != nil {
		return fmt.Errorf("log %s events of copies: %w", kind, err)
	}
	return nil
}

// Events returns up to limit events of a document after afterID, oldest
// first, that v may see: the visibility rule applied to the note's
// audience as it was when the event happened (deleted since or not), with
// today's memberships; a note hidden now sends nothing but its "hidden"
// event to those it is hidden from. A reconnecting reader passes its
// Last-Event-ID and gets exactly what it missed.
func (db *DB) Events(ctx context.Context, v Viewer, documentID, afterID int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 100
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer tx.Rollback()
	vis := visibility(visRow{alias: "e"})
	// The event row does not say whether the note was hidden when the
	// event happened, so moderation is checked on the note as it is now:
	// once hidden, none of its events (an edit by its author, a reaction)
	// reach those it is hidden from, except the "hidden" one itself.
	rows, err := tx.QueryContext(ctx, `
		SELECT e.id, e.kind, e.note_id, coalesce(e.parent_id, ''), e.anchor, e.author_id, e.actor_id, e.created_at
		FROM events e JOIN notes cn ON cn.id = e.note_id
		WHERE e.document_id = :doc AND e.id > :after AND `+vis+`
		  AND (e.kind = 'hidden' OR `+notHidden("cn")+`)
		ORDER BY e.id LIMIT :limit`,
		append(viewerArgs(v), sql.Named("doc", documentID), sql.Named("after", afterID), sql.Named("limit", limit))...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var (
			e  Event
			at string
		)
		if err := rows.Scan(&e.ID, &e.Kind, &e.NoteID, &e.ParentID, &e.Anchor, &e.AuthorID, &e.ActorID, &at); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastEventID is the id of a document's newest event (0 if none): where a
// reader who just loaded the page starts listening.
func (db *DB) LastEventID(ctx context.Context, documentID int64) (int64, error) {
	var id int64
	err := db.ro.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events WHERE document_id = ?`, documentID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("last event: %w", err)
	}
	return id, nil
}
