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
// words. The event's id is the log's id: EventSource sends the last one
// back as Last-Event-ID when it reconnects, and the reader gets exactly
// what it missed.
//
// The stream also carries presence (see presence.go): how many fellow
// members of each of the reader's groups have the document open.
//
// # Shared reads
//
// Every stream wakes at every commit (store.DB.Changed) and asks the log
// what is new for it. Asked by each stream on its own, a note on a
// document with 1,000 readers cost 2,000 queries, and the last reader
// waited for all of them (issue 6: p99 0.8 s). So the streams share their
// reads through a feed:
//
//   - the log's end (store.DB.LastEventID) is read once per document per
//     commit, for every stream of it, whoever the reader;
//   - the events (store.DB.Events) are read once per document, viewer and
//     position per commit: every stream of the same store.Viewer (all
//     signed-out readers are the viewer with user id 0; a signed-in one is
//     its user id) that has been sent the same events shares one read,
//     and the messages are encoded once for all of them, "mine" included,
//     since the viewer is the same. Streams of different viewers never
//     share events: the key is the whole store.Viewer, so the visibility
//     rule stays where it is, in store.Events' SQL, applied once per
//     viewer. Signed-in readers still cost one events query per distinct
//     user, and only when the document's log moved.
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
// event up to it that the viewer may see is in the entry (unless the batch
// is full, when the stream moves only past the last event and reads again).
// Entries of older generations are dropped when a newer one is made.
//
// A shared read runs in its own goroutine, so a reader who leaves does not
// cancel it for the others; each stream waits for it under its own
// context. Its errors are logged once, by the feed, and end the streams
// that waited for it (their EventSources reconnect). Presence, heartbeats
// and the session check stay per stream.
import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

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
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
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
	last, err := s.db.LastEventID(ctx, e.id)
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
	if err := s.stream(ctx, out, viewer, e.id, after, session); err != nil && ctx.Err() == nil {
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
		gp, err := s.presenceShared(ctx, viewer, docID)
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
		end, err := s.live.feed.end(ctx, s, docID, gen)
		if err != nil {
			return nil // logged by the feed, or the reader has gone
		}
		if end > after {
			b, err := s.live.feed.events(ctx, s, viewer, docID, after, end, gen)
			if err != nil {
				return nil
			}
			if b.n > 0 {
				if err := out.write(b.msg); err != nil {
					return nil // the reader has gone
				}
			}
			if b.n == eventBatch {
				after = b.last
				continue
			}
			// Past the events the viewer may not see too, so they are
			// not read again at every commit.
			after = max(after, b.last, b.end)
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
	mu         sync.Mutex
	newest     uint64 // the newest generation an entry was made at
	endReads   map[int64]*sharedRead[int64]
	eventReads map[eventsKey]*sharedRead[*eventBatchMsg]
}

// eventsKey says which streams may share an events read: those of the
// same document and viewer that have been sent the same events.
type eventsKey struct {
	doc    int64
	viewer store.Viewer // the whole of it: whatever decides what a reader sees
	after  int64
}

// sharedRead is one read of the log, for every stream at generation gen
// or older. done is closed when val and err are set.
type sharedRead[T any] struct {
	gen  uint64
	done chan struct{}
	val  T
	err  error
}

// eventBatchMsg is the result of one store.Events read, encoded.
type eventBatchMsg struct {
	end  int64  // the log's end read before the events were
	n    int    // how many events
	last int64  // the last one's id (0 if none)
	msg  []byte // the events as "note" messages, ready to write
}

func newFeed() feed {
	return feed{endReads: map[int64]*sharedRead[int64]{}, eventReads: map[eventsKey]*sharedRead[*eventBatchMsg]{}}
}

// readTimeout bounds a shared read, which no reader's request cancels.
const readTimeout = 30 * time.Second

// share returns the read under k that a stream at generation gen may use,
// starting one if there is none.
func share[K comparable, T any](ctx context.Context, f *feed, m map[K]*sharedRead[T], k K, gen uint64, read func(context.Context) (T, error)) (T, error) {
	f.mu.Lock()
	r := m[k]
	if r == nil || r.gen < gen {
		if gen > f.newest {
			f.newest = gen
			sweep(f.endReads, gen)
			sweep(f.eventReads, gen)
		}
		// f.newest: a stream saw the store at that generation before
		// now, and the read begins after now.
		r = &sharedRead[T]{gen: f.newest, done: make(chan struct{})}
		m[k] = r
		go func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
			r.val, r.err = read(rctx)
			cancel()
			if r.err != nil { // not kept: the next stream tries again
				f.mu.Lock()
				if m[k] == r {
					delete(m, k)
				}
				f.mu.Unlock()
			}
			close(r.done)
		}()
	}
	f.mu.Unlock()
	select {
	case <-r.done:
		return r.val, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// sweep drops the entries made before generation gen: no stream that
// looks for one from now on can use them.
func sweep[K comparable, T any](m map[K]*sharedRead[T], gen uint64) {
	for k, r := range m {
		if r.gen < gen {
			delete(m, k)
		}
	}
}

// end is document doc's log's end (store.DB.LastEventID), for a stream at
// generation gen.
func (f *feed) end(ctx context.Context, s *Server, doc int64, gen uint64) (int64, error) {
	return share(ctx, f, f.endReads, doc, gen, func(ctx context.Context) (int64, error) {
		end, err := s.db.LastEventID(ctx, doc)
		if err != nil {
			s.log.Error("live: reading the event log's end", "doc", doc, "err", err)
		}
		return end, err
	})
}

// events reads what viewer may see of doc's log after after (at most
// eventBatch events), for a stream at generation gen that has been given
// end as the log's end at that generation or later. A read it starts keeps
// that end: its events are read after it was.
func (f *feed) events(ctx context.Context, s *Server, viewer store.Viewer, doc, after, end int64, gen uint64) (*eventBatchMsg, error) {
	k := eventsKey{doc: doc, viewer: viewer, after: after}
	return share(ctx, f, f.eventReads, k, gen, func(ctx context.Context) (*eventBatchMsg, error) {
		evs, err := s.db.Events(ctx, viewer, doc, after, eventBatch)
		if err != nil {
			s.log.Error("live: reading the event log", "doc", doc, "viewer", viewer.UserID, "err", err)
			return nil, err
		}
		b := &eventBatchMsg{end: end, n: len(evs)}
		for _, ev := range evs {
			le := liveEvent{ID: ev.ID, Kind: ev.Kind, Note: ev.NoteID, Parent: ev.ParentID, Anchor: ev.Anchor,
				Mine: viewer.UserID != 0 && ev.ActorID == viewer.UserID}
			if b.msg, err = appendMessage(b.msg, ev.ID, "note", le); err != nil {
				s.log.Error("live: encoding an event", "doc", doc, "event", ev.ID, "err", err)
				return nil, err
			}
			b.last = ev.ID
		}
		return b, nil
	})
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

// liveView builds the live part of the current revision's reading page.
// Call it before reading the page's notes: an event logged in between is
// then sent to the page (and shows what it already shows), never lost.
func (s *Server) liveView(r *http.Request, e *docEntry) (*liveView, error) {
	ctx := r.Context()
	last, err := s.db.LastEventID(ctx, e.id)
	if err != nil {
		return nil, err
	}
	viewer := viewerOf(ctx)
	v := &liveView{Slug: e.slug, LastEvent: last, SignedIn: viewer.UserID != 0}
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
	if v.Groups, err = s.presenceIn(ctx, ms, viewer, e.id); err != nil {
		return nil, err
	}
	if v.Tours, err = s.tourLinks(ctx, ms, viewer, e); err != nil {
		return nil, err
	}
	return v, nil
}
