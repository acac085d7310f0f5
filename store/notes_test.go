package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateNote(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Café au lait, s’il vous plaît.", "Second."))
	doc := mustDocument(t, db, "essay")

	// Offsets are code points: "lait" starts at 8 after the two-byte é.
	target := quote(rev, 0, 8, 12)
	target.BlockHash = "" // filled in from the block
	before := time.Now().Add(-time.Second)
	n, err := db.CreateNote(ctx, NewNote{
		DocumentID: doc.ID, AuthorID: ann.ID, Audience: Private, Body: "*milk*", Target: target,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z2-7]{16}$`).MatchString(n.ID) {
		t.Errorf("id %q is not 16 URL-safe base32 characters", n.ID)
	}
	wantOrig := target
	wantOrig.BlockHash = rev.Blocks[0].Hash
	want := Note{
		ID: n.ID, DocumentID: doc.ID, DocumentSlug: "essay", Author: ann,
		Audience: Private, Body: "*milk*", BodySize: len("*milk*"),
		Original:  wantOrig,
		Current:   Current{Target: target.Target, Status: StatusExact, Score: 1},
		CreatedAt: n.CreatedAt, UpdatedAt: n.CreatedAt, Version: 1, Tags: []string{}, PlacedOn: rev.ID,
	}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("CreateNote =\n %+v\nwant\n %+v", n, want)
	}
	if n.Original.Exact != "lait" {
		t.Errorf("exact = %q, want lait", n.Original.Exact)
	}
	if n.CreatedAt.Before(before) || n.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want about now, UTC", n.CreatedAt)
	}
	got, err := db.Note(ctx, Viewer{ann.ID}, n.ID)
	if err != nil || !reflect.DeepEqual(got, n) {
		t.Errorf("Note = %+v, %v; want %+v", got, err, n)
	}

	// A highlight: no body, whole block.
	h := mustNote(t, db, ann, doc, Public, "", quote(rev, 1, 0, 0))
	if h.Body != "" || h.Original.Exact != "" || h.Current.Start != 0 || h.Current.End != 0 {
		t.Errorf("whole-block highlight = %+v", h)
	}

	// Ids are random: many of them, none alike, not in creation order.
	var ids []string
	for range 50 {
		ids = append(ids, mustNote(t, db, ann, doc, Public, "", quote(rev, 1, 0, 0)).ID)
	}
	if slices.IsSorted(ids) {
		t.Error("50 note ids came out sorted: they look sequential")
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Error("duplicate note ids")
	}
}

func TestCreateNoteRejects(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Hello world.", "Second."))
	other := mustPublish(t, db, pub("other", "Elsewhere."))
	doc := mustDocument(t, db, "essay")
	good := quote(rev, 0, 0, 5)

	modify := func(f func(*NewNote)) NewNote {
		n := NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public, Body: "b", Target: good}
		f(&n)
		return n
	}
	tests := []struct {
		name     string
		note     NewNote
		wantErr  error
		wantText string // the message names what was wrong
	}{
		{"unknown audience", modify(func(n *NewNote) { n.Audience = "friends" }), ErrInvalid, `"friends"`},
		{"empty audience", modify(func(n *NewNote) { n.Audience = "" }), ErrInvalid, "audience"},
		{"group audience", modify(func(n *NewNote) { n.Audience = "group" }), ErrInvalid, "group"},
		{"exact does not fit offsets", modify(func(n *NewNote) { n.Target.End = 6 }), ErrInvalid, "exact"},
		{"negative start", modify(func(n *NewNote) { n.Target.Start = -1 }), ErrInvalid, "offsets"},
		{"end before start", modify(func(n *NewNote) { n.Target.Start, n.Target.End = 5, 0; n.Target.Exact = "" }), ErrInvalid, "offsets"},
		{"whole block not at 0", modify(func(n *NewNote) { n.Target.Start, n.Target.End, n.Target.Exact = 3, 3, "" }), ErrInvalid, "whole-block"},
		{"no anchor", modify(func(n *NewNote) { n.Target.Anchor = "" }), ErrInvalid, "anchor"},
		{"no revision", modify(func(n *NewNote) { n.Target.RevisionID = 0 }), ErrInvalid, "revision"},
		{"block not in revision", modify(func(n *NewNote) { n.Target.Anchor = "p-nothere" }), ErrInvalid, "p-nothere"},
		{"revision of another document", modify(func(n *NewNote) { n.Target.RevisionID = other.ID }), ErrInvalid, "revision"},
		{"wrong block hash", modify(func(n *NewNote) { n.Target.BlockHash = "abc" }), ErrInvalid, "hash"},
		{"unknown document", modify(func(n *NewNote) { n.DocumentID = 999 }), ErrNotFound, "document 999"},
		{"unknown author", modify(func(n *NewNote) { n.AuthorID = 999 }), ErrNotFound, "author 999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.CreateNote(ctx, tt.note)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
		})
	}
	if n, err := db.CountNotes(ctx, Viewer{ann.ID}, doc.ID); err != nil || n != 0 {
		t.Errorf("after rejected creates, CountNotes = %d, %v; want 0", n, err)
	}
}

func TestUpdateNote(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	bob := mustUser(t, db, "bob")
	rev := mustPublish(t, db, pub("essay", "Hello world.", "Second paragraph."))
	doc := mustDocument(t, db, "essay")
	n := mustNote(t, db, ann, doc, Private, "first", quote(rev, 0, 0, 5))

	// Body and audience, target untouched.
	time.Sleep(time.Millisecond) // so UpdatedAt visibly moves
	u1, err := db.UpdateNote(ctx, ann.ID, n.ID, 1, NoteUpdate{Body: "second", Audience: Public})
	if err != nil {
		t.Fatal(err)
	}
	if u1.Body != "second" || u1.Audience != Public || u1.Version != 2 ||
		!u1.UpdatedAt.After(n.UpdatedAt) || !u1.CreatedAt.Equal(n.CreatedAt) ||
		u1.Original != n.Original || u1.Current != n.Current {
		t.Errorf("after body edit: %+v", u1)
	}

	// A new target replaces both targets; ifVersion 0 skips the check.
	nt := quote(rev, 1, 7, 16)
	u2, err := db.UpdateNote(ctx, ann.ID, n.ID, 0, NoteUpdate{Body: "third", Audience: Public, Target: &nt})
	if err != nil {
		t.Fatal(err)
	}
	wantCur := Current{Target: nt.Target, Status: StatusExact, Score: 1}
	if u2.Version != 3 || u2.Original != nt || u2.Current != wantCur || u2.Original.Exact != "paragraph" {
		t.Errorf("after target edit: %+v", u2)
	}

	tests := []struct {
		name      string
		authorID  int64
		id        string
		ifVersion int64
		u         NoteUpdate
		wantErr   error
	}{
		{"stale version", ann.ID, n.ID, 2, NoteUpdate{Body: "x", Audience: Public}, ErrStale},
		{"not the author", bob.ID, n.ID, 3, NoteUpdate{Body: "x", Audience: Public}, ErrNotFound},
		{"not the author, stale version", bob.ID, n.ID, 1, NoteUpdate{Body: "x", Audience: Public}, ErrNotFound},
		{"signed out", 0, n.ID, 0, NoteUpdate{Body: "x", Audience: Public}, ErrNotFound},
		{"no such note", ann.ID, "nosuchnoteatall0", 0, NoteUpdate{Body: "x", Audience: Public}, ErrNotFound},
		{"unknown audience", ann.ID, n.ID, 3, NoteUpdate{Body: "x", Audience: "everyone"}, ErrInvalid},
		// Body and audience are fine but the target is not: nothing of
		// the update is written.
		{"target on missing block", ann.ID, n.ID, 3, NoteUpdate{Body: "x", Audience: Private,
			Target: &Original{Target: Target{RevisionID: rev.ID, Anchor: "p-gone"}}}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.UpdateNote(ctx, tt.authorID, tt.id, tt.ifVersion, tt.u)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got, _ := db.Note(ctx, Viewer{ann.ID}, n.ID); !reflect.DeepEqual(got, u2) {
				t.Errorf("failed update changed the note:\n got %+v\nwant %+v", got, u2)
			}
		})
	}
}

func TestDeleteNote(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	bob := mustUser(t, db, "bob")
	rev := mustPublish(t, db, pub("essay", "Hello world."))
	doc := mustDocument(t, db, "essay")
	n := mustNote(t, db, ann, doc, Public, "mine", quote(rev, 0, 0, 0))
	n, _ = db.UpdateNote(ctx, ann.ID, n.ID, 0, NoteUpdate{Body: "edited", Audience: Public}) // version 2

	for _, tt := range []struct {
		name      string
		authorID  int64
		ifVersion int64
		wantErr   error
	}{
		{"not the author", bob.ID, 0, ErrNotFound},
		{"signed out", 0, 0, ErrNotFound},
		{"stale version", ann.ID, 1, ErrStale},
	} {
		if err := db.DeleteNote(ctx, tt.authorID, n.ID, tt.ifVersion); !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.wantErr)
		}
		if _, err := db.Note(ctx, Viewer{}, n.ID); err != nil {
			t.Errorf("%s: note gone after a refused delete: %v", tt.name, err)
		}
	}
	if err := db.DeleteNote(ctx, ann.ID, n.ID, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Note(ctx, Viewer{ann.ID}, n.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Note after delete: error = %v, want ErrNotFound", err)
	}
	if err := db.DeleteNote(ctx, ann.ID, n.ID, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: error = %v, want ErrNotFound", err)
	}

	// Replies (written directly: no method makes them yet) go with their parent.
	p := mustNote(t, db, ann, doc, Public, "parent", quote(rev, 0, 0, 0))
	r := mustNote(t, db, bob, doc, Public, "reply", quote(rev, 0, 0, 0))
	if _, err := db.sql.Exec(`UPDATE notes SET parent_id = ? WHERE id = ?`, p.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteNote(ctx, ann.ID, p.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Note(ctx, Viewer{bob.ID}, r.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("reply after parent's delete: error = %v, want ErrNotFound", err)
	}
}

// Private notes are seen and counted by their author only, through every
// method that reads notes.
func TestVisibility(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	bob := mustUser(t, db, "bob")
	r1 := mustPublish(t, db, pub("one", "First essay."))
	r2 := mustPublish(t, db, pub("two", "Second essay."))
	d1, d2 := mustDocument(t, db, "one"), mustDocument(t, db, "two")

	notes := map[string]Note{
		"ann private 1": mustNote(t, db, ann, d1, Private, "ann private 1", quote(r1, 0, 0, 0)),
		"ann public 1":  mustNote(t, db, ann, d1, Public, "ann public 1", quote(r1, 0, 0, 0)),
		"bob private 1": mustNote(t, db, bob, d1, Private, "bob private 1", quote(r1, 0, 0, 0)),
		"bob public 1":  mustNote(t, db, bob, d1, Public, "bob public 1", quote(r1, 0, 0, 0)),
		"ann private 2": mustNote(t, db, ann, d2, Private, "ann private 2", quote(r2, 0, 0, 0)),
		"bob private 2": mustNote(t, db, bob, d2, Private, "bob private 2", quote(r2, 0, 0, 0)),
	}
	// A note made public and then private again is private.
	flip := notes["bob public 1"]
	db.UpdateNote(ctx, bob.ID, flip.ID, 0, NoteUpdate{Body: "bob made private", Audience: Private})

	tests := []struct {
		viewer string
		v      Viewer
		sees   []string
	}{
		{"signed out", Viewer{}, []string{"ann public 1"}},
		{"ann", Viewer{ann.ID}, []string{"ann private 1", "ann public 1", "ann private 2"}},
		{"bob", Viewer{bob.ID}, []string{"ann public 1", "bob private 1", "bob public 1", "bob private 2"}},
		{"unknown user", Viewer{999}, []string{"ann public 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.viewer, func(t *testing.T) {
			sees := map[string]bool{}
			for _, s := range tt.sees {
				sees[s] = true
			}
			wantCount := map[int64]int{}
			for key, n := range notes {
				_, err := db.Note(ctx, tt.v, n.ID)
				switch {
				case sees[key] && err != nil:
					t.Errorf("Note(%s): %v, want visible", key, err)
				case !sees[key] && !errors.Is(err, ErrNotFound):
					t.Errorf("Note(%s): error = %v, want ErrNotFound", key, err)
				}
				if sees[key] {
					wantCount[n.DocumentID]++
				}
			}
			for _, d := range []Document{d1, d2} {
				list, err := db.Notes(ctx, tt.v, NoteQuery{DocumentID: d.ID})
				if err != nil {
					t.Fatal(err)
				}
				var gotIDs, wantIDs []string
				for _, n := range list {
					gotIDs = append(gotIDs, n.ID)
				}
				for key, n := range notes {
					if sees[key] && n.DocumentID == d.ID {
						wantIDs = append(wantIDs, n.ID)
					}
				}
				slices.Sort(gotIDs)
				slices.Sort(wantIDs)
				if !slices.Equal(gotIDs, wantIDs) {
					t.Errorf("Notes(%s) ids = %v, want %v", d.Slug, gotIDs, wantIDs)
				}
				count, err := db.CountNotes(ctx, tt.v, d.ID)
				if err != nil || count != wantCount[d.ID] {
					t.Errorf("CountNotes(%s) = %d, %v; want %d", d.Slug, count, err, wantCount[d.ID])
				}
			}
			byDoc, err := db.CountNotesByDocument(ctx, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(byDoc, wantCount) {
				t.Errorf("CountNotesByDocument = %v, want %v", byDoc, wantCount)
			}
		})
	}
}

func TestNotesOrder(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	r1 := mustPublish(t, db, pub("essay", "Zero block text.", "One block text.", "Two block text."))
	doc := mustDocument(t, db, "essay")
	const a, b, c = 0, 1, 2 // r1's blocks

	mk := func(body string, target Original) {
		mustNote(t, db, ann, doc, Public, body, target)
	}
	// Created out of reading order, so order by creation alone would fail.
	mk("b-q4", quote(r1, b, 4, 9))
	mk("a-q5", quote(r1, a, 5, 10))
	mk("c-q4", quote(r1, c, 4, 9))
	mk("b-whole", quote(r1, b, 0, 0))
	mk("a-q0", quote(r1, a, 0, 4))
	mk("a-whole", quote(r1, a, 0, 0))
	mk("a-q0-later", quote(r1, a, 0, 4))

	// Revision 2 puts block c first and drops block b. Notes on b become
	// orphans, and so does c-q4, whose anchor is still in r2: an orphan is
	// not anchored even when its old anchor exists.
	p2 := pub("essay", "Two block text.", "Zero block text.", "New block.")
	p2.Retarget = func(orig Original, cur Current) Current {
		if cur.Anchor == r1.Blocks[b].Anchor || orig.Anchor == r1.Blocks[c].Anchor {
			return Current{Target: cur.Target, Status: StatusOrphan}
		}
		return Current{Target: cur.Target, Status: StatusExact, Score: 1}
	}
	r2 := mustPublish(t, db, p2)
	// A note on the old revision r1 is not anchored in the current one.
	mk("old", quote(r1, a, 0, 0))
	mk("r2-c-whole", quote(r2, 0, 0, 0))

	want := []string{
		// Anchored in r2, by block position, whole block first, then start,
		// then creation.
		"r2-c-whole",
		"a-whole", "a-q0", "a-q0-later", "a-q5",
		// Not anchored: last, by the same keys.
		"b-whole", "old", "b-q4", "c-q4",
	}
	list, err := db.Notes(ctx, Viewer{ann.ID}, NoteQuery{DocumentID: doc.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range list {
		got = append(got, n.Body)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Notes order:\n got %q\nwant %q", got, want)
	}

	// Paging walks the same order.
	var paged []string
	for off := 0; ; off += 2 {
		page, err := db.Notes(ctx, Viewer{ann.ID}, NoteQuery{DocumentID: doc.ID, Offset: off, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, n := range page {
			paged = append(paged, n.Body)
		}
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged order:\n got %q\nwant %q", paged, want)
	}
	if _, err := db.Notes(ctx, Viewer{}, NoteQuery{DocumentID: doc.ID, Limit: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative limit: error = %v, want ErrInvalid", err)
	}
}

// Several goroutines write through the same DB at once while others read:
// none fails with "database is locked". (TestOpenConcurrently covers
// several handles, as separate processes would have.)
func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Hello world.", "Second."))
	doc := mustDocument(t, db, "essay")
	if err := db.CreateToken(ctx, ann.ID, []byte("tok")); err != nil {
		t.Fatal(err)
	}

	const writers, perWriter = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, 4*writers*perWriter)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				n, err := db.CreateNote(ctx, NewNote{
					DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public,
					Body: fmt.Sprintf("writer %d note %d", w, i), Target: quote(rev, i%2, 0, 0),
				})
				if err != nil {
					errs <- err
					continue
				}
				// Read-modify-write through the version check.
				if _, err := db.UpdateNote(ctx, ann.ID, n.ID, n.Version, NoteUpdate{Body: n.Body + "!", Audience: Public}); err != nil {
					errs <- err
				}
				if _, err := db.UserByToken(ctx, []byte("tok")); err != nil {
					errs <- err
				}
			}
		})
		wg.Go(func() {
			for range perWriter {
				if _, err := db.Notes(ctx, Viewer{}, NoteQuery{DocumentID: doc.ID, Limit: 20}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, err := db.CountNotes(ctx, Viewer{}, doc.ID); err != nil || n != writers*perWriter {
		t.Errorf("CountNotes = %d, %v; want %d", n, err, writers*perWriter)
	}
}

// TestCreateNoteAnswersAsRead checks that the note CreateNote returns,
// which it builds from the values in hand rather than reading it back, is
// the note Note reads for its author, field for field, for every kind of
// note.
func TestCreateNoteAnswersAsRead(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	guide := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.teacher.ID, Audience: Members, GroupID: s.g.ID,
		Body: "A guide question.", Question: true, Tags: []string{"Zeta", "alpha", "zeta"}})
	target := quote(s.r1, 1, 4, 10)
	target.BlockHash = ""
	for _, tt := range []struct {
		name string
		n    NewNote
	}{
		{"public quote with tags", NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Public,
			Body: "*Quoted*, tagged.", Target: target, Tags: []string{"b", "A", "ä", "a"}, Question: true}},
		{"private highlight", NewNote{DocumentID: s.d2.ID, AuthorID: s.author.ID, Audience: Private}},
		{"teacher's group note", NewNote{DocumentID: s.d1.ID, AuthorID: s.co.ID, Audience: Members, GroupID: s.g.ID, Body: "Look."}},
		{"member's group note", NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Members, GroupID: s.g.ID, Body: "Hm."}},
		{"to the teachers", NewNote{DocumentID: s.d1.ID, AuthorID: s.member.ID, Audience: Teachers, GroupID: s.g.ID, Body: "Help?"}},
		{"teacher to the teachers", NewNote{DocumentID: s.d1.ID, AuthorID: s.teacher.ID, Audience: Teachers, GroupID: s.g.ID, Body: "Us."}},
		{"reply with a mention", NewNote{AuthorID: s.member.ID, ParentID: guide.ID, Body: "Yes, @ava.", Mentions: []string{"ava"}}},
		{"teacher's reply", NewNote{AuthorID: s.teacher.ID, ParentID: guide.ID, Body: "Right."}},
	} {
		created := s.create(t, tt.n)
		read, err := s.db.Note(ctx, Viewer{tt.n.AuthorID}, created.ID)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !reflect.DeepEqual(created, read) {
			t.Errorf("%s: CreateNote answered\n %+v\nbut Note reads\n %+v", tt.name, created, read)
		}
	}
	if read, err := s.db.Note(ctx, vw(s.teacher), guide.ID); err != nil || !reflect.DeepEqual(guide, read) {
		t.Errorf("guide note: CreateNote answered\n %+v\nbut Note reads\n %+v, %v", guide, read, err)
	}
}

// TestNotesWithoutBodies: a page can list notes without their bodies
// (their sizes still known), read the bodies of the few it shows through
// the same visibility rule, and list one thread's replies alone.
func TestNotesWithoutBodies(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann, bob := mustUser(t, db, "ann"), mustUser(t, db, "bob")
	rev := mustPublish(t, db, pub("essay", "Café au lait, s’il vous plaît.", "Second."))
	doc := mustDocument(t, db, "essay")
	create := func(author User, aud Audience, parent, body string) Note {
		t.Helper()
		nn := NewNote{DocumentID: doc.ID, AuthorID: author.ID, Audience: aud, ParentID: parent, Body: body}
		if parent == "" {
			nn.Target = quote(rev, 0, 8, 12)
		} else {
			nn.Audience = ""
		}
		n, err := db.CreateNote(ctx, nn)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	public := create(ann, Public, "", "Plainly *milk*.")
	secret := create(bob, Private, "", "bob's own")
	reply := create(bob, "", public.ID, "Café, surely.")

	notes, err := db.Notes(ctx, Viewer{UserID: ann.ID}, NoteQuery{DocumentID: doc.ID, WithoutBodies: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 {
		t.Fatalf("ann sees %d notes, want her public note and bob's reply", len(notes))
	}
	for _, n := range notes {
		want := map[string]int{public.ID: len(public.Body), reply.ID: len(reply.Body)}[n.ID]
		if n.Body != "" || n.BodySize != want {
			t.Errorf("note %s: body %q, size %d; want none, size %d", n.ID, n.Body, n.BodySize, want)
		}
	}
	bodies, err := db.NoteBodies(ctx, Viewer{UserID: ann.ID}, []string{public.ID, secret.ID, reply.ID, "nosuchnote"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{public.ID: public.Body, reply.ID: reply.Body}; !reflect.DeepEqual(bodies, want) {
		t.Errorf("NoteBodies for ann = %v, want %v (never bob's private note)", bodies, want)
	}
	replies, err := db.Notes(ctx, Viewer{}, NoteQuery{DocumentID: doc.ID, Parent: public.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 || replies[0].ID != reply.ID || replies[0].Body != reply.Body {
		t.Errorf("the thread's replies: %+v", replies)
	}
}
