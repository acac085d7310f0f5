package store

// Export and import (issue 5): the notes a reader takes away, and notes
// brought in from a file. The web layer reads and writes the formats and
// places imported notes on the text; here they are selected under the
// visibility rule and written in one transaction.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ExportQuery selects the notes of one document to export.
type ExportQuery struct {
	DocumentID int64
	// GroupID, when not 0, asks for the group's notes (audiences "group"
	// and "teachers", replies included): only for its teachers. When 0,
	// the viewer's own notes and replies.
	GroupID int64
}

// ExportNotes lists the notes q selects that v may see, deleted ones left
// out, in the order of Notes. A group's notes are for its teachers only
// (ErrForbidden otherwise, members and strangers alike).
//
// The visibility rule applies on top of the selection, so an export never
// holds a note its reader could not open: a teacher sees all of the
// group's notes, hidden ones included; a reader's own notes are all
// theirs to see.
func (db *DB) ExportNotes(ctx context.Context, v Viewer, q ExportQuery) ([]Note, error) {
	if v.UserID == 0 {
		return nil, fmt.Errorf("export notes of document %d: %w: sign in to export notes", q.DocumentID, ErrForbidden)
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("export notes of document %d: %w", q.DocumentID, err)
	}
	defer tx.Rollback()

	scope := `n.author_id = :viewer`
	if q.GroupID != 0 {
		if err := requireTeacher(ctx, tx, v.UserID, q.GroupID); err != nil {
			return nil, fmt.Errorf("export notes of group %d: %w", q.GroupID, err)
		}
		scope = `n.group_id = :group`
	}
	vis, args := visibleTo(v)
	rows, err := tx.QueryContext(ctx, noteSelect+`
		LEFT JOIN blocks b
		       ON n.cur_status <> 'orphan'
		      AND n.cur_revision_id = d.current_revision_id
		      AND b.revision_id = n.cur_revision_id
		      AND b.anchor = n.cur_anchor
		WHERE n.document_id = :doc AND `+scope+` AND `+vis+`
		ORDER BY b.position IS NULL, b.position, n.cur_exact <> '', n.cur_start, n.created_at, n.id`,
		append(args, sql.Named("doc", q.DocumentID), sql.Named("group", q.GroupID))...)
	if err != nil {
		return nil, fmt.Errorf("export notes of document %d: %w", q.DocumentID, err)
	}
	defer rows.Close()
	var notes []Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, fmt.Errorf("export notes of document %d: %w", q.DocumentID, err)
		}
		notes = append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export notes of document %d: %w", q.DocumentID, err)
	}
	return notes, nil
}

// ImportNote is one note of an import, already checked and placed on the
// document's current revision by the caller.
type ImportNote struct {
	// Key names the note within the import, for ParentKey and the results.
	Key string
	// ID is the id to keep (the one the note had where it was exported)
	// when it is a well-formed note id that is free here; otherwise the
	// note gets a new one.
	ID string
	// Source is where the note comes from (the annotation's IRI): it is
	// recorded, and a note of the same author and Source is never imported
	// twice.
	Source string
	// A reply names its parent: ParentKey, another note of this import, or
	// ParentID, a note already stored that the author may see. A reply
	// takes its parent's audience and target; its own are ignored, and it
	// has no tags and is no question.
	ParentKey string
	ParentID  string

	Audience Audience
	GroupID  int64
	Question bool
	Body     string
	Tags     []string // as in NewNote

	// Original and Current are the note's targets: Current on the current
	// revision, with its status and score; Original on a block of a
	// revision of the document. An orphan's Original names the block only
	// because its row must name one: its block hash is left empty, so that
	// a later publish never mistakes that block for the note's paragraph.
	Original Original
	Current  Current

	Created, Modified time.Time // zero: now; Modified before Created: Created
}

// ImportResult says what became of one ImportNote.
type ImportResult struct {
	Key string
	ID  string // the note's id: new, kept, or the one already here
	// Skipped: the note is here already, from an earlier import of the
	// same Source, or (same id, same author, same document) because it was
	// never gone. Reason says which.
	Skipped bool
	Reason  string
}

// ImportNotes writes the notes of one import by authorID into document
// documentID, all in one transaction: any error leaves nothing written.
// Notes are written in order, top-level notes before replies, each one
// logged for live readers; nobody is notified (these are old notes, not
// news to mention anyone in).
//
// Each note is checked as CreateNote checks it (audience and group
// membership, targets, tags, a reply's parent) and ErrInvalid, ErrForbidden
// or ErrNotFound is returned for the first that fails: the caller is
// expected to have left out what it knew would fail, so these mean a
// mistake or a race (the author left a group meanwhile).
func (db *DB) ImportNotes(ctx context.Context, authorID, documentID int64, notes []ImportNote) ([]ImportResult, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("import notes: %w", err)
	}
	defer tx.Rollback()

	var cur int64
	err = tx.QueryRowContext(ctx, `SELECT current_revision_id FROM documents WHERE id = ?`, documentID).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("import notes: document %d: %w", documentID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("import notes: %w", err)
	}
	results := make([]ImportResult, len(notes))
	stored := map[string]string{} // key -> id
	for pass := range 2 {
		for i, n := range notes {
			if (n.ParentKey != "" || n.ParentID != "") != (pass == 1) {
				continue
			}
			r, err := importNote(ctx, tx, authorID, documentID, cur, n, stored)
			if err != nil {
				return nil, fmt.Errorf("import notes: %s: %w", n.Key, err)
			}
			results[i] = r
			if n.Key != "" {
				stored[n.Key] = r.ID
			}
		}
	}
	if err := db.commit(tx); err != nil {
		return nil, fmt.Errorf("import notes: %w", err)
	}
	return results, nil
}

// importNote writes one note of ImportNotes, or finds it already here.
func importNote(ctx context.Context, tx *sql.Tx, authorID, documentID, curRev int64, n ImportNote, stored map[string]string) (ImportResult, error) {
	res := ImportResult{Key: n.Key}
	if n.Source == "" {
		return res, fmt.Errorf("%w: source: every imported note names where it comes from", ErrInvalid)
	}
	var (
		id      string
		deleted bool
	)
	err := tx.QueryRowContext(ctx, `SELECT id, deleted_at IS NOT NULL FROM notes WHERE author_id = ? AND imported_from = ?`,
		authorID, n.Source).Scan(&id, &deleted)
	switch {
	case err == nil:
		res.ID, res.Skipped, res.Reason = id, true, "already imported"
		if deleted {
			res.Reason = "already imported, and deleted since"
		}
		return res, nil
	case !errors.Is(err, sql.ErrNoRows):
		return res, err
	}
	id = ""
	if validNoteID(n.ID) {
		var (
			author, doc int64
			gone        bool
		)
		err := tx.QueryRowContext(ctx, `SELECT author_id, document_id, deleted_at IS NOT NULL FROM notes WHERE id = ?`, n.ID).
			Scan(&author, &doc, &gone)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id = n.ID
		case err != nil:
			return res, err
		case author == authorID && doc == documentID:
			// The note was exported from this very database and never left.
			res.ID, res.Skipped, res.Reason = n.ID, true, "already here"
			if gone {
				res.Reason = "already here, and deleted since"
			}
			return res, nil
		}
	}
	if id == "" {
		id = newNoteID()
	}

	nn := NewNote{DocumentID: documentID, AuthorID: authorID, Audience: n.Audience, GroupID: n.GroupID,
		Question: n.Question, Body: n.Body, Tags: n.Tags}
	orig, current := n.Original, n.Current
	if n.ParentKey != "" || n.ParentID != "" {
		nn.ParentID = n.ParentID
		if n.ParentKey != "" {
			p, ok := stored[n.ParentKey]
			if !ok {
				return res, fmt.Errorf("%w: parent %q is not a note of this import", ErrInvalid, n.ParentKey)
			}
			nn.ParentID = p
		}
		// Its thread may have been imported before and deleted since.
		var gone bool
		err := tx.QueryRowContext(ctx, `SELECT deleted_at IS NOT NULL FROM notes WHERE id = ?`, nn.ParentID).Scan(&gone)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return res, err
		}
		if gone {
			res.Skipped, res.Reason = true, "the note it answers was deleted here"
			return res, nil
		}
		if err := inheritParent(ctx, tx, &nn); err != nil {
			return res, fmt.Errorf("reply: %w", err)
		}
		if _, err := checkBlock(ctx, tx, documentID, &nn.Target); err != nil {
			return res, err
		}
		orig = nn.Target
		current = Current{Target: orig.Target, Status: StatusExact, Score: 1}
		nn.Tags, nn.Question = nil, false
	} else {
		if err := nn.Audience.validate(nn.GroupID); err != nil {
			return res, err
		}
		if nn.GroupID != 0 {
			if _, err := roleIn(ctx, tx, authorID, nn.GroupID); err != nil {
				return res, fmt.Errorf("group %d: %w", nn.GroupID, err)
			}
		}
		if err := checkImportTargets(ctx, tx, documentID, curRev, &orig, current); err != nil {
			return res, err
		}
	}
	tags, err := NormalizeTags(nn.Tags, MaxTagsPerNote)
	if err != nil {
		return res, err
	}
	created, modified := n.Created.UTC(), n.Modified.UTC()
	if created.IsZero() {
		created = time.Now().UTC()
	}
	if modified.Before(created) {
		modified = created
	}
	var group, parent any
	if nn.GroupID != 0 {
		group = nn.GroupID
	}
	if nn.ParentID != "" {
		parent = nn.ParentID
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO notes (
			id, document_id, author_id, audience, group_id, parent_id, question, body, imported_from,
			orig_revision_id, orig_anchor, orig_start, orig_end, orig_exact, orig_prefix, orig_suffix, orig_block_hash,
			cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
			created_at, updated_at, version
		) VALUES (
			:id, :doc, :author, :audience, :group, :parent, :question, :body, :source,
			:rev, :anchor, :start, :end, :exact, :prefix, :suffix, :hash,
			:crev, :canchor, :cstart, :cend, :cexact, :cprefix, :csuffix, :cstatus, :cscore,
			:created, :modified, 1
		)`,
		sql.Named("id", id), sql.Named("doc", documentID), sql.Named("author", authorID),
		sql.Named("audience", nn.Audience), sql.Named("group", group), sql.Named("parent", parent),
		sql.Named("question", nn.Question), sql.Named("body", nn.Body), sql.Named("source", n.Source),
		sql.Named("rev", orig.RevisionID), sql.Named("anchor", orig.Anchor),
		sql.Named("start", orig.Start), sql.Named("end", orig.End),
		sql.Named("exact", orig.Exact), sql.Named("prefix", orig.Prefix), sql.Named("suffix", orig.Suffix),
		sql.Named("hash", orig.BlockHash),
		sql.Named("crev", current.RevisionID), sql.Named("canchor", current.Anchor),
		sql.Named("cstart", current.Start), sql.Named("cend", current.End),
		sql.Named("cexact", current.Exact), sql.Named("cprefix", current.Prefix), sql.Named("csuffix", current.Suffix),
		sql.Named("cstatus", current.Status), sql.Named("cscore", current.Score),
		sql.Named("created", created.Format(timeFormat)), sql.Named("modified", modified.Format(timeFormat)))
	if err != nil {
		return res, fmt.Errorf("write note: %w", err)
	}
	if err := setTags(ctx, tx, id, tags); err != nil {
		return res, err
	}
	if err := logEvent(ctx, tx, EventCreated, id, authorID); err != nil {
		return res, err
	}
	res.ID = id
	return res, nil
}

// checkImportTargets checks an imported note's targets: the current one on
// the current revision (on one of its blocks unless orphaned), the
// original on a block of a revision of the document. It fills in the
// original's block hash, except for an orphan's (see ImportNote).
func checkImportTargets(ctx context.Context, tx *sql.Tx, documentID, curRev int64, orig *Original, cur Current) error {
	if err := orig.Target.validate("original target"); err != nil {
		return err
	}
	if cur.RevisionID != curRev {
		return fmt.Errorf("%w: current target: revision %d is not the document's current revision", ErrInvalid, cur.RevisionID)
	}
	curLen := 0 // the current block's length: none for an orphan
	switch cur.Status {
	case StatusExact, StatusMapped, StatusFuzzy:
		var n sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT length(text) FROM blocks WHERE revision_id = ? AND anchor = ?)`,
			curRev, cur.Anchor).Scan(&n); err != nil {
			return err
		}
		if !n.Valid {
			return fmt.Errorf("%w: current target: no block %q in the current revision", ErrInvalid, cur.Anchor)
		}
		curLen = int(n.Int64)
	case StatusOrphan:
	default:
		return fmt.Errorf("%w: current target: unknown status %q", ErrInvalid, cur.Status)
	}
	if err := cur.Target.validate("current target"); err != nil {
		return err
	}
	if err := checkQuote(ctx, tx, cur.Target, curLen, "current target"); err != nil {
		return err
	}
	if cur.Score < 0 || cur.Score > 1 {
		return fmt.Errorf("%w: current target: score %v is not between 0 and 1", ErrInvalid, cur.Score)
	}
	if cur.Status == StatusOrphan {
		orig.BlockHash = ""
		var n sql.NullInt64
		if err := tx.QueryRowContext(ctx, `
			SELECT (SELECT length(b.text) FROM blocks b JOIN revisions r ON r.id = b.revision_id
			        WHERE r.document_id = ? AND b.revision_id = ? AND b.anchor = ?)`,
			documentID, orig.RevisionID, orig.Anchor).Scan(&n); err != nil {
			return err
		}
		if !n.Valid {
			return fmt.Errorf("%w: original target: no block %q in revision %d of document %d", ErrInvalid, orig.Anchor, orig.RevisionID, documentID)
		}
		return checkQuote(ctx, tx, orig.Target, int(n.Int64), "original target")
	}
	origLen, err := checkBlock(ctx, tx, documentID, orig)
	if err != nil {
		return err
	}
	return checkQuote(ctx, tx, orig.Target, origLen, "original target")
}

// validNoteID reports whether id has the shape newNoteID gives.
func validNoteID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || '2' <= r && r <= '7') {
			return false
		}
	}
	return true
}

// ImportedFrom returns the id of authorID's note imported from source
// (deleted or not), or ErrNotFound: how an import finds the thread of a
// reply whose first note came in an earlier file.
func (db *DB) ImportedFrom(ctx context.Context, authorID int64, source string) (string, error) {
	var id string
	err := db.ro.QueryRowContext(ctx, `SELECT id FROM notes WHERE author_id = ? AND imported_from = ?`, authorID, source).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("note imported from %q: %w", source, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("note imported from %q: %w", source, err)
	}
	return id, nil
}
