package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"glossa/store"
)

// plantRepetitiveNotes writes n notes by a new user, each a body of the
// most characters a note may have, one word over and over: what a hostile
// writer or importer can plant to make phrase searches costly. The notes
// are for audience, on the essay's paragraphs.
func plantRepetitiveNotes(tb testing.TB, app *testApp, n int, audience store.Audience) {
	tb.Helper()
	ctx := context.Background()
	u, err := app.db.CreateUser(ctx, fmt.Sprintf("planter%d", n), []byte("x"))
	if err != nil {
		tb.Fatal(err)
	}
	e := app.essay(tb)
	body := strings.TrimSpace(strings.Repeat("a ", maxBodyChars/2))
	for i := range n {
		blk := e.Current.Blocks[i%len(e.Current.Blocks)]
		t := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}
		if _, err := app.db.CreateNote(ctx, store.NewNote{
			DocumentID: e.ID, AuthorID: u.ID, Audience: audience, Target: t, Body: body,
		}); err != nil {
			tb.Fatal(err)
		}
	}
}

// phraseOf is the search for one phrase of the word "a" repeated words
// times: the costliest kind of search over repetitive notes.
func phraseOf(words int) string {
	return `"` + strings.TrimSpace(strings.Repeat("a ", words)) + `"`
}

// BenchmarkSearchAttack plants 1,000 private notes of 10,000 repetitive
// characters (10 MB, what one import file may hold) and measures, signed
// out: one search for the longest phrase of the planted word the search
// box takes (249 words in 500 characters) and one for a 32-word phrase
// (store.MaxSearchWords); then the reading page, fetched one after
// another (each past the page cache) while eight 32-word searches run at
// once, twice the read connections on a machine of up to four cores.
//
//	go test ./web -run '^$' -bench SearchAttack -benchtime 1x
func BenchmarkSearchAttack(b *testing.B) {
	app := newApp(b)
	plantRepetitiveNotes(b, app, 1000, store.Private)
	search := func(q string) (int, time.Duration) {
		start := time.Now()
		res, err := http.Get(app.ts.URL + "/search?q=" + url.QueryEscape(q))
		if err != nil {
			b.Fatal(err)
		}
		readBody(res)
		return res.StatusCode, time.Since(start)
	}
	for b.Loop() {
		for _, words := range []int{249, 32} {
			status, d := search(phraseOf(words))
			b.Logf("one search of a %d-word phrase: %d in %v", words, status, d)
			b.ReportMetric(d.Seconds(), fmt.Sprintf("s/search-%dw", words))
		}
		var wg sync.WaitGroup
		done := make(chan struct{})
		for range 8 {
			wg.Go(func() {
				status, d := search(phraseOf(32))
				b.Logf("concurrent search of a 32-word phrase: %d in %v", status, d)
			})
		}
		go func() { wg.Wait(); close(done) }()
		var pages []time.Duration
		for i := 0; ; i++ {
			start := time.Now()
			res, err := http.Get(fmt.Sprintf("%s/read/%s?attack=%d", app.ts.URL, essaySlug, i))
			if err != nil {
				b.Fatal(err)
			}
			readBody(res)
			if res.StatusCode != http.StatusOK {
				b.Fatalf("reading page: %d", res.StatusCode)
			}
			pages = append(pages, time.Since(start))
			select {
			case <-done:
			default:
				continue
			}
			break
		}
		slices.Sort(pages)
		b.Logf("%d reading pages during the searches: median %v, slowest %v", len(pages), pages[len(pages)/2], pages[len(pages)-1])
		b.ReportMetric(pages[len(pages)-1].Seconds(), "s/slowest-page")
		b.ReportMetric(pages[len(pages)/2].Seconds(), "s/median-page")
	}
}

// A search that runs out of time is stopped and answered 503 with the
// reason: beside the box, the query kept, on the search page and the
// notebook; as JSON in the API. Each is logged once.
func TestSearchOutOfTime(t *testing.T) {
	var logs syncBuffer
	app := newApp(t, func(c *Config) {
		c.SearchTimeout = 50 * time.Millisecond
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	plantRepetitiveNotes(t, app, 300, store.Private)
	q := phraseOf(store.MaxSearchWords)
	const says = "took longer than the 50ms glossa gives one search"

	ann := app.signUp(t, "ann")
	for _, c := range []struct {
		who  *client
		path string
	}{{app.client(t), "/search"}, {ann, "/search"}, {ann, "/notebook"}} {
		doc := parsePage(t, c.who.get(c.path+"?q="+url.QueryEscape(q)), http.StatusServiceUnavailable)
		input := query(doc, "#search-q")
		if got := text(query(doc, "#search-q-error")); !strings.Contains(got, says) {
			t.Errorf("%s: beside the box %q, want it to say %q", c.path, got, says)
		}
		if attr(input, "value") != q || attr(input, "aria-invalid") != "true" {
			t.Errorf("%s: the query was not kept in the box, or the box not marked: %q", c.path, truncate(attr(input, "value"), 30))
		}
		if query(doc, "ol.search-results") != nil {
			t.Errorf("%s: results shown for a search that was stopped", c.path)
		}
	}
	status, out := app.client(t).apiSearch(q)
	if status != http.StatusServiceUnavailable || !strings.Contains(out.Error, says) {
		t.Errorf("API: %d %q, want 503 saying %q", status, out.Error, says)
	}
	// One error line each; the request log's line for each is not one.
	n := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") && strings.Contains(line, "status=503") {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d error lines for four searches stopped, want one each:\n%s", n, logs.String())
	}
}

// Searches are rate-limited: by address for readers signed out, by
// account for readers signed in, whatever their address. Over the limit
// the answer is 429 with Retry-After and the reason beside the box.
func TestSearchRateLimit(t *testing.T) {
	app := newApp(t, func(c *Config) { c.SearchLimit = 3 })
	ann := app.signUp(t, "ann")
	anon := app.client(t)
	for i := range 3 {
		if res := anon.get("/search?q=alliance"); res.StatusCode != http.StatusOK {
			t.Fatalf("search %d of 3: %d", i+1, res.StatusCode)
		} else {
			res.Body.Close()
		}
	}
	res := anon.get("/search?q=alliance")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	doc := parsePage(t, res, http.StatusTooManyRequests)
	if got := text(query(doc, "#search-q-error")); !strings.Contains(got, "searched 3 times in the last minute") {
		t.Errorf("beside the box: %q", got)
	}
	if attr(query(doc, "#search-q"), "value") != "alliance" {
		t.Error("the query was not kept")
	}
	// Another reader signed out from the same address shares the limit.
	if status, out := app.client(t).apiSearch("alliance"); status != http.StatusTooManyRequests || !strings.Contains(out.Error, "searched 3 times") {
		t.Errorf("API from the same address: %d %q, want 429", status, out.Error)
	}
	// A reader signed in has their own, on the page, the notebook and the API.
	for i, path := range []string{"/search?q=alliance", "/notebook?q=alliance", "/api/search?q=alliance"} {
		if res := ann.get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("ann's search %d of 3, %s: %d", i+1, path, res.StatusCode)
		} else {
			res.Body.Close()
		}
	}
	if status, _ := ann.apiSearch("alliance"); status != http.StatusTooManyRequests {
		t.Errorf("ann's fourth search: %d, want 429", status)
	}
	if res := anon.get("/read/" + essaySlug); res.StatusCode != http.StatusOK {
		t.Errorf("reading after the search limit: %d", res.StatusCode)
	} else {
		res.Body.Close()
	}
}

// The rank /api/search gives a note depends on that note alone: another
// reader's private notes, with the word or without it, move nothing, so
// a rank tells nobody how many notes hold a word or how many there are.
func TestSearchRankShowsNothingOfUnseenNotes(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	bob := app.signUp(t, "bob")
	p := app.paragraph(t, 0)
	ann.createNote(p.Anchor, "", "An alliance is a promise kept under pressure.", "public")
	anon := app.client(t)
	ranks := func() [2]float64 {
		t.Helper()
		var r [2]float64
		for i, q := range []string{"alliance", "promise"} {
			status, out := anon.apiSearch(q)
			if status != http.StatusOK || len(out.Items) != 1 {
				t.Fatalf("%q: %d, %d items, want ann's note alone", q, status, len(out.Items))
			}
			r[i] = out.Items[0].Rank
		}
		return r
	}
	before := ranks()
	e := app.essay(t)
	for i := range 30 {
		n := newNoteOn(e, p.Anchor, bob, app)
		n.Body = "alliance alliance and more on alliances"
		if i%2 == 1 {
			n.Body = "something else altogether, many words long, to move any average"
		}
		if _, err := app.db.CreateNote(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	if after := ranks(); after != before {
		t.Errorf("ranks of alliance (probe) and promise (control) were %v; after bob's private notes %v", before, after)
	}
}
