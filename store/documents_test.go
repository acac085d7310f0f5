package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestPublishFirstAndNoOp(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	p := pub("essay", "One.", "Two.", "Three.")

	rev, published, err := db.Publish(ctx, p)
	if err != nil || !published {
		t.Fatalf("first Publish = %v, %v; want published", published, err)
	}
	if rev.Number != 1 || rev.SourceHash != p.SourceHash || string(rev.Source) != string(p.Source) {
		t.Errorf("first revision = %+v", rev)
	}
	if !reflect.DeepEqual(rev.Blocks, p.Blocks) {
		t.Errorf("blocks = %+v, want %+v", rev.Blocks, p.Blocks)
	}
	doc := mustDocument(t, db, "essay")
	if doc.Title != p.Title || !reflect.DeepEqual(doc.Current, rev) {
		t.Errorf("Document = %+v, want title %q and current %+v", doc, p.Title, rev)
	}

	// The same source again changes nothing, whatever else differs.
	again := p
	again.Title = "Another title"
	again.Retarget = func(Original, Current) Current { t.Error("Retarget called on a no-op publish"); return Current{} }
	got, published, err := db.Publish(ctx, again)
	if err != nil || published {
		t.Fatalf("same-hash Publish = %v, %v; want not published", published, err)
	}
	if !reflect.DeepEqual(got, rev) {
		t.Errorf("same-hash Publish returned %+v, want current %+v", got, rev)
	}
	if revs, _ := db.Revisions(ctx, doc.ID); len(revs) != 1 {
		t.Errorf("after no-op, %d revisions, want 1", len(revs))
	}
	if d := mustDocument(t, db, "essay"); d.Title != p.Title {
		t.Errorf("no-op publish changed the title to %q", d.Title)
	}

	if _, err := db.Document(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Document(nope) error = %v, want ErrNotFound", err)
	}
	if _, err := db.Revision(ctx, doc.ID, 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("Revision(2) error = %v, want ErrNotFound", err)
	}
}

// retargetCall records one call of Publication.Retarget.
type retargetCall struct {
	orig Original
	cur  Current
}

func TestPublishRetargets(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")

	p1 := pub("essay", "Alpha beta gamma.", "Delta epsilon.", "Zeta eta.")
	r1 := mustPublish(t, db, p1)
	doc := mustDocument(t, db, "essay")
	n1 := mustNote(t, db, ann, doc, Public, "on alpha", quote(r1, 0, 6, 10)) // "beta"
	n2 := mustNote(t, db, ann, doc, Private, "on delta", quote(r1, 1, 0, 0)) // whole block

	// Revision 2 edits the second paragraph: a new block with a new anchor.
	p2 := pub("essay", "Alpha beta gamma.", "Delta epsilon, edited.", "Zeta eta.", "Theta.")
	p2.Title = "Second title"
	calls := map[string]retargetCall{}
	p2.Retarget = func(orig Original, cur Current) Current {
		// Key by the quote: Retarget is not told the note id.
		calls[orig.Anchor+"/"+orig.Exact] = retargetCall{orig, cur}
		next := Current{Target: cur.Target, Status: StatusExact, Score: 1}
		if cur.Anchor == r1.Blocks[1].Anchor {
			next.Anchor = p2.Blocks[1].Anchor
			next.Status, next.Score = StatusFuzzy, 0.8
		}
		// next.RevisionID is still r1's: Publish must replace it.
		return next
	}
	r2, published, err := db.Publish(ctx, p2)
	if err != nil || !published || r2.Number != 2 {
		t.Fatalf("Publish r2 = %+v, %v, %v", r2, published, err)
	}
	wantCalls := map[string]retargetCall{
		n1.Original.Anchor + "/beta": {n1.Original, n1.Current},
		n2.Original.Anchor + "/":     {n2.Original, n2.Current},
	}
	if !reflect.DeepEqual(calls, wantCalls) {
		t.Errorf("Retarget calls:\n got %+v\nwant %+v", calls, wantCalls)
	}
	for _, tt := range []struct {
		before     Note
		wantAnchor string
		wantStatus Status
	}{
		{n1, r2.Blocks[0].Anchor, StatusExact},
		{n2, r2.Blocks[1].Anchor, StatusFuzzy},
	} {
		got, err := db.Note(ctx, Viewer{ann.ID}, tt.before.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := got.Current
		if c.RevisionID != r2.ID || c.Anchor != tt.wantAnchor || c.Status != tt.wantStatus {
			t.Errorf("note %q current = %+v, want revision %d, anchor %s, status %s",
				tt.before.Body, c, r2.ID, tt.wantAnchor, tt.wantStatus)
		}
		if got.Original != tt.before.Original {
			t.Errorf("note %q original changed: %+v -> %+v", tt.before.Body, tt.before.Original, got.Original)
		}
		if got.Version != tt.before.Version+1 || !got.UpdatedAt.Equal(tt.before.UpdatedAt) {
			t.Errorf("note %q: version %d, updated %v; want version %d and updated unchanged %v",
				tt.before.Body, got.Version, got.UpdatedAt, tt.before.Version+1, tt.before.UpdatedAt)
		}
	}
	if d := mustDocument(t, db, "essay"); d.Current.ID != r2.ID || d.Title != "Second title" {
		t.Errorf("Document current = %d, title %q; want %d, Second title", d.Current.ID, d.Title, r2.ID)
	}

	// Revision 3: only notes whose current target is on r2 are retargeted,
	// not a note written on the old revision r1.
	doc = mustDocument(t, db, "essay")
	n3 := mustNote(t, db, ann, doc, Public, "on theta", quote(r2, 3, 0, 5))
	n4 := mustNote(t, db, ann, doc, Public, "on old zeta", quote(r1, 2, 0, 4))
	p3 := pub("essay", "Alpha beta gamma.", "Theta.")
	var seen []string
	p3.Retarget = func(orig Original, cur Current) Current {
		seen = append(seen, orig.Exact)
		return Current{Target: Target{Anchor: p3.Blocks[0].Anchor}, Status: StatusMapped, Score: 0.5}
	}
	r3 := mustPublish(t, db, p3)
	slices.Sort(seen)
	if want := []string{"", "Theta", "beta"}; !slices.Equal(seen, want) {
		t.Errorf("Retarget saw quotes %q, want %q (n1, n2, n3; not n4 on r1)", seen, want)
	}
	if got, _ := db.Note(ctx, Viewer{ann.ID}, n4.ID); !reflect.DeepEqual(got, n4) {
		t.Errorf("note on an old revision changed:\n got %+v\nwant %+v", got, n4)
	}

	// Revision 4 repeats r1's source: a new number, not a return to r1. No
	// Retarget: every note on r3 becomes an orphan that keeps its words.
	before := map[string]Note{}
	for _, n := range []Note{n1, n2, n3} {
		before[n.ID], _ = db.Note(ctx, Viewer{ann.ID}, n.ID)
	}
	r4, published, err := db.Publish(ctx, pub("essay", "Alpha beta gamma.", "Delta epsilon.", "Zeta eta."))
	if err != nil || !published || r4.Number != 4 || r4.SourceHash != r1.SourceHash {
		t.Fatalf("Publish of r1's source again = %+v, %v, %v; want new revision 4", r4, published, err)
	}
	for id, b := range before {
		got, err := db.Note(ctx, Viewer{ann.ID}, id)
		if err != nil {
			t.Fatal(err)
		}
		want := b.Current
		want.RevisionID, want.Status, want.Score = r4.ID, StatusOrphan, 0
		if got.Current != want {
			t.Errorf("orphaned note %q current = %+v, want %+v", b.Body, got.Current, want)
		}
		// Its target is the one it had on r3, where its words were.
		if got.PlacedOn != r3.ID || b.PlacedOn != r3.ID {
			t.Errorf("orphaned note %q placed on revision %d (before: %d), want r3's %d", b.Body, got.PlacedOn, b.PlacedOn, r3.ID)
		}
	}

	// Every revision stays readable, with its own blocks.
	for _, want := range []Revision{r1, r2, r3, r4} {
		got, err := db.Revision(ctx, doc.ID, want.Number)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Revision(%d) = %+v, want %+v", want.Number, got, want)
		}
	}
	revs, err := db.Revisions(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range revs {
		if r.Number != i+1 || r.Source != nil || r.Blocks != nil || r.PublishedAt.IsZero() {
			t.Errorf("Revisions[%d] = %+v, want number %d without source or blocks", i, r, i+1)
		}
	}
	if len(revs) != 4 {
		t.Errorf("%d revisions, want 4", len(revs))
	}
}

// A publish that fails anywhere leaves the database as it was.
func TestPublishWritesNothingOnFailure(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	r1 := mustPublish(t, db, pub("essay", "One two.", "Three four."))
	doc := mustDocument(t, db, "essay")
	notes := []Note{
		mustNote(t, db, ann, doc, Public, "a", quote(r1, 0, 0, 3)),
		mustNote(t, db, ann, doc, Public, "b", quote(r1, 1, 0, 5)),
		mustNote(t, db, ann, doc, Public, "c", quote(r1, 1, 6, 10)),
	}

	next := pub("essay", "One two.", "Three four, five.")
	// failOnSecond retargets the first note it is given and returns bad for
	// the second, so the failure comes after a note has been rewritten.
	failOnSecond := func(bad Current) func(Original, Current) Current {
		n := 0
		return func(_ Original, cur Current) Current {
			n++
			if n == 2 {
				return bad
			}
			// Notes come in id (random) order; an orphan is valid for any.
			return Current{Target: cur.Target, Status: StatusOrphan}
		}
	}
	withRetarget := func(p Publication, f func(Original, Current) Current) Publication {
		p.Retarget = f
		return p
	}
	dupAnchor := next
	dupAnchor.Blocks = slices.Clone(next.Blocks)
	dupAnchor.Blocks[1].Anchor = dupAnchor.Blocks[0].Anchor
	dupPosition := next
	dupPosition.Blocks = slices.Clone(next.Blocks)
	dupPosition.Blocks[1].Position = 0

	tests := []struct {
		name    string
		p       Publication
		wantErr error
	}{
		{"duplicate anchor", dupAnchor, ErrInvalid},
		{"duplicate position", dupPosition, ErrInvalid},
		{"empty source hash", withRetarget(Publication{Slug: "essay"}, nil), ErrInvalid},
		{"unknown status", withRetarget(next, failOnSecond(Current{Target: Target{Anchor: next.Blocks[0].Anchor}, Status: "lost"})), ErrInvalid},
		{"anchor not in revision", withRetarget(next, failOnSecond(Current{Target: Target{Anchor: "p-nowhere"}, Status: StatusMapped})), ErrInvalid},
		{"quote not matching offsets", withRetarget(next, failOnSecond(Current{
			Target: Target{Anchor: next.Blocks[0].Anchor, Start: 0, End: 3, Exact: "One two"}, Status: StatusMapped,
		})), ErrInvalid},
		{"new document with duplicate anchor", func() Publication {
			p := pub("other", "Same.", "Same.")
			return p
		}(), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := db.Publish(ctx, tt.p)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Publish error = %v, want %v", err, tt.wantErr)
			}
			assertUnchanged(t, db, doc, notes, ann)
		})
	}

	t.Run("Retarget panics", func(t *testing.T) {
		p := next
		calls := 0
		p.Retarget = func(o Original, c Current) Current {
			if calls++; calls == 2 {
				panic("retarget bug")
			}
			return Current{Target: c.Target, Status: StatusOrphan}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("panic did not propagate")
				}
			}()
			db.Publish(ctx, p)
		}()
		assertUnchanged(t, db, doc, notes, ann)
		// The connection was released: the database takes writes again.
		if _, _, err := db.Publish(ctx, next); err != nil {
			t.Fatalf("Publish after a panic: %v", err)
		}
	})
}

// assertUnchanged checks that doc's revisions, its current revision and its
// notes are as before, and that no other document appeared.
func assertUnchanged(t *testing.T, db *DB, doc Document, notes []Note, author User) {
	t.Helper()
	ctx := context.Background()
	if got := mustDocument(t, db, doc.Slug); !reflect.DeepEqual(got, doc) {
		t.Errorf("document changed:\n got %+v\nwant %+v", got, doc)
	}
	revs, err := db.Revisions(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 1 {
		t.Errorf("%d revisions, want 1", len(revs))
	}
	var docs int
	if err := db.sql.QueryRow(`SELECT count(*) FROM documents`).Scan(&docs); err != nil {
		t.Fatal(err)
	}
	if docs != 1 {
		t.Errorf("%d documents, want 1", docs)
	}
	for _, want := range notes {
		got, err := db.Note(ctx, Viewer{author.ID}, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("note %q changed:\n got %+v\nwant %+v", want.Body, got, want)
		}
	}
}
