package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Margins: what a reading page shows of a document's notes beside its
// paragraphs, chosen in one statement under the visibility rule, so the
// page reads a bounded number of notes however many the reader may see.
//
// A thread is a top-level note the viewer may see, with the replies to it
// they may see; or a lone reply, the viewer's own reply in a thread no
// longer open to them, which stands alone where its thread was and marks
// no words. A thread sits on the block its first note's target names on
// the revision; a reply follows its note (UpdateNote and publishing move
// a thread's replies with it). Each block's threads are in the margin's
// order: the guide's notes first (a group note by a teacher of the
// group), in reading order; then the others in MarginQuery.Order, reading
// order among equals. Threads not placed on the revision's blocks
// (orphans, notes on words an earlier revision had) are the page's
// "earlier" list, in reading order.
//
// The statement works out the notes the viewer may see once (a
// materialized CTE with the rule ANDed in, as every note query does), and
// returns per block only its counts, its first guide thread, its first
// Cards other threads and the quotes of its first Marks threads: a row
// per chosen thread, never per note. Its work grows with the notes the
// viewer may see, what it returns only with the blocks. It is standard
// SQL (window functions, CASE, coalesce, substr) that PostgreSQL runs too.

// MarginOrder orders a margin's threads after the guide's.
type MarginOrder int

const (
	// MarginReading: reading order (where the quote starts, whole-block
	// notes first, then the oldest first).
	MarginReading MarginOrder = iota
	// MarginNewest: the newest first.
	MarginNewest
	// MarginReactions: the most reactions (helpful and same question)
	// first.
	MarginReactions
)

// Bounds of a MarginQuery: what one page may ask for.
const (
	MaxMarginCards   = 20
	MaxMarginMarks   = 50
	MaxMarginEarlier = 50
)

// MarginQuery asks for the margins of one revision of a document.
type MarginQuery struct {
	DocumentID int64
	// RevisionID, when not 0, places the notes as they stood on that
	// revision (NoteQuery.RevisionID); 0 places them on the current one.
	RevisionID int64
	// Anchor, when not "", asks for that block's margin only (and no
	// earlier list).
	Anchor string
	Order  MarginOrder
	// Cards: threads other than the guide's per block; Marks: quoted
	// threads per block whose words the page marks; Earlier: threads of
	// the earlier list. At most MaxMarginCards, MaxMarginMarks and
	// MaxMarginEarlier.
	Cards, Marks, Earlier int
}

// MarginThread is a thread as a margin's card shows it.
type MarginThread struct {
	ID       string
	ParentID string // a lone reply's note
	Author   User   // ID and Name only
	// Words is the start of the body, at most MarginWords characters;
	// WholeBody says that it is the whole body.
	Words     string
	WholeBody bool
	Lone      bool
	Replies   int // the replies the viewer may see
	Guide     bool
	Question  bool
	Answered  bool // resolved, or a reply accepted
	Hidden    bool
	Version   int64
	Exact     string // the quote on the revision
	// Where the note was written, and whether its original quote is an
	// importer's words (Note.ImportedQuote): for the earlier list.
	Original      Target
	ImportedQuote bool
}

// MarginWords is how many characters of a body a MarginThread carries.
const MarginWords = 600

// MarginMark is the quote of a thread marked in its block's text.
type MarginMark struct {
	NoteID     string
	AuthorID   int64
	Start, End int // code points into the block's canonical text
}

// BlockMargin is one block's margin.
type BlockMargin struct {
	Threads int // threads on the block
	Notes   int // notes and replies in them
	Guides  int // guide threads among them
	// Guide is the first guide thread, when there is one.
	Guide *MarginThread
	// Cards are the first other threads, in the margin's order.
	Cards []MarginThread
	// Marks are the quotes of the first quoted threads, in the margin's
	// order (guide threads first); lone replies mark nothing.
	Marks []MarginMark
}

// Margins is a revision's margins.
type Margins struct {
	Blocks map[string]*BlockMargin // by anchor: the blocks with threads
	// Placed counts the notes and replies placed on the revision's
	// blocks; Guides the guide threads among them.
	Placed, Guides int
	// Earlier are the first threads not placed on the revision, in
	// reading order, of EarlierTotal.
	Earlier      []MarginThread
	EarlierTotal int
}

// Margins returns the margins of q's revision as viewer v may see them.
func (db *DB) Margins(ctx context.Context, v Viewer, q MarginQuery) (Margins, error) {
	m := Margins{Blocks: map[string]*BlockMargin{}}
	fail := func(err error) (Margins, error) {
		return Margins{}, fmt.Errorf("margins of document %d: %w", q.DocumentID, err)
	}
	if q.Cards < 0 || q.Cards > MaxMarginCards || q.Marks < 0 || q.Marks > MaxMarginMarks ||
		q.Earlier < 0 || q.Earlier > MaxMarginEarlier {
		return fail(invalid("", "cards %d, marks %d and earlier %d must be 0 to %d, %d and %d",
			q.Cards, q.Marks, q.Earlier, MaxMarginCards, MaxMarginMarks, MaxMarginEarlier))
	}
	if q.Anchor != "" {
		q.Earlier = 0
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()

	vis, args := visibleTo(v)
	rows, err := tx.QueryContext(ctx, marginsSQL(q, vis), append(args,
		sql.Named("doc", q.DocumentID), sql.Named("rev", q.RevisionID), sql.Named("anchor", q.Anchor),
		sql.Named("cards", q.Cards), sql.Named("marks", q.Marks), sql.Named("earlier", q.Earlier),
		sql.Named("words", MarginWords))...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			t                    MarginThread
			anchor               string
			placed, card, marked bool
			start, end           int
			threads, notes       int
			guides               int
		)
		o := &t.Original
		if err := rows.Scan(&t.ID, &t.ParentID, &t.Author.ID, &t.Author.Name, &t.Words, &t.WholeBody,
			&t.Lone, &t.Replies, &t.Guide, &t.Question, &t.Answered, &t.Hidden, &t.Version, &t.Exact,
			&o.RevisionID, &o.Anchor, &o.Exact, &t.ImportedQuote,
			&anchor, &start, &end, &placed, &card, &marked,
			&threads, &notes, &guides); err != nil {
			return fail(err)
		}
		t.Answered = t.Question && t.Answered // resolved or accepted, for a question
		if !placed {
			m.EarlierTotal = threads
			if card {
				m.Earlier = append(m.Earlier, t)
			}
			continue
		}
		b := m.Blocks[anchor]
		if b == nil {
			b = &BlockMargin{Threads: threads, Notes: notes, Guides: guides}
			m.Blocks[anchor] = b
			m.Placed += notes
			m.Guides += guides
		}
		if card {
			if t.Guide {
				b.Guide = &t
			} else {
				b.Cards = append(b.Cards, t)
			}
		}
		if marked {
			b.Marks = append(b.Marks, MarginMark{NoteID: t.ID, AuthorID: t.Author.ID, Start: start, End: end})
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return m, nil
}

// marginsSQL is Margins' statement; vis is the visibility rule for notes
// aliased n.
//
// vis: the notes the viewer may see, with their target on the revision
// (tgt: the note's current columns, or note_targets' row for an earlier
// revision) and the position of its block there (NULL: not placed).
// threads: the top-level notes among them and the lone replies.
// ranked: each thread with its replies, its place in its block's margin
// (card_rank: among the guide's or among the others; mark_rank: among
// the quoted threads) or in the earlier list, and the counts the margin
// shows, by window functions. The last SELECT keeps the chosen rows.
func marginsSQL(q MarginQuery, vis string) string {
	tgt, from := "n", `FROM notes n
		JOIN documents d ON d.id = n.document_id
		LEFT JOIN blocks b
		       ON n.cur_status <> 'orphan'
		      AND n.cur_revision_id = d.current_revision_id
		      AND b.revision_id = n.cur_revision_id
		      AND b.anchor = n.cur_anchor`
	if q.RevisionID != 0 {
		tgt, from = "t", `FROM notes n
		JOIN note_targets t ON t.note_id = n.id AND t.cur_revision_id = :rev
		LEFT JOIN blocks b
		       ON t.cur_status <> 'orphan'
		      AND b.revision_id = t.cur_revision_id
		      AND b.anchor = t.cur_anchor`
	}
	anchor := ""
	if q.Anchor != "" {
		// A reply sits on its note's target, so a block's threads and
		// their replies all have its anchor.
		anchor = " AND " + tgt + ".cur_anchor = :anchor"
	}
	// The margin's order: in a block, the guide's threads first in
	// reading order, then the others in q.Order, then reading order; the
	// earlier list (position NULL) in reading order. Written as one
	// window, so that the database sorts the threads once. The key of
	// q.Order is NULL for threads it does not order, which lead (or the
	// earlier list's partition) has set apart already, so where a
	// database puts NULLs does not matter.
	lead := "CASE WHEN x.position IS NOT NULL AND x.guide THEN 1 ELSE 0 END DESC, "
	after := ""
	switch q.Order {
	case MarginNewest:
		after = "CASE WHEN x.guide OR x.position IS NULL THEN NULL ELSE x.created_at END DESC, "
	case MarginReactions:
		after = "CASE WHEN x.guide OR x.position IS NULL THEN NULL ELSE x.reactions END DESC, "
	}
	reactions := "0"
	if q.Order == MarginReactions {
		reactions = "(SELECT count(*) FROM reactions rx WHERE rx.note_id = h.id AND rx.kind IN ('helpful', 'same'))"
	}
	reading := "x.exact <> '', x.qstart, x.created_at, x.id"
	upto := "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
	return `WITH vis AS MATERIALIZED (
	SELECT n.id, n.parent_id, n.author_id, n.audience, n.group_id, n.created_at,
	       ` + tgt + `.cur_anchor AS anchor, ` + tgt + `.cur_start AS qstart, ` + tgt + `.cur_end AS qend,
	       ` + tgt + `.cur_exact AS exact, b.position AS position
	` + from + `
	WHERE n.document_id = :doc` + anchor + ` AND ` + vis + `
), threads AS MATERIALIZED (
	SELECT h.id, h.parent_id, h.author_id, h.created_at, h.anchor, h.qstart, h.qend, h.exact, h.position,
	       h.parent_id IS NOT NULL AS lone,
	       ` + guideRule("h") + ` AS guide,
	       ` + reactions + ` AS reactions
	FROM vis h
	WHERE h.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM vis p WHERE p.id = h.parent_id)
), block_notes AS MATERIALIZED (
	SELECT v.position, count(*) AS notes FROM vis v WHERE v.position IS NOT NULL GROUP BY v.position
), block_threads AS MATERIALIZED (
	SELECT t.position, count(*) AS threads, sum(CASE WHEN t.guide THEN 1 ELSE 0 END) AS guides
	FROM threads t GROUP BY t.position
), ranked AS (
	SELECT x.*,
	       row_number() OVER w AS place,
	       sum(CASE WHEN x.exact <> '' AND NOT x.lone THEN 1 ELSE 0 END) OVER (w ` + upto + `) AS quote_place,
	       sum(CASE WHEN x.guide THEN 1 ELSE 0 END) OVER (w ` + upto + `) AS guides_upto
	FROM threads x
	WINDOW w AS (PARTITION BY x.position ORDER BY ` + lead + after + reading + `)
), chosen AS (
	SELECT k.*,
	       (k.position IS NOT NULL AND (k.guide AND k.place = 1 OR NOT k.guide AND k.place - k.guides_upto <= :cards)
	        OR k.position IS NULL AND k.place <= :earlier) AS card,
	       (k.position IS NOT NULL AND k.exact <> '' AND NOT k.lone AND k.quote_place <= :marks) AS marked
	FROM ranked k
)
SELECT c.id, coalesce(c.parent_id, ''), u.id, u.name,
       CASE WHEN c.card THEN substr(nn.body, 1, :words) ELSE '' END, length(nn.body) <= :words,
       c.lone,
       CASE WHEN c.card AND NOT c.lone THEN (SELECT count(*) FROM notes n WHERE n.parent_id = c.id AND ` + vis + `) ELSE 0 END,
       c.guide, nn.question, nn.resolved_at IS NOT NULL OR nn.accepted_id IS NOT NULL,
       nn.hidden_at IS NOT NULL, nn.version, c.exact,
       nn.orig_revision_id, nn.orig_anchor, nn.orig_exact, nn.imported_quote,
       c.anchor, c.qstart, c.qend, c.position IS NOT NULL, c.card, c.marked,
       bt.threads, coalesce((SELECT bn.notes FROM block_notes bn WHERE bn.position = c.position), 0), bt.guides
FROM chosen c
JOIN notes nn ON nn.id = c.id
JOIN users u ON u.id = c.author_id
JOIN block_threads bt ON bt.position = c.position OR bt.position IS NULL AND c.position IS NULL
-- place 1: every block has a row, which brings its counts.
WHERE c.card OR c.marked OR c.place = 1
ORDER BY c.position IS NULL, c.position, c.place`
}

// guideRule is "the note aliased a is a guide note": a note to a group,
// not a reply, by a teacher of the group (Note.Guide).
func guideRule(a string) string {
	return `(` + a + `.parent_id IS NULL AND ` + a + `.audience = 'group' AND EXISTS (SELECT 1 FROM memberships gm
	            WHERE gm.group_id = ` + a + `.group_id AND gm.user_id = ` + a + `.author_id AND gm.role = 'teacher'))`
}

// GuideStops lists, for each group of viewer v with guide notes that v
// may see on the current revision of document documentID, the anchors of
// the blocks they are on, in reading order: a guided tour's stops. Notes
// hidden by moderation and notes not placed on the current revision make
// no stop. It reads only guide notes: it starts from the teachers of the
// viewer's groups and their notes to those groups (CROSS JOIN keeps
// SQLite to that order; for PostgreSQL it is a plain join).
func (db *DB) GuideStops(ctx context.Context, v Viewer, documentID int64) (map[int64][]string, error) {
	fail := func(err error) (map[int64][]string, error) {
		return nil, fmt.Errorf("guide stops of document %d: %w", documentID, err)
	}
	out := map[int64][]string{}
	if v.UserID == 0 {
		return out, nil // guide notes are for a group's members
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	vis, args := visibleTo(v)
	rows, err := tx.QueryContext(ctx, `
		SELECT n.group_id, n.cur_anchor
		FROM memberships mine
		CROSS JOIN memberships tm
		CROSS JOIN notes n
		JOIN documents d ON d.id = n.document_id
		JOIN blocks b ON b.revision_id = d.current_revision_id AND b.anchor = n.cur_anchor
		WHERE mine.user_id = :viewer AND tm.group_id = mine.group_id AND tm.role = 'teacher'
		  AND n.author_id = tm.user_id AND n.group_id = tm.group_id AND n.document_id = :doc
		  AND n.cur_revision_id = d.current_revision_id AND n.cur_status <> 'orphan'
		  AND n.hidden_at IS NULL AND `+guideRule("n")+` AND `+vis+`
		GROUP BY n.group_id, n.cur_anchor
		ORDER BY n.group_id, min(b.position)`,
		append(args, sql.Named("doc", documentID))...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			g      int64
			anchor string
		)
		if err := rows.Scan(&g, &anchor); err != nil {
			return fail(err)
		}
		out[g] = append(out[g], anchor)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return out, nil
}
