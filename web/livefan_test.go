package web

// Tests of the live streams' shared reads at class scale: many distinct
// viewers of one document, whose events one read of the log decides for
// all of them (live.go, "Shared reads").

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"glossa/store"
)

// TestLiveClassGetsWhatTheRuleAllows: a class streams the essay, each
// reader an account of its own with its own rights (teachers, a
// co-teacher made a member, members who write and who do not, the author
// of a private note, a member removed, a newcomer, an outsider, a reader
// not signed in), while notes are written, edited, reacted to, moved to
// other audiences and hidden, and memberships, roles and post first
// change between commits. Who may see each event is written out here,
// event by event, not asked of the rule. Every stream gets exactly its
// events, in order, none twice, with "mine" on its own acts only, and
// its bytes never name a note it may not see; a reader who reconnects
// with Last-Event-ID, behind the others, gets exactly what it missed.
func TestLiveClassGetsWhatTheRuleAllows(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	e := app.essay(t)
	named := []string{"tess", "cole", "ana", "ben", "mia", "rex", "ava", "pat", "otto", "nia"}
	var fillers []string // members who only read, as pat does
	for i := range 12 {
		fillers = append(fillers, fmt.Sprintf("s%02d", i))
	}
	clients, ids := map[string]*client{}, map[string]int64{}
	for _, n := range slices.Concat(named, fillers) {
		clients[n] = app.signUp(t, n)
		ids[n] = viewerOfUser(t, app, n).UserID
	}
	var members []*client
	for _, n := range slices.Concat([]string{"cole", "ana", "ben", "mia", "rex", "ava", "pat"}, fillers) {
		members = append(members, clients[n])
	}
	g := app.newGroup(t, "Lecture", clients["tess"], members...)
	if err := app.db.SetRole(ctx, ids["tess"], g.ID, ids["cole"], store.RoleTeacher); err != nil {
		t.Fatal(err)
	}
	p1, p2 := app.paragraph(t, 0).Anchor, app.paragraph(t, 1).Anchor

	const anon = "" // the reader who is not signed in
	viewers := slices.Concat(named, fillers, []string{anon})
	streams := map[string]*sseStream{}
	for _, v := range viewers {
		if v == anon {
			streams[v] = app.client(t).openStream(eventsPath, nil)
		} else {
			streams[v] = clients[v].openStream(eventsPath, nil)
		}
	}

	// Who may see what, written out.
	set := func(names ...string) []string { return names }
	with := func(base []string, more ...string) []string { return slices.Concat(base, more) }
	without := func(base []string, less ...string) []string {
		return slices.DeleteFunc(slices.Clone(base), func(n string) bool { return slices.Contains(less, n) })
	}
	all := viewers
	group1 := with(set("tess", "cole", "ana", "ben", "mia", "rex", "ava", "pat"), fillers...)
	group2 := with(without(group1, "rex"), "nia") // rex removed, nia joined

	// logged checks that the log's newest events, since the last call,
	// are of these kinds, and records who is to receive each.
	want := map[string][]liveEvent{}
	var mark int64
	type reach struct {
		kind store.EventKind
		who  []string
	}
	logged := func(reaches ...reach) {
		t.Helper()
		rows, err := app.db.SQL().QueryContext(ctx, `SELECT seq, kind, note_id, coalesce(parent_id, ''), anchor, actor_id
			FROM events WHERE document_id = ? AND seq > ? ORDER BY seq`, e.ID, mark)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		for ; rows.Next(); i++ {
			var ev liveEvent
			var actor int64
			if err := rows.Scan(&ev.ID, &ev.Kind, &ev.Note, &ev.Parent, &ev.Anchor, &actor); err != nil {
				t.Fatal(err)
			}
			mark = ev.ID
			if i >= len(reaches) || reaches[i].kind != ev.Kind {
				t.Fatalf("logged event %d is %s, want %d events: %v", i, ev.Kind, len(reaches), reaches)
			}
			for _, v := range reaches[i].who {
				mine := ev
				mine.Mine = v != anon && ids[v] == actor
				want[v] = append(want[v], mine)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if i != len(reaches) {
			t.Fatalf("%d events logged, want %d", i, len(reaches))
		}
	}
	mark = must(app.db.LastEventID(ctx, e.ID)) // where the streams began

	note := func(by string, anchor string, aud store.Audience, group int64, body string) store.Note {
		t.Helper()
		return liveNote(t, app, clients[by], anchor, aud, group, body)
	}
	update := func(by string, n store.Note, body string, aud store.Audience, group int64) {
		t.Helper()
		if _, err := app.db.UpdateNote(ctx, ids[by], n.ID, 0, store.NoteUpdate{Body: body, Audience: aud, GroupID: group}); err != nil {
			t.Fatalf("%s updates %q: %v", by, n.Body, err)
		}
	}
	// got is what each viewer's streams delivered; a marker, a public
	// note everyone sees, ends each step, and every stream is read up to
	// it before memberships change again.
	got := map[string][]liveEvent{}
	step := 0
	marker := func(skip ...string) store.Note {
		t.Helper()
		step++
		m := note("tess", p2, store.Public, 0, fmt.Sprintf("the end of step %d", step))
		logged(reach{store.EventCreated, all})
		for _, v := range viewers {
			if !slices.Contains(skip, v) {
				got[v] = append(got[v], streams[v].notesUntil(m.ID)...)
			}
		}
		return m
	}

	// Step 1: every audience, and a reply.
	note("ava", p1, store.Private, 0, "ava's private note")
	logged(reach{store.EventCreated, set("ava")})
	a1 := note("ana", p1, store.Members, g.ID, "ana to the group")
	logged(reach{store.EventCreated, group1})
	note("mia", p2, store.Teachers, g.ID, "mia to the teachers")
	logged(reach{store.EventCreated, set("mia", "tess", "cole")})
	o1 := note("otto", p2, store.Public, 0, "otto in public")
	logged(reach{store.EventCreated, all})
	liveReply(t, app, clients["ben"], a1, "ben answers ana")
	logged(reach{store.EventCreated, group1})
	marker()
	resumeAt := mark // the marker's event

	// s00 leaves; it comes back with Last-Event-ID after step 2.
	streams["s00"].close()

	// Step 2: rex is removed and nia joins, between commits; then an
	// edit of a note rex saw, new notes, a reaction.
	if err := app.db.RemoveMember(ctx, ids["tess"], g.ID, ids["rex"]); err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.Join(ctx, ids["nia"], g.InviteCode); err != nil {
		t.Fatal(err)
	}
	update("ana", a1, "ana to the group, edited", store.Members, g.ID)
	logged(reach{store.EventEdited, group2})
	b1 := note("ben", p1, store.Members, g.ID, "ben to the group")
	logged(reach{store.EventCreated, group2})
	note("rex", p1, store.Private, 0, "rex, removed, for himself")
	logged(reach{store.EventCreated, set("rex")})
	if _, err := app.db.React(ctx, ids["ana"], o1.ID, store.Helpful, true); err != nil {
		t.Fatal(err)
	}
	logged(reach{store.EventReacted, all})
	m2 := marker("s00")
	streams["s00"] = clients["s00"].openStream(eventsPath+"?after=0", http.Header{"Last-Event-ID": {strconv.FormatInt(resumeAt, 10)}})
	got["s00"] = append(got["s00"], streams["s00"].notesUntil(m2.ID)...)

	// Step 3: audiences widen and narrow; a teacher hides a note, whose
	// author edits it.
	a2 := note("ana", p2, store.Members, g.ID, "ana, soon in public")
	logged(reach{store.EventCreated, group2})
	update("ana", a2, "ana in public", store.Public, 0)
	logged(reach{store.EventWithdrawn, group2}, reach{store.EventEdited, all})
	update("otto", o1, "otto, now private", store.Private, 0)
	logged(reach{store.EventWithdrawn, all}, reach{store.EventEdited, set("otto")})
	if _, err := app.db.Hide(ctx, ids["tess"], b1.ID, "off topic"); err != nil {
		t.Fatal(err)
	}
	logged(reach{store.EventHidden, group2})
	update("ben", b1, "ben, hidden, edits", store.Members, g.ID)
	logged(reach{store.EventEdited, set("ben", "tess", "cole")})
	marker()

	// Step 4: cole is a member again; post first goes on. Of the members
	// only ben has written to the group with words that show (his reply;
	// his note is hidden), so only he sees ana's next note.
	if err := app.db.SetRole(ctx, ids["tess"], g.ID, ids["cole"], store.RoleMember); err != nil {
		t.Fatal(err)
	}
	if err := app.db.SetPostFirst(ctx, ids["tess"], g.ID, e.ID, true); err != nil {
		t.Fatal(err)
	}
	note("mia", p1, store.Teachers, g.ID, "mia to the teacher")
	logged(reach{store.EventCreated, set("mia", "tess")})
	note("ana", p1, store.Members, g.ID, "ana under post first")
	logged(reach{store.EventCreated, set("ana", "ben", "tess")})
	note("tess", p2, store.Members, g.ID, "the teacher's guide")
	logged(reach{store.EventCreated, group2})
	marker()

	// Every note id, to check each stream's bytes.
	var noteIDs []string
	for _, evs := range want {
		for _, ev := range evs {
			if !slices.Contains(noteIDs, ev.Note) {
				noteIDs = append(noteIDs, ev.Note)
			}
		}
	}
	for _, v := range viewers {
		if !slices.Equal(got[v], want[v]) {
			t.Errorf("%q: %d events, want %d\n got %v\nwant %v", v, len(got[v]), len(want[v]), got[v], want[v])
		}
		raw := streams[v].rawText()
		for _, id := range noteIDs {
			if !slices.ContainsFunc(want[v], func(ev liveEvent) bool { return ev.Note == id }) && strings.Contains(raw, id) {
				t.Errorf("LEAK: %q's stream names note %s, which it may not see", v, id)
			}
		}
	}
	// The results differ: the shared reads kept the viewers apart.
	if slices.Equal(want["pat"], want["ben"]) || slices.Equal(want["pat"], want["tess"]) || slices.Equal(want["pat"], want[anon]) {
		t.Error("the test's viewers do not differ")
	}
}

// TestLiveOneReadPerCommit: however many distinct signed-in readers
// stream a document, each commit on it costs one read of its events for
// all of them (counted, not timed).
func TestLiveOneReadPerCommit(t *testing.T) {
	app := newApp(t)
	tess, otto := app.signUp(t, "tess"), app.signUp(t, "otto")
	var students []*client
	for i := range 40 {
		students = append(students, app.signUp(t, fmt.Sprintf("student%02d", i)))
	}
	g := app.newGroup(t, "Lecture", tess, students...)
	p1 := app.paragraph(t, 0).Anchor

	var streams []*sseStream
	for _, c := range slices.Concat(students, []*client{tess, otto, app.client(t)}) {
		streams = append(streams, c.openStream(eventsPath, nil))
	}
	e := app.essay(t)
	f := &app.srv.live.feed
	// Every stream past the log's end: the next commit finds them all
	// at one position, as a class reading along is.
	settle := func() {
		t.Helper()
		end := must(app.db.LastEventID(context.Background(), e.ID))
		deadline := time.Now().Add(streamWait)
		for f.streamsAt(e.ID, end) != len(streams) {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d streams past event %d after %v", f.streamsAt(e.ID, end), len(streams), end, streamWait)
			}
			time.Sleep(time.Millisecond)
		}
	}
	settle()
	before := f.reads.Load()
	const commits = 6
	for i := range commits {
		aud, group := store.Members, g.ID
		if i%2 == 1 {
			aud, group = store.Public, 0
		}
		n := liveNote(t, app, tess, p1, aud, group, fmt.Sprintf("note %d", i))
		for j, s := range streams {
			if aud == store.Members && j >= len(students)+1 {
				continue // otto and the reader not signed in do not see it
			}
			if ev := s.note(); ev.Note != n.ID {
				t.Fatalf("stream %d: event about %s, want %s", j, ev.Note, n.ID)
			}
		}
		settle()
	}
	reads := f.reads.Load() - before
	if reads != commits {
		t.Errorf("%d reads of the log for %d commits and %d readers of %d accounts; want one a commit",
			reads, commits, len(streams), len(streams)-1)
	}
}

// streamsAt counts the streams of doc at position after.
func (f *feed) streamsAt(doc, after int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.at[streamPos{doc, after}] {
		n += c
	}
	return n
}

// TestLivePresenceListsEachGroupOnce: when a student arrives in a lecture
// that thirty others stream, every stream is told (the right number, the
// student never counting themselves), and the group's members are listed
// once for all of them, not once per reader (counted, not timed).
func TestLivePresenceListsEachGroupOnce(t *testing.T) {
	app := newApp(t)
	app.srv.presence.setDebounce(10 * time.Millisecond)
	tess := app.signUp(t, "tess")
	var students []*client
	for i := range 31 {
		students = append(students, app.signUp(t, fmt.Sprintf("student%02d", i)))
	}
	app.newGroup(t, "Lecture", tess, students...)
	class, late := students[:30], students[30]

	var streams []*sseStream
	for _, c := range class {
		streams = append(streams, c.openStream(eventsPath, nil))
	}
	// Each stream is told of the others as they come; wait until every
	// one shows the whole class.
	for i, s := range streams {
		for {
			gp := s.presence()
			if len(gp) != 1 {
				t.Fatalf("stream %d: presence %v", i, gp)
			}
			if gp[0].Readers == len(class)-1 {
				break
			}
		}
	}
	before := app.srv.presence.listed.Load()
	ls := late.openStream(eventsPath, nil)
	if gp := ls.presence(); len(gp) != 1 || gp[0].Readers != len(class) {
		t.Errorf("the late student's presence: %v, want %d others", gp, len(class))
	}
	for i, s := range streams {
		if gp := s.presence(); len(gp) != 1 || gp[0].Readers != len(class) {
			t.Errorf("stream %d, when the late student came: %v, want %d others", i, gp, len(class))
		}
	}
	if n := app.srv.presence.listed.Load() - before; n > 2 {
		t.Errorf("the group's members were listed %d times for one arrival among %d readers; want once or twice", n, len(class)+1)
	}
}
