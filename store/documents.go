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

// Block is an anchorable block of a revision, as stored.
type Block struct {
	Position int
	Anchor   string
	Hash     string
	Text     string
}

// Revision is one published source of a document.
type Revision struct {
	ID          int64
	DocumentID  int64
	Number      int // 1, 2, … per document
	SourceHash  string
	Source      []byte  // nil in listings
	Blocks      []Block // nil in listings
	PublishedAt time.Time
	// Changes is what this revision changed in the blocks of the one
	// before; nil for a document's first revision.
	Changes *BlockChanges
	// Origin is where its source came from: OriginEmbedded, or the
	// absolute path of a content folder; "" when it is not known (a
	// revision published before glossa recorded it).
	Origin string
}

// RevisionNumbers maps each revision's id to its number, for the current
// revision and the ones before it: a note's target names its revision by
// id, and pages and files show the number.
func RevisionNumbers(current Revision, earlier []Revision) map[int64]int {
	m := make(map[int64]int, len(earlier)+1)
	for _, r := range earlier {
		m[r.ID] = r.Number
	}
	m[current.ID] = current.Number
	return m
}

// OriginEmbedded is the origin of the essays built into glossa.
const OriginEmbedded = "embedded"

// OriginName says where a revision came from, in words.
func OriginName(origin string) string {
	switch origin {
	case OriginEmbedded:
		return "the embedded essays"
	case "":
		return "an unknown source"
	}
	return "the folder " + origin
}

// BlockChanges counts what a publish did to a document's blocks, after
// aligning them with the previous revision's (docs/anchoring.md).
type BlockChanges struct {
	Unchanged, Edited, Inserted, Deleted int
}

// revisionColumns are the columns revScan reads.
const revisionColumns = `id, document_id, number, source_hash, published_at,
	blocks_unchanged, blocks_edited, blocks_inserted, blocks_deleted, coalesce(origin, '')`

// revScan scans revisionColumns into a Revision.
type revScan struct {
	r         Revision
	published string
	changes   [4]sql.NullInt64
}

func (s *revScan) dest(extra ...any) []any {
	return append([]any{&s.r.ID, &s.r.DocumentID, &s.r.Number, &s.r.SourceHash, &s.published,
		&s.changes[0], &s.changes[1], &s.changes[2], &s.changes[3], &s.r.Origin}, extra...)
}

func (s *revScan) revision() (Revision, error) {
	var err error
	if s.r.PublishedAt, err = parseTime(s.published); err != nil {
		return Revision{}, err
	}
	if s.changes[0].Valid {
		s.r.Changes = &BlockChanges{
			Unchanged: int(s.changes[0].Int64), Edited: int(s.changes[1].Int64),
			Inserted: int(s.changes[2].Int64), Deleted: int(s.changes[3].Int64),
		}
	}
	return s.r, nil
}

// Document is a document with its current revision (source and blocks
// loaded).
type Document struct {
	ID      int64
	Slug    string
	Title   string
	Current Revision
}

// Document returns the document with its current revision, or ErrNotFound.
func (db *DB) Document(ctx context.Context, slug string) (Document, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return Document{}, fmt.Errorf("document %q: %w", slug, err)
	}
	defer tx.Rollback()

	var (
		d     = Document{Slug: slug}
		revID sql.NullInt64
	)
	err = tx.QueryRowContext(ctx, `SELECT id, title, current_revision_id FROM documents WHERE slug = ?`, slug).
		Scan(&d.ID, &d.Title, &revID)
	// A document without a current revision exists only inside the
	// transaction that creates it, so this cannot be seen; treat it as absent.
	if errors.Is(err, sql.ErrNoRows) || err == nil && !revID.Valid {
		return Document{}, fmt.Errorf("document %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return Document{}, fmt.Errorf("document %q: %w", slug, err)
	}
	if d.Current, err = revision(ctx, tx, `WHERE id = ?`, revID.Int64); err != nil {
		return Document{}, fmt.Errorf("document %q: %w", slug, err)
	}
	return d, nil
}

// Revision returns revision number n of a document, source and blocks
// loaded, or ErrNotFound.
func (db *DB) Revision(ctx context.Context, documentID int64, n int) (Revision, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return Revision{}, fmt.Errorf("revision %d of document %d: %w", n, documentID, err)
	}
	defer tx.Rollback()

	r, err := revision(ctx, tx, `WHERE document_id = ? AND number = ?`, documentID, n)
	if err != nil {
		return Revision{}, fmt.Errorf("revision %d of document %d: %w", n, documentID, err)
	}
	return r, nil
}

// revision loads the one revision matching where, with its source and
// blocks, or returns ErrNotFound.
func revision(ctx context.Context, tx *sql.Tx, where string, args ...any) (Revision, error) {
	var (
		sc     revScan
		source []byte
	)
	err := tx.QueryRowContext(ctx, `SELECT `+revisionColumns+`, source FROM revisions `+where, args...).
		Scan(sc.dest(&source)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Revision{}, ErrNotFound
	}
	if err != nil {
		return Revision{}, err
	}
	r, err := sc.revision()
	if err != nil {
		return Revision{}, err
	}
	r.Source = source
	if r.Source == nil {
		r.Source = []byte{} // loaded, just empty: nil means "not loaded"
	}

	rows, err := tx.QueryContext(ctx, `
		SELECT position, anchor, hash, text FROM blocks
		WHERE revision_id = ? ORDER BY position`, r.ID)
	if err != nil {
		return Revision{}, err
	}
	defer rows.Close()
	r.Blocks = []Block{}
	for rows.Next() {
		var b Block
		if err := rows.Scan(&b.Position, &b.Anchor, &b.Hash, &b.Text); err != nil {
			return Revision{}, err
		}
		r.Blocks = append(r.Blocks, b)
	}
	if err := rows.Err(); err != nil {
		return Revision{}, err
	}
	return r, nil
}

// Revisions lists a document's revisions, oldest first, without source or
// blocks. A document that does not exist has none.
func (db *DB) Revisions(ctx context.Context, documentID int64) ([]Revision, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("revisions of document %d: %w", documentID, err)
	}
	defer tx.Rollback()

	rows, err := tx.QueryContext(ctx, `
		SELECT `+revisionColumns+` FROM revisions WHERE document_id = ? ORDER BY number`, documentID)
	if err != nil {
		return nil, fmt.Errorf("revisions of document %d: %w", documentID, err)
	}
	defer rows.Close()
	var revs []Revision
	for rows.Next() {
		var sc revScan
		if err := rows.Scan(sc.dest()...); err != nil {
			return nil, fmt.Errorf("revisions of document %d: %w", documentID, err)
		}
		r, err := sc.revision()
		if err != nil {
			return nil, fmt.Errorf("revisions of document %d: %w", documentID, err)
		}
		revs = append(revs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("revisions of document %d: %w", documentID, err)
	}
	return revs, nil
}

// Publication is a document source to make current.
type Publication struct {
	Slug       string
	Title      string
	SourceHash string
	Source     []byte
	// Origin is where Source came from (see Revision.Origin); "" is
	// stored as unknown.
	Origin string
	Blocks []Block
	// Changes is what this revision changes in the previous one's blocks;
	// ignored for a document's first revision.
	Changes BlockChanges
	// Retarget is called inside the publishing transaction for every
	// note (not reply) whose current target is on the previous current
	// revision, and returns the note's current target on the new revision;
	// replies then take their note's. nil marks them all orphans. It must
	// not touch the database.
	//
	// Publish sets the returned RevisionID to the new revision's id,
	// whatever the callback left there (0 or the old id): the id is assigned
	// inside the transaction, so the callback cannot know it. A status other
	// than orphan must name an anchor of the new revision, and Exact must be
	// End-Start code points long (whole block: "" with 0, 0); a Current that
	// breaks these fails the whole publish.
	Retarget func(orig Original, cur Current) Current
}

// Publish creates the document if needed and, unless its current revision
// already has p.SourceHash, stores p as a new revision with its blocks, makes
// it current and retargets the notes, all in one transaction. It returns the
// current revision and whether a new one was published.
//
// The title is updated with each new revision. A source equal to an older,
// non-current revision becomes a new revision (a new number), not a return
// to the old one. Retargeted notes get Version+1 (their representation
// changed, so their ETag must) but keep UpdatedAt, which records the
// author's edits. The returned revision has its source and blocks loaded.
func (db *DB) Publish(ctx context.Context, p Publication) (Revision, bool, error) {
	if err := p.validate(); err != nil {
		return Revision{}, false, fmt.Errorf("publish %q: %w", p.Slug, err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Revision{}, false, fmt.Errorf("publish %q: %w", p.Slug, err)
	}
	defer tx.Rollback()

	rev, published, err := publish(ctx, tx, db.dialect, p)
	if err != nil {
		return Revision{}, false, fmt.Errorf("publish %q: %w", p.Slug, err)
	}
	if !published {
		return rev, false, nil // nothing written; the deferred rollback ends the transaction
	}
	if err := db.commit(tx); err != nil {
		return Revision{}, false, fmt.Errorf("publish %q: %w", p.Slug, err)
	}
	return rev, true, nil
}

func (p Publication) validate() error {
	switch {
	case p.Slug == "":
		return invalid("", "slug is empty")
	case p.SourceHash == "":
		return invalid("", "source hash is empty")
	}
	anchors := make(map[string]bool, len(p.Blocks))
	positions := make(map[int]bool, len(p.Blocks))
	for i, b := range p.Blocks {
		switch {
		case b.Anchor == "":
			return invalid("", "block %d: anchor is empty", i)
		case anchors[b.Anchor]:
			return invalid("", "block %d: anchor %q appears twice", i, b.Anchor)
		case b.Position < 0:
			return invalid("", "block %d: position %d is negative", i, b.Position)
		case positions[b.Position]:
			return invalid("", "block %d: position %d appears twice", i, b.Position)
		}
		anchors[b.Anchor] = true
		positions[b.Position] = true
	}
	return nil
}

// publish does Publish's work inside tx. published is false when the current
// revision already has p's source hash; then nothing has been written.
func publish(ctx context.Context, tx *sql.Tx, d dialect, p Publication) (rev Revision, published bool, err error) {
	var (
		docID  int64
		prevID sql.NullInt64
	)
	err = tx.QueryRowContext(ctx, `SELECT id, current_revision_id FROM documents WHERE slug = ?`, p.Slug).
		Scan(&docID, &prevID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// current_revision_id stays NULL until the first revision exists.
		err = tx.QueryRowContext(ctx, `INSERT INTO documents (slug, title) VALUES (?, ?) RETURNING id`,
			p.Slug, p.Title).Scan(&docID)
		if err != nil {
			return Revision{}, false, fmt.Errorf("create document: %w", err)
		}
	case err != nil:
		return Revision{}, false, err
	case prevID.Valid:
		cur, err := revision(ctx, tx, `WHERE id = ?`, prevID.Int64)
		if err != nil {
			return Revision{}, false, fmt.Errorf("current revision: %w", err)
		}
		if cur.SourceHash == p.SourceHash {
			return cur, false, nil
		}
	}

	rev = Revision{
		DocumentID: docID,
		SourceHash: p.SourceHash,
		Source:     p.Source,
		Blocks:     p.Blocks,
	}
	if rev.Source == nil {
		rev.Source = []byte{} // the driver would bind nil as NULL
	}
	var (
		publishedAt string
		changes     [4]any // NULL on a first revision
	)
	if prevID.Valid {
		c := p.Changes
		changes = [4]any{c.Unchanged, c.Edited, c.Inserted, c.Deleted}
	}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO revisions (document_id, number, source_hash, source, published_at,
			blocks_unchanged, blocks_edited, blocks_inserted, blocks_deleted, origin)
		VALUES (?1, (SELECT coalesce(max(number), 0) + 1 FROM revisions WHERE document_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
		RETURNING id, number, published_at`,
		docID, rev.SourceHash, rev.Source, now(), changes[0], changes[1], changes[2], changes[3], nullString(p.Origin)).
		Scan(&rev.ID, &rev.Number, &publishedAt)
	if err != nil {
		return Revision{}, false, fmt.Errorf("insert revision: %w", err)
	}
	if rev.PublishedAt, err = parseTime(publishedAt); err != nil {
		return Revision{}, false, err
	}

	stmt, err := tx.PrepareContext(ctx, `INSERT INTO blocks (revision_id, position, anchor, hash, text) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return Revision{}, false, fmt.Errorf("insert blocks: %w", err)
	}
	defer stmt.Close()
	for _, b := range p.Blocks {
		if _, err := stmt.ExecContext(ctx, rev.ID, b.Position, b.Anchor, b.Hash, b.Text); err != nil {
			return Revision{}, false, fmt.Errorf("insert block %q: %w", b.Anchor, err)
		}
	}

	if prevID.Valid {
		if err := retarget(ctx, tx, d, prevID.Int64, rev.ID, p); err != nil {
			return Revision{}, false, err
		}
	}

	if _, err := tx.ExecContext(ctx, `UPDATE documents SET current_revision_id = ?, title = ? WHERE id = ?`,
		rev.ID, p.Title, docID); err != nil {
		return Revision{}, false, fmt.Errorf("make revision current: %w", err)
	}

	// Return blocks as stored and as Revision reads them: in position order,
	// in a slice of our own.
	if rev, err = revision(ctx, tx, `WHERE id = ?`, rev.ID); err != nil {
		return Revision{}, false, err
	}
	return rev, true, nil
}

// retarget moves the notes whose current target is on revision prevID to
// revision newID, through p.Retarget.
func retarget(ctx context.Context, tx *sql.Tx, d dialect, prevID, newID int64, p Publication) error {
	type pending struct {
		id   string
		orig Original
		cur  Current
	}
	// Read them all before writing: an UPDATE while the SELECT's rows are
	// still open on the same connection would be fragile.
	rows, err := tx.QueryContext(ctx, `
		SELECT id,
		       orig_revision_id, orig_anchor, orig_start, orig_end, orig_exact, orig_prefix, orig_suffix, orig_block_hash,
		       cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score
		FROM notes WHERE cur_revision_id = ? AND parent_id IS NULL ORDER BY id`, prevID)
	if err != nil {
		return fmt.Errorf("notes to retarget: %w", err)
	}
	defer rows.Close()
	var notes []pending
	for rows.Next() {
		var n pending
		o, c := &n.orig, &n.cur
		if err := rows.Scan(&n.id,
			&o.RevisionID, &o.Anchor, &o.Start, &o.End, &o.Exact, &o.Prefix, &o.Suffix, &o.BlockHash,
			&c.RevisionID, &c.Anchor, &c.Start, &c.End, &c.Exact, &c.Prefix, &c.Suffix, &c.Status, &c.Score,
		); err != nil {
			return fmt.Errorf("notes to retarget: %w", err)
		}
		notes = append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("notes to retarget: %w", err)
	}
	rows.Close()
	if len(notes) == 0 {
		return nil
	}

	anchors := make(map[string]bool, len(p.Blocks))
	for _, b := range p.Blocks {
		anchors[b.Anchor] = true
	}
	// The new targets go into a temporary table, many rows per statement,
	// then into notes with one UPDATE: one statement per note would spend
	// most of a publish crossing from Go into SQLite and back.
	// The table is the connection's own (TEMP) on both databases, and
	// named without its schema, which SQLite calls temp and PostgreSQL
	// pg_temp: both look there first.
	create := `
		CREATE TEMP TABLE IF NOT EXISTS retargets (
			id TEXT PRIMARY KEY, anchor TEXT, start INTEGER, "end" INTEGER,
			exact TEXT, prefix TEXT, suffix TEXT, status TEXT, score REAL
		)`
	if d == sqlite {
		create += ` WITHOUT ROWID`
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("retarget notes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM retargets`); err != nil {
		return fmt.Errorf("retarget notes: %w", err)
	}
	const batch = 100 // rows per INSERT: 900 parameters, under SQLite's limit
	args := make([]any, 0, batch*9)
	flush := func(rows int) error {
		if rows == 0 {
			return nil
		}
		q := `INSERT INTO retargets VALUES ` + strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?),`, rows-1) + `(?, ?, ?, ?, ?, ?, ?, ?, ?)`
		_, err := tx.ExecContext(ctx, q, args...)
		args = args[:0]
		return err
	}
	for k, n := range notes {
		var c Current
		if p.Retarget == nil {
			// Lost, not deleted: keep the anchor and quote it last had.
			c = n.cur
			c.Status, c.Score = StatusOrphan, 0
		} else {
			c = p.Retarget(n.orig, n.cur)
		}
		c.RevisionID = newID
		if err := c.validate(anchors); err != nil {
			return fmt.Errorf("retarget note %s: %w", n.id, err)
		}
		args = append(args, n.id, c.Anchor, c.Start, c.End, c.Exact, c.Prefix, c.Suffix, c.Status, c.Score)
		if (k+1)%batch == 0 {
			if err := flush(batch); err != nil {
				return fmt.Errorf("retarget notes: %w", err)
			}
		}
	}
	if err := flush(len(notes) % batch); err != nil {
		return fmt.Errorf("retarget notes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE notes SET
			cur_revision_id = ?, cur_anchor = r.anchor, cur_start = r.start, cur_end = r."end",
			cur_exact = r.exact, cur_prefix = r.prefix, cur_suffix = r.suffix,
			cur_status = r.status, cur_score = r.score, version = notes.version + 1
		FROM retargets r WHERE notes.id = r.id`, newID); err != nil {
		return fmt.Errorf("retarget notes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM retargets`); err != nil {
		return fmt.Errorf("retarget notes: %w", err)
	}
	// Replies sit where their note sits.
	if _, err := tx.ExecContext(ctx, `
		UPDATE notes SET version = notes.version + 1,
			cur_revision_id = p.cur_revision_id, cur_anchor = p.cur_anchor, cur_start = p.cur_start,
			cur_end = p.cur_end, cur_exact = p.cur_exact, cur_prefix = p.cur_prefix, cur_suffix = p.cur_suffix,
			cur_status = p.cur_status, cur_score = p.cur_score
		FROM notes p WHERE p.id = notes.parent_id AND notes.cur_revision_id = ?`, prevID); err != nil {
		return fmt.Errorf("retarget replies: %w", err)
	}
	return nil
}

// validate checks a Current that Retarget returned for the new revision,
// whose blocks have the given anchors.
func (c Current) validate(anchors map[string]bool) error {
	switch c.Status {
	case StatusExact, StatusMapped, StatusMoved, StatusFuzzy:
		if !anchors[c.Anchor] {
			return invalid("", "status %s but anchor %q is not in the new revision", c.Status, c.Anchor)
		}
	case StatusOrphan:
	default:
		return invalid("", "unknown status %q", c.Status)
	}
	return c.Target.validate("current target")
}

// validate checks a target's shape: offsets in order, the quote exactly as
// long as they say in code points (SQLite's length() agrees, and the schema
// checks it again), and a whole-block target ("" exact) at 0, 0.
func (t Target) validate(what string) error {
	switch {
	case t.RevisionID == 0:
		return invalid("", "%s: revision is missing", what)
	case t.Anchor == "":
		return invalid("", "%s: anchor is empty", what)
	case t.Start < 0 || t.End < t.Start:
		return invalid("", "%s: offsets %d..%d are not 0 <= start <= end", what, t.Start, t.End)
	case !utf8.ValidString(t.Exact) || !utf8.ValidString(t.Prefix) || !utf8.ValidString(t.Suffix):
		return invalid("", "%s: quote is not valid UTF-8", what)
	case utf8.RuneCountInString(t.Exact) != t.End-t.Start:
		return invalid("", "%s: exact is %d code points but offsets %d..%d span %d",
			what, utf8.RuneCountInString(t.Exact), t.Start, t.End, t.End-t.Start)
	case t.Exact == "" && t.Start != 0:
		return invalid("", "%s: a whole-block target (empty exact) must have start = end = 0, not %d", what, t.Start)
	}
	return nil
}

// RecordOrigin records where revision revisionID's source came from, if
// that is not known yet: a start that finds a revision from before
// origins were recorded with exactly the source it has in hand knows
// where it came from. A known origin is never changed.
func (db *DB) RecordOrigin(ctx context.Context, revisionID int64, origin string) error {
	if origin == "" {
		return fmt.Errorf("record origin of revision %d: %w", revisionID, invalid("", "origin is empty"))
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record origin of revision %d: %w", revisionID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE revisions SET origin = ? WHERE id = ? AND origin IS NULL`, origin, revisionID); err != nil {
		return fmt.Errorf("record origin of revision %d: %w", revisionID, err)
	}
	if err := db.commit(tx); err != nil {
		return fmt.Errorf("record origin of revision %d: %w", revisionID, err)
	}
	return nil
}

// nullString binds "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
