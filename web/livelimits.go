package web

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits on live event streams. Each open stream holds a connection, a
// file descriptor and a goroutine for as long as its reader stays, so one
// client that opened thousands of them used up the server's file
// descriptors and it stopped accepting connections. Streams are counted
// per signed-in account, per address for readers who are not signed in,
// and in total; a stream over any limit is refused before it costs a query.
const (
	// defaultMaxStreams: all streams together. Keep it well under the
	// process's file-descriptor limit (ulimit -n), which pages, the
	// database and the listener need too.
	defaultMaxStreams = 4000
	// defaultMaxStreamsPerAccount: one stream per open tab of the essay;
	// nobody reads with more tabs than this.
	defaultMaxStreamsPerAccount = 32
	// defaultMaxStreamsPerAddress: readers who are not signed in are
	// counted by address. A class reading signed out behind one school
	// network shares it, so it is larger than one person needs.
	defaultMaxStreamsPerAddress = 64
	// streamRetryAfter is how many seconds a refused client is told to
	// wait (Retry-After). EventSource does not reconnect after a refusal
	// (any answer but 200 ends it), so a capped page cannot loop.
	streamRetryAfter = 30
	// streamUserTimeout is how long data sent on a stream's connection
	// may stay unacknowledged before the kernel gives the connection up
	// (TCP_USER_TIMEOUT, where the platform has it; see deadpeer_linux.go).
	// The heartbeat keeps data in flight, so a reader whose machine
	// vanished without closing the connection is let go within
	// heartbeat + streamUserTimeout. A write deadline alone does not do
	// that: a write to a dead peer succeeds as soon as the kernel has
	// buffered it, and a heartbeat never fills the buffer.
	streamUserTimeout = 30 * time.Second
	// maxStreamAge ends a stream after this long whatever happens;
	// EventSource reconnects after `retry:` with Last-Event-ID and misses
	// nothing. It frees a slot that a peer the kernel cannot judge (a
	// proxy that keeps answering for a reader who left, a platform
	// without TCP_USER_TIMEOUT) would otherwise hold.
	maxStreamAge = time.Hour
)

// streamSlots counts the open streams against the limits.
type streamSlots struct {
	maxTotal, maxAccount, maxAddress int

	mu        sync.Mutex
	total     int
	accounts  map[int64]int
	addresses map[string]int
}

func newStreamSlots(total, account, address int) *streamSlots {
	return &streamSlots{maxTotal: total, maxAccount: account, maxAddress: address,
		accounts: map[int64]int{}, addresses: map[string]int{}}
}

// acquire takes a slot for a stream of user (0: not signed in, counted by
// addr) or says which limit it is over. release gives the slot back; call
// it once, when the stream ends.
func (s *streamSlots) acquire(user int64, addr string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case user != 0 && s.accounts[user] >= s.maxAccount:
		return nil, streamsRefused(http.StatusTooManyRequests, fmt.Sprintf(
			"You have %d live streams of essays open, as many as one reader may. Close some tabs, then reload this page to see notes arrive again.", s.maxAccount))
	case user == 0 && s.addresses[addr] >= s.maxAddress:
		return nil, streamsRefused(http.StatusTooManyRequests, fmt.Sprintf(
			"Your address has %d live streams of essays open, as many as readers who are not signed in may share. Sign in, or close some tabs and reload.", s.maxAddress))
	case s.total >= s.maxTotal:
		return nil, streamsRefused(http.StatusServiceUnavailable,
			"glossa has as many live readers as it can take just now. The page works without live updates; reload it later to see notes arrive again.")
	}
	s.total++
	if user != 0 {
		s.accounts[user]++
	} else {
		s.addresses[addr]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.total--
			if user != 0 {
				if s.accounts[user]--; s.accounts[user] <= 0 {
					delete(s.accounts, user)
				}
			} else if s.addresses[addr]--; s.addresses[addr] <= 0 {
				delete(s.addresses, addr)
			}
		})
	}, nil
}

// open reports the streams counted now (for tests).
func (s *streamSlots) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// streamsRefused is the answer to a stream over a limit: an expected
// refusal, with Retry-After, and not logged (a client hammering the limit
// would otherwise fill the log).
func streamsRefused(status int, msg string) error {
	return &httpError{status: status, msg: msg, title: "Too many live streams", quiet: true,
		header: http.Header{"Retry-After": {strconv.Itoa(streamRetryAfter)}}}
}

// connKey is the context key of a request's connection (ConnContext).
type connKey struct{}

// ConnContext is for http.Server.ConnContext: it lets a live stream reach
// its connection and ask the kernel to give it up when its reader has
// vanished (see streamUserTimeout). cmd/glossa sets it; without it streams
// still end through their write deadlines and maxStreamAge.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// streamConn sets up the connection of a stream whose request is r for
// detecting a dead peer, when ConnContext gave us the connection.
func streamConn(r *http.Request) error {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	tcp, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	return setUserTimeout(tcp, streamUserTimeout)
}
