package web

import (
	"context"
	"fmt"
	"glossa/store"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// apiToken makes an API token for a user, as "glossa token new" does.
func apiToken(t *testing.T, app *testApp, name string) string {
	t.Helper()
	u, _, err := app.db.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	token := store.NewToken()
	if err := app.db.CreateToken(context.Background(), u.ID, store.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	return token
}

// checkTooMany expects a 429 with Retry-After in seconds and a message
// saying what happened.
func checkTooMany(t *testing.T, what string, res *http.Response, says string) {
	t.Helper()
	body := readBody(res)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("%s: %d, want 429\n%s", what, res.StatusCode, truncate(body, 500))
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s <= 0 || s > 60 {
		t.Errorf("%s: Retry-After %q, want seconds up to a minute", what, res.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, says) {
		t.Errorf("%s: the answer does not say %q:\n%s", what, says, truncate(body, 500))
	}
}

// A reader's writes are limited per user, forms and API together: over
// the limit, 429 with Retry-After and nothing written; reads go on, and
// other readers behind the same address are not touched.
func TestWriteRateLimitPerUser(t *testing.T) {
	app := newApp(t, func(c *Config) { c.WriteLimit = 5 })
	ann, bob := app.signUp(t, "ann"), app.signUp(t, "bob")
	token := apiToken(t, app, "ann")
	p := app.paragraph(t, 0)
	for i := range 4 {
		ann.createNote(p.Anchor, "", fmt.Sprint("form note ", i), "private")
	}
	script := app.client(t)
	auth := http.Header{"Authorization": {"Bearer " + token}}
	res := script.apiJSON("POST", "/api/documents/"+essaySlug+"/annotations/", w3c(p.Anchor, nil, "API note 5", ""), auth, nil)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("5th write: %d", res.StatusCode)
	}

	res = ann.postForm("/read/"+essaySlug+"/notes", url.Values{"anchor": {p.Anchor}, "body": {"one too many"}, "audience": {"private"}})
	checkTooMany(t, "6th write by form", res, "too many changes")
	res = script.do("POST", "/api/documents/"+essaySlug+"/annotations/",
		strings.NewReader(jsonOf(w3c(p.Anchor, nil, "API one too many", ""))),
		http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/ld+json"}})
	if res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("API 429 as %q, want JSON", res.Header.Get("Content-Type"))
	}
	checkTooMany(t, "6th write by API", res, "too many changes")

	var n int
	if err := app.db.SQL().QueryRow(`SELECT count(*) FROM notes`).Scan(&n); err != nil || n != 5 {
		t.Errorf("%d notes written (%v), want the 5 allowed", n, err)
	}
	if res := ann.get("/read/" + essaySlug); res.StatusCode != 200 {
		t.Errorf("reading while limited: %d", res.StatusCode)
	} else {
		res.Body.Close()
	}
	bob.createNote(p.Anchor, "", "bob is not limited by ann", "private")
}

// The per-address limit on sign-in answers 429 with Retry-After and says
// why.
func TestSignInLimitSaysWhy(t *testing.T) {
	app := newApp(t, func(c *Config) { c.SignInLimit = 3 })
	c := app.client(t)
	for range 3 {
		readBody(c.postForm("/signin", url.Values{"name": {"x"}, "password": {"wrong password"}}))
	}
	checkTooMany(t, "4th sign-in", c.postForm("/signin", url.Values{"name": {"x"}, "password": {"wrong password"}}), "Too many attempts")
}

// With the default limits, a seminar never meets them: twenty readers
// behind one address (a school's network) sign in, and each writes
// thirty notes, replies and reactions as fast as the server takes them,
// far faster than people type.
func TestSeminarPaceNeverLimited(t *testing.T) {
	app := newApp(t, func(c *Config) { c.WriteLimit, c.SignInLimit = 0, 0 })
	p := app.paragraph(t, 1)
	var readers []*client
	for i := range 10 { // the sign-in limit is 10 a minute per address
		readers = append(readers, app.signUp(t, fmt.Sprint("reader", i)))
	}
	var wg sync.WaitGroup
	for _, r := range readers {
		wg.Go(func() {
			for i := range 30 {
				res := r.postForm("/read/"+essaySlug+"/notes", url.Values{"anchor": {p.Anchor}, "body": {fmt.Sprint(r.name, " ", i)}, "audience": {"public"}})
				readBody(res)
				if res.StatusCode != http.StatusSeeOther {
					t.Errorf("%s, write %d: %d", r.name, i, res.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
}
