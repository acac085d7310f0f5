package store

import (
	"context"
	"slices"
	"testing"
)

// TestMargins: a margin counts what the viewer may see, shows the guide's
// first thread, then the first cards in the viewer's order, marks the
// quotes of the first threads of the margin's order (guide first), keeps
// a lone reply apart, and lists what lost its words as earlier, in
// reading order; an earlier revision's margins place notes as they stood
// on it.
func TestMargins(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	text := []rune(s.r1.Blocks[0].Text) // "The first paragraph of the essay."
	on := func(author User, a Audience, start, end int, body string) Note {
		t.Helper()
		var g int64
		if a == Members || a == Teachers {
			g = s.g.ID
		}
		return s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: author.ID, Audience: a, GroupID: g,
			Body: body, Target: quote(s.r1, 0, start, end)})
	}
	// Written out of reading order.
	g2 := on(s.teacher, Members, 10, 19, "guide two")
	g1 := on(s.teacher, Members, 4, 9, "guide one")
	n3 := on(s.author, Members, 14, 19, "third")
	n1 := on(s.author, Members, 0, 3, "first")
	n2 := on(s.author, Members, 0, 0, "whole paragraph") // before quotes starting at 0
	n4 := on(s.author, Members, 20, 22, "fourth")
	n5 := on(s.author, Members, 23, 26, "fifth")
	hidden := on(s.author, Members, 27, 32, "hidden")
	secret := on(s.outsider, Private, 4, 9, "the outsider's own")
	s.reply(t, s.member, n1, "mia's reply")
	s.reply(t, s.co, n1, "cole's reply")
	lone := s.reply(t, s.member, hidden, "mia's reply, then the note is hidden")
	s.hide(t, s.teacher, hidden, "off topic")
	onThird := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Public, Body: "on the third",
		Target: quote(s.r1, 2, 0, 0)})
	if string(text[4:9]) != "first" {
		t.Fatalf("the fixture's text moved: %q", string(text))
	}
	names := map[string]string{g1.ID: "g1", g2.ID: "g2", n1.ID: "n1", n2.ID: "n2", n3.ID: "n3", n4.ID: "n4", n5.ID: "n5",
		hidden.ID: "hidden", secret.ID: "secret", lone.ID: "lone", onThird.ID: "onThird"}
	named := func(ts []MarginThread) []string {
		var out []string
		for _, th := range ts {
			out = append(out, names[th.ID])
		}
		return out
	}
	marked := func(ms []MarginMark) []string {
		var out []string
		for _, m := range ms {
			out = append(out, names[m.NoteID])
		}
		return out
	}

	mia := vw(s.member)
	m, err := db.Margins(ctx, mia, MarginQuery{DocumentID: s.d1.ID, Cards: 4, Marks: 3, Earlier: 5})
	if err != nil {
		t.Fatal(err)
	}
	b := m.Blocks[s.r1.Blocks[0].Anchor]
	if b == nil {
		t.Fatal("no margin on the first paragraph")
	}
	// Threads: two guides, five notes, the lone reply; notes: those and
	// two replies. Neither the hidden note nor the outsider's.
	if b.Threads != 8 || b.Guides != 2 || b.Notes != 10 {
		t.Errorf("counts: %d threads, %d guides, %d notes; want 8, 2, 10", b.Threads, b.Guides, b.Notes)
	}
	if b.Guide == nil || b.Guide.ID != g1.ID || !b.Guide.Guide {
		t.Errorf("guide card %+v, want g1", b.Guide)
	}
	if got, want := named(b.Cards), []string{"n2", "n1", "n3", "n4"}; !slices.Equal(got, want) {
		t.Errorf("cards %q, want %q (reading order)", got, want)
	}
	if b.Cards[1].Replies != 2 || b.Cards[0].Replies != 0 {
		t.Errorf("replies on the cards: %d and %d, want 0 and 2", b.Cards[0].Replies, b.Cards[1].Replies)
	}
	if got, want := marked(b.Marks), []string{"g1", "g2", "n1"}; !slices.Equal(got, want) {
		t.Errorf("marks %q, want %q (guides first, then reading order, whole-paragraph notes mark nothing)", got, want)
	}
	if m.Placed != 11 || m.Guides != 2 || m.EarlierTotal != 0 || len(m.Earlier) != 0 {
		t.Errorf("page: placed %d, guides %d, earlier %d %q; want 11, 2, 0", m.Placed, m.Guides, m.EarlierTotal, named(m.Earlier))
	}

	// Newest first: the cards change, the guide stays first; the lone
	// reply is a thread of its own, with no words marked.
	m, err = db.Margins(ctx, mia, MarginQuery{DocumentID: s.d1.ID, Order: MarginNewest, Cards: 20, Marks: 20})
	if err != nil {
		t.Fatal(err)
	}
	b = m.Blocks[s.r1.Blocks[0].Anchor]
	if got, want := named(b.Cards), []string{"lone", "n5", "n4", "n2", "n1", "n3"}; !slices.Equal(got, want) {
		t.Errorf("newest first: cards %q, want %q", got, want)
	}
	if !b.Cards[0].Lone || b.Cards[0].ParentID != hidden.ID || b.Cards[0].Guide {
		t.Errorf("the lone reply: %+v", b.Cards[0])
	}
	if got := marked(b.Marks); slices.Contains(got, "lone") || slices.Contains(got, "hidden") || slices.Contains(got, "secret") || len(got) != 6 {
		t.Errorf("newest first: marks %q", got)
	}

	// The teacher sees the hidden note, and mia's reply under it.
	m, err = db.Margins(ctx, vw(s.teacher), MarginQuery{DocumentID: s.d1.ID, Cards: 20})
	if err != nil {
		t.Fatal(err)
	}
	b = m.Blocks[s.r1.Blocks[0].Anchor]
	if b.Threads != 8 || b.Notes != 11 || !slices.Contains(named(b.Cards), "hidden") {
		t.Errorf("the teacher: %d threads, %d notes, cards %q", b.Threads, b.Notes, named(b.Cards))
	}

	// One block alone, and bounds.
	m, err = db.Margins(ctx, mia, MarginQuery{DocumentID: s.d1.ID, Anchor: s.r1.Blocks[0].Anchor, Cards: 1, Marks: 1, Earlier: 5})
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Blocks[s.r1.Blocks[0].Anchor]; len(m.Blocks) != 1 || b.Threads != 8 || len(b.Cards) != 1 || len(b.Marks) != 1 || m.Earlier != nil {
		t.Errorf("one block: %d blocks, %+v, earlier %v", len(m.Blocks), b, m.Earlier)
	}
	// A new revision whose notes were not carried to it (the store
	// alone does not re-anchor): every thread is earlier, in reading
	// order; on the first revision they are still in place.
	mustPublish(t, db, pub("essay", "The first paragraph of the essay.", "The second paragraph."))
	m, err = db.Margins(ctx, mia, MarginQuery{DocumentID: s.d1.ID, Cards: 4, Marks: 3, Earlier: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := named(m.Earlier), []string{"n2", "onThird", "n1", "g1", "g2"}; m.EarlierTotal != 9 || len(m.Blocks) != 0 || !slices.Equal(got, want) {
		t.Errorf("earlier: %d %q, want 9 %q; %d blocks", m.EarlierTotal, got, want, len(m.Blocks))
	}
	if m.Earlier[3].Original.Anchor != s.r1.Blocks[0].Anchor || m.Earlier[3].Original.Exact != "first" || m.Earlier[3].Words != "guide one" {
		t.Errorf("an earlier card: %+v", m.Earlier[3])
	}
	m, err = db.Margins(ctx, mia, MarginQuery{DocumentID: s.d1.ID, RevisionID: s.r1.ID, Cards: 4, Marks: 3, Earlier: 5})
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Blocks[s.r1.Blocks[2].Anchor]; b == nil || b.Threads != 1 || len(b.Cards) != 1 || m.EarlierTotal != 0 || m.Blocks[s.r1.Blocks[0].Anchor].Threads != 8 {
		t.Errorf("on the first revision: %+v, earlier %d", b, m.EarlierTotal)
	}
	if _, err := db.Margins(ctx, mia, MarginQuery{DocumentID: s.d1.ID, Cards: MaxMarginCards + 1}); err == nil {
		t.Error("more cards than MaxMarginCards: no error")
	}
}
