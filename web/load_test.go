package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadRun is one mixed-load run: what the clients saw, kept for the checks
// at the end.
type loadRun struct {
	t    *testing.T
	base string

	mu     sync.Mutex
	acked  map[string]string // note or reply id -> body last answered 2xx
	plain  []string          // bodies of notes created by plain forms (303, no id)
	bad    []string          // first few failures, for the report
	nBad   int
	counts map[string]int // requests by kind, for the log

	events atomic.Int64 // note events the SSE subscribers received
}

func (l *loadRun) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nBad++
	if len(l.bad) < 10 {
		l.bad = append(l.bad, fmt.Sprintf(format, args...))
	}
}

func (l *loadRun) count(kind string) {
	l.mu.Lock()
	l.counts[kind]++
	l.mu.Unlock()
}

func (l *loadRun) ack(id, body string) {
	l.mu.Lock()
	l.acked[id] = body
	l.mu.Unlock()
}

// send makes one request as c and checks what every answer must be: no 5xx
// and no "database is locked" in it. It returns the status and body, or
// status 0 on a transport error (a failure here: nothing kills the server).
func (l *loadRun) send(c *http.Client, kind, method, p string, body io.Reader, h http.Header) (int, []byte) {
	req, err := http.NewRequest(method, l.base+p, body)
	if err != nil {
		l.fail("%s: %v", kind, err)
		return 0, nil
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if req.Header.Get("Authorization") == "" {
		req.Header.Set("Sec-Fetch-Site", "same-origin") // as a browser on the page
	}
	res, err := c.Do(req)
	if err != nil {
		l.fail("%s %s %s: %v", kind, method, p, err)
		return 0, nil
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		l.fail("%s %s %s: reading the answer: %v", kind, method, p, err)
		return 0, nil
	}
	l.count(kind)
	if res.StatusCode >= 500 {
		l.fail("%s %s %s: %d %s", kind, method, p, res.StatusCode, truncate(string(b), 300))
	}
	if strings.Contains(strings.ToLower(string(b)), "database is locked") {
		l.fail("%s %s %s: %d says the database is locked", kind, method, p, res.StatusCode)
	}
	return res.StatusCode, b
}

func (l *loadRun) annotation(anchor, body string) io.Reader {
	return strings.NewReader(jsonOf(w3c(anchor, nil, body, "public")))
}

// apiWriter creates notes with an API token and edits every third one.
func (l *loadRun) apiWriter(ctx context.Context, name, token string, anchors []string) {
	c := &http.Client{Timeout: 30 * time.Second}
	auth := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/ld+json"}, "Accept": {"application/ld+json"}}
	for i := 0; ctx.Err() == nil; i++ {
		body := fmt.Sprintf("%s: API note %d, *Markdown* & ünïcode ✓ %x", name, i, rand.Uint64())
		st, b := l.send(c, "api create", "POST", "/api/documents/"+essaySlug+"/annotations/", l.annotation(anchors[i%len(anchors)], body), auth)
		if st != http.StatusCreated {
			if st != 0 {
				l.fail("api create: %d %s", st, truncate(string(b), 300))
			}
			continue
		}
		var a struct{ ID string }
		if err := json.Unmarshal(b, &a); err != nil || a.ID == "" {
			l.fail("api create: answer %s", truncate(string(b), 300))
			continue
		}
		id := path.Base(a.ID)
		l.ack(id, body)
		if i%3 == 0 {
			edited := body + " (edited)"
			h := auth.Clone()
			h.Set("If-Match", "*")
			if st, b := l.send(c, "api edit", "PUT", "/api/annotations/"+id, l.annotation(anchors[i%len(anchors)], edited), h); st == http.StatusOK {
				l.ack(id, edited)
			} else if st != 0 {
				l.fail("api edit: %d %s", st, truncate(string(b), 300))
			}
		}
	}
}

// formWriter writes as a signed-in reader through the page's forms: notes
// as the page's JavaScript posts them (JSON answer with the id) and as a
// plain form (303), edits and replies.
func (l *loadRun) formWriter(ctx context.Context, c *client, anchors []string) {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	js := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	var last string
	for i := 0; ctx.Err() == nil; i++ {
		anchor := anchors[i%len(anchors)]
		body := fmt.Sprintf("%s: form note %d <b>not bold</b> %x", c.name, i, rand.Uint64())
		v := url.Values{"anchor": {anchor}, "body": {body}, "audience": {"public"}}.Encode()
		switch i % 4 {
		case 0: // a plain form: Post/Redirect/Get
			if st, b := l.send(c.http, "form create", "POST", "/read/"+essaySlug+"/notes", strings.NewReader(v), form); st == http.StatusSeeOther {
				l.mu.Lock()
				l.plain = append(l.plain, body)
				l.mu.Unlock()
			} else if st != 0 {
				l.fail("form create: %d %s", st, truncate(string(b), 300))
			}
		case 1, 2: // as the page's script does
			st, b := l.send(c.http, "form create", "POST", "/read/"+essaySlug+"/notes", strings.NewReader(v), js)
			var out struct{ ID string }
			if st != http.StatusCreated || json.Unmarshal(b, &out) != nil || out.ID == "" {
				if st != 0 {
					l.fail("form create (JSON): %d %s", st, truncate(string(b), 300))
				}
				continue
			}
			l.ack(out.ID, body)
			last = out.ID
		case 3: // edit the last note, and reply to it
			if last == "" {
				continue
			}
			edited := body + " (edited)"
			ev := url.Values{"body": {edited}, "audience": {"public"}}.Encode()
			if st, b := l.send(c.http, "form edit", "POST", "/notes/"+last+"/edit", strings.NewReader(ev), form); st == http.StatusSeeOther {
				l.ack(last, edited)
			} else if st != 0 {
				l.fail("form edit: %d %s", st, truncate(string(b), 300))
			}
			reply := fmt.Sprintf("%s: a reply %d", c.name, i)
			st, b := l.send(c.http, "reply", "POST", "/notes/"+last+"/replies", strings.NewReader(url.Values{"body": {reply}}.Encode()), js)
			var out struct{ ID string }
			if st != http.StatusCreated || json.Unmarshal(b, &out) != nil || out.ID == "" {
				if st != 0 {
					l.fail("reply: %d %s", st, truncate(string(b), 300))
				}
				continue
			}
			l.ack(out.ID, reply)
		}
	}
}

// reader views pages: the essay, the library, and notes others wrote.
func (l *loadRun) reader(ctx context.Context, c *http.Client) {
	for i := 0; ctx.Err() == nil; i++ {
		p := "/read/" + essaySlug
		switch i % 4 {
		case 1:
			p = "/"
		case 2:
			l.mu.Lock()
			for id := range l.acked { // any one
				p = "/notes/" + id
				break
			}
			l.mu.Unlock()
		}
		if st, b := l.send(c, "page view", "GET", p, nil, nil); st != http.StatusOK && st != 0 {
			l.fail("GET %s: %d %s", p, st, truncate(string(b), 300))
		}
	}
}

// subscriber follows the essay's event stream until ctx ends.
func (l *loadRun) subscriber(ctx context.Context, c *http.Client) {
	req, _ := http.NewRequestWithContext(ctx, "GET", l.base+"/read/"+essaySlug+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			l.fail("events: %v", err)
		}
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		l.fail("events: %d", res.StatusCode)
		return
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if sc.Text() == "event: note" {
			l.events.Add(1)
		}
	}
}

// TestMixedLoad runs readers, writers (API with tokens, forms, edits,
// replies) and live subscribers together against a real server on
// loopback for a few seconds (GLOSSA_HEAVY=1: longer and more of each).
// Nobody may see a 5xx or "database is locked", and every note answered
// 2xx must be in the database afterwards with the body last acknowledged.
// It measures nothing: speed is for the benchmarks.
func TestMixedLoad(t *testing.T) {
	dur, apiWriters, formWriters, readers, subscribers := 3*time.Second, 3, 3, 4, 12
	if os.Getenv("GLOSSA_HEAVY") == "1" {
		dur, apiWriters, formWriters, readers, subscribers = 20*time.Second, 8, 8, 16, 200
	}
	var logs syncBuffer
	app := newApp(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	var anchors []string
	for i := range 5 {
		anchors = append(anchors, app.paragraph(t, i).Anchor)
	}
	l := &loadRun{t: t, base: app.ts.URL, acked: map[string]string{}, counts: map[string]int{}}

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	for i := range subscribers {
		c := app.signUp(t, fmt.Sprint("sub", i))
		wg.Go(func() { l.subscriber(ctx, c.http) })
	}
	for i := range apiWriters {
		name := fmt.Sprint("api", i)
		app.signUp(t, name)
		token := apiToken(t, app, name)
		wg.Go(func() { l.apiWriter(ctx, name, token, anchors) })
	}
	for i := range formWriters {
		c := app.signUp(t, fmt.Sprint("form", i))
		wg.Go(func() { l.formWriter(ctx, c, anchors) })
	}
	for i := range readers {
		c := app.client(t).http
		if i%2 == 0 {
			c = app.signUp(t, fmt.Sprint("reader", i)).http
		}
		wg.Go(func() { l.reader(ctx, c) })
	}
	wg.Wait()

	t.Logf("%s: %v; %d notes and replies acknowledged with ids, %d by plain forms; %d note events streamed",
		dur, l.counts, len(l.acked), len(l.plain), l.events.Load())
	for _, b := range l.bad {
		t.Error(b)
	}
	if l.nBad > len(l.bad) {
		t.Errorf("… and %d more failures", l.nBad-len(l.bad))
	}
	if len(l.acked) == 0 || len(l.plain) == 0 || l.counts["page view"] == 0 || l.counts["reply"] == 0 {
		t.Errorf("the load never got going: %v", l.counts)
	}
	if l.events.Load() == 0 {
		t.Error("no subscriber received a note event")
	}
	db := app.db.SQL()
	lost := 0
	for id, want := range l.acked {
		var got string
		if err := db.QueryRow(`SELECT body FROM notes WHERE id = ?`, id).Scan(&got); err != nil || got != want {
			if lost++; lost <= 5 {
				t.Errorf("note %s: %q, %v; want %q", id, got, err, want)
			}
		}
	}
	for _, want := range l.plain {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM notes WHERE body = ?`, want).Scan(&n); err != nil || n != 1 {
			if lost++; lost <= 10 {
				t.Errorf("plain-form note %q: %d in the database (%v), want 1", want, n, err)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d acknowledged notes missing or wrong", lost)
	}
	if s := logs.String(); strings.Contains(s, "level=ERROR") || strings.Contains(s, "database is locked") {
		t.Errorf("the server logged errors:\n%s", truncate(s, 3000))
	}
}

// syncBuffer is a log that goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
