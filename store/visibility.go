package store

import (
	"database/sql"
	"strings"
)

// The visibility rule: which notes a viewer may see. It is written once,
// here, as SQL over a row with the notes table's audience columns, and
// every query that fetches, lists, counts, maps or streams notes ANDs it in.
//
// A top-level note is visible to viewer V when:
//
//   - V wrote it; or it is public;
//   - it is for "me and the teachers of group G" and V teaches G;
//   - it is for group G, V is a member of G, and post first does not hide
//     it: post first is off for G and the note's document, or V teaches G,
//     or the note's author teaches G (a guide note), or V has contributed
//     to G on that document (a note or a reply with words, for the group,
//     neither deleted nor hidden: see unlocksPostFirst);
//
// and it is not hidden by moderation, unless V wrote it or teaches its
// group; and it is not deleted.
//
// A reply is visible when it passes post first and moderation, is not
// deleted, and either V wrote it (their own words stay theirs, even in a
// thread since narrowed away from them) or its thread's first note is
// visible to V through its audience (post first and moderation included:
// a teacher's reply to a peer's note must not show the thread to a member
// who may not see that note yet). Through its audience, not through
// authorship alone: the author of a note to group G who has left G, or
// been removed, still sees their note but no longer the words others
// write under it. A group's words are for its current members; a thread
// for "me and the teachers of G" reaches its author only while they are
// a member of G.
//
// Replies take their parent's audience, so changing the parent's audience
// moves the whole thread at once; which is why UpdateNote lets a thread
// with others' replies only narrow (audienceWithin).
//
// The rule uses only named parameters (:viewer), never positional ones;
// or, instead of :viewer, a column that holds the viewer (visRow.viewer).

// visRow says which of a row's states the rule checks, and for whom. The
// event log's rows carry a note's audience as it was, but not whether it
// is hidden or deleted now (a deletion event must still reach those who
// saw the note).
type visRow struct {
	alias   string
	hidden  bool // check hidden_at
	deleted bool // check deleted_at
	// viewer is the SQL expression of the viewer's user id (0: signed
	// out): the named parameter :viewer when empty, or a column, so that
	// one statement can ask the rule for many viewers at once (a row per
	// viewer, as store.DB.EventsFor does) without a second copy of it.
	viewer string
}

// visibleTo returns the rule for notes aliased n.
func visibleTo(v Viewer) (string, []any) {
	return visibility(visRow{alias: "n", hidden: true, deleted: true}), viewerArgs(v)
}

func viewerArgs(v Viewer) []any { return []any{sql.Named("viewer", v.UserID)} }

// visibility builds the rule for one row.
func visibility(r visRow) string {
	a, u := r.alias, r.viewer
	if u == "" {
		u = ":viewer"
	}
	var conds []string
	if r.deleted {
		conds = append(conds, a+".deleted_at IS NULL")
	}
	if r.hidden {
		conds = append(conds, notHidden(a, u))
	}
	root := "r_" + a
	conds = append(conds, `(
		(`+a+`.parent_id IS NULL AND `+audienceOK(a, u)+`)
		OR (`+a+`.parent_id IS NOT NULL AND (
			(`+u+` <> 0 AND `+a+`.author_id = `+u+`)
			OR EXISTS (
				SELECT 1 FROM notes `+root+`
				WHERE `+root+`.id = `+a+`.parent_id AND `+root+`.deleted_at IS NULL
				  AND `+notHidden(root, u)+` AND `+reachable(root, u)+` AND `+postFirstOK(root, u)+`))))`,
		postFirstOK(a, u))
	return "(" + strings.Join(conds, "\n\t AND ") + ")"
}

// audienceOK: viewer u wrote the note, or is in its audience.
func audienceOK(a, u string) string {
	return `((` + u + ` <> 0 AND ` + a + `.author_id = ` + u + `) OR ` + reachable(a, u) + `)`
}

// reachable: viewer u is in the note's audience as it stands today,
// authorship aside: everyone for a public note; its author for a private
// one; the teachers of G, and its author while a member of G, for a note
// to the teachers of G; the members of G for a note to G.
func reachable(a, u string) string {
	return `(` + a + `.audience = 'public'
		OR (` + u + ` <> 0 AND ` + a + `.audience = 'private' AND ` + a + `.author_id = ` + u + `)
		OR (` + u + ` <> 0 AND ` + a + `.audience = 'teachers' AND (` + teaches(u, a+".group_id") + `
			OR (` + a + `.author_id = ` + u + ` AND ` + belongs(u, a+".group_id") + `)))
		OR (` + u + ` <> 0 AND ` + a + `.audience = 'group' AND ` + belongs(u, a+".group_id") + `))`
}

// postFirstOK: post first does not hide this group note from viewer u.
func postFirstOK(a, u string) string {
	return `(` + a + `.audience <> 'group'
		OR (` + u + ` <> 0 AND ` + a + `.author_id = ` + u + `)
		OR NOT EXISTS (SELECT 1 FROM group_documents gd
			WHERE gd.group_id = ` + a + `.group_id AND gd.document_id = ` + a + `.document_id AND gd.post_first = 1)
		OR ` + teaches(u, a+".group_id") + `
		OR ` + teaches(a+".author_id", a+".group_id") + `
		OR (` + u + ` <> 0 AND ` + unlocksPostFirst(u, a+".group_id", a+".document_id") + `))`
}

// unlocksPostFirst is "user u has contributed to group g on document d",
// which lifts post first for u there: u wrote a note or a reply with
// words in it, for the whole group, that the group can see (not deleted,
// and neither it nor its thread hidden by a teacher). An empty highlight,
// a note only for the teachers, or something a teacher hid shows the
// group nothing of u's thinking, so it unlocks nothing: otherwise one
// keystroke would read everyone's notes without writing any. (A reply's
// audience is its thread's, so a reply in a group thread counts and one
// in a thread for the teachers does not.) Locked, the banner that says
// post first is holding peers' notes back, asks the same question.
func unlocksPostFirst(u, g, d string) string {
	return `EXISTS (SELECT 1 FROM notes w
			WHERE w.author_id = ` + u + ` AND w.group_id = ` + g + `
			  AND w.document_id = ` + d + ` AND w.audience = 'group'
			  AND trim(w.body, ` + blankChars + `) <> ''
			  AND w.deleted_at IS NULL AND w.hidden_at IS NULL
			  AND NOT EXISTS (SELECT 1 FROM notes wp WHERE wp.id = w.parent_id AND wp.hidden_at IS NOT NULL))`
}

// notHidden: moderation does not hide the note from viewer u.
func notHidden(a, u string) string {
	return `(` + a + `.hidden_at IS NULL OR (` + u + ` <> 0 AND (` + a + `.author_id = ` + u + ` OR ` + teaches(u, a+".group_id") + `)))`
}

// teaches is "user u is a teacher of group g"; belongs, "a member of any role".
func teaches(u, g string) string {
	return `EXISTS (SELECT 1 FROM memberships tm WHERE tm.user_id = ` + u + ` AND tm.group_id = ` + g + ` AND tm.role = 'teacher')`
}

func belongs(u, g string) string {
	return `EXISTS (SELECT 1 FROM memberships bm WHERE bm.user_id = ` + u + ` AND bm.group_id = ` + g + `)`
}
