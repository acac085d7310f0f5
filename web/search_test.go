package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/net/html"

	"glossa/content"
	"glossa/store"
)

// apiSearchAnswer is GET /api/search's JSON, as a client reads it.
type apiSearchAnswer struct {
	Query   string `json:"query"`
	Total   int    `json:"total"`
	Page    int    `json:"page"`
	PerPage int    `json:"perPage"`
	Next    string `json:"next"`
	Prev    string `json:"prev"`
	Items   []struct {
		Annotation string `json:"annotation"`
		Note       string `json:"note"`
		Document   struct {
			Slug, Title, URL string
		} `json:"document"`
		Anchor    string   `json:"anchor"`
		Paragraph string   `json:"paragraph"`
		Author    string   `json:"author"`
		Audience  string   `json:"audience"`
		Reply     bool     `json:"reply"`
		Tags      []string `json:"tags"`
		Snippets  struct {
			Body  string `json:"body"`
			Quote string `json:"quote"`
		} `json:"snippets"`
		Rank float64 `json:"rank"`
	} `json:"items"`
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

func (c *client) apiSearch(q string, extra ...string) (int, apiSearchAnswer) {
	c.t.Helper()
	path := "/api/search?q=" + url.QueryEscape(q) + strings.Join(extra, "")
	var out apiSearchAnswer
	res := c.apiJSON("GET", path, nil, nil, &out)
	return res.StatusCode, out
}

// searchResults parses the results list of a search page: note id → the
// result's element.
func searchResults(doc *html.Node) map[string]*html.Node {
	out := map[string]*html.Node{}
	for _, li := range queryAll(doc, "ol.search-results > li.search-result") {
		href := attr(query(li, `.search-meta a[href^="/notes/"]`), "href")
		out[strings.TrimPrefix(href, "/notes/")] = li
	}
	return out
}

// innerHTML renders n's children back to HTML.
func innerHTML(t testing.TB, n *html.Node) string {
	t.Helper()
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestSearchPage(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraphWith(t, "two logics")
	ann.createNote(p.Anchor, "two logics", "<script>alert('x')</script> Realism, and *emphasis* on realism.", "public")
	// Tags come through the store (their form is another page's).
	tagged := newNoteOn(app.essay(t), p.Anchor, ann, app)
	tagged.Body, tagged.Tags = "A tagged note about power.", []string{"east asia", "realism"}
	must(app.db.CreateNote(t.Context(), tagged))
	notes := must(app.db.Notes(t.Context(), viewerOfUser(t, app, "ann"), noteQuery(app)))
	ids := map[string]string{}
	for _, n := range notes {
		ids[strings.Fields(n.Body)[0]] = n.ID
	}
	scriptID, taggedID := ids["<script>alert('x')</script>"], ids["A"]

	// The header links to search for signed-in readers.
	lib := ann.page("/", http.StatusOK)
	if query(lib, `header nav a[href="/search"]`) == nil {
		t.Error("no Search link in the header")
	}

	// No query: the form, empty, and no results or error.
	doc := ann.page("/search", http.StatusOK)
	form := query(doc, `form[role="search"][method="get"][action="/search"]`)
	if form == nil || query(form, `label[for="search-q"]`) == nil || attr(query(form, "#search-q"), "name") != "q" {
		t.Fatal("no labelled search form")
	}
	if !strings.Contains(text(query(form, "#search-q-help")), "tag:") || query(doc, ".search-results, .search-summary, .field-error") != nil {
		t.Error("empty search page: help line missing, or results or an error shown")
	}

	// A search: the text kept in the box, snippets marked, the body's HTML
	// shown as text, links to the paragraph and the note.
	doc = ann.page("/search?q="+url.QueryEscape("realism logics"), http.StatusOK)
	if got := attr(query(doc, "#search-q"), "value"); got != "realism logics" {
		t.Errorf("search box holds %q", got)
	}
	found := searchResults(doc)
	li := found[scriptID]
	if len(found) != 1 || li == nil {
		t.Fatalf("realism logics: %d results, want the script note", len(found))
	}
	if query(li, "script") != nil || !strings.Contains(text(li), "<script>alert('x')</script>") {
		t.Errorf("the body's <script> is not shown as text: %s", innerHTML(t, li))
	}
	marks := queryAll(li, ".search-snippet mark")
	if len(marks) != 2 || text(marks[0]) != "Realism" || text(marks[1]) != "realism" {
		t.Errorf("body snippet marks: %s", innerHTML(t, query(li, ".search-snippet")))
	}
	if m := query(li, ".search-quote mark"); text(m) != "logics" || text(query(li, ".search-quote")) != "two logics" {
		t.Errorf("quote snippet: %s", innerHTML(t, query(li, ".search-quote")))
	}
	if href := attr(query(li, ".search-where a"), "href"); href != "/read/"+essaySlug+"#"+p.Anchor {
		t.Errorf("paragraph link %q", href)
	}
	if !strings.Contains(text(query(li, ".search-where")), "paragraph") || !strings.Contains(text(li), "Public") {
		t.Errorf("result says %q", text(li))
	}
	if h2 := text(query(doc, "h2.search-summary")); h2 != "1 note matches" {
		t.Errorf("summary %q", h2)
	}

	// Tags: shown, linked to their own search, which finds the note.
	doc = ann.page("/search?q="+url.QueryEscape(`tag:"east asia"`), http.StatusOK)
	li = searchResults(doc)[taggedID]
	if li == nil {
		t.Fatal(`tag:"east asia" did not find the tagged note`)
	}
	var tagLinks []string
	for _, a := range queryAll(li, "a.tag") {
		tagLinks = append(tagLinks, text(a)+" "+attr(a, "href"))
	}
	if want := []string{"east asia /search?q=tag%3A%22east+asia%22", "realism /search?q=tag%3Arealism"}; fmt.Sprint(tagLinks) != fmt.Sprint(want) {
		t.Errorf("tag links %q, want %q", tagLinks, want)
	}
	if !strings.Contains(text(li), "Only me") {
		t.Errorf("private note's audience: %q", text(li))
	}
	if len(searchResults(ann.page("/search?q=tag:realism", http.StatusOK))) != 1 {
		t.Error("tag:realism finds more or less than the tagged note")
	}

	// Nothing found says so.
	doc = ann.page("/search?q=nosuchwordanywhere", http.StatusOK)
	if got := text(query(doc, "p.search-summary")); !strings.Contains(got, "No notes") || query(doc, "ol.search-results") != nil {
		t.Errorf("empty result: %q", got)
	}

	// Signed out: the form and the public note only; no Search link in
	// the header (it is for readers with notes of their own).
	anon := app.client(t)
	doc = anon.page("/search?q=realism", http.StatusOK)
	if found := searchResults(doc); len(found) != 1 || found[scriptID] == nil {
		t.Errorf("signed out finds %d notes", len(found))
	}
	if query(doc, `header nav a[href="/search"]`) != nil {
		t.Error("Search link in a signed-out header")
	}
	if len(searchResults(anon.page("/search?q=power", http.StatusOK))) != 0 {
		t.Error("signed out finds ann's private note")
	}
}

func TestSearchPageBadQueries(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	for _, tc := range []struct{ q, says string }{
		{"", "empty"},
		{`"open phrase`, "closing double quote"},
		{"tag:", "tag: needs a value"},
		{strings.Repeat("long ", 101), "505 characters; at most 500"},
		{strings.Repeat("w ", 21), "more than 20"},
		{`"` + strings.Repeat("a ", 33) + `"`, "33 words to look for"},
		{"bad \xff", "UTF-8"},
		{"tag:a<b", "tags hold"},
	} {
		res := ann.get("/search?q=" + url.QueryEscape(tc.q))
		doc := parsePage(t, res, http.StatusUnprocessableEntity)
		input := query(doc, "#search-q")
		errP := query(doc, "#search-q-error")
		if !strings.Contains(text(errP), tc.says) {
			t.Errorf("%q: error beside the field %q, want it to say %q", truncate(tc.q, 30), text(errP), tc.says)
		}
		if attr(input, "aria-invalid") != "true" || !strings.Contains(attr(input, "aria-describedby"), "search-q-error") {
			t.Errorf("%q: field not marked invalid or not described by the error", truncate(tc.q, 30))
		}
		if tc.q != "" && !strings.Contains(tc.q, "\xff") && attr(input, "value") != tc.q {
			t.Errorf("%q: the text typed was not kept: %q", truncate(tc.q, 30), attr(input, "value"))
		}
		if query(doc, "ol.search-results") != nil {
			t.Errorf("%q: results shown for a bad query", tc.q)
		}
		if !strings.HasPrefix(text(query(doc, "title")), "Error:") {
			t.Errorf("%q: title %q does not say there is an error", tc.q, text(query(doc, "title")))
		}
	}
	// An unknown filter is text, not an error.
	if res := ann.get("/search?q=" + url.QueryEscape("foo:bar")); res.StatusCode != http.StatusOK {
		t.Errorf("foo:bar: %d", res.StatusCode)
	}
	if res := ann.get("/search?q=x&page=0"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("page=0: %d", res.StatusCode)
	}
}

func TestSearchPaging(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	e := app.essay(t)
	p := app.paragraph(t, 0)
	for i := range 45 {
		n := newNoteOn(e, p.Anchor, ann, app)
		n.Audience, n.Body = store.Public, fmt.Sprintf("pagedword number %d", i)
		must(app.db.CreateNote(t.Context(), n))
	}
	seen := map[string]bool{}
	path := "/search?q=pagedword"
	for pageNo := 1; pageNo <= 3; pageNo++ {
		doc := ann.page(path, http.StatusOK)
		found := searchResults(doc)
		want := map[int]int{1: 20, 2: 20, 3: 5}[pageNo]
		if len(found) != want {
			t.Fatalf("page %d: %d results, want %d", pageNo, len(found), want)
		}
		for id := range found {
			if seen[id] {
				t.Errorf("page %d repeats %s", pageNo, id)
			}
			seen[id] = true
		}
		if got, want := attr(query(doc, "ol.search-results"), "start"), strconv.Itoa(20*(pageNo-1)+1); got != want {
			t.Errorf("page %d starts at %s", pageNo, got)
		}
		next := query(doc, `nav.pager a[rel="next"]`)
		if (next == nil) != (pageNo == 3) || (query(doc, `nav.pager a[rel="prev"]`) == nil) != (pageNo == 1) {
			t.Errorf("page %d: pager links wrong", pageNo)
		}
		path = attr(next, "href")
	}
	doc := ann.page("/search?q=pagedword&page=9", http.StatusOK)
	if len(searchResults(doc)) != 0 || attr(query(doc, "p.search-summary a"), "href") != "/search?q=pagedword" {
		t.Error("past the last page: no link back to the first")
	}

	// The API pages the same way.
	var ids []string
	next := "/api/search?q=pagedword&perPage=30"
	for next != "" {
		var out apiSearchAnswer
		if res := ann.apiJSON("GET", next, nil, nil, &out); res.StatusCode != http.StatusOK || out.Total != 45 {
			t.Fatalf("%s: %d, total %d", next, res.StatusCode, out.Total)
		}
		for _, it := range out.Items {
			ids = append(ids, it.Annotation)
		}
		next = strings.TrimPrefix(out.Next, app.ts.URL)
	}
	if len(ids) != 45 {
		t.Errorf("API pages gave %d annotations, want 45", len(ids))
	}
}

func TestSearchAPI(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraphWith(t, "two logics")
	ann.createNote(p.Anchor, "two logics", "<b>Realism</b> & realism again", "public")
	ann.createNote(p.Anchor, "", "realism once, in a longer note with more words", "private")

	st, out := ann.apiSearch("realism")
	if st != http.StatusOK || out.Total != 2 || len(out.Items) != 2 || out.Query != "realism" || out.Page != 1 || out.PerPage != 20 {
		t.Fatalf("realism: %d %+v", st, out)
	}
	it := out.Items[0]
	if want := "&lt;b&gt;<mark>Realism</mark>&lt;/b&gt; &amp; <mark>realism</mark> again"; it.Snippets.Body != want {
		t.Errorf("body snippet %q, want %q", it.Snippets.Body, want)
	}
	if it.Snippets.Quote != "two logics" {
		t.Errorf("quote snippet %q", it.Snippets.Quote)
	}
	if !strings.HasPrefix(it.Annotation, app.ts.URL+"/api/annotations/") || it.Note != app.ts.URL+"/notes/"+strings.TrimPrefix(it.Annotation, app.ts.URL+"/api/annotations/") {
		t.Errorf("annotation %q, note %q", it.Annotation, it.Note)
	}
	if it.Document.Slug != essaySlug || it.Document.Title == "" || it.Anchor != p.Anchor ||
		it.Paragraph != app.ts.URL+"/read/"+essaySlug+"#"+p.Anchor || it.Author != "ann" || it.Audience != "public" {
		t.Errorf("item %+v", it)
	}
	if !(it.Rank > out.Items[1].Rank && out.Items[1].Rank > 0) {
		t.Errorf("ranks %v, %v: want the two-hit note first", it.Rank, out.Items[1].Rank)
	}
	// The annotation IRI answers.
	var a map[string]any
	if res := ann.apiJSON("GET", strings.TrimPrefix(it.Annotation, app.ts.URL), nil, nil, &a); res.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", it.Annotation, res.StatusCode)
	}

	// Filters only: newest first, rank 0.
	if _, out := ann.apiSearch("user:ann"); out.Total != 2 || out.Items[0].Rank != 0 || !strings.HasPrefix(out.Items[0].Snippets.Body, "realism once") {
		t.Errorf("user:ann: %+v", out)
	}

	// Bad queries: 422 naming the problem, as JSON; bad paging: 400.
	for _, tc := range []struct{ q, says string }{
		{"", "empty"}, {`"open`, "closing double quote"}, {"user:", "user: needs a value"},
		{strings.Repeat("w ", 21), "more than 20"}, {strings.Repeat("x", 501), "at most 500"},
	} {
		st, out := ann.apiSearch(tc.q)
		if st != http.StatusUnprocessableEntity || !strings.Contains(out.Fields["q"], tc.says) || !strings.Contains(out.Error, tc.says) {
			t.Errorf("%q: %d %+v", truncate(tc.q, 20), st, out)
		}
	}
	for _, extra := range []string{"&page=0", "&page=x", "&perPage=0", "&perPage=101"} {
		if st, out := ann.apiSearch("realism", extra); st != http.StatusBadRequest || out.Error == "" {
			t.Errorf("%s: %d %+v", extra, st, out)
		}
	}
	// Signed out: the public note only.
	if _, out := app.client(t).apiSearch("realism"); out.Total != 1 || out.Items[0].Audience != "public" {
		t.Errorf("signed out: %+v", out)
	}
}

// The index follows edits and deletions made through the pages.
func TestSearchFollowsEdits(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraphWith(t, "two logics")
	id := ann.postJSON("/read/"+essaySlug+"/notes", url.Values{"anchor": {p.Anchor}, "phrase": {"two logics"},
		"body": {"beforeword"}, "audience": {"public"}}, http.StatusCreated)["id"].(string)
	annID := viewerOfUser(t, app, "ann").UserID
	// Tags through the store (their form is another page's).
	setTags := func(body string, tags ...string) {
		t.Helper()
		must(app.db.UpdateNote(t.Context(), annID, id, 0, store.NoteUpdate{Body: body, Audience: store.Public, Tags: tags}))
	}
	setTags("beforeword", "firsttag")
	total := func(q string) int {
		t.Helper()
		st, out := ann.apiSearch(q)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", q, st)
		}
		return out.Total
	}
	if total("beforeword") != 1 || total("tag:firsttag") != 1 || total("quote:logics") != 1 {
		t.Fatal("the new note is not found")
	}
	note := must(app.db.Note(t.Context(), viewerOfUser(t, app, "ann"), id))
	res := ann.postForm("/notes/"+id+"/edit", url.Values{"body": {"afterword"}, "audience": {"public"},
		"version": {strconv.FormatInt(note.Version, 10)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.StatusCode, truncate(readBody(res), 800))
	}
	res.Body.Close()
	if total("beforeword") != 0 || total("afterword") != 1 || total("tag:firsttag") != 1 {
		t.Error("the edit is not reflected in search")
	}
	setTags("afterword", "secondtag")
	if total("tag:firsttag") != 0 || total("tag:secondtag") != 1 || total("secondtag") != 1 {
		t.Error("the new tags are not reflected in search")
	}
	res = ann.postForm("/notes/"+id+"/delete", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	res.Body.Close()
	if total("afterword") != 0 || total("tag:secondtag") != 0 || total("quote:logics") != 0 {
		t.Error("a deleted note is still found")
	}
}

// No search, on the page or through the API, finds a note its searcher may
// not see. Each note of the fixture has a marker word; each reader
// searches each marker and must find the note exactly when the store lets
// them read it.
func TestSearchPrivacyWeb(t *testing.T) {
	essay, err := content.Essays.ReadFile(essaySlug + ".md")
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(t, withContent(fstest.MapFS{
		essaySlug + ".md": {Data: essay},
		mxDoc2 + ".md":    {Data: []byte(mxDoc2Source)},
	}))
	tess, ann, milo, otto := app.signUp(t, "tess"), app.signUp(t, "ann"), app.signUp(t, "milo"), app.signUp(t, "otto")
	gid := grpCreate(t, tess, "Seminar G")
	code := grpInvite(t, tess, gid)
	grpJoin(t, ann, code, gid)
	grpJoin(t, milo, code, gid)
	if res := tess.apiJSON("PUT", fmt.Sprintf("/api/groups/%d/documents/%s", gid, mxDoc2),
		map[string]any{"postFirst": true}, nil, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("post first: %d", res.StatusCode)
	}
	G := strconv.FormatInt(gid, 10)
	anchor := func(slug string, i int) string {
		e := must(app.srv.docs.Doc(slug))
		for _, b := range e.Current.Blocks {
			if b.Kind == "p" {
				if i == 0 {
					return b.Anchor
				}
				i--
			}
		}
		t.Fatal("no paragraph")
		return ""
	}
	type fx struct{ key, id, marker string }
	var notes []*fx
	write := func(c *client, key, slug string, para int, audience, parent string) string {
		t.Helper()
		n := &fx{key: key, marker: fmt.Sprintf("zq%02dsearchqz", len(notes))}
		if parent != "" {
			n.id = c.postJSON("/notes/"+parent+"/replies", url.Values{"body": {n.marker}}, http.StatusCreated)["id"].(string)
		} else {
			n.id = c.postJSON("/read/"+slug+"/notes", url.Values{"anchor": {anchor(slug, para)}, "body": {n.marker},
				"audience": {audience}}, http.StatusCreated)["id"].(string)
		}
		notes = append(notes, n)
		return n.id
	}
	private := write(ann, "private", essaySlug, 0, "private", "")
	write(ann, "reply in a private thread", "", 0, "", private)
	write(ann, "teachers only", essaySlug, 1, "teachers:"+G, "")
	group := write(ann, "group", essaySlug, 2, "group:"+G, "")
	write(tess, "teacher's reply to a group note", "", 0, "", group)
	locked := write(ann, "post-first locked", mxDoc2, 0, "group:"+G, "")
	write(tess, "reply to a locked note", "", 0, "", locked)
	hidden := write(ann, "hidden by a teacher", essaySlug, 3, "group:"+G, "")
	public := write(ann, "public", essaySlug, 4, "public", "")
	write(otto, "reply to a public note", "", 0, "", public)
	deleted := write(ann, "deleted", essaySlug, 5, "public", "")
	write(milo, "reply to a deleted note", "", 0, "", deleted)
	tess.postJSON("/notes/"+hidden+"/hide", url.Values{"reason": {"off topic"}}, http.StatusOK)
	if res := ann.postForm("/notes/"+deleted+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}

	readers := []struct {
		name string
		c    *client
	}{{"signed out", app.client(t)}, {"outsider", otto}, {"member", milo}, {"teacher", tess}, {"author", ann}}
	for _, rd := range readers {
		v := store.Viewer{}
		if rd.c.name != "" {
			v = viewerOfUser(t, app, rd.c.name)
		}
		seen, missed := 0, 0
		for _, n := range notes {
			_, err := app.db.Note(t.Context(), v, n.id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			may := err == nil
			if may {
				seen++
			} else {
				missed++
			}
			st, out := rd.c.apiSearch(n.marker)
			raw, _ := json.Marshal(out.Items)
			gotAPI := st == http.StatusOK && out.Total == len(out.Items) && strings.Contains(string(raw), n.id) && strings.Contains(string(raw), n.marker)
			leakAPI := strings.Contains(string(raw), n.id) || strings.Contains(string(raw), n.marker) || out.Total != 0
			doc := rd.c.page("/search?q="+n.marker, http.StatusOK)
			found := searchResults(doc)
			list := ""
			if ol := query(doc, "ol.search-results"); ol != nil {
				list = innerHTML(t, ol)
			}
			gotPage := found[n.id] != nil && strings.Contains(text(found[n.id]), n.marker) && len(found) == 1
			leakPage := list != "" || strings.Contains(text(query(doc, "main")), "1 note")
			switch {
			case may && (!gotAPI || !gotPage):
				t.Errorf("MISSING: %s does not find %q (API %v, page %v)", rd.name, n.key, gotAPI, gotPage)
			case !may && (leakAPI || leakPage):
				t.Errorf("LEAK: %s finds %q (API %v, page %v)", rd.name, n.key, leakAPI, leakPage)
			}
		}
		if seen == 0 || missed == 0 {
			t.Errorf("%s sees %d and misses %d notes: the fixture proves nothing", rd.name, seen, missed)
		}
	}
}
