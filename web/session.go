package web

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"

	"glossa/store"
)

// Sessions, and why reading a page writes nothing.
//
// scs keeps each session in the database's "sessions" table, so a restart
// keeps readers signed in. Its own idle timeout works by storing the
// session again at the end of every request, with a new expiry: every page
// a signed-in reader loaded was a write transaction with its fsync (a CPU
// profile of signed-in page views spent 36% of its time in that commit),
// and on the database's one write connection, so signed-in readers queued
// behind each other and behind every note being written.
//
// So scs is given no idle timeout (its Lifetime, the absolute one, stays),
// and sessionStore keeps the idle deadline instead: the row's expiry is
// the earlier of the absolute deadline and the last refresh plus
// sessionIdle, and a request moves it on only when that would move it by
// more than sessionRefresh. A reader who keeps reading costs one small
// UPDATE every few minutes instead of one per page, and the idle timeout
// is sessionIdle to within sessionRefresh (two weeks, give or take five
// minutes). Nothing else a GET does writes: scs stores a session only when
// a handler changes it (sign-in, a group's one-time notice).
//
// Reads are cheap too. A session is found on the read pool, never the
// write connection, and kept in memory for sessionTrust, so a reader's
// next pages find it without asking the database. The cache cannot outlive
// a sign-out: every write of this process (sign-in, sign-out, a change,
// a refresh) goes through Commit or Delete, which drop the token's entry
// once the database has it; a read that began before such a write never
// stores what it read (the writes counter); and every tab of a reader
// sends the same token, so a sign-out in one ends the others' at once.
// Writes by other processes (an operator deleting rows with sqlite3, say)
// are seen within a second: watchOthers drops the whole cache when
// another connection commits, and sessionTrust bounds it regardless.
//
// On PostgreSQL nothing is cached: other instances serve the same
// sessions, and a sign-out on one must end the session on all of them
// the moment it commits, not a notice's trip later (a reader signing out
// of a shared computer, the next request going to another instance). A
// notice dropping the entry would leave that window, however short; a
// read of one row by its key on the read pool, per signed-in request,
// leaves none, and the sessions table is then the one truth, as scs's
// own PostgreSQL store has it.

const (
	sessionLifetime = 30 * 24 * time.Hour // signed in at most this long
	sessionIdle     = 14 * 24 * time.Hour // signed out after this long unused
	sessionRefresh  = 5 * time.Minute     // the idle deadline moves at most this often
	sessionTrust    = time.Minute         // a cached session is asked for again after this
	sessionCache    = 4 << 20             // bytes of cached sessions (a few hundred bytes each)
	sessionCleanup  = 10 * time.Minute    // expired rows are deleted this often
)

// sessionStore is scs's Store (and CtxStore) over the store's session
// rows, with the idle deadline and the cache described above.
type sessionStore struct {
	db  *store.DB
	log *slog.Logger
	// now is the clock; tests move it.
	now func() time.Time
	// codec is the session manager's, for the deadline inside the data.
	codec sessionCodec

	mu     sync.Mutex // orders writes against cache fills
	writes uint64     // counts Commit, Delete, refreshes and forget
	cache  *byteLRU[*sessionEntry]
	// trust is how long a cached session is believed: sessionTrust, or
	// 0 (never cached) when other instances share the database.
	trust time.Duration

	stop chan struct{}
	done chan struct{}
}

// sessionEntry is a session as read from the database.
type sessionEntry struct {
	data   []byte
	expiry time.Time // the row's expiry: the idle deadline or the absolute one
	read   time.Time // when it was read
	// final: the expiry is the absolute deadline, or too near it to move
	// (refresh found so; it does not decode the data again).
	final atomic.Bool
}

func newSessionStore(db *store.DB, log *slog.Logger) *sessionStore {
	s := &sessionStore{db: db, log: log, now: time.Now, codec: newSessionCodec(),
		cache: newByteLRU(sessionCache, func(_ string, e *sessionEntry) int { return len(e.data) + 64 }),
		stop:  make(chan struct{}), done: make(chan struct{}), trust: sessionTrust}
	if db.Shared() {
		s.trust = 0
	}
	go s.cleanup()
	return s
}

// FindCtx returns the session's data while it has not expired. A session
// whose idle deadline would move by more than sessionRefresh is refreshed
// first; a failed refresh is logged and the session still found (it stays
// good until its stored expiry, and the next request tries again).
func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.find(ctx, token, true)
}

// Find is FindCtx without moving the idle deadline: scs calls FindCtx for
// a reader's requests, and Find is for checks that are not one, such as
// the live stream's heartbeat asking whether its reader has signed out
// (a tab left open is not a reader coming back).
func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.find(context.Background(), token, false)
}

func (s *sessionStore) find(ctx context.Context, token string, touch bool) ([]byte, bool, error) {
	now := s.now()
	e, ok := s.cache.get(token)
	if !ok || now.Sub(e.read) >= s.trust || now.Before(e.read) {
		s.mu.Lock()
		seen := s.writes
		s.mu.Unlock()
		row, err := s.db.FindSession(ctx, token)
		if errors.Is(err, store.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		e = &sessionEntry{data: row.Data, expiry: row.Expiry, read: now}
		s.mu.Lock()
		if s.writes == seen && s.trust > 0 {
			s.cache.put(token, e)
		}
		s.mu.Unlock()
	}
	if !now.Before(e.expiry) {
		return nil, false, nil
	}
	if touch && now.Add(sessionIdle).Sub(e.expiry) > sessionRefresh && !e.final.Load() {
		s.refresh(ctx, token, e, now)
	}
	return e.data, true, nil
}

// sessionCodec is scs's gob encoding, with what it decoded kept by the
// encoded bytes: decoding a session afresh at every request (gob builds
// its decoder from the type descriptions each encoding carries) was about
// half of the time glossa spent on a cached page for a signed-in reader.
// The same bytes always decode to the same session, so nothing here needs
// invalidating; each request gets its own copy of the values, which scs
// changes in place. The values are int64, bool and string, so a shallow
// copy is a copy.
type sessionCodec struct {
	lru *byteLRU[decodedSession]
}

type decodedSession struct {
	deadline time.Time
	values   map[string]any
}

func newSessionCodec() sessionCodec {
	return sessionCodec{lru: newByteLRU(sessionCache, func(k string, d decodedSession) int { return len(k) + 64*len(d.values) })}
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	return scs.GobCodec{}.Encode(deadline, values)
}

func (c sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if d, ok := c.lru.get(string(b)); ok {
		return d.deadline, maps.Clone(d.values), nil
	}
	deadline, values, err := scs.GobCodec{}.Decode(b)
	if err != nil {
		return deadline, values, err
	}
	c.lru.put(string(b), decodedSession{deadline: deadline, values: maps.Clone(values)})
	return deadline, values, nil
}

// refresh moves the session's idle deadline to now+sessionIdle, never past
// its absolute deadline (which scs keeps inside the data).
func (s *sessionStore) refresh(ctx context.Context, token string, e *sessionEntry, now time.Time) {
	deadline, _, err := s.codec.Decode(e.data)
	if err != nil {
		return // scs will refuse it too, and say so
	}
	next := now.Add(sessionIdle)
	if deadline.Before(next) {
		next = deadline
	}
	if next.Sub(e.expiry) <= sessionRefresh {
		e.final.Store(true) // at the absolute deadline already, or nearly
		return
	}
	if err := s.db.ExtendSession(ctx, token, next); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.log.Error("refresh session", "err", err)
		}
		return
	}
	s.forgetToken(token)
}

// CommitCtx stores the session. scs passes its absolute deadline (it has
// no idle timeout of its own); the row expires at the idle deadline when
// that comes first.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, deadline time.Time) error {
	expiry := s.now().Add(sessionIdle)
	if deadline.Before(expiry) {
		expiry = deadline
	}
	err := s.db.SaveSession(ctx, token, b, expiry)
	s.forgetToken(token) // whether or not it was written: the database says
	return err
}

// DeleteCtx ends the session, in the database and then in the cache.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	err := s.db.DeleteSession(ctx, token)
	s.forgetToken(token)
	return err
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// forgetToken drops the token's cached session after a write, and keeps
// any read that began before the write from storing what it read.
func (s *sessionStore) forgetToken(token string) {
	s.mu.Lock()
	s.writes++
	s.cache.delete(token)
	s.mu.Unlock()
}

// forget drops every cached session: another process wrote to the
// database, and it may have ended some.
func (s *sessionStore) forget() {
	s.mu.Lock()
	s.writes++
	s.cache.clear()
	s.mu.Unlock()
}

// cleanup deletes expired rows every sessionCleanup until StopCleanup.
func (s *sessionStore) cleanup() {
	defer close(s.done)
	t := time.NewTicker(sessionCleanup)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, err := s.db.DeleteExpiredSessions(context.Background(), s.now()); err != nil {
				s.log.Error("delete expired sessions", "err", err)
			}
		}
	}
}

// StopCleanup stops the cleanup and waits for it.
func (s *sessionStore) StopCleanup() {
	close(s.stop)
	<-s.done
}

// userCache keeps the accounts of the readers signed in, by id, for
// sessionTrust: every signed-in request needs its reader's account, and an
// account never changes while glossa runs (names are fixed, and no route
// deletes one). Writes by other processes drop it, as they drop the
// sessions.
type userCache struct {
	lru *byteLRU[cachedUser]
	now func() time.Time
}

type cachedUser struct {
	u    store.User
	read time.Time
}

func newUserCache() *userCache {
	return &userCache{now: time.Now, lru: newByteLRU(1<<20, func(_ string, c cachedUser) int { return len(c.u.Name) + 48 })}
}

// user returns the account with id, from the cache or the database.
func (c *userCache) user(ctx context.Context, db *store.DB, id int64) (store.User, error) {
	key := strconv.FormatInt(id, 10)
	now := c.now()
	if cu, ok := c.lru.get(key); ok && now.Sub(cu.read) < sessionTrust && !now.Before(cu.read) {
		return cu.u, nil
	}
	u, err := db.User(ctx, id)
	if err != nil {
		return u, err
	}
	c.lru.put(key, cachedUser{u: u, read: now})
	return u, nil
}

func (c *userCache) forget() { c.lru.clear() }
