package store

import (
	"context"
	"testing"
)

// TestGeneration: every committed change to notes or documents moves the
// generation on; reads and refused writes leave it alone.
func TestGeneration(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	g := db.Generation()
	step := func(what string, changed bool) {
		t.Helper()
		now := db.Generation()
		if (now != g) != changed {
			t.Errorf("%s: generation %d -> %d", what, g, now)
		}
		g = now
	}
	rev := mustPublish(t, db, pub("doc", "One paragraph.", "Two paragraphs."))
	step("publish", true)
	mustPublish(t, db, pub("doc", "One paragraph.", "Two paragraphs."))
	step("publish the same source", false)
	doc := mustDocument(t, db, "doc")
	ann := mustUser(t, db, "ann")
	n := mustNote(t, db, ann, doc, Private, "hello", quote(rev, 0, 0, 3))
	step("create", true)
	if _, err := db.Notes(ctx, Viewer{UserID: ann.ID}, NoteQuery{DocumentID: doc.ID}); err != nil {
		t.Fatal(err)
	}
	step("read", false)
	if _, err := db.UpdateNote(ctx, ann.ID, n.ID, 99, NoteUpdate{Body: "x", Audience: Private}); err == nil {
		t.Fatal("stale update succeeded")
	}
	step("refused update", false)
	if _, err := db.UpdateNote(ctx, ann.ID, n.ID, n.Version, NoteUpdate{Body: "x", Audience: Public}); err != nil {
		t.Fatal(err)
	}
	step("update", true)
	if err := db.DeleteNote(ctx, ann.ID, n.ID, 0); err != nil {
		t.Fatal(err)
	}
	step("delete", true)
}
