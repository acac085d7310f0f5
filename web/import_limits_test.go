package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/net/html"

	"glossa/content"
	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

func withImportLimits(notes, atOnce int) appOption {
	return func(c *Config) { c.ImportLimit, c.ImportsAtOnce = notes, atOnce }
}

// importTo posts a file to the import API with a query (such as
// "?source=any") and returns the response, its body read.
func importTo(t *testing.T, c *client, query, data string) (*http.Response, string) {
	t.Helper()
	res := c.do("POST", "/api/documents/"+essaySlug+"/import"+query, strings.NewReader(data), http.Header{"Content-Type": {"application/ld+json"}})
	return res, readBody(res)
}

// wholeParagraphNotes is a W3C file of notes on whole paragraphs, one per
// id.
func wholeParagraphNotes(e *library.Doc, ids ...string) string {
	var anns []map[string]any
	for i, id := range ids {
		anns = append(anns, w3cOn("urn:x:"+id, e.Current.Blocks[i%len(e.Current.Blocks)].Anchor, "", "note "+id))
	}
	return jsonOf(anns)
}

// A reader's imports count against a daily allowance of notes: a file
// that would go over it imports nothing and says when it will fit (429,
// Retry-After), or that it never will (422); notes already here do not
// count, and each reader has their own.
func TestImportAllowance(t *testing.T) {
	a := newApp(t, withBaseURL(testBase), withImportLimits(5, 0))
	ann, bob := a.signUp(t, "ann"), a.signUp(t, "bob")
	e := a.essay(t)
	ctx := context.Background()
	count := func(name string) int {
		return must(a.db.CountNotes(ctx, viewerOfUser(t, a, name), e.ID))
	}

	if rep, st := importAs(t, ann, wholeParagraphNotes(e, "1", "2", "3")); st != 200 || rep.Imported != 3 {
		t.Fatalf("first import: %d %s %v", st, rep.Summary(), rep.Lines)
	}
	res, body := importTo(t, ann, "", wholeParagraphNotes(e, "4", "5", "6"))
	secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	if res.StatusCode != http.StatusTooManyRequests || secs < 1 || secs > 24*3600 ||
		!strings.Contains(body, "imported 3 in the last day: 2 more fit now, of the 5") {
		t.Errorf("over the allowance: %d, Retry-After %q, %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if n := count("ann"); n != 3 {
		t.Errorf("ann has %d notes after the refused import, want 3", n)
	}
	// The form says the same beside the file.
	res = uploadFile(ann, essaySlug, "more.json", []byte(wholeParagraphNotes(e, "4", "5", "6")))
	doc := parsePage(t, res, http.StatusTooManyRequests)
	if msg := text(query(doc, "#file-error")); !strings.Contains(msg, "2 more fit now") || res.Header.Get("Retry-After") == "" {
		t.Errorf("the form's error: %q (Retry-After %q)", msg, res.Header.Get("Retry-After"))
	}

	// What is here already costs nothing: three skipped, two new.
	if rep, st := importAs(t, ann, wholeParagraphNotes(e, "1", "2", "3", "4", "5")); st != 200 || rep.Imported != 2 || rep.Skipped != 3 {
		t.Errorf("a file with three notes here already: %d %s", st, rep.Summary())
	}
	res, body = importTo(t, ann, "", wholeParagraphNotes(e, "6"))
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("one over: %d %s", res.StatusCode, body)
	}
	// Deleting does not give the allowance back.
	ns := must(a.db.Notes(ctx, viewerOfUser(t, a, "ann"), store.NoteQuery{DocumentID: e.ID}))
	if err := a.db.DeleteNote(ctx, grpUID(t, a, "ann"), ns[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	if res, body = importTo(t, ann, "", wholeParagraphNotes(e, "6")); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after a delete: %d %s", res.StatusCode, body)
	}

	// bob has his own allowance; a file larger than all of it never fits.
	res, body = importTo(t, bob, "", wholeParagraphNotes(e, "a", "b", "c", "d", "e", "f"))
	if res.StatusCode != http.StatusUnprocessableEntity || res.Header.Get("Retry-After") != "" ||
		!strings.Contains(body, "would add 6 notes, and a reader may import at most 5 a day") {
		t.Errorf("a file over the whole allowance: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if rep, st := importAs(t, bob, wholeParagraphNotes(e, "a", "b", "c", "d", "e")); st != 200 || rep.Imported != 5 {
		t.Errorf("bob's import: %d %s", st, rep.Summary())
	}
}

// The store checks the allowance again in the transaction that writes the
// notes, so imports that each fit but not together cannot both be written.
func TestImportAllowanceInTransaction(t *testing.T) {
	a := newApp(t)
	a.signUp(t, "ann")
	e := a.essay(t)
	ctx := context.Background()
	uid := grpUID(t, a, "ann")
	allow := store.ImportAllowance{Notes: 3, Per: time.Hour}
	note := func(key string) store.ImportNote {
		tg := store.Target{RevisionID: e.Rev.ID, Anchor: e.Current.Blocks[0].Anchor}
		return store.ImportNote{Key: key, Source: "urn:t:" + key, Audience: store.Private,
			Original: store.Original{Target: tg}, Current: store.Current{Target: tg, Status: store.StatusExact, Score: 1}}
	}
	// Both asked first, and both fit alone.
	for _, want := range []int{2, 2} {
		if err := a.db.CheckImportAllowance(ctx, uid, want, allow); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.db.ImportNotes(ctx, uid, e.ID, []store.ImportNote{note("1"), note("2")}, allow); err != nil {
		t.Fatal(err)
	}
	_, err := a.db.ImportNotes(ctx, uid, e.ID, []store.ImportNote{note("3"), note("4")}, allow)
	var ae *store.AllowanceError
	if !errors.As(err, &ae) || ae.Used != 2 || ae.Want != 2 || ae.RetryAt.IsZero() {
		t.Fatalf("the second import: %v", err)
	}
	if n := must(a.db.CountNotes(ctx, store.Viewer{UserID: uid}, e.ID)); n != 2 {
		t.Errorf("%d notes, want the first import's 2 only", n)
	}
}

// Sending a file again places none of its notes on the text: what is here
// already is found first, and placing is most of an import's work.
func TestImportSkipsBeforePlacing(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	ann := a.signUp(t, "ann")
	e := a.essay(t)
	var anns []map[string]any
	for i := range 60 {
		b := e.Current.Blocks[i%len(e.Current.Blocks)]
		quote := "words that are nowhere in the essay, number " + strconv.Itoa(i) // searched word for word, then approximately
		if i%2 == 0 {
			quote = strings.Join(strings.Fields(b.Text)[:2], " ")
		}
		anns = append(anns, w3cOn(fmt.Sprintf("urn:x:%d", i), b.Anchor, quote, "note"))
	}
	file := jsonOf(anns)
	placed := func() int64 { return a.srv.imports.placed.Load() }

	before := placed()
	rep, st := importAs(t, ann, file)
	if st != 200 || rep.Imported != 60 {
		t.Fatalf("first import: %d %s", st, rep.Summary())
	}
	if n := placed() - before; n != 60 {
		t.Errorf("the first import placed %d notes, want 60", n)
	}
	before = placed()
	rep, st = importAs(t, ann, file)
	if st != 200 || rep.Imported != 0 || rep.Skipped != 60 || !hasLine(rep, 1, "skipped", "already imported") {
		t.Fatalf("second import: %d %s", st, rep.Summary())
	}
	if n := placed() - before; n != 0 {
		t.Errorf("sending the file again placed %d notes, want none", n)
	}

	// A reply whose thread was imported before joins it.
	reply := jsonOf([]map[string]any{anns[0], {"@context": transfer.AnnoContext, "type": "Annotation", "id": "urn:x:reply", "motivation": "replying",
		"body": map[string]any{"type": "TextualBody", "value": "a late reply"}, "target": "urn:x:0"}})
	rep, st = importAs(t, ann, reply)
	if st != 200 || rep.Skipped != 1 || rep.Replies != 1 {
		t.Errorf("a reply to a note here already: %d %s %v", st, rep.Summary(), rep.Lines)
	}
}

// Imports run one at a time per reader and a few at a time in all; one
// more is refused at once (a reader's before the file is read), and
// nothing is written.
func TestImportConcurrencyLimit(t *testing.T) {
	a := newApp(t, withBaseURL(testBase), withImportLimits(0, 1))
	ann, bob := a.signUp(t, "ann"), a.signUp(t, "bob")
	e := a.essay(t)
	file := wholeParagraphNotes(e, "1")

	// ann's import under way, holding her slot and the server's one.
	leave, err := a.srv.imports.reader(grpUID(t, a, "ann"))
	if err != nil {
		t.Fatal(err)
	}
	leaveServer, err := a.srv.imports.server()
	if err != nil {
		t.Fatal(err)
	}
	res, body := importTo(t, ann, "", file)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "importing another file already") {
		t.Errorf("ann's second import: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	res, body = importTo(t, bob, "", file)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "as many as it takes at once") {
		t.Errorf("bob's import while the server is full: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	doc := parsePage(t, uploadFile(bob, essaySlug, "f.json", []byte(file)), http.StatusServiceUnavailable)
	if !strings.Contains(text(query(doc, "#file-error")), "Try again in a minute") {
		t.Errorf("the form's error: %q", text(query(doc, "#file-error")))
	}
	if n := must(a.db.CountNotes(context.Background(), store.Viewer{}, e.ID)) + must(a.db.CountNotes(context.Background(), viewerOfUser(t, a, "bob"), e.ID)); n != 0 {
		t.Errorf("%d notes written while refused", n)
	}
	leave()
	leaveServer()
	for _, c := range []*client{ann, bob} {
		if rep, st := importAs(t, c, file); st != 200 || rep.Imported != 1 {
			t.Errorf("%s's import once the slot is free: %d %s", c.name, st, rep.Summary())
		}
	}
}

// An imported note says so wherever it is shown: its date is its file's
// claim ("imported; written …"), in a group audience as anywhere, and
// the API gives the import's time beside the file's dates. A date still
// to come is no claim: it comes in dated now.
func TestImportedNotesMarked(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	e := a.essay(t)
	p := a.paragraphWith(t, "two logics")
	group := "group:" + strconv.FormatInt(c.group.ID, 10)
	mk := func(id, created, body string) map[string]any {
		an := w3cOn(id, p.Anchor, "two logics", body)
		an["created"], an["audience"], an["creator"] = created, group, map[string]any{"type": "Person", "name": "ann"}
		return an
	}
	started := time.Now().Add(-time.Second)
	rep, st := importAs(t, c.ann, jsonOf([]map[string]any{
		mk("urn:x:old", "2016-01-02T03:04:05Z", "Written, says the file, in 2016."),
		mk("urn:x:future", "2999-01-01T00:00:00Z", "From the future."),
	}))
	if st != 200 || rep.Imported != 2 || !hasLine(rep, 2, "note", "later than this import: it comes in dated now") {
		t.Fatalf("import: %d %s %v", st, rep.Summary(), rep.Lines)
	}
	native := grpNote(t, a, c.ann, p.Anchor, store.Members, c.group.ID, "Written here.", false)
	ctx := context.Background()
	var old, future store.Note
	for _, n := range must(a.db.Notes(ctx, viewerOfUser(t, a, "bob"), store.NoteQuery{DocumentID: e.ID})) {
		switch n.Body {
		case "Written, says the file, in 2016.":
			old = n
		case "From the future.":
			future = n
		}
	}
	if old.Audience != store.Members || !old.Imported || future.ID == "" {
		t.Fatalf("imported notes as bob sees them: %+v %+v", old, future)
	}

	// bob, in the group, in the paragraph's conversation and on the
	// note's page.
	for _, path := range []string{"/read/" + essaySlug + "/notes/" + p.Anchor, "/notes/" + old.ID} {
		doc := c.bob.page(path, 200)
		when := query(doc, "#note-"+old.ID+" .when")
		if got := strings.Join(strings.Fields(text(when)), " "); got != "imported; written 2 Jan 2016" || query(when, ".imported") == nil {
			t.Errorf("%s: the imported note's date reads %q", path, got)
		}
		if mark := query(doc, "#note-"+native.ID+" .when .imported"); mark != nil {
			t.Errorf("%s: a note written here is marked imported", path)
		}
	}
	// The print edition.
	doc := c.bob.page("/read/"+essaySlug+"/print?layers="+group, 200)
	if n := query(doc, `.ed-note[data-note="`+old.ID+`"] .ed-imported`); n == nil {
		t.Error("the print edition does not mark the imported note")
	}

	// The API.
	var got struct {
		Created  string `json:"created"`
		Imported *struct {
			At string `json:"at"`
		} `json:"imported"`
	}
	get := func(id string) {
		got.Imported = nil
		if res := c.bob.apiJSON("GET", "/api/annotations/"+id, nil, nil, &got); res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", id, res.StatusCode)
		}
	}
	get(old.ID)
	at, err := time.Parse(time.RFC3339, func() string {
		if got.Imported == nil {
			return ""
		}
		return got.Imported.At
	}())
	if got.Created != "2016-01-02T03:04:05Z" || err != nil || at.Before(started.Truncate(time.Second)) || at.After(time.Now()) {
		t.Errorf("the API's imported note: created %q, imported %+v", got.Created, got.Imported)
	}
	get(future.ID)
	if got.Imported == nil || got.Created != got.Imported.At {
		t.Errorf("a note dated in the future: created %q, imported %+v; want the import's time", got.Created, got.Imported)
	}
	get(native.ID)
	if got.Imported != nil {
		t.Errorf("a note written here says it was imported: %+v", got.Imported)
	}
}

// An orphan imported with a quote that is not in the essay shows that
// quote as the importer's words, never as the essay's: on the reading
// page, the note's page, the print edition, the exports and the API.
func TestImportedOrphanQuoteLabelled(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	ann := a.signUp(t, "ann")
	e := a.essay(t)
	const made = "a sentence the essay never had"
	rep, st := importAs(t, ann, jsonOf([]map[string]any{w3cOn("urn:x:orphan", e.Current.Blocks[3].Anchor, made, "On words I made up.")}))
	if st != 200 || rep.Orphaned != 1 || !hasLine(rep, 1, "orphaned", "its quote marked as the file’s words") {
		t.Fatalf("import: %d %s %v", st, rep.Summary(), rep.Lines)
	}
	ns := must(a.db.Notes(context.Background(), viewerOfUser(t, a, "ann"), store.NoteQuery{DocumentID: e.ID}))
	if len(ns) != 1 || !ns[0].QuoteByImporter() {
		t.Fatalf("the orphan: %+v", ns)
	}
	id := ns[0].ID

	doc := ann.page("/read/"+essaySlug, 200)
	earlier := query(doc, "#earlier")
	if query(earlier, `a.card[data-note="`+id+`"]`) == nil {
		t.Error("the reading page does not list the orphan")
	}
	if orig := text(query(earlier, ".orig")); !strings.Contains(orig, "the importer’s words, not found in the essay") || !strings.Contains(orig, made) || strings.Contains(orig, "Written on") {
		t.Errorf("the orphan's origin line: %q", orig)
	}
	earlier = ann.page("/read/"+essaySlug+"/notes/earlier", 200)
	if by := query(earlier, "#note-"+id+" .quote-by"); by == nil || !strings.Contains(text(by), "Quoted by the importer") {
		t.Error("the notes on an earlier version show the orphan's quote unlabelled")
	}
	if q := query(earlier, "#note-"+id+" .quote-imported"); q == nil || text(q) != made {
		t.Error("the notes on an earlier version lost the orphan's quote")
	}
	doc = ann.page("/notes/"+id, 200)
	if query(doc, "#note-"+id+" .quote-by") == nil {
		t.Error("the note's page shows the quote unlabelled")
	}
	doc = ann.page("/read/"+essaySlug+"/print", 200)
	if w := text(query(doc, `.ed-note[data-note="`+id+`"] .ed-where`)); !strings.Contains(w, "its quote is the importer’s words") {
		t.Errorf("the print edition: %q", w)
	}

	var got struct {
		Imported *struct {
			QuoteByImporter bool `json:"quoteByImporter"`
		} `json:"imported"`
	}
	if res := ann.apiJSON("GET", "/api/annotations/"+id, nil, nil, &got); res.StatusCode != 200 || got.Imported == nil || !got.Imported.QuoteByImporter {
		t.Errorf("the API: %d %+v", res.StatusCode, got.Imported)
	}
	body, _ := exportAs(t, ann, transfer.FormatCSV, "mine")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][slices.Index(transfer.CSVColumns, "importer_quote")] != "yes" {
		t.Errorf("the CSV: %v %v", rows, err)
	}
	if md, _ := exportAs(t, ann, transfer.FormatMarkdown, "mine"); !strings.Contains(md, "**Imported with the quote “"+made+"”, the importer’s words, not the essay’s**") {
		t.Errorf("the Markdown export:\n%s", md)
	}
	if js, _ := exportAs(t, ann, transfer.FormatJSONLD, "mine"); !strings.Contains(js, `"quoteByImporter": true`) {
		t.Errorf("the JSON-LD export:\n%s", js)
	}
}

// essayWithSources is the embedded essay with a source: list in its front
// matter.
func essayWithSources(t *testing.T, sources ...string) fstest.MapFS {
	t.Helper()
	src := string(must(content.Essays.ReadFile(essaySlug + ".md")))
	fm := "source:\n"
	for _, s := range sources {
		fm += "  - " + s + "\n"
	}
	return fstest.MapFS{essaySlug + ".md": {Data: []byte(strings.Replace(src, "---\n", "---\n"+fm, 1))}}
}

// hypothesisOn is a Hypothesis export of annotations made on page uri,
// each on a quote.
func hypothesisOn(uri string, quotes ...string) string {
	var rows []map[string]any
	for i, q := range quotes {
		rows = append(rows, map[string]any{"id": fmt.Sprintf("h%s%d", strings.NewReplacer(":", "", "/", "", ".", "").Replace(uri), i),
			"user": "acct:ann@hypothes.is", "uri": uri, "text": "on " + q, "created": "2024-05-02T09:15:00Z",
			"target": []map[string]any{{"source": uri, "selector": []map[string]any{{"type": "TextQuoteSelector", "exact": q}}}}})
	}
	return jsonOf(map[string]any{"annotations": rows})
}

// Notes made on the page where the essay was first published come in, on
// their quotes, when the essay names that page in its front matter
// (source:, one URL or a list); notes made on any other page come in when
// the reader says they belong to this essay (source=any, the form's box),
// each placed by its quote alone.
func TestImportFromOriginalPage(t *testing.T) {
	const original = "https://www.globalasia.org/v11no1/cover/alliances-and-the-future-asia-pacific-order_tj-pempel"
	a := newApp(t, withBaseURL(testBase), withContent(essayWithSources(t, original, "https://mirror.example/pempel/")))
	ann := a.signUp(t, "ann")
	e := a.essay(t)
	if !slices.Equal(e.Current.Meta.Source, []string{original, "https://mirror.example/pempel/"}) {
		t.Fatalf("the essay's sources: %q", e.Current.Meta.Source)
	}

	// The original page (its query does not matter), and the mirror.
	file := hypothesisOn(original+"?utm_source=newsletter", "two logics")
	rep, st := importAs(t, ann, file)
	if st != 200 || rep.Imported != 1 || rep.Exact != 1 || rep.Rejected != 0 {
		t.Errorf("from the original page: %d %s %v", st, rep.Summary(), rep.Lines)
	}
	if rep, st = importAs(t, ann, hypothesisOn("http://MIRROR.example/pempel", "abounding uncertainties")); st != 200 || rep.Exact != 1 {
		t.Errorf("from the mirror: %d %s %v", st, rep.Summary(), rep.Lines)
	}

	// Another page: only when the reader says so.
	other := hypothesisOn("https://elsewhere.example/a-copy", "simple path dependence")
	rep, st = importAs(t, ann, other)
	if st != 200 || rep.Imported != 0 || !hasLine(rep, 1, "rejected", "source=any") {
		t.Errorf("from another page: %d %s %v", st, rep.Summary(), rep.Lines)
	}
	res, body := importTo(t, ann, "?source=any", other)
	if err := json.Unmarshal([]byte(body), &rep); res.StatusCode != 200 || err != nil || rep.Exact != 1 || !hasLine(rep, 0, "note", "made on other pages (https://elsewhere.example/a-copy)") {
		t.Errorf("from another page with source=any: %d %s", res.StatusCode, body)
	}
	if res, body = importTo(t, ann, "?source=mine", other); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "source=any") {
		t.Errorf("source=mine: %d %s", res.StatusCode, body)
	}

	// A W3C annotation from another page: its paragraph and offsets are
	// that page's, so its quote alone places it.
	p := a.paragraphWith(t, "hub-and-spoke alliances")
	w := w3cOn("urn:x:elsewhere", "p-0badc0de", "hub-and-spoke alliances", "from elsewhere")
	w["target"].(map[string]any)["source"] = "https://elsewhere.example/a-copy"
	w["target"].(map[string]any)["selector"].(map[string]any)["refinedBy"] = []map[string]any{
		{"type": "TextQuoteSelector", "exact": "hub-and-spoke alliances"}, {"type": "TextPositionSelector", "start": 0, "end": 23}}
	res, body = importTo(t, ann, "?source=any", jsonOf([]map[string]any{w}))
	if err := json.Unmarshal([]byte(body), &rep); res.StatusCode != 200 || err != nil || rep.Imported != 1 || rep.Orphaned != 0 {
		t.Errorf("a W3C annotation from another page: %d %s", res.StatusCode, body)
	}
	for _, n := range must(a.db.Notes(context.Background(), viewerOfUser(t, a, "ann"), store.NoteQuery{DocumentID: e.ID})) {
		if n.Body == "from elsewhere" && (n.Current.Anchor != p.Anchor || n.Current.Exact != "hub-and-spoke alliances") {
			t.Errorf("the W3C annotation from another page is on %s %q", n.Current.Anchor, n.Current.Exact)
		}
	}

	// The form: a box to tick, labelled, kept ticked when the import fails.
	doc := ann.page("/read/"+essaySlug+"/export", 200)
	box := query(doc, `form[action="/read/`+essaySlug+`/import"] input[type=checkbox][name=source][value=any]`)
	if box == nil || box.Parent.Data != "label" || !strings.Contains(text(box.Parent), "whatever page they were made on") {
		t.Fatal("the import form has no labelled source=any box")
	}
	upload := func(data string) *http.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "h.json")
		fw.Write([]byte(data))
		mw.WriteField("source", "any") // after the file, as a form may send it
		mw.Close()
		return ann.do("POST", "/read/"+essaySlug+"/import", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
	}
	doc = parsePage(t, upload(hypothesisOn("https://another.example/page", "abounding uncertainties", "two logics")), 200)
	if s := text(query(doc, ".import-report [role=status]")); !strings.Contains(s, "2 of 2 annotations imported") {
		t.Errorf("the form's import with the box ticked: %q", s)
	}
	doc = parsePage(t, upload("not json"), http.StatusBadRequest)
	if box := query(doc, `input[name=source][value=any]`); box == nil || !slices.ContainsFunc(box.Attr, func(a html.Attribute) bool { return a.Key == "checked" }) {
		t.Error("the box is not kept ticked when the import fails")
	}
}

// reimportFile is a Hypothesis file of n annotations on the essay, half on
// its words and half on 370 characters it does not have (searched word
// for word, then approximately: the dearest to place).
func reimportFile(e *library.Doc, n int) string {
	var rows []map[string]any
	for i := range n {
		b := e.Current.Blocks[i%len(e.Current.Blocks)]
		words := strings.Fields(b.Text)
		quote := strings.Join(words[:min(len(words), 4)], " ")
		if i%2 == 1 {
			quote = fmt.Sprintf("%d: %s", i, strings.Repeat("words that the essay never had in this order, ", 8))
		}
		rows = append(rows, map[string]any{"id": fmt.Sprintf("bench%05d", i), "user": "acct:ann@hypothes.is",
			"uri": testBase + "/read/" + essaySlug, "text": "note " + strconv.Itoa(i),
			"target": []map[string]any{{"selector": []map[string]any{{"type": "TextQuoteSelector", "exact": quote}}}}})
	}
	return jsonOf(map[string]any{"rows": rows})
}

// BenchmarkReimport1000 sends again a file of 1,000 annotations already
// imported: the cost of a repeated import, which places nothing.
func BenchmarkReimport1000(b *testing.B) {
	a := newApp(b, withBaseURL(testBase), withImportLimits(1_000_000, 0))
	ann := a.signUp(b, "ann")
	file := reimportFile(a.essay(b), 1000)
	send := func() {
		res := ann.do("POST", "/api/documents/"+essaySlug+"/import", strings.NewReader(file), http.Header{"Content-Type": {"application/json"}})
		if body := readBody(res); res.StatusCode != 200 {
			b.Fatalf("import: %d %s", res.StatusCode, truncate(body, 300))
		}
	}
	send()
	for b.Loop() {
		send()
	}
}
