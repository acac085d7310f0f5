package web

// Reading together, live: the event stream of a document.
//
// GET /read/{slug}/events is a server-sent event stream. Each event is one
// row of the store's event log (a note created, edited, hidden, restored,
// deleted, reacted to, or moved out of the reader's sight), already
// filtered by store.Events through the visibility rule, per event, with
// the memberships of the moment it is sent. An event carries ids and the
// block's anchor only; the page fetches the block again through the same
// rule as every page, so the stream itself says nothing about a note's
// words. The event's id is its number in the document's log
// (store.Event.ID), which becomes visible in order on either database:
// EventSource sends the last one back as Last-Event-ID when it
// reconnects, to this server or another on the same database, and the
// reader gets exactly what it missed.
//
// The stream also carries presence (see presence.go): how many fellow
// members of each of the reader's groups have the document open.
//
// # Shared reads
//
// Every stream wakes at every commit (store.DB.Changed) and asks the log
// what is new for it. Asked by each stream on its own, a note on a
// document with 1,000 readers cost 2,000 queries, and the last reader
// waited for all of them. Shared per viewer, it still cost one query per
// distinct signed-in reader: a class of 600 had a note 204 ms (p99) after
// it was written. So the streams share their reads through a feed:
//
//   - the log's end (store.DB.LastEventID) is read once per document per
//     commit, for every stream of it, whoever the reader;
//   - the events are read once per document and position per commit, for
//     every viewer at that position (store.DB.EventsFor): one statement
//     reads the next window of the log and asks the visibility rule, in
//     store/visibility.go and nowhere else, which of those viewers may see
//     each event, with the memberships of the moment. The feed keeps, per
//     document and position, the viewers whose streams are there (the
//     whole store.Viewer: all signed-out readers are the viewer with user
//     id 0, a signed-in one is its user id), and a read covers all of
//     them. A stream uses only a read that covers its own viewer and
//     takes from it only its own viewer's messages, so different viewers
//     never receive what the rule gives another.
//   - the messages are encoded once per distinct result: viewers who may
//     see the same events, none of them their own acts ("mine"), share the
//     same bytes. A class that may all see a teacher's note costs one
//     encoding, and its author's another.
//
// Every stream at a position moves past the same window (its last event,
// whoever may see it), so streams that shared a read stay together at
// the next commit. A commit on a document with a thousand readers of a
// thousand accounts costs two statements, whose work grows with the
// events times the viewers, not a statement per reader.
//
// Why no stream misses an event. A stream takes the Changed channel, then
// loads the store's generation g. DB.commit increments the generation
// after the transaction has committed and before it closes the channel
// (under the mutex Changed takes), so every commit that closed an earlier
// channel is counted in g, and a commit not counted in g closes the
// channel this stream holds, which wakes it for another round. A stream at
// g may therefore use a shared read that began after the generation
// reached g: that read sees every commit the stream is owed. A feed entry
// records such a generation (the newest generation a stream had seen when
// the entry was made, before its read begins) and is used only by streams
// at that generation or an older one; a stream at a newer one makes a new
// entry. An events entry also carries the log's end its maker read before
// it began, and a stream moves past that end, never past its own: every
// event up to it is in the entry's window (unless the window is full,
// when the stream moves only past the window's last event and reads
// again). Entries of older generations are dropped when a newer one is
// made.
//
// A shared read runs in its own goroutine, so a reader who leaves does not
// cancel it for the others; each stream waits for it under its own
// context. Its errors are logged once, by the feed, and end the streams
// that waited for it (their EventSources reconnect). Presence, heartbeats
// and the session check stay per stream.
import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/library"
	"glossa/store"
)

const (
	// eventBatch is how many events one read of the log fetches.
	eventBatch = 100
	// heartbeat: a comment line this often keeps proxies from closing an
	// idle stream and lets the server notice a reader who left.
	defaultHeartbeat = 25 * time.Second
	// writeWait bounds each write to a stream (see sseWriter.write), so a
	// reader who stopped reading cannot hold a goroutine forever. It is a
	// per-write deadline, not the server's WriteTimeout, which would end
	// every stream.
	writeWait = 30 * time.Second
	// retryMillis is how long EventSource waits before reconnecting, for
	// instance after the server restarted.
	retryMillis = 3000
)

// liveStreams is the Server's state for its open streams.
type liveStreams struct {
	done      chan struct{} // closed when the server shuts down
	once      sync.Once
	heartbeat atomic.Int64 // nanoseconds
	feed      feed
	slots     *streamSlots // the limits on open streams (livelimits.go)
}

func newLiveStreams(maxTotal, maxAccount, maxAddress int) *liveStreams {
	l := &liveStreams{done: make(chan struct{}), feed: newFeed(), slots: newStreamSlots(maxTotal, maxAccount, maxAddress)}
	l.heartbeat.Store(int64(defaultHeartbeat))
	return l
}

func (l *liveStreams) end() { l.once.Do(func() { close(l.done) }) }

// EndStreams ends every open live stream and makes new ones end at once.
// http.Server.Shutdown waits for active requests, and a stream is active
// until its reader leaves, so register this with
// http.Server.RegisterOnShutdown; Close calls it too. Readers' EventSources
// reconnect by themselves, to the next server, and miss nothing.
func (s *Server) EndStreams() { s.live.end() }

// handleEvents serves GET /read/{slug}/events: the document's live event
// stream for the reader asking. It resumes after the Last-Event-ID header
// (sent by a reconnecting EventSource) or, on the first connection, after
// ?after=N (the page's data-last-event); with neither it starts from now.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	after, err := resumeAfter(r)
	if err != nil {
		return err
	}
	viewer := viewerOf(ctx)
	// The limits come before anything that costs a query.
	release, err := s.live.slots.acquire(viewer.UserID, addrKey(r))
	if err != nil {
		return err
	}
	defer release()
	if err := streamConn(r); err != nil {
		s.log.Warn("live: cannot set the stream's dead-peer timeout", "err", err)
	}
	last, err := s.db.LastEventID(ctx, e.ID)
	if err != nil {
		return err
	}
	// Nothing given, or an id this document never reached (a database
	// restored from backup): start from now.
	if after < 0 || after > last {
		after = last
	}
	// A signed-in reader's session is checked again at each heartbeat: a
	// reader who signs out elsewhere loses the stream (the browser then
	// reconnects signed out). Every event is filtered with the memberships
	// of the moment anyway.
	var session string
	if viewer.UserID != 0 {
		session = s.sessions.Token(ctx)
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		// The headers are the answer. Streaming would hold the
		// connection, which the client believes finished, for ever.
		return nil
	}
	out := &sseWriter{w: w, rc: http.NewResponseController(w)}
	if err := out.write([]byte("retry: " + strconv.Itoa(retryMillis) + "\n\n")); err != nil {
		return nil // the reader has gone
	}
	if err := s.stream(ctx, out, viewer, e.ID, after, session); err != nil && ctx.Err() == nil {
		s.log.Error("live stream", "path", r.URL.Path, "viewer", viewer.UserID, "err", err)
	}
	return nil // the response has begun: nothing more to say to the client
}

// resumeAfter reads where a stream resumes: -1 when the request does not
// say.
func resumeAfter(r *http.Request) (int64, error) {
	v, what := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if v == "" {
		v, what = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, errBadRequest(what + " must be an event id: a whole number, 0 or more.")
	}
	return n, nil
}

// liveEvent is the data of an "event: note" message.
type liveEvent struct {
	ID     int64           `json:"id"`
	Kind   store.EventKind `json:"kind"`
	Note   string          `json:"note"`
	Parent string          `json:"parent,omitempty"`
	Anchor string          `json:"anchor"`
	// Mine: the reader did this (wrote, reacted, moderated). The page
	// that did it shows it already; live.js leaves it out of the news.
	Mine bool `json:"mine,omitempty"`
}

// presenceMessage is the data of an "event: presence" message.
type presenceMessage struct {
	Groups []groupPresence `json:"groups"`
}

// stream sends events until the reader leaves, the server shuts down or
// the reader's session ends. It returns an error only for a failure worth
// logging.
func (s *Server) stream(ctx context.Context, out *sseWriter, viewer store.Viewer, docID, after int64, session string) error {
	bell, leave := s.presence.join(docID, viewer.UserID)
	defer leave()

	var shown []groupPresence // what the reader was last told
	sendPresence := func() error {
		if viewer.UserID == 0 {
			return nil
		}
		gp, err := s.presence.countShared(ctx, viewer, docID)
		if err != nil {
			return err
		}
		if gp == nil {
			gp = []groupPresence{}
		}
		if shown != nil && slices.Equal(gp, shown) {
			return nil
		}
		shown = gp
		return out.message(0, "presence", presenceMessage{Groups: gp})
	}
	if err := sendPresence(); err != nil {
		return err
	}

	// The feed reads for the viewers at each position (see Shared reads).
	f := &s.live.feed
	f.move(docID, viewer, -1, after)
	defer func() { f.move(docID, viewer, after, -1) }()

	beat := time.NewTicker(time.Duration(s.live.heartbeat.Load()))
	defer beat.Stop()
	age := time.NewTimer(maxStreamAge)
	defer age.Stop()
	for {
		// Take the channel, then the generation: the reads below are
		// then ones that began at that generation or later, which have
		// every commit that does not wake us again (see Shared reads).
		changed := s.db.Changed()
		gen := s.db.Generation()
		// The log's end: most wake-ups are commits elsewhere.
		end, err := f.end(ctx, s, docID, gen)
		if err != nil {
			return nil // logged by the feed, or the reader has gone
		}
		if end > after {
			w, err := f.window(ctx, s, viewer, docID, after, end, gen)
			if err != nil {
				return nil
			}
			// Past the events the viewer may not see too, so they are
			// not read again at every commit; past the window only
			// when it was full, to read the rest.
			next := w.last
			if !w.full {
				next = max(after, w.last, w.end)
			}
			// Moved before writing: the next read at the new position
			// then covers this viewer, however slow the write.
			f.move(docID, viewer, after, next)
			after = next
			if msg := w.msg(viewer); len(msg) > 0 {
				if err := out.write(msg); err != nil {
					return nil // the reader has gone
				}
			}
			if w.full {
				continue
			}
		}

		select {
		case <-changed:
		case <-bell.c:
			if err := sendPresence(); err != nil {
				return err
			}
		case <-beat.C:
			if err := out.write([]byte(": ping\n\n")); err != nil {
				return nil
			}
			if session != "" {
				if _, found, err := s.sessStor.Find(session); err == nil && !found {
					return nil // signed out
				}
			}
		case <-age.C:
			return nil // the EventSource reconnects and misses nothing
		case <-ctx.Done():
			return nil
		case <-s.live.done:
			return nil
		}
	}
}

// feed shares the streams' reads of the event log; see Shared reads
// above.
type feed struct {
	mu      sync.Mutex
	newest  uint64 // the newest generation an entry was made at
	ends    map[int64]*endRead
	windows map[streamPos][]*windowRead
	// at counts the streams at each position by viewer: whom a read of
	// the window after that position reads for.
	at map[streamPos]map[store.Viewer]int
	// reads counts the window reads begun, for tests.
	reads atomic.Int64
}

// streamPos is where a stream of a document is in its log: it has been
// sent what its viewer may see up to event id after.
type streamPos struct{ doc, after int64 }

// sharedRead is what every shared read has: the streams at generation
// gen or older may use it; done is closed when it is finished, with err
// set if it failed.
type sharedRead struct {
	gen  uint64
	done chan struct{}
	err  error
}

// endRead is one read of a document's log's end.
type endRead struct {
	sharedRead
	end int64
}

// windowRead is one read of a window of a document's log for the viewers
// at one position, its events encoded once per distinct result.
type windowRead struct {
	sharedRead
	viewers []store.Viewer
	index   map[store.Viewer]int // viewers[index[v]] == v
	end     int64                // the log's end read before the window was

	// Set by the read.
	last  int64    // the window's last event, whoever may see it (0 if none)
	full  bool     // the window is a whole batch: more may follow
	msgs  [][]byte // the distinct results, as "note" messages ready to write
	msgOf []int    // viewer index → its msgs index, -1 for nothing to send
}

func newFeed() feed {
	return feed{ends: map[int64]*endRead{}, windows: map[streamPos][]*windowRead{}, at: map[streamPos]map[store.Viewer]int{}}
}

// readTimeout bounds a shared read, which no reader's request cancels.
const readTimeout = 30 * time.Second

// move records that a stream of viewer on doc went from one position to
// another (-1: none, as it starts or ends).
func (f *feed) move(doc int64, viewer store.Viewer, from, to int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if from >= 0 {
		k := streamPos{doc, from}
		if vs := f.at[k]; vs != nil {
			if vs[viewer]--; vs[viewer] <= 0 {
				delete(vs, viewer)
				if len(vs) == 0 {
					delete(f.at, k)
				}
			}
		}
	}
	if to >= 0 {
		k := streamPos{doc, to}
		vs := f.at[k]
		if vs == nil {
			vs = map[store.Viewer]int{}
			f.at[k] = vs
		}
		vs[viewer]++
	}
}

// saw records, with f.mu held, that a stream saw the store at generation
// gen; a newer one than any before drops the entries no stream can use
// from now on (those made before gen).
func (f *feed) saw(gen uint64) {
	if gen <= f.newest {
		return
	}
	f.newest = gen
	for k, r := range f.ends {
		if r.gen < gen {
			delete(f.ends, k)
		}
	}
	for k, rs := range f.windows {
		if rs = slices.DeleteFunc(rs, func(r *windowRead) bool { return r.gen < gen }); len(rs) == 0 {
			delete(f.windows, k)
		} else {
			f.windows[k] = rs
		}
	}
}

// run starts read for r in its own goroutine. A failed read is dropped,
// with drop (called with f.mu held), so the next stream tries again.
func (f *feed) run(ctx context.Context, r *sharedRead, drop func(), read func(context.Context) error) {
	go func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
		r.err = read(rctx)
		cancel()
		if r.err != nil {
			f.mu.Lock()
			drop()
			f.mu.Unlock()
		}
		close(r.done)
	}()
}

// wait waits for r under the waiting stream's context.
func (r *sharedRead) wait(ctx context.Context) error {
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// end is document doc's log's end (store.DB.LastEventID), for a stream at
// generation gen.
func (f *feed) end(ctx context.Context, s *Server, doc int64, gen uint64) (int64, error) {
	f.mu.Lock()
	f.saw(gen)
	r := f.ends[doc]
	if r == nil || r.gen < gen {
		// f.newest: a stream saw the store at that generation before
		// now, and the read begins after now.
		r = &endRead{sharedRead: sharedRead{gen: f.newest, done: make(chan struct{})}}
		f.ends[doc] = r
		f.run(ctx, &r.sharedRead, func() {
			if f.ends[doc] == r {
				delete(f.ends, doc)
			}
		}, func(ctx context.Context) (err error) {
			if r.end, err = s.db.LastEventID(ctx, doc); err != nil {
				s.log.Error("live: reading the event log's end", "doc", doc, "err", err)
			}
			return err
		})
	}
	f.mu.Unlock()
	if err := r.wait(ctx); err != nil {
		return 0, err
	}
	return r.end, nil
}

// window reads, for a stream of viewer at generation gen, doc's log after
// after (at most eventBatch events), given end as the log's end at that
// generation or later. It shares a read that covers viewer, or begins one
// for the viewers at that position that no read it may use covers (so a
// stream that arrives late, or keeps arriving, costs a read of its own
// viewer, not of everyone's again); a read it begins keeps that end: its
// window is read after it was.
func (f *feed) window(ctx context.Context, s *Server, viewer store.Viewer, doc, after, end int64, gen uint64) (*windowRead, error) {
	k := streamPos{doc, after}
	f.mu.Lock()
	f.saw(gen)
	var r *windowRead
	usable := slices.DeleteFunc(slices.Clone(f.windows[k]), func(c *windowRead) bool { return c.gen < gen })
	for _, c := range usable {
		if _, ok := c.index[viewer]; ok {
			r = c
			break
		}
	}
	if r == nil {
		// For the viewers here that no read this stream may use covers:
		// all of them at a commit's first read; after it, this one and
		// any others who arrived late, never again those it covers.
		r = &windowRead{sharedRead: sharedRead{gen: f.newest, done: make(chan struct{})}, end: end,
			index: map[store.Viewer]int{viewer: 0}, viewers: []store.Viewer{viewer}}
	nextViewer:
		for v := range f.at[k] {
			if _, ok := r.index[v]; ok {
				continue
			}
			for _, c := range usable {
				if _, ok := c.index[v]; ok {
					continue nextViewer
				}
			}
			r.index[v] = len(r.viewers)
			r.viewers = append(r.viewers, v)
		}
		f.windows[k] = append(f.windows[k], r)
		f.reads.Add(1)
		f.run(ctx, &r.sharedRead, func() {
			f.windows[k] = slices.DeleteFunc(f.windows[k], func(c *windowRead) bool { return c == r })
			if len(f.windows[k]) == 0 {
				delete(f.windows, k)
			}
		}, func(ctx context.Context) error {
			err := r.read(ctx, s.db, doc, after)
			if err != nil {
				s.log.Error("live: reading the event log", "doc", doc, "viewers", len(r.viewers), "err", err)
			}
			return err
		})
	}
	f.mu.Unlock()
	if err := r.wait(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// read reads the window after after for r's viewers and encodes each
// viewer's events, once per distinct result.
func (r *windowRead) read(ctx context.Context, db *store.DB, doc, after int64) error {
	w, err := db.EventsFor(ctx, r.viewers, doc, after, eventBatch)
	if err != nil {
		return err
	}
	r.last, r.full = w.Last, w.Full
	// Each viewer's result, as a key: the places in w.Events of the
	// events it may see, each doubled, plus one where the viewer did it.
	keys := make([][]byte, len(r.viewers))
	for j, ev := range w.Events {
		for _, i := range w.Seen[j] {
			mine := r.viewers[i].UserID != 0 && ev.ActorID == r.viewers[i].UserID
			keys[i] = binary.AppendUvarint(keys[i], uint64(j)<<1|b2u(mine))
		}
	}
	// Each event encoded at most twice, mine or not.
	var enc [][2][]byte
	encode := func(j int, mine bool) ([]byte, error) {
		if enc == nil {
			enc = make([][2][]byte, len(w.Events))
		}
		if b := enc[j][b2u(mine)]; b != nil {
			return b, nil
		}
		ev := w.Events[j]
		b, err := appendMessage(nil, ev.ID, "note", liveEvent{ID: ev.ID, Kind: ev.Kind, Note: ev.NoteID,
			Parent: ev.ParentID, Anchor: ev.Anchor, Mine: mine})
		if err != nil {
			return nil, fmt.Errorf("encoding event %d: %w", ev.ID, err)
		}
		enc[j][b2u(mine)] = b
		return b, nil
	}
	r.msgOf = make([]int, len(r.viewers))
	distinct := map[string]int{}
	for i, key := range keys {
		if len(key) == 0 {
			r.msgOf[i] = -1
			continue
		}
		m, ok := distinct[string(key)]
		if !ok {
			var msg []byte
			for rest := key; len(rest) > 0; {
				x, n := binary.Uvarint(rest)
				rest = rest[n:]
				b, err := encode(int(x>>1), x&1 == 1)
				if err != nil {
					return err
				}
				msg = append(msg, b...)
			}
			m = len(r.msgs)
			r.msgs = append(r.msgs, msg)
			distinct[string(key)] = m
		}
		r.msgOf[i] = m
	}
	return nil
}

// msg is what the window has for viewer, who must be one of its viewers:
// the messages of the events it may see, nil if none.
func (r *windowRead) msg(viewer store.Viewer) []byte {
	i, ok := r.index[viewer]
	if !ok || r.msgOf[i] < 0 {
		return nil
	}
	return r.msgs[r.msgOf[i]]
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// sseWriter writes the text/event-stream format.
type sseWriter struct {
	w        io.Writer
	rc       *http.ResponseController
	deadline time.Time // the write deadline last set
}

// message writes one event; id 0 means none (presence is not part of the
// log, so it must not move the reader's Last-Event-ID).
func (o *sseWriter) message(id int64, event string, v any) error {
	b, err := appendMessage(nil, id, event, v)
	if err != nil {
		return err
	}
	return o.write(b)
}

// appendMessage appends one text/event-stream message to b.
func appendMessage(b []byte, id int64, event string, v any) ([]byte, error) {
	data, err := json.Marshal(v) // one line: JSON escapes line breaks in strings
	if err != nil {
		return b, err
	}
	if id != 0 {
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, '\n')
	}
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...), nil
}

// write writes and flushes b, within writeWait/2 to writeWait. Moving
// the connection's deadline updates a runtime timer, which showed in
// profiles of 1,000 streams written at every commit (4 % of the CPU), so
// it moves only when less than half of writeWait is left.
func (o *sseWriter) write(b []byte) error {
	if now := time.Now(); o.deadline.Sub(now) < writeWait/2 {
		o.deadline = now.Add(writeWait)
		if err := o.rc.SetWriteDeadline(o.deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
	}
	if _, err := o.w.Write(b); err != nil {
		return err
	}
	return o.flush()
}

func (o *sseWriter) flush() error {
	if err := o.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// liveView is the reading page's "reading together" line: where the live
// stream starts, who is here, and the guided tours on offer.
type liveView struct {
	Slug      string
	LastEvent int64
	SignedIn  bool
	Groups    []groupPresence
	Tours     []tourLink
}

// EventsURL is where live.js listens.
func (v *liveView) EventsURL() string {
	return "/read/" + v.Slug + "/events?after=" + strconv.FormatInt(v.LastEvent, 10)
}

// buildLiveView builds the live part of the current revision's reading page.
// Call it before reading the page's notes: an event logged in between is
// then sent to the page (and shows what it already shows), never lost.
func (s *Server) buildLiveView(r *http.Request, e *library.Doc) (*liveView, error) {
	ctx := r.Context()
	last, err := s.db.LastEventID(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	viewer := viewerOf(ctx)
	v := &liveView{Slug: e.Slug, LastEvent: last, SignedIn: viewer.UserID != 0}
	if viewer.UserID == 0 {
		return v, nil
	}
	ms, err := s.db.Memberships(ctx, viewer.UserID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return v, nil
	}
	if v.Groups, err = s.presence.countIn(ctx, ms, viewer, e.ID); err != nil {
		return nil, err
	}
	if v.Tours, err = s.tourLinks(ctx, ms, viewer, e); err != nil {
		return nil, err
	}
	return v, nil
}
