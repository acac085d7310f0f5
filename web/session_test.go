package web

import (
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"glossa/store"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// useClock makes the app's sessions and account cache read c.
func (a *testApp) useClock(c *fakeClock) {
	a.srv.sessStor.now = c.now
	a.srv.users.now = c.now
}

// dataVersion watches the app's database from a connection of its own:
// SQLite's data_version moves whenever any other connection commits, so
// an unchanged number means nothing was written.
type dataVersion struct {
	t  *testing.T
	db *sql.DB
}

func watchWrites(t *testing.T, a *testApp) *dataVersion {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(a.dir, "glossa.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // data_version is per connection
	t.Cleanup(func() { db.Close() })
	return &dataVersion{t: t, db: db}
}

func (d *dataVersion) get() int64 {
	d.t.Helper()
	var v int64
	if err := d.db.QueryRow(`PRAGMA data_version`).Scan(&v); err != nil {
		d.t.Fatal(err)
	}
	return v
}

// signedInAs reports the name in the page header, or "" when signed out.
func signedInAs(c *client) string {
	c.t.Helper()
	return text(query(c.page("/", http.StatusOK), ".who"))
}

// A signed-in reader's GETs write nothing: not the session (scs with an
// idle timeout stored it again after every request), not anything else.
// Before, each of these pages was a write transaction.
func TestSignedInGetsWriteNothing(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	note := grpNote(t, app, ann, p.Anchor, store.Private, 0, "a private note", false)
	paths := []string{"/", "/read/" + essaySlug, "/notes/" + note.ID, "/read/" + essaySlug + "/notes/" + p.Anchor,
		"/notebook", "/groups", "/read/" + essaySlug + "/blocks/" + p.Anchor}
	// Warm what is made once (rendered bodies, pages): a first view may
	// fill caches, which are memory.
	for _, path := range paths {
		readBody(ann.get(path))
	}
	dv := watchWrites(t, app)
	before := dv.get()
	for range 3 {
		for _, path := range paths {
			res := ann.get(path)
			body := readBody(res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", path, res.StatusCode)
			}
			if path == "/read/"+essaySlug && !strings.Contains(body, "a private note") {
				t.Fatalf("GET %s does not show ann's note: not signed in?", path)
			}
			if c := res.Header.Values("Set-Cookie"); len(c) > 0 {
				t.Errorf("GET %s set cookies %q", path, c)
			}
		}
	}
	if after := dv.get(); after != before {
		t.Errorf("signed-in GETs wrote to the database (data_version %d → %d)", before, after)
	}
}

// The idle deadline is kept without writing on every request: a reader
// who keeps coming back stays signed in (one refresh at most every
// sessionRefresh), one who stays away sessionIdle is signed out, and
// nobody stays signed in past sessionLifetime.
func TestSessionIdleDeadline(t *testing.T) {
	app := newApp(t)
	clock := &fakeClock{t: time.Now()}
	app.useClock(clock)
	ann := app.signUp(t, "ann")
	dv := watchWrites(t, app)

	// Within the refresh interval: no write.
	clock.advance(sessionRefresh - time.Second)
	v := dv.get()
	if got := signedInAs(ann); !strings.Contains(got, "ann") {
		t.Fatalf("signed in as %q", got)
	}
	if dv.get() != v {
		t.Error("a request within the refresh interval wrote")
	}
	// Past it: one write, then none again for a while.
	clock.advance(2 * time.Second)
	signedInAs(ann)
	if dv.get() == v {
		t.Error("a request past the refresh interval did not move the idle deadline")
	}
	v = dv.get()
	for range 3 {
		clock.advance(time.Minute)
		signedInAs(ann)
	}
	if dv.get() != v {
		t.Error("requests after a refresh wrote again within the interval")
	}

	// The live stream's heartbeat asks whether the session is there,
	// which is not the reader coming back: it moves nothing.
	clock.advance(sessionRefresh + time.Minute)
	token := ""
	u, _ := url.Parse(app.ts.URL)
	for _, ck := range ann.http.Jar.Cookies(u) {
		if ck.Name == "glossa_session" {
			token = ck.Value
		}
	}
	v = dv.get()
	if _, found, err := app.srv.sessStor.Find(token); !found || err != nil {
		t.Fatalf("the heartbeat's Find: found %v, %v", found, err)
	}
	if dv.get() != v {
		t.Error("the heartbeat's Find moved the idle deadline")
	}

	// Away for less than the idle timeout: still signed in, and the
	// visit moves the deadline on.
	clock.advance(sessionIdle - time.Hour)
	if got := signedInAs(ann); !strings.Contains(got, "ann") {
		t.Fatalf("after %v away: signed in as %q, want ann", sessionIdle-time.Hour, got)
	}
	clock.advance(sessionIdle - time.Hour)
	if got := signedInAs(ann); !strings.Contains(got, "ann") {
		t.Fatalf("after a second %v away: signed in as %q, want ann", sessionIdle-time.Hour, got)
	}
	// The absolute lifetime ends it however often the reader comes.
	for clock.now().Before(time.Now().Add(sessionLifetime - 2*24*time.Hour)) {
		clock.advance(24 * time.Hour)
		if got := signedInAs(ann); !strings.Contains(got, "ann") {
			t.Fatalf("signed out at %v, before the lifetime", clock.now().Sub(time.Now()))
		}
	}
	clock.advance(3 * 24 * time.Hour)
	if got := signedInAs(ann); got != "" {
		t.Fatalf("still signed in as %q past the session's lifetime", got)
	}
}

// A reader away for longer than sessionIdle is signed out.
func TestSessionIdleTimeout(t *testing.T) {
	app := newApp(t)
	clock := &fakeClock{t: time.Now()}
	app.useClock(clock)
	bea := app.signUp(t, "bea")
	if got := signedInAs(bea); !strings.Contains(got, "bea") {
		t.Fatalf("signed in as %q", got)
	}
	clock.advance(sessionIdle - time.Minute)
	if got := signedInAs(bea); !strings.Contains(got, "bea") {
		t.Fatalf("signed out after %v idle: %q", sessionIdle-time.Minute, got)
	}
	clock.advance(sessionIdle + time.Minute)
	if got := signedInAs(bea); got != "" {
		t.Fatalf("still signed in as %q after %v idle", got, sessionIdle+time.Minute)
	}
}

// Signing out ends the session at once, in every tab (they share the
// cookie), though the tabs' requests had just found it in the cache.
func TestSignOutEndsEveryTabAtOnce(t *testing.T) {
	app := newApp(t)
	tab1 := app.signUp(t, "ann")
	tab2 := app.client(t)
	u, _ := url.Parse(app.ts.URL)
	tab2.http.Jar.SetCookies(u, tab1.http.Jar.Cookies(u))
	for _, tab := range []*client{tab1, tab2, tab1, tab2} {
		if got := signedInAs(tab); !strings.Contains(got, "ann") {
			t.Fatalf("signed in as %q", got)
		}
	}
	res := tab1.postForm("/signout", nil)
	readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if got := signedInAs(tab2); got != "" {
		t.Fatalf("the other tab is still signed in as %q", got)
	}
	if got := signedInAs(tab1); got != "" {
		t.Fatalf("the tab that signed out is still signed in as %q", got)
	}
}

// Sessions survive a restart (they are rows in the database), and one an
// operator deletes from the database with another program ends within
// the watch interval, though this process had it cached.
func TestSessionsSurviveRestartAndOthersEndThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "glossa.db")
	app := newAppAt(t, path)
	ann := app.signUp(t, "ann")
	u, _ := url.Parse(app.ts.URL)
	cookies := ann.http.Jar.Cookies(u)
	app.close()

	app = newAppAt(t, path, withWatchEvery(10*time.Millisecond))
	again := app.client(t)
	u, _ = url.Parse(app.ts.URL)
	again.http.Jar.SetCookies(u, cookies)
	if got := signedInAs(again); !strings.Contains(got, "ann") {
		t.Fatalf("after a restart: signed in as %q, want ann", got)
	}

	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(`DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second) // a bound, not a measure: the watch runs every 10 ms
	for signedInAs(again) != "" {
		if time.Now().After(deadline) {
			t.Fatal("a session deleted by another process still signs the reader in")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
