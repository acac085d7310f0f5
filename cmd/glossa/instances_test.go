package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"glossa/internal/pgtest"
	"glossa/store"
)

// TestInstancesShareOnePostgres runs three glossa servers on one
// PostgreSQL database, as behind a load balancer:
//
//   - a session made on one works on the others, and a sign-out on one
//     ends it on the others at once;
//   - a reader streaming from one is counted among the "readers here
//     now" of a fellow member streaming from another;
//   - readers' live streams, spread over the three, receive every note
//     written through any of them, in the log's order, none twice;
//   - one server is killed while writers write through all three: no
//     acknowledged note is lost, and its readers reconnect to another
//     and resume from their Last-Event-ID without a gap;
//   - the logs never show the database password.
func TestInstancesShareOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three glossa servers on PostgreSQL")
	}
	if !slices.Contains(pgtest.Dialects(), "postgres") {
		t.Skip("PostgreSQL not selected (GLOSSA_TEST_DB)")
	}
	const password = "never-logged-7f3a"
	plain := pgtest.NewDatabase(t, "glossa_cmd_template", func(url string) error {
		db, err := store.Open(context.Background(), url)
		if err != nil {
			return err
		}
		return db.Close()
	})
	// The throwaway server trusts loopback; a password in the URL is
	// there to be kept out of the logs.
	dsn := strings.Replace(plain, "postgres@", "postgres:"+password+"@", 1)
	token, anchor := setUpPostgres(t, dsn)

	servers := make([]*child, 3)
	for i := range servers {
		servers[i] = startServer(t, dsn)
	}
	defer func() {
		for _, c := range servers {
			c.kill()
			if strings.Contains(c.logs.String(), password) {
				t.Errorf("a server logged the database password:\n%s", c.logs.String())
			}
		}
	}()

	t.Run("sessions", func(t *testing.T) {
		cookie := signUpOn(t, servers[0].url, "bea")
		for i, c := range servers {
			if code := signedInStatus(t, c.url, cookie); code != http.StatusOK {
				t.Errorf("server %d: the session made on server 0 answers %d, want 200", i, code)
			}
		}
		signOutOn(t, servers[1].url, cookie)
		for i, c := range servers {
			if code := signedInStatus(t, c.url, cookie); code == http.StatusOK {
				t.Errorf("server %d: the session signed out on server 1 still works", i)
			}
		}
	})

	ann := signInOn(t, servers[0].url, "ann")
	t.Run("presence", func(t *testing.T) {
		// ann's group, which bea joins through another server.
		if code := postWith(t, servers[0].url+"/groups", ann, url.Values{"name": {"Seminar"}}); code != http.StatusSeeOther {
			t.Fatalf("create group: status %d", code)
		}
		db, err := sql.Open("pgx", plain)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var invite string
		if err := db.QueryRow(`SELECT invite_code FROM groups WHERE name = 'Seminar'`).Scan(&invite); err != nil {
			t.Fatal(err)
		}
		bea := signInOn(t, servers[1].url, "bea")
		if code := postWith(t, servers[1].url+"/join/"+invite, bea, nil); code != http.StatusSeeOther {
			t.Fatalf("join: status %d", code)
		}
		// bea reads on server 1; ann, on server 0, is told so.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang guard
		defer cancel()
		beaStream := openStream(t, ctx, servers[1].url, bea)
		defer beaStream.Close()
		annStream := openStream(t, ctx, servers[0].url, ann)
		defer annStream.Close()
		sc := bufio.NewScanner(annStream)
		for presence := false; sc.Scan(); {
			line := sc.Text()
			if line == "event: presence" {
				presence = true
				continue
			}
			if !presence || !strings.HasPrefix(line, "data: ") {
				continue
			}
			presence = false
			var m struct {
				Groups []struct{ Readers int }
			}
			if err := json.Unmarshal([]byte(line[6:]), &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Groups) == 1 && m.Groups[0].Readers == 1 {
				return
			}
		}
		t.Errorf("ann's stream on server 0 never counted bea, reading on server 1: %v", sc.Err())
	})

	// Six readers, two per server, from the start of the log, signed in
	// (on one server, for all) as the writer, who sees every note.
	ctx, stopReading := context.WithCancel(context.Background())
	defer stopReading()
	readers := make([]*sseReader, 6)
	for i := range readers {
		readers[i] = &sseReader{servers: servers, cookie: ann, start: i % 3, at: i % 3, progress: make(chan struct{}, 1)}
		go readers[i].run(ctx, t)
	}

	// Writers through every server; the third server dies meanwhile.
	var ack acked
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range servers {
		wg.Go(func() { writeNotes(t, c.url, token, anchor, fmt.Sprintf("writer %d", i), stop, &ack) })
	}
	waitAcked := func(n int) {
		for len(ack.snapshot()) < n && !t.Failed() {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitAcked(30)
	servers[2].kill()
	before := len(ack.snapshot())
	waitAcked(before + 60)
	close(stop)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// The log as the database has it, and every acknowledged note in it.
	log := eventLog(t, plain)
	inLog := map[string]bool{}
	for _, e := range log {
		inLog[e.note] = true
	}
	lost := 0
	for id := range ack.snapshot() {
		if !inLog[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged notes are not in the log", lost, len(ack.snapshot()))
	}

	// Every reader receives the whole log, in order, once.
	last := log[len(log)-1].id
	for i, r := range readers {
		r.waitFor(t, last)
		got := r.received()
		if !slices.Equal(got, log) {
			t.Errorf("reader %d (reconnected %d times) received %d events, the log has %d; first difference: %s",
				i, r.reconnects(), len(got), len(log), firstDifference(got, log))
		}
	}
	stopReading()
	if t.Failed() {
		for i, c := range servers {
			t.Logf("server %d log:\n%s", i, c.logs.String())
		}
	}
	moved := 0
	for _, r := range readers {
		if r.start == 2 {
			moved += r.reconnects()
		}
	}
	if moved == 0 {
		t.Error("the killed server's readers never reconnected: the test killed it too late")
	}
	t.Logf("%d notes acknowledged (%d before the kill), %d events, 6 readers", len(ack.snapshot()), before, len(log))
}

// setUpPostgres makes a user with an API token and publishes the essay,
// through glossa's commands, and returns the token and an anchor.
func setUpPostgres(t *testing.T, dsn string) (token, anchor string) {
	t.Helper()
	glossaRun(t, "correct horse\n", "user", "add", "-db", dsn, "ann")
	token = strings.TrimSpace(glossaRun(t, "", "token", "new", "-db", dsn, "ann"))
	glossaRun(t, "", "publish", "-db", dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT anchor FROM blocks ORDER BY revision_id DESC, position LIMIT 1 OFFSET 2`).Scan(&anchor); err != nil {
		t.Fatal(err)
	}
	return token, anchor
}

// logged is one event of the essay's log: its number and note.
type logged struct {
	id   int64
	note string
}

func (e logged) String() string { return fmt.Sprintf("%d:%s", e.id, e.note) }

func eventLog(t *testing.T, dsn string) []logged {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT e.seq, e.note_id FROM events e JOIN documents d ON d.id = e.document_id
		WHERE d.slug = $1 ORDER BY e.seq`, essay)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []logged
	for rows.Next() {
		var e logged
		if err := rows.Scan(&e.id, &e.note); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("the log is empty")
	}
	return out
}

func firstDifference(got, want []logged) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d got %s, want %s", i, got[i], want[i])
		}
	}
	if len(got) < len(want) {
		return fmt.Sprintf("missing from %s on", want[len(got)])
	}
	return fmt.Sprintf("extra from %s on", got[len(want)])
}

// sseReader is a reader's EventSource on the essay's live stream: it
// reads from one server, and when that one goes away, reconnects to the
// next with the Last-Event-ID it has.
type sseReader struct {
	servers  []*child
	cookie   *http.Cookie
	start    int // the server it read from first
	at       int // the server it reads from
	progress chan struct{}

	mu     sync.Mutex
	events []logged
	last   int64
	moves  int
}

func (r *sseReader) run(ctx context.Context, t *testing.T) {
	for ctx.Err() == nil {
		err := r.read(ctx)
		if ctx.Err() != nil {
			return
		}
		t.Logf("reader on server %d: %v; reconnecting to the next", r.at, err)
		r.mu.Lock()
		r.at = (r.at + 1) % len(r.servers)
		r.moves++
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

// read reads one connection's events until it ends.
func (r *sseReader) read(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "GET", r.servers[r.at].url+"/read/"+essay+"/events?after=0", nil)
	if err != nil {
		return err
	}
	req.AddCookie(r.cookie)
	r.mu.Lock()
	if r.last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(r.last, 10))
	}
	r.mu.Unlock()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	var (
		id    int64
		event string
		data  string
	)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event == "note" {
				var m struct {
					ID   int64  `json:"id"`
					Note string `json:"note"`
				}
				if err := json.Unmarshal([]byte(data), &m); err != nil {
					return err
				}
				r.mu.Lock()
				r.events = append(r.events, logged{id, m.Note})
				r.last = id
				r.mu.Unlock()
				select {
				case r.progress <- struct{}{}:
				default:
				}
			}
			id, event, data = 0, "", ""
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return fmt.Errorf("the stream ended")
}

// waitFor waits until the reader has received event last, or gives up
// after a minute of silence, failing.
func (r *sseReader) waitFor(t *testing.T, last int64) {
	t.Helper()
	for {
		r.mu.Lock()
		done := r.last >= last
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-r.progress:
		case <-time.After(time.Minute):
			t.Errorf("a reader stopped at event %d of %d", r.last, last)
			return
		}
	}
}

func (r *sseReader) received() []logged {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *sseReader) reconnects() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.moves
}

// signUpOn makes an account on the server at base and returns its
// session cookie.
func signUpOn(t *testing.T, base, name string) *http.Cookie {
	t.Helper()
	return sessionFrom(t, base+"/signup", url.Values{"name": {name}, "password": {"correct horse"}, "password2": {"correct horse"}})
}

// signInOn signs in on the server at base and returns the session cookie.
func signInOn(t *testing.T, base, name string) *http.Cookie {
	t.Helper()
	return sessionFrom(t, base+"/signin", url.Values{"name": {name}, "password": {"correct horse"}})
}

// sessionFrom posts the form and returns the session cookie it sets.
func sessionFrom(t *testing.T, to string, form url.Values) *http.Cookie {
	t.Helper()
	res, err := noRedirects.PostForm(to, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: status %d", to, res.StatusCode)
	}
	for _, c := range res.Cookies() {
		if c.Name == "glossa_session" {
			return c
		}
	}
	t.Fatalf("POST %s: no session cookie", to)
	return nil
}

// signedInStatus is the status of a page only a signed-in reader sees.
func signedInStatus(t *testing.T, base string, cookie *http.Cookie) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/notifications", nil)
	req.AddCookie(cookie)
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func signOutOn(t *testing.T, base string, cookie *http.Cookie) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/signout", nil)
	req.AddCookie(cookie)
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out on %s: status %d", base, res.StatusCode)
	}
}

var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// postWith posts the form with the session cookie and returns the status.
func postWith(t *testing.T, to string, cookie *http.Cookie, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest("POST", to, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// openStream opens the essay's live stream with the session cookie.
func openStream(t *testing.T, ctx context.Context, base string, cookie *http.Cookie) io.ReadCloser {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/read/"+essay+"/events", nil)
	req.AddCookie(cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		t.Fatalf("stream on %s: status %d", base, res.StatusCode)
	}
	return res.Body
}
