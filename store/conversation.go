package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Reaction is one of the two reactions a reader can give a note.
type Reaction string

const (
	Helpful      Reaction = "helpful"
	SameQuestion Reaction = "same" // "I have this question too"
)

// visibleNote checks, inside a transaction, that viewerID may see note id,
// and returns its head. Invisible and missing notes are both ErrNotFound.
func visibleNote(ctx context.Context, tx *sql.Tx, viewerID int64, id string) (noteHead, error) {
	vis := visibility(visRow{alias: "n", hidden: true, deleted: true})
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notes n WHERE n.id = :id AND `+vis+`)`,
		sql.Named("id", id), sql.Named("viewer", viewerID)).Scan(&ok); err != nil {
		return noteHead{}, err
	}
	if !ok {
		return noteHead{}, fmt.Errorf("note %q: %w", id, ErrNotFound)
	}
	return readHead(ctx, tx, id)
}

// React sets (on) or clears one of userID's reactions to a note they may
// see and still write in (mayWriteIn), and returns the note as they see it.
func (db *DB) React(ctx context.Context, userID int64, id string, kind Reaction, on bool) (Note, error) {
	if kind != Helpful && kind != SameQuestion {
		return Note{}, fmt.Errorf("react: %w", invalid("", "unknown reaction %q", kind))
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Note{}, fmt.Errorf("react: %w", err)
	}
	defer tx.Rollback()
	h, err := visibleNote(ctx, tx, userID, id)
	if err != nil {
		return Note{}, fmt.Errorf("react: %w", err)
	}
	if err := mayWriteIn(ctx, tx, userID, h); err != nil {
		return Note{}, fmt.Errorf("react: %w", err)
	}
	if on {
		_, err = tx.ExecContext(ctx, `INSERT INTO reactions (note_id, user_id, kind, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, id, userID, kind, now())
	} else {
		_, err = tx.ExecContext(ctx, `DELETE FROM reactions WHERE note_id = ? AND user_id = ? AND kind = ?`, id, userID, kind)
	}
	if err != nil {
		return Note{}, fmt.Errorf("react: %w", err)
	}
	if err := logEvent(ctx, tx, EventReacted, id, userID); err != nil {
		return Note{}, err
	}
	n, err := noteByID(ctx, tx, id, userID)
	if err != nil {
		return Note{}, fmt.Errorf("react: %w", err)
	}
	if err := db.commit(tx); err != nil {
		return Note{}, fmt.Errorf("react: %w", err)
	}
	return n, nil
}

// teacherOfNote checks that actorID teaches the group of note id, which
// they must be able to see, and returns its head.
func teacherOfNote(ctx context.Context, tx *sql.Tx, actorID int64, id string) (noteHead, error) {
	h, err := visibleNote(ctx, tx, actorID, id)
	if err != nil {
		return h, err
	}
	if h.groupID == 0 {
		return h, fmt.Errorf("note %q is not in a group: %w", id, ErrForbidden)
	}
	if err := requireTeacher(ctx, tx, actorID, h.groupID); err != nil {
		return h, err
	}
	return h, nil
}

// teacherWrite runs a teacher's change to a note of their group and
// returns the note as the teacher sees it.
func (db *DB) teacherWrite(ctx context.Context, what string, actorID int64, id string, f func(*sql.Tx, noteHead) error) (Note, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Note{}, fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	h, err := teacherOfNote(ctx, tx, actorID, id)
	if err != nil {
		return Note{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := f(tx, h); err != nil {
		return Note{}, fmt.Errorf("%s: %w", what, err)
	}
	n, err := noteByID(ctx, tx, id, actorID)
	if err != nil {
		return Note{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := db.commit(tx); err != nil {
		return Note{}, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

// SetResolved marks a thread resolved, or open again. Teachers of the
// note's group only.
func (db *DB) SetResolved(ctx context.Context, actorID int64, id string, resolved bool) (Note, error) {
	return db.teacherWrite(ctx, "resolve", actorID, id, func(tx *sql.Tx, h noteHead) error {
		if h.parentID != "" {
			return invalid("", "a reply is resolved with its thread; resolve %q", h.parentID)
		}
		var at any
		if resolved {
			at = now()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notes SET resolved_at = ?, version = version + 1 WHERE id = ?`, at, id); err != nil {
			return err
		}
		return logEvent(ctx, tx, EventEdited, id, actorID)
	})
}

// Accept marks replyID as the accepted answer to question id ("" clears
// it). Teachers of the note's group only; the reply must be in its thread.
func (db *DB) Accept(ctx context.Context, actorID int64, id, replyID string) (Note, error) {
	return db.teacherWrite(ctx, "accept answer", actorID, id, func(tx *sql.Tx, h noteHead) error {
		if h.parentID != "" {
			return invalid("", "answers are accepted on the question, %q", h.parentID)
		}
		if !h.question && replyID != "" {
			return invalid("", "%q is not a question; mark it as one first", id)
		}
		var accepted any
		if replyID != "" {
			rh, err := visibleNote(ctx, tx, actorID, replyID)
			if err != nil {
				return err
			}
			if rh.parentID != id {
				return invalid("", "%q is not a reply to %q", replyID, id)
			}
			accepted = replyID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notes SET accepted_id = ?, version = version + 1 WHERE id = ?`, accepted, id); err != nil {
			return err
		}
		return logEvent(ctx, tx, EventEdited, id, actorID)
	})
}

const maxReason = 1000

func validateReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case !utf8.ValidString(reason):
		return "", invalid("reason", "not valid UTF-8")
	case n == 0:
		return "", invalid("reason", "say why")
	case n > maxReason:
		return "", invalid("reason", "at most %d characters, not %d", maxReason, n)
	}
	return reason, nil
}

// Hide hides a note in its group, with a reason its author will see; the
// rest of the group no longer sees it (nor its replies). Teachers of the
// note's group only, and not their own notes.
func (db *DB) Hide(ctx context.Context, actorID int64, id, reason string) (Note, error) {
	reason, err := validateReason(reason)
	if err != nil {
		return Note{}, fmt.Errorf("hide: %w", err)
	}
	return db.teacherWrite(ctx, "hide", actorID, id, func(tx *sql.Tx, h noteHead) error {
		if h.authorID == actorID {
			return invalid("", "delete or edit your own note instead of hiding it")
		}
		// Logged before hiding: the event reaches those who saw the note.
		if err := logEvent(ctx, tx, EventHidden, id, actorID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE notes SET hidden_at = ?, hidden_by = ?, hidden_reason = ?, version = version + 1
			WHERE id = ?`, now(), actorID, reason, id)
		return err
	})
}

// Restore shows a hidden note again. Teachers of the note's group only.
func (db *DB) Restore(ctx context.Context, actorID int64, id string) (Note, error) {
	return db.teacherWrite(ctx, "restore", actorID, id, func(tx *sql.Tx, h noteHead) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notes SET hidden_at = NULL, hidden_by = NULL, hidden_reason = '', version = version + 1
			WHERE id = ?`, id); err != nil {
			return err
		}
		return logEvent(ctx, tx, EventRestored, id, actorID)
	})
}

// Flag is a member's report of a note to the group's teachers.
type Flag struct {
	ID        int64
	Note      Note
	By        User
	Reason    string
	CreatedAt time.Time
}

// FlagNote records userID's flag on a group note they may see, as a
// member of its group (a second flag by the same person replaces the
// reason).
func (db *DB) FlagNote(ctx context.Context, userID int64, id, reason string) error {
	reason, err := validateReason(reason)
	if err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	defer tx.Rollback()
	h, err := visibleNote(ctx, tx, userID, id)
	if err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	if err := mayWriteIn(ctx, tx, userID, h); err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	if h.groupID == 0 {
		return fmt.Errorf("flag: %w", invalid("", "only notes in a group can be flagged, to its teachers"))
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO flags (note_id, user_id, reason, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (note_id, user_id) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at,
			resolved_at = NULL, resolved_by = NULL`, id, userID, reason, now()); err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	return db.commit(tx)
}

// OpenFlags lists the unresolved flags on notes of a group, oldest first.
// Teachers of the group only.
func (db *DB) OpenFlags(ctx context.Context, actorID, groupID int64) ([]Flag, error) {
	if err := requireTeacher(ctx, db.ro, actorID, groupID); err != nil {
		return nil, fmt.Errorf("open flags: %w", err)
	}
	vis, args := visibleTo(Viewer{UserID: actorID})
	rows, err := db.ro.QueryContext(ctx, noteSelect+`
		JOIN flags f ON f.note_id = n.id
		WHERE n.group_id = :group AND f.resolved_at IS NULL AND `+vis+`
		ORDER BY f.created_at, f.id`,
		append(args, sql.Named("group", groupID))...)
	if err != nil {
		return nil, fmt.Errorf("open flags: %w", err)
	}
	var notes []Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("open flags: %w", err)
		}
		notes = append(notes, n)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	// The flags themselves, in the same order.
	frows, err := db.ro.QueryContext(ctx, `
		SELECT f.id, f.note_id, u.id, u.name, u.created_at, f.reason, f.created_at
		FROM flags f JOIN users u ON u.id = f.user_id JOIN notes n ON n.id = f.note_id
		WHERE n.group_id = ? AND f.resolved_at IS NULL ORDER BY f.created_at, f.id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("open flags: %w", err)
	}
	defer frows.Close()
	byID := map[string]Note{}
	for _, n := range notes {
		byID[n.ID] = n
	}
	var out []Flag
	for frows.Next() {
		var (
			f        Flag
			noteID   string
			uts, fts string
		)
		if err := frows.Scan(&f.ID, &noteID, &f.By.ID, &f.By.Name, &uts, &f.Reason, &fts); err != nil {
			return nil, fmt.Errorf("open flags: %w", err)
		}
		n, ok := byID[noteID]
		if !ok {
			continue // deleted since
		}
		f.Note = n
		f.By.CreatedAt, _ = parseTime(uts)
		f.CreatedAt, _ = parseTime(fts)
		out = append(out, f)
	}
	return out, frows.Err()
}

// ResolveFlag closes a flag. Teachers of the flagged note's group only.
func (db *DB) ResolveFlag(ctx context.Context, actorID, flagID int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("resolve flag: %w", err)
	}
	defer tx.Rollback()
	var groupID sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT n.group_id FROM flags f JOIN notes n ON n.id = f.note_id WHERE f.id = ?`, flagID).Scan(&groupID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("resolve flag %d: %w", flagID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("resolve flag %d: %w", flagID, err)
	}
	if err := requireTeacher(ctx, tx, actorID, groupID.Int64); err != nil {
		if _, merr := roleIn(ctx, tx, actorID, groupID.Int64); merr != nil {
			// An outsider learns nothing, not even that the flag exists.
			return fmt.Errorf("resolve flag %d: %w", flagID, ErrNotFound)
		}
		return fmt.Errorf("resolve flag %d: %w", flagID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE flags SET resolved_at = ?, resolved_by = ? WHERE id = ?`, now(), actorID, flagID); err != nil {
		return fmt.Errorf("resolve flag %d: %w", flagID, err)
	}
	return db.commit(tx)
}

// ShareGuide copies a guide note (a group note by one of the group's
// teachers, not a reply) into every other group its author teaches that
// has no copy yet. Copies follow the original's words and go with it when
// it is deleted; each gathers its own group's replies. It returns the
// copies made.
func (db *DB) ShareGuide(ctx context.Context, actorID int64, id string) ([]Note, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("share guide note: %w", err)
	}
	defer tx.Rollback()
	h, err := authorsNote(ctx, tx, actorID, id, 0)
	if err != nil {
		return nil, fmt.Errorf("share guide note %q: %w", id, err)
	}
	if h.parentID != "" || h.audience != Members {
		return nil, fmt.Errorf("share guide note %q: %w", id, invalid("", "only a note to a whole group can be shared"))
	}
	// A copy is shared through its original: sharing the copy would put a
	// second copy into the original's group.
	var sharedFrom sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT shared_from FROM notes WHERE id = ?`, id).Scan(&sharedFrom); err != nil {
		return nil, fmt.Errorf("share guide note %q: %w", id, err)
	}
	if sharedFrom.Valid {
		return nil, fmt.Errorf("share guide note %q: %w", id, invalid("", "it is a copy; share the original, %q", sharedFrom.String))
	}
	if err := requireTeacher(ctx, tx, actorID, h.groupID); err != nil {
		return nil, fmt.Errorf("share guide note %q: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT m.group_id FROM memberships m
		WHERE m.user_id = :actor AND m.role = 'teacher' AND m.group_id <> :group
		  AND NOT EXISTS (SELECT 1 FROM notes c WHERE c.shared_from = :id AND c.group_id = m.group_id AND c.deleted_at IS NULL)
		ORDER BY m.group_id`,
		sql.Named("actor", actorID), sql.Named("group", h.groupID), sql.Named("id", id))
	if err != nil {
		return nil, fmt.Errorf("share guide note %q: %w", id, err)
	}
	var groups []int64
	for rows.Next() {
		var g int64
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return nil, err
		}
		groups = append(groups, g)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	var src Note
	if src, err = noteByID(ctx, tx, id, actorID); err != nil {
		return nil, err
	}
	var copies []Note
	for _, g := range groups {
		cid := newNoteID()
		nn := NewNote{DocumentID: src.DocumentID, AuthorID: actorID, Audience: Members, GroupID: g,
			Question: src.Question, Body: src.Body}
		orig := Original{Target: src.Current.Target, BlockHash: ""}
		if src.Current.Status == StatusOrphan {
			orig = src.Original
		}
		orig.BlockHash = ""
		if _, err := checkBlock(ctx, tx, src.DocumentID, &orig); err != nil {
			return nil, fmt.Errorf("share guide note %q: %w", id, err)
		}
		if err := insertNote(ctx, tx, cid, nn, orig, id, now()); err != nil {
			return nil, fmt.Errorf("share guide note %q: %w", id, err)
		}
		if err := logEvent(ctx, tx, EventCreated, cid, actorID); err != nil {
			return nil, err
		}
		c, err := noteByID(ctx, tx, cid, actorID)
		if err != nil {
			return nil, err
		}
		copies = append(copies, c)
	}
	if err := db.commit(tx); err != nil {
		return nil, fmt.Errorf("share guide note %q: %w", id, err)
	}
	return copies, nil
}
