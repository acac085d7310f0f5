package store

import (
	"context"
	"reflect"
	"testing"
)

// Each revision keeps its notes as they stood on it; replies follow their
// note through a publish; the per-revision counts never count what the
// viewer may not see.
func TestRevisionHistory(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann, bob := mustUser(t, db, "ann"), mustUser(t, db, "bob")

	r1 := mustPublish(t, db, pub("essay", "Alpha beta gamma.", "Delta epsilon.", "Zeta eta."))
	doc := mustDocument(t, db, "essay")
	n1 := mustNote(t, db, ann, doc, Public, "on beta", quote(r1, 0, 6, 10))
	n2 := mustNote(t, db, bob, doc, Private, "bob's own, on delta", quote(r1, 1, 0, 5))
	reply, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: bob.ID, ParentID: n1.ID, Body: "a reply"})
	if err != nil {
		t.Fatal(err)
	}

	p2 := pub("essay", "Alpha bet gamma.", "Zeta eta.", "Theta.")
	p2.Changes = BlockChanges{Unchanged: 1, Edited: 1, Inserted: 1, Deleted: 1}
	calls := 0
	p2.Retarget = func(orig Original, cur Current) Current {
		calls++
		if orig.Exact == "beta" {
			return Current{Target: Target{Anchor: p2.Blocks[0].Anchor, Start: 6, End: 9, Exact: "bet",
				Prefix: "Alpha ", Suffix: " gamma."}, Status: StatusFuzzy, Score: 0.8}
		}
		c := cur
		c.Status, c.Score = StatusOrphan, 0
		return c
	}
	r2 := mustPublish(t, db, p2)
	if calls != 2 {
		t.Errorf("Retarget called %d times, want 2 (the notes, not the reply)", calls)
	}
	revs, err := db.Revisions(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if revs[0].Changes != nil || revs[1].Changes == nil || *revs[1].Changes != p2.Changes {
		t.Errorf("changes = %+v, %+v; want nil, %+v", revs[0].Changes, revs[1].Changes, p2.Changes)
	}

	// The reply sits where its note now sits.
	gotReply, err := db.Note(ctx, Viewer{bob.ID}, reply.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotN1, _ := db.Note(ctx, Viewer{ann.ID}, n1.ID)
	if gotReply.Current != gotN1.Current || gotN1.Current.Status != StatusFuzzy {
		t.Errorf("reply current = %+v, note current = %+v; want equal and fuzzy", gotReply.Current, gotN1.Current)
	}

	mustNote(t, db, ann, doc, Public, "on theta", quote(r2, 2, 0, 0))

	at := func(v User, rev Revision) map[string]Current {
		t.Helper()
		notes, err := db.Notes(ctx, Viewer{v.ID}, NoteQuery{DocumentID: doc.ID, RevisionID: rev.ID})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]Current{}
		for _, n := range notes {
			out[n.Body] = n.Current
		}
		return out
	}
	onR1 := func(n Note) Current { return Current{Target: n.Original.Target, Status: StatusExact, Score: 1} }
	if got, want := at(bob, r1), map[string]Current{
		"on beta": onR1(n1), "bob's own, on delta": onR1(n2), "a reply": onR1(n1),
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("bob on revision 1:\n got %+v\nwant %+v", got, want)
	}
	if got := at(ann, r1); len(got) != 2 || got["bob's own, on delta"] != (Current{}) {
		t.Errorf("ann on revision 1 sees %+v; want beta and the reply, not bob's private note", got)
	}
	got2 := at(bob, r2)
	if len(got2) != 4 || got2["on beta"].Status != StatusFuzzy || got2["bob's own, on delta"].Status != StatusOrphan ||
		got2["on theta"].Status != StatusExact {
		t.Errorf("bob on revision 2 = %+v", got2)
	}

	moves := func(v Viewer) map[int64]Moves {
		t.Helper()
		m, err := db.RevisionMoves(ctx, v, doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if got, want := moves(Viewer{bob.ID}), map[int64]Moves{r2.ID: {Fuzzy: 1, Orphan: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("bob's moves = %+v, want %+v", got, want)
	}
	for _, v := range []Viewer{{ann.ID}, {}} {
		if got, want := moves(v), map[int64]Moves{r2.ID: {Fuzzy: 1}}; !reflect.DeepEqual(got, want) {
			t.Errorf("moves seen by %d = %+v, want %+v (no private note counted)", v.UserID, got, want)
		}
	}

	// Bob re-attaches his orphan on revision 2: revision 2's row follows,
	// revision 1's stays as it stood.
	target := quote(r2, 1, 0, 4)
	if _, err := db.UpdateNote(ctx, bob.ID, n2.ID, 0, NoteUpdate{Body: n2.Body, Audience: Private, Target: &target}); err != nil {
		t.Fatal(err)
	}
	if got := at(bob, r2)["bob's own, on delta"]; got.Status != StatusExact || got.Exact != "Zeta" {
		t.Errorf("re-attached note on revision 2 = %+v", got)
	}
	if got := at(bob, r1)["bob's own, on delta"]; got != onR1(n2) {
		t.Errorf("re-attached note on revision 1 = %+v, want it as it stood %+v", got, onR1(n2))
	}
	if got, want := moves(Viewer{bob.ID}), map[int64]Moves{r2.ID: {Fuzzy: 1, Exact: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("bob's moves after re-attaching = %+v, want %+v", got, want)
	}
}
