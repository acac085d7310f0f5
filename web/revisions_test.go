package web

import (
	"golang.org/x/net/html"

	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"glossa/content"
	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

// The essay as an operator edits it between two runs of the server.
const (
	revV1 = "---\ntitle: Test\n---\n\n" +
		"The alliance system has held for sixty years.\n\n" +
		"Washington built a hub and spkes network after the war.\n\n" +
		"This paragraph will be cut entirely by the editor.\n\n" +
		"Closing words stay as they are.\n"
	revV2 = "---\ntitle: Test\n---\n\n" +
		"The alliance system has held for sixty years.\n\n" +
		"After the war, Washington built a hub and spokes network.\n\n" +
		"Closing words stay as they are.\n\n" +
		"A new last paragraph about regional institutions.\n"
)

// revisedApp runs glossa on revV1, lets setup write notes on its blocks
// (given by anchor), then restarts it on revV2 over the same database. It
// returns the new app and revV1's anchors.
func revisedApp(t *testing.T, setup func(app *testApp, anchors []string)) (*testApp, []string) {
	t.Helper()
	dbPath := newTestDSN(t)
	app := newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(revV1)}}))
	e, err := app.srv.docs.Doc("t")
	if err != nil {
		t.Fatal(err)
	}
	var anchors []string
	for _, b := range e.Current.Blocks {
		anchors = append(anchors, b.Anchor)
	}
	setup(app, anchors)
	app.close()
	return newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(revV2)}})), anchors
}

func postNote(t *testing.T, c *client, anchor, phrase, body, audience string) {
	t.Helper()
	res := c.postForm("/read/t/notes", url.Values{"anchor": {anchor}, "phrase": {phrase}, "body": {body}, "audience": {audience}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("post %q: %d %s", body, res.StatusCode, truncate(readBody(res), 500))
	}
	readBody(res)
}

// A seminar's notes through a revision: each is where its words are, a
// quiet mark says which words changed, the lost one is listed honestly
// with a link to its revision, revision 1 shows the notes as they stood,
// the revision list counts only what the reader may see, and the author
// puts the lost note back without JavaScript.
func TestRevisionReaderSeesNotesFollowTheirWords(t *testing.T) {
	app, anchors := revisedApp(t, func(app *testApp, anchors []string) {
		ann, bob := app.signUp(t, "ann"), app.signUp(t, "bob")
		postNote(t, ann, anchors[0], "sixty years", "ann on sixty", "public")
		postNote(t, ann, anchors[1], "hub and spkes network", "ann on hub", "public")
		postNote(t, ann, anchors[2], "cut entirely", "ann on the cut", "public")
		postNote(t, bob, anchors[2], "", "bob's private thought", "private")
	})
	e, _ := app.srv.docs.Doc("t")
	if e.Rev.Number != 2 {
		t.Fatalf("revision %d, want 2", e.Rev.Number)
	}
	ann := app.signIn(t, "ann")
	doc := ann.page("/read/t", http.StatusOK)

	// Unchanged and edited paragraphs keep their anchors.
	for _, a := range []string{anchors[0], anchors[1], anchors[3]} {
		if query(doc, `[data-block="`+a+`"]`) == nil {
			t.Errorf("anchor %s lost", a)
		}
	}
	if query(doc, `[data-block="`+anchors[2]+`"]`) != nil {
		t.Errorf("the cut paragraph's anchor %s is still in the text", anchors[2])
	}
	// Each paragraph's conversation has its notes whole.
	conv := func(path string) *html.Node { return query(ann.page(path, http.StatusOK), "main .note-list") }
	sixty := query(conv("/read/t/notes/"+anchors[0]), ".note")
	if text(query(sixty, ".note-body")) != "ann on sixty" || query(sixty, ".words-changed") != nil {
		t.Errorf("note on the unchanged paragraph: %q", text(sixty))
	}
	hub := query(conv("/read/t/notes/"+anchors[1]), ".note")
	if got := text(query(doc, `[data-block="`+anchors[1]+`"] mark.hl`)); got != "hub and spokes network" {
		t.Errorf("typo-fixed quote marks %q, want the corrected words", got)
	}
	mark := query(hub, ".words-changed")
	if mark == nil || !strings.Contains(text(mark), "hub and spkes network") ||
		attr(query(mark, `a[href^="/read/t/rev/1"]`), "href") != "/read/t/rev/1#"+anchors[1] {
		t.Errorf("no quiet mark with the old words and their revision on the fuzzy note: %q", text(mark))
	}
	earlier := query(doc, "#earlier")
	if !strings.Contains(text(earlier), "ann on the cut") || !strings.Contains(text(earlier), "cut entirely") {
		t.Fatalf("earlier-version panel: %q", text(earlier))
	}
	if strings.Contains(text(doc), "bob's private thought") {
		t.Error("bob's private orphan leaks to ann")
	}
	reattach := attr(query(earlier, `a[data-action="reattach"]`), "href")
	if reattach == "" {
		t.Fatal("no re-attach link for the author")
	}

	// Revision 1 as it stood: the cut paragraph with both of ann's notes.
	old := ann.page("/read/t/rev/1", http.StatusOK)
	if got := text(query(conv("/read/t/rev/1/notes/"+anchors[2]), ".note-body")); got != "ann on the cut" {
		t.Errorf("revision 1 conversation of the cut paragraph: %q", got)
	}
	if got := attr(query(old, `[data-block="`+anchors[2]+`"] a.open`), "href"); got != "/read/t/rev/1/notes/"+anchors[2] {
		t.Errorf("revision 1's margin leads to %q, not to its conversation on revision 1", got)
	}
	if got := text(query(old, `[data-block="`+anchors[1]+`"] mark.hl`)); got != "hub and spkes network" {
		t.Errorf("revision 1 marks %q, want the words as they were", got)
	}
	if query(old, `a[data-action="reattach"]`) != nil || query(old, "#earlier") != nil {
		t.Error("revision 1 offers re-attaching or lists lost notes")
	}

	// The revision list: ann's three notes, never bob's private one.
	counts := func(c *client) []string {
		t.Helper()
		p := c.page("/read/t/revisions", http.StatusOK)
		row := query(p, "tbody tr") // newest first
		var out []string
		for _, td := range queryAll(row, "td.num") {
			out = append(out, text(td))
		}
		return out
	}
	if got, want := strings.Join(counts(ann), " "), "1 0 0 1 1"; got != want {
		t.Errorf("ann's revision 2 counts (kept, followed, moved, changed, orphaned) = %s, want %s", got, want)
	}
	if got, want := strings.Join(counts(app.signIn(t, "bob")), " "), "1 0 0 1 2"; got != want {
		t.Errorf("bob's revision 2 counts = %s, want %s", got, want)
	}
	if got, want := strings.Join(counts(app.client(t)), " "), "1 0 0 1 1"; got != want {
		t.Errorf("a signed-out reader's counts = %s, want %s", got, want)
	}
	list := ann.page("/read/t/revisions", http.StatusOK)
	if got := text(query(list, "tbody tr td:nth-of-type(2)")); got != "1 edited, 1 new, 1 removed, 2 unchanged" {
		t.Errorf("revision 2 changes: %q", got)
	}

	// Re-attach without JavaScript: a phrase that is not there keeps the
	// form as typed, with a 422; then the right one puts it back.
	form := ann.page(reattach, http.StatusOK)
	version := attr(query(form, `input[name="version"]`), "value")
	res := ann.postForm(reattach, url.Values{"anchor": {anchors[3]}, "phrase": {"no such words"}, "version": {version}})
	bad := parsePage(t, res, http.StatusUnprocessableEntity)
	if attr(query(bad, "#phrase"), "value") != "no such words" || query(bad, "#phrase-error") == nil ||
		attr(query(bad, `#anchor option[selected]`), "value") != anchors[3] {
		t.Error("a failed re-attach does not keep what was chosen, or names no problem")
	}
	res = ann.postForm(reattach, url.Values{"anchor": {anchors[3]}, "phrase": {"stay as they are"}, "version": {version}})
	readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("re-attach: %d", res.StatusCode)
	}
	doc = ann.page("/read/t", http.StatusOK)
	if query(doc, "#earlier") != nil {
		t.Errorf("the re-attached note is still listed as lost")
	}
	if got := text(query(doc, `[data-block="`+anchors[3]+`"] mark.hl`)); got != "stay as they are" {
		t.Errorf("re-attached note marks %q", got)
	}
	// Revision 1 still shows it where it was written.
	if got := text(query(conv("/read/t/rev/1/notes/"+anchors[2]), ".note-body")); got != "ann on the cut" {
		t.Errorf("after re-attaching, revision 1 conversation of the cut paragraph: %q", got)
	}

	// Someone else may not re-attach it.
	bob := app.signIn(t, "bob")
	res = bob.postForm(reattach, url.Values{"anchor": {anchors[0]}, "version": {version}})
	readBody(res)
	if res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Errorf("bob re-attaching ann's note: %d, want a 4xx", res.StatusCode)
	}
}

// The API lists revisions with the caller's counts, serves each with its
// blocks and its notes as they stood, and every annotation carries its
// status, score and revision (target.state).
func TestRevisionAPI(t *testing.T) {
	app, _ := revisedApp(t, func(app *testApp, anchors []string) {
		ann := app.signUp(t, "ann")
		postNote(t, ann, anchors[1], "hub and spkes network", "on hub", "public")
		postNote(t, ann, anchors[2], "cut entirely", "on the cut", "private")
	})
	ann := app.signIn(t, "ann")
	var list struct {
		Revisions []struct {
			Number  int    `json:"number"`
			URL     string `json:"url"`
			Current bool   `json:"current"`
			Changes *struct {
				Unchanged, Edited, Inserted, Deleted int
			} `json:"changes"`
			Notes *struct{ Exact, Mapped, Moved, Fuzzy, Orphan int } `json:"notes"`
		} `json:"revisions"`
	}
	res := ann.apiJSON("GET", "/api/documents/t/revisions", nil, nil, &list)
	if res.StatusCode != http.StatusOK || len(list.Revisions) != 2 {
		t.Fatalf("revisions: %d %+v", res.StatusCode, list)
	}
	r1, r2 := list.Revisions[0], list.Revisions[1]
	if r1.Changes != nil || r1.Notes != nil || r1.Current || !r2.Current || r2.Changes == nil ||
		*r2.Changes != (struct{ Unchanged, Edited, Inserted, Deleted int }{2, 1, 1, 1}) ||
		*r2.Notes != (struct{ Exact, Mapped, Moved, Fuzzy, Orphan int }{0, 0, 0, 1, 1}) {
		t.Errorf("revisions = %+v / %+v %+v %+v", r1, r2, r2.Changes, r2.Notes)
	}
	var anon struct {
		Revisions []struct {
			Notes *struct{ Exact, Mapped, Moved, Fuzzy, Orphan int } `json:"notes"`
		} `json:"revisions"`
	}
	app.client(t).apiJSON("GET", "/api/documents/t/revisions", nil, nil, &anon)
	if n := anon.Revisions[1].Notes; n == nil || n.Orphan != 0 || n.Fuzzy != 1 {
		t.Errorf("a signed-out caller's counts %+v include ann's private orphan", n)
	}

	type anno struct {
		Status string   `json:"status"`
		Score  *float64 `json:"score"`
		Body   struct{ Value string }
		Target struct {
			Selector struct { // one FragmentSelector
				Value     string
				RefinedBy []struct {
					Type  string
					Exact string
				} `json:"refinedBy"`
			} `json:"selector"`
			State struct {
				Type   string
				Cached string
			} `json:"state"`
		}
	}
	var rev1 struct {
		Number      int
		Blocks      []struct{ Anchor, Text string }
		Annotations []anno
	}
	res = ann.apiJSON("GET", "/api/documents/t/revisions/1", nil, nil, &rev1)
	if res.StatusCode != http.StatusOK || rev1.Number != 1 || len(rev1.Blocks) != 4 || len(rev1.Annotations) != 2 {
		t.Fatalf("revision 1: %d %+v", res.StatusCode, rev1)
	}
	for _, a := range rev1.Annotations {
		if a.Status != "exact" || !strings.HasSuffix(a.Target.State.Cached, "/read/t/rev/1") || a.Target.State.Type != "TimeState" {
			t.Errorf("revision 1 annotation %q: status %s, state %+v", a.Body.Value, a.Status, a.Target.State)
		}
	}
	var page struct{ First struct{ Items []anno } }
	ann.apiJSON("GET", "/api/documents/t/annotations/", nil, nil, &page)
	got := map[string]anno{}
	for _, a := range page.First.Items {
		got[a.Body.Value] = a
	}
	hub, cut := got["on hub"], got["on the cut"]
	if hub.Status != "fuzzy" || hub.Score == nil || *hub.Score <= 0 || *hub.Score >= 1 ||
		hub.Target.Selector.RefinedBy[0].Exact != "hub and spokes network" ||
		!strings.HasSuffix(hub.Target.State.Cached, "/read/t/rev/2") {
		t.Errorf("fuzzy annotation = %+v", hub)
	}
	if cut.Status != "orphan" || cut.Score == nil || *cut.Score != 0 {
		t.Errorf("orphan annotation = %+v", cut)
	}
	if res := ann.apiJSON("GET", "/api/documents/t/revisions/3", nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revision 3: %d, want 404", res.StatusCode)
	}
}

// Publishing the same sources again does nothing; Publish reports what a
// new revision did to blocks and notes.
func TestPublishReport(t *testing.T) {
	ctx := context.Background()
	dbPath := newTestDSN(t)
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v1 := fstest.MapFS{"t.md": {Data: []byte(revV1)}}
	reps, err := library.Publish(ctx, db, v1, "")
	if err != nil || len(reps) != 1 || !reps[0].Published || reps[0].Revision != 1 {
		t.Fatalf("first publish = %+v, %v", reps, err)
	}
	reps, err = library.Publish(ctx, db, v1, "")
	if err != nil || reps[0].Published || reps[0].Revision != 1 {
		t.Fatalf("same sources again = %+v, %v; want nothing published", reps, err)
	}
	reps, err = library.Publish(ctx, db, fstest.MapFS{"t.md": {Data: []byte(revV2)}}, "")
	if err != nil || !reps[0].Published || reps[0].Revision != 2 ||
		reps[0].Blocks != (store.BlockChanges{Unchanged: 2, Edited: 1, Inserted: 1, Deleted: 1}) {
		t.Fatalf("revised publish = %+v, %v", reps, err)
	}
}

// A paragraph cut in one revision and restored in the next brings back
// its notes, whole-paragraph ones included.
func TestRestoredParagraphBringsNotesBack(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, newTestDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v1 := fstest.MapFS{"t.md": {Data: []byte(revV1)}}
	if _, err := library.Publish(ctx, db, v1, ""); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "ann", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := db.Document(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	cut := doc.Current.Blocks[2] // "This paragraph will be cut entirely by the editor."
	whole := store.Original{Target: store.Target{RevisionID: doc.Current.ID, Anchor: cut.Anchor}}
	phrase := store.Original{Target: store.Target{RevisionID: doc.Current.ID, Anchor: cut.Anchor, Start: 15, End: 27,
		Exact: "will be cut ", Prefix: "This paragraph ", Suffix: "entirely by the editor."}}
	var ids []string
	for _, target := range []store.Original{whole, phrase} {
		n, err := db.CreateNote(ctx, store.NewNote{DocumentID: doc.ID, AuthorID: u.ID, Audience: store.Private, Body: "x", Target: target})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	statuses := func() []store.Status {
		var out []store.Status
		for _, id := range ids {
			n, err := db.Note(ctx, store.Viewer{UserID: u.ID}, id)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, n.Current.Status)
		}
		return out
	}
	if _, err := library.Publish(ctx, db, fstest.MapFS{"t.md": {Data: []byte(revV2)}}, ""); err != nil {
		t.Fatal(err)
	}
	if got := statuses(); got[0] != store.StatusOrphan || got[1] != store.StatusOrphan {
		t.Fatalf("after the cut: %v, want both orphans", got)
	}
	reps, err := library.Publish(ctx, db, v1, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(); got[0] != store.StatusMapped || got[1] != store.StatusMapped {
		t.Errorf("after restoring the paragraph: %v, want both mapped back", got)
	}
	if n := reps[0].Notes; n.Orphan != 0 || n.Mapped != 2 {
		t.Errorf("report %+v", n)
	}
}

// The quiet mark stays on a note whose words changed, through later
// revisions that leave its paragraph alone.
func TestWordsChangedMarkLasts(t *testing.T) {
	dbPath := newTestDSN(t)
	app := newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(revV1)}}))
	ann := app.signUp(t, "ann")
	e, _ := app.srv.docs.Doc("t")
	hub := e.Current.Blocks[1].Anchor
	postNote(t, ann, hub, "hub and spkes network", "on hub", "public")
	app.close()
	for i, src := range []string{revV2, revV2 + "\nOne more paragraph at the end.\n"} {
		app = newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(src)}}))
		doc := app.signIn(t, "ann").page("/read/t/notes/"+hub, http.StatusOK)
		if mark := query(doc, `main .note .words-changed`); mark == nil {
			t.Errorf("revision %d: no mark on the note whose words changed", i+2)
		}
		app.close()
	}
}

// An essay whose second paragraph the editor splits in two: the paragraph
// keeps its anchor on the half about China, and the notes on the other
// half follow their words to the new paragraph.
const (
	splitV1 = "---\ntitle: Test\n---\n\n" +
		"Alliances in the Asia-Pacific have shaped the regional order for seventy years, and they still do.\n\n" +
		"The United States built a hub-and-spoke system of bilateral treaties after the war ended in 1945. " +
		"China has grown into the largest trading partner of most states in the region, yet it has few allies.\n\n" +
		"The future order will rest on a complex mix of institutional arrangements, not on alliances alone.\n"
	splitV2 = "---\ntitle: Test\n---\n\n" +
		"Alliances in the Asia-Pacific have shaped the regional order for seventy years, and they still do.\n\n" +
		"The United States built a hub-and-spoke system of bilateral treaties after the war ended in 1945.\n\n" +
		"China has grown into the largest trading partner of most states in the region, yet it has few allies.\n\n" +
		"The future order will rest on a complex mix of institutional arrangements, not on alliances alone.\n"
)

// A note that a revision moved, word for word, to another paragraph is
// moved everywhere it is told: in the store, the API (its status and the
// revision's counts), the CSV export, the revisions page and on the
// reading page, where a quiet line says it moved with its words rather
// than that its words changed.
func TestRevisionMovedNote(t *testing.T) {
	dbPath := newTestDSN(t)
	app := newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(splitV1)}}))
	e, err := app.srv.docs.Doc("t")
	if err != nil {
		t.Fatal(err)
	}
	var anchors []string
	for _, b := range e.Current.Blocks {
		anchors = append(anchors, b.Anchor)
	}
	ann, bob := app.signUp(t, "ann"), app.signUp(t, "bob")
	postNote(t, ann, anchors[1], "bilateral treaties", "ann on treaties", "public")
	postNote(t, ann, anchors[1], "trading partner", "ann on trade", "public")
	postNote(t, ann, anchors[2], "complex mix", "ann on the mix", "public")
	postNote(t, bob, anchors[1], "hub-and-spoke system", "bob's own, on the hub", "private")
	app.close()
	app = newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(splitV2)}}))
	e, _ = app.srv.docs.Doc("t")
	if e.Rev.Number != 2 || len(e.Current.Blocks) != 4 || e.Current.Blocks[2].Anchor != anchors[1] {
		t.Fatalf("revision %d: the split paragraph's half about China should keep anchor %s: %+v", e.Rev.Number, anchors[1], e.Current.Blocks)
	}
	hub := e.Current.Blocks[1].Anchor
	ann = app.signIn(t, "ann")

	// The store.
	u, _, err := app.db.UserByName(context.Background(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	notes, err := app.db.Notes(context.Background(), store.Viewer{UserID: u.ID}, store.NoteQuery{DocumentID: e.ID})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]store.Status{}
	for _, n := range notes {
		stored[n.Body] = n.Current.Status
	}
	if want := map[string]store.Status{"ann on treaties": store.StatusMoved, "ann on trade": store.StatusMapped,
		"ann on the mix": store.StatusExact}; !reflect.DeepEqual(stored, want) {
		t.Errorf("stored statuses %v, want %v", stored, want)
	}

	// The API: each annotation's status, and the revision's counts, per
	// caller (bob's private moved note counts for him only).
	var page struct {
		First struct {
			Items []struct {
				Status string `json:"status"`
				Body   struct{ Value string }
			}
		}
	}
	ann.apiJSON("GET", "/api/documents/t/annotations/", nil, nil, &page)
	api := map[string]string{}
	for _, a := range page.First.Items {
		api[a.Body.Value] = a.Status
	}
	if api["ann on treaties"] != "moved" || api["ann on trade"] != "mapped" || api["ann on the mix"] != "exact" {
		t.Errorf("API statuses %v", api)
	}
	type moves struct{ Exact, Mapped, Moved, Fuzzy, Orphan int }
	apiCounts := func(c *client) moves {
		t.Helper()
		var list struct {
			Revisions []struct {
				Notes *moves `json:"notes"`
			} `json:"revisions"`
		}
		c.apiJSON("GET", "/api/documents/t/revisions", nil, nil, &list)
		if len(list.Revisions) != 2 || list.Revisions[1].Notes == nil {
			t.Fatalf("revisions: %+v", list)
		}
		return *list.Revisions[1].Notes
	}
	if got, want := apiCounts(ann), (moves{Exact: 1, Mapped: 1, Moved: 1}); got != want {
		t.Errorf("ann's revision 2 counts from the API: %+v, want %+v", got, want)
	}
	if got, want := apiCounts(app.signIn(t, "bob")), (moves{Exact: 1, Mapped: 1, Moved: 2}); got != want {
		t.Errorf("bob's revision 2 counts from the API: %+v, want %+v", got, want)
	}

	// The CSV export's status column.
	res := ann.get("/api/documents/t/export?format=csv&scope=mine")
	body := readBody(res)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if res.StatusCode != http.StatusOK || err != nil || len(rows) != 4 {
		t.Fatalf("CSV export: %d, %v, %d rows", res.StatusCode, err, len(rows))
	}
	csvStatus := map[string]string{}
	for _, r := range rows[1:] {
		csvStatus[r[slices.Index(transfer.CSVColumns, "body")]] = r[slices.Index(transfer.CSVColumns, "status")]
	}
	if csvStatus["ann on treaties"] != "moved" || csvStatus["ann on trade"] != "mapped" {
		t.Errorf("CSV statuses %v", csvStatus)
	}

	// The revisions page: kept, followed their words, moved, changed,
	// orphaned.
	list := ann.page("/read/t/revisions", http.StatusOK)
	var cells []string
	for _, td := range queryAll(query(list, "tbody tr"), "td.num") {
		cells = append(cells, text(td))
	}
	if got, want := strings.Join(cells, " "), "1 1 1 0 0"; got != want {
		t.Errorf("ann's revision 2 counts on the page = %s, want %s", got, want)
	}

	// The paragraph's conversation: the moved note says so, quietly, and
	// not that its words changed.
	doc := ann.page("/read/t/notes/"+hub, http.StatusOK)
	note := query(doc, `.note-list .note`)
	if got := text(query(note, ".note-body")); got != "ann on treaties" {
		t.Fatalf("the note in the paragraph split off: %q", got)
	}
	mark := query(note, ".words-moved")
	if mark == nil || !strings.Contains(text(mark), "Moved with its words from another paragraph") ||
		attr(query(mark, `a[href^="/read/t/rev/1"]`), "href") != "/read/t/rev/1#"+anchors[1] {
		t.Errorf("no quiet mark that the note moved with its words, linking where it was written: %q", text(mark))
	}
	if query(note, ".words-changed") != nil {
		t.Errorf("the moved note says its words changed: %q", text(query(note, ".words-changed")))
	}
	for _, a := range anchors[1:3] {
		others := queryAll(ann.page("/read/t/notes/"+a, http.StatusOK), `.note-list .note`)
		if len(others) == 0 {
			t.Errorf("no notes in the conversation of %s", a)
		}
		for _, other := range others {
			if query(other, ".words-moved, .words-changed") != nil {
				t.Errorf("a note that stayed in its paragraph carries a mark: %q", text(other))
			}
		}
	}
	// So does the print edition (beside its paragraph).
	print := ann.page("/read/t/print", http.StatusOK)
	if marks := queryAll(print, ".ed-margin .ed-moved"); len(marks) != 1 || !strings.Contains(text(marks[0]), "Moved with its words from another paragraph") ||
		query(print, ".ed-changed") != nil {
		t.Errorf("print edition: %d moved marks, changed mark %v", len(marks), query(print, ".ed-changed") != nil)
	}
}

// The publish report counts a note moved to another paragraph apart.
func TestPublishReportCountsMoved(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, newTestDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := library.Publish(ctx, db, fstest.MapFS{"t.md": {Data: []byte(splitV1)}}, ""); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "ann", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := db.Document(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	b := doc.Current.Blocks[1]
	for _, phrase := range []string{"bilateral treaties", "trading partner"} {
		start := content.CodePoints(b.Text[:strings.Index(b.Text, phrase)])
		exact, prefix, suffix, _ := content.QuoteContext(b.Text, start, start+content.CodePoints(phrase))
		target := store.Original{Target: store.Target{RevisionID: doc.Current.ID, Anchor: b.Anchor, Start: start,
			End: start + content.CodePoints(phrase), Exact: exact, Prefix: prefix, Suffix: suffix}, BlockHash: b.Hash}
		if _, err := db.CreateNote(ctx, store.NewNote{DocumentID: doc.ID, AuthorID: u.ID, Audience: store.Private, Body: phrase, Target: target}); err != nil {
			t.Fatal(err)
		}
	}
	reps, err := library.Publish(ctx, db, fstest.MapFS{"t.md": {Data: []byte(splitV2)}}, "")
	if err != nil || len(reps) != 1 {
		t.Fatalf("publish: %+v, %v", reps, err)
	}
	if got, want := reps[0].Notes, (store.Moves{Mapped: 1, Moved: 1}); got != want {
		t.Errorf("report %+v, want %+v", got, want)
	}
}
