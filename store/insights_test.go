package store

import (
	"context"
	"errors"
	"maps"
	"testing"
)

func TestHeatAndParticipation(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	h := mustGroup(t, db, s.teacher, "Section H")
	lee := mustUser(t, db, "lee") // writes, then leaves
	mustJoin(t, db, lee, s.g)

	at := func(author User, block int, a Audience, group int64, body string, question bool) Note {
		t.Helper()
		return s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: author.ID, Audience: a, GroupID: group,
			Body: body, Question: question, Target: quote(s.r1, block, 0, 0)})
	}
	react := func(u User, n Note, kind Reaction) {
		t.Helper()
		if _, err := db.React(ctx, u.ID, n.ID, kind, true); err != nil {
			t.Fatal(err)
		}
	}
	p0, p1 := s.r1.Blocks[0].Anchor, s.r1.Blocks[1].Anchor

	// Paragraph 0: a guide question with two answers, and a member's note.
	q := at(s.teacher, 0, Members, s.g.ID, "What is meant here?", true) // 4 words
	a1 := s.reply(t, s.member, q, "I think irony")                      // 3 words
	s.reply(t, s.author, q, "Maybe")                                    // 1 word
	avaFirst := at(s.author, 0, Members, s.g.ID, "one two", false)      // 2 words
	react(s.member, q, SameQuestion)
	react(s.author, q, SameQuestion)
	react(s.co, a1, SameQuestion) // on a reply: same paragraph
	react(s.co, q, Helpful)       // not counted

	// Paragraph 1: private feedback and a hidden question count; private,
	// public, deleted notes and other groups' notes do not.
	at(s.author, 1, Teachers, s.g.ID, "for the teacher only", false) // 4 words
	hidden := at(s.author, 1, Members, s.g.ID, "why why", true)      // 2 words
	s.hide(t, s.teacher, hidden, "repeat")
	at(s.author, 1, Private, 0, "private words not counted", false)
	at(s.member, 1, Public, 0, "public words not counted", false)
	gone := at(s.author, 1, Members, s.g.ID, "deleted words", true)
	react(s.member, gone, SameQuestion)
	if err := db.DeleteNote(ctx, s.author.ID, gone.ID, 0); err != nil {
		t.Fatal(err)
	}
	at(s.teacher, 1, Members, h.ID, "other section", true)
	react(s.teacher, at(s.teacher, 1, Members, h.ID, "other section 2", true), SameQuestion)
	// Another document.
	s.groupNote(t, s.author, s.d2, "elsewhere")
	// A member who wrote and left.
	at(lee, 2, Members, s.g.ID, "lee was here", false)
	if err := db.Leave(ctx, lee.ID, s.g.ID); err != nil {
		t.Fatal(err)
	}
	// The author's last act: editing her first note.
	last, err := db.UpdateNote(ctx, s.author.ID, avaFirst.ID, 0, NoteUpdate{Body: "one two three", Audience: Members, GroupID: s.g.ID})
	if err != nil {
		t.Fatal(err)
	}

	heat, err := db.Heat(ctx, s.co.ID, s.g.ID, s.d1.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Paragraph 2 has lee's note: the heat map counts the group's notes,
	// whoever is in the group now.
	want := map[string]BlockStats{
		p0:                    {Anchor: p0, Notes: 4, Questions: 1, Same: 3},
		p1:                    {Anchor: p1, Notes: 2, Questions: 1, Same: 0},
		s.r1.Blocks[2].Anchor: {Anchor: s.r1.Blocks[2].Anchor, Notes: 1},
	}
	if !maps.Equal(heat, want) {
		t.Errorf("Heat =\n %+v\nwant\n %+v", heat, want)
	}
	if other, err := db.Heat(ctx, s.teacher.ID, h.ID, s.d1.ID); err != nil || other[p1].Notes != 2 || other[p1].Same != 1 || other[p0].Notes != 0 {
		t.Errorf("Heat of section H = %+v, %v", other, err)
	}
	if d2, err := db.Heat(ctx, s.teacher.ID, s.g.ID, s.d2.ID); err != nil || len(d2) != 1 {
		t.Errorf("Heat of the other document = %+v, %v", d2, err)
	}

	part, err := db.Participation(ctx, s.teacher.ID, s.g.ID, s.d1.ID)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name                  string
		notes, replies, words int
	}
	var got []row
	for _, p := range part {
		got = append(got, row{p.Member.User.Name, p.Notes, p.Replies, p.Words})
	}
	wantRows := []row{
		{"tess", 1, 0, 4},
		{"cole", 0, 0, 0},
		{"ava", 3, 1, 3 + 4 + 2 + 1},
		{"mia", 0, 1, 3},
	}
	if !equalSlices(got, wantRows) {
		t.Errorf("Participation =\n %+v\nwant\n %+v", got, wantRows)
	}
	for _, p := range part {
		switch p.Member.User.ID {
		case s.author.ID:
			if !p.LastActivity.Equal(last.UpdatedAt) {
				t.Errorf("ava's last activity %v, want her last edit %v", p.LastActivity, last.UpdatedAt)
			}
		case s.co.ID:
			if !p.LastActivity.IsZero() {
				t.Errorf("cole's last activity %v, want none", p.LastActivity)
			}
		case s.member.ID:
			if !p.LastActivity.Equal(a1.UpdatedAt) {
				t.Errorf("mia's last activity %v, want her reply's %v", p.LastActivity, a1.UpdatedAt)
			}
		}
		if p.Member.Role == "" {
			t.Errorf("%s: no role", p.Member.User.Name)
		}
	}

	// Teachers of the group only.
	for _, u := range []User{s.member, s.author, s.outsider, {}} {
		if _, err := db.Heat(ctx, u.ID, s.g.ID, s.d1.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("Heat by %q: %v, want ErrForbidden", u.Name, err)
		}
		if _, err := db.Participation(ctx, u.ID, s.g.ID, s.d1.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("Participation by %q: %v, want ErrForbidden", u.Name, err)
		}
	}
	// A teacher of another group is no teacher here.
	if _, err := db.Heat(ctx, s.teacher.ID, mustGroup(t, db, s.outsider, "Theirs").ID, s.d1.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("Heat of a group one does not teach: %v", err)
	}
}
