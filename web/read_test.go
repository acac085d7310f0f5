package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHealthz(t *testing.T) {
	app := newApp(t)
	res := app.client(t).get("/healthz")
	if body := readBody(res); res.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("healthz: %d %q", res.StatusCode, body)
	}
}

func TestLibraryListsEssay(t *testing.T) {
	app := newApp(t)
	doc := app.client(t).page("/", http.StatusOK)
	link := query(doc, `ul.library a[href="/read/`+essaySlug+`"]`)
	if link == nil || text(link) != "Alliances and the Future Asia-Pacific Order" {
		t.Fatalf("library has no link to the essay: %v", text(query(doc, "main")))
	}
	if got := text(query(doc, "ul.library .byline")); !strings.Contains(got, "T.J. Pempel") || !strings.Contains(got, "Global Asia") {
		t.Errorf("byline = %q", got)
	}
}

func TestReadPageAnchorsAndControls(t *testing.T) {
	app := newApp(t)
	doc := app.client(t).page("/read/"+essaySlug, http.StatusOK)
	if got := text(query(doc, "h1")); got != "Alliances and the Future Asia-Pacific Order" {
		t.Errorf("h1 = %q", got)
	}
	blocks := queryAll(doc, ".doc-body [data-anchor]")
	if want := len(app.essay(t).Current.Blocks); len(blocks) != want || want < 25 {
		t.Fatalf("%d anchored blocks on the page, %d in the document", len(blocks), want)
	}
	for _, b := range blocks {
		anchor := attr(b, "data-anchor")
		if !strings.HasPrefix(anchor, "p-") {
			t.Errorf("anchor %q", anchor)
		}
		wrap := query(doc, `[data-block="`+anchor+`"]`)
		if wrap == nil {
			t.Fatalf("no wrapper for %s", anchor)
		}
		// ¶ opens its conversation (its notes page, or with JavaScript a
		// panel beside it, at #p-…), and says how many notes it has.
		open := query(wrap, `.margin a.open[href="/read/`+essaySlug+`/notes/`+anchor+`"]`)
		if open == nil || text(query(open, ".pilcrow")) != "¶" {
			t.Errorf("%s: no ¶ link to its notes", anchor)
		}
		if got := text(open); !strings.Contains(got, "none yet") || query(open, ".count") != nil {
			t.Errorf("%s: a paragraph without notes says %q", anchor, got)
		}
		annotate := query(wrap, "a.annotate")
		if href := attr(annotate, "href"); !strings.HasPrefix(href, "/signin?next=") {
			t.Errorf("%s: signed-out Annotate link = %q", anchor, href)
		}
		// A link to #p-… must land on an element with that id.
		if query(doc, "#"+anchor) == nil {
			t.Errorf("no element has id %s", anchor)
		}
	}
	if n := len(queryAll(doc, ".doc-body h2[data-anchor]")); n != 4 {
		t.Errorf("%d section headings, want 4", n)
	}
	if n := len(queryAll(doc, ".footnotes li")); n != 3 {
		t.Errorf("%d footnotes, want 3", n)
	}
	if n := len(queryAll(doc, "script:not([src])")); n != 0 {
		t.Errorf("%d inline scripts", n)
	}
}

func TestSecurityHeaders(t *testing.T) {
	app := newApp(t)
	res := app.client(t).get("/read/" + essaySlug)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
}

func TestUnknownDocument404(t *testing.T) {
	app := newApp(t)
	app.client(t).page("/read/no-such-essay", http.StatusNotFound)
	app.client(t).page("/read/"+essaySlug+"/rev/99", http.StatusNotFound)
}

func TestStaticFilesCached(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	doc := c.page("/read/"+essaySlug, http.StatusOK)
	href := attr(query(doc, `link[rel="stylesheet"]`), "href")
	if !strings.Contains(href, "?v=") {
		t.Fatalf("stylesheet href %q has no version", href)
	}
	res := c.get(href)
	readBody(res)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("static: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("content type %q", ct)
	}
	js := c.get("/static/js/reader.js")
	readBody(js)
	if ct := js.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("reader.js content type %q", ct)
	}
}

// Text files go gzipped to a browser that accepts it, as the same bytes
// once decompressed, with their own ETag; others get them plain.
func TestStaticFilesGzipped(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	get := func(enc, etag string) (*http.Response, []byte) {
		t.Helper()
		h := http.Header{"Accept-Encoding": {enc}}
		if etag != "" {
			h.Set("If-None-Match", etag)
		}
		res := c.do("GET", "/static/js/reader.js", nil, h) // an explicit header: the client does not decompress
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	plain, body := get("identity", "")
	zipped, zbody := get("br, gzip;q=0.8", "")
	if plain.Header.Get("Content-Encoding") != "" || zipped.Header.Get("Content-Encoding") != "gzip" ||
		!strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("encodings: plain %q, gzip %q (Vary %q)", plain.Header.Get("Content-Encoding"),
			zipped.Header.Get("Content-Encoding"), zipped.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zbody))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, body) || len(zbody) >= len(body) {
		t.Errorf("gzipped reader.js: %d bytes for %d, decompresses equal: %v (%v)", len(zbody), len(body), bytes.Equal(unzipped, body), err)
	}
	if plain.Header.Get("ETag") == zipped.Header.Get("ETag") {
		t.Error("the gzipped and plain files share an ETag")
	}
	if res, _ := get("gzip", zipped.Header.Get("ETag")); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the gzip ETag: %d", res.StatusCode)
	}
	if res, _ := get("gzip;q=0", ""); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 still got gzip")
	}
}

// The reading page goes gzipped to signed-out readers whose browser
// accepts it, the same page as the plain one, twice in a row (once made,
// once from the cache); a signed-in reader's page goes plain (see
// writePage: BREACH).
func TestReadPageGzippedWhenSignedOut(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	ann.createNote(app.paragraph(t, 1).Anchor, "", "A public note for the gzip test.", "public")
	get := func(c *client, enc string) (*http.Response, []byte) {
		t.Helper()
		res := c.do("GET", "/read/"+essaySlug, nil, http.Header{"Accept-Encoding": {enc}}) // explicit: not decompressed for us
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET page: %d %v", res.StatusCode, err)
		}
		return res, b
	}
	reader := app.client(t)
	_, plain := get(reader, "identity")
	for i := range 2 {
		res, z := get(reader, "gzip, deflate")
		vary := strings.Join(res.Header.Values("Vary"), ", ")
		if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(vary, "Accept-Encoding") {
			t.Fatalf("request %d: Content-Encoding %q, Vary %q", i+1, res.Header.Get("Content-Encoding"), vary)
		}
		zr, err := gzip.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain) || len(z) >= len(plain)/2 {
			t.Fatalf("request %d: %d gzipped bytes for %d, equal after gunzip: %v (%v)", i+1, len(z), len(plain), bytes.Equal(unzipped, plain), err)
		}
		if !strings.Contains(string(unzipped), "A public note for the gzip test.") {
			t.Fatal("the gzipped page lacks the note")
		}
	}
	if res, _ := get(reader, "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 still got gzip")
	}
	res, b := get(ann, "gzip")
	if res.Header.Get("Content-Encoding") != "" || !strings.Contains(string(b), "A public note for the gzip test.") {
		t.Errorf("signed-in page: Content-Encoding %q, plain page with the note: %v", res.Header.Get("Content-Encoding"),
			strings.Contains(string(b), "A public note for the gzip test."))
	}
}

// TestNoteFlowWithoutJavaScript is the form path: Annotate link, form,
// Post/Redirect/Get back to the paragraph, the note in its margin with the
// phrase highlighted, and still there after a restart.
func TestNoteFlowWithoutJavaScript(t *testing.T) {
	dbPath := newTestDSN(t)
	app := newAppAt(t, dbPath)
	ann := app.signUp(t, "ann")
	p := app.paragraphWith(t, "two logics")

	doc := ann.page("/read/"+essaySlug, http.StatusOK)
	link := query(doc, `[data-block="`+p.Anchor+`"] a.annotate`)
	href := attr(link, "href")
	if href != "/read/"+essaySlug+"/annotate?anchor="+url.QueryEscape(p.Anchor) {
		t.Fatalf("Annotate link = %q", href)
	}
	form := ann.page(href, http.StatusOK)
	if got := text(query(form, "blockquote.context")); got != p.Text {
		t.Errorf("form shows %q, want the paragraph", got)
	}
	if query(form, `form input[name="phrase"]`) == nil || query(form, `form textarea[name="body"]`) == nil {
		t.Fatal("form lacks phrase or body")
	}

	res := ann.postForm("/read/"+essaySlug+"/notes", url.Values{
		"anchor": {p.Anchor}, "phrase": {"two logics"}, "body": {"Which *two*?"}, "audience": {"public"},
	})
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/read/"+essaySlug+"#"+p.Anchor {
		t.Fatalf("create: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	check := func(c *client) {
		t.Helper()
		doc := c.page("/read/"+essaySlug, http.StatusOK)
		wrap := query(doc, `[data-block="`+p.Anchor+`"]`)
		card := query(wrap, ".margin a.card")
		if card == nil {
			t.Fatal("note not in the paragraph's margin")
		}
		if got := text(query(card, ".card-words")); got != "Which two?" {
			t.Errorf("the card's words: %q", got)
		}
		if got := text(query(wrap, "mark.hl")); got != "two logics" {
			t.Errorf("highlight = %q", got)
		}
		if got := text(query(wrap, "a.open .count")); !strings.HasPrefix(got, "1") {
			t.Errorf("count = %q", got)
		}
		// Its conversation has the note whole.
		conv := c.page(attr(query(wrap, "a.open"), "href"), http.StatusOK)
		if got := text(query(conv, ".note .note-body em")); got != "two" {
			t.Errorf("markdown body not rendered: %q", text(query(conv, ".note")))
		}
	}
	check(ann)
	check(app.client(t)) // public: a signed-out reader sees it too

	// Restart on the same database: the note is still there.
	app.close()
	app2 := newAppAt(t, dbPath)
	check(app2.client(t))
}

func TestFormErrorsKeepText(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	long := strings.Repeat("é", maxBodyChars+1)
	cases := []struct {
		name   string
		form   url.Values
		field  string
		status int
	}{
		{"phrase not in paragraph", url.Values{"phrase": {"not in this text at all"}, "body": {"my words"}}, "phrase", 422},
		{"phrase twice", url.Values{"phrase": {"alliance"}, "body": {"my words"}}, "phrase", 422},
		{"body too long", url.Values{"body": {long}}, "body", 422},
		{"bad audience", url.Values{"body": {"my words"}, "audience": {"friends"}}, "audience", 422},
		{"offsets outside", url.Values{"start": {"5"}, "end": {"99999"}, "body": {"my words"}}, "selector", 422},
		{"quote mismatch", url.Values{"start": {"0"}, "end": {"3"}, "phrase": {"xyz"}, "body": {"my words"}}, "phrase", 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("anchor", p.Anchor)
			before := must(app.db.CountNotes(t.Context(), viewerOf(t.Context()), app.essay(t).ID))
			res := ann.postForm("/read/"+essaySlug+"/notes", tc.form)
			doc := parsePage(t, res, tc.status)
			summary := query(doc, ".error-summary")
			if summary == nil || text(summary) == "" {
				t.Fatal("no error summary")
			}
			if got := query(doc, "textarea[name=body]"); tc.form.Get("body") != "" && strings.TrimSpace(text(got)) != tc.form.Get("body") {
				t.Errorf("body not kept: %q", truncate(text(got), 50))
			}
			if got := attr(query(doc, "input[name=phrase]"), "value"); got != tc.form.Get("phrase") {
				t.Errorf("phrase not kept: %q", got)
			}
			after := must(app.db.CountNotes(t.Context(), viewerOf(t.Context()), app.essay(t).ID))
			if after != before {
				t.Errorf("a note was written despite the error")
			}
		})
	}
	// An anchor that does not exist is a clear 422 too.
	res := ann.postForm("/read/"+essaySlug+"/notes", url.Values{"anchor": {"p-00000000"}, "body": {"x"}})
	if body := readBody(res); res.StatusCode != 422 || !strings.Contains(body, "p-00000000") {
		t.Errorf("unknown anchor: %d", res.StatusCode)
	}
}

func TestSignedOutCannotPost(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	p := app.paragraph(t, 0)
	res := c.postForm("/read/"+essaySlug+"/notes", url.Values{"anchor": {p.Anchor}, "body": {"x"}})
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
		t.Fatalf("signed-out post: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = c.get("/read/" + essaySlug + "/annotate?anchor=" + p.Anchor)
	readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed-out annotate form: %d", res.StatusCode)
	}
}

func TestEditAndDeleteOwnNoteOnly(t *testing.T) {
	app := newApp(t)
	ann, bob := app.signUp(t, "ann"), app.signUp(t, "bob")
	p := app.paragraph(t, 1)
	ann.createNote(p.Anchor, "", "first words", "public")
	notes := must(app.db.Notes(t.Context(), viewerOf(t.Context()), noteQuery(app)))
	id := notes[0].ID

	// Bob sees it but may not edit or delete it.
	for _, path := range []string{"/notes/" + id + "/edit", "/notes/" + id + "/delete"} {
		bob.page(path, http.StatusForbidden)
		res := bob.postForm(path, url.Values{"body": {"bob was here"}, "version": {"1"}})
		readBody(res)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("bob POST %s: %d", path, res.StatusCode)
		}
	}

	form := ann.page("/notes/"+id+"/edit", http.StatusOK)
	if got := text(query(form, "textarea[name=body]")); got != "first words" {
		t.Fatalf("edit form body %q", got)
	}
	version := attr(query(form, "input[name=version]"), "value")
	res := ann.postForm("/notes/"+id+"/edit", url.Values{"body": {"second words"}, "audience": {"public"}, "version": {version}})
	readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	// A second edit from the stale form is refused and keeps the text.
	res = ann.postForm("/notes/"+id+"/edit", url.Values{"body": {"stale words"}, "audience": {"public"}, "version": {version}})
	doc := parsePage(t, res, http.StatusConflict)
	if got := text(query(doc, "textarea[name=body]")); got != "stale words" {
		t.Errorf("stale edit lost the text: %q", got)
	}
	page := ann.page("/notes/"+id, http.StatusOK)
	if got := text(query(page, ".note-body")); got != "second words" {
		t.Errorf("note now reads %q", got)
	}

	res = ann.postForm("/notes/"+id+"/delete", nil)
	readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	ann.page("/notes/"+id, http.StatusNotFound)
}

// TestRevisionKeepsNotes publishes a changed essay: anchors of unchanged
// paragraphs survive, a note whose words were deleted is listed under "notes
// on an earlier version" and its revision stays readable.
func TestRevisionKeepsNotes(t *testing.T) {
	dbPath := newTestDSN(t)
	v1 := "---\ntitle: Test\n---\n\nFirst paragraph stays.\n\nSecond paragraph goes away soon.\n\nThird paragraph has a phrase to keep.\n"
	v2 := "---\ntitle: Test\n---\n\nA new opening paragraph.\n\nFirst paragraph stays.\n\nThird paragraph has, now, a phrase to keep.\n"
	fs1 := fstest.MapFS{"t.md": {Data: []byte(v1)}}
	app := newAppAt(t, dbPath, withContent(fs1))
	ann := app.signUp(t, "ann")
	e, _ := app.srv.docs.Doc("t")
	first, second, third := e.Current.Blocks[0], e.Current.Blocks[1], e.Current.Blocks[2]
	post := func(anchor, phrase, body string) {
		res := ann.postForm("/read/t/notes", url.Values{"anchor": {anchor}, "phrase": {phrase}, "body": {body}})
		readBody(res)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("post: %d", res.StatusCode)
		}
	}
	post(first.Anchor, "stays", "on first")
	post(second.Anchor, "goes away", "on second")
	post(third.Anchor, "a phrase to keep", "on third")
	app.close()

	app2 := newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(v2)}}))
	ann2 := app2.client(t)
	res := ann2.postForm("/signin", url.Values{"name": {"ann"}, "password": {"correct horse"}})
	readBody(res)
	e2, _ := app2.srv.docs.Doc("t")
	if e2.Rev.Number != 2 {
		t.Fatalf("revision %d, want 2", e2.Rev.Number)
	}
	if b := e2.Current.Block(first.Anchor); b == nil || b.Text != first.Text {
		t.Errorf("unchanged paragraph lost its anchor %s", first.Anchor)
	}
	doc := ann2.page("/read/t", http.StatusOK)
	if got := text(query(ann2.page("/read/t/notes/"+first.Anchor, http.StatusOK), `.note .note-body`)); got != "on first" {
		t.Errorf("note on unchanged paragraph: %q", got)
	}
	// The edited third paragraph inherits its anchor and the quote moves.
	if got := text(query(doc, `[data-block="`+third.Anchor+`"] mark.hl`)); got != "a phrase to keep" {
		t.Errorf("quote on edited paragraph: %q", got)
	}
	earlier := query(doc, "#earlier")
	if earlier == nil || !strings.Contains(text(earlier), "on second") || !strings.Contains(text(earlier), "goes away") {
		t.Fatalf("no earlier-version list with the orphan: %q", text(earlier))
	}
	link := attr(query(earlier, `a[href^="/read/t/rev/1"]`), "href")
	if link == "" {
		t.Fatal("no link to revision 1")
	}
	old := ann2.page(strings.Split(link, "#")[0], http.StatusOK)
	if got := text(query(old, `[data-block="`+second.Anchor+`"] a.open .count`)); got != "1 note" {
		t.Errorf("revision 1 does not count the note where it was written: %q", got)
	}
	old = ann2.page(attr(query(old, `[data-block="`+second.Anchor+`"] a.open`), "href"), http.StatusOK)
	if got := text(query(old, `.note .note-body`)); got != "on second" {
		t.Errorf("revision 1 does not show the note where it was written: %q", got)
	}
}
