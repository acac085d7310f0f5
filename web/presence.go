package web

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"glossa/store"
)

// presence is "who is reading this document now": an in-memory registry
// of the open live streams, document → user → number of streams (one per
// tab). On SQLite nothing of it is stored; a restart forgets it, and the
// readers' EventSources, reconnecting, fill it again. When other
// instances share the database (PostgreSQL), syncPresence also writes
// this instance's readers to the store, with a heartbeat, and a count
// adds the readers of the others (store.DB.OthersReading); a change on
// another instance rings this one's watchers as a local one does.
//
// Each stream also registers a watcher. When the set of users on a
// document changes, the watchers of that document are told, once per
// debounce interval, so a burst of reloads (a stream closing and opening
// again within a second) costs one recount per reader, not one per
// connection. The count is made once per reader, not per stream: the
// streams of one account on one document share it (countShared), so a
// reader with a thousand streams costs what a reader with one does. And a
// reader's count is made of per-group counts (groupHere), each made once
// for every reader of that group: when one of a thousand students of a
// lecture arrives, the group's members are listed once, not once per
// student, and a student's groups are read again only after a commit.
// Each stream sends a presence event only when the numbers it shows
// change.
type presence struct {
	db       *store.DB // the groups' members, to count
	mu       sync.Mutex
	docs     map[int64]*docPresence
	debounce time.Duration
	// counts holds each reader's last count per document, shared by their
	// streams while nothing it depends on changed.
	counts map[presenceKey]*presenceCount
	// groups[doc][group] is the group's members on doc, shared by every
	// reader's count while nothing it depends on changed.
	groups map[int64]map[int64]*groupHere
	// computed counts the counts made (countIn), for tests; listed,
	// the groups' members listed (groupHere).
	computed, listed atomic.Int64
	// stamps[doc] is when doc's set of users last changed, on a clock
	// that only moves forward: a page cached under a stamp is never taken
	// for a later state, even after the document emptied and filled again.
	stamps map[int64]uint64
	clock  uint64
	// dirty: this instance's set of readers changed, for syncPresence
	// (capacity 1).
	dirty chan struct{}
}

type docPresence struct {
	users    map[int64]int // signed-in user → open streams
	watchers map[*watcher]struct{}
	timer    *time.Timer // pending notification, if any
}

// watcher is one stream's doorbell: c holds at most one ring.
type watcher struct{ c chan struct{} }

// presenceKey is one reader on one document.
type presenceKey struct{ doc, user int64 }

// presenceCount is a count for one reader, made when the document's
// presence stamp and the store's generation (memberships, groups) were as
// recorded. done is closed when val and err are set.
type presenceCount struct {
	stamp, gen uint64
	done       chan struct{}
	val        []groupPresence
	ms         []store.Membership // the reader's groups at generation gen
	err        error
}

// groupHere is one group's members with a document open (user ids), made
// when the document's presence stamp and the store's generation were as
// recorded. done is closed when here and err are set.
type groupHere struct {
	stamp, gen uint64
	done       chan struct{}
	here       map[int64]bool
	err        error
}

func newPresence(db *store.DB) *presence {
	return &presence{db: db, docs: map[int64]*docPresence{}, stamps: map[int64]uint64{}, debounce: 500 * time.Millisecond,
		counts: map[presenceKey]*presenceCount{}, groups: map[int64]map[int64]*groupHere{}, dirty: make(chan struct{}, 1)}
}

// setDebounce changes the notification delay (tests make it short).
func (p *presence) setDebounce(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.debounce = d
}

// join registers a stream of user on doc and returns its watcher and the
// function that unregisters it. A signed-out reader (user 0) is told of
// changes but counts for no one: presence is counted per group, and they
// are in none.
func (p *presence) join(doc, user int64) (*watcher, func()) {
	w := &watcher{c: make(chan struct{}, 1)}
	p.mu.Lock()
	d := p.docs[doc]
	if d == nil {
		d = &docPresence{users: map[int64]int{}, watchers: map[*watcher]struct{}{}}
		p.docs[doc] = d
	}
	d.watchers[w] = struct{}{}
	if user != 0 {
		d.users[user]++
		if d.users[user] == 1 {
			p.changed(doc, d)
			p.touch()
		}
	}
	p.mu.Unlock()

	var once sync.Once
	return w, func() { once.Do(func() { p.leave(doc, user, w) }) }
}

func (p *presence) leave(doc, user int64, w *watcher) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.docs[doc]
	if d == nil {
		return
	}
	delete(d.watchers, w)
	if user != 0 {
		d.users[user]--
		if d.users[user] <= 0 {
			delete(d.users, user)
			delete(p.counts, presenceKey{doc, user})
			p.changed(doc, d)
			p.touch()
		}
	}
	if len(d.users) == 0 && len(d.watchers) == 0 {
		if d.timer != nil {
			d.timer.Stop()
		}
		delete(p.docs, doc)
		delete(p.groups, doc)
	}
}

// changed records that doc's set of users changed and rings its watchers
// after the debounce interval, unless a ring is already on its way. Called
// with p.mu held.
func (p *presence) changed(doc int64, d *docPresence) {
	p.clock++
	p.stamps[doc] = p.clock
	if d.timer != nil {
		return
	}
	d.timer = time.AfterFunc(p.debounce, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		d.timer = nil
		for w := range d.watchers {
			select {
			case w.c <- struct{}{}:
			default: // it has a ring pending already
			}
		}
	})
}

// touch tells syncPresence that this instance's readers changed.
func (p *presence) touch() {
	select {
	case p.dirty <- struct{}{}:
	default:
	}
}

// othersChanged records that the readers of other instances changed, on
// any document: every document with streams here is counted again.
func (p *presence) othersChanged() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for doc, d := range p.docs {
		p.changed(doc, d)
	}
}

// snapshot returns this instance's readers: each signed-in user with a
// stream open, per document.
func (p *presence) snapshot() map[store.Reading]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[store.Reading]bool{}
	for doc, d := range p.docs {
		for u := range d.users {
			out[store.Reading{DocumentID: doc, UserID: u}] = true
		}
	}
	return out
}

// presenceBeat is how often syncPresence beats, well within
// store.PresenceExpiry.
const presenceBeat = store.PresenceExpiry / 3

// syncPresence, on a database other instances share, writes this
// instance's readers to the store (what changed, a debounce interval
// after a change, and a heartbeat every presenceBeat), and has the counts
// made again when another instance's readers change, until ctx ends; then
// it removes this instance's readers and closes presenceDone. A failed
// write is logged once and tried again at the next change or beat.
func (s *Server) syncPresence(ctx context.Context) {
	defer close(s.presenceDone)
	p := s.presence
	written := map[store.Reading]bool{}
	t := time.NewTicker(presenceBeat)
	defer t.Stop()
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := s.db.LeavePresence(lctx); err != nil {
				s.log.Error("presence: leave", "err", err)
			}
			cancel()
			return
		case <-s.db.PresenceNoticed():
			p.othersChanged()
			continue
		case <-p.dirty:
			p.mu.Lock()
			wait := p.debounce
			p.mu.Unlock()
			select { // gather a burst of arrivals into one write
			case <-ctx.Done():
				continue
			case <-time.After(wait):
			}
		case <-t.C:
		}
		now := p.snapshot()
		var added, removed []store.Reading
		for r := range now {
			if !written[r] {
				added = append(added, r)
			}
		}
		for r := range written {
			if !now[r] {
				removed = append(removed, r)
			}
		}
		expired, err := s.db.SyncPresence(ctx, added, removed)
		switch {
		case err == nil:
			written, lastErr = now, ""
			if expired {
				p.othersChanged()
			}
		case ctx.Err() != nil:
		case err.Error() != lastErr:
			lastErr = err.Error()
			s.log.Error("presence: write this instance's readers", "err", err)
		}
	}
}

// readers returns the users with a stream open on doc.
func (p *presence) readers(doc int64) map[int64]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[int64]bool{}
	if d := p.docs[doc]; d != nil {
		for u := range d.users {
			out[u] = true
		}
	}
	return out
}

// cacheKey names doc's presence state for the page cache: the reading page
// shows who is here, so a cached page is only good while it stays the same.
func (p *presence) cacheKey(doc int64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "presence:" + strconv.FormatUint(p.stamps[doc], 10)
}

// groupPresence is how many other readers of one of the viewer's groups
// are on the document now.
type groupPresence struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Readers int    `json:"readers"`
}

// Text says it in words, the same words as live.js's readersText.
func (g groupPresence) Text() string { return readersText(g.Readers) }

// readersText is the presence line of one group. Presence counts the
// viewer's fellow members and never the viewer: the page rendered on the
// server (where the viewer's own stream is not yet open, and never will be
// with JavaScript off) and the live updates then agree, and a reader with
// three tabs open is not three readers.
func readersText(n int) string {
	switch n {
	case 0:
		return "no one else here now"
	case 1:
		return "1 other reader here now"
	}
	return fmt.Sprintf("%d other readers here now", n)
}

// countShared counts, for each group the viewer belongs to, the other
// members of that group who have the document open (only the viewer's own
// groups, and only members, whom the group page lists anyway), for a live
// stream: the streams of one reader on one document share one count while neither the document's
// readers (its presence stamp) nor the store (memberships, groups: its
// generation) changed, so presence work grows with readers, not streams.
// The count runs on its own, so a stream that leaves does not cancel it
// for the others.
func (p *presence) countShared(ctx context.Context, viewer store.Viewer, docID int64) ([]groupPresence, error) {
	if viewer.UserID == 0 {
		return nil, nil
	}
	gen := p.db.Generation() // before the count reads anything
	k := presenceKey{docID, viewer.UserID}
	p.mu.Lock()
	stamp := p.stamps[docID]
	c := p.counts[k]
	if c == nil || c.stamp != stamp || c.gen != gen {
		// The reader's groups change only with a commit: after one
		// who came or went, the last count's are still good.
		var ms []store.Membership
		if c != nil && c.gen == gen && c.ms != nil {
			select {
			case <-c.done:
				ms = c.ms
			default:
			}
		}
		c = &presenceCount{stamp: stamp, gen: gen, done: make(chan struct{})}
		p.counts[k] = c
		go func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
			if ms == nil {
				ms, c.err = p.db.Memberships(cctx, viewer.UserID)
			}
			if c.err == nil {
				c.ms = ms
				c.val, c.err = p.countIn(cctx, ms, viewer, docID)
			}
			cancel()
			if c.err != nil { // not kept: the next stream tries again
				p.mu.Lock()
				if p.counts[k] == c {
					delete(p.counts, k)
				}
				p.mu.Unlock()
			}
			close(c.done)
		}()
	}
	p.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// countIn is countShared's count, unshared, with the viewer's
// memberships at hand.
func (p *presence) countIn(ctx context.Context, ms []store.Membership, viewer store.Viewer, docID int64) ([]groupPresence, error) {
	p.computed.Add(1)
	out := make([]groupPresence, 0, len(ms))
	for _, m := range ms {
		here, err := p.membersHere(ctx, docID, m.Group.ID)
		if err != nil {
			return nil, err
		}
		gp := groupPresence{ID: m.Group.ID, Name: m.Group.Name, Readers: len(here)}
		if here[viewer.UserID] {
			gp.Readers-- // never the viewer
		}
		out = append(out, gp)
	}
	return out, nil
}

// membersHere returns the members of group with document doc open, shared
// by every reader counting while neither the document's readers (its
// presence stamp) nor the store (memberships: its generation) changed.
// The list runs on its own, so a reader who leaves does not cancel it for
// the others. The map is shared: read it, never change it.
func (p *presence) membersHere(ctx context.Context, doc, group int64) (map[int64]bool, error) {
	gen := p.db.Generation() // before the list reads anything
	p.mu.Lock()
	stamp := p.stamps[doc]
	gs := p.groups[doc]
	if gs == nil {
		gs = map[int64]*groupHere{}
		// Kept while the document has streams (leave drops it);
		// for a page of a document nobody streams, not kept.
		if p.docs[doc] != nil {
			p.groups[doc] = gs
		}
	}
	g := gs[group]
	if g == nil || g.stamp != stamp || g.gen != gen {
		g = &groupHere{stamp: stamp, gen: gen, done: make(chan struct{})}
		gs[group] = g
		go func() {
			gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
			g.here, g.err = p.listHere(gctx, doc, group)
			cancel()
			if g.err != nil { // not kept: the next reader tries again
				p.mu.Lock()
				if gs[group] == g {
					delete(gs, group)
				}
				p.mu.Unlock()
			}
			close(g.done)
		}()
	}
	p.mu.Unlock()
	select {
	case <-g.done:
		return g.here, g.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// listHere lists the members of group who have doc open now.
func (p *presence) listHere(ctx context.Context, doc, group int64) (map[int64]bool, error) {
	readers := p.readers(doc)
	if p.db.Shared() {
		others, err := p.db.OthersReading(ctx, doc)
		if err != nil {
			return nil, err
		}
		maps.Copy(readers, others)
	}
	here := map[int64]bool{}
	if len(readers) == 0 {
		return here, nil
	}
	p.listed.Add(1)
	members, err := p.db.Members(ctx, group)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if readers[m.User.ID] {
			here[m.User.ID] = true
		}
	}
	return here, nil
}
