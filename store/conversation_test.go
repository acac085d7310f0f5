package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestReplies(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	target := quote(s.r1, 1, 4, 10)
	parent := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Members, GroupID: s.g.ID,
		Body: "parent", Question: true, Target: target})

	// Audience, group and target come from the parent, whatever is passed.
	r, err := db.CreateNote(ctx, NewNote{AuthorID: s.member.ID, ParentID: parent.ID, Body: "reply",
		DocumentID: s.d2.ID, Audience: Public, Question: true, Target: quote(s.r1, 2, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if r.ParentID != parent.ID || r.DocumentID != s.d1.ID || r.Audience != Members || r.GroupID != s.g.ID ||
		r.GroupName != "Seminar" || r.Question || r.Guide {
		t.Errorf("reply = %+v", r)
	}
	if r.Original.Target != parent.Current.Target || r.Current.Target != parent.Current.Target ||
		r.Original.BlockHash != parent.Original.BlockHash || r.Current.Status != StatusExact {
		t.Errorf("reply target = %+v / %+v, want the parent's %+v", r.Original, r.Current, parent.Current)
	}
	// A reply to a teachers-only note is teachers-only too.
	fb := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "feedback?"})
	fr := s.reply(t, s.teacher, fb, "feedback")
	if fr.Audience != Teachers || fr.GroupID != s.g.ID || sees(t, db, vw(s.member), fr.ID) || !sees(t, db, vw(s.author), fr.ID) {
		t.Errorf("reply to teachers-only note: %+v", fr)
	}
	// Anyone who may see a public note replies to it, outsiders included.
	pub := mustNote(t, db, s.author, s.d1, Public, "public", quote(s.r1, 0, 0, 0))
	pr := s.reply(t, s.outsider, pub, "from outside")
	if pr.Audience != Public || pr.GroupID != 0 {
		t.Errorf("reply to a public note: %+v", pr)
	}

	// Refused replies.
	private := mustNote(t, db, s.author, s.d1, Private, "mine", quote(s.r1, 0, 0, 0))
	hidden := s.groupNote(t, s.author, s.d1, "hidden")
	s.hide(t, s.teacher, hidden, "no")
	deleted := s.groupNote(t, s.author, s.d1, "deleted")
	if err := db.DeleteNote(ctx, s.author.ID, deleted.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d2.ID, true); err != nil {
		t.Fatal(err)
	}
	locked := s.groupNote(t, s.author, s.d2, "locked")
	for _, tt := range []struct {
		name   string
		author User
		parent string
		want   error
	}{
		{"reply to a reply", s.author, r.ID, ErrInvalid},
		{"outsider to a group note", s.outsider, parent.ID, ErrNotFound},
		{"member to someone's private note", s.member, private.ID, ErrNotFound},
		{"member to a teachers-only note", s.member, fb.ID, ErrNotFound},
		{"member to a hidden note", s.member, hidden.ID, ErrNotFound},
		{"member to a note under post first", s.member, locked.ID, ErrNotFound},
		{"to a deleted note", s.author, deleted.ID, ErrNotFound},
		{"to a missing note", s.author, "nosuchnoteatall0", ErrNotFound},
		{"signed out", User{}, pub.ID, ErrNotFound},
	} {
		_, err := db.CreateNote(ctx, NewNote{AuthorID: tt.author.ID, ParentID: tt.parent, Body: "no"})
		wantErr(t, tt.name, err, tt.want)
	}
	// The author of a hidden note and its teachers may still reply.
	s.reply(t, s.author, hidden, "sorry")
	s.reply(t, s.co, hidden, "see me")
	// A reply's edit keeps its parent's audience and target.
	edited, err := db.UpdateNote(ctx, s.member.ID, r.ID, 0, NoteUpdate{Body: "edited", Audience: Public, Question: true,
		Target: &Original{Target: Target{RevisionID: s.r1.ID, Anchor: s.r1.Blocks[2].Anchor}}})
	if err != nil {
		t.Fatal(err)
	}
	if edited.Body != "edited" || edited.Audience != Members || edited.Question || edited.Current.Target != parent.Current.Target {
		t.Errorf("edited reply = %+v", edited)
	}
	// Deleting the parent deletes the thread.
	if err := db.DeleteNote(ctx, s.author.ID, parent.ID, 0); err != nil {
		t.Fatal(err)
	}
	if sees(t, db, vw(s.member), r.ID) {
		t.Error("reply visible after its parent was deleted")
	}
	if err := db.DeleteNote(ctx, s.member.ID, r.ID, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a reply of a deleted note: %v, want ErrNotFound", err)
	}
}

func TestReactions(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	n := s.groupNote(t, s.author, s.d1, "a question")

	react := func(u User, kind Reaction, on bool) Note {
		t.Helper()
		got, err := db.React(ctx, u.ID, n.ID, kind, on)
		if err != nil {
			t.Fatalf("React(%s, %s, %v): %v", u.Name, kind, on, err)
		}
		return got
	}
	check := func(what string, v User, helpful, same int, myHelpful, mySame bool) {
		t.Helper()
		got, err := db.Note(ctx, vw(v), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Helpful != helpful || got.Same != same || got.MyHelpful != myHelpful || got.MySame != mySame {
			t.Errorf("%s, as %s: helpful %d same %d mine %v/%v; want %d %d %v/%v", what, v.Name,
				got.Helpful, got.Same, got.MyHelpful, got.MySame, helpful, same, myHelpful, mySame)
		}
	}
	got := react(s.member, Helpful, true)
	if got.Helpful != 1 || !got.MyHelpful || got.Same != 0 || got.MySame {
		t.Errorf("React returned %+v", got)
	}
	react(s.member, Helpful, true) // one per kind per person
	check("helpful twice", s.member, 1, 0, true, false)
	check("helpful twice", s.co, 1, 0, false, false)
	react(s.member, SameQuestion, true)
	react(s.co, Helpful, true)
	react(s.author, SameQuestion, true) // on one's own note too
	check("three people", s.member, 2, 2, true, true)
	check("three people", s.co, 2, 2, true, false)
	check("three people", s.teacher, 2, 2, false, false)
	react(s.member, Helpful, false)
	react(s.member, Helpful, false) // clearing twice is no error
	check("member took back helpful", s.member, 1, 2, false, true)

	_, err := db.React(ctx, s.member.ID, n.ID, "love", true)
	wantErr(t, "unknown kind", err, ErrInvalid)
	_, err = db.React(ctx, s.outsider.ID, n.ID, Helpful, true)
	wantErr(t, "outsider on a group note", err, ErrNotFound)
	_, err = db.React(ctx, s.member.ID, "nosuchnoteatall0", Helpful, true)
	wantErr(t, "missing note", err, ErrNotFound)
	s.hide(t, s.teacher, n, "x")
	_, err = db.React(ctx, s.member.ID, n.ID, Helpful, true)
	wantErr(t, "member on a hidden note", err, ErrNotFound)
	check("after refused reactions", s.co, 1, 2, true, false)
}

func TestResolveAndAccept(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	q := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.teacher.ID, Audience: Members, GroupID: s.g.ID,
		Body: "What does the author mean?", Question: true})
	if !q.Question || !q.Guide {
		t.Fatalf("question = %+v", q)
	}
	a1 := s.reply(t, s.member, q, "this")
	a2 := s.reply(t, s.author, q, "that")
	other := s.groupNote(t, s.author, s.d1, "other thread")
	elsewhere := s.reply(t, s.member, other, "elsewhere")
	pub := mustNote(t, db, s.author, s.d1, Public, "public", quote(s.r1, 0, 0, 0))

	// Resolve.
	for _, tt := range []struct {
		name  string
		actor User
		id    string
		want  error
	}{
		{"member resolves", s.member, q.ID, ErrForbidden},
		{"author of a reply resolves", s.author, q.ID, ErrForbidden},
		{"outsider resolves", s.outsider, q.ID, ErrNotFound},
		{"teacher resolves a reply", s.teacher, a1.ID, ErrInvalid},
		{"teacher resolves a note outside any group", s.teacher, pub.ID, ErrForbidden},
		{"missing note", s.teacher, "nosuchnoteatall0", ErrNotFound},
	} {
		_, err := db.SetResolved(ctx, tt.actor.ID, tt.id, true)
		wantErr(t, tt.name, err, tt.want)
	}
	if n, _ := db.Note(ctx, vw(s.member), q.ID); n.Resolved {
		t.Fatal("refused SetResolved resolved the thread")
	}
	n, err := db.SetResolved(ctx, s.co.ID, q.ID, true)
	if err != nil || !n.Resolved || n.Version != q.Version+1 {
		t.Errorf("co-teacher resolves: %+v, %v", n, err)
	}
	if n, _ := db.Note(ctx, vw(s.member), q.ID); !n.Resolved {
		t.Error("member does not see the thread resolved")
	}
	if n, err := db.SetResolved(ctx, s.teacher.ID, q.ID, false); err != nil || n.Resolved {
		t.Errorf("reopen: %+v, %v", n, err)
	}

	// Accept.
	for _, tt := range []struct {
		name      string
		actor     User
		id, reply string
		want      error
	}{
		{"member accepts", s.member, q.ID, a1.ID, ErrForbidden},
		{"outsider accepts", s.outsider, q.ID, a1.ID, ErrNotFound},
		{"reply of another thread", s.teacher, q.ID, elsewhere.ID, ErrInvalid},
		{"the question itself", s.teacher, q.ID, q.ID, ErrInvalid},
		{"a top-level note", s.teacher, q.ID, other.ID, ErrInvalid},
		{"on a reply", s.teacher, a1.ID, a1.ID, ErrInvalid},
		{"missing reply", s.teacher, q.ID, "nosuchnoteatall0", ErrNotFound},
	} {
		_, err := db.Accept(ctx, tt.actor.ID, tt.id, tt.reply)
		wantErr(t, tt.name, err, tt.want)
	}
	if n, _ := db.Note(ctx, vw(s.teacher), q.ID); n.AcceptedID != "" {
		t.Fatalf("refused Accept set %q", n.AcceptedID)
	}
	if n, err := db.Accept(ctx, s.teacher.ID, q.ID, a2.ID); err != nil || n.AcceptedID != a2.ID {
		t.Errorf("accept: %+v, %v", n, err)
	}
	if n, _ := db.Note(ctx, vw(s.member), q.ID); n.AcceptedID != a2.ID {
		t.Errorf("member sees accepted %q, want %q", n.AcceptedID, a2.ID)
	}
	if n, err := db.Accept(ctx, s.co.ID, q.ID, a1.ID); err != nil || n.AcceptedID != a1.ID {
		t.Errorf("accept another: %+v, %v", n, err)
	}
	// "" clears the accepted answer.
	if n, err := db.Accept(ctx, s.teacher.ID, q.ID, ""); err != nil || n.AcceptedID != "" {
		t.Errorf("clear: %+v, %v", n, err)
	}
	// Deleting the accepted reply clears it: no answer points at a
	// tombstone.
	if _, err := db.Accept(ctx, s.teacher.ID, q.ID, a1.ID); err != nil {
		t.Fatal(err)
	}
	before, _ := db.Note(ctx, vw(s.member), q.ID)
	if err := db.DeleteNote(ctx, s.member.ID, a1.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Note(ctx, vw(s.member), q.ID); n.AcceptedID != "" || n.Version <= before.Version {
		t.Errorf("after deleting the accepted reply: AcceptedID %q, version %d (was %d)", n.AcceptedID, n.Version, before.Version)
	}
}

func TestHideAndRestore(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	n := s.groupNote(t, s.author, s.d1, "rude words")
	guide := s.groupNote(t, s.teacher, s.d1, "the teacher's")
	pub := mustNote(t, db, s.author, s.d1, Public, "public", quote(s.r1, 0, 0, 0))
	// A teacher of another group, who is a plain member here.
	mustGroup(t, db, s.member, "Other")

	for _, tt := range []struct {
		name   string
		actor  User
		id     string
		reason string
		want   error
	}{
		{"no reason", s.teacher, n.ID, "", ErrInvalid},
		{"blank reason", s.teacher, n.ID, " \n ", ErrInvalid},
		{"reason too long", s.teacher, n.ID, strings.Repeat("x", 1001), ErrInvalid},
		{"member hides", s.member, n.ID, "spam", ErrForbidden},
		{"author hides", s.author, n.ID, "spam", ErrForbidden},
		{"teacher of another group hides", s.member, guide.ID, "spam", ErrForbidden},
		{"outsider hides", s.outsider, n.ID, "spam", ErrNotFound},
		{"teacher hides own note", s.teacher, guide.ID, "spam", ErrInvalid},
		{"note outside any group", s.teacher, pub.ID, "spam", ErrForbidden},
		{"missing note", s.teacher, "nosuchnoteatall0", "spam", ErrNotFound},
	} {
		_, err := db.Hide(ctx, tt.actor.ID, tt.id, tt.reason)
		wantErr(t, tt.name, err, tt.want)
	}
	if !sees(t, db, vw(s.member), n.ID) {
		t.Fatal("refused Hide hid the note")
	}

	h, err := db.Hide(ctx, s.co.ID, n.ID, "  Please keep it civil.  ")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Hidden || h.HiddenReason != "Please keep it civil." {
		t.Errorf("Hide returned Hidden %v, reason %q", h.Hidden, h.HiddenReason)
	}
	a, err := db.Note(ctx, vw(s.author), n.ID)
	if err != nil || !a.Hidden || a.HiddenReason != "Please keep it civil." {
		t.Errorf("author sees %+v, %v", a, err)
	}
	if sees(t, db, vw(s.member), n.ID) || sees(t, db, vw(s.outsider), n.ID) {
		t.Error("LEAK: hidden note visible to the member or outsider")
	}
	// The author may still edit its words, but not move it out of the
	// reach of the teachers who hid it.
	_, err = db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "still rude", Audience: Public})
	wantErr(t, "move a hidden note", err, ErrInvalid)
	if sees(t, db, vw(s.outsider), n.ID) || sees(t, db, Viewer{}, n.ID) {
		t.Error("LEAK: a hidden note escaped moderation")
	}
	if _, err := db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "still rude", Audience: Members, GroupID: s.g.ID}); err != nil {
		t.Fatal(err)
	}

	// Restore: teachers of the group only.
	_, err = db.Restore(ctx, s.member.ID, n.ID)
	wantErr(t, "member restores", err, ErrNotFound)
	_, err = db.Restore(ctx, s.author.ID, n.ID)
	wantErr(t, "author restores", err, ErrForbidden)
	_, err = db.Restore(ctx, s.outsider.ID, n.ID)
	wantErr(t, "outsider restores", err, ErrNotFound)
	r, err := db.Restore(ctx, s.teacher.ID, n.ID)
	if err != nil || r.Hidden || r.HiddenReason != "" {
		t.Errorf("Restore = %+v, %v", r, err)
	}
	if !sees(t, db, vw(s.member), n.ID) {
		t.Error("restored note not visible to the member")
	}
	// Restoring a note that is not hidden is harmless.
	if _, err := db.Restore(ctx, s.teacher.ID, n.ID); err != nil {
		t.Errorf("restore again: %v", err)
	}
	// A co-teacher's note can be hidden by the owner.
	cn := s.groupNote(t, s.co, s.d1, "co")
	if _, err := db.Hide(ctx, s.teacher.ID, cn.ID, "wrong paragraph"); err != nil {
		t.Errorf("owner hides a co-teacher's note: %v", err)
	}
}

func TestFlags(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	n1 := s.groupNote(t, s.author, s.d1, "first")
	n2 := s.groupNote(t, s.co, s.d1, "second")
	pub := mustNote(t, db, s.author, s.d1, Public, "public", quote(s.r1, 0, 0, 0))
	fb := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "feedback"})

	for _, tt := range []struct {
		name   string
		u      User
		id     string
		reason string
		want   error
	}{
		{"no reason", s.member, n1.ID, "", ErrInvalid},
		{"public note", s.member, pub.ID, "spam", ErrInvalid},
		{"outsider", s.outsider, n1.ID, "spam", ErrNotFound},
		{"a note the member may not see", s.member, fb.ID, "spam", ErrNotFound},
		{"missing note", s.member, "nosuchnoteatall0", "spam", ErrNotFound},
	} {
		wantErr(t, tt.name, db.FlagNote(ctx, tt.u.ID, tt.id, tt.reason), tt.want)
	}
	open := func(actor User) []Flag {
		t.Helper()
		fs, err := db.OpenFlags(ctx, actor.ID, s.g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	if fs := open(s.teacher); len(fs) != 0 {
		t.Fatalf("open flags after refused ones: %+v", fs)
	}

	wantErr(t, "member flags", db.FlagNote(ctx, s.member.ID, n1.ID, "first reason"), nil)
	wantErr(t, "author flags", db.FlagNote(ctx, s.author.ID, n2.ID, "off topic"), nil)
	wantErr(t, "member flags again", db.FlagNote(ctx, s.member.ID, n1.ID, "second reason"), nil)
	fs := open(s.co)
	if len(fs) != 2 {
		t.Fatalf("open flags = %+v, want 2", fs)
	}
	// Oldest first; a second flag by the same person replaces the first
	// (and so is newer).
	if fs[0].Note.ID != n2.ID || fs[0].By.ID != s.author.ID || fs[0].Reason != "off topic" ||
		fs[1].Note.ID != n1.ID || fs[1].By.ID != s.member.ID || fs[1].Reason != "second reason" {
		t.Errorf("open flags = %+v", fs)
	}
	for _, f := range fs {
		if f.ID == 0 || f.CreatedAt.IsZero() || f.By.Name == "" || f.Note.Body == "" {
			t.Errorf("flag %+v is incomplete", f)
		}
	}
	for _, u := range []User{s.member, s.author, s.outsider} {
		if _, err := db.OpenFlags(ctx, u.ID, s.g.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("OpenFlags by %s: %v, want ErrForbidden", u.Name, err)
		}
	}

	// Resolve.
	wantErr(t, "member resolves", db.ResolveFlag(ctx, s.member.ID, fs[0].ID), ErrForbidden)
	wantErr(t, "outsider resolves", db.ResolveFlag(ctx, s.outsider.ID, fs[0].ID), ErrNotFound) // outsiders learn nothing
	wantErr(t, "missing flag", db.ResolveFlag(ctx, s.teacher.ID, 9999), ErrNotFound)
	mustGroup(t, db, s.outsider, "Other")
	wantErr(t, "teacher of another group resolves", db.ResolveFlag(ctx, s.outsider.ID, fs[0].ID), ErrNotFound)
	wantErr(t, "teacher resolves", db.ResolveFlag(ctx, s.teacher.ID, fs[0].ID), nil)
	if fs := open(s.teacher); len(fs) != 1 || fs[0].Note.ID != n1.ID {
		t.Errorf("after resolving, open flags = %+v", fs)
	}
	// Flagging again reopens.
	wantErr(t, "flag again", db.FlagNote(ctx, s.author.ID, n2.ID, "still off topic"), nil)
	if fs := open(s.teacher); len(fs) != 2 {
		t.Errorf("after flagging again, %d open flags, want 2", len(fs))
	}
	// A hidden note's flags stay for teachers; a deleted note's go.
	s.hide(t, s.teacher, n1, "done")
	if fs := open(s.teacher); len(fs) != 2 {
		t.Errorf("after hiding, %d open flags, want 2", len(fs))
	}
	if err := db.DeleteNote(ctx, s.co.ID, n2.ID, 0); err != nil {
		t.Fatal(err)
	}
	if fs := open(s.teacher); len(fs) != 1 || fs[0].Note.ID != n1.ID {
		t.Errorf("after deleting, open flags = %+v", fs)
	}
}

func TestShareGuide(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	// The teacher teaches two more sections, and is a plain member of a
	// colleague's group.
	h := mustGroup(t, db, s.teacher, "Section H")
	k := mustGroup(t, db, s.teacher, "Section K")
	colleague := mustGroup(t, db, s.outsider, "Colleague's")
	mustJoin(t, db, s.teacher, colleague)
	hana := mustUser(t, db, "hana") // a member of H only
	mustJoin(t, db, hana, h)

	target := quote(s.r1, 1, 4, 10)
	orig := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.teacher.ID, Audience: Members, GroupID: s.g.ID,
		Body: "Guide", Question: true, Target: target})
	rep := s.reply(t, s.member, orig, "G's answer")
	memberNote := s.groupNote(t, s.author, s.d1, "not a guide")
	private := mustNote(t, db, s.teacher, s.d1, Private, "mine", target)

	for _, tt := range []struct {
		name  string
		actor User
		id    string
		want  error
	}{
		{"not the author", s.co, orig.ID, ErrNotFound},
		{"a member's group note", s.author, memberNote.ID, ErrForbidden},
		{"a private note", s.teacher, private.ID, ErrInvalid},
		{"a reply", s.member, rep.ID, ErrInvalid},
		{"missing", s.teacher, "nosuchnoteatall0", ErrNotFound},
	} {
		_, err := db.ShareGuide(ctx, tt.actor.ID, tt.id)
		wantErr(t, tt.name, err, tt.want)
	}

	copies, err := db.ShareGuide(ctx, s.teacher.ID, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(copies) != 2 || copies[0].GroupID != h.ID || copies[1].GroupID != k.ID {
		t.Fatalf("copies = %+v, want one in H and one in K", copies)
	}
	for _, c := range copies {
		if c.SharedFrom != orig.ID || c.Body != "Guide" || !c.Question || !c.Guide || c.Audience != Members ||
			c.Author.ID != s.teacher.ID || c.Current.Target != target.Target || c.ID == orig.ID {
			t.Errorf("copy = %+v", c)
		}
	}
	hc := copies[0]
	// A copy is not shared again (that would copy it back into G).
	_, err = db.ShareGuide(ctx, s.teacher.ID, hc.ID)
	wantErr(t, "share a copy", err, ErrInvalid)
	if c, _ := db.CountGroupNotes(ctx, vw(s.teacher), s.g.ID); c[s.d1.ID] != 3 {
		t.Errorf("G has %d notes, want the guide, its reply and the member's note", c[s.d1.ID])
	}
	// Sharing again makes no more copies.
	if again, err := db.ShareGuide(ctx, s.teacher.ID, orig.ID); err != nil || len(again) != 0 {
		t.Errorf("share again: %d copies, %v", len(again), err)
	}
	// Each copy is its group's: H's member sees H's copy only.
	if !sees(t, db, vw(hana), hc.ID) || sees(t, db, vw(hana), orig.ID) || sees(t, db, vw(hana), copies[1].ID) {
		t.Error("hana should see H's copy only")
	}
	if sees(t, db, vw(s.member), hc.ID) {
		t.Error("LEAK: G's member sees H's copy")
	}
	// Each copy's replies stay in its group.
	hr := s.reply(t, hana, hc, "H's answer")
	if hr.GroupID != h.ID || sees(t, db, vw(s.member), hr.ID) || sees(t, db, vw(hana), rep.ID) {
		t.Errorf("replies crossed groups: H's reply in group %d", hr.GroupID)
	}
	// Copies follow edits of the original.
	if _, err := db.UpdateNote(ctx, s.teacher.ID, orig.ID, 0, NoteUpdate{Body: "Guide, revised", Audience: Members, GroupID: s.g.ID}); err != nil {
		t.Fatal(err)
	}
	for _, c := range copies {
		got, err := db.Note(ctx, vw(s.teacher), c.ID)
		if err != nil || got.Body != "Guide, revised" || got.Question || got.Version != c.Version+1 {
			t.Errorf("copy after edit: %q question %v version %d, %v", got.Body, got.Question, got.Version, err)
		}
	}
	// Moved to a narrower audience, the original's new words stay with it.
	if _, err := db.UpdateNote(ctx, s.teacher.ID, orig.ID, 0, NoteUpdate{Body: "for me only", Audience: Private}); err != nil {
		t.Fatal(err)
	}
	for _, c := range copies {
		if got, err := db.Note(ctx, vw(s.teacher), c.ID); err != nil || got.Body != "Guide, revised" {
			t.Errorf("LEAK: a copy followed its original into a private edit: %q, %v", got.Body, err)
		}
	}
	// Deleting the original deletes the copies and their replies.
	if err := db.DeleteNote(ctx, s.teacher.ID, orig.ID, 0); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{orig.ID, hc.ID, copies[1].ID, rep.ID, hr.ID} {
		if sees(t, db, vw(s.teacher), id) || sees(t, db, vw(hana), id) {
			t.Errorf("%s visible after the original was deleted", id)
		}
	}
	if c, _ := db.CountGroupNotes(ctx, vw(s.teacher), h.ID); len(c) != 0 {
		t.Errorf("H still counts notes: %v", c)
	}
}
