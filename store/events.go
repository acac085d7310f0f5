package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	ID       int64 // its number in its document's log (nextEvent): the SSE Last-Event-ID
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
//
// It is the one place that numbers events (nextEvent), on both databases.
func logEvent(ctx context.Context, tx *sql.Tx, kind EventKind, id string, actorID int64) error {
	doc, seq, err := nextEvent(ctx, tx, id)
	if err != nil {
		return fmt.Errorf("log %s event: %w", kind, err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO events (document_id, seq, note_id, kind, anchor, author_id, audience, group_id, parent_id, actor_id, created_at)
		SELECT :doc, :seq, id, :kind, cur_anchor, author_id, audience, group_id, parent_id, :actor, :ts
		FROM notes WHERE id = :id`,
		sql.Named("doc", doc), sql.Named("seq", seq),
		sql.Named("kind", kind), sql.Named("ts", now()), sql.Named("id", id), sql.Named("actor", actorID))
	if err != nil {
		return fmt.Errorf("log %s event: %w", kind, err)
	}
	return nil
}

// nextEvent takes the next number in the event log of note id's document
// (Event.ID): one more than the document's counter, which it moves on.
//
// A live stream reads a document's events after the last number it saw,
// so a number must never become visible before a smaller one of the same
// document. The UPDATE keeps the document's row locked until the
// transaction ends (on PostgreSQL a row lock, on SQLite the one writer),
// so a second writer of the same document waits here until the first has
// committed or rolled back, and takes the number after: numbers become
// visible in order, whatever else the writers do, and unlike a sequence
// (drawn before the commit, so two writers can commit them out of order)
// none is skipped by a reader. The counter, not max(seq)+1, so that a
// number is never reused when a note's events go with it.
func nextEvent(ctx context.Context, tx *sql.Tx, noteID string) (doc, seq int64, err error) {
	err = tx.QueryRowContext(ctx, `
		UPDATE documents SET last_event = last_event + 1
		WHERE id = (SELECT document_id FROM notes WHERE id = ?)
		RETURNING id, last_event`, noteID).Scan(&doc, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("note %s: %w", noteID, ErrNotFound)
	}
	return doc, seq, err
}

// followingCopies selects, in a statement on notes, the live copies of
// shared guide note :id that follow its words: those in groups their
// author (the original's) still teaches. A co-teacher removed from a
// group, or made a member again, no longer writes the guide there.
const followingCopies = `notes.shared_from = :id AND notes.deleted_at IS NULL
	AND EXISTS (SELECT 1 FROM memberships fm
		WHERE fm.user_id = notes.author_id AND fm.group_id = notes.group_id AND fm.role = 'teacher')`

// logCopiesEvent records kind for every copy of a shared guide note that
// follows it (followingCopies), each numbered by logEvent.
func logCopiesEvent(ctx context.Context, tx *sql.Tx, kind EventKind, originalID string, actorID int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM notes WHERE `+followingCopies+` ORDER BY id`, sql.Named("id", originalID))
	if err != nil {
		return fmt.Errorf("log %s events of copies: %w", kind, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("log %s events of copies: %w", kind, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("log %s events of copies: %w", kind, err)
	}
	for _, id := range ids {
		if err := logEvent(ctx, tx, kind, id, actorID); err != nil {
			return err
		}
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
	rows, err := tx.QueryContext(ctx, eventSelect+`
		JOIN notes cn ON cn.id = e.note_id
		WHERE e.document_id = :doc AND e.seq > :after AND `+eventVisible("")+`
		ORDER BY e.seq LIMIT :limit`,
		append(viewerArgs(v), sql.Named("doc", documentID), sql.Named("after", afterID), sql.Named("limit", limit))...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return out, nil
}

// eventVisible is the visibility rule for an event row aliased e, joined
// to its note as cn, for the viewer whose id is the SQL expression u (""
// for :viewer). The event row does not say whether the note was hidden
// when the event happened, so moderation is checked on the note as it is
// now: once hidden, none of its events (an edit by its author, a
// reaction) reach those it is hidden from, except the "hidden" one
// itself.
func eventVisible(u string) string {
	return visibility(visRow{alias: "e", viewer: u}) + `
		  AND (e.kind = 'hidden' OR ` + notHidden("cn", cmp.Or(u, ":viewer")) + `)`
}

const eventSelect = `
	SELECT e.seq, e.kind, e.note_id, coalesce(e.parent_id, ''), e.anchor, e.author_id, e.actor_id, e.created_at
	FROM events e`

func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var (
			e  Event
			at string
		)
		if err := rows.Scan(&e.ID, &e.Kind, &e.NoteID, &e.ParentID, &e.Anchor, &e.AuthorID, &e.ActorID, &at); err != nil {
			return nil, err
		}
		var err error
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventWindow is a stretch of a document's event log and, for each of its
// events, which of the viewers asked about may see it (EventsFor).
type EventWindow struct {
	// Last is the id of the window's last event, whoever may see it (0
	// when the window is empty); Full says the window holds as many
	// events as were asked for, so more may follow.
	Last int64
	Full bool
	// Events are the window's events that at least one of the viewers may
	// see, oldest first; Seen[i] lists those viewers, as indexes into the
	// viewers EventsFor was given, in increasing order.
	Events []Event
	Seen   [][]int
}

// EventsFor is Events for many viewers at once: it reads the document's
// log after afterID, up to limit events whoever may see them, and asks
// the visibility rule, in one statement, which of viewers may see each
// event, with the memberships of now. A live stream of each viewer then
// sends Events[i] when its viewer is in Seen[i] and moves past Last. The
// rule is the one Events applies, evaluated for each (event, viewer)
// pair: it takes the viewer from a column of the viewers' list instead of
// the :viewer parameter, so the answer for a viewer is Events' answer.
// The work grows with the number of events times the number of viewers,
// in one statement, instead of one statement per viewer.
func (db *DB) EventsFor(ctx context.Context, viewers []Viewer, documentID, afterID int64, limit int) (EventWindow, error) {
	if limit <= 0 {
		limit = 100
	}
	var w EventWindow
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return w, fmt.Errorf("events for viewers: %w", err)
	}
	defer tx.Rollback()
	// One transaction: the window and the rule see the same state.
	rows, err := tx.QueryContext(ctx, eventSelect+`
		WHERE e.document_id = :doc AND e.seq > :after
		ORDER BY e.seq LIMIT :limit`,
		sql.Named("doc", documentID), sql.Named("after", afterID), sql.Named("limit", limit))
	if err != nil {
		return w, fmt.Errorf("events for viewers: %w", err)
	}
	window, err := scanEvents(rows)
	if err != nil {
		return w, fmt.Errorf("events for viewers: %w", err)
	}
	if len(window) == 0 {
		return w, nil
	}
	w.Last, w.Full = window[len(window)-1].ID, len(window) == limit
	if len(viewers) == 0 {
		return w, nil
	}
	ids := make([]int64, len(viewers))
	for i, v := range viewers {
		ids[i] = v.UserID
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return w, fmt.Errorf("events for viewers: %w", err)
	}
	// v is the viewers' list, one row per viewer (json_each's key is the
	// index, its value the user id, cast for PostgreSQL, whose json_each
	// gives text); CROSS JOIN keeps it the inner loop,
	// so each event's row and note are found once.
	rows, err = tx.QueryContext(ctx, `
		SELECT e.seq, v.key
		FROM events e JOIN notes cn ON cn.id = e.note_id CROSS JOIN json_each(:viewers) v
		WHERE e.document_id = :doc AND e.seq > :after AND e.seq <= :last AND `+eventVisible("CAST(v.value AS BIGINT)")+`
		ORDER BY e.seq, v.key`,
		sql.Named("viewers", string(list)), sql.Named("doc", documentID), sql.Named("after", afterID), sql.Named("last", w.Last))
	if err != nil {
		return w, fmt.Errorf("events for viewers: %w", err)
	}
	defer rows.Close()
	next := 0 // the window's events are in id order, as the pairs are
	for rows.Next() {
		var (
			id int64
			i  int
		)
		if err := rows.Scan(&id, &i); err != nil {
			return w, fmt.Errorf("events for viewers: %w", err)
		}
		if n := len(w.Events); n == 0 || w.Events[n-1].ID != id {
			for next < len(window) && window[next].ID != id {
				next++
			}
			if next == len(window) {
				return w, fmt.Errorf("events for viewers: event %d is not in the window", id)
			}
			w.Events = append(w.Events, window[next])
			w.Seen = append(w.Seen, nil)
		}
		w.Seen[len(w.Seen)-1] = append(w.Seen[len(w.Seen)-1], i)
	}
	if err := rows.Err(); err != nil {
		return w, fmt.Errorf("events for viewers: %w", err)
	}
	return w, nil
}

// LastEventID is the id of a document's newest event (0 if none): where a
// reader who just loaded the page starts listening.
func (db *DB) LastEventID(ctx context.Context, documentID int64) (int64, error) {
	var id int64
	err := db.ro.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events WHERE document_id = ?`, documentID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("last event: %w", err)
	}
	return id, nil
}
