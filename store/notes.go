package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

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

// Status says how a note's current target was found (docs/anchoring.md).
type Status string

const (
	StatusExact  Status = "exact"
	StatusMapped Status = "mapped"
	StatusMoved  Status = "moved"
	StatusFuzzy  Status = "fuzzy"
	StatusOrphan Status = "orphan"
)

// Current is where a note sits now, rewritten at each publish.
type Current struct {
	Target
	Status Status
	Score  float64
}

// Audience says who may see a note (see visibility.go for the rule).
type Audience string

const (
	Private  Audience = "private"  // only the author
	Teachers Audience = "teachers" // the author and the teachers of a group
	Members  Audience = "group"    // the members of a group
	Public   Audience = "public"   // everyone, signed out included
)

// validate checks an audience and its group: "teachers" and "group" name a
// group, the others none.
func (a Audience) validate(groupID int64) error {
	switch a {
	case Private, Public:
		if groupID != 0 {
			return invalid("", "audience %q takes no group", a)
		}
	case Teachers, Members:
		if groupID == 0 {
			return invalid("", "audience %q needs a group", a)
		}
	default:
		return invalid("", "unknown audience %q", a)
	}
	return nil
}

// Note is an annotation: a comment with a Markdown body, or a highlight when
// Body is "". A reply has a ParentID and takes its parent's audience and
// target.
type Note struct {
	ID           string // random, URL-safe, never sequential
	DocumentID   int64
	DocumentSlug string
	Author       User
	Audience     Audience
	GroupID      int64  // for the "teachers" and "group" audiences
	GroupName    string // likewise
	ParentID     string // set on replies
	Body         string
	Original     Original
	Current      Current
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64 // 1 at creation, +1 on every change; the ETag's basis

	// Guide: a group note by a teacher of that group (the guide layer);
	// never a reply, even a teacher's: replies sit in their thread.
	Guide bool
	// Question: the note asks a question; answers are replies.
	Question bool
	// Resolved: a teacher marked the thread resolved.
	Resolved bool
	// AcceptedID is the reply a teacher accepted as the answer.
	AcceptedID string
	// Hidden by a teacher, with the reason (only the author and the
	// group's teachers ever see a hidden note).
	Hidden       bool
	HiddenReason string
	// SharedFrom is the guide note this one is a copy of.
	SharedFrom string

	// Reactions: counts, and the viewer's own.
	Helpful, Same     int
	MyHelpful, MySame bool

	// Tags, sorted; never nil on a note read from the store.
	Tags []string

	// Imported: the note came in from a file (an import), so its
	// CreatedAt and UpdatedAt are the dates the file claimed, not
	// glossa's. ImportedAt is when it was imported: zero for notes
	// imported before glossa recorded it. ImportedQuote: its original
	// quote is words the file gave that were not found word for word in
	// the essay (an orphan's quote, or a fuzzy match's), the importer's
	// words and not the essay's.
	Imported      bool
	ImportedAt    time.Time
	ImportedQuote bool

	// PlacedOn is the revision the current target was last placed on:
	// Current.RevisionID, except for an orphan, which keeps the target it
	// had on the last revision where its words were found (0 if they
	// never were, as for an imported note that found no place). An
	// earlier revision's note (NoteQuery.RevisionID) counts up to it.
	PlacedOn int64

	// BodySize is the body's length in bytes, also when the body was left
	// out (NoteQuery.WithoutBodies): a page can then choose what it shows
	// before it reads any body.
	BodySize int
}

// QuoteByImporter reports whether the quote of the note's current target
// is words an imported file gave, not found in the essay: an orphan that
// kept the quote it came with. Never to be shown as the essay's words.
func (n Note) QuoteByImporter() bool {
	return n.ParentID == "" && n.ImportedQuote && n.Current.Status == StatusOrphan &&
		n.Current.Exact != "" && n.Current.Exact == n.Original.Exact
}

// Viewer is who is asking; the zero Viewer is a signed-out reader.
type Viewer struct {
	UserID int64
}

// noteSelect reads the columns scanNote expects. It uses :viewer for the
// viewer's own reactions.
const noteSelect = `
	SELECT n.id, n.document_id, d.slug, u.id, u.name, u.created_at, n.audience, n.body,
	       n.orig_revision_id, n.orig_anchor, n.orig_start, n.orig_end,
	       n.orig_exact, n.orig_prefix, n.orig_suffix, n.orig_block_hash,
	       n.cur_revision_id, n.cur_anchor, n.cur_start, n.cur_end,
	       n.cur_exact, n.cur_prefix, n.cur_suffix, n.cur_status, n.cur_score,
	       n.created_at, n.updated_at, n.version,
	       coalesce(n.group_id, 0), coalesce(g.name, ''), coalesce(n.parent_id, ''),
	       n.question, n.resolved_at IS NOT NULL, coalesce(n.accepted_id, ''),
	       n.hidden_at IS NOT NULL, n.hidden_reason, coalesce(n.shared_from, ''),
	       (n.audience = 'group' AND n.parent_id IS NULL AND EXISTS (SELECT 1 FROM memberships gm
	            WHERE gm.group_id = n.group_id AND gm.user_id = n.author_id AND gm.role = 'teacher')),
	       (SELECT count(*) FROM reactions x WHERE x.note_id = n.id AND x.kind = 'helpful'),
	       (SELECT count(*) FROM reactions x WHERE x.note_id = n.id AND x.kind = 'same'),
	       EXISTS (SELECT 1 FROM reactions x WHERE x.note_id = n.id AND x.kind = 'helpful' AND x.user_id = :viewer),
	       EXISTS (SELECT 1 FROM reactions x WHERE x.note_id = n.id AND x.kind = 'same' AND x.user_id = :viewer),
	       (SELECT coalesce(group_concat(tg.tag, ` + tagSep + ` ORDER BY tg.tag), '') FROM note_tags tg WHERE tg.note_id = n.id),
	       n.imported_from IS NOT NULL, coalesce(n.imported_at, ''), n.imported_quote,
	       CASE WHEN n.cur_status <> 'orphan' THEN n.cur_revision_id ELSE coalesce((
	            SELECT r.id FROM revisions r
	            JOIN note_targets lp ON lp.cur_revision_id = r.id AND lp.note_id = n.id
	            WHERE r.document_id = n.document_id AND r.id <= n.cur_revision_id AND lp.cur_status <> 'orphan'
	            ORDER BY r.number DESC LIMIT 1), 0) END,
	       octet_length(n.body)
	FROM notes n
	JOIN users u ON u.id = n.author_id
	JOIN documents d ON d.id = n.document_id
	LEFT JOIN groups g ON g.id = n.group_id`

func scanNote(row interface{ Scan(...any) error }) (Note, error) {
	var (
		n                                       Note
		userCreated, created, updated, imported string
		tags                                    string // joined by U+001F
	)
	o, c := &n.Original, &n.Current
	err := row.Scan(&n.ID, &n.DocumentID, &n.DocumentSlug, &n.Author.ID, &n.Author.Name, &userCreated, &n.Audience, &n.Body,
		&o.RevisionID, &o.Anchor, &o.Start, &o.End, &o.Exact, &o.Prefix, &o.Suffix, &o.BlockHash,
		&c.RevisionID, &c.Anchor, &c.Start, &c.End, &c.Exact, &c.Prefix, &c.Suffix, &c.Status, &c.Score,
		&created, &updated, &n.Version,
		&n.GroupID, &n.GroupName, &n.ParentID,
		&n.Question, &n.Resolved, &n.AcceptedID,
		&n.Hidden, &n.HiddenReason, &n.SharedFrom, &n.Guide,
		&n.Helpful, &n.Same, &n.MyHelpful, &n.MySame, &tags,
		&n.Imported, &imported, &n.ImportedQuote, &n.PlacedOn, &n.BodySize)
	if err != nil {
		return Note{}, err
	}
	if imported != "" {
		if n.ImportedAt, err = parseTime(imported); err != nil {
			return Note{}, err
		}
	}
	n.Tags = []string{}
	if tags != "" {
		n.Tags = strings.Split(tags, "\x1f")
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
func noteByID(ctx context.Context, tx *sql.Tx, id string, viewerID int64) (Note, error) {
	n, err := scanNote(tx.QueryRowContext(ctx, noteSelect+` WHERE n.id = :id`, sql.Named("id", id), sql.Named("viewer", viewerID)))
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, ErrNotFound
	}
	return n, err
}

// NewNote is a note to create; its current target starts equal to its
// original with status exact.
//
// A reply names its ParentID and leaves Audience, GroupID and Target empty:
// it takes them from its parent.
type NewNote struct {
	DocumentID int64
	AuthorID   int64
	Audience   Audience
	GroupID    int64 // for the "teachers" and "group" audiences
	ParentID   string
	Question   bool
	Body       string
	Target     Original
	// Mentions are the names @mentioned in the body. Those who belong to
	// the note's group and may see the note are notified.
	Mentions []string
	// Tags, as typed: each is validated (ValidateTag), duplicates dropped,
	// at most MaxTagsPerNote. A reply takes none.
	Tags []string
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

// CreateNote stores a new note, logs it for live readers and notifies the
// parent's author (for a reply) and the mentioned.
//
// The target's block must exist in the named revision of the document
// (ErrInvalid otherwise; ErrNotFound if the document or the author does
// not exist). An empty Target.BlockHash is filled in from the block; a
// different one is an error. The target may be on any revision of the
// document, though only notes on the current one follow later revisions.
//
// A group note needs its author to be a member of the group (ErrForbidden
// otherwise). A reply needs a parent that the author may see (ErrNotFound
// otherwise) and that is not itself a reply (ErrInvalid); a reply in a
// group's thread needs its author to be a member of the group now
// (ErrNotInAudience, an ErrForbidden).
//
// Notes created at the same time share a transaction and its commit (group
// commit, batch.go); each is still committed before CreateNote returns it,
// and fails alone. A context that ends before the note is written
// withdraws it; after Close, CreateNote returns ErrClosed.
func (db *DB) CreateNote(ctx context.Context, n NewNote) (Note, error) {
	return db.queueCreate(ctx, n)
}

// createNote does CreateNote's work inside tx and returns the note as
// noteByID would read it back for its author, but built from the values
// in hand: reading it back with the full note query was about a fifth of
// the time of a note (its reaction counts, tags and guide flag, all known
// for a note not yet a millisecond old). TestCreateNoteAnswersAsRead
// checks the two agree.
func createNote(ctx context.Context, tx *sql.Tx, n NewNote) (Note, error) {
	if n.ParentID != "" {
		if err := inheritParent(ctx, tx, &n); err != nil {
			return Note{}, fmt.Errorf("create reply: %w", err)
		}
	}
	if err := n.Audience.validate(n.GroupID); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	if err := n.Target.Target.validate("target"); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	var role Role
	if n.GroupID != 0 && n.ParentID == "" {
		var err error
		if role, err = roleIn(ctx, tx, n.AuthorID, n.GroupID); err != nil {
			return Note{}, fmt.Errorf("create note in group %d: %w", n.GroupID, err)
		}
	}
	if n.ParentID != "" {
		n.Tags = nil
	}
	tags, err := NormalizeTags(n.Tags, MaxTagsPerNote)
	if err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	orig := n.Target
	facts, err := checkTarget(ctx, tx, n.DocumentID, &orig, n.AuthorID, n.GroupID)
	if err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	if n.ParentID == "" { // a reply's target is its parent's, stored already
		if err := checkQuote(ctx, tx, orig.Target, facts.blockLen, "target"); err != nil {
			return Note{}, fmt.Errorf("create note: %w", err)
		}
	}
	id, ts := newNoteID(), now()
	if err := insertNote(ctx, tx, id, n, orig, "", ts); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	if err := addTags(ctx, tx, id, tags); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	if err := logEvent(ctx, tx, EventCreated, id, n.AuthorID); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	if err := notify(ctx, tx, id, n); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}

	note := Note{
		ID: id, DocumentID: n.DocumentID, Audience: n.Audience, GroupID: n.GroupID, ParentID: n.ParentID,
		Body: n.Body, BodySize: len(n.Body), Original: orig, Current: Current{Target: orig.Target, Status: StatusExact, Score: 1},
		Version: 1, Question: n.Question, Tags: tags, PlacedOn: orig.RevisionID,
		// noteSelect's guide rule, for a note with no parent yet.
		Guide: n.Audience == Members && n.ParentID == "" && role == RoleTeacher,
	}
	// The insert vouched for the author (its foreign key), so checkTarget
	// found them.
	note.Author, note.DocumentSlug, note.GroupName = facts.author, facts.slug, facts.groupName
	if !facts.authorSeen {
		return Note{}, fmt.Errorf("create note: author %d: %w", n.AuthorID, ErrNotFound)
	}
	if note.CreatedAt, err = parseTime(ts); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	note.UpdatedAt = note.CreatedAt
	return note, nil
}

// insertNote writes one note row, created and updated at ts; sharedFrom is
// set on the copies of a shared guide note.
func insertNote(ctx context.Context, tx *sql.Tx, id string, n NewNote, orig Original, sharedFrom, ts string) error {
	var group, parent, shared any
	if n.GroupID != 0 {
		group = n.GroupID
	}
	if n.ParentID != "" {
		parent = n.ParentID
	}
	if sharedFrom != "" {
		shared = sharedFrom
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO notes (
			id, document_id, author_id, audience, group_id, parent_id, question, shared_from, body,
			orig_revision_id, orig_anchor, orig_start, orig_end, orig_exact, orig_prefix, orig_suffix, orig_block_hash,
			cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
			created_at, updated_at, version
		) VALUES (
			:id, :doc, :author, :audience, :group, :parent, :question, :shared, :body,
			:rev, :anchor, :start, :end, :exact, :prefix, :suffix, :hash,
			:crev, :canchor, :cstart, :cend, :cexact, :cprefix, :csuffix, :cstatus, :cscore,
			:ts, :ts, 1
		)`,
		sql.Named("id", id), sql.Named("doc", n.DocumentID), sql.Named("author", n.AuthorID),
		sql.Named("audience", n.Audience), sql.Named("group", group), sql.Named("parent", parent),
		sql.Named("question", n.Question), sql.Named("shared", shared), sql.Named("body", n.Body),
		sql.Named("rev", orig.RevisionID), sql.Named("anchor", orig.Anchor),
		sql.Named("start", orig.Start), sql.Named("end", orig.End),
		sql.Named("exact", orig.Exact), sql.Named("prefix", orig.Prefix), sql.Named("suffix", orig.Suffix),
		sql.Named("hash", orig.BlockHash),
		sql.Named("crev", orig.RevisionID), sql.Named("canchor", orig.Anchor),
		sql.Named("cstart", orig.Start), sql.Named("cend", orig.End),
		sql.Named("cexact", orig.Exact), sql.Named("cprefix", orig.Prefix), sql.Named("csuffix", orig.Suffix),
		sql.Named("cstatus", StatusExact), sql.Named("cscore", 1.0), sql.Named("ts", ts))
	if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
		// checkBlock vouched for the document, revision and block.
		return fmt.Errorf("author %d or group %d: %w", n.AuthorID, n.GroupID, ErrNotFound)
	}
	return err
}

// inheritParent fills a reply from its parent: audience, group and target
// (a reply sits where its parent sits, and moves with it). The parent must
// be visible to the reply's author and not be a reply itself.
func inheritParent(ctx context.Context, tx *sql.Tx, n *NewNote) error {
	vis := visibility(visRow{alias: "n", hidden: true, deleted: true})
	var (
		parentOf sql.NullString
		group    sql.NullInt64
		p        Original
		cur      Current
	)
	err := tx.QueryRowContext(ctx, `
		SELECT n.document_id, n.audience, n.group_id, n.parent_id,
		       n.orig_revision_id, n.orig_anchor, n.orig_start, n.orig_end, n.orig_exact, n.orig_prefix, n.orig_suffix, n.orig_block_hash,
		       n.cur_revision_id, n.cur_anchor, n.cur_start, n.cur_end, n.cur_exact, n.cur_prefix, n.cur_suffix, n.cur_status, n.cur_score
		FROM notes n WHERE n.id = :id AND `+vis,
		sql.Named("id", n.ParentID), sql.Named("viewer", n.AuthorID)).Scan(
		&n.DocumentID, &n.Audience, &group, &parentOf,
		&p.RevisionID, &p.Anchor, &p.Start, &p.End, &p.Exact, &p.Prefix, &p.Suffix, &p.BlockHash,
		&cur.RevisionID, &cur.Anchor, &cur.Start, &cur.End, &cur.Exact, &cur.Prefix, &cur.Suffix, &cur.Status, &cur.Score)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("parent %q: %w", n.ParentID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if parentOf.Valid {
		return invalid("", "parent %q is itself a reply; reply to %q", n.ParentID, parentOf.String)
	}
	n.GroupID = group.Int64
	// The parent may be visible only because its author wrote it: someone
	// who left its group keeps their note but no longer adds to the group.
	if err := requireMember(ctx, tx, n.AuthorID, n.GroupID); err != nil {
		return fmt.Errorf("parent %q: %w", n.ParentID, err)
	}
	// The reply is written on the parent's current words when they are
	// placed, so both move together at the next publish.
	n.Target = p
	if cur.Status != StatusOrphan {
		n.Target = Original{Target: cur.Target}
		n.Target.BlockHash = ""
		if cur.RevisionID == p.RevisionID && cur.Anchor == p.Anchor {
			n.Target.BlockHash = p.BlockHash
		}
	}
	n.Question = false
	return nil
}

// checkBlock checks that t names a block of a revision of document docID,
// and fills in or checks t.BlockHash. The foreign keys would refuse a bad
// target too, but without saying which part was wrong. It returns the
// block's length in code points.
func checkBlock(ctx context.Context, tx *sql.Tx, docID int64, t *Original) (int, error) {
	f, err := checkTarget(ctx, tx, docID, t, 0, 0)
	return f.blockLen, err
}

// MaxQuoteContext is how long a quote's prefix and suffix are at most, in
// code points: what content.QuoteContext gives them.
const MaxQuoteContext = 32

// checkQuote bounds a target that enters the store (a new note, an edit, an
// import): its prefix and suffix at most MaxQuoteContext code points, its
// quote no longer than the block it is on (blockLen code points) or, for a
// quote that is not there (an imported orphan, the words a fuzzy import
// was written on), than the longest block of its revision. Offsets and
// words computed from the text always pass; a file's 2 MB "quote" does not.
// Targets copied from a note already stored (a reply's, a shared guide
// note's) are not checked again.
func checkQuote(ctx context.Context, tx *sql.Tx, t Target, blockLen int, what string) error {
	for _, c := range []struct{ name, v string }{{"prefix", t.Prefix}, {"suffix", t.Suffix}} {
		if n := utf8.RuneCountInString(c.v); n > MaxQuoteContext {
			return invalid("", "%s: the quote's %s is %d characters; at most %d", what, c.name, n, MaxQuoteContext)
		}
	}
	n := t.End - t.Start // validate checked it is the quote's length
	if n <= blockLen {
		return nil
	}
	var longest int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(length(text)), 0) FROM blocks WHERE revision_id = ?`,
		t.RevisionID).Scan(&longest); err != nil {
		return err
	}
	if n > longest {
		return invalid("", "%s: the quote is %d characters, longer than any paragraph of the essay (at most %d)", what, n, longest)
	}
	return nil
}

// targetFacts is what checkTarget reads besides the block's hash: what
// a new note's answer needs and no insert returns.
type targetFacts struct {
	blockLen   int // the block's length in code points
	slug       string
	author     User // zero if authorID was 0 or names no one
	groupName  string
	authorSeen bool
}

// checkTarget is checkBlock, reading in the same query the document's slug,
// the name of group groupID and the author authorID (0: none): one
// statement where a new note needed three.
func checkTarget(ctx context.Context, tx *sql.Tx, docID int64, t *Original, authorID, groupID int64) (targetFacts, error) {
	var (
		f                    targetFacts
		slug, hash           sql.NullString
		blockLen             sql.NullInt64
		revOfDoc             bool
		authorName, authorAt sql.NullString
	)
	// Uncorrelated subqueries, each a primary-key lookup: joining blocks
	// to revisions here instead took ten times as long (measured).
	if err := tx.QueryRowContext(ctx, `
		SELECT (SELECT slug FROM documents WHERE id = :doc),
		       EXISTS (SELECT 1 FROM revisions WHERE id = :rev AND document_id = :doc),
		       (SELECT hash FROM blocks WHERE revision_id = :rev AND anchor = :anchor),
		       (SELECT length(text) FROM blocks WHERE revision_id = :rev AND anchor = :anchor),
		       coalesce((SELECT name FROM groups WHERE id = :group), ''),
		       (SELECT name FROM users WHERE id = :author),
		       (SELECT created_at FROM users WHERE id = :author)`,
		sql.Named("doc", docID), sql.Named("rev", t.RevisionID), sql.Named("anchor", t.Anchor),
		sql.Named("group", groupID), sql.Named("author", authorID)).
		Scan(&slug, &revOfDoc, &hash, &blockLen, &f.groupName, &authorName, &authorAt); err != nil {
		return f, err
	}
	if !slug.Valid {
		return f, fmt.Errorf("document %d: %w", docID, ErrNotFound)
	}
	if !revOfDoc || !hash.Valid {
		return f, invalid("target", "no block %q in revision %d of document %d", t.Anchor, t.RevisionID, docID)
	}
	switch t.BlockHash {
	case "":
		t.BlockHash = hash.String
	case hash.String:
	default:
		return f, invalid("target", "block hash %q is not that of block %q (%q)", t.BlockHash, t.Anchor, hash.String)
	}
	f.slug, f.blockLen = slug.String, int(blockLen.Int64)
	if authorName.Valid {
		at, err := parseTime(authorAt.String)
		if err != nil {
			return f, err
		}
		f.author, f.authorSeen = User{ID: authorID, Name: authorName.String, CreatedAt: at}, true
	}
	return f, nil
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
	// RevisionID, when not 0, asks for the notes as they stood on that
	// revision: those that lived on it, each with Current set to its
	// target there, in that revision's reading order.
	RevisionID int64
	// Parent, when not "", asks for the replies to that note only.
	Parent string
	Offset int
	Limit  int // 0: no limit
	// WithoutBodies leaves every Body empty (BodySize still says how
	// long it is): for pages that choose a few notes of thousands to
	// show, and read their bodies with NoteBodies.
	WithoutBodies bool
}

// noteSelectAt is noteSelect with the current target read from
// note_targets t, the target on one revision.
var noteSelectAt = strings.ReplaceAll(noteSelect, "n.cur_", "t.cur_")

// withoutBody makes a note query leave the body out.
func withoutBody(q string) string {
	return strings.Replace(q, "n.audience, n.body,", "n.audience, '',", 1)
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
		return nil, fmt.Errorf("notes of document %d: %w", q.DocumentID,
			invalid("", "offset %d and limit %d must not be negative", q.Offset, q.Limit))
	}
	limit := q.Limit
	if limit == 0 {
		limit = math.MaxInt64 // no limit: SQLite's -1 is an error on PostgreSQL
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("notes of document %d: %w", q.DocumentID, err)
	}
	defer tx.Rollback()

	vis, args := visibleTo(v)
	parent := ""
	if q.Parent != "" {
		parent = "n.parent_id = :parent AND "
	}
	// b.position is NULL for notes not anchored in the current revision;
	// "b.position IS NULL" sorts them last. "cur_exact <> ''" puts
	// whole-block notes (start 0) before quotes that also start at 0.
	query := noteSelect + `
		LEFT JOIN blocks b
		       ON n.cur_status <> 'orphan'
		      AND n.cur_revision_id = d.current_revision_id
		      AND b.revision_id = n.cur_revision_id
		      AND b.anchor = n.cur_anchor
		WHERE n.document_id = :doc AND ` + parent + vis + `
		ORDER BY b.position IS NULL, b.position, n.cur_exact <> '', n.cur_start, n.created_at, n.id
		LIMIT :limit OFFSET :offset`
	if q.RevisionID != 0 {
		query = noteSelectAt + `
		JOIN note_targets t ON t.note_id = n.id AND t.cur_revision_id = :rev
		LEFT JOIN blocks b
		       ON t.cur_status <> 'orphan'
		      AND b.revision_id = t.cur_revision_id
		      AND b.anchor = t.cur_anchor
		WHERE n.document_id = :doc AND ` + parent + vis + `
		ORDER BY b.position IS NULL, b.position, t.cur_exact <> '', t.cur_start, n.created_at, n.id
		LIMIT :limit OFFSET :offset`
	}
	if q.WithoutBodies {
		query = withoutBody(query)
	}
	rows, err := tx.QueryContext(ctx, query,
		append(args, sql.Named("doc", q.DocumentID), sql.Named("rev", q.RevisionID), sql.Named("parent", q.Parent),
			sql.Named("limit", limit), sql.Named("offset", q.Offset))...)
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

// NoteBodies reads the bodies of the notes ids that v may see, by id: the
// second half of a NoteQuery.WithoutBodies. A note v may no longer see is
// absent.
func (db *DB) NoteBodies(ctx context.Context, v Viewer, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("note bodies: %w", err)
	}
	defer tx.Rollback()
	vis, args := visibleTo(v)
	// One JSON array of ids: a page asks for a few hundred at most.
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("note bodies: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT n.id, n.body FROM notes n
		WHERE n.id IN (SELECT value FROM json_each(:ids)) AND `+vis,
		append(args, sql.Named("ids", string(list)))...)
	if err != nil {
		return nil, fmt.Errorf("note bodies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, fmt.Errorf("note bodies: %w", err)
		}
		out[id] = body
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("note bodies: %w", err)
	}
	return out, nil
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
// sits on new words). A reply's audience and target follow its parent's
// and cannot be set: for replies both are ignored.
type NoteUpdate struct {
	Body     string
	Audience Audience
	GroupID  int64
	Question bool
	Target   *Original
	Mentions []string
	// Tags replace the note's tags, as in NewNote; nil leaves them.
	Tags []string
}

// UpdateNote applies u to the note if authorID wrote it (else ErrNotFound)
// and, when ifVersion != 0, only if its version is ifVersion (else
// ErrStale). It bumps Version and UpdatedAt.
//
// Only a current member of the note's group changes a note in a group, and
// a reply only while its author may still see the thread (else
// ErrNotInAudience); deleting stays theirs (DeleteNote).
//
// A new target is checked as in CreateNote, and the current target becomes
// equal to it with status exact. A new audience moves the replies with the
// note, at once, so a thread with others' replies may only narrow
// (ErrWidens otherwise): see audienceWithin. Copies of a shared guide note
// follow their original's body and question into the groups its author
// still teaches.
func (db *DB) UpdateNote(ctx context.Context, authorID int64, id string, ifVersion int64, u NoteUpdate) (Note, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	defer tx.Rollback()

	old, err := authorsNote(ctx, tx, authorID, id, ifVersion)
	if err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	if err := mayWriteIn(ctx, tx, authorID, old); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	if old.parentID != "" {
		u.Audience, u.GroupID, u.Target, u.Question, u.Tags = old.audience, old.groupID, nil, false, nil
	}
	var tags []string
	if u.Tags != nil {
		if tags, err = NormalizeTags(u.Tags, MaxTagsPerNote); err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
	}
	if err := u.Audience.validate(u.GroupID); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	if u.Target != nil {
		if err := u.Target.Target.validate("target"); err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
	}
	moved := u.Audience != old.audience || u.GroupID != old.groupID
	if moved && old.hidden {
		// Moving it would take it away from the teachers who hid it.
		return Note{}, fmt.Errorf("update note %q: %w", id, invalid("audience", "a note hidden by a teacher cannot change audience"))
	}
	if moved && u.GroupID != 0 {
		if _, err := roleIn(ctx, tx, authorID, u.GroupID); err != nil {
			return Note{}, fmt.Errorf("update note %q: group %d: %w", id, u.GroupID, err)
		}
	}
	if moved && !audienceWithin(u.Audience, u.GroupID, old.audience, old.groupID) {
		var others bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notes
			WHERE parent_id = ? AND author_id <> ? AND deleted_at IS NULL)`, id, authorID).Scan(&others); err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
		if others {
			return Note{}, fmt.Errorf("update note %q: %w", id, ErrWidens)
		}
	}
	if moved {
		// Those who could see the thread before are told it changed,
		// whether or not they still may see it.
		if err := logEvent(ctx, tx, EventWithdrawn, id, authorID); err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
	}
	var group any
	if u.GroupID != 0 {
		group = u.GroupID
	}
	args := []any{
		sql.Named("id", id), sql.Named("body", u.Body), sql.Named("audience", u.Audience),
		sql.Named("group", group), sql.Named("question", u.Question), sql.Named("ts", now()),
	}
	set := `body = :body, audience = :audience, group_id = :group, question = :question, updated_at = :ts, version = version + 1`
	if u.Target != nil {
		orig := *u.Target
		blockLen, err := checkBlock(ctx, tx, old.documentID, &orig)
		if err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
		if err := checkQuote(ctx, tx, orig.Target, blockLen, "target"); err != nil {
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
	if u.Tags != nil {
		if err := setTags(ctx, tx, id, tags); err != nil {
			return Note{}, fmt.Errorf("update note %q: %w", id, err)
		}
	}
	// Replies take their parent's audience and target.
	if _, err := tx.ExecContext(ctx, `
		UPDATE notes SET audience = p.audience, group_id = p.group_id, version = notes.version + 1,
			cur_revision_id = p.cur_revision_id, cur_anchor = p.cur_anchor, cur_start = p.cur_start,
			cur_end = p.cur_end, cur_exact = p.cur_exact, cur_prefix = p.cur_prefix, cur_suffix = p.cur_suffix,
			cur_status = p.cur_status, cur_score = p.cur_score
		FROM notes p WHERE p.id = :id AND notes.parent_id = :id AND notes.deleted_at IS NULL`, sql.Named("id", id)); err != nil {
		return Note{}, fmt.Errorf("update note %q: replies: %w", id, err)
	}
	// Copies of a shared guide note follow their original's words, as
	// long as the original still speaks to a whole group: moved to a
	// narrower audience, its text must not reach the other groups. And
	// only into groups its author still teaches (followingCopies).
	if _, err := tx.ExecContext(ctx, `
		UPDATE notes SET body = :body, question = :question, updated_at = :ts, version = version + 1
		WHERE `+followingCopies+` AND :audience = 'group'`, sql.Named("audience", u.Audience),
		sql.Named("id", id), sql.Named("body", u.Body), sql.Named("question", u.Question), sql.Named("ts", now())); err != nil {
		return Note{}, fmt.Errorf("update note %q: shared copies: %w", id, err)
	}
	if err := logEvent(ctx, tx, EventEdited, id, authorID); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	if err := logCopiesEvent(ctx, tx, EventEdited, id, authorID); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	nn := NewNote{AuthorID: authorID, Mentions: u.Mentions}
	if err := notify(ctx, tx, id, nn); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	n, err := noteByID(ctx, tx, id, authorID)
	if err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	if err := db.commit(tx); err != nil {
		return Note{}, fmt.Errorf("update note %q: %w", id, err)
	}
	return n, nil
}

// DeleteNote deletes the note if authorID wrote it (else ErrNotFound) and,
// when ifVersion != 0, only at that version (else ErrStale). Its replies and
// its shared copies go with it.
//
// A deleted note stays as a tombstone (no body, never shown) so the event
// log can still tell those who saw it that it is gone.
func (db *DB) DeleteNote(ctx context.Context, authorID int64, id string, ifVersion int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	defer tx.Rollback()

	if _, err := authorsNote(ctx, tx, authorID, id, ifVersion); err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	if err := deleteThread(ctx, tx, id, authorID); err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	if err := db.commit(tx); err != nil {
		return fmt.Errorf("delete note %q: %w", id, err)
	}
	return nil
}

// deleteThread turns a note, its replies and its shared copies (and
// theirs) into tombstones, logging each deletion first.
func deleteThread(ctx context.Context, tx *sql.Tx, id string, actorID int64) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT id FROM notes WHERE deleted_at IS NULL AND (id = :id OR shared_from = :id)`, sql.Named("id", id))
	if err != nil {
		return err
	}
	var roots []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return err
		}
		roots = append(roots, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, r := range roots {
		if err := logEvent(ctx, tx, EventDeleted, r, actorID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE notes SET deleted_at = :ts, body = '', version = version + 1
			WHERE deleted_at IS NULL AND (id = :id OR parent_id = :id)`,
			sql.Named("id", r), sql.Named("ts", now())); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE note_id IN (SELECT id FROM notes WHERE id = :id OR parent_id = :id)`,
			sql.Named("id", r)); err != nil {
			return err
		}
		// A deleted reply is no longer its question's accepted answer (the
		// tombstone stays, so the foreign key's SET NULL never fires).
		if _, err := tx.ExecContext(ctx, `
			UPDATE notes SET accepted_id = NULL, version = version + 1
			WHERE accepted_id = :id AND deleted_at IS NULL`, sql.Named("id", r)); err != nil {
			return err
		}
	}
	return nil
}

// noteHead is what a write needs to know of a note before changing it.
type noteHead struct {
	documentID int64
	authorID   int64
	audience   Audience
	groupID    int64
	parentID   string
	version    int64
	hidden     bool
	question   bool
}

func readHead(ctx context.Context, tx *sql.Tx, id string) (noteHead, error) {
	var (
		h      noteHead
		group  sql.NullInt64
		parent sql.NullString
	)
	err := tx.QueryRowContext(ctx, `
		SELECT document_id, author_id, audience, group_id, parent_id, version, hidden_at IS NOT NULL, question
		FROM notes WHERE id = ? AND deleted_at IS NULL`, id).
		Scan(&h.documentID, &h.authorID, &h.audience, &group, &parent, &h.version, &h.hidden, &h.question)
	if errors.Is(err, sql.ErrNoRows) {
		return h, ErrNotFound
	}
	h.groupID, h.parentID = group.Int64, parent.String
	return h, err
}

// authorsNote checks, inside a write transaction, that note id exists and
// authorID wrote it (else ErrNotFound, so others learn nothing about it,
// not even its version) and that it is at ifVersion when that is not 0
// (else ErrStale).
func authorsNote(ctx context.Context, tx *sql.Tx, authorID int64, id string, ifVersion int64) (noteHead, error) {
	h, err := readHead(ctx, tx, id)
	if err != nil {
		return h, err
	}
	if h.authorID != authorID {
		return h, ErrNotFound
	}
	if ifVersion != 0 && h.version != ifVersion {
		return h, fmt.Errorf("%w (at version %d, not %d)", ErrStale, h.version, ifVersion)
	}
	return h, nil
}

// requireMember returns ErrNotInAudience unless userID is a member of
// groupID now; a note in no group (groupID 0) needs nothing. The
// visibility rule lets authors see their own notes after leaving a group;
// this is what keeps them from writing in it through those notes.
func requireMember(ctx context.Context, tx *sql.Tx, userID, groupID int64) error {
	if groupID == 0 {
		return nil
	}
	_, err := roleIn(ctx, tx, userID, groupID)
	if errors.Is(err, ErrForbidden) {
		return fmt.Errorf("group %d: %w", groupID, ErrNotInAudience)
	}
	return err
}

// mayWriteIn checks that userID, who may see note h, may still add to it
// or change it: a member of its group if it is in one, and for a reply,
// someone who may still see its thread (a reply stays visible to its
// author after its thread was narrowed away from them, but they no longer
// write into a conversation they cannot read).
func mayWriteIn(ctx context.Context, tx *sql.Tx, userID int64, h noteHead) error {
	if err := requireMember(ctx, tx, userID, h.groupID); err != nil {
		return err
	}
	if h.parentID == "" {
		return nil
	}
	if _, err := visibleNote(ctx, tx, userID, h.parentID); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("thread %q: %w", h.parentID, ErrNotInAudience)
	} else if err != nil {
		return err
	}
	return nil
}

// audienceWithin reports whether audience a (in group g) reaches no one
// that old (in group og) did not: public ⊇ group:G ⊇ teachers:G ⊇
// private. A thread's replies move with its first note, so a thread with
// others' replies may change only this way.
//
// Widening is refused rather than done in some gentler way. Detaching the
// others' replies would leave answers without their question, and the
// thread's accepted answer pointing at nothing; asking each replier would
// hold the note in a half-moved state for people who may have left the
// group. Refusing keeps every reply with the readers its writer chose, and
// the author can still say it to more readers in a new note.
func audienceWithin(a Audience, g int64, old Audience, og int64) bool {
	switch {
	case a == Private || old == Public:
		return true
	case a == Public || old == Private || g != og:
		return false
	}
	return a == old || a == Teachers // group:G to teachers:G narrows
}
