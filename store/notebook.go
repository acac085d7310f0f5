package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The notebook: a reader's notes across documents, in reading order,
// narrowed by facets and by a search, with how many notes each facet's
// values would show.
//
// Its entries are the notes a reader may see and their own replies:
// another's reply is part of a thread, counted under its note, not an
// entry of its own. Whose (the reader's own, or everything they may see),
// essay, group, tag, questions and private are the facets. Several values
// of one facet are alternatives (a note is on one essay, in one group;
// any of the tags chosen will do); facets combine (all must hold). Each
// value's count is of the entries that match every other facet chosen
// and that value, so a count says what choosing the value would show.
//
// A reply is filed with its thread: it takes its thread's essay, group
// and audience (stored on it), and, when the reader may see the thread's
// note, the note's tags and whether it asks a question; a reply in a
// thread the reader may no longer see has no tags and is no question.
// "Private" is what nobody else can see: a note for "only me", and a
// reply in the reader's own such thread (a thread narrowed to "only me"
// by its author is private to that author, not to whoever replied).
//
// What one request costs: one statement works the entries out once under
// the visibility rule (a materialized CTE), counts every facet from them
// with GROUP BY, and picks the page; a second reads the page's notes. Its
// cost grows with the notes the reader may see, never with the facets
// chosen or listed, and a search adds the bounds of Search (its words,
// its slot and its time).

// Limits on a notebook query.
const (
	// MaxNotebookChoices is how many values one facet may choose at once.
	MaxNotebookChoices = 20
	// NotebookFacetValues is how many groups, and how many tags, a facet
	// lists: those with the most entries (and every chosen one).
	NotebookFacetValues = 20
	// MaxNotebookLimit is the most entries one query returns.
	MaxNotebookLimit = 100
)

// NotebookQuery chooses a notebook's entries.
type NotebookQuery struct {
	// Documents are the documents whose notes the notebook lists, in the
	// order it lists them; notes on any other document are left out.
	Documents []int64
	// All lists every entry the viewer may see; otherwise only their own
	// notes and replies.
	All bool
	// The facets chosen: essays and groups by id, tags as ValidateTag
	// leaves them. Empty chooses no value (everything).
	Essays, Groups []int64
	Tags           []string
	// Questions: questions and the replies in their threads. Private:
	// what nobody but the viewer can see.
	Questions, Private bool
	// Search, when not nil, keeps only the entries that match it (its
	// Limit and Offset are not used).
	Search *SearchQuery
	// The page: entries Offset+1 to Offset+Limit in reading order.
	Offset, Limit int
}

// FacetCount is one value of a facet and how many entries it would show.
type FacetCount struct {
	ID    int64  // the essay's or group's id; 0 for a tag
	Name  string // the group's name, or the tag
	Count int
}

// NotebookFacets are the counts of each facet's values.
type NotebookFacets struct {
	// Yours and All count the entries that match the other facets among
	// the viewer's own and among everything they may see.
	Yours, All int
	// Essays: each document with entries, in NotebookQuery.Documents'
	// order. Groups and Tags: those with the most entries first (then by
	// name), at most NotebookFacetValues of them besides the chosen ones;
	// MoreGroups and MoreTags say how many others there are.
	Essays               []FacetCount
	Groups, Tags         []FacetCount
	MoreGroups, MoreTags int
	// Questions and Private count the entries that are questions (or
	// private) and match the other facets.
	Questions, Private int
}

// NotebookEntry is a note or a reply of the notebook.
type NotebookEntry struct {
	// Note is without its body (BodySize says how long it is): read the
	// bodies of the entries shown with NoteBodies.
	Note Note
	// Replies is how many replies to a note the viewer may see.
	Replies int
	// ThreadAuthor, for a reply whose thread's note the viewer may see,
	// is who wrote that note (ID and Name); zero for a reply in a thread
	// no longer open to them.
	ThreadAuthor User
}

// Notebook is one page of a notebook, how many entries it has in all, and
// its facets.
type Notebook struct {
	Entries []NotebookEntry
	Total   int
	Facets  NotebookFacets
}

// Notebook returns the page of v's notebook that q asks for, with its
// total and the counts of its facets, all from one read transaction.
//
// With a search it takes a search's turn and time (Search): past them it
// stops with ErrSearchBusy or ErrSearchTimeout.
func (db *DB) Notebook(ctx context.Context, v Viewer, q NotebookQuery) (Notebook, error) {
	nb, err := buildNotebook(v, q, db.dialect)
	if err != nil {
		return Notebook{}, fmt.Errorf("notebook: %w", err)
	}
	if q.Search != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, db.searchTimeout)
		defer cancel()
		if err := db.searchTurn(ctx); err != nil {
			return Notebook{}, fmt.Errorf("notebook: %w", err)
		}
		defer func() { <-db.searchSlots }()
	}
	conn, err := db.ro.Conn(ctx)
	if err != nil {
		return Notebook{}, fmt.Errorf("notebook: %w", err)
	}
	defer conn.Close()
	// As in search: statements are bound to ctx, the transaction is not,
	// so a stopped search ends here and gives its connection back.
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return Notebook{}, fmt.Errorf("notebook: %w", err)
	}
	defer tx.Rollback()
	out, err := nb.run(ctx, tx, v, q)
	if err != nil && q.Search != nil && ctx.Err() != nil {
		return Notebook{}, fmt.Errorf("notebook: %w", stopped(ctx, ErrSearchTimeout))
	}
	if err != nil {
		return Notebook{}, fmt.Errorf("notebook: %w", err)
	}
	return out, nil
}

// notebookSQL is a notebook query as SQL: the filters chosen, by facet,
// as conditions on the CTE f's columns, and every named argument.
type notebookSQL struct {
	search  *searchSQL
	filters []notebookFilter
	args    []any
}

type notebookFilter struct {
	facet string // "mine", "essay", "group", "tag", "question", "private"
	cond  string // on a row of e, named f (other tables join it)
}

func jsonArg(name string, v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return sql.Named(name, string(b)), nil
}

func buildNotebook(v Viewer, q NotebookQuery, d dialect) (*notebookSQL, error) {
	switch {
	case v.UserID == 0:
		return nil, fmt.Errorf("%w: a notebook is a signed-in reader's", ErrInvalid)
	case q.Offset < 0 || q.Limit < 1 || q.Limit > MaxNotebookLimit:
		return nil, fmt.Errorf("%w: offset %d and limit %d: the offset may not be negative, and the limit is 1 to %d",
			ErrInvalid, q.Offset, q.Limit, MaxNotebookLimit)
	}
	for _, c := range []struct {
		what string
		n    int
	}{{"essays", len(q.Essays)}, {"groups", len(q.Groups)}, {"tags", len(q.Tags)}} {
		if c.n > MaxNotebookChoices {
			return nil, fmt.Errorf("%w: %d %s chosen; at most %d", ErrInvalid, c.n, c.what, MaxNotebookChoices)
		}
	}
	for _, t := range q.Tags {
		if clean, err := ValidateTag(t); err != nil {
			return nil, err
		} else if clean != t {
			return nil, fmt.Errorf("%w: the tag %q is not as ValidateTag leaves it (%q)", ErrInvalid, t, clean)
		}
	}
	nb := &notebookSQL{}
	if q.Search != nil {
		if len(q.Search.Terms) == 0 || len(q.Search.Terms) > MaxSearchTerms {
			return nil, fmt.Errorf("%w: %d search terms; a search has 1 to %d", ErrInvalid, len(q.Search.Terms), MaxSearchTerms)
		}
		if err := checkWords(*q.Search); err != nil {
			return nil, err
		}
		s, err := searchTerms(*q.Search, d)
		if err != nil {
			return nil, err
		}
		nb.search = s
		nb.args = append(nb.args, s.args...)
	}
	// JSON arrays, never null: json_each('null') is one row, of NULL.
	orEmpty := func(s []int64) []int64 {
		if s == nil {
			return []int64{}
		}
		return s
	}
	tags := q.Tags
	if tags == nil {
		tags = []string{}
	}
	for _, a := range []struct {
		name string
		v    any
	}{{"nb_docs", orEmpty(q.Documents)}, {"nb_essays", orEmpty(q.Essays)}, {"nb_groups", orEmpty(q.Groups)}, {"nb_tags", tags}} {
		arg, err := jsonArg(a.name, a.v)
		if err != nil {
			return nil, err
		}
		nb.args = append(nb.args, arg)
	}
	nb.args = append(nb.args, viewerArgs(v)...)
	nb.args = append(nb.args, sql.Named("nb_limit", q.Limit), sql.Named("nb_offset", q.Offset))
	if !q.All {
		nb.filters = append(nb.filters, notebookFilter{"mine", "f.mine"})
	}
	if len(q.Essays) > 0 {
		nb.filters = append(nb.filters, notebookFilter{"essay", "f.f_essay"})
	}
	if len(q.Groups) > 0 {
		nb.filters = append(nb.filters, notebookFilter{"group", "f.f_group"})
	}
	if len(q.Tags) > 0 {
		nb.filters = append(nb.filters, notebookFilter{"tag", "f.f_tag"})
	}
	if q.Questions {
		nb.filters = append(nb.filters, notebookFilter{"question", "f.question"})
	}
	if q.Private {
		nb.filters = append(nb.filters, notebookFilter{"private", "f.private"})
	}
	return nb, nil
}

// except is the conditions of every filter chosen but facet's ("" for
// all of them), ANDed.
func (nb *notebookSQL) except(facet string) string {
	conds := []string{"1 = 1"} // true, as both databases write it
	for _, f := range nb.filters {
		if f.facet != facet {
			conds = append(conds, f.cond)
		}
	}
	return strings.Join(conds, " AND ")
}

// entries is the WITH clause. x is each entry's note under the
// visibility rule (a search's matches only, with one), with its thread's
// note p beside it for a reply; e, materialized once, is what the facets
// count and the page is cut from:
//
//   - tid, the thread whose tags an entry takes: its own id for a note,
//     its note's for a reply whose note the viewer may see, NULL for a
//     reply in a thread no longer open to them;
//   - question and private, as the facets mean them (store.Notebook);
//   - what reading order sorts on, read from the rows at hand rather
//     than looked up again for each entry;
//   - the test of each facet chosen (f_essay, f_group, f_tag).
func (nb *notebookSQL) entries() string {
	vis := visibility(visRow{alias: "n", hidden: true, deleted: true})
	thread := visibility(visRow{alias: "p", hidden: true, deleted: true})
	matching := ""
	if nb.search != nil {
		matching = "\n\t  AND n.id IN (" + nb.search.matching() + ")"
	}
	const tid = "CASE WHEN x.parent IS NULL THEN x.id WHEN x.thread_seen THEN x.parent END"
	tests := ""
	for _, f := range nb.filters {
		switch f.facet {
		case "essay":
			tests += ",\n\t       x.doc IN (SELECT CAST(value AS BIGINT) FROM json_each(:nb_essays)) AS f_essay"
		case "group":
			tests += ",\n\t       x.grp IS NOT NULL AND x.grp IN (SELECT CAST(value AS BIGINT) FROM json_each(:nb_groups)) AS f_group"
		case "tag":
			tests += `,
	       EXISTS (SELECT 1 FROM note_tags ft WHERE ft.note_id = ` + tid + `
	               AND ft.tag IN (SELECT value FROM json_each(:nb_tags))) AS f_tag`
		}
	}
	return `WITH x AS (
	SELECT n.id AS id, n.document_id AS doc, n.group_id AS grp, n.author_id AS author, n.audience AS audience,
	       n.question AS question, n.parent_id AS parent, n.created_at AS created,
	       o.key AS doc_place, b.position AS block, n.cur_exact <> '' AS quoted, n.cur_start AS start,
	       p.author_id AS thread_author, p.question AS thread_question, p.created_at AS thread_created,
	       p.id IS NOT NULL AND ` + thread + ` AS thread_seen
	FROM notes n
	JOIN json_each(:nb_docs) o ON n.document_id = CAST(o.value AS BIGINT)
	JOIN documents d ON d.id = n.document_id
	LEFT JOIN blocks b
	       ON n.cur_status <> 'orphan'
	      AND n.cur_revision_id = d.current_revision_id
	      AND b.revision_id = n.cur_revision_id
	      AND b.anchor = n.cur_anchor
	LEFT JOIN notes p ON p.id = n.parent_id
	WHERE (n.parent_id IS NULL OR n.author_id = :viewer)
	  AND ` + vis + matching + `
), e AS MATERIALIZED (
	SELECT x.id, x.doc, x.grp, x.author = :viewer AS mine, ` + tid + ` AS tid,
	       CASE WHEN x.parent IS NULL THEN x.question WHEN x.thread_seen THEN x.thread_question ELSE 0 END = 1 AS question,
	       x.audience = 'private' AND coalesce(x.thread_author, x.author) = :viewer AS private,
	       x.doc_place, x.block, x.quoted, x.start,
	       coalesce(x.thread_created, x.created) AS thread_created, coalesce(x.parent, x.id) AS thread_id,
	       x.parent IS NOT NULL AS reply, x.created` + tests + `
	FROM x
), groups_of AS MATERIALIZED (
	SELECT grp, count(*) AS c FROM e f WHERE grp IS NOT NULL AND ` + nb.except("group") + ` GROUP BY grp
), tags_of AS MATERIALIZED (
	SELECT t.tag AS tag, count(*) AS c FROM e f JOIN note_tags t ON t.note_id = f.tid
	WHERE ` + nb.except("tag") + ` GROUP BY t.tag
)`
}

// The rows of the counting statement: kind says what a row is.
const (
	rowEssay      = "essay"      // k: document id; c: count
	rowGroup      = "group"      // k: group id; name; c
	rowGroups     = "groups"     // c: how many groups have entries
	rowTag        = "tag"        // name: the tag; c
	rowTags       = "tags"       // c: how many tags have entries
	rowQuestion   = "question"   // c
	rowPrivate    = "private"    // c
	rowScope      = "scope"      // k: 1 the viewer's own, 0 others'; c
	rowEntry      = "entry"      // k: place in the whole list, from 1; name: id; c: replies; thread: its note's author, "id:name"
	rowEntryTotal = "entry-seen" // c: entries matching everything
)

func (nb *notebookSQL) statement() string {
	all := nb.except("")
	visR := visibility(visRow{alias: "r", hidden: true, deleted: true})
	return nb.entries() + `
SELECT '` + rowEssay + `', doc, '', count(*), NULL FROM e f WHERE ` + nb.except("essay") + ` GROUP BY doc
UNION ALL SELECT * FROM (
	SELECT '` + rowGroup + `', g.id, g.name, x.c, NULL FROM groups_of x JOIN groups g ON g.id = x.grp
	ORDER BY x.c DESC, g.name, g.id LIMIT ` + strconv.Itoa(NotebookFacetValues) + `) AS top_groups
UNION ALL SELECT '` + rowGroup + `', g.id, g.name, x.c, NULL FROM groups_of x JOIN groups g ON g.id = x.grp
	WHERE x.grp IN (SELECT CAST(value AS BIGINT) FROM json_each(:nb_groups))
UNION ALL SELECT '` + rowGroups + `', 0, '', count(*), NULL FROM groups_of
UNION ALL SELECT * FROM (
	SELECT '` + rowTag + `', 0, tag, c, NULL FROM tags_of ORDER BY c DESC, tag LIMIT ` + strconv.Itoa(NotebookFacetValues) + `) AS top_tags
UNION ALL SELECT '` + rowTag + `', 0, tag, c, NULL FROM tags_of WHERE tag IN (SELECT value FROM json_each(:nb_tags))
UNION ALL SELECT '` + rowTags + `', 0, '', count(*), NULL FROM tags_of
UNION ALL SELECT '` + rowQuestion + `', 0, '', count(*), NULL FROM e f WHERE question AND ` + nb.except("question") + `
UNION ALL SELECT '` + rowPrivate + `', 0, '', count(*), NULL FROM e f WHERE private AND ` + nb.except("private") + `
UNION ALL SELECT '` + rowScope + `', CASE WHEN mine THEN 1 ELSE 0 END, '', count(*), NULL FROM e f WHERE ` + nb.except("mine") + ` GROUP BY mine
UNION ALL SELECT '` + rowEntryTotal + `', 0, '', count(*), NULL FROM e f WHERE ` + all + `
UNION ALL SELECT '` + rowEntry + `', :nb_offset + row_number() OVER (ORDER BY ` + readingOrder + `), pg.id,
	CASE WHEN pg.tid = pg.id THEN (SELECT count(*) FROM notes r WHERE r.parent_id = pg.id AND ` + visR + `) ELSE 0 END,
	(SELECT u.id || ':' || u.name FROM notes tn JOIN users u ON u.id = tn.author_id WHERE tn.id = pg.tid AND pg.tid <> pg.id)
FROM (SELECT * FROM e f WHERE ` + all + ` ORDER BY ` + readingOrder + ` LIMIT :nb_limit OFFSET :nb_offset) pg`
}

// readingOrder sorts entries by document, then as Notes orders a
// document's notes, each reply straight after its thread's note (whose
// time and id order the thread among the notes on the same words). The
// page is sorted by it twice: the entries chosen (a sort that keeps only
// the best Offset+Limit), then those to number them.
const readingOrder = `doc_place, block IS NULL, block, quoted, start, thread_created, thread_id, reply, created, id`

func (nb *notebookSQL) run(ctx context.Context, tx *sql.Tx, v Viewer, q NotebookQuery) (Notebook, error) {
	var out Notebook
	rows, err := tx.QueryContext(ctx, nb.statement(), nb.args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	type placed struct {
		place int
		entry NotebookEntry
	}
	var (
		page   []placed
		essays = map[int64]int{}
		fc     = &out.Facets
		groups = map[int64]bool{}
		tags   = map[string]bool{}
		nG, nT int
	)
	for rows.Next() {
		var (
			kind, name string
			k          int64
			c          int
			thread     sql.NullString
		)
		if err := rows.Scan(&kind, &k, &name, &c, &thread); err != nil {
			return out, err
		}
		switch kind {
		case rowEssay:
			essays[k] = c
		case rowGroup:
			if !groups[k] {
				groups[k] = true
				fc.Groups = append(fc.Groups, FacetCount{ID: k, Name: name, Count: c})
			}
		case rowGroups:
			nG = c
		case rowTag:
			if !tags[name] {
				tags[name] = true
				fc.Tags = append(fc.Tags, FacetCount{Name: name, Count: c})
			}
		case rowTags:
			nT = c
		case rowQuestion:
			fc.Questions = c
		case rowPrivate:
			fc.Private = c
		case rowScope:
			fc.All += c
			if k == 1 {
				fc.Yours = c
			}
		case rowEntryTotal:
			out.Total = c
		case rowEntry:
			x := NotebookEntry{Note: Note{ID: name}, Replies: c}
			if id, who, ok := strings.Cut(thread.String, ":"); ok {
				x.ThreadAuthor.ID, _ = strconv.ParseInt(id, 10, 64)
				x.ThreadAuthor.Name = who
			}
			page = append(page, placed{int(k), x})
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	rows.Close()
	for _, d := range q.Documents {
		if c := essays[d]; c > 0 {
			fc.Essays = append(fc.Essays, FacetCount{ID: d, Count: c})
		}
	}
	byCount := func(x, y FacetCount) int {
		if x.Count != y.Count {
			return y.Count - x.Count
		}
		return strings.Compare(x.Name, y.Name)
	}
	slices.SortStableFunc(fc.Groups, byCount)
	slices.SortStableFunc(fc.Tags, byCount)
	fc.MoreGroups, fc.MoreTags = max(0, nG-len(fc.Groups)), max(0, nT-len(fc.Tags))
	if len(page) == 0 {
		return out, nil
	}
	slices.SortFunc(page, func(x, y placed) int { return x.place - y.place })

	// The page's notes, without bodies, through the rule again.
	ids := make([]string, len(page))
	for i, p := range page {
		ids[i] = p.entry.Note.ID
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return out, err
	}
	vis, args := visibleTo(v)
	nrows, err := tx.QueryContext(ctx, withoutBody(noteSelect)+`
		WHERE n.id IN (SELECT value FROM json_each(:ids)) AND `+vis,
		append(args, sql.Named("ids", string(list)))...)
	if err != nil {
		return out, err
	}
	defer nrows.Close()
	notes := make(map[string]Note, len(page))
	for nrows.Next() {
		n, err := scanNote(nrows)
		if err != nil {
			return out, err
		}
		notes[n.ID] = n
	}
	if err := nrows.Err(); err != nil {
		return out, err
	}
	for _, p := range page {
		n, ok := notes[p.entry.Note.ID]
		if !ok {
			continue // cannot happen in one transaction; never show what the rule did not return
		}
		p.entry.Note = n
		out.Entries = append(out.Entries, p.entry)
	}
	return out, nil
}
