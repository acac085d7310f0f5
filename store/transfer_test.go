package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// An export of "mine" holds the reader's notes and replies, nothing of
// anyone else's; a group's export is its teachers' only and holds the
// group's notes, hidden ones and replies included, not members' private
// or public notes.
func TestExportNotes(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	mine := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Private, Body: "ava private", Target: quote(s.r1, 0, 0, 0)})
	pub := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Public, Body: "ava public", Target: quote(s.r1, 1, 0, 0)})
	grp := s.groupNote(t, s.author, s.d1, "ava to the group")
	feedback := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "ava to the teachers", Target: quote(s.r1, 2, 0, 0)})
	other := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.member.ID, Audience: Private, Body: "mia private", Target: quote(s.r1, 0, 0, 0)})
	miaGroup := s.groupNote(t, s.member, s.d1, "mia to the group")
	hidden := s.groupNote(t, s.member, s.d1, "mia hidden")
	s.hide(t, s.teacher, hidden, "off topic")
	myReply := s.reply(t, s.author, miaGroup, "ava answers mia")
	theirReply := s.reply(t, s.member, grp, "mia answers ava")
	s.create(t, NewNote{DocumentID: s.d2.ID, AuthorID: s.author.ID, Audience: Private, Body: "other document", Target: quote(s.r2, 0, 0, 0)})
	gone := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Private, Body: "deleted", Target: quote(s.r1, 0, 0, 0)})
	if err := db.DeleteNote(ctx, s.author.ID, gone.ID, 0); err != nil {
		t.Fatal(err)
	}

	ids := func(v Viewer, q ExportQuery) []string {
		t.Helper()
		notes, err := db.ExportNotes(ctx, v, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range notes {
			out = append(out, n.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ns ...Note) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		slices.Sort(out)
		return out
	}
	if got, want := ids(vw(s.author), ExportQuery{DocumentID: s.d1.ID}), sorted(mine, pub, grp, feedback, myReply); !slices.Equal(got, want) {
		t.Errorf("ava's own notes = %v, want %v", got, want)
	}
	if got, want := ids(vw(s.member), ExportQuery{DocumentID: s.d1.ID}), sorted(other, miaGroup, hidden, theirReply); !slices.Equal(got, want) {
		t.Errorf("mia's own notes = %v, want %v (her hidden note included)", got, want)
	}
	want := sorted(grp, feedback, miaGroup, hidden, myReply, theirReply)
	for _, teacher := range []User{s.teacher, s.co} {
		if got := ids(vw(teacher), ExportQuery{DocumentID: s.d1.ID, GroupID: s.g.ID}); !slices.Equal(got, want) {
			t.Errorf("%s: the group's notes = %v, want %v", teacher.Name, got, want)
		}
	}
	for _, u := range []User{s.author, s.member, s.outsider} {
		_, err := db.ExportNotes(ctx, vw(u), ExportQuery{DocumentID: s.d1.ID, GroupID: s.g.ID})
		wantErr(t, u.Name+" exports the group", err, ErrForbidden)
	}
	_, err := db.ExportNotes(ctx, Viewer{}, ExportQuery{DocumentID: s.d1.ID})
	wantErr(t, "signed out", err, ErrForbidden)
}

// importFixture is a document of two paragraphs and its author.
func importFixture(t *testing.T) (*DB, User, Document, Revision) {
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Café au lait, s’il vous plaît.", "Second paragraph here."))
	return db, ann, mustDocument(t, db, "essay"), rev
}

func placed(o Original, status Status, score float64) Current {
	return Current{Target: o.Target, Status: status, Score: score}
}

func TestImportNotes(t *testing.T) {
	ctx := context.Background()
	db, ann, doc, rev := importFixture(t)
	created := time.Date(2024, 3, 1, 10, 20, 30, 0, time.UTC)
	lait := quote(rev, 0, 8, 12)
	orphanAt := Original{Target: Target{RevisionID: rev.ID, Anchor: rev.Blocks[0].Anchor, Start: 3, End: 8, Exact: "lost!"}}
	notes := []ImportNote{
		{Key: "1", ID: "abcdefghijklmnop", Source: "https://x.test/api/annotations/abcdefghijklmnop",
			Audience: Public, Body: "milk", Tags: []string{"Dairy", "food"}, Original: lait, Current: placed(lait, StatusExact, 1),
			Created: created, Modified: created.Add(time.Hour)},
		{Key: "2", Source: "https://x.test/api/annotations/reply", ParentKey: "1", Body: "a reply", Tags: []string{"dropped"},
			Created: created.Add(2 * time.Hour)},
		{Key: "3", ID: "not a glossa id", Source: "https://hypothes.is/a/xyz", Audience: Private, Body: "lost words",
			Original: orphanAt, Current: Current{Target: Target{RevisionID: rev.ID, Anchor: "p-gone", Start: 3, End: 8, Exact: "lost!"}, Status: StatusOrphan}},
	}
	res, err := db.ImportNotes(ctx, ann.ID, doc.ID, notes, ImportAllowance{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].ID != "abcdefghijklmnop" || res[0].Skipped || res[1].Skipped || res[2].ID == "not a glossa id" || !validNoteID(res[2].ID) {
		t.Fatalf("results %+v", res)
	}
	v := vw(ann)
	n, err := db.Note(ctx, v, "abcdefghijklmnop")
	if err != nil {
		t.Fatal(err)
	}
	if !n.CreatedAt.Equal(created) || !n.UpdatedAt.Equal(created.Add(time.Hour)) || n.Version != 1 ||
		!slices.Equal(n.Tags, []string{"dairy", "food"}) || n.Current.Status != StatusExact || n.Original.BlockHash != rev.Blocks[0].Hash {
		t.Errorf("imported note = %+v", n)
	}
	r, err := db.Note(ctx, v, res[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.ParentID != n.ID || r.Audience != Public || len(r.Tags) != 0 || r.Current.Anchor != lait.Anchor {
		t.Errorf("imported reply = %+v", r)
	}
	o, err := db.Note(ctx, v, res[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Current.Status != StatusOrphan || o.Current.Anchor != "p-gone" || o.Original.Exact != "lost!" || o.Original.BlockHash != "" {
		t.Errorf("imported orphan = %+v", o)
	}

	// Again: everything is skipped, and says why.
	res, err = db.ImportNotes(ctx, ann.ID, doc.ID, notes, ImportAllowance{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.Skipped || r.Reason != "already imported" {
			t.Errorf("second import: %+v", r)
		}
	}
	if c, _ := db.CountNotes(ctx, v, doc.ID); c != 3 {
		t.Errorf("%d notes after importing twice, want 3", c)
	}

	// Another reader importing the same file gets notes of her own, with
	// new ids where the old ones are taken.
	bo := mustUser(t, db, "bo")
	res, err = db.ImportNotes(ctx, bo.ID, doc.ID, notes, ImportAllowance{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Skipped || res[0].ID == "abcdefghijklmnop" {
		t.Errorf("bo's import of a taken id: %+v", res[0])
	}

	// A note exported from this very database and imported back by its
	// author is already here.
	mine := mustNote(t, db, ann, doc, Private, "native", quote(rev, 1, 0, 0))
	res, err = db.ImportNotes(ctx, ann.ID, doc.ID, []ImportNote{{Key: "1", ID: mine.ID, Source: "https://x.test/api/annotations/" + mine.ID,
		Audience: Private, Body: "native", Original: quote(rev, 1, 0, 0), Current: placed(quote(rev, 1, 0, 0), StatusExact, 1)}}, ImportAllowance{})
	if err != nil || !res[0].Skipped || res[0].Reason != "already here" || res[0].ID != mine.ID {
		t.Errorf("re-import of a native note: %+v %v", res, err)
	}
}

// One bad note makes the whole import fail and write nothing.
func TestImportNotesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db, ann, doc, rev := importFixture(t)
	good := quote(rev, 1, 0, 6)
	gen := db.Generation()
	notes := []ImportNote{
		{Key: "1", Source: "s:1", Audience: Private, Body: "fine", Original: good, Current: placed(good, StatusExact, 1)},
		{Key: "2", Source: "s:2", Audience: Members, GroupID: 99, Body: "no such group", Original: good, Current: placed(good, StatusExact, 1)},
	}
	_, err := db.ImportNotes(ctx, ann.ID, doc.ID, notes, ImportAllowance{})
	if err == nil {
		t.Fatal("import into a group that does not exist succeeded")
	}
	for _, bad := range []ImportNote{
		{Key: "x", Source: "s:x", Audience: Private, Original: good, Current: Current{Target: Target{RevisionID: rev.ID, Anchor: "p-none"}, Status: StatusExact, Score: 1}},
		{Key: "x", Source: "s:x", Audience: Private, Original: good, Current: Current{Target: good.Target, Status: "lost"}},
		{Key: "x", Source: "", Audience: Private, Original: good, Current: placed(good, StatusExact, 1)},
		{Key: "x", Source: "s:x", ParentKey: "nobody", Body: "orphaned reply"},
		{Key: "x", Source: "s:x", Audience: Private, Original: good, Current: placed(good, StatusExact, 1), Tags: []string{"a/b"}},
	} {
		_, err := db.ImportNotes(ctx, ann.ID, doc.ID, []ImportNote{notes[0], bad}, ImportAllowance{})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("bad note %+v: %v, want ErrInvalid", bad, err)
		}
	}
	if c, _ := db.CountNotes(ctx, vw(ann), doc.ID); c != 0 {
		t.Errorf("%d notes written by failed imports", c)
	}
	if db.Generation() != gen {
		t.Error("a failed import counted as a change")
	}
}

// A reply whose thread was imported before and deleted since is skipped,
// not attached to a tombstone.
func TestImportReplyToDeletedThread(t *testing.T) {
	ctx := context.Background()
	db, ann, doc, rev := importFixture(t)
	q := quote(rev, 1, 0, 6)
	root := ImportNote{Key: "1", Source: "s:1", Audience: Private, Body: "root", Original: q, Current: placed(q, StatusExact, 1)}
	res, err := db.ImportNotes(ctx, ann.ID, doc.ID, []ImportNote{root}, ImportAllowance{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteNote(ctx, ann.ID, res[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	res, err = db.ImportNotes(ctx, ann.ID, doc.ID, []ImportNote{root, {Key: "2", Source: "s:2", ParentKey: "1", Body: "late reply"}}, ImportAllowance{})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Skipped || res[0].Reason != "already imported, and deleted since" || !res[1].Skipped || res[1].Reason != "the note it answers was deleted here" {
		t.Errorf("results %+v", res)
	}
}

func TestImportedFrom(t *testing.T) {
	ctx := context.Background()
	db, ann, doc, rev := importFixture(t)
	q := quote(rev, 1, 0, 6)
	res, err := db.ImportNotes(ctx, ann.ID, doc.ID, []ImportNote{{Key: "1", Source: "s:1", Audience: Private, Original: q, Current: placed(q, StatusExact, 1)}}, ImportAllowance{})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := db.ImportedFrom(ctx, ann.ID, "s:1"); err != nil || id != res[0].ID {
		t.Errorf("ImportedFrom = %q, %v; want %q", id, err, res[0].ID)
	}
	bo := mustUser(t, db, "bo")
	_, err = db.ImportedFrom(ctx, bo.ID, "s:1")
	wantErr(t, "another reader's import", err, ErrNotFound)
}

// An imported note's activity, for its group's teachers, is when it was
// imported, not the date its file claims.
func TestImportedActivity(t *testing.T) {
	ctx := context.Background()
	db, ann, doc, rev := importFixture(t)
	tess := mustUser(t, db, "tess")
	g, err := db.CreateGroup(ctx, tess.ID, "Seminar")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Join(ctx, ann.ID, g.InviteCode); err != nil {
		t.Fatal(err)
	}
	long := time.Date(2016, 1, 2, 3, 4, 5, 0, time.UTC)
	started := time.Now().Add(-time.Second)
	q := quote(rev, 0, 8, 12)
	if _, err := db.ImportNotes(ctx, ann.ID, doc.ID, []ImportNote{{Key: "1", Source: "s:1", Audience: Members, GroupID: g.ID,
		Body: "before the deadline, says the file", Original: q, Current: placed(q, StatusExact, 1), Created: long, Modified: long}},
		ImportAllowance{}); err != nil {
		t.Fatal(err)
	}
	ps, err := db.Participation(ctx, tess.ID, g.ID, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Member.User.ID == ann.ID && (p.Notes != 1 || p.LastActivity.Before(started)) {
			t.Errorf("ann's activity: %d notes, last %v; want the import's time, not %v", p.Notes, p.LastActivity, long)
		}
	}
}
