package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// Helpers for the tests of groups, conversation, events, notifications and
// insights.

// seminar is a group reading two documents:
//
//	tess  the teacher, who created the group (its owner)
//	cole  a co-teacher
//	ava   a member who writes (the "author" of most notes)
//	mia   a member who reads and has written nothing
//	otto  an outsider: signed in, not in the group
//
// "essay" has three paragraphs, "second" two.
type seminar struct {
	db                                    *DB
	teacher, co, author, member, outsider User
	g                                     Group
	r1, r2                                Revision
	d1, d2                                Document
}

func newSeminar(t testing.TB) *seminar {
	t.Helper()
	ctx := context.Background()
	db := openTestDB(t)
	s := &seminar{db: db}
	s.teacher = mustUser(t, db, "tess")
	s.co = mustUser(t, db, "cole")
	s.author = mustUser(t, db, "ava")
	s.member = mustUser(t, db, "mia")
	s.outsider = mustUser(t, db, "otto")
	s.r1 = mustPublish(t, db, pub("essay", "The first paragraph of the essay.", "The second paragraph.", "The third and last."))
	s.r2 = mustPublish(t, db, pub("second", "Another essay begins.", "And it ends."))
	s.d1, s.d2 = mustDocument(t, db, "essay"), mustDocument(t, db, "second")
	s.g = mustGroup(t, db, s.teacher, "Seminar")
	for _, u := range []User{s.co, s.author, s.member} {
		mustJoin(t, db, u, s.g)
	}
	if err := db.SetRole(ctx, s.teacher.ID, s.g.ID, s.co.ID, RoleTeacher); err != nil {
		t.Fatal(err)
	}
	return s
}

func mustGroup(t testing.TB, db *DB, owner User, name string) Group {
	t.Helper()
	g, err := db.CreateGroup(context.Background(), owner.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustJoin(t testing.TB, db *DB, u User, g Group) {
	t.Helper()
	if _, err := db.Join(context.Background(), u.ID, g.InviteCode); err != nil {
		t.Fatal(err)
	}
}

// create writes a note; a top-level note without a target gets the whole
// first block of its document.
func (s *seminar) create(t testing.TB, n NewNote) Note {
	t.Helper()
	if n.ParentID == "" && n.Target.Anchor == "" {
		rev := s.r1
		if n.DocumentID == s.d2.ID {
			rev = s.r2
		}
		n.Target = quote(rev, 0, 0, 0)
	}
	note, err := s.db.CreateNote(context.Background(), n)
	if err != nil {
		t.Fatalf("create %q: %v", n.Body, err)
	}
	return note
}

// groupNote writes a note to the whole group on document d.
func (s *seminar) groupNote(t testing.TB, author User, d Document, body string) Note {
	t.Helper()
	return s.create(t, NewNote{DocumentID: d.ID, AuthorID: author.ID, Audience: Members, GroupID: s.g.ID, Body: body})
}

func (s *seminar) reply(t testing.TB, author User, parent Note, body string) Note {
	t.Helper()
	return s.create(t, NewNote{AuthorID: author.ID, ParentID: parent.ID, Body: body})
}

func (s *seminar) hide(t testing.TB, actor User, n Note, reason string) {
	t.Helper()
	if _, err := s.db.Hide(context.Background(), actor.ID, n.ID, reason); err != nil {
		t.Fatal(err)
	}
}

func vw(u User) Viewer { return Viewer{UserID: u.ID} }

// sees reports whether v may read note id through Note, failing the test
// on any error other than ErrNotFound.
func sees(t testing.TB, db *DB, v Viewer, id string) bool {
	t.Helper()
	_, err := db.Note(context.Background(), v, id)
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrNotFound):
		return false
	}
	t.Fatalf("Note(%s) for viewer %d: %v", id, v.UserID, err)
	return false
}

// noteIDs lists the ids of the notes of document d that v may see, sorted.
func noteIDs(t testing.TB, db *DB, v Viewer, d Document) []string {
	t.Helper()
	list, err := db.Notes(context.Background(), v, NoteQuery{DocumentID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range list {
		ids = append(ids, n.ID)
	}
	slices.Sort(ids)
	return ids
}

// wantErr fails the test unless err is want (nil included).
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("%s: %v, want success", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: error = %v, want %v", what, err, want)
	}
}
