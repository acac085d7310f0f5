package store

import (
	"context"
	"testing"
)

// TestNotebookFacetsOnEachDatabase reads a notebook with every facet
// chosen, and with none, on the database under test: the statement that
// counts the facets is the store's most intricate SQL, written once for
// both databases (booleans as comparisons, list parameters cast from
// json_each's text, every subquery named).
func TestNotebookFacetsOnEachDatabase(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann, bob := mustUser(t, db, "ann"), mustUser(t, db, "bob")
	rev := mustPublish(t, db, pub("essay", "Alpha beta gamma.", "Delta epsilon."))
	doc := mustDocument(t, db, "essay")
	g, err := db.CreateGroup(ctx, ann.ID, "Seminar")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Join(ctx, bob.ID, g.InviteCode); err != nil {
		t.Fatal(err)
	}
	q, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Members, GroupID: g.ID,
		Question: true, Body: "Why?", Tags: []string{"theory"}, Target: quote(rev, 0, 0, 5)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateNote(ctx, NewNote{AuthorID: bob.ID, ParentID: q.ID, Body: "Because."}); err != nil {
		t.Fatal(err)
	}
	mustNote(t, db, ann, doc, Private, "Mine alone", quote(rev, 1, 0, 0))
	mustNote(t, db, bob, doc, Public, "Bob's", quote(rev, 1, 0, 5))

	all, err := db.Notebook(ctx, Viewer{UserID: ann.ID}, NotebookQuery{Documents: []int64{doc.ID}, All: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 3 || all.Facets.Yours != 2 || all.Facets.All != 3 || all.Facets.Questions != 1 || all.Facets.Private != 1 {
		t.Errorf("ann's notebook, everything: total %d, facets %+v; want 3 entries, 2 hers, 1 question, 1 private", all.Total, all.Facets)
	}
	chosen, err := db.Notebook(ctx, Viewer{UserID: bob.ID}, NotebookQuery{Documents: []int64{doc.ID},
		Essays: []int64{doc.ID}, Groups: []int64{g.ID}, Tags: []string{"theory"}, Questions: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if chosen.Total != 1 || len(chosen.Entries) != 1 || chosen.Entries[0].ThreadAuthor.ID != ann.ID {
		t.Errorf("bob's own, every facet chosen: total %d, entries %+v; want his reply in ann's thread", chosen.Total, chosen.Entries)
	}
	if len(chosen.Facets.Groups) != 1 || chosen.Facets.Groups[0].ID != g.ID || len(chosen.Facets.Tags) != 1 || chosen.Facets.Tags[0].Name != "theory" {
		t.Errorf("bob's facets: %+v", chosen.Facets)
	}
}

// TestImportedBeforeByIDAndSource asks which of a file's notes are here
// already when none of them carries an id, and when none carries a
// source: the missing list is an empty one, not JSON null (which
// PostgreSQL's json_each refuses).
func TestImportedBeforeByIDAndSource(t *testing.T) {
	ctx := context.Background()
	db, ann, doc, rev := importFixture(t)
	o := quote(rev, 0, 8, 12)
	notes := []ImportNote{{Key: "1", Source: "https://x.test/a/1", Audience: Public, Body: "milk", Original: o,
		Current: Current{Target: o.Target, Status: StatusExact, Score: 1}}}
	got, err := db.ImportedBefore(ctx, ann.ID, doc.ID, notes)
	if err != nil || len(got) != 0 {
		t.Fatalf("before any import, by source only: %v, %v", got, err)
	}
	if _, err := db.ImportNotes(ctx, ann.ID, doc.ID, notes, ImportAllowance{}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ImportedBefore(ctx, ann.ID, doc.ID, notes); err != nil || len(got) != 1 || !got["1"].Skipped {
		t.Errorf("after the import, by source: %+v, %v", got, err)
	}
	noSource := []ImportNote{{Key: "2", ID: "abcdefghijklmnop", Audience: Public, Body: "x", Original: o}}
	if _, err := db.ImportedBefore(ctx, ann.ID, doc.ID, noSource); err != nil {
		t.Errorf("by id only: %v", err)
	}
}
