package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Target says where a note sits. Exact == "" means the whole block.
type Target struct {
	RevisionID            int64
	Anchor                string
	Start, End            int // code points into the block's canonical text
	Exact, Prefix, Suffix string
}

// Original is the target a note was written on; it never changes.
type Original struct {
	Target
	BlockHash string // hex SHA-256 of the block's canonical text
}

// Status says how a note's current target was found (ANCHORING.md).
type Status string

const (
	StatusExact  Status = "exact"
	StatusMapped Status = "mapped"
	StatusFuzzy  Status = "fuzzy"
	StatusOrphan Status = "orphan"
)

// Current is where a note sits now, rewritten at each publish.
type Current struct {
	Target
	Status Status
	Score  float64
}

// Audience says who may see a note. Groups come later ("group",
// "teachers" with a group id); the schema already allows them.
type Audience string

const (
	Private Audience = "private" // only the author
	Public  Audience = "public"  // everyone, signed out included
)

// validate accepts the audiences notes can have today. "group" and
// "teachers" are known to the schema but need a group id, which no method
// takes yet.
func (a Audience) validate() error {
	switch a {
	case Private, Public:
		return nil
	case "group", "teachers":
		return fmt.Errorf("%w: audience %q needs a group, and groups are not supported yet", ErrInvalid, a)
	default:
		return fmt.Errorf("%w: unknown audience %q", ErrInvalid, a)
	}
}

// Note is an annotation: a comment with a Markdown body, or a highlight when
// Body is "".
type Note struct {
	ID           string // random, URL-safe, never sequential
	DocumentID   int64
	DocumentSlug string
	Author       User
	Audience     Audience
	Body         string
	Original     Original
	Current      Current
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64 // 1 at creation, +1 on every change; the ETag's basis
}

// Viewer is who is asking; the zero Viewer is a signed-out reader.
type Viewer struct {
	UserID int64
}

// visibleTo returns an SQL condition over the notes table, aliased n, that
// holds exactly for the notes v may see, and the named arguments it uses.
// It is the only place that rule is written: every query that fetches,
// lists or counts notes for a viewer ANDs it into its WHERE clause, and uses
// named parameters only (mixing them with positional ones is error-prone).
//
// Today: public notes to everyone, and every note to its author. User ids
// start at 1, and ":viewer <> 0" keeps a signed-out reader from matching an
// author even if that ever changed. Groups will add a disjunct such as
// "n.audience IN ('group', 'teachers') AND EXISTS (membership of :viewer in
// n.group_id)".
func visibleTo(v Viewer) (string, []any) {
	return `(n.audience = 'public' OR (:viewer <> 0 AND n.author_id = :viewer))`,
		[]any{sql.Named("viewer", v.UserID)}
}

// noteSelect reads the columns scanNote expects.
const noteSelect = `
	SELECT n.id, n.document_id, d.slug, u.id, u.name, u.created_at, n.audience, n.body,
	       n.orig_revision_id, n.orig_anchor, n.orig_start, n.orig_end,
	       n.orig_exact, n.orig_prefix, n.orig_suffix, n.orig_block_hash,
	       n.cur_revision_id, n.cur_anchor, n.cur_start, n.cur_end,
	       n.cur_exact, n.cur_prefix, n.cur_suffix, n.cur_status, n.cur_score,
	       n.created_at, n.updated_at, n.version
	FROM notes n
	JOIN users u ON u.id = n.author_id
	JOIN documents d ON d.id = n.document_id`

func scanNote(row interface{ Scan(...any) error }) (Note, error) {
	var (
		n                             Note
		userCreated, created, updated string
	)
	o, c := &n.Original, &n.Current
	err := row.Scan(&n.ID, &n.DocumentID, &n.DocumentSlug, &n.Author.ID, &n.Author.Name, &userCreated, &n.Audience, &n.Body,
		&o.RevisionID, &o.Anchor, &o.Start, &o.End, &o.Exact, &o.Prefix, &o.Suffix, &o.BlockHash,
		&c.RevisionID, &c.Anchor, &c.Start, &c.End, &c.Exact, &c.Prefix, &c.Suffix, &c.Status, &c.Score,
		&created, &updated, &n.Version)
	if err != nil {
		return Note{}, err
	}
	if n.Author.CreatedAt, err = parseTime(userCreated); err != nil {
		return Note{}, err
	}
	if n.CreatedAt, err = parseTime(created); err != nil {
		return Note{}, err
	}
	if n.UpdatedAt, err = parseTime(updated); err != nil {
		return Note{}, err
	}
	return n, nil
}

// noteByID reads a note without the visibility rule: only for returning a
// note to its author after a write.
func noteByID(ctx context.Context, tx *sql.Tx, id string) (Note, error) {
	n, err := scanNote(tx.QueryRowContext(ctx, noteSelect+` WHERE n.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, ErrNotFound
	}
	return n, err
}

// NewNote is a note to create; its current target starts equal to its
// original with status exact.
type NewNote struct {
	DocumentID int64
	AuthorID   int64
	Audience   Audience
	Body       string
	Target     Original
}

// noteIDEncoding is lower-case base32: URL-safe, no padding, and no
// look-alike pairs to mistype (no 0/1, so none with O/l).
var noteIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newNoteID returns 16 characters from 80 random bits. Ids are random
// rather than sequential so they reveal neither how many notes exist nor
// when a private one was written; 80 bits make a collision negligible (and
// the primary key would refuse one).
func newNoteID() string {
	var b [10]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return noteIDEncoding.EncodeToString(b[:])
}

// CreateNote stores a new note.
//
// The target's block must exist in the named revision of the document
// (ErrInvalid otherwise; ErrNotFound if the document or the author does
// not exist). An empty Target.BlockHash is filled in from the block; a
// different one is an error. The target may be on any revision of the
// document, though only notes on the current one follow later revisions.
func (db *DB) CreateNote(ctx context.Context, n NewNote) (Note, error) {
	if err := n.Audience.validate(); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	if err := n.Target.Target.validate("target"); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	defer tx.Rollback()

	orig := n.Target
	if err := checkBlock(ctx, tx, n.DocumentID, &orig); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	id, ts := newNoteID(), now()
	_, err = tx.ExecContext(ctx, `
		INSERT INTO notes (
			id, document_id, author_id, audience, body,
			orig_revision_id, orig_anchor, orig_start, orig_end, orig_exact, orig_prefix, orig_suffix, orig_block_hash,
			cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
			created_at, updated_at, version
		) VALUES (
			:id, :doc, :author, :audience, :body,
			:rev, :anchor, :start, :end, :exact, :prefix, :suffix, :hash,
			:rev, :anchor, :start, :end, :exact, :prefix, :suffix, 'exact', 1,
			:ts, :ts, 1
		)`,
		sql.Named("id", id), sql.Named("doc", n.DocumentID), sql.Named("author", n.AuthorID),
		sql.Named("audience", n.Audience), sql.Named("body", n.Body),
		sql.Named("rev", orig.RevisionID), sql.Named("anchor", orig.Anchor),
		sql.Named("start", orig.Start), sql.Named("end", orig.End),
		sql.Named("exact", orig.Exact), sql.Named("prefix", orig.Prefix), sql.Named("suffix", orig.Suffix),
		sql.Named("hash", orig.BlockHash), sql.Named("ts", ts))
	if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
		// checkBlock vouched for the document, revision and block.
		return Note{}, fmt.Errorf("create note: author %d: %w", n.AuthorID, ErrNotFound)
	}
	if err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	note, err := noteByID(ctx, tx, id)
	if err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	db.gen.Add(1)
	return note, nil
}

// checkBlock checks that t names a block of a revision of document docID,
// and fills in or checks t.BlockHash. The foreign keys would refuse a bad
// target too, but without saying which part was wrong.
func checkBlock(ctx context.Context, tx *sql.Tx, docID int64, t *Original) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?)`, docID).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("document %d: %w", docID, ErrNotFound)
	}
	var hash string
	err := tx.QueryRowContext(ctx, `
		SELECT b.hash FROM blocks b JOIN revisions r ON r.id = b.revision_id
		WHERE r.document_id = ? AND b.revision_id = ? AND b.anchor = ?`,
		docID, t.RevisionID, t.Anchor).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: target: no block %q in revision %d of document %d", ErrInvalid, t.Anchor, t.RevisionID, docID)
	}
	if err != nil {
		return err
	}
	switch t.BlockHash {
	case "":
		t.BlockHash = hash
	case hash:
	default:
		return fmt.Errorf("%w: target: block hash %q is not that of block %q (%q)", ErrInvalid, t.BlockHash, t.Anchor, hash)
	}
	return nil
}

// Note returns the note if v may see it, else ErrNotFound (the same answer
// as for a note that does not exist).
func (db *DB) Note(ctx context.Context, v Viewer, id string) (Note, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return Note{}, fmt.Errorf("note %q: %w", id, err)
	}
	defer tx.Rollback()

	vis, args := visibleTo(v)
	n, err := scanNote(tx.QueryRowContext(ctx, noteSelect+` WHERE n.id = :id AND `+vis,
		append(args, sql.Named("id", id))...))
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, fmt.Errorf("note %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Note{}, fmt.Errorf("note %q: %w", id, err)
	}
	return n, nil
}

// NoteQuery selects notes of one document.
type NoteQuery struct {
	DocumentID int64
	Offset     int
	Limit      int // 0: no limit
}

// Notes lists the notes of a document that v may see, in reading order: by
// the position of their current anchor in the document's current revision
// (notes whose anchor is not there last), then start offset (whole-block
// notes first), then creation time, then id.
//
// Orphans count as "not there" even when a block with their old anchor
// exists: they have lost their words, and the reader shows them apart.
func (db *DB) Notes(ctx context.Context, v Viewer, q NoteQuery) ([]Note, error) {
	if q.Offset < 0 || q.Limit < 0 {
		return nil, fmt.Errorf("notes of document %d: %w: offset %d and limit %d must not be negative",
			q.DocumentID, ErrInvalid, q.Offset, q.Limit)
	}
	limit := q.Limit
	if limit == 0 {
		limit = -1 // SQLite: no limit
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("notes of document %d: %w", q.DocumentID, err)
	}
	defer tx.Rollback()

	vis, args := visibleTo(v)
	// b.position is NULL for notes not anchored in the current revision;
	// "b.position IS NULL" sorts them last. "cur_exact <> ''" puts
	// whole-block notes (start 0) before quotes that also start at 0.
	rows, err := tx.QueryContext(ctx, noteSelect+`
		LEFT JOIN blocks b
		       ON n.cur_status <> 'orphan'
		      AND n.cur_revision_id = d.current_revision_id
		      AND b.revision_id = n.cur_revision_id
		      AND b.anchor = n.cur_anchor
		WHERE n.document_id = :doc AND `+vis+`
		ORDER BY b.position IS NULL, b.position, n.cur_exact <> '', n.cur_start, n.created_at, n.id
		LIMIT :limit OFFSET :offset`,
		append(args, sql.Named("doc", q.DocumentID), sql.Named("limit", limit), sql.Named("offset", q.Offset))...)
	if err != nil {
		return nil, fmt.Errorf("notes of document %d: %w", q.DocumentID, err)
	}
	defer rows.Close()
	var notes []Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, fmt.Errorf("notes of document %d: %w", q.DocumentID, err)
		}
		notes = append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notes of document %d: %w", q.DocumentID, err)
	}
	return notes, nil
}

// CountNotes counts the notes of a document that v may see.
func (db *DB) CountNotes(ctx context.Context, v Viewer, documentID int64) (int, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("count notes of document %d: %w", documentID, err)
	}
	defer tx.Rollback()

	vis, args := visibleTo(v)
	var count int
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM notes n WHERE n.document_id = :doc AND `+vis,
		append(args, sql.Named("doc", documentID))...).Scan(&count)
	if err != nil {
		return 0, fmt.Errorf("count notes of document %d: %w", documentID, err)
	}
	return count, nil
}

// CountNotesByDocument counts, per document id, the notes v may see.
// Documents with none are absent from the map.
func (db *DB) CountNotesByDocument(ctx context.Context, v Viewer) (map[int64]int, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("count notes by document: %w", err)
	}
	defer tx.Rollback()

	vis, args := visibleTo(v)
	rows, err := tx.QueryContext(ctx, `SELECT n.document_id, count(*) FROM notes n WHERE `+vis+` GROUP BY n.document_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("count notes by document: %w", err)
	}
	defer rows.Close()
	counts := make(map[int64]int)
	for rows.Next() {
		var (
			doc   int64
			count int
		)
		if err := rows.Scan(&doc, &count); err != nil {
			return nil, fmt.Errorf("count notes by document: %w", err)
		}
		counts[doc] = count
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count notes by document: %w", err)
	}
	return counts, nil
}

// NoteUpdate is an edit by the author. Target nil leaves the target alone;
// otherwise both original and current targets are replaced (the note now
// sits on new words).
type NoteUpdate struct {
	Body     string
	Audience Audience
	Target   *Original
}

// UpdateNote applies u to the note if authorID wrote it (else ErrNotFound)
// and, when ifVersion != 0, only if its version is ifVersion (else
// ErrStale). It bumps Version and UpdatedAt.
//
// A new target is checked as in CreateNote, and the current target becomes
// equal to it with status exact.
func (db *DB) UpdateNote(ctx context.Context, authorID int64, id string, ifVersion int64, u NoteUpdate) (Note, error) {
	if err := u.Audience.validate(); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	if u.Target != nil {
		if err := u.Target.Target.validate("target"); err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	defer tx.Rollback()

	docID, err := authorsNote(ctx, tx, authorID, id, ifVersion)
	if err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	args := []any{
		sql.Named("id", id), sql.Named("body", u.Body), sql.Named("audience", u.Audience), sql.Named("ts", now()),
	}
	set := `body = :body, audience = :audience, updated_at = :ts, version = version + 1`
	if u.Target != nil {
		orig := *u.Target
		if err := checkBlock(ctx, tx, docID, &orig); err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
		set += `,
			orig_revision_id = :rev, orig_anchor = :anchor, orig_start = :start, orig_end = :end,
			orig_exact = :exact, orig_prefix = :prefix, orig_suffix = :suffix, orig_block_hash = :hash,
			cur_revision_id = :rev, cur_anchor = :anchor, cur_start = :start, cur_end = :end,
			cur_exact = :exact, cur_prefix = :prefix, cur_suffix = :suffix, cur_status = 'exact', cur_score = 1`
		args = append(args,
			sql.Named("rev", orig.RevisionID), sql.Named("anchor", orig.Anchor),
			sql.Named("start", orig.Start), sql.Named("end", orig.End),
			sql.Named("exact", orig.Exact), sql.Named("prefix", orig.Prefix), sql.Named("suffix", orig.Suffix),
			sql.Named("hash", orig.BlockHash))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notes SET `+set+` WHERE id = :id`, args...); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	n, err := noteByID(ctx, tx, id)
	if err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	db.gen.Add(1)
	return n, nil
}

// DeleteNote deletes the note if authorID wrote it (else ErrNotFound) and,
// when ifVersion != 0, only at that version (else ErrStale). Its replies go
// with it.
func (db *DB) DeleteNote(ctx context.Context, authorID int64, id string, ifVersion int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	defer tx.Rollback()

	if _, err := authorsNote(ctx, tx, authorID, id, ifVersion); err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	db.gen.Add(1)
	return nil
}

// authorsNote checks, inside a write transaction, that note id exists and
// authorID wrote it (else ErrNotFound, so others learn nothing about it,
// not even its version) and that it is at ifVersion when that is not 0
// (else ErrStale). It returns the note's document id.
func authorsNote(ctx context.Context, tx *sql.Tx, authorID int64, id string, ifVersion int64) (int64, error) {
	var docID, version int64
	err := tx.QueryRowContext(ctx, `SELECT document_id, version FROM notes WHERE id = ? AND author_id = ?`, id, authorID).
		Scan(&docID, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if ifVersion != 0 && version != ifVersion {
		return 0, fmt.Errorf("%w (at version %d, not %d)", ErrStale, version, ifVersion)
	}
	return docID, nil
}
