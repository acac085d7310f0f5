package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The migration that adds the status moved rebuilds notes and note_targets
// (SQLite cannot alter their CHECK constraints). A database as the glossa
// before it left it, with notes, a reply, tags, a reaction and a
// revision that moved notes, comes through with every row, rowid and index
// entry as it was, the same columns, keys, indexes and triggers, foreign
// keys enforced again, and the new status accepted where it was refused.
func TestMigrationMovedStatus(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "glossa.db")
	db, err := open(ctx, path, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Today's code numbers the events it logs with the columns of a later
	// migration (event numbers), which touches neither notes nor their
	// targets: give the old database those first, so the fixture can be
	// written through the store; and the later tables, so the schema
	// compared before and after differs only by this migration.
	applyLater(t, db, 13)
	applyLater(t, db, 14)
	ann, bob := mustUser(t, db, "ann"), mustUser(t, db, "bob")
	r1 := mustPublish(t, db, pub("essay", "Alpha beta gamma.", "Delta epsilon.", "Zeta eta."))
	doc := mustDocument(t, db, "essay")
	n1 := mustNote(t, db, ann, doc, Public, "on beta", quote(r1, 0, 6, 10))
	mustNote(t, db, bob, doc, Private, "bob's own, on delta", quote(r1, 1, 0, 5))
	mustNote(t, db, ann, doc, Public, "on zeta", quote(r1, 2, 0, 4))
	if _, err := db.UpdateNote(ctx, ann.ID, n1.ID, 0, NoteUpdate{Body: "on beta, tagged", Audience: Public, Tags: []string{"greek"}}); err != nil {
		t.Fatal(err)
	}
	reply, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: bob.ID, ParentID: n1.ID, Body: "a reply to @ann"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.React(ctx, bob.ID, n1.ID, Helpful, true); err != nil {
		t.Fatal(err)
	}
	// A revision that moves them: fuzzy, mapped, orphan.
	p2 := pub("essay", "Alpha bet gamma.", "Zeta eta, said.", "Theta.")
	p2.Retarget = func(orig Original, cur Current) Current {
		switch orig.Exact {
		case "beta":
			return Current{Target: Target{Anchor: p2.Blocks[0].Anchor, Start: 6, End: 9, Exact: "bet", Prefix: "Alpha ", Suffix: " gamma."}, Status: StatusFuzzy, Score: 0.8}
		case "Zeta":
			return Current{Target: Target{Anchor: p2.Blocks[1].Anchor, Start: 0, End: 4, Exact: "Zeta", Suffix: " eta, said."}, Status: StatusMapped, Score: 1}
		}
		cur.Status, cur.Score = StatusOrphan, 0
		return cur
	}
	r2 := mustPublish(t, db, p2)
	// Before the migration, moved is refused: that is what it is for.
	p3 := pub("essay", "Theta.", "Alpha bet gamma.", "Zeta eta, said.")
	p3.Retarget = func(orig Original, cur Current) Current {
		if cur.Status == StatusOrphan {
			return cur
		}
		cur.Status = StatusMoved
		return cur
	}
	if _, _, err := db.Publish(ctx, p3); err == nil || !strings.Contains(err.Error(), "CHECK constraint failed") {
		t.Fatalf("publishing a moved note before the migration: %v, want a CHECK constraint failure", err)
	}
	before, schema := dumpNotes(t, db.sql), notesSchema(t, db.sql)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after := dumpNotes(t, db.sql)
	for table, rows := range before {
		if len(rows) == 0 {
			t.Errorf("%s: no rows before the migration: the fixture tests nothing", table)
		}
		if !reflect.DeepEqual(after[table], rows) {
			t.Errorf("%s changed:\n got %q\nwant %q", table, after[table], rows)
		}
	}
	if got := notesSchema(t, db.sql); !reflect.DeepEqual(got, schema) {
		t.Errorf("schema changed:\n got %q\nwant %q", got, schema)
	}
	for pragma, want := range map[string]string{"integrity_check": "ok", "foreign_keys": "1"} {
		var got string
		if err := db.sql.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s: %q, %v; want %q", pragma, got, err, want)
		}
	}
	var dangling int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&dangling); err != nil || dangling != 0 {
		t.Errorf("foreign_key_check: %d rows, %v", dangling, err)
	}

	// The triggers and the search index work on the new table, and moved
	// is stored.
	if got := search(t, db, vw(ann), "tag:greek"); len(got) != 1 {
		t.Errorf("search after migrating: %q", got)
	}
	r3 := mustPublish(t, db, p3)
	moves, err := db.RevisionMoves(ctx, vw(ann), doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m := moves[r3.ID]; m.Moved != 2 || m.Total() != 2 {
		t.Errorf("revision 3 moves for ann: %+v, want 2 moved", m)
	}
	if m := moves[r2.ID]; m.Fuzzy != 1 || m.Mapped != 1 || m.Total() != 2 {
		t.Errorf("revision 2 moves for ann: %+v, want 1 fuzzy, 1 mapped", m)
	}
	got, err := db.Note(ctx, vw(bob), reply.ID)
	if err != nil || got.Current.Status != StatusMoved || got.Current.RevisionID != r3.ID {
		t.Errorf("the reply after revision 3: %+v, %v; want moved with its note", got.Current, err)
	}
}

// dumpNotes returns, per table that holds or indexes notes, its rows as
// text, in a fixed order (notes with their rowids).
func dumpNotes(t testing.TB, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, query := range map[string]string{
		"notes":         `SELECT rowid, * FROM notes ORDER BY rowid`,
		"note_targets":  `SELECT * FROM note_targets ORDER BY cur_revision_id, note_id`,
		"note_tags":     `SELECT * FROM note_tags ORDER BY note_id, tag`,
		"note_search":   `SELECT * FROM note_search ORDER BY docid`,
		"notes_fts":     `SELECT docid, body, quote, tags FROM notes_fts ORDER BY docid`,
		"reactions":     `SELECT * FROM reactions ORDER BY note_id, user_id, kind`,
		"notifications": `SELECT * FROM notifications ORDER BY id`,
		"events":        `SELECT * FROM events ORDER BY id`,
	} {
		out[table] = rowsOf(t, db, query)
	}
	return out
}

// notesSchema describes notes and note_targets as SQLite sees them
// (columns, foreign keys, indexes and their columns) and the triggers and
// indexes of the schema as written, but for the tables' own SQL, whose
// CHECK constraints the migration changes on purpose.
func notesSchema(t testing.TB, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range []string{"notes", "note_targets"} {
		out[table+" columns"] = rowsOf(t, db, fmt.Sprintf(`SELECT * FROM pragma_table_xinfo('%s')`, table))
		out[table+" foreign keys"] = rowsOf(t, db, fmt.Sprintf(`SELECT * FROM pragma_foreign_key_list('%s')`, table))
		out[table+" indexes"] = rowsOf(t, db, fmt.Sprintf(`SELECT l.name, l."unique", l.origin, l.partial, i.seqno, i.name
			FROM pragma_index_list('%s') l, pragma_index_info(l.name) i ORDER BY l.name, i.seqno`, table))
	}
	out["schema"] = rowsOf(t, db, `SELECT type, name, tbl_name, sql FROM sqlite_schema
		WHERE type IN ('index', 'trigger') ORDER BY type, name`)
	for k, rows := range out["schema"] {
		out["schema"][k] = strings.Join(strings.Fields(rows), " ")
	}
	return out
}

// rowsOf runs query and returns each row's columns joined by " | ".
func rowsOf(t testing.TB, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for k := range vals {
			ptrs[k] = &vals[k]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(cols))
		for k, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cells[k] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(cells, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// applyLater applies the migration of version v to db ahead of its turn,
// for a fixture written by today's code on an older schema.
func applyLater(t testing.TB, db *DB, v int) {
	t.Helper()
	ms, err := migrations(db.dialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version == v {
			if err := applyMigration(context.Background(), db.sql, m); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no migration %d", v)
}
