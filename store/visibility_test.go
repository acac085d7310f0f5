package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// The authorization matrix at the store level: every viewer × every kind
// of note × every read path. The expectations are written out per note
// (who may see it), not derived from the rule under test; each cell of the
// matrix is checked against them, and anything seen that is not expected
// is a leak.

// The viewers of the matrix.
const (
	vOut      = "signed out"
	vOutsider = "outsider"
	vMember   = "member"
	vCo       = "co-teacher"
	vTeacher  = "teacher"
	vAuthor   = "author"
)

var matrixViewers = []string{vOut, vOutsider, vMember, vCo, vTeacher, vAuthor}

func audienceOf(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	everyone     = audienceOf(matrixViewers...)
	wholeGroup   = audienceOf(vMember, vCo, vTeacher, vAuthor)
	withTeachers = audienceOf(vAuthor, vCo, vTeacher)
	authorOnly   = audienceOf(vAuthor)
	nobody       = audienceOf()
)

// matrixNote is one note of the matrix and who may see it.
type matrixNote struct {
	key  string
	note Note
	sees map[string]bool
	// createdSeenBy is who gets its "created" event, when it differs from
	// sees: the event log keeps a deleted note's audience as it was, so
	// those who saw it created are the ones told it is gone.
	createdSeenBy map[string]bool
	parentAuthor  int64 // for replies
}

type matrix struct {
	*seminar
	notes   []matrixNote
	viewers map[string]Viewer
	users   map[string]User // signed-in viewers
	flagged map[string]bool // note ids the co-teacher flagged
}

// newMatrix writes the notes of the matrix. Post first is on for "second"
// (d2), off for "essay" (d1); mia, the member viewer, writes nothing.
// Every note mentions every user, so that notifications can be checked
// for the same cells.
func newMatrix(t *testing.T) *matrix {
	ctx := context.Background()
	s := newSeminar(t)
	m := &matrix{seminar: s, flagged: map[string]bool{}}
	m.users = map[string]User{vOutsider: s.outsider, vMember: s.member, vCo: s.co, vTeacher: s.teacher, vAuthor: s.author}
	m.viewers = map[string]Viewer{vOut: {}}
	for k, u := range m.users {
		m.viewers[k] = vw(u)
	}
	mentions := []string{"tess", "cole", "ava", "mia", "otto"}
	if err := s.db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d2.ID, true); err != nil {
		t.Fatal(err)
	}
	add := func(key string, sees map[string]bool, n NewNote) Note {
		t.Helper()
		n.Body = key
		n.Mentions = mentions
		note := s.create(t, n)
		mn := matrixNote{key: key, note: note, sees: sees}
		for _, p := range m.notes {
			if p.note.ID == n.ParentID {
				mn.parentAuthor = p.note.Author.ID
			}
		}
		m.notes = append(m.notes, mn)
		return note
	}
	top := func(author User, d Document, a Audience) NewNote {
		var g int64
		if a == Teachers || a == Members {
			g = s.g.ID
		}
		return NewNote{DocumentID: d.ID, AuthorID: author.ID, Audience: a, GroupID: g}
	}
	reply := func(author User, parent Note) NewNote {
		return NewNote{AuthorID: author.ID, ParentID: parent.ID}
	}

	// Document 1, post first off.
	add("private", authorOnly, top(s.author, s.d1, Private))
	teachersNote := add("teachers of G", withTeachers, top(s.author, s.d1, Teachers))
	groupNote := add("group G", wholeGroup, top(s.author, s.d1, Members))
	publicNote := add("public", everyone, top(s.author, s.d1, Public))
	hidden := add("group note hidden by a teacher", withTeachers, top(s.author, s.d1, Members))
	add("reply to a group note", wholeGroup, reply(s.co, groupNote))
	add("reply to a teachers note", withTeachers, reply(s.teacher, teachersNote))
	add("reply to a hidden note", withTeachers, reply(s.co, hidden))
	add("reply to a public note", everyone, reply(s.outsider, publicNote))
	add("guide note", wholeGroup, top(s.teacher, s.d1, Members))
	deleted := add("deleted note", nobody, top(s.author, s.d1, Members))
	m.notes[len(m.notes)-1].createdSeenBy = wholeGroup
	add("reply to a deleted note", nobody, reply(s.member, deleted))
	// Its writer saw it created, and is told it is gone.
	m.notes[len(m.notes)-1].createdSeenBy = audienceOf(vMember)

	// Document 2, post first on: mia has written nothing there.
	locked := add("group note under post-first lock", withTeachers, top(s.author, s.d2, Members))
	guide := add("guide note under post first", wholeGroup, top(s.teacher, s.d2, Members))
	add("reply in a post-first group", withTeachers, reply(s.author, guide))
	add("teacher's reply to a guide note under post first", wholeGroup, reply(s.co, guide))
	add("teacher's reply to a locked note", withTeachers, reply(s.teacher, locked))
	add("teachers note under post first", withTeachers, top(s.author, s.d2, Teachers))
	add("public note under post first", everyone, top(s.author, s.d2, Public))

	// The co-teacher flags every group note (while all exist).
	for _, mn := range m.notes {
		if mn.note.GroupID != 0 {
			if err := s.db.FlagNote(ctx, s.co.ID, mn.note.ID, "flagged "+mn.key); err != nil {
				t.Fatalf("flag %s: %v", mn.key, err)
			}
			m.flagged[mn.note.ID] = true
		}
	}
	s.hide(t, s.teacher, hidden, "off topic")
	if err := s.db.DeleteNote(ctx, s.author.ID, deleted.ID, 0); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *matrix) byKey(key string) matrixNote {
	for _, mn := range m.notes {
		if mn.key == key {
			return mn
		}
	}
	panic("no matrix note " + key)
}

// expected lists the keys of the notes viewer may see, optionally only
// those matching keep.
func (m *matrix) expected(viewer string, keep func(matrixNote) bool) []string {
	var keys []string
	for _, mn := range m.notes {
		if mn.sees[viewer] && (keep == nil || keep(mn)) {
			keys = append(keys, mn.key)
		}
	}
	slices.Sort(keys)
	return keys
}

// keysOf turns note ids into matrix keys, sorted; ids of notes outside the
// matrix come out as "?id".
func (m *matrix) keysOf(ids []string) []string {
	var keys []string
	for _, id := range ids {
		k := "?" + id
		for _, mn := range m.notes {
			if mn.note.ID == id {
				k = mn.key
			}
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// diff describes the difference between the keys got and wanted, naming
// leaks (seen, not expected) and misses.
func diff(got, want []string) string {
	var leaks, misses []string
	for _, k := range got {
		if !slices.Contains(want, k) {
			leaks = append(leaks, k)
		}
	}
	for _, k := range want {
		if !slices.Contains(got, k) {
			misses = append(misses, k)
		}
	}
	if len(leaks) == 0 && len(misses) == 0 {
		return ""
	}
	return fmt.Sprintf("LEAKED %q; missing %q", leaks, misses)
}

func TestVisibilityMatrix(t *testing.T) {
	ctx := context.Background()
	m := newMatrix(t)
	db := m.db
	docs := []Document{m.d1, m.d2}

	// The matrix itself: every viewer sees something and misses something.
	for _, viewer := range matrixViewers {
		if len(m.expected(viewer, nil)) == 0 || len(m.expected(viewer, nil)) == len(m.notes) {
			t.Errorf("matrix: %s sees %d of %d notes", viewer, len(m.expected(viewer, nil)), len(m.notes))
		}
	}
	for _, viewer := range matrixViewers {
		t.Run(viewer, func(t *testing.T) {
			v := m.viewers[viewer]

			t.Run("Note", func(t *testing.T) {
				for _, mn := range m.notes {
					n, err := db.Note(ctx, v, mn.note.ID)
					switch {
					case mn.sees[viewer] && err != nil:
						t.Errorf("%s: %v, want visible", mn.key, err)
					case !mn.sees[viewer] && err == nil:
						t.Errorf("LEAK: %s is visible", mn.key)
					case !mn.sees[viewer] && !errors.Is(err, ErrNotFound):
						t.Errorf("%s: error = %v, want ErrNotFound", mn.key, err)
					case err == nil && n.Body != mn.key:
						t.Errorf("%s: body %q", mn.key, n.Body)
					}
				}
			})

			t.Run("Notes", func(t *testing.T) {
				for _, d := range docs {
					got := m.keysOf(noteIDs(t, db, v, d))
					want := m.expected(viewer, func(mn matrixNote) bool { return mn.note.DocumentID == d.ID })
					if s := diff(got, want); s != "" {
						t.Errorf("Notes(%s): %s", d.Slug, s)
					}
				}
			})

			wantCounts := map[int64]int{}
			wantGroupCounts := map[int64]int{}
			for _, mn := range m.notes {
				if mn.sees[viewer] {
					wantCounts[mn.note.DocumentID]++
					if mn.note.GroupID == m.g.ID {
						wantGroupCounts[mn.note.DocumentID]++
					}
				}
			}

			t.Run("Margins", func(t *testing.T) {
				// Every thread is shown (the bounds exceed the matrix),
				// so the cards are the visible threads, and the notes the
				// counts add up to are the visible notes.
				for _, d := range docs {
					mg, err := db.Margins(ctx, v, MarginQuery{DocumentID: d.ID, Cards: MaxMarginCards, Marks: MaxMarginMarks, Earlier: MaxMarginEarlier})
					if err != nil {
						t.Fatal(err)
					}
					var shown []string
					counted, threads, placed := 0, 0, 0
					show := func(th MarginThread) {
						shown = append(shown, th.ID)
						counted += 1 + th.Replies
					}
					for _, b := range mg.Blocks {
						if b.Guide != nil {
							show(*b.Guide)
						}
						for _, c := range b.Cards {
							show(c)
						}
						for _, mk := range b.Marks {
							shown = append(shown, mk.NoteID)
						}
						threads += b.Threads
						placed += b.Notes
					}
					for _, c := range mg.Earlier {
						show(c)
					}
					want := m.expected(viewer, func(mn matrixNote) bool {
						if mn.note.DocumentID != d.ID {
							return false
						}
						return mn.note.ParentID == "" || !m.byKey(m.keysOf([]string{mn.note.ParentID})[0]).sees[viewer]
					})
					if s := diff(m.keysOf(shown), want); s != "" {
						t.Errorf("Margins(%s): %s", d.Slug, s)
					}
					if counted != wantCounts[d.ID] || threads+mg.EarlierTotal != len(want) || placed != mg.Placed {
						t.Errorf("Margins(%s) counts %d notes in %d+%d threads (placed %d, blocks say %d); want %d notes in %d threads",
							d.Slug, counted, threads, mg.EarlierTotal, mg.Placed, placed, wantCounts[d.ID], len(want))
					}
				}
			})

			t.Run("CountNotes", func(t *testing.T) {
				for _, d := range docs {
					n, err := db.CountNotes(ctx, v, d.ID)
					if err != nil || n != wantCounts[d.ID] {
						t.Errorf("CountNotes(%s) = %d, %v; want %d", d.Slug, n, err, wantCounts[d.ID])
					}
				}
			})

			t.Run("CountNotesByDocument", func(t *testing.T) {
				got, err := db.CountNotesByDocument(ctx, v)
				if err != nil || !maps.Equal(got, wantCounts) {
					t.Errorf("CountNotesByDocument = %v, %v; want %v", got, err, wantCounts)
				}
			})

			t.Run("CountGroupNotes", func(t *testing.T) {
				got, err := db.CountGroupNotes(ctx, v, m.g.ID)
				if err != nil || !maps.Equal(got, wantGroupCounts) {
					t.Errorf("CountGroupNotes = %v, %v; want %v", got, err, wantGroupCounts)
				}
			})

			t.Run("Events", func(t *testing.T) {
				// Who gets each note's "created" event.
				var got, want []string
				for _, d := range docs {
					evs, err := db.Events(ctx, v, d.ID, 0, 1000)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range evs {
						if e.Kind == EventCreated {
							got = append(got, e.NoteID)
						}
					}
				}
				for _, mn := range m.notes {
					seenBy := mn.sees
					if mn.createdSeenBy != nil {
						seenBy = mn.createdSeenBy
					}
					if seenBy[viewer] {
						want = append(want, mn.key)
					}
				}
				slices.Sort(want)
				if s := diff(m.keysOf(got), want); s != "" {
					t.Errorf("created events: %s", s)
				}
			})

			u, signedIn := m.users[viewer]

			t.Run("Notifications", func(t *testing.T) {
				if !signedIn {
					return
				}
				// Mentioned in every note: told of the group notes they
				// may see and did not write; told of replies to their
				// notes that they may see.
				var want []string
				for _, mn := range m.notes {
					if !mn.sees[viewer] || mn.note.Author.ID == u.ID {
						continue
					}
					// A reply that also mentions the parent's author
					// tells them once, as a reply.
					if mn.parentAuthor == u.ID {
						want = append(want, "reply "+mn.key)
					} else if mn.note.GroupID == m.g.ID && viewer != vOutsider {
						want = append(want, "mention "+mn.key)
					}
				}
				slices.Sort(want)
				list, err := db.Notifications(ctx, u.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, nt := range list {
					got = append(got, nt.Kind+" "+m.keysOf([]string{nt.Note.ID})[0])
				}
				slices.Sort(got)
				if s := diff(got, want); s != "" {
					t.Errorf("Notifications: %s", s)
				}
				unread, err := db.UnreadNotifications(ctx, u.ID)
				if err != nil || unread != len(want) {
					t.Errorf("UnreadNotifications = %d, %v; want %d", unread, err, len(want))
				}
			})

			teacher := viewer == vTeacher || viewer == vCo

			t.Run("OpenFlags", func(t *testing.T) {
				flags, err := db.OpenFlags(ctx, v.UserID, m.g.ID)
				if !teacher {
					if !errors.Is(err, ErrForbidden) || len(flags) != 0 {
						t.Errorf("OpenFlags = %d flags, %v; want ErrForbidden", len(flags), err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range flags {
					got = append(got, f.Note.ID)
				}
				want := m.expected(viewer, func(mn matrixNote) bool { return m.flagged[mn.note.ID] })
				if s := diff(m.keysOf(got), want); s != "" {
					t.Errorf("OpenFlags: %s", s)
				}
			})

			t.Run("Heat and Participation", func(t *testing.T) {
				for _, d := range docs {
					heat, err := db.Heat(ctx, v.UserID, m.g.ID, d.ID)
					part, perr := db.Participation(ctx, v.UserID, m.g.ID, d.ID)
					if teacher {
						if err != nil || perr != nil || len(heat) == 0 || len(part) != 4 {
							t.Errorf("%s: Heat = %v, %v; Participation = %d rows, %v", d.Slug, heat, err, len(part), perr)
						}
						continue
					}
					if !errors.Is(err, ErrForbidden) || heat != nil {
						t.Errorf("%s: Heat = %v, %v; want ErrForbidden", d.Slug, heat, err)
					}
					if !errors.Is(perr, ErrForbidden) || part != nil {
						t.Errorf("%s: Participation = %v, %v; want ErrForbidden", d.Slug, part, perr)
					}
				}
			})

			t.Run("Locked", func(t *testing.T) {
				for _, d := range docs {
					got, err := db.Locked(ctx, v.UserID, m.g.ID, d.ID)
					want := viewer == vMember && d.ID == m.d2.ID
					if err != nil || got != want {
						t.Errorf("Locked(%s) = %v, %v; want %v", d.Slug, got, err, want)
					}
				}
			})
		})
	}
}

// The author sees their hidden note as hidden, with the reason; teachers
// see it marked hidden; the note carries its group and guide flag.
func TestVisibilityMatrixDetails(t *testing.T) {
	ctx := context.Background()
	m := newMatrix(t)
	hidden := m.byKey("group note hidden by a teacher").note
	for _, viewer := range []string{vAuthor, vTeacher, vCo} {
		n, err := m.db.Note(ctx, m.viewers[viewer], hidden.ID)
		if err != nil || !n.Hidden || n.HiddenReason != "off topic" {
			t.Errorf("%s: hidden note = Hidden %v, reason %q, %v", viewer, n.Hidden, n.HiddenReason, err)
		}
	}
	for key, guide := range map[string]bool{
		"guide note":                  true,
		"guide note under post first": true,
		"group G":                     false,
		"teachers of G":               false,
		"public":                      false,
		"teacher's reply to a guide note under post first": false, // a reply is not a guide stop
	} {
		n, err := m.db.Note(ctx, vw(m.teacher), m.byKey(key).note.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.Guide != guide {
			t.Errorf("%s: Guide = %v, want %v", key, n.Guide, guide)
		}
		if wantGroup := n.Audience == Members || n.Audience == Teachers; wantGroup != (n.GroupID == m.g.ID && n.GroupName == "Seminar") {
			t.Errorf("%s: group %d %q", key, n.GroupID, n.GroupName)
		}
	}
}

// How visibility moves with writes: post first unlocks, leaving hides the
// group, an audience change moves a thread, hiding and restoring.
func TestVisibilityChanges(t *testing.T) {
	ctx := context.Background()

	t.Run("post first unlocks after writing", func(t *testing.T) {
		s := newSeminar(t)
		if err := s.db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d1.ID, true); err != nil {
			t.Fatal(err)
		}
		peer := s.groupNote(t, s.author, s.d1, "peer")
		answer := s.reply(t, s.teacher, peer, "teacher answers the peer")
		guide := s.groupNote(t, s.teacher, s.d1, "guide")
		if sees(t, s.db, vw(s.member), peer.ID) || sees(t, s.db, vw(s.member), answer.ID) || !sees(t, s.db, vw(s.member), guide.ID) {
			t.Fatal("before writing: want only the guide note visible")
		}
		// Another group's note on the same document does not unlock.
		other := mustGroup(t, s.db, s.member, "Other")
		s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.member.ID, Audience: Members, GroupID: other.ID, Body: "x"})
		if sees(t, s.db, vw(s.member), peer.ID) {
			t.Fatal("a note in another group unlocked post first")
		}
		own := s.groupNote(t, s.member, s.d1, "mine")
		if l, _ := s.db.Locked(ctx, s.member.ID, s.g.ID, s.d1.ID); l {
			t.Error("Locked after writing")
		}
		for _, n := range []Note{peer, answer, guide, own} {
			if !sees(t, s.db, vw(s.member), n.ID) {
				t.Errorf("after writing, %q is not visible", n.Body)
			}
		}
		// And the peer sees the member's note (the peer has written).
		if !sees(t, s.db, vw(s.author), own.ID) {
			t.Error("the peer does not see the member's note")
		}
	})

	t.Run("only words the group can read unlock post first", func(t *testing.T) {
		s := newSeminar(t)
		if err := s.db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d1.ID, true); err != nil {
			t.Fatal(err)
		}
		peer := s.groupNote(t, s.author, s.d1, "peer")
		guide := s.groupNote(t, s.teacher, s.d1, "guide")
		still := func(what string) {
			t.Helper()
			locked, err := s.db.Locked(ctx, s.member.ID, s.g.ID, s.d1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if sees(t, s.db, vw(s.member), peer.ID) || !locked {
				t.Errorf("after %s: the peer's note visible %v, Locked %v; want still locked", what,
					sees(t, s.db, vw(s.member), peer.ID), locked)
			}
		}
		mine := func(a Audience, body string) Note {
			return s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.member.ID, Audience: a, GroupID: s.g.ID, Body: body})
		}
		mine(Teachers, "")
		still("an empty highlight for the teachers")
		mine(Teachers, "For the teachers only.")
		still("a note for the teachers only")
		mine(Members, "")
		still("an empty highlight for the group")
		mine(Members, " \n\t ")
		still("a note of white space for the group")
		hidden := mine(Members, "Words a teacher hid.")
		s.hide(t, s.teacher, hidden, "off topic")
		still("a note a teacher hid")
		s.reply(t, s.member, hidden, "A reply in the hidden thread.")
		still("a reply in a hidden thread")
		gone := mine(Members, "Words taken back.")
		if err := s.db.DeleteNote(ctx, s.member.ID, gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		still("a deleted note")

		// A reply with words in a thread the group reads is a contribution.
		s.reply(t, s.member, guide, "The guide has a point.")
		if l, _ := s.db.Locked(ctx, s.member.ID, s.g.ID, s.d1.ID); l || !sees(t, s.db, vw(s.member), peer.ID) {
			t.Errorf("after a reply to the guide: Locked %v, peer visible %v; want unlocked", l, sees(t, s.db, vw(s.member), peer.ID))
		}
	})

	t.Run("leaving the group hides its notes", func(t *testing.T) {
		s := newSeminar(t)
		g := s.groupNote(t, s.author, s.d1, "group")
		r := s.reply(t, s.co, g, "reply")
		own := s.groupNote(t, s.member, s.d1, "the member's own")
		pub := mustNote(t, s.db, s.author, s.d1, Public, "public", quote(s.r1, 1, 0, 0))
		if err := s.db.Leave(ctx, s.member.ID, s.g.ID); err != nil {
			t.Fatal(err)
		}
		v := vw(s.member)
		if sees(t, s.db, v, g.ID) || sees(t, s.db, v, r.ID) {
			t.Error("group notes still visible after leaving")
		}
		if got, want := noteIDs(t, s.db, v, s.d1), slices.Sorted(slices.Values([]string{own.ID, pub.ID})); !slices.Equal(got, want) {
			t.Errorf("Notes after leaving = %v, want own and public %v", got, want)
		}
		if c, err := s.db.CountGroupNotes(ctx, v, s.g.ID); err != nil || c[s.d1.ID] != 1 {
			t.Errorf("CountGroupNotes after leaving = %v, %v; want only their own", c, err)
		}
		// Nor can they reply to them.
		if _, err := s.db.CreateNote(ctx, NewNote{AuthorID: s.member.ID, ParentID: g.ID, Body: "late"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("reply after leaving: %v, want ErrNotFound", err)
		}
		// Their own group note stays with the group.
		if !sees(t, s.db, vw(s.author), own.ID) {
			t.Error("the group no longer sees the note of a member who left")
		}
	})

	t.Run("narrowing moves the thread; each replier keeps their reply", func(t *testing.T) {
		s := newSeminar(t)
		parent := mustNote(t, s.db, s.author, s.d1, Public, "parent", quote(s.r1, 0, 0, 0))
		r := s.reply(t, s.member, parent, "the member's reply")
		o := s.reply(t, s.outsider, parent, "the outsider's reply")
		steps := []struct {
			audience Audience
			group    int64
			// who sees the member's reply, and who sees the outsider's
			seenBy, outsiderSeenBy []User
			hidden, outsiderHidden []User
		}{
			{Members, s.g.ID, []User{s.author, s.member, s.teacher}, []User{s.outsider, s.author, s.member},
				[]User{s.outsider, {}}, []User{{}}},
			{Teachers, s.g.ID, []User{s.author, s.member, s.teacher, s.co}, []User{s.outsider, s.author, s.teacher},
				[]User{s.outsider, {}}, []User{s.member, {}}},
			{Private, 0, []User{s.author, s.member}, []User{s.outsider, s.author},
				[]User{s.teacher, s.outsider, {}}, []User{s.member, s.teacher, {}}},
		}
		for _, st := range steps {
			if _, err := s.db.UpdateNote(ctx, s.author.ID, parent.ID, 0, NoteUpdate{Body: "parent", Audience: st.audience, GroupID: st.group}); err != nil {
				t.Fatalf("narrow to %s: %v", st.audience, err)
			}
			got, err := s.db.Note(ctx, vw(s.author), r.ID)
			if err != nil || got.Audience != st.audience || got.GroupID != st.group {
				t.Errorf("%s: reply's audience = %q %d, %v", st.audience, got.Audience, got.GroupID, err)
			}
			for _, c := range []struct {
				reply          Note
				seenBy, hidden []User
			}{{r, st.seenBy, st.hidden}, {o, st.outsiderSeenBy, st.outsiderHidden}} {
				for _, u := range c.seenBy {
					if !sees(t, s.db, vw(u), c.reply.ID) {
						t.Errorf("%s: %q does not see %q", st.audience, u.Name, c.reply.Body)
					}
				}
				for _, u := range c.hidden {
					if sees(t, s.db, vw(u), c.reply.ID) {
						t.Errorf("LEAK: %s: %q sees %q", st.audience, u.Name, c.reply.Body)
					}
				}
			}
		}
		// Narrowed away from her, the member keeps her reply everywhere
		// her notes are: the list of the document, the count, her
		// export, her search, but not the thread's first note.
		v := vw(s.member)
		if sees(t, s.db, v, parent.ID) {
			t.Error("LEAK: the member sees the private note")
		}
		if ids := noteIDs(t, s.db, v, s.d1); !slices.Equal(ids, []string{r.ID}) {
			t.Errorf("Notes for the member = %v, want her reply %s", ids, r.ID)
		}
		if c, err := s.db.CountNotes(ctx, v, s.d1.ID); err != nil || c != 1 {
			t.Errorf("CountNotes for the member = %d, %v; want 1", c, err)
		}
		if ex, err := s.db.ExportNotes(ctx, v, ExportQuery{DocumentID: s.d1.ID}); err != nil || len(ex) != 1 || ex[0].ID != r.ID {
			t.Errorf("ExportNotes for the member = %v, %v; want her reply", ex, err)
		}
		if got := search(t, s.db, v, "reply"); !slices.Equal(got, []string{r.Body}) {
			t.Errorf("Search for the member = %q, want her reply", got)
		}
		// She no longer writes into a thread she cannot read, but may
		// take her words back. A reply's own audience is never its own.
		_, err := s.db.UpdateNote(ctx, s.member.ID, r.ID, 0, NoteUpdate{Body: "edited", Audience: Public})
		wantErr(t, "edit a reply in a thread narrowed away", err, ErrNotInAudience)
		_, err = s.db.React(ctx, s.member.ID, r.ID, Helpful, true)
		wantErr(t, "react in a thread narrowed away", err, ErrNotInAudience)
		wantErr(t, "delete her reply", s.db.DeleteNote(ctx, s.member.ID, r.ID, 0), nil)
		if sees(t, s.db, vw(s.author), r.ID) {
			t.Error("the deleted reply is still visible to the thread's author")
		}
	})

	t.Run("hiding a note hides its replies; restore shows them", func(t *testing.T) {
		s := newSeminar(t)
		parent := s.groupNote(t, s.author, s.d1, "parent")
		r := s.reply(t, s.co, parent, "reply")
		s.hide(t, s.teacher, parent, "rude")
		for _, tt := range []struct {
			u    User
			want bool
		}{{s.member, false}, {s.outsider, false}, {s.author, true}, {s.teacher, true}, {s.co, true}} {
			if got := sees(t, s.db, vw(tt.u), parent.ID); got != tt.want {
				t.Errorf("hidden: %s sees the note: %v, want %v", tt.u.Name, got, tt.want)
			}
			if got := sees(t, s.db, vw(tt.u), r.ID); got != tt.want {
				t.Errorf("hidden: %s sees the reply: %v, want %v", tt.u.Name, got, tt.want)
			}
		}
		if c, _ := s.db.CountNotes(ctx, vw(s.member), s.d1.ID); c != 0 {
			t.Errorf("member counts %d notes, want 0", c)
		}
		if _, err := s.db.Restore(ctx, s.co.ID, parent.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{parent.ID, r.ID} {
			if !sees(t, s.db, vw(s.member), id) {
				t.Errorf("restored: member does not see %s", id)
			}
		}
		n, _ := s.db.Note(ctx, vw(s.author), parent.ID)
		if n.Hidden || n.HiddenReason != "" {
			t.Errorf("restored note: Hidden %v, reason %q", n.Hidden, n.HiddenReason)
		}
		// A hidden reply hides only itself.
		s.hide(t, s.teacher, r, "spoiler")
		if !sees(t, s.db, vw(s.member), parent.ID) || sees(t, s.db, vw(s.member), r.ID) || !sees(t, s.db, vw(s.co), r.ID) {
			t.Error("hidden reply: want the parent visible, the reply hidden from the member, visible to the co-teacher (its author)")
		}
	})
}

// Leaving a group, or being removed from it, ends access to it: the
// author of a group's notes keeps their own words, and no longer reads,
// nor writes, what the group says under them.
func TestVisibilityWhenMembershipEnds(t *testing.T) {
	ctx := context.Background()

	// threads writes, as the author, a note to the group and a note to
	// its teachers, each with a reply by the group before the author goes
	// and the author's own reply; end takes the author out; then the
	// group replies again.
	type threads struct {
		s                        *seminar
		group, feedback          Note // the author's notes
		before, feedbackBefore   Note // the group's replies before
		own                      Note // the author's reply in the group thread
		after, feedbackAfter     Note // the group's replies after
		mentionAfter, guideAfter Note // a new group note naming the author; a guide note
	}
	setUp := func(t *testing.T, end func(s *seminar)) threads {
		s := newSeminar(t)
		th := threads{s: s}
		th.group = s.groupNote(t, s.author, s.d1, "the author's group note")
		th.feedback = s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "draft for feedback"})
		th.before = s.reply(t, s.member, th.group, "classmate before")
		th.feedbackBefore = s.reply(t, s.teacher, th.feedback, "teacher feedback before")
		th.own = s.reply(t, s.author, th.group, "the author's own reply")
		end(s)
		th.after = s.create(t, NewNote{AuthorID: s.member.ID, ParentID: th.group.ID, Body: "classmate after", Mentions: []string{"ava"}})
		th.feedbackAfter = s.reply(t, s.teacher, th.feedback, "teacher feedback after")
		th.mentionAfter = s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.teacher.ID, Audience: Members, GroupID: s.g.ID,
			Body: "guide naming ava", Mentions: []string{"ava"}})
		return th
	}
	check := func(t *testing.T, th threads) {
		s, v := th.s, vw(th.s.author)
		for _, n := range []Note{th.group, th.feedback, th.own} {
			if !sees(t, s.db, v, n.ID) {
				t.Errorf("the author no longer sees their own %q", n.Body)
			}
		}
		others := []Note{th.before, th.feedbackBefore, th.after, th.feedbackAfter, th.mentionAfter}
		for _, n := range others {
			if sees(t, s.db, v, n.ID) {
				t.Errorf("LEAK: Note: the author still reads %q", n.Body)
			}
		}
		want := slices.Sorted(slices.Values([]string{th.group.ID, th.feedback.ID, th.own.ID}))
		if got := noteIDs(t, s.db, v, s.d1); !slices.Equal(got, want) {
			t.Errorf("Notes = %v, want only the author's own %v", got, want)
		}
		if c, err := s.db.CountNotes(ctx, v, s.d1.ID); err != nil || c != 3 {
			t.Errorf("CountNotes = %d, %v; want 3", c, err)
		}
		if c, err := s.db.CountGroupNotes(ctx, v, s.g.ID); err != nil || c[s.d1.ID] != 3 {
			t.Errorf("CountGroupNotes = %v, %v; want 3", c, err)
		}
		for _, q := range []string{"classmate", "feedback", "guide"} {
			for _, body := range search(t, s.db, v, q) {
				if !strings.HasPrefix(body, "the author's") && body != "draft for feedback" {
					t.Errorf("LEAK: Search(%q) finds %q", q, body)
				}
			}
		}
		evs, err := s.db.Events(ctx, v, s.d1.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			for _, n := range []Note{th.after, th.feedbackAfter, th.mentionAfter} {
				if e.NoteID == n.ID {
					t.Errorf("LEAK: Events: %s event of %q", e.Kind, n.Body)
				}
			}
		}
		// Notifications carry the reply's words: those told before the
		// author left are no longer listed, and none are made after.
		list, err := s.db.Notifications(ctx, s.author.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, nt := range list {
			t.Errorf("LEAK: notification %s of %q", nt.Kind, nt.Note.Body)
		}
		if n, err := s.db.UnreadNotifications(ctx, s.author.ID); err != nil || n != 0 {
			t.Errorf("UnreadNotifications = %d, %v; want 0", n, err)
		}

		// Nor do they write in the group through their own notes.
		_, err = s.db.CreateNote(ctx, NewNote{AuthorID: s.author.ID, ParentID: th.group.ID, Body: "still here @mia", Mentions: []string{"mia"}})
		wantErr(t, "reply to their own group note", err, ErrNotInAudience)
		_, err = s.db.CreateNote(ctx, NewNote{AuthorID: s.author.ID, ParentID: th.feedback.ID, Body: "thanks"})
		wantErr(t, "reply to their own teachers note", err, ErrNotInAudience)
		_, err = s.db.UpdateNote(ctx, s.author.ID, th.group.ID, 0, NoteUpdate{Body: "edited @mia", Audience: Members, GroupID: s.g.ID, Mentions: []string{"mia"}})
		wantErr(t, "edit their group note", err, ErrNotInAudience)
		_, err = s.db.UpdateNote(ctx, s.author.ID, th.own.ID, 0, NoteUpdate{Body: "edited reply"})
		wantErr(t, "edit their reply", err, ErrNotInAudience)
		for _, n := range []Note{th.group, th.feedback} {
			_, err = s.db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: n.Body, Audience: Public})
			wantErr(t, "make "+n.Body+" public", err, ErrNotInAudience)
		}
		_, err = s.db.React(ctx, s.author.ID, th.group.ID, Helpful, true)
		wantErr(t, "react to their group note", err, ErrNotInAudience)
		wantErr(t, "flag their group note", s.db.FlagNote(ctx, s.author.ID, th.group.ID, "why"), ErrNotInAudience)
		// Nothing of that was written, nor reached anyone.
		if n, _ := s.db.Note(ctx, vw(s.teacher), th.group.ID); n.Body != th.group.Body || n.Audience != Members {
			t.Errorf("the group note changed: %q, %s", n.Body, n.Audience)
		}
		for _, n := range []Note{th.before, th.after, th.feedbackBefore, th.feedbackAfter} {
			if sees(t, s.db, Viewer{}, n.ID) || sees(t, s.db, vw(s.outsider), n.ID) {
				t.Errorf("LEAK: %q went public", n.Body)
			}
		}
		if list, _ := s.db.Notifications(ctx, s.member.ID, 0); len(list) != 0 {
			t.Errorf("the member was notified %d times (%s of %q)", len(list), list[0].Kind, list[0].Note.Body)
		}
		// Their words stay theirs to take back.
		wantErr(t, "delete their reply", s.db.DeleteNote(ctx, s.author.ID, th.own.ID, 0), nil)
		wantErr(t, "delete their note", s.db.DeleteNote(ctx, s.author.ID, th.group.ID, 0), nil)
	}

	t.Run("removed member", func(t *testing.T) {
		th := setUp(t, func(s *seminar) {
			if err := s.db.RemoveMember(ctx, s.teacher.ID, s.g.ID, s.author.ID); err != nil {
				t.Fatal(err)
			}
		})
		check(t, th)
	})
	t.Run("left member", func(t *testing.T) {
		th := setUp(t, func(s *seminar) {
			if err := s.db.Leave(ctx, s.author.ID, s.g.ID); err != nil {
				t.Fatal(err)
			}
		})
		check(t, th)
	})
	t.Run("while a member, the author reads the feedback; other members never do", func(t *testing.T) {
		th := setUp(t, func(*seminar) {})
		s := th.s
		for _, n := range []Note{th.feedbackBefore, th.feedbackAfter, th.before, th.after} {
			if !sees(t, s.db, vw(s.author), n.ID) {
				t.Errorf("the author does not read %q", n.Body)
			}
		}
		for _, n := range []Note{th.feedback, th.feedbackBefore, th.feedbackAfter} {
			if sees(t, s.db, vw(s.member), n.ID) {
				t.Errorf("LEAK: the member reads %q", n.Body)
			}
		}
	})

	t.Run("removed co-teacher", func(t *testing.T) {
		s := newSeminar(t)
		feedback := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "for the teachers"})
		coReply := s.reply(t, s.co, feedback, "the co-teacher's feedback")
		// The co-teacher's guide note in a group of their own, shared into
		// the seminar they co-teach.
		own := mustGroup(t, s.db, s.co, "Cole's class")
		guide := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.co.ID, Audience: Members, GroupID: own.ID, Body: "guide v1"})
		copies, err := s.db.ShareGuide(ctx, s.co.ID, guide.ID)
		if err != nil || len(copies) != 1 || copies[0].GroupID != s.g.ID {
			t.Fatalf("ShareGuide = %v, %v", copies, err)
		}
		cp := copies[0]
		if err := s.db.RemoveMember(ctx, s.teacher.ID, s.g.ID, s.co.ID); err != nil {
			t.Fatal(err)
		}
		later := s.reply(t, s.teacher, feedback, "more feedback")
		v := vw(s.co)
		if sees(t, s.db, v, feedback.ID) || sees(t, s.db, v, later.ID) {
			t.Error("LEAK: the removed co-teacher reads the teachers' thread")
		}
		if !sees(t, s.db, v, coReply.ID) {
			t.Error("the removed co-teacher no longer sees their own feedback")
		}
		// Editing the original no longer reaches the seminar.
		if _, err := s.db.UpdateNote(ctx, s.co.ID, guide.ID, 0, NoteUpdate{Body: "guide v2", Audience: Members, GroupID: own.ID}); err != nil {
			t.Fatal(err)
		}
		mark := lastEvent(t, s.db)
		if _, err := s.db.UpdateNote(ctx, s.co.ID, guide.ID, 0, NoteUpdate{Body: "guide v3", Audience: Members, GroupID: own.ID}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.db.Note(ctx, vw(s.member), cp.ID); err != nil || n.Body != "guide v1" || n.Version != cp.Version {
			t.Errorf("the seminar's copy = %q (version %d), %v; want guide v1 unchanged", n.Body, n.Version, err)
		}
		for _, l := range loggedSince(t, s.db, mark) {
			if strings.HasSuffix(l, cp.ID) {
				t.Errorf("an event for the seminar's copy: %s", l)
			}
		}
		// Nor the copy itself: it is in a group they are no longer in.
		_, err = s.db.UpdateNote(ctx, s.co.ID, cp.ID, 0, NoteUpdate{Body: "guide v4", Audience: Members, GroupID: s.g.ID})
		wantErr(t, "edit the copy", err, ErrNotInAudience)
	})

	t.Run("a co-teacher made a member again", func(t *testing.T) {
		s := newSeminar(t)
		own := mustGroup(t, s.db, s.co, "Cole's class")
		guide := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.co.ID, Audience: Members, GroupID: own.ID, Body: "guide v1"})
		copies, err := s.db.ShareGuide(ctx, s.co.ID, guide.ID)
		if err != nil || len(copies) != 1 {
			t.Fatalf("ShareGuide = %v, %v", copies, err)
		}
		if _, err := s.db.UpdateNote(ctx, s.co.ID, guide.ID, 0, NoteUpdate{Body: "guide v2", Audience: Members, GroupID: own.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.db.Note(ctx, vw(s.member), copies[0].ID); n.Body != "guide v2" {
			t.Fatalf("while teaching, the copy = %q; want guide v2", n.Body)
		}
		if err := s.db.SetRole(ctx, s.teacher.ID, s.g.ID, s.co.ID, RoleMember); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.UpdateNote(ctx, s.co.ID, guide.ID, 0, NoteUpdate{Body: "guide v3", Audience: Members, GroupID: own.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.db.Note(ctx, vw(s.member), copies[0].ID); n.Body != "guide v2" {
			t.Errorf("no longer teaching, the copy = %q; want guide v2", n.Body)
		}
	})
}

// A thread with others' replies may narrow, never widen: their words
// stay with the readers they wrote for.
func TestAudienceMayOnlyNarrow(t *testing.T) {
	ctx := context.Background()

	t.Run("widening is refused and changes nothing", func(t *testing.T) {
		s := newSeminar(t)
		feedback := s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Teachers, GroupID: s.g.ID, Body: "draft"})
		private := s.reply(t, s.teacher, feedback, "the teacher's private feedback")
		group := s.groupNote(t, s.author, s.d1, "to the class")
		classmate := s.reply(t, s.member, group, "a classmate's answer")
		for _, c := range []struct {
			note  Note
			reply Note
			to    Audience
			group int64
		}{
			{feedback, private, Public, 0},
			{feedback, private, Members, s.g.ID},
			{group, classmate, Public, 0},
		} {
			before, _ := s.db.Note(ctx, vw(s.author), c.note.ID)
			_, err := s.db.UpdateNote(ctx, s.author.ID, c.note.ID, 0, NoteUpdate{Body: "changed", Audience: c.to, GroupID: c.group})
			if !errors.Is(err, ErrWidens) || !errors.Is(err, ErrInvalid) {
				t.Errorf("%q to %s: %v, want ErrWidens", c.note.Body, c.to, err)
			}
			after, _ := s.db.Note(ctx, vw(s.author), c.note.ID)
			if after.Body != before.Body || after.Audience != before.Audience || after.Version != before.Version {
				t.Errorf("%q to %s: the note changed anyway: %q %s v%d", c.note.Body, c.to, after.Body, after.Audience, after.Version)
			}
			for _, u := range []User{s.outsider, {}} {
				if sees(t, s.db, vw(u), c.reply.ID) {
					t.Errorf("LEAK: %q reads %q", u.Name, c.reply.Body)
				}
			}
		}
		if sees(t, s.db, vw(s.member), private.ID) {
			t.Error("LEAK: the member reads the teacher's private feedback")
		}
		// Moving a thread to another group is no narrowing either.
		other := mustGroup(t, s.db, s.author, "Elsewhere")
		_, err := s.db.UpdateNote(ctx, s.author.ID, group.ID, 0, NoteUpdate{Body: "x", Audience: Members, GroupID: other.ID})
		wantErr(t, "move to another group", err, ErrWidens)
	})

	t.Run("widening is allowed when the words are all the author's", func(t *testing.T) {
		s := newSeminar(t)
		n := s.groupNote(t, s.author, s.d1, "to the class")
		s.reply(t, s.author, n, "an afterthought of my own")
		gone := s.reply(t, s.member, n, "deleted since")
		if err := s.db.DeleteNote(ctx, s.member.ID, gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "to everyone", Audience: Public}); err != nil {
			t.Errorf("widening a thread of the author's own words: %v", err)
		}
	})
}

func TestAudienceWithin(t *testing.T) {
	const g, h = 1, 2
	type aud struct {
		a Audience
		g int64
	}
	pub, priv, grp, tch := aud{Public, 0}, aud{Private, 0}, aud{Members, g}, aud{Teachers, g}
	grpH, tchH := aud{Members, h}, aud{Teachers, h}
	for _, c := range []struct {
		to, from aud
		want     bool
	}{
		{priv, pub, true}, {priv, grp, true}, {priv, tch, true},
		{grp, pub, true}, {tch, pub, true}, {tch, grp, true},
		{pub, priv, false}, {pub, grp, false}, {pub, tch, false},
		{grp, priv, false}, {tch, priv, false}, {grp, tch, false},
		{grpH, grp, false}, {tchH, tch, false}, {tchH, grp, false}, {grpH, tch, false},
	} {
		if got := audienceWithin(c.to.a, c.to.g, c.from.a, c.from.g); got != c.want {
			t.Errorf("audienceWithin(%s:%d, from %s:%d) = %v, want %v", c.to.a, c.to.g, c.from.a, c.from.g, got, c.want)
		}
	}
}
