package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// loggedSince reads the raw event log after id, as "kind body" of the
// note each event is about (bodies name the notes in these tests).
func loggedSince(t *testing.T, db *DB, after int64) []string {
	t.Helper()
	rows, err := db.sql.Query(`SELECT e.kind, n.id FROM events e JOIN notes n ON n.id = e.note_id WHERE e.id > ? ORDER BY e.id`, after)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, id string
		if err := rows.Scan(&kind, &id); err != nil {
			t.Fatal(err)
		}
		out = append(out, kind+" "+id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func lastEvent(t *testing.T, db *DB) int64 {
	t.Helper()
	var id int64
	if err := db.sql.QueryRow(`SELECT coalesce(max(id), 0) FROM events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEventKinds(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	h := mustGroup(t, db, s.teacher, "Section H")

	mark := lastEvent(t, db)
	expect := func(what string, want ...string) {
		t.Helper()
		got := loggedSince(t, db, mark)
		if !slices.Equal(got, want) {
			t.Errorf("%s: logged %q, want %q", what, got, want)
		}
		mark = lastEvent(t, db)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ev := func(kind EventKind, n Note) string { return string(kind) + " " + n.ID }

	n := s.groupNote(t, s.author, s.d1, "note")
	expect("create", ev(EventCreated, n))
	must(db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "edited", Audience: Members, GroupID: s.g.ID, Question: true}))
	expect("edit", ev(EventEdited, n))
	must(db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "edited", Audience: Teachers, GroupID: s.g.ID, Question: true}))
	expect("audience change", ev(EventWithdrawn, n), ev(EventEdited, n))
	must(db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "edited", Audience: Members, GroupID: s.g.ID, Question: true}))
	expect("audience change back", ev(EventWithdrawn, n), ev(EventEdited, n))
	r := s.reply(t, s.member, n, "reply")
	expect("reply", ev(EventCreated, r))
	must(db.React(ctx, s.member.ID, n.ID, Helpful, true))
	expect("react", ev(EventReacted, n))
	must(db.React(ctx, s.member.ID, n.ID, Helpful, false))
	expect("unreact", ev(EventReacted, n))
	must(db.SetResolved(ctx, s.teacher.ID, n.ID, true))
	expect("resolve", ev(EventEdited, n))
	must(db.Accept(ctx, s.teacher.ID, n.ID, r.ID))
	expect("accept", ev(EventEdited, n))
	must(db.Hide(ctx, s.teacher.ID, r.ID, "why"))
	expect("hide", ev(EventHidden, r))
	must(db.Restore(ctx, s.teacher.ID, r.ID))
	expect("restore", ev(EventRestored, r))
	if err := db.FlagNote(ctx, s.author.ID, r.ID, "hm"); err != nil {
		t.Fatal(err)
	}
	expect("flag")
	if err := db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d1.ID, true); err != nil {
		t.Fatal(err)
	}
	expect("post first")
	if err := db.DeleteNote(ctx, s.member.ID, r.ID, 0); err != nil {
		t.Fatal(err)
	}
	expect("delete a reply", ev(EventDeleted, r))

	guide := s.groupNote(t, s.teacher, s.d1, "guide")
	expect("guide", ev(EventCreated, guide))
	copies, err := db.ShareGuide(ctx, s.teacher.ID, guide.ID)
	if err != nil || len(copies) != 1 || copies[0].GroupID != h.ID {
		t.Fatalf("ShareGuide = %+v, %v", copies, err)
	}
	c := copies[0]
	expect("share", ev(EventCreated, c))
	must(db.UpdateNote(ctx, s.teacher.ID, guide.ID, 0, NoteUpdate{Body: "guide 2", Audience: Members, GroupID: s.g.ID}))
	expect("edit a shared note", ev(EventEdited, guide), ev(EventEdited, c))
	gr := s.reply(t, s.member, guide, "reply to the guide")
	expect("reply to guide", ev(EventCreated, gr))
	if err := db.DeleteNote(ctx, s.teacher.ID, guide.ID, 0); err != nil {
		t.Fatal(err)
	}
	// One event per deleted thread: its replies go with it.
	expect("delete a shared note", ev(EventDeleted, guide), ev(EventDeleted, c))
}

// The SSE reconnect contract: after any event id, Events returns exactly
// the later events the viewer may see, in order, and nothing else.
func TestEventsAfter(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	v := vw(s.member)
	s.groupNote(t, s.author, s.d1, "before")
	mark, err := db.LastEventID(ctx, s.d1.ID)
	if err != nil || mark == 0 {
		t.Fatalf("LastEventID = %d, %v", mark, err)
	}

	// Visible to the member, interleaved with events they may not see
	// and events of another document.
	var want []string
	a := s.groupNote(t, s.author, s.d1, "a")
	want = append(want, "created "+a.ID)
	mustNote(t, db, s.author, s.d1, Private, "private", quote(s.r1, 0, 0, 0))
	b := mustNote(t, db, s.outsider, s.d1, Public, "b", quote(s.r1, 1, 0, 0))
	want = append(want, "created "+b.ID)
	s.groupNote(t, s.author, s.d2, "other document")
	if _, err := db.React(ctx, s.co.ID, a.ID, SameQuestion, true); err != nil {
		t.Fatal(err)
	}
	want = append(want, "reacted "+a.ID)
	s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "feedback"})
	r := s.reply(t, s.co, a, "r")
	want = append(want, "created "+r.ID)
	if _, err := db.UpdateNote(ctx, s.outsider.ID, b.ID, 0, NoteUpdate{Body: "b2", Audience: Public}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "edited "+b.ID)
	if err := db.DeleteNote(ctx, s.author.ID, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	want = append(want, "deleted "+a.ID)

	events := func(after int64, limit int) []Event {
		t.Helper()
		evs, err := db.Events(ctx, v, s.d1.ID, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	str := func(evs []Event) []string {
		var out []string
		for _, e := range evs {
			out = append(out, string(e.Kind)+" "+e.NoteID)
		}
		return out
	}
	got := events(mark, 0)
	// a's "created" event and its reply's would still be listed if the
	// thread were alive; a is deleted, and the reply's event, checked
	// against its (deleted) thread, is not: the reader hears of a's
	// deletion, which covers the thread.
	wantNow := slices.DeleteFunc(slices.Clone(want), func(s string) bool { return s == "created "+r.ID })
	if !slices.Equal(str(got), wantNow) {
		t.Fatalf("Events after %d = %q, want %q", mark, str(got), wantNow)
	}
	for i, e := range got {
		if e.ID <= mark || i > 0 && e.ID <= got[i-1].ID || e.At.IsZero() || e.Anchor == "" {
			t.Errorf("event %d = %+v", i, e)
		}
		if e.NoteID == a.ID && (e.Anchor != a.Current.Anchor || e.AuthorID != s.author.ID) {
			t.Errorf("event %+v: anchor or author wrong", e)
		}
	}
	// Resuming after each event gives exactly the rest.
	for i, e := range got {
		if rest := events(e.ID, 0); !slices.Equal(str(rest), str(got[i+1:])) {
			t.Errorf("after event %d: %q, want %q", i, str(rest), str(got[i+1:]))
		}
	}
	// Paging with a limit gives the same sequence.
	var paged []Event
	for after := mark; ; {
		page := events(after, 2)
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d events with limit 2", len(page))
		}
		paged = append(paged, page...)
		after = page[len(page)-1].ID
	}
	if !slices.Equal(str(paged), str(got)) {
		t.Errorf("paged = %q, want %q", str(paged), str(got))
	}
	last, err := db.LastEventID(ctx, s.d1.ID)
	if err != nil || last < got[len(got)-1].ID {
		t.Errorf("LastEventID = %d, %v; want at least %d", last, err, got[len(got)-1].ID)
	}
	if evs := events(last, 0); len(evs) != 0 {
		t.Errorf("events after the last: %q", str(evs))
	}
	// The reply's event is listed while its thread lives: check on a
	// fresh thread.
	mark2, _ := db.LastEventID(ctx, s.d1.ID)
	c := s.groupNote(t, s.author, s.d1, "c")
	cr := s.reply(t, s.co, c, "cr")
	if got := str(events(mark2, 0)); !slices.Equal(got, []string{"created " + c.ID, "created " + cr.ID}) {
		t.Errorf("events of a new thread: %q", got)
	}
	if id, _ := db.LastEventID(ctx, 9999); id != 0 {
		t.Errorf("LastEventID(missing document) = %d", id)
	}
}

// receivers lists who among the seminar's people gets an event of kind
// about note id after event mark.
func (s *seminar) receivers(t *testing.T, doc Document, mark int64, kind EventKind, id string) []string {
	t.Helper()
	// mark is a row id of the whole log (lastEvent); Events counts in the
	// document's own numbers.
	var after int64
	if err := s.db.sql.QueryRow(`SELECT coalesce(max(seq), 0) FROM events WHERE document_id = ? AND id <= ?`, doc.ID, mark).Scan(&after); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range []User{{Name: "(signed out)"}, s.outsider, s.member, s.co, s.teacher, s.author} {
		evs, err := s.db.Events(context.Background(), vw(u), doc.ID, after, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == kind && e.NoteID == id {
				out = append(out, u.Name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func names(us ...User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	slices.Sort(out)
	return out
}

func TestEventsReachTheFormerAudience(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	group := names(s.member, s.co, s.teacher, s.author)
	staff := names(s.co, s.teacher, s.author)
	check := func(what string, doc Document, mark int64, kind EventKind, id string, want []string) {
		t.Helper()
		if got := s.receivers(t, doc, mark, kind, id); !slices.Equal(got, want) {
			t.Errorf("%s: %s event reached %q, want %q", what, kind, got, want)
		}
	}

	t.Run("deleted", func(t *testing.T) {
		mark := lastEvent(t, db)
		g := s.groupNote(t, s.author, s.d1, "group")
		p := mustNote(t, db, s.author, s.d1, Private, "private", quote(s.r1, 0, 0, 0))
		f := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "feedback"})
		for _, n := range []Note{g, p, f} {
			if err := db.DeleteNote(ctx, s.author.ID, n.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		check("group note", s.d1, mark, EventDeleted, g.ID, group)
		check("private note", s.d1, mark, EventDeleted, p.ID, names(s.author))
		check("teachers note", s.d1, mark, EventDeleted, f.ID, staff)
	})

	t.Run("hidden", func(t *testing.T) {
		mark := lastEvent(t, db)
		h := s.groupNote(t, s.author, s.d1, "to hide")
		s.hide(t, s.teacher, h, "no")
		check("group note", s.d1, mark, EventHidden, h.ID, group)
		// Afterwards, its events reach only those who still see it.
		mark = lastEvent(t, db)
		if _, err := db.UpdateNote(ctx, s.author.ID, h.ID, 0, NoteUpdate{Body: "edited while hidden", Audience: Members, GroupID: s.g.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.React(ctx, s.co.ID, h.ID, Helpful, true); err != nil {
			t.Fatal(err)
		}
		check("edit of a hidden note", s.d1, mark, EventEdited, h.ID, staff)
		check("reaction to a hidden note", s.d1, mark, EventReacted, h.ID, staff)
		if _, err := db.Restore(ctx, s.teacher.ID, h.ID); err != nil {
			t.Fatal(err)
		}
		check("restore", s.d1, mark, EventRestored, h.ID, group)

		// Under post first, a member who may not see the note is not
		// told it was hidden.
		if err := db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d2.ID, true); err != nil {
			t.Fatal(err)
		}
		mark = lastEvent(t, db)
		l := s.groupNote(t, s.author, s.d2, "locked")
		s.hide(t, s.co, l, "no")
		check("note under post first", s.d2, mark, EventHidden, l.ID, staff)
		check("note under post first", s.d2, mark, EventCreated, l.ID, staff)
	})

	t.Run("withdrawn", func(t *testing.T) {
		mark := lastEvent(t, db)
		w := s.groupNote(t, s.author, s.d1, "to withdraw")
		r := s.reply(t, s.member, w, "a reply")
		if _, err := db.UpdateNote(ctx, s.author.ID, w.ID, 0, NoteUpdate{Body: "mine now", Audience: Private}); err != nil {
			t.Fatal(err)
		}
		check("group to private", s.d1, mark, EventWithdrawn, w.ID, group)
		check("group to private", s.d1, mark, EventEdited, w.ID, names(s.author))
		// The thread went with it: the reply's past event is no longer
		// listed to the group, only to the thread's author and to the
		// reply's, whose words stay theirs.
		check("reply of a withdrawn note", s.d1, mark, EventCreated, r.ID, names(s.author, s.member))

		// While the member's reply is there the thread may not widen
		// again; once she deletes it, it may.
		if _, err := db.UpdateNote(ctx, s.author.ID, w.ID, 0, NoteUpdate{Body: "to the teachers", Audience: Teachers, GroupID: s.g.ID}); !errors.Is(err, ErrWidens) {
			t.Fatalf("widening a thread with the member's reply: %v, want ErrWidens", err)
		}
		if err := db.DeleteNote(ctx, s.member.ID, r.ID, 0); err != nil {
			t.Fatal(err)
		}
		mark = lastEvent(t, db)
		if _, err := db.UpdateNote(ctx, s.author.ID, w.ID, 0, NoteUpdate{Body: "to the teachers", Audience: Teachers, GroupID: s.g.ID}); err != nil {
			t.Fatal(err)
		}
		check("private to teachers", s.d1, mark, EventWithdrawn, w.ID, names(s.author))
		check("private to teachers", s.d1, mark, EventEdited, w.ID, staff)
		mark = lastEvent(t, db)
		if _, err := db.UpdateNote(ctx, s.author.ID, w.ID, 0, NoteUpdate{Body: "public", Audience: Public}); err != nil {
			t.Fatal(err)
		}
		check("teachers to public", s.d1, mark, EventWithdrawn, w.ID, staff)
		check("teachers to public", s.d1, mark, EventEdited, w.ID, names(User{Name: "(signed out)"}, s.outsider, s.member, s.co, s.teacher, s.author))
	})
}

func TestChanged(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	ch := db.Changed()
	if closed(ch) {
		t.Fatal("Changed closed before any write")
	}
	// Reads and refused writes commit nothing.
	if _, err := db.Notes(ctx, vw(s.member), NoteQuery{DocumentID: s.d1.ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRole(ctx, s.member.ID, s.g.ID, s.author.ID, RoleTeacher); err == nil {
		t.Fatal("member promoted someone")
	}
	if _, err := db.CreateNote(ctx, NewNote{AuthorID: s.outsider.ID, ParentID: "nosuchnoteatall0", Body: "x"}); err == nil {
		t.Fatal("reply to a missing note")
	}
	if closed(ch) {
		t.Fatal("Changed closed by a read or a refused write")
	}
	gen := db.Generation()
	n := s.groupNote(t, s.author, s.d1, "news")
	if !closed(ch) {
		t.Fatal("Changed not closed by a commit")
	}
	if db.Generation() == gen {
		t.Error("generation did not move")
	}
	// The next channel waits for the next commit.
	ch = db.Changed()
	if closed(ch) {
		t.Fatal("new Changed channel already closed")
	}
	for _, write := range []struct {
		name string
		do   func() error
	}{
		{"react", func() error { _, err := db.React(ctx, s.member.ID, n.ID, Helpful, true); return err }},
		{"hide", func() error { _, err := db.Hide(ctx, s.teacher.ID, n.ID, "x"); return err }},
		{"join", func() error { _, err := db.Join(ctx, s.outsider.ID, s.g.InviteCode); return err }},
		{"leave", func() error { return db.Leave(ctx, s.outsider.ID, s.g.ID) }},
		{"post first", func() error { return db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d1.ID, true) }},
	} {
		ch := db.Changed()
		if err := write.do(); err != nil {
			t.Fatalf("%s: %v", write.name, err)
		}
		if !closed(ch) {
			t.Errorf("%s: Changed not closed", write.name)
		}
	}
}

// TestEventActors: each event names who acted, so a reader's own acts are
// not announced back to them, while others' acts on their notes are.
func TestEventActors(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	n := s.groupNote(t, s.author, s.d1, "a question")
	actors := func(after int64) []int64 {
		t.Helper()
		evs, err := db.Events(ctx, vw(s.teacher), s.d1.ID, after, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range evs {
			out = append(out, e.ActorID)
		}
		return out
	}
	mark := lastEvent(t, db)
	r := s.reply(t, s.member, n, "an answer")
	if _, err := db.React(ctx, s.co.ID, n.ID, Helpful, true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Hide(ctx, s.teacher.ID, r.ID, "off topic"); err != nil {
		t.Fatal(err)
	}
	want := []int64{s.member.ID, s.co.ID, s.teacher.ID}
	if got := actors(mark); !slices.Equal(got, want) {
		t.Errorf("actors %v, want %v (reply, reaction, hide)", got, want)
	}
	mark = lastEvent(t, db)
	if err := db.DeleteNote(ctx, s.author.ID, n.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := actors(mark); !slices.Equal(got, []int64{s.author.ID}) {
		t.Errorf("delete: actors %v, want the author", got)
	}
}

// TestEventsForMatchesEvents: one EventsFor read for every viewer of the
// visibility matrix at once (signed out, an outsider, a member, teachers,
// authors, a member removed after writing, a viewer given twice) gives
// each viewer exactly the events Events gives it alone, field for field,
// in order, and the "created" events the matrix expects; read in small
// windows, the windows tile the log.
func TestEventsForMatchesEvents(t *testing.T) {
	ctx := context.Background()
	m := newMatrix(t)
	db := m.db
	// Rex writes to the group, then is removed from it: he keeps his own
	// note and loses the group's.
	rex := mustUser(t, db, "rex")
	mustJoin(t, db, rex, m.g)
	rexNote := m.groupNote(t, rex, m.d1, "rex's note")
	afterRex := m.groupNote(t, m.author, m.d1, "after rex wrote")
	if err := db.RemoveMember(ctx, m.teacher.ID, m.g.ID, rex.ID); err != nil {
		t.Fatal(err)
	}
	afterRemoval := m.groupNote(t, m.author, m.d1, "after rex left")

	names := append(slices.Clone(matrixViewers), "rex", vMember)
	viewers := make([]Viewer, len(names))
	for i, n := range names {
		viewers[i] = m.viewers[n]
	}
	viewers[len(names)-2] = vw(rex)

	for _, d := range []Document{m.d1, m.d2} {
		end, err := db.LastEventID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1000, 3} {
			got := make([][]Event, len(viewers))
			after, windows := int64(0), 0
			for {
				w, err := db.EventsFor(ctx, viewers, d.ID, after, limit)
				if err != nil {
					t.Fatal(err)
				}
				windows++
				if len(w.Events) != len(w.Seen) {
					t.Fatalf("%d events, %d Seen lists", len(w.Events), len(w.Seen))
				}
				for j, ev := range w.Events {
					if ev.ID <= after || ev.ID > w.Last || len(w.Seen[j]) == 0 || !slices.IsSorted(w.Seen[j]) {
						t.Errorf("window after %d, last %d: event %d seen by %v", after, w.Last, ev.ID, w.Seen[j])
					}
					for _, i := range w.Seen[j] {
						got[i] = append(got[i], ev)
					}
				}
				if !w.Full {
					if w.Last != 0 && w.Last != end {
						t.Errorf("the last window ends at %d, the log at %d", w.Last, end)
					}
					break
				}
				after = w.Last
			}
			if limit == 3 && windows < 3 {
				t.Errorf("%s: %d windows of 3 events", d.Slug, windows)
			}
			for i, v := range viewers {
				want, err := db.Events(ctx, v, d.ID, 0, 1000)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got[i], want) {
					t.Errorf("%s, windows of %d, %s: EventsFor gives\n%v\nEvents gives\n%v", d.Slug, limit, names[i], got[i], want)
				}
				if names[i] == "rex" {
					continue
				}
				var created, wantCreated []string
				for _, e := range got[i] {
					if e.Kind == EventCreated && e.NoteID != rexNote.ID {
						created = append(created, e.NoteID)
					}
				}
				for _, mn := range m.notes {
					seenBy := mn.sees
					if mn.createdSeenBy != nil {
						seenBy = mn.createdSeenBy
					}
					if seenBy[names[i]] && mn.note.DocumentID == d.ID {
						wantCreated = append(wantCreated, mn.key)
					}
				}
				slices.Sort(wantCreated)
				matrixOnly := slices.DeleteFunc(m.keysOf(created), func(k string) bool { return strings.HasPrefix(k, "?") })
				if s := diff(matrixOnly, wantCreated); s != "" {
					t.Errorf("%s, %s: created events: %s", d.Slug, names[i], s)
				}
			}
		}
	}
	// Rex, removed, still has his own note's event and none of the
	// group's notes after it.
	evs, err := db.Events(ctx, vw(rex), m.d1.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var rexSaw []string
	for _, e := range evs {
		rexSaw = append(rexSaw, e.NoteID)
	}
	if !slices.Contains(rexSaw, rexNote.ID) || slices.Contains(rexSaw, afterRex.ID) || slices.Contains(rexSaw, afterRemoval.ID) {
		t.Errorf("rex's events: %v; want his note %s and neither %s nor %s", rexSaw, rexNote.ID, afterRex.ID, afterRemoval.ID)
	}

	// No viewers: the window still moves.
	w, err := db.EventsFor(ctx, nil, m.d1.ID, 0, 2)
	if err != nil || w.Last == 0 || !w.Full || len(w.Events) != 0 {
		t.Errorf("EventsFor(no viewers) = %+v, %v", w, err)
	}
}

// BenchmarkEventsFor: a lecture. 1,000 members of one group stream the
// essay; its teacher writes one note to the group, and one read says who
// of them may see it. Compare BenchmarkEventsPerViewer, the same answer
// asked viewer by viewer.
func BenchmarkEventsFor(b *testing.B) {
	s, viewers, after := lecture(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		w, err := s.db.EventsFor(ctx, viewers, s.d1.ID, after, 100)
		if err != nil || len(w.Events) != 1 || len(w.Seen[0]) != len(viewers) {
			b.Fatalf("%d events, %v", len(w.Events), err)
		}
	}
}

func BenchmarkEventsPerViewer(b *testing.B) {
	s, viewers, after := lecture(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		for _, v := range viewers {
			evs, err := s.db.Events(ctx, v, s.d1.ID, after, 100)
			if err != nil || len(evs) != 1 {
				b.Fatalf("%d events, %v", len(evs), err)
			}
		}
	}
}

// lecture makes n members of the seminar's group and a note by its
// teacher, and returns the members as viewers and where the note's event
// begins.
func lecture(b *testing.B, n int) (*seminar, []Viewer, int64) {
	ctx := context.Background()
	s := newSeminar(b)
	var viewers []Viewer
	for i := range n {
		u := mustUser(b, s.db, fmt.Sprintf("student%d", i))
		mustJoin(b, s.db, u, s.g)
		viewers = append(viewers, vw(u))
	}
	after, err := s.db.LastEventID(ctx, s.d1.ID)
	if err != nil {
		b.Fatal(err)
	}
	s.groupNote(b, s.teacher, s.d1, "for the lecture")
	return s, viewers, after
}
