package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"glossa/store"
)

// dbSnapshot is every row of every table of a database, as text, table by
// table, so two snapshots compare equal exactly when nothing was written.
func dbSnapshot(t *testing.T, a *testApp) map[string][]string {
	t.Helper()
	db := a.db.SQL()
	q := `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`
	if testDialect == "postgres" {
		q = `SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	snap := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%q", vals))
		}
		rows.Close()
		slices.Sort(out)
		snap[table] = out
	}
	return snap
}

// diffSnapshots names the tables whose rows changed.
func diffSnapshots(before, after map[string][]string) []string {
	var changed []string
	for table, rows := range after {
		if !slices.Equal(before[table], rows) {
			changed = append(changed, fmt.Sprintf("%s (%d rows before, %d after)", table, len(before[table]), len(rows)))
		}
	}
	for table := range before {
		if _, ok := after[table]; !ok {
			changed = append(changed, table+" (gone)")
		}
	}
	slices.Sort(changed)
	return changed
}

// Nobody writes anything without an account: every route the server has,
// asked with every method it answers, by a visitor who is not signed in
// (with no cookie, and with a session cookie the server never made), and
// the guide switch posted over and over, leave every table as it was,
// the sessions table included. Before, each anonymous POST /prefs/guide
// stored a new session row, kept for two weeks.
func TestAnonymousRequestsWriteNothing(t *testing.T) {
	app := newApp(t)
	tess, ann := app.signUp(t, "tess"), app.signUp(t, "ann")
	g := app.newGroup(t, "Seminar", tess, ann)
	p := app.paragraph(t, 0)
	note := grpNote(t, app, ann, p.Anchor, store.Public, 0, "a public note", false)
	grpReply(t, app, tess, note.ID, "a reply")
	grpNote(t, app, tess, p.Anchor, store.Members, g.ID, "a guide note", false)
	// Signing in again made the rows a signed-in reader has; they stay.
	tess.get("/").Body.Close()

	mux, ok := app.srv.handler.(chi.Routes)
	if !ok {
		t.Fatalf("the server's handler is a %T, not a chi router", app.srv.handler)
	}
	type call struct{ method, path string }
	var calls []call
	gid, uid := strconv.FormatInt(g.ID, 10), strconv.FormatInt(grpUID(t, app, "ann"), 10)
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/static/") || strings.HasSuffix(route, "/events") {
			return nil // files; and a stream, which never ends by itself (it reads only)
		}
		id := note.ID
		if strings.HasPrefix(route, "/groups/") || strings.HasPrefix(route, "/api/groups/") {
			id = gid
		} else if strings.HasPrefix(route, "/api/flags/") {
			id = "1"
		}
		path := strings.NewReplacer("{slug}", essaySlug, "{id}", id, "{userID}", uid, "{flagID}", "1", "{n}", "1",
			"{anchor}", p.Anchor, "{code}", g.InviteCode, "{kind}", "helpful", "*", "x").Replace(route)
		calls = append(calls, call{method, path})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 50 {
		t.Fatalf("only %d routes found: %v", len(calls), calls)
	}
	form := url.Values{
		"body": {"anonymous words"}, "anchor": {p.Anchor}, "audience": {"public"}, "show": {"0"}, "next": {"/"},
		"reason": {"a reason"}, "role": {"teacher"}, "name": {"Anonymous group"}, "tags": {"x"}, "on": {"1"},
		"password": {"correct horse"}, "password2": {"not the same"}, // sign-up fails; sign-in as "Anonymous group" too
	}.Encode()

	before := dbSnapshot(t, app)
	strangers := []*client{app.client(t), app.client(t)}
	u, _ := url.Parse(app.ts.URL)
	strangers[1].http.Jar.SetCookies(u, []*http.Cookie{{Name: "glossa_session", Value: "made-up-by-the-client"}})
	for _, c := range strangers {
		for _, k := range calls {
			for _, h := range []http.Header{
				{"Content-Type": {"application/x-www-form-urlencoded"}},
				{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}},
			} {
				var body *strings.Reader
				if k.method != http.MethodGet && k.method != http.MethodHead {
					body = strings.NewReader(form)
				} else {
					body = strings.NewReader("")
				}
				res := c.do(k.method, k.path, body, h)
				readBody(res)
				if res.StatusCode >= 500 {
					t.Errorf("%s %s signed out: %d", k.method, k.path, res.StatusCode)
				}
				for _, ck := range res.Cookies() {
					if ck.Name == "glossa_session" && ck.MaxAge >= 0 {
						t.Errorf("%s %s signed out set a session cookie", k.method, k.path)
					}
				}
			}
		}
		for i := range 100 {
			v := url.Values{"show": {strconv.Itoa(i % 2)}, "next": {"/read/" + essaySlug}}
			res := c.postForm("/prefs/guide", v)
			readBody(res)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("guide switch %d: %d", i, res.StatusCode)
			}
		}
	}
	if changed := diffSnapshots(before, dbSnapshot(t, app)); len(changed) > 0 {
		t.Errorf("%d routes × methods asked and 200 guide switches posted, signed out, changed the database: %s",
			len(calls), strings.Join(changed, "; "))
	}
}

// The guide switch works for a reader who is not signed in and has no
// JavaScript: the form posts, the choice comes back as a plain cookie (no
// session), and the reading page they are sent back to says so. Signing in
// keeps it: it is the browser's choice.
func TestGuidePreferenceSignedOutWithoutJS(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	guide := func(c *client) string {
		t.Helper()
		return attr(query(c.page("/read/"+essaySlug, http.StatusOK), "article.doc"), "data-guide")
	}
	if got := guide(c); got != "on" {
		t.Fatalf("the guide layer starts %q, want on", got)
	}
	res := c.postForm("/prefs/guide", url.Values{"show": {"0"}, "next": {"/read/" + essaySlug}})
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/read/"+essaySlug {
		t.Fatalf("hide the guide: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	var got []string
	for _, ck := range res.Cookies() {
		got = append(got, ck.Name+"="+ck.Value)
		if ck.Name == guideCookie && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge < 30*24*3600) {
			t.Errorf("guide cookie %+v: want HttpOnly, SameSite=Lax, Path=/ and kept for months", ck)
		}
	}
	if !slices.Equal(got, []string{guideCookie + "=off"}) {
		t.Errorf("cookies set: %v, want only %s=off", got, guideCookie)
	}
	if got := guide(c); got != "off" {
		t.Errorf("after hiding it, signed out: data-guide=%q", got)
	}
	res = c.postForm("/prefs/guide", url.Values{"show": {"1"}, "next": {"/read/" + essaySlug}})
	readBody(res)
	if got := guide(c); got != "on" {
		t.Errorf("after showing it again: data-guide=%q", got)
	}
	readBody(c.postForm("/prefs/guide", url.Values{"show": {"0"}, "next": {"/"}}))
	res = c.postForm("/signup", url.Values{"name": {"ann"}, "password": {"correct horse"}, "password2": {"correct horse"}})
	readBody(res)
	if got := guide(c); got != "off" {
		t.Errorf("after signing up: data-guide=%q, want the choice made signed out", got)
	}
}

// State-changing requests by nobody in particular are limited per
// address, with the writers' budget: they write nothing, but each one
// still costs work. A signed-in reader at the same address is not
// touched (their budget is their own), and reading goes on.
func TestAnonymousWritesLimitedPerAddress(t *testing.T) {
	app := newApp(t, func(c *Config) { c.WriteLimit = 5 })
	ann := app.signUp(t, "ann") // one anonymous POST: the sign-up
	a, b := app.client(t), app.client(t)
	for range 2 {
		readBody(a.postForm("/prefs/guide", url.Values{"show": {"0"}}))
		readBody(b.postForm("/prefs/guide", url.Values{"show": {"0"}}))
	}
	checkTooMany(t, "6th anonymous POST from the address", a.postForm("/prefs/guide", url.Values{"show": {"0"}}),
		"Too many requests from this address")
	checkTooMany(t, "an anonymous API write from the address", b.do("POST", "/api/documents/"+essaySlug+"/annotations/",
		strings.NewReader(`{}`), http.Header{"Content-Type": {"application/ld+json"}}), "Too many requests from this address")
	if res := a.get("/read/" + essaySlug); res.StatusCode != http.StatusOK {
		t.Errorf("reading while limited: %d", res.StatusCode)
	} else {
		readBody(res)
	}
	ann.createNote(app.paragraph(t, 0).Anchor, "", "ann is not limited by strangers", "private")
}
