package store

import (
	"context"
	"errors"
	"testing"
)

// TestWritingTo: the audience a reader writes to is remembered per
// reader and document, a group only for its members, and it goes with
// the group.
func TestWritingTo(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann, bo := mustUser(t, db, "ann"), mustUser(t, db, "bo")
	mustPublish(t, db, pub("essay", "One paragraph."))
	mustPublish(t, db, pub("other", "Another paragraph."))
	doc, other := mustDocument(t, db, "essay"), mustDocument(t, db, "other")
	g := mustGroup(t, db, ann, "Seminar")

	if _, _, ok, err := db.WritingTo(ctx, ann.ID, doc.ID); ok || err != nil {
		t.Fatalf("before any choice: ok %v, %v", ok, err)
	}
	gen := db.Generation()
	if err := db.SetWritingTo(ctx, ann.ID, doc.ID, Members, g.ID); err != nil {
		t.Fatal(err)
	}
	if db.Generation() == gen {
		t.Error("a new choice did not count as a change: cached pages would offer the old one")
	}
	if a, gid, ok, err := db.WritingTo(ctx, ann.ID, doc.ID); !ok || err != nil || a != Members || gid != g.ID {
		t.Errorf("WritingTo = %q, %d, %v, %v; want group %d", a, gid, ok, err, g.ID)
	}
	if _, _, ok, _ := db.WritingTo(ctx, ann.ID, other.ID); ok {
		t.Error("the choice on one document showed on another")
	}
	if _, _, ok, _ := db.WritingTo(ctx, bo.ID, doc.ID); ok {
		t.Error("ann's choice showed for bo")
	}
	if err := db.SetWritingTo(ctx, ann.ID, doc.ID, Private, 0); err != nil {
		t.Fatal(err)
	}
	if a, gid, _, _ := db.WritingTo(ctx, ann.ID, doc.ID); a != Private || gid != 0 {
		t.Errorf("after choosing only me: %q, %d", a, gid)
	}

	if err := db.SetWritingTo(ctx, bo.ID, doc.ID, Members, g.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a group bo is not in: %v, want ErrForbidden", err)
	}
	for _, bad := range []struct {
		a Audience
		g int64
	}{{Private, g.ID}, {Public, g.ID}, {"everyone", 0}, {Teachers, 0}} {
		if err := db.SetWritingTo(ctx, ann.ID, doc.ID, bad.a, bad.g); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrForbidden) {
			t.Errorf("SetWritingTo(%q, %d) = %v, want a refusal", bad.a, bad.g, err)
		}
	}
	if _, _, ok, _ := db.WritingTo(ctx, bo.ID, doc.ID); ok {
		t.Error("a refused choice was written")
	}

	if err := db.SetWritingTo(ctx, ann.ID, other.ID, Teachers, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := db.WritingTo(ctx, ann.ID, other.ID); ok {
		t.Error("a choice outlived its group")
	}
}
