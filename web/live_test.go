package web

// Tests of reading together, live: the event stream (through a real HTTP
// server and a real client reading the bytes), presence, shutdown, and in
// Chromium the "N new notes" button.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"glossa/store"
)

// streamWait bounds every wait for a stream message: generous, so a slow
// machine never fails a test, while a missing message still ends it.
const streamWait = 10 * time.Second

// sseMsg is one message of a text/event-stream.
type sseMsg struct {
	ID, Event, Data string
}

// sseStream is a live stream read by a real HTTP client.
type sseStream struct {
	t      testing.TB
	res    *http.Response
	cancel context.CancelFunc
	msgs   chan sseMsg
	eof    chan struct{} // closed when the server ends the stream

	mu  sync.Mutex
	raw bytes.Buffer
}

// openStream GETs path as c, with header, and starts reading the stream.
func (c *client) openStream(path string, header http.Header) *sseStream {
	c.t.Helper()
	return openStreamAt(c.t, c.http, c.app.ts.URL+path, header)
}

func openStreamAt(t testing.TB, hc *http.Client, u string, header http.Header) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := hc.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("GET %s: status %d: %s", u, res.StatusCode, truncate(readBody(res), 500))
	}
	s := &sseStream{t: t, res: res, cancel: cancel, msgs: make(chan sseMsg, 1000), eof: make(chan struct{})}
	go s.read()
	t.Cleanup(s.close)
	return s
}

// read parses the stream as EventSource does, keeping the raw bytes.
func (s *sseStream) read() {
	defer close(s.eof)
	br := bufio.NewReader(s.res.Body)
	var m sseMsg
	var data []string
	for {
		line, err := br.ReadString('\n')
		s.mu.Lock()
		s.raw.WriteString(line)
		s.mu.Unlock()
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if m.Event != "" || len(data) > 0 {
				m.Data = strings.Join(data, "\n")
				s.msgs <- m
			}
			m, data = sseMsg{}, nil
		case strings.HasPrefix(line, ":"):
			// a comment: the heartbeat
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				m.ID = value
			case "event":
				m.Event = value
			case "data":
				data = append(data, value)
			}
		}
	}
}

func (s *sseStream) close() {
	s.cancel()
	s.res.Body.Close()
}

// rawText is everything the server has sent so far.
func (s *sseStream) rawText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.String()
}

// next returns the next message of the given event type, skipping others.
func (s *sseStream) next(event string) sseMsg {
	s.t.Helper()
	deadline := time.After(streamWait)
	for {
		select {
		case m := <-s.msgs:
			if m.Event == event {
				return m
			}
		case <-s.eof:
			// Messages parsed before the end are still in the channel.
			select {
			case m := <-s.msgs:
				if m.Event == event {
					return m
				}
				continue
			default:
			}
			s.t.Fatalf("stream ended while waiting for %q; got:\n%s", event, s.rawText())
		case <-deadline:
			s.t.Fatalf("no %q message within %v; got:\n%s", event, streamWait, s.rawText())
		}
	}
}

// note returns the next note event, decoded.
func (s *sseStream) note() liveEvent {
	s.t.Helper()
	m := s.next("note")
	var ev liveEvent
	if err := json.Unmarshal([]byte(m.Data), &ev); err != nil {
		s.t.Fatalf("note event %q: %v", m.Data, err)
	}
	if m.ID != strconv.FormatInt(ev.ID, 10) {
		s.t.Errorf("note event id: line %q, data %d", m.ID, ev.ID)
	}
	return ev
}

// notesUntil reads note events up to and including the one about note id.
func (s *sseStream) notesUntil(id string) []liveEvent {
	s.t.Helper()
	var out []liveEvent
	for {
		ev := s.note()
		out = append(out, ev)
		if ev.Note == id {
			return out
		}
	}
}

// presence returns the next presence event, decoded.
func (s *sseStream) presence() []groupPresence {
	s.t.Helper()
	m := s.next("presence")
	var p presenceMessage
	if err := json.Unmarshal([]byte(m.Data), &p); err != nil {
		s.t.Fatalf("presence event %q: %v", m.Data, err)
	}
	if m.ID != "" {
		t := s.t
		t.Errorf("presence event carries id %q: it would move Last-Event-ID", m.ID)
	}
	return p.Groups
}

// waitEOF waits for the server to end the stream.
func (s *sseStream) waitEOF() {
	s.t.Helper()
	select {
	case <-s.eof:
	case <-time.After(streamWait):
		s.t.Fatalf("the stream did not end within %v", streamWait)
	}
}

// liveNote writes a whole-paragraph note by c straight into the store.
func liveNote(t testing.TB, a *testApp, c *client, anchor string, aud store.Audience, group int64, body string) store.Note {
	t.Helper()
	n := newNoteOn(a.essay(t), anchor, c, a)
	n.Audience, n.GroupID, n.Body = aud, group, body
	note, err := a.db.CreateNote(context.Background(), n)
	if err != nil {
		t.Fatalf("create %s note by %s: %v", aud, c.name, err)
	}
	return note
}

func liveReply(t testing.TB, a *testApp, c *client, parent store.Note, body string) store.Note {
	t.Helper()
	note, err := a.db.CreateNote(context.Background(), store.NewNote{
		DocumentID: parent.DocumentID, AuthorID: viewerOfUser(t, a, c.name).UserID, ParentID: parent.ID, Body: body,
	})
	if err != nil {
		t.Fatalf("reply by %s: %v", c.name, err)
	}
	return note
}

type kindNote struct {
	Kind store.EventKind
	Note string
}

func kindsOf(evs []liveEvent) []kindNote {
	var out []kindNote
	for _, ev := range evs {
		out = append(out, kindNote{ev.Kind, ev.Note})
	}
	return out
}

const eventsPath = "/read/" + essaySlug + "/events"

// TestLiveStreamSendsOnlyVisibleEvents: a member of a group streams the
// essay while others write every kind of note; exactly the events about
// notes the member may see arrive, in order, and the raw bytes never name
// another note.
func TestLiveStreamSendsOnlyVisibleEvents(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	tess, rita, mina, otto := app.signUp(t, "tess"), app.signUp(t, "rita"), app.signUp(t, "mina"), app.signUp(t, "otto")
	g1 := app.newGroup(t, "Seminar A", tess, rita, mina)
	g2 := app.newGroup(t, "Other class", otto)
	p1, p2, p3 := app.paragraph(t, 0).Anchor, app.paragraph(t, 1).Anchor, app.paragraph(t, 2).Anchor

	s := rita.openStream(eventsPath, nil)
	res := s.res
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if xa := res.Header.Get("X-Accel-Buffering"); xa != "no" {
		t.Errorf("X-Accel-Buffering = %q", xa)
	}

	hidden := []store.Note{
		liveNote(t, app, otto, p1, store.Private, 0, "otto's own"),
		liveNote(t, app, otto, p1, store.Members, g2.ID, "the other class"),
		liveNote(t, app, mina, p2, store.Teachers, g1.ID, "for the teachers only"),
	}
	guide := liveNote(t, app, tess, p1, store.Members, g1.ID, "a guide note")
	public := liveNote(t, app, otto, p2, store.Public, 0, "public")
	own := liveNote(t, app, rita, p3, store.Private, 0, "rita's own")
	reply := liveReply(t, app, mina, guide, "a reply in the group")
	hidden = append(hidden, liveReply(t, app, tess, hidden[2], "a teacher's answer, for the teachers"))
	if _, err := app.db.React(ctx, viewerOfUser(t, app, "otto").UserID, public.ID, store.Helpful, true); err != nil {
		t.Fatal(err)
	}
	// A member's note, hidden by the teacher and then edited by its
	// author: rita sees it arrive and go, and nothing after.
	peer := liveNote(t, app, mina, p3, store.Members, g1.ID, "a peer's note")
	// Once hidden, none of a note's earlier events reach those it is
	// hidden from (the store checks moderation as it is now), so let the
	// stream deliver these first.
	got := s.notesUntil(peer.ID)
	hid, err := app.db.Hide(ctx, viewerOfUser(t, app, "tess").UserID, peer.ID, "off topic")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.UpdateNote(ctx, viewerOfUser(t, app, "mina").UserID, peer.ID, hid.Version,
		store.NoteUpdate{Body: "edited while hidden", Audience: store.Members, GroupID: g1.ID}); err != nil {
		t.Fatal(err)
	}
	// A public note moved to the other class: rita is told it went.
	moved := liveNote(t, app, otto, p2, store.Public, 0, "public, for now")
	if _, err := app.db.UpdateNote(ctx, viewerOfUser(t, app, "otto").UserID, moved.ID, moved.Version,
		store.NoteUpdate{Body: "now for the other class", Audience: store.Members, GroupID: g2.ID}); err != nil {
		t.Fatal(err)
	}
	marker := liveNote(t, app, tess, p3, store.Members, g1.ID, "the last one")

	got = append(got, s.notesUntil(marker.ID)...)
	want := []kindNote{
		{store.EventCreated, guide.ID},
		{store.EventCreated, public.ID},
		{store.EventCreated, own.ID},
		{store.EventCreated, reply.ID},
		{store.EventReacted, public.ID},
		{store.EventCreated, peer.ID},
		{store.EventHidden, peer.ID},
		{store.EventCreated, moved.ID},
		{store.EventWithdrawn, moved.ID},
		{store.EventCreated, marker.ID},
	}
	if !slices.Equal(kindsOf(got), want) {
		t.Errorf("events:\n got %v\nwant %v", kindsOf(got), want)
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Errorf("event ids not increasing: %d after %d", got[i].ID, got[i-1].ID)
		}
	}
	for _, ev := range got {
		if wantMine := ev.Note == own.ID; ev.Mine != wantMine {
			t.Errorf("event %d on %s: mine = %v, want %v", ev.ID, ev.Note, ev.Mine, wantMine)
		}
		if ev.Note == reply.ID && (ev.Parent != guide.ID || ev.Anchor != p1) {
			t.Errorf("reply event: parent %q anchor %q, want %q %q", ev.Parent, ev.Anchor, guide.ID, p1)
		}
	}
	raw := s.rawText()
	for _, n := range hidden {
		if strings.Contains(raw, n.ID) {
			t.Errorf("the stream names note %s (%s), which rita may not see:\n%s", n.ID, n.Body, raw)
		}
	}
	for _, secret := range []string{"otto's own", "the other class", "teachers only", "edited while hidden"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the stream carries note text %q", secret)
		}
	}

	// The teacher's stream, from the start, does carry the note for the
	// teachers and the edit of the hidden note.
	ts := tess.openStream(eventsPath+"?after=0", nil)
	all := kindsOf(ts.notesUntil(marker.ID))
	for _, k := range []kindNote{{store.EventCreated, hidden[2].ID}, {store.EventEdited, peer.ID}} {
		if !slices.Contains(all, k) {
			t.Errorf("the teacher's stream lacks %v", k)
		}
	}
	for _, n := range hidden[:2] {
		if strings.Contains(ts.rawText(), n.ID) {
			t.Errorf("the teacher's stream names note %s (%s)", n.ID, n.Body)
		}
	}
}

// TestLiveSharedReadsKeepViewersApart: many streams of three viewers (signed
// out, and two members of different groups, each with private notes) at
// two positions (from the start, with more than one batch of events
// behind them, and from now) follow a burst of notes written at once by
// several writers. Streams of one viewer and position share their reads
// of the log; each stream must still get exactly the events its viewer
// may see, in order, with "mine" set for its own viewer only, and never
// another viewer's.
func TestLiveSharedReadsKeepViewersApart(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	ana, ben, cleo := app.signUp(t, "ana"), app.signUp(t, "ben"), app.signUp(t, "cleo")
	gA := app.newGroup(t, "Class A", cleo, ana)
	gB := app.newGroup(t, "Class B", cleo, ben)
	e := app.essay(t)
	anchors := []string{app.paragraph(t, 0).Anchor, app.paragraph(t, 1).Anchor, app.paragraph(t, 2).Anchor}

	// What each viewer may see, by note id.
	type seen struct {
		anon, ana, ben bool
	}
	var (
		mu      sync.Mutex
		visible = map[string]seen{}
	)
	type spec struct {
		by    *client
		aud   store.Audience
		group int64
		seen  seen
	}
	specs := []spec{
		{cleo, store.Public, 0, seen{true, true, true}},
		{ana, store.Private, 0, seen{false, true, false}},
		{ben, store.Private, 0, seen{false, false, true}},
		{cleo, store.Members, gA.ID, seen{false, true, false}},
		{ana, store.Members, gA.ID, seen{false, true, false}},
		{cleo, store.Members, gB.ID, seen{false, false, true}},
		{ben, store.Members, gB.ID, seen{false, false, true}},
		{ben, store.Public, 0, seen{true, true, true}},
	}
	write := func(i int) error {
		sp := specs[i%len(specs)]
		n := newNoteOn(e, anchors[i%len(anchors)], sp.by, app)
		n.Audience, n.GroupID, n.Body = sp.aud, sp.group, fmt.Sprintf("note %d, %s by %s", i, sp.aud, sp.by.name)
		note, err := app.db.CreateNote(ctx, n)
		if err != nil {
			return fmt.Errorf("note %d: %w", i, err)
		}
		mu.Lock()
		visible[note.ID] = sp.seen
		mu.Unlock()
		return nil
	}
	// More than one batch already in the log for the streams from the
	// start.
	before := eventBatch + len(specs) + 3
	for i := range before {
		if err := write(i); err != nil {
			t.Fatal(err)
		}
	}

	type stream struct {
		viewer    string // "", "ana" or "ben"
		fromStart bool
		s         *sseStream
	}
	// The streams from now start at the log's end, read when they
	// connect: nothing is written in between.
	now := must(app.db.LastEventID(ctx, e.ID))
	const perKind = 5
	var streams []stream
	for _, c := range []*client{app.client(t), ana, ben} {
		for range perKind {
			streams = append(streams,
				stream{c.name, true, c.openStream(eventsPath+"?after=0", nil)},
				stream{c.name, false, c.openStream(eventsPath, nil)})
		}
	}

	// The burst: several writers at once.
	const writers, each = 4, 15
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for j := range each {
				if err := write(before + w*each + j); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The last: a public note by cleo, and ana's reaction to it, which is
	// "mine" on ana's streams only.
	marker := liveNote(t, app, cleo, anchors[0], store.Public, 0, "the end of the burst")
	visible[marker.ID] = seen{true, true, true}
	if _, err := app.db.React(ctx, viewerOfUser(t, app, "ana").UserID, marker.ID, store.Helpful, true); err != nil {
		t.Fatal(err)
	}

	// The whole log, read from the table: who may see each event is
	// decided here, from the specs, not by the store's rule.
	names := map[int64]string{}
	for _, c := range []*client{ana, ben, cleo} {
		names[viewerOfUser(t, app, c.name).UserID] = c.name
	}
	rows, err := app.db.SQL().QueryContext(ctx,
		`SELECT seq, kind, note_id, anchor, actor_id FROM events WHERE document_id = ? ORDER BY seq`, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	type logged struct {
		ev    liveEvent
		actor string
	}
	var all []logged
	for rows.Next() {
		var l logged
		var actorID int64
		if err := rows.Scan(&l.ev.ID, &l.ev.Kind, &l.ev.Note, &l.ev.Anchor, &actorID); err != nil {
			t.Fatal(err)
		}
		l.actor = names[actorID]
		all = append(all, l)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(all); n != before+writers*each+2 {
		t.Fatalf("%d events in the log, want %d", n, before+writers*each+2)
	}
	sees := func(viewer, note string) bool {
		v := visible[note]
		return map[string]bool{"": v.anon, "ana": v.ana, "ben": v.ben}[viewer]
	}

	for i, st := range streams {
		var want []liveEvent
		for _, l := range all {
			if (st.fromStart || l.ev.ID > now) && sees(st.viewer, l.ev.Note) {
				ev := l.ev
				ev.Mine = st.viewer != "" && l.actor == st.viewer
				want = append(want, ev)
			}
		}
		var got []liveEvent
		for len(got) < len(want) {
			got = append(got, st.s.note())
		}
		if !slices.Equal(got, want) {
			t.Errorf("stream %d of %q (from the start: %v): %d events, want %d\n got %v\nwant %v",
				i, st.viewer, st.fromStart, len(got), len(want), got, want)
		}
		raw := st.s.rawText()
		for id := range visible {
			if !sees(st.viewer, id) && strings.Contains(raw, id) {
				t.Errorf("stream %d of %q names note %s, which its viewer may not see", i, st.viewer, id)
			}
		}
	}
}

// TestLiveStreamSignedOut: a reader who is not signed in gets the public
// notes' events and no presence.
func TestLiveStreamSignedOut(t *testing.T) {
	app := newApp(t)
	otto := app.signUp(t, "otto")
	p1 := app.paragraph(t, 0).Anchor
	s := app.client(t).openStream(eventsPath, nil)
	private := liveNote(t, app, otto, p1, store.Private, 0, "private")
	public := liveNote(t, app, otto, p1, store.Public, 0, "public")
	if got := kindsOf(s.notesUntil(public.ID)); !slices.Equal(got, []kindNote{{store.EventCreated, public.ID}}) {
		t.Errorf("events %v", got)
	}
	raw := s.rawText()
	if strings.Contains(raw, private.ID) || strings.Contains(raw, "event: presence") {
		t.Errorf("signed-out stream:\n%s", raw)
	}
}

// TestLiveReconnectDeliversExactlyTheMissed: after a dropped connection,
// EventSource's Last-Event-ID brings exactly the events missed meanwhile,
// in order, without repeating any; the header wins over ?after=.
func TestLiveReconnectDeliversExactlyTheMissed(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	rita, otto := app.signUp(t, "rita"), app.signUp(t, "otto")
	p1, p2 := app.paragraph(t, 0).Anchor, app.paragraph(t, 1).Anchor

	// The page says where to start.
	doc := rita.page("/read/"+essaySlug, http.StatusOK)
	live := query(doc, "[data-live]")
	if live == nil {
		t.Fatal("no [data-live] on the reading page")
	}
	start := attr(live, "data-last-event")
	if want := fmt.Sprintf("%s?after=%s", eventsPath, start); attr(live, "data-events") != want {
		t.Errorf("data-events = %q, want %q", attr(live, "data-events"), want)
	}
	first := liveNote(t, app, otto, p1, store.Public, 0, "written after the page loaded")

	s := rita.openStream(eventsPath+"?after="+start, nil)
	e1 := s.note()
	if e1.Note != first.ID || e1.Kind != store.EventCreated {
		t.Fatalf("first event %+v, want the note written after the page loaded", e1)
	}
	s.close()

	// Missed while away: two public notes, an edit, and notes rita may not
	// see before, between and after them.
	liveNote(t, app, otto, p1, store.Private, 0, "invisible 1")
	a := liveNote(t, app, otto, p2, store.Public, 0, "missed a")
	liveNote(t, app, otto, p2, store.Private, 0, "invisible 2")
	b := liveNote(t, app, otto, p1, store.Public, 0, "missed b")
	if _, err := app.db.UpdateNote(ctx, viewerOfUser(t, app, "otto").UserID, first.ID, first.Version,
		store.NoteUpdate{Body: "edited", Audience: store.Public}); err != nil {
		t.Fatal(err)
	}
	liveNote(t, app, otto, p1, store.Private, 0, "invisible 3")

	// ?after=0 would replay everything: the header must win.
	s2 := rita.openStream(eventsPath+"?after=0", http.Header{"Last-Event-ID": {strconv.FormatInt(e1.ID, 10)}})
	after := liveNote(t, app, otto, p2, store.Public, 0, "after the reconnect")
	got := s2.notesUntil(after.ID)
	want := []kindNote{
		{store.EventCreated, a.ID}, {store.EventCreated, b.ID}, {store.EventEdited, first.ID}, {store.EventCreated, after.ID},
	}
	if !slices.Equal(kindsOf(got), want) {
		t.Errorf("after reconnecting:\n got %v\nwant %v", kindsOf(got), want)
	}
	seen := map[int64]bool{e1.ID: true}
	for _, ev := range got {
		if seen[ev.ID] {
			t.Errorf("event %d delivered twice", ev.ID)
		}
		seen[ev.ID] = true
	}

	// A third connection from the last id gets nothing old: the next
	// event is a new one.
	s3 := rita.openStream(eventsPath, http.Header{"Last-Event-ID": {strconv.FormatInt(got[len(got)-1].ID, 10)}})
	fresh := liveNote(t, app, otto, p2, store.Public, 0, "newest")
	if ev := s3.note(); ev.Note != fresh.ID {
		t.Errorf("third connection's first event is %+v, want %s", ev, fresh.ID)
	}
}

// TestLiveStreamErrors: a bad Last-Event-ID is a 400, an unknown essay a
// 404, both before any stream begins.
func TestLiveStreamErrors(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	for _, tc := range []struct {
		path   string
		header http.Header
		status int
	}{
		{eventsPath, http.Header{"Last-Event-ID": {"yesterday"}}, http.StatusBadRequest},
		{eventsPath + "?after=-3", nil, http.StatusBadRequest},
		{"/read/no-such-essay/events", nil, http.StatusNotFound},
	} {
		res := c.do("GET", tc.path, nil, tc.header)
		body := readBody(res)
		if res.StatusCode != tc.status {
			t.Errorf("GET %s %v: status %d, want %d", tc.path, tc.header, res.StatusCode, tc.status)
		}
		if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
			t.Errorf("GET %s: an error answered as a stream: %s", tc.path, truncate(body, 200))
		}
	}
}

// TestLivePresence: "N readers here now" counts the other members of each
// of the reader's groups who have the essay open, once each however many
// tabs, on the page (without JavaScript) and in the stream.
func TestLivePresence(t *testing.T) {
	app := newApp(t)
	app.srv.presence.setDebounce(10 * time.Millisecond)
	tess, rita, mina, otto := app.signUp(t, "tess"), app.signUp(t, "rita"), app.signUp(t, "mina"), app.signUp(t, "otto")
	g1 := app.newGroup(t, "Seminar A", tess, rita, mina)
	app.newGroup(t, "Other class", otto, rita)
	p1 := app.paragraph(t, 0).Anchor

	readers := func(gs []groupPresence) map[string]int {
		m := map[string]int{}
		for _, g := range gs {
			m[g.Name] = g.Readers
		}
		return m
	}
	check := func(who string, got []groupPresence, want map[string]int) {
		t.Helper()
		if r := readers(got); !maps.Equal(r, want) {
			t.Errorf("%s's presence: %v, want %v", who, r, want)
		}
	}
	pageReaders := func(c *client) map[string]string {
		t.Helper()
		doc := c.page("/read/"+essaySlug, http.StatusOK)
		m := map[string]string{}
		for _, li := range queryAll(doc, "[data-presence] li") {
			m[text(query(li, ".group-name"))] = text(query(li, "[data-readers]"))
		}
		return m
	}

	if got := pageReaders(rita); got["Seminar A"] != "no one else here now" || got["Other class"] != "no one else here now" {
		t.Errorf("rita's page before anyone came: %v", got)
	}

	r := rita.openStream(eventsPath, nil)
	check("rita, on connecting", r.presence(), map[string]int{"Seminar A": 0, "Other class": 0})

	m1 := mina.openStream(eventsPath, nil)
	check("mina, on connecting", m1.presence(), map[string]int{"Seminar A": 1})
	check("rita, when mina came", r.presence(), map[string]int{"Seminar A": 1, "Other class": 0})

	// A second tab of mina's changes nothing; otto (Other class) does.
	m2 := mina.openStream(eventsPath, nil)
	check("mina's second tab", m2.presence(), map[string]int{"Seminar A": 1})
	o := otto.openStream(eventsPath, nil)
	check("otto", o.presence(), map[string]int{"Other class": 1})
	check("rita, when otto came", r.presence(), map[string]int{"Seminar A": 1, "Other class": 1})
	check("tess", tess.openStream(eventsPath, nil).presence(), map[string]int{"Seminar A": 2})
	check("rita, when tess came", r.presence(), map[string]int{"Seminar A": 2, "Other class": 1})

	// The page, rendered on the server, says the same (and is not a
	// stale copy from the page cache).
	if got := pageReaders(rita); got["Seminar A"] != "2 other readers here now" || got["Other class"] != "1 other reader here now" {
		t.Errorf("rita's page: %v", got)
	}
	if got := pageReaders(mina); got["Seminar A"] != "2 other readers here now" || len(got) != 1 {
		t.Errorf("mina's page: %v", got)
	}

	// Closing one of mina's tabs changes nothing, closing the other does;
	// a note event in between shows rita's stream is still up to date.
	m1.close()
	note := liveNote(t, app, tess, p1, store.Members, g1.ID, "still here")
	if ev := r.note(); ev.Note != note.ID {
		t.Fatalf("note event %+v", ev)
	}
	m2.close()
	check("rita, when mina left", r.presence(), map[string]int{"Seminar A": 1, "Other class": 1})
	o.close()
	check("rita, when otto left", r.presence(), map[string]int{"Seminar A": 1, "Other class": 0})
	if strings.Contains(r.rawText(), `"readers":3`) {
		t.Errorf("someone was counted twice:\n%s", r.rawText())
	}
}

// TestLiveHeartbeatAndSignOut: an idle stream sends heartbeats, and a
// reader who signs out loses the stream at the next one.
func TestLiveHeartbeatAndSignOut(t *testing.T) {
	app := newApp(t)
	app.srv.live.heartbeat.Store(int64(50 * time.Millisecond))
	rita := app.signUp(t, "rita")
	s := rita.openStream(eventsPath, nil)
	deadline := time.Now().Add(streamWait)
	for !strings.Contains(s.rawText(), ": ping\n\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no heartbeat:\n%s", s.rawText())
		}
		time.Sleep(10 * time.Millisecond)
	}
	res := rita.postForm("/signout", url.Values{})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	s.waitEOF()
}

// TestLiveShutdown: ending the server ends its streams, so a graceful
// shutdown does not wait for readers who never leave.
func TestLiveShutdown(t *testing.T) {
	t.Run("Close", func(t *testing.T) {
		app := newApp(t)
		rita := app.signUp(t, "rita")
		s := rita.openStream(eventsPath, nil)
		s.next("presence") // the stream is up
		done := make(chan struct{})
		go func() {
			app.srv.Close()
			close(done)
		}()
		s.waitEOF()
		select {
		case <-done:
		case <-time.After(streamWait):
			t.Fatal("Close did not return")
		}
		// A stream opened now ends at once; EventSource will retry.
		late := rita.openStream(eventsPath, nil)
		late.waitEOF()
		if !strings.HasPrefix(late.rawText(), "retry: ") {
			t.Errorf("late stream: %q", late.rawText())
		}
	})

	t.Run("http.Server.Shutdown", func(t *testing.T) {
		app := newApp(t)
		rita := app.signUp(t, "rita")
		// The same wiring as cmd/glossa.
		hs := &http.Server{Handler: app.srv, ReadHeaderTimeout: 10 * time.Second}
		hs.RegisterOnShutdown(app.srv.EndStreams)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- hs.Serve(ln) }()

		u, _ := url.Parse(app.ts.URL)
		var cookies []string
		for _, c := range rita.http.Jar.Cookies(u) {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
		s := openStreamAt(t, &http.Client{}, "http://"+ln.Addr().String()+eventsPath,
			http.Header{"Cookie": {strings.Join(cookies, "; ")}})
		if g := s.presence(); len(g) != 0 {
			t.Errorf("presence %v", g)
		}
		ctx, cancel := context.WithTimeout(context.Background(), streamWait)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v (an open stream held it)", err)
		}
		s.waitEOF()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

// TestLivePageParts: the reading page carries the live line for a
// member and loads live.js as a module; tour.js only where a tour is
// offered (TestTourLinksOnTheReadingPage), and this group has none.
func TestLivePageParts(t *testing.T) {
	app := newApp(t)
	tess, rita := app.signUp(t, "tess"), app.signUp(t, "rita")
	app.newGroup(t, "Seminar A", tess, rita)
	doc := rita.page("/read/"+essaySlug, http.StatusOK)
	live := query(doc, "section.live[data-live]")
	if live == nil {
		t.Fatal("no live section")
	}
	if region := query(doc, ".doc-head [data-news]"); attr(region, "aria-live") != "polite" {
		t.Errorf("the news region is not a polite live region")
	}
	var scripts []string
	for _, s := range queryAll(doc, "script[type=module]") {
		scripts = append(scripts, strings.Split(attr(s, "src"), "?")[0])
	}
	if !slices.Contains(scripts, "/static/js/live.js") {
		t.Errorf("scripts %v lack live.js", scripts)
	}
	if slices.Contains(scripts, "/static/js/tour.js") {
		t.Errorf("scripts %v load tour.js on a page that offers no tour", scripts)
	}
	for _, f := range []string{"js/live.js", "js/tour.js", "js/blocks.js"} {
		res := app.client(t).get("/static/" + f)
		readBody(res)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
			t.Errorf("GET /static/%s: %d %s", f, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}

// waitJS polls a JavaScript condition in the page until it holds.
func (b *browser) waitJS(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !eval[bool](b, "Boolean("+cond+")") {
		if time.Now().After(deadline) {
			b.t.Fatalf("still false after %v: %s", stepTimeout, cond)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserLiveNewNote: two readers of a group have the essay open in
// their own browsers. Each sees the other arrive ("1 other reader here
// now"). The teacher writes a group note; the student's page offers
// "1 new note" in a polite live region without touching the margin;
// pressing it shows the note's card in place, focused and marked new,
// without a reload. The
// teacher's own page offers nothing: the note is theirs.
func TestBrowserLiveNewNote(t *testing.T) {
	app := newApp(t)
	app.srv.presence.setDebounce(10 * time.Millisecond)
	tess, rita := app.signUp(t, "tess"), app.signUp(t, "rita")
	g := app.newGroup(t, "Seminar A", tess, rita)

	bt := newBrowser(t, app)
	bt.signInAs(tess)
	br := newBrowser(t, app)
	br.signInAs(rita)
	bt.navigate("/read/" + essaySlug)
	br.navigate("/read/" + essaySlug)
	br.do(chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true`))
	const here = `document.querySelector('[data-presence] li[data-group="%d"] [data-readers]').textContent === "1 other reader here now"`
	br.waitJS(fmt.Sprintf(here, g.ID))
	bt.waitJS(fmt.Sprintf(here, g.ID))

	anchor := br.thirdParagraph()
	note := liveNote(t, app, tess, anchor, store.Members, g.ID, "Why do these alliances last?")
	noteSel := fmt.Sprintf(`[data-block=%q] .margin a.card[data-note=%q]`, anchor, note.ID)

	br.waitJS(`document.querySelector(".live-news[aria-live=polite] .live-button")?.textContent === "1 new note"`)
	if eval[bool](br, fmt.Sprintf(`document.querySelector(%q) !== null`, noteSel)) {
		t.Error("the note was pushed into the margin before the reader asked")
	}
	br.do(chromedp.Click(chromedp.CSS(".live-button")))
	br.waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, noteSel))
	if got := eval[string](br, fmt.Sprintf(`document.querySelector(%q).textContent`, noteSel)); !strings.Contains(got, "Why do these alliances last?") {
		t.Errorf("the note shown: %q", got)
	}
	if !eval[bool](br, `window.__sameDocument === true`) {
		t.Error("the page was reloaded")
	}
	br.waitJS(`!document.querySelector(".live-button")`)

	// The teacher's page got the same event (her own act) and offers
	// nothing: once it has handled the event, no button is coming (an
	// event shown would have scheduled one; hers are skipped outright).
	last, err := app.db.LastEventID(context.Background(), app.essay(t).ID)
	if err != nil {
		t.Fatal(err)
	}
	bt.waitJS(fmt.Sprintf(`Number(document.querySelector("[data-live]").dataset.seen || 0) >= %d`, last))
	if eval[bool](bt, `document.querySelector(".live-button") !== null`) {
		t.Errorf("the teacher is offered their own note: %s", eval[string](bt, `document.querySelector(".live-button").textContent`))
	}

	// A second note and a reaction arrive as "1 new note and 1 update".
	second := liveNote(t, app, tess, app.paragraph(t, 0).Anchor, store.Members, g.ID, "And this one?")
	if _, err := app.db.React(context.Background(), viewerOfUser(t, app, "tess").UserID, note.ID, store.Helpful, true); err != nil {
		t.Fatal(err)
	}
	br.waitJS(`document.querySelector(".live-button")?.textContent === "1 new note and 1 update"`)
	br.do(chromedp.Click(chromedp.CSS(".live-button")))
	br.waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.matches('.margin a.card[data-note=%q]')`, second.ID))
	// New until seen: the note's card is marked.
	if !eval[bool](br, fmt.Sprintf(`document.querySelector('.margin a.card[data-note=%q]').matches(".is-new")`, second.ID)) {
		t.Error("the new note's card is not marked new")
	}
}

// TestBrowserTourKeyboard: with the keyboard alone a member walks the
// guided tour on the reading page: Tab to "Guided tour", Enter, n and →
// forward, p back, Escape out; each stop's paragraph is focused and "Stop k
// of n" is said.
func TestBrowserTourKeyboard(t *testing.T) {
	app := newApp(t)
	tess, rita := app.signUp(t, "tess"), app.signUp(t, "rita")
	g := app.newGroup(t, "Seminar A", tess, rita)
	stops := []string{app.paragraph(t, 1).Anchor, app.paragraph(t, 3).Anchor, app.paragraph(t, 6).Anchor}
	for i := len(stops) - 1; i >= 0; i-- { // written out of order: the tour follows the text
		liveNote(t, app, tess, stops[i], store.Members, g.ID, fmt.Sprintf("Guide %d", i+1))
	}

	b := newBrowser(t, app)
	b.signInAs(rita)
	b.navigate("/read/" + essaySlug)
	b.tabTo("a.tour-link", 80)
	b.key(kb.Enter)
	at := func(k int) {
		t.Helper()
		b.waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.matches('[data-block=%q].tour-current')`, stops[k]))
		if got := eval[string](b, `document.querySelector(".tour-bar [role=status]").textContent`); got != fmt.Sprintf("Stop %d of %d", k+1, len(stops)) {
			t.Errorf("status %q at stop %d", got, k+1)
		}
	}
	at(0)
	if !strings.HasSuffix(b.location(), "/read/"+essaySlug) {
		t.Errorf("the link navigated: %s", b.location())
	}
	b.key("n")
	at(1)
	b.key(kb.ArrowRight)
	at(2)
	if !eval[bool](b, `document.querySelector(".tour-bar .tour-next").disabled`) {
		t.Error("Next is enabled at the last stop")
	}
	b.key(kb.ArrowRight) // nowhere to go
	at(2)
	b.key("p")
	at(1)
	b.key(kb.Escape)
	b.waitJS(`!document.querySelector(".tour-bar") && document.activeElement.matches("a.tour-link")`)
	if eval[int](b, `document.querySelectorAll(".tour-current").length`) != 0 {
		t.Error("a stop is still marked after leaving the tour")
	}
}
