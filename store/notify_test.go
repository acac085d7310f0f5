package store

import (
	"context"
	"slices"
	"testing"
)

// told lists user u's notifications as "kind body", in the order given.
func (s *seminar) told(t *testing.T, u User) []string {
	t.Helper()
	list, err := s.db.Notifications(context.Background(), u.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, nt := range list {
		out = append(out, nt.Kind+" "+nt.Note.Body)
		if nt.ID == 0 || nt.CreatedAt.IsZero() || nt.Note.ID == "" {
			t.Errorf("notification %+v is incomplete", nt)
		}
	}
	return out
}

func (s *seminar) unread(t *testing.T, u User) int {
	t.Helper()
	n, err := s.db.UnreadNotifications(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReplyNotifications(t *testing.T) {
	s := newSeminar(t)
	n := s.groupNote(t, s.author, s.d1, "parent")
	s.reply(t, s.member, n, "member replies")
	s.reply(t, s.author, n, "author replies to self")
	s.reply(t, s.co, n, "co-teacher replies")
	if got, want := s.told(t, s.author), []string{"reply co-teacher replies", "reply member replies"}; !slices.Equal(got, want) {
		t.Errorf("author told %q, want %q", got, want)
	}
	for _, u := range []User{s.member, s.co, s.teacher, s.outsider} {
		if got := s.told(t, u); len(got) != 0 {
			t.Errorf("%s told %q, want nothing", u.Name, got)
		}
	}
	// A reply to a public note by an outsider notifies too.
	p := mustNote(t, s.db, s.member, s.d1, Public, "public", quote(s.r1, 0, 0, 0))
	s.reply(t, s.outsider, p, "outsider replies")
	if got := s.told(t, s.member); !slices.Equal(got, []string{"reply outsider replies"}) {
		t.Errorf("member told %q", got)
	}
}

func TestMentionNotifications(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	create := func(a Audience, group int64, body string, mentions ...string) Note {
		t.Helper()
		return s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: a, GroupID: group, Body: body, Mentions: mentions})
	}
	// Names compare as user names do (NameKey: case folded); each person is
	// told once per note; the author, outsiders and unknown names never.
	create(Members, s.g.ID, "group note", "mia", "MIA", "Mia", "otto", "ava", "nobody", "", "tess")
	// A teachers-only note: the plain member mentioned may not see it.
	create(Teachers, s.g.ID, "feedback", "mia", "cole")
	// Notes outside any group mention nobody.
	create(Public, 0, "public note", "mia", "otto")
	create(Private, 0, "private note", "mia")

	for _, tt := range []struct {
		u    User
		want []string
	}{
		{s.member, []string{"mention group note"}},
		{s.teacher, []string{"mention group note"}},
		{s.co, []string{"mention feedback"}},
		{s.outsider, nil},
		{s.author, nil},
	} {
		if got := s.told(t, tt.u); !slices.Equal(got, tt.want) {
			t.Errorf("%s told %q, want %q", tt.u.Name, got, tt.want)
		}
	}

	// Post first: a member who may not see a peer's note is not told.
	if err := db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d2.ID, true); err != nil {
		t.Fatal(err)
	}
	s.create(t, NewNote{DocumentID: s.d2.ID, AuthorID: s.author.ID, Audience: Members, GroupID: s.g.ID, Body: "locked", Mentions: []string{"mia"}})
	if got := s.told(t, s.member); !slices.Equal(got, []string{"mention group note"}) {
		t.Errorf("locked member told %q", got)
	}

	// An edit that adds a mention notifies; one that repeats it does not
	// notify twice.
	n := create(Members, s.g.ID, "edited later")
	for range 2 {
		if _, err := db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "edited later", Audience: Members, GroupID: s.g.ID, Mentions: []string{"cole"}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.told(t, s.co); !slices.Equal(got, []string{"mention edited later", "mention feedback"}) {
		t.Errorf("co-teacher told %q", got)
	}

	// A reply mentions within its thread's group.
	r := s.create(t, NewNote{AuthorID: s.co.ID, ParentID: n.ID, Body: "a reply", Mentions: []string{"mia", "ava"}})
	// The parent's author, also mentioned, is told once, of the reply.
	if got := s.told(t, s.author); !slices.Equal(got, []string{"reply a reply"}) {
		t.Errorf("author told %q", got)
	}
	if got := s.told(t, s.member); got[0] != "mention a reply" {
		t.Errorf("member told %q", got)
	}

	// Told of a note, then it is hidden or deleted: the notification
	// goes with it (for those who may no longer see it).
	s.hide(t, s.teacher, r, "no")
	if got := s.told(t, s.member); slices.Contains(got, "mention a reply") {
		t.Errorf("LEAK: member still told of a hidden reply: %q", got)
	}
	// Nor does the parent's author see a hidden reply.
	if got := s.told(t, s.author); len(got) != 0 {
		t.Errorf("LEAK: author still told of a hidden reply: %q", got)
	}
	if err := db.DeleteNote(ctx, s.author.ID, n.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := s.told(t, s.co); !slices.Equal(got, []string{"mention feedback"}) {
		t.Errorf("after deletion, co-teacher told %q", got)
	}
}

func TestNotificationsOrderAndRead(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	n := s.groupNote(t, s.member, s.d1, "mine")
	s.reply(t, s.author, n, "one")
	s.reply(t, s.co, n, "two")
	// The author is told of something too: marking the member's read
	// leaves it alone.
	s.reply(t, s.member, s.groupNote(t, s.author, s.d1, "ava's"), "to ava")
	if got := s.unread(t, s.member); got != 2 {
		t.Fatalf("unread = %d, want 2", got)
	}
	if got := s.told(t, s.member); !slices.Equal(got, []string{"reply two", "reply one"}) {
		t.Errorf("newest first: %q", got)
	}
	if err := db.MarkNotificationsRead(ctx, s.member.ID); err != nil {
		t.Fatal(err)
	}
	if got := s.unread(t, s.member); got != 0 {
		t.Errorf("after marking read, unread = %d", got)
	}
	if got := s.unread(t, s.author); got != 1 {
		t.Errorf("another user's unread = %d, want 1", got)
	}
	s.reply(t, s.teacher, n, "three")
	list, err := db.Notifications(ctx, s.member.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, nt := range list {
		got = append(got, nt.Note.Body)
		if want := nt.Note.Body != "three"; nt.Read != want {
			t.Errorf("%s: Read = %v, want %v", nt.Note.Body, nt.Read, want)
		}
	}
	// Unread first, then newest first.
	if want := []string{"three", "two", "one"}; !slices.Equal(got, want) {
		t.Errorf("order = %q, want %q", got, want)
	}
	if got := s.unread(t, s.member); got != 1 {
		t.Errorf("unread = %d, want 1", got)
	}
	if list, _ := db.Notifications(ctx, s.member.ID, 2); len(list) != 2 || list[0].Note.Body != "three" {
		t.Errorf("limit 2: %d notifications", len(list))
	}
	// Marking read twice is harmless; an empty list is no error.
	for range 2 {
		if err := db.MarkNotificationsRead(ctx, s.outsider.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.told(t, s.outsider); len(got) != 0 {
		t.Errorf("outsider told %q", got)
	}
}
