package store

// Export and import: the notes a reader takes away, and notes
// brought in from a file. The web layer reads and writes the formats and
// places imported notes on the text; here they are selected under the
// visibility rule and written in one transaction.

import (
	"context"
	"database/sql"
	"encoding/json"
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

	// QuoteImported says that Original's quote is the file's words, not
	// found word for word in the essay (an orphan or a fuzzy match): it
	// is marked as the importer's (Note.ImportedQuote).
	QuoteImported bool

	// The dates the file gives. Zero or later than the import: the
	// import's moment; Modified before Created: Created.
	Created, Modified time.Time
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
//
// The notes are marked imported, at this moment (Note.Imported,
// ImportedAt), and with allow set, the notes the author imported in its
// window, these included, may not exceed it: an *AllowanceError then,
// and nothing written.
func (db *DB) ImportNotes(ctx context.Context, authorID, documentID int64, notes []ImportNote, allow ImportAllowance) ([]ImportResult, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("import notes: %w", err)
	}
	defer tx.Rollback()
	at := time.Now().UTC()

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
			r, err := importNote(ctx, tx, authorID, documentID, cur, n, stored, at)
			if err != nil {
				return nil, fmt.Errorf("import notes: %s: %w", n.Key, err)
			}
			results[i] = r
			if n.Key != "" {
				stored[n.Key] = r.ID
			}
		}
	}
	if allow.Notes > 0 {
		// Inside the write transaction, so two imports at once cannot
		// both fit in what is left.
		written := 0
		for _, r := range results {
			if !r.Skipped {
				written++
			}
		}
		before, err := importedSince(ctx, tx, authorID, at.Add(-allow.Per), at)
		if err != nil {
			return nil, fmt.Errorf("import notes: %w", err)
		}
		if err := allow.check(before, written, at); err != nil {
			return nil, err
		}
	}
	if err := db.commit(tx); err != nil {
		return nil, fmt.Errorf("import notes: %w", err)
	}
	return results, nil
}

// ImportAllowance is how many notes one reader may import in a window of
// time: each import's new notes count, skipped ones do not, and deleting
// an imported note gives nothing back. Notes 0 means no limit (the
// command line's imports, run by whoever runs glossa).
type ImportAllowance struct {
	Notes int
	Per   time.Duration
}

// AllowanceError says that an import would go over its ImportAllowance.
// RetryAt is when enough of the window has passed for it to fit; zero
// when it never will (it alone is over the allowance).
type AllowanceError struct {
	Allowance ImportAllowance
	Used      int // notes imported in the window so far
	Want      int // notes the import would add
	RetryAt   time.Time
}

func (e *AllowanceError) Error() string {
	return fmt.Sprintf("import of %d notes: %d imported in the last %s; the allowance is %d", e.Want, e.Used, e.Allowance.Per, e.Allowance.Notes)
}

// Left is how many more notes fit in the allowance now.
func (e *AllowanceError) Left() int { return max(e.Allowance.Notes-e.Used, 0) }

// check returns an *AllowanceError when want more notes, with those
// imported at the times in before (oldest first, all within the window
// ending now), go over the allowance.
func (a ImportAllowance) check(before []time.Time, want int, now time.Time) error {
	if a.Notes <= 0 || len(before)+want <= a.Notes {
		return nil
	}
	e := &AllowanceError{Allowance: a, Used: len(before), Want: want}
	if want <= a.Notes {
		// The oldest len(before)+want-a.Notes of them must leave the
		// window first.
		e.RetryAt = before[len(before)+want-a.Notes-1].Add(a.Per)
	}
	return e
}

// CheckImportAllowance returns an *AllowanceError when authorID importing
// want more notes now would go over allow, and nil when they fit (for
// now: ImportNotes checks again as it writes). An import asks first, so
// that a file over the allowance costs no work.
func (db *DB) CheckImportAllowance(ctx context.Context, authorID int64, want int, allow ImportAllowance) error {
	if allow.Notes <= 0 {
		return nil
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("import allowance: %w", err)
	}
	defer tx.Rollback()
	at := time.Now().UTC()
	before, err := importedSince(ctx, tx, authorID, at.Add(-allow.Per), at.Add(time.Nanosecond))
	if err != nil {
		return fmt.Errorf("import allowance: %w", err)
	}
	return allow.check(before, want, at)
}

// importedSince lists when authorID imported each note in [since, until),
// oldest first.
func importedSince(ctx context.Context, tx *sql.Tx, authorID int64, since, until time.Time) ([]time.Time, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT imported_at FROM notes
		WHERE author_id = ? AND imported_at > ? AND imported_at < ?
		ORDER BY imported_at`, authorID, since.Format(timeFormat), until.Format(timeFormat))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		t, err := parseTime(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// importNote writes one note of ImportNotes, or finds it already here.
func importNote(ctx context.Context, tx *sql.Tx, authorID, documentID, curRev int64, n ImportNote, stored map[string]string, at time.Time) (ImportResult, error) {
	res := ImportResult{Key: n.Key}
	if n.Source == "" {
		return res, invalid("source", "every imported note names where it comes from")
	}
	var (
		id      string
		deleted bool
	)
	err := tx.QueryRowContext(ctx, `SELECT id, deleted_at IS NOT NULL FROM notes WHERE author_id = ? AND imported_from = ?`,
		authorID, n.Source).Scan(&id, &deleted)
	switch {
	case err == nil:
		return importedBefore(n.Key, id, deleted), nil
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
			return alreadyHere(n.Key, n.ID, gone), nil
		}
	}
	if id == "" {
		id = newNoteID()
	}

	nn := NewNote{DocumentID: documentID, AuthorID: authorID, Audience: n.Audience, GroupID: n.GroupID,
		Question: n.Question, Body: n.Body, Tags: n.Tags}
	orig, current := n.Original, n.Current
	quoteImported := n.QuoteImported && orig.Exact != ""
	if n.ParentKey != "" || n.ParentID != "" {
		quoteImported = false // a reply has its thread's target
		nn.ParentID = n.ParentID
		if n.ParentKey != "" {
			p, ok := stored[n.ParentKey]
			if !ok {
				return res, invalid("", "parent %q is not a note of this import", n.ParentKey)
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
	// The file's dates are its claim, kept (and marked imported); a date
	// after the import is no claim at all: the import's.
	created, modified := n.Created.UTC(), n.Modified.UTC()
	if created.IsZero() || created.After(at) {
		created = at
	}
	if modified.After(at) {
		modified = at
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
			id, document_id, author_id, audience, group_id, parent_id, question, body, imported_from, imported_at, imported_quote,
			orig_revision_id, orig_anchor, orig_start, orig_end, orig_exact, orig_prefix, orig_suffix, orig_block_hash,
			cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
			created_at, updated_at, version
		) VALUES (
			:id, :doc, :author, :audience, :group, :parent, :question, :body, :source, :importedAt, :importedQuote,
			:rev, :anchor, :start, :end, :exact, :prefix, :suffix, :hash,
			:crev, :canchor, :cstart, :cend, :cexact, :cprefix, :csuffix, :cstatus, :cscore,
			:created, :modified, 1
		)`,
		sql.Named("id", id), sql.Named("doc", documentID), sql.Named("author", authorID),
		sql.Named("audience", nn.Audience), sql.Named("group", group), sql.Named("parent", parent),
		sql.Named("question", nn.Question), sql.Named("body", nn.Body), sql.Named("source", n.Source),
		sql.Named("importedAt", at.Format(timeFormat)), sql.Named("importedQuote", quoteImported),
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
		return invalid("current target", "revision %d is not the document's current revision", cur.RevisionID)
	}
	curLen := 0 // the current block's length: none for an orphan
	switch cur.Status {
	case StatusExact, StatusMapped, StatusMoved, StatusFuzzy:
		var n sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT length(text) FROM blocks WHERE revision_id = ? AND anchor = ?)`,
			curRev, cur.Anchor).Scan(&n); err != nil {
			return err
		}
		if !n.Valid {
			return invalid("current target", "no block %q in the current revision", cur.Anchor)
		}
		curLen = int(n.Int64)
	case StatusOrphan:
	default:
		return invalid("current target", "unknown status %q", cur.Status)
	}
	if err := cur.Target.validate("current target"); err != nil {
		return err
	}
	if err := checkQuote(ctx, tx, cur.Target, curLen, "current target"); err != nil {
		return err
	}
	if cur.Score < 0 || cur.Score > 1 {
		return invalid("current target", "score %v is not between 0 and 1", cur.Score)
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
			return invalid("original target", "no block %q in revision %d of document %d", orig.Anchor, orig.RevisionID, documentID)
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

// importedBefore is the result for a note authorID imported before.
func importedBefore(key, id string, deleted bool) ImportResult {
	r := ImportResult{Key: key, ID: id, Skipped: true, Reason: "already imported"}
	if deleted {
		r.Reason = "already imported, and deleted since"
	}
	return r
}

// alreadyHere is the result for a note that never left this database.
func alreadyHere(key, id string, deleted bool) ImportResult {
	r := ImportResult{Key: key, ID: id, Skipped: true, Reason: "already here"}
	if deleted {
		r.Reason = "already here, and deleted since"
	}
	return r
}

// ImportedBefore finds, without writing, which notes of an import are
// here already, as ImportNotes would skip them: by Source, a note
// authorID imported before from it; by ID, a note of authorID on
// documentID with that id, never gone from this database. Both maps are
// keyed by the ImportNote's Key. An import leaves these out before doing
// any work on them (placing a note on the text is most of an import's
// cost); ImportNotes still checks every note it writes.
func (db *DB) ImportedBefore(ctx context.Context, authorID, documentID int64, notes []ImportNote) (map[string]ImportResult, error) {
	out := map[string]ImportResult{}
	if len(notes) == 0 {
		return out, nil
	}
	bySource := map[string][]string{}
	byID := map[string][]string{}
	var sources, ids []string
	for _, n := range notes {
		if n.Source != "" {
			if _, dup := bySource[n.Source]; !dup {
				sources = append(sources, n.Source)
			}
			bySource[n.Source] = append(bySource[n.Source], n.Key)
		}
		if validNoteID(n.ID) {
			if _, dup := byID[n.ID]; !dup {
				ids = append(ids, n.ID)
			}
			byID[n.ID] = append(byID[n.ID], n.Key)
		}
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("notes imported before: %w", err)
	}
	defer tx.Rollback()
	list := func(vs []string) string {
		if vs == nil {
			vs = []string{} // [], not null: json_each('null') is a row on SQLite, an error on PostgreSQL
		}
		b, _ := json.Marshal(vs)
		return string(b)
	}
	// By id first: ImportNotes asks by source first, so that answer wins.
	rows, err := tx.QueryContext(ctx, `
		SELECT id, deleted_at IS NOT NULL FROM notes
		WHERE id IN (SELECT value FROM json_each(?)) AND author_id = ? AND document_id = ?`,
		list(ids), authorID, documentID)
	if err != nil {
		return nil, fmt.Errorf("notes imported before: %w", err)
	}
	for rows.Next() {
		var (
			id   string
			gone bool
		)
		if err := rows.Scan(&id, &gone); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notes imported before: %w", err)
		}
		for _, k := range byID[id] {
			out[k] = alreadyHere(k, id, gone)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notes imported before: %w", err)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `
		SELECT imported_from, id, deleted_at IS NOT NULL FROM notes
		WHERE author_id = ? AND imported_from IN (SELECT value FROM json_each(?))`,
		authorID, list(sources))
	if err != nil {
		return nil, fmt.Errorf("notes imported before: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			src, id string
			deleted bool
		)
		if err := rows.Scan(&src, &id, &deleted); err != nil {
			return nil, fmt.Errorf("notes imported before: %w", err)
		}
		for _, k := range bySource[src] {
			out[k] = importedBefore(k, id, deleted)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notes imported before: %w", err)
	}
	return out, nil
}
