package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"glossa/content"
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
	// The reading page's weight follows the essay, not its notes: the
	// page cache's budget is made small enough that it will not keep one.
	const pageBudget = 64 << 10
	app.srv.pageCache = newPageCache(pageBudget)
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
		if len(body) <= pageBudget/4 {
			t.Fatalf("the page is %d bytes: too small to test that a large page is not kept", len(body))
		}
		for _, n := range notes[:10] {
			c.page("/notes/"+n.ID, http.StatusOK)
		}
		for i := range 4 {
			c.page("/read/"+essaySlug+"/notes/"+app.paragraph(t, i).Anchor, http.StatusOK)
		}
	}
	for name, size := range map[string]func() (int, int){
		"page": app.srv.pageCache.lru.size, "note": app.srv.notes.lru.size, "body": app.srv.bodies.cache.size,
	} {
		bytes, entries := size()
		if limit := map[bool]int{true: pageBudget, false: budget}[name == "page"]; bytes > limit {
			t.Errorf("the %s cache holds %d bytes in %d entries, over its budget of %d", name, bytes, entries, limit)
		}
		if name != "page" && entries == 0 {
			t.Errorf("the %s cache keeps nothing", name)
		}
	}
	if _, entries := app.srv.pageCache.lru.size(); entries != 0 {
		t.Errorf("the page cache kept %d reading pages, each larger than a quarter of it", entries)
	}
}

// TestQuoteCapsAtEveryEntry: a note's quote is never longer than the
// longest paragraph of the essay, and its prefix and suffix never longer
// than 32 characters, whichever way it comes in: the form, the API's
// create and replace, an import (where a file once brought a 2 MB quote),
// and the store itself.
func TestQuoteCapsAtEveryEntry(t *testing.T) {
	app := newApp(t, withBaseURL(testBase))
	ann := app.signUp(t, "ann")
	ctx := context.Background()
	e := app.essay(t)
	p := app.paragraphWith(t, "two logics")
	longest := 0
	for _, b := range e.Current.Blocks {
		longest = max(longest, content.CodePoints(b.Text))
	}
	long := strings.Repeat("the alliance ", 2000)       // 26,000 characters, not in the essay
	context40 := strings.Repeat("x", 40) + " At least " // a prefix longer than a note keeps
	post := "/api/documents/" + essaySlug + "/annotations/"
	jsonLD := http.Header{"Content-Type": {"application/ld+json"}}

	// The form: a phrase that is not in the paragraph is refused.
	res := ann.postForm("/read/"+essaySlug+"/notes", url.Values{"anchor": {p.Anchor}, "phrase": {long}, "body": {"x"}})
	if res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Errorf("form with a %d-character phrase: status %d", len(long), res.StatusCode)
	}
	res.Body.Close()

	// The API: a long quote is refused; a long prefix sent with a good
	// quote is not what gets stored.
	if res := ann.apiJSON("POST", post, w3c(p.Anchor, []map[string]any{quote(long)}, "x", ""), jsonLD, nil); res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Errorf("API create with a %d-character quote: status %d", len(long), res.StatusCode)
	}
	sel := quote("two logics")
	sel["prefix"], sel["suffix"] = context40, " reinforce"+strings.Repeat("y", 40)
	var created annotation
	if res := ann.apiJSON("POST", post, w3c(p.Anchor, []map[string]any{sel}, "x", ""), jsonLD, &created); res.StatusCode != http.StatusCreated {
		t.Fatalf("API create with a long prefix: status %d", res.StatusCode)
	}
	createdPath := "/api/annotations/" + created.ID[strings.LastIndex(created.ID, "/")+1:]
	res = ann.do("GET", createdPath, nil, http.Header{"Accept": {"application/ld+json"}})
	etag := res.Header.Get("ETag")
	res.Body.Close()
	put := w3c(p.Anchor, []map[string]any{quote(long)}, "x", "")
	if res := ann.apiJSON("PUT", createdPath, put, http.Header{"Content-Type": {"application/ld+json"}, "If-Match": {etag}}, nil); res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Errorf("API replace with a %d-character quote: status %d", len(long), res.StatusCode)
	}

	// An import: a quote of 2 MB (not in the essay: it would be an
	// orphan) is rejected with its reason; a long prefix and suffix are
	// cut to the 32 characters nearest the quote.
	huge := w3cOn("urn:x:huge", p.Anchor, strings.Repeat("two logics ", 200_000), "huge quote")
	ctxd := w3cOn("urn:x:context", p.Anchor, "two logics", "long context")
	ctxd["target"].(map[string]any)["selector"].(map[string]any)["refinedBy"] = map[string]any{
		"type": "TextQuoteSelector", "exact": "two logics", "prefix": context40, "suffix": " reinforce" + strings.Repeat("y", 40)}
	lostCtx := w3cOn("urn:x:lost", p.Anchor, "words that are nowhere", "orphan with long context")
	lostCtx["target"].(map[string]any)["selector"].(map[string]any)["refinedBy"] = map[string]any{
		"type": "TextQuoteSelector", "exact": "words that are nowhere", "prefix": strings.Repeat("p", 500), "suffix": strings.Repeat("s", 500)}
	rep, st := importAs(t, ann, jsonOf([]any{huge, ctxd, lostCtx}))
	if st != http.StatusOK {
		t.Fatalf("import: status %d: %v", st, rep.Lines)
	}
	if !hasLine(rep, 1, "rejected", "longer than any paragraph") {
		t.Errorf("the 2 MB quote was not rejected for its length: %+v", rep.Lines)
	}
	if rep.Imported != 2 {
		t.Errorf("imported %d, want the 2 with long context: %+v", rep.Imported, rep.Lines)
	}

	// The store refuses what no entry point above lets through.
	nn := newNoteOn(e, p.Anchor, ann, app)
	nn.Target.Start, nn.Target.End, nn.Target.Exact = 0, 10, string([]rune(p.Text)[:10])
	for name, mod := range map[string]func(*store.NewNote){
		"a prefix of 33":           func(n *store.NewNote) { n.Target.Prefix = strings.Repeat("p", 33) },
		"a suffix of 33":           func(n *store.NewNote) { n.Target.Suffix = strings.Repeat("s", 33) },
		"a quote past the longest": func(n *store.NewNote) { n.Target.Exact, n.Target.End = strings.Repeat("q", longest+1), longest+1 },
	} {
		bad := nn
		mod(&bad)
		if _, err := app.db.CreateNote(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("store: a note with %s: %v, want ErrInvalid", name, err)
		}
		up := bad.Target
		if _, err := app.db.UpdateNote(ctx, nn.AuthorID, created.ID[strings.LastIndex(created.ID, "/")+1:], 0, store.NoteUpdate{Body: "x", Audience: store.Private, Target: &up}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("store: an edit to %s: %v, want ErrInvalid", name, err)
		}
	}

	notes, err := app.db.Notes(ctx, viewerOfUser(t, app, "ann"), noteQuery(app))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		for _, tg := range []store.Target{n.Original.Target, n.Current.Target} {
			if q, pre, suf := utf8.RuneCountInString(tg.Exact), utf8.RuneCountInString(tg.Prefix), utf8.RuneCountInString(tg.Suffix); q > longest || pre > store.MaxQuoteContext || suf > store.MaxQuoteContext {
				t.Errorf("note %s (%q) stored a quote of %d characters with context %d and %d", n.ID, truncate(n.Body, 40), q, pre, suf)
			}
		}
	}
}
