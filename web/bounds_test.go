package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"glossa/store"
)

// longLinkBody is a note body as long as a note may be, every word a URL
// that goldmark's linkify makes a link: the kind of note an import of
// thousands planted, several times its length as HTML.
func longLinkBody(i int) string {
	var b strings.Builder
	for b.Len() < 9800 {
		fmt.Fprintf(&b, "https://example.org/%d/%d ", i, b.Len())
	}
	return b.String()
}

// plantNotes stores n public notes with long linkified bodies by c's user,
// spread over the first paragraphs of the essay, straight into the store
// (as an import would).
func plantNotes(t testing.TB, a *testApp, c *client, n, paragraphs int) []store.Note {
	t.Helper()
	e := a.essay(t)
	var out []store.Note
	for i := range n {
		nn := newNoteOn(e, a.paragraph(t, i%paragraphs).Anchor, c, a)
		nn.Audience, nn.Body = store.Public, longLinkBody(i)
		note, err := a.db.CreateNote(context.Background(), nn)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, note)
	}
	return out
}

// TestCachesStayWithinTheirByteBudgets: the page, note and body caches
// are bounded by bytes, however large their entries; a page larger than
// the page cache can keep is still served, and not kept.
func TestCachesStayWithinTheirByteBudgets(t *testing.T) {
	app := newApp(t)
	const budget = 256 << 10
	app.srv.pageCache = newPageCache(budget)
	app.srv.bodies = newBodyRenderer(budget)
	app.srv.notes = newNoteCache(app.srv.pages.pages["read.html"], app.srv.log, budget)

	ann := app.signUp(t, "ann")
	notes := plantNotes(t, app, ann, 40, 4)
	readers := []*client{app.client(t), ann, app.signUp(t, "bob")}
	for _, c := range readers {
		res := c.get("/read/" + essaySlug)
		body := readBody(res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("reading page: %d", res.StatusCode)
		}
		if len(body) <= budget/4 {
			t.Fatalf("the page is %d bytes: too small to test that a large page is not kept", len(body))
		}
		for _, n := range notes[:10] {
			c.page("/notes/"+n.ID, http.StatusOK)
		}
	}
	for name, size := range map[string]func() (int, int){
		"page": app.srv.pageCache.lru.size, "note": app.srv.notes.lru.size, "body": app.srv.bodies.cache.size,
	} {
		bytes, entries := size()
		if bytes > budget {
			t.Errorf("the %s cache holds %d bytes in %d entries, over its budget of %d", name, bytes, entries, budget)
		}
		if name != "page" && entries == 0 {
			t.Errorf("the %s cache keeps nothing", name)
		}
	}
	if _, entries := app.srv.pageCache.lru.size(); entries != 0 {
		t.Errorf("the page cache kept %d reading pages, each larger than a quarter of it", entries)
	}
}
