package web

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLiveStreamLimits: streams are capped per account, per address for
// readers who are not signed in, and in total; a refusal is 429 or 503
// with Retry-After, never a stream; and a stream that ends gives its slot
// back.
func TestLiveStreamLimits(t *testing.T) {
	app := newApp(t, func(c *Config) {
		c.MaxStreams, c.MaxStreamsPerAccount, c.MaxStreamsPerAddress = 6, 2, 3
	})
	rita, mina := app.signUp(t, "rita"), app.signUp(t, "mina")
	anon := app.client(t)

	refused := func(c *client, status int) {
		t.Helper()
		res := c.do("GET", eventsPath, nil, http.Header{"Accept": {"text/event-stream"}})
		if res.StatusCode != status {
			res.Body.Close() // a stream would never end
			t.Fatalf("over the limit: status %d, want %d", res.StatusCode, status)
		}
		readBody(res)
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra <= 0 {
			t.Errorf("over the limit: Retry-After %q", res.Header.Get("Retry-After"))
		}
		if ct := res.Header.Get("Content-Type"); ct == "text/event-stream" {
			t.Errorf("over the limit: answered as a stream")
		}
	}

	// Per address, for readers who are not signed in (every test client
	// comes from 127.0.0.1).
	var anons []*sseStream
	for range 3 {
		anons = append(anons, anon.openStream(eventsPath, nil))
	}
	refused(anon, http.StatusTooManyRequests)
	refused(app.client(t), http.StatusTooManyRequests) // another browser, same address

	// Per account: signing in is not a way round the address's limit,
	// nor one account's way into another's share.
	r1 := rita.openStream(eventsPath, nil)
	r1.next("presence")
	rita.openStream(eventsPath, nil).next("presence")
	refused(rita, http.StatusTooManyRequests)

	// In total: 3 + 2 = 5 of 6.
	mina.openStream(eventsPath, nil).next("presence")
	refused(mina, http.StatusServiceUnavailable)

	// A stream that ends gives its slot back: rita closes a tab and opens
	// another, and so can a reader who is not signed in.
	r1.close()
	waitFor(t, "rita's closed stream to free its slot", func() bool { return app.srv.live.slots.open() == 5 })
	rita.openStream(eventsPath, nil).next("presence")
	anons[0].close()
	waitFor(t, "the closed anonymous stream to free its slot", func() bool { return app.srv.live.slots.open() == 5 })
	anon.openStream(eventsPath, nil)
	if n := app.srv.live.slots.open(); n != 6 {
		t.Errorf("%d streams counted, want 6", n)
	}
}

// TestLiveStreamDeadPeerTimeout: a stream's connection asks the kernel to
// give it up when what the server sent stays unacknowledged
// (TCP_USER_TIMEOUT): a write deadline cannot tell a vanished reader, since
// a write succeeds once the kernel has buffered it.
func TestLiveStreamDeadPeerTimeout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("TCP_USER_TIMEOUT is Linux's")
	}
	app := newApp(t)
	conns := make(chan net.Conn, 16)
	ts := httptest.NewUnstartedServer(app.srv)
	ts.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		conns <- c
		return ConnContext(ctx, c)
	}
	ts.Start()
	t.Cleanup(ts.Close) // after the stream's own cleanup, which closes it
	s := openStreamAt(t, &http.Client{}, ts.URL+eventsPath, nil)
	// The retry line has come: the handler has set up the connection.
	waitFor(t, "the stream to begin", func() bool { return strings.Contains(s.rawText(), "retry:") })
	var c net.Conn
	select {
	case c = <-conns:
	default:
		t.Fatal("no connection seen")
	}
	got, err := userTimeout(c.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	if got != streamUserTimeout {
		t.Errorf("the stream's connection has TCP_USER_TIMEOUT %v, want %v", got, streamUserTimeout)
	}
}

// TestLivePresenceWorkPerReader: presence is counted once per reader, not
// once per stream: twenty tabs of one account cost what one does, when
// they connect and when someone arrives.
func TestLivePresenceWorkPerReader(t *testing.T) {
	app := newApp(t)
	app.srv.presence.setDebounce(10 * time.Millisecond)
	tess, rita, mina := app.signUp(t, "tess"), app.signUp(t, "rita"), app.signUp(t, "mina")
	app.newGroup(t, "Seminar A", tess, rita, mina)

	const tabs = 20
	before := app.srv.presence.computed.Load()
	var streams []*sseStream
	for range tabs {
		s := rita.openStream(eventsPath, nil)
		if g := s.presence(); len(g) != 1 || g[0].Readers != 0 {
			t.Fatalf("rita's presence on connecting: %+v", g)
		}
		streams = append(streams, s)
	}
	if n := app.srv.presence.computed.Load() - before; n > 2 {
		t.Errorf("%d tabs of one reader made %d presence counts on connecting, want 1 or 2", tabs, n)
	}

	// mina arrives: every tab of rita's is told, from one count.
	before = app.srv.presence.computed.Load()
	m := mina.openStream(eventsPath, nil)
	if g := m.presence(); len(g) != 1 || g[0].Readers != 1 {
		t.Fatalf("mina's presence: %+v", g)
	}
	for i, s := range streams {
		if g := s.presence(); len(g) != 1 || g[0].Readers != 1 {
			t.Fatalf("rita's tab %d when mina came: %+v", i, g)
		}
	}
	// rita once, mina once (on connecting, and perhaps again at the ring
	// her own arrival caused).
	if n := app.srv.presence.computed.Load() - before; n > 3 {
		t.Errorf("one arrival made %d presence counts for 2 readers with %d streams, want at most 3", n, tabs+1)
	}
}
