package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"glossa/content"
	"glossa/store"
)

// seedNotes writes n public notes by one user spread over the essay's
// blocks: every other one on a phrase (so pages highlight), the rest on the
// whole paragraph.
func seedNotes(b testing.TB, app *testApp, n int) {
	b.Helper()
	ctx := context.Background()
	u, err := app.db.CreateUser(ctx, fmt.Sprintf("seed%d", n), []byte("x"))
	if err != nil {
		b.Fatal(err)
	}
	e := app.essay(b)
	for i := range n {
		blk := e.Current.Blocks[i%len(e.Current.Blocks)]
		t := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}
		if i%2 == 0 {
			l := content.CodePoints(blk.Text)
			start := (i * 7) % max(l-12, 1)
			t.Start, t.End = start, min(start+12, l)
			t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(blk.Text, t.Start, t.End)
		}
		_, err := app.db.CreateNote(ctx, store.NewNote{
			DocumentID: e.ID, AuthorID: u.ID, Audience: store.Public, Target: t,
			Body: fmt.Sprintf("Note %d with *some* Markdown and a [link](https://example.org/%d).", i, i%50),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEssayPage renders the essay page, signed out, with 0, 100 and
// 1,000 visible notes, through the whole handler stack (router, session,
// store query, templates).
func BenchmarkEssayPage(b *testing.B) {
	for _, n := range []int{0, 100, 1000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			app := newApp(b)
			seedNotes(b, app, n)
			req := httptest.NewRequest("GET", "/read/"+essaySlug, nil)
			var size int
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				app.srv.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

// BenchmarkEssayPageUncached is the same page when the page cache misses
// every time (each request has its own URL): the store query, placing the
// notes, highlighting and the template.
func BenchmarkEssayPageUncached(b *testing.B) {
	for _, n := range []int{0, 100, 1000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			app := newApp(b)
			seedNotes(b, app, n)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				req := httptest.NewRequest("GET", fmt.Sprintf("/read/%s?miss=%d", essaySlug, i), nil)
				rec := httptest.NewRecorder()
				app.srv.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// BenchmarkStaticFile serves a file of the size of the 1,000-note page
// with net/http's own file serving, for comparison with BenchmarkEssayPage.
func BenchmarkStaticFile(b *testing.B) {
	app := newApp(b)
	seedNotes(b, app, 1000)
	rec := httptest.NewRecorder()
	app.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/read/"+essaySlug, nil))
	page := rec.Body.Bytes()
	fsys := fstest.MapFS{"page.html": {Data: page}}
	h := http.FileServerFS(fsys)
	req := httptest.NewRequest("GET", "/page.html", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Body.Len() != len(page) {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.ReportMetric(float64(len(page)), "bytes/page")
}

// createNoteBench starts glossa with a user and an API token, and makes
// the body of a phrase note to create.
func createNoteBench(b *testing.B) (app *testApp, token, body string) {
	app = newApp(b)
	ctx := context.Background()
	u, err := app.db.CreateUser(ctx, "bench", []byte("x"))
	if err != nil {
		b.Fatal(err)
	}
	token = store.NewToken()
	if err := app.db.CreateToken(ctx, u.ID, store.HashToken(token)); err != nil {
		b.Fatal(err)
	}
	p := app.paragraphWith(b, "two logics")
	body = string(must(jsonMarshal(w3c(p.Anchor, []map[string]any{quote("two logics")}, "A benchmark note.", "public"))))
	return app, token, body
}

// BenchmarkCreateNoteAPI creates phrase notes through POST
// /api/documents/{slug}/annotations/ with a bearer token.
func BenchmarkCreateNoteAPI(b *testing.B) {
	app, token, body := createNoteBench(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/documents/"+essaySlug+"/annotations/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/ld+json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		app.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkCreateNoteAPIParallel is BenchmarkCreateNoteAPI with clients
// writing at once, as glossabench's note-creation row does: their notes
// share commits (store's group commit).
func BenchmarkCreateNoteAPIParallel(b *testing.B) {
	app, token, body := createNoteBench(b)
	b.ReportAllocs()
	b.SetParallelism(4) // 4 × GOMAXPROCS clients
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/documents/"+essaySlug+"/annotations/", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/ld+json")
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			app.srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
		}
	})
}

// BenchmarkEssayPageSignedIn is BenchmarkEssayPage for a signed-in reader
// (the session cookie, the session and account lookups, the page cache
// keyed by reader), as a browser asks for it after a click on the site:
// a same-origin navigation that accepts gzip, or not.
func BenchmarkEssayPageSignedIn(b *testing.B) {
	for _, n := range []int{0, 1000} {
		for _, gz := range []bool{false, true} {
			b.Run(fmt.Sprintf("notes=%d/gzip=%v", n, gz), func(b *testing.B) {
				app := newApp(b)
				seedNotes(b, app, n)
				c := app.signUp(b, "reader")
				u, _ := url.Parse(app.ts.URL)
				req := httptest.NewRequest("GET", "/read/"+essaySlug, nil)
				for _, ck := range c.http.Jar.Cookies(u) {
					req.AddCookie(ck)
				}
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.Header.Set("Sec-Fetch-Mode", "navigate")
				if gz {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				var size int
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					app.srv.ServeHTTP(rec, req)
					if rec.Code != 200 || !strings.Contains(rec.Header().Get("Vary"), "Cookie") {
						b.Fatalf("status %d", rec.Code)
					}
					size = rec.Body.Len()
				}
				b.ReportMetric(float64(size), "bytes/page")
			})
		}
	}
}

// BenchmarkEssayPageSignedInUncached renders a signed-in reader's page
// with 10,000 notes visible to them when the page cache misses (each
// request its own query string): what the reading page costs when notes
// change between two of its views.
//
//	go test ./web -run '^$' -bench EssayPageSignedInUncached -benchtime 10x -cpuprofile cpu.out
func BenchmarkEssayPageSignedInUncached(b *testing.B) {
	app := newApp(b)
	seedNotes(b, app, 10000)
	c := app.signUp(b, "reader")
	benchUncachedPage(b, app, c)
}

// benchUncachedPage times the essay page for c's reader, each request
// missing the page cache, and reports the page's size.
func benchUncachedPage(b *testing.B, app *testApp, c *client) {
	u, _ := url.Parse(app.ts.URL)
	cookies := c.http.Jar.Cookies(u)
	i, size := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		req := httptest.NewRequest("GET", fmt.Sprintf("/read/%s?miss=%d", essaySlug, i), nil)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		app.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
}
