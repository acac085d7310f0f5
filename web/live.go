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

import (
	"context"
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

	"glossa/store"
)

const (
	// eventBatch is how many events one read of the log fetches.
	eventBatch = 100
	// heartbeat: a comment line this often keeps proxies from closing an
	// idle stream and lets the server notice a reader who left.
	defaultHeartbeat = 25 * time.Second
	// writeWait bounds each write to a stream, so a reader who stopped
	// reading cannot hold a goroutine forever. It is a per-write deadline,
	// not the server's WriteTimeout, which would end every stream.
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
}

func newLiveStreams() *liveStreams {
	l := &liveStreams{done: make(chan struct{})}
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
	last, err := s.db.LastEventID(ctx, e.id)
	if err != nil {
		return err
	}
	// Nothing given, or an id this document never reached (a database
	// restored from backup): start from now.
	if after < 0 || after > last {
		after = last
	}
	viewer := viewerOf(ctx)
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
	out := &sseWriter{w: w, rc: http.NewResponseController(w)}
	if err := out.write(fmt.Appendf(nil, "retry: %d\n\n", retryMillis)); err != nil {
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
		gp, err := s.presenceFor(ctx, viewer, docID)
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
	for {
		// Take the channel before reading, so a commit between the read
		// and the wait still wakes us.
		changed := s.db.Changed()
		// The log's end, read before the events: every event up to it
		// that the reader may see is in the batch below (unless the
		// batch is full), so the stream can move past the ones they may
		// not see instead of reading them again at every commit.
		end, err := s.db.LastEventID(ctx, docID)
		if err != nil {
			return err
		}
		var evs []store.Event
		if end > after { // most wake-ups are commits elsewhere
			if evs, err = s.db.Events(ctx, viewer, docID, after, eventBatch); err != nil {
				return err
			}
		}
		for _, ev := range evs {
			le := liveEvent{ID: ev.ID, Kind: ev.Kind, Note: ev.NoteID, Parent: ev.ParentID, Anchor: ev.Anchor,
				Mine: viewer.UserID != 0 && ev.ActorID == viewer.UserID}
			if err := out.message(ev.ID, "note", le); err != nil {
				return nil // the reader has gone
			}
			after = ev.ID
		}
		if len(evs) == eventBatch {
			continue
		}
		after = max(after, end)
		if err := out.flush(); err != nil {
			return nil
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
		case <-ctx.Done():
			return nil
		case <-s.live.done:
			return nil
		}
	}
}

// sseWriter writes the text/event-stream format.
type sseWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

// message writes one event; id 0 means none (presence is not part of the
// log, so it must not move the reader's Last-Event-ID).
func (o *sseWriter) message(id int64, event string, v any) error {
	data, err := json.Marshal(v) // one line: JSON escapes line breaks in strings
	if err != nil {
		return err
	}
	var b []byte
	if id != 0 {
		b = fmt.Appendf(b, "id: %d\n", id)
	}
	b = fmt.Appendf(b, "event: %s\ndata: %s\n\n", event, data)
	return o.write(b)
}

// write writes and flushes b, within writeWait.
func (o *sseWriter) write(b []byte) error {
	if err := o.rc.SetWriteDeadline(time.Now().Add(writeWait)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
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
