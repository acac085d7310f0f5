package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"glossa/content"
	"glossa/store"
	"glossa/transfer"
)

// reportLine finds the report's line about annotation index.
func reportLines(rep transfer.Report, index int) []transfer.ReportLine {
	var out []transfer.ReportLine
	for _, l := range rep.Lines {
		if l.Index == index {
			out = append(out, l)
		}
	}
	return out
}

func hasLine(rep transfer.Report, index int, outcome, reason string) bool {
	for _, l := range reportLines(rep, index) {
		if l.Outcome == outcome && strings.Contains(l.Reason, reason) {
			return true
		}
	}
	return false
}

// A hand-written Hypothesis export of annotations on the essay (its
// client's export format): placed by their quotes, one fuzzy, one whose
// words are gone (an orphan), a reply, tags, a page note and one on
// another page (rejected), a reply to nothing here (rejected), and a body
// with a script that must stay inert.
func TestImportHypothesis(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	ann := a.signUp(t, "ann")
	data, err := os.ReadFile("testdata/hypothesis-export.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, st := importAs(t, ann, string(data))
	if st != 200 {
		t.Fatalf("import: %d %v", st, rep.Lines)
	}
	if rep.Format != transfer.FormatHypothesis || rep.Annotations != 10 || rep.Imported != 7 || rep.Exact != 4 || rep.Fuzzy != 1 ||
		rep.Orphaned != 1 || rep.Replies != 1 || rep.Rejected != 3 || rep.Skipped != 0 {
		t.Errorf("report: %s", rep.Summary())
	}
	for _, want := range []struct {
		index            int
		outcome, because string
	}{
		{2, "note", `The tag "asia/pacific" has '/'`},
		{3, "fuzzy", "hub-and-spoke alliances"},
		{4, "orphaned", "a quantum leap in naval shipbuilding capacity"},
		{6, "rejected", "page note"},
		{7, "rejected", "another page (https://www.globalasia.org/"},
		{9, "rejected", "ZzzzQ0tYEe-notInThisFile"},
		{10, "note", "HTML (<script>)"},
		{0, "note", "private notes"},
		{0, "note", "written by others (bob)"},
	} {
		if !hasLine(rep, want.index, want.outcome, want.because) {
			t.Errorf("no %s line for annotation %d saying %q; lines for it: %v", want.outcome, want.index, want.because, reportLines(rep, want.index))
		}
	}

	ctx := context.Background()
	v := viewerOfUser(t, a, "ann")
	e := a.essay(t)
	notes := must(a.db.Notes(ctx, v, store.NoteQuery{DocumentID: e.ID}))
	byBody := map[string]store.Note{}
	for _, n := range notes {
		byBody[n.Body] = n
		if n.Audience != store.Private || n.Author.Name != "ann" {
			t.Errorf("note %q: audience %s by %s, want private by ann", n.Body, n.Audience, n.Author.Name)
		}
	}
	first := byBody["Which two? Security and *path dependence*, it seems."]
	if first.Current.Exact != "two logics" || first.Current.Anchor != a.paragraphWith(t, "two logics").Anchor || first.Current.Status != store.StatusExact ||
		!slices.Equal(first.Tags, []string{"alliances", "theory"}) || first.CreatedAt.Format("2006-01-02T15:04:05.000000Z") != "2024-05-02T09:15:00.123456Z" {
		t.Errorf("first annotation: %+v", first)
	}
	if n := byBody["Institutions outlive their reasons."]; n.Current.Exact != "simple path dependence" || !slices.Equal(n.Tags, []string{"path dependence"}) {
		t.Errorf("second annotation: quote %q, tags %q", n.Current.Exact, n.Tags)
	}
	fuzzy := byBody["The spokes matter more than the hub now."]
	if fuzzy.Current.Status != store.StatusFuzzy || fuzzy.Current.Exact != "hub-and-spoke alliances" || fuzzy.Original.Exact != "hub and spoke alliances" {
		t.Errorf("fuzzy: %+v", fuzzy)
	}
	orphan := byBody["This sentence was cut from the final version."]
	if orphan.Current.Status != store.StatusOrphan || orphan.Current.Exact != "a quantum leap in naval shipbuilding capacity" {
		t.Errorf("orphan: %+v", orphan)
	}
	reply := byBody["Security logic and path dependence: see the paragraph on *Alliance Adjustments*."]
	if reply.ParentID != first.ID {
		t.Errorf("the reply is not in its thread: %+v", reply)
	}
	if hl := byBody[""]; hl.Current.Exact != "abounding uncertainties" || !slices.Equal(hl.Tags, []string{"uncertainty"}) {
		t.Errorf("highlight: %+v", hl)
	}

	// The pages show them: the fuzzy note's mark in its paragraph's
	// conversation, the orphan under the earlier version, and the script
	// as nothing that runs.
	doc := ann.page("/read/"+essaySlug+"/notes/"+fuzzy.Current.Anchor, 200)
	if n := query(doc, `#note-`+fuzzy.ID+` .words-changed`); n == nil {
		t.Error("the fuzzy note has no words-changed mark")
	}
	doc = ann.page("/read/"+essaySlug, 200)
	earlier := query(doc, "#earlier")
	if !strings.Contains(text(earlier), "This sentence was cut from the final version.") || !strings.Contains(text(earlier), "a quantum leap in naval shipbuilding capacity") {
		t.Errorf("the orphan is not under the earlier version: %q", text(earlier))
	}
	scripted := byBody["Nice phrase <script>alert('glossa')</script> <img src=x onerror=\"alert(1)\">"]
	if scripted.ID == "" {
		t.Fatal("the note with a script was not imported")
	}
	assertInert(t, ann, scripted.ID, "Nice phrase")

	// Importing it again changes nothing.
	rep, _ = importAs(t, ann, string(data))
	if rep.Imported != 0 || rep.Skipped != 7 || rep.Rejected != 3 {
		t.Errorf("second import: %s", rep.Summary())
	}
	if again := must(a.db.Notes(ctx, v, store.NoteQuery{DocumentID: e.ID})); len(again) != len(notes) {
		t.Errorf("%d notes after the second import, %d before", len(again), len(notes))
	}
}

// assertInert checks that note id's body renders with its words and none
// of its markup: no script, no image, no element with an event handler.
// (What was inside an inline script tag may show as plain text.)
func assertInert(t *testing.T, c *client, id, words string) {
	t.Helper()
	n := must(c.app.db.Note(context.Background(), viewerOfUser(t, c.app, c.name), id))
	conv := "/read/" + essaySlug + "/notes/" + n.Current.Anchor
	if n.Current.Status == store.StatusOrphan {
		conv = "/read/" + essaySlug + "/notes/earlier"
	}
	// The reading page shows its first words on a card, as text.
	doc := c.page("/read/"+essaySlug, 200)
	if len(queryAll(doc, "script:not([src]), .margin img, #earlier img")) > 0 {
		t.Error("the reading page has an inline script or an image in a margin")
	}
	for el := range doc.Descendants() {
		for _, at := range el.Attr {
			if el.Type == html.ElementNode && strings.HasPrefix(at.Key, "on") {
				t.Errorf("the reading page: <%s %s=%q>", el.Data, at.Key, at.Val)
			}
		}
	}
	for _, path := range []string{"/notes/" + id, conv} {
		doc := c.page(path, 200)
		var body *html.Node
		for _, n := range queryAll(doc, ".note-body") {
			if strings.Contains(text(n), words) {
				body = n
			}
		}
		if body == nil {
			t.Errorf("%s: the note's body is not shown", path)
			continue
		}
		for n := range body.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			if n.Data == "script" || n.Data == "img" {
				t.Errorf("%s: a <%s> in the body", path, n.Data)
			}
			for _, at := range n.Attr {
				if strings.HasPrefix(at.Key, "on") {
					t.Errorf("%s: <%s %s=%q>", path, n.Data, at.Key, at.Val)
				}
			}
		}
	}
}

// w3cOn builds a W3C annotation on the test essay.
func w3cOn(id, anchor, exact, body string) map[string]any {
	a := map[string]any{"@context": transfer.AnnoContext, "type": "Annotation",
		"target": map[string]any{"source": testBase + "/read/" + essaySlug,
			"selector": map[string]any{"type": "FragmentSelector", "value": anchor}}}
	if id != "" {
		a["id"] = id
	}
	if exact != "" {
		a["target"].(map[string]any)["selector"].(map[string]any)["refinedBy"] = map[string]any{"type": "TextQuoteSelector", "exact": exact}
	}
	if body != "" {
		a["body"] = map[string]any{"type": "TextualBody", "value": body}
	}
	return a
}

func jsonOf(v any) string { return string(must(json.Marshal(v))) }

// Files that cannot be read at all import nothing and say why; in a file
// that can, each bad annotation is rejected with its own line and the
// good ones come in.
func TestImportBadFiles(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	ann := a.signUp(t, "ann")
	e := a.essay(t)
	p := a.paragraphWith(t, "two logics")
	count := func() int {
		return must(a.db.CountNotes(context.Background(), viewerOfUser(t, a, "ann"), e.ID))
	}
	many := "[" + strings.TrimSuffix(strings.Repeat(`{"type":"Annotation"},`, transfer.MaxAnnotations+1), ",") + "]"
	huge := `{"type": "Annotation", "bodyValue": "` + strings.Repeat("x", transfer.MaxBytes) + `"}`
	for _, tc := range []struct {
		name, file string
		status     int
		says       string
	}{
		{"malformed JSON", "{\n  \"type\": \"Annotation\",\n  \"body\": \n}", 400, "not valid JSON: invalid character '}' looking for beginning of value (line 4, column 1)"},
		{"empty", "  \n", 400, "empty"},
		{"not UTF-8", "[\"\xff\xfe\"]", 400, "not UTF-8"},
		{"a number", "42", 422, "holds no annotations glossa knows"},
		{"some other object", `{"hello": "world"}`, 422, "holds no annotations glossa knows"},
		{"a collection without its items", `{"type": "AnnotationCollection", "first": "https://x.test/page1"}`, 422, "only the address of its first page"},
		{"items of the wrong type", `{"type": "AnnotationPage", "items": {"a": 1}}`, 422, "not an array of annotations"},
		{"too many annotations", many, 422, fmt.Sprintf("holds %d annotations; glossa imports at most %d", transfer.MaxAnnotations+1, transfer.MaxAnnotations)},
		{"too large", huge, 413, "larger than the 10.0 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, st := importAs(t, ann, tc.file)
			if st != tc.status || len(rep.Lines) != 1 || !strings.Contains(rep.Lines[0].Reason, tc.says) {
				t.Errorf("status %d (want %d), %v; want it to say %q", st, tc.status, rep.Lines, tc.says)
			}
		})
	}
	if n := count(); n != 0 {
		t.Fatalf("%d notes written by files that could not be read", n)
	}

	long := w3cOn("urn:x:long", p.Anchor, "", strings.Repeat("a", maxBodyChars+1))
	wrongBody := w3cOn("urn:x:wrong-body", p.Anchor, "", "")
	wrongBody["body"] = map[string]any{"type": "TextualBody", "value": 42}
	wrongDate := w3cOn("urn:x:wrong-date", p.Anchor, "", "dated")
	wrongDate["created"] = 1457000000
	badDate := w3cOn("urn:x:bad-date", p.Anchor, "", "dated")
	badDate["created"] = "yesterday"
	other := w3cOn("urn:x:other", p.Anchor, "", "elsewhere")
	other["target"].(map[string]any)["source"] = "https://glossa.example/read/another-essay"
	noTarget := map[string]any{"@context": transfer.AnnoContext, "id": "urn:x:no-target", "type": "Annotation", "bodyValue": "floating"}
	twoTargets := w3cOn("urn:x:two-targets", p.Anchor, "", "twice")
	twoTargets["target"] = []any{twoTargets["target"], twoTargets["target"]}
	xpath := w3cOn("urn:x:xpath", "", "", "by xpath")
	xpath["target"] = map[string]any{"source": testBase + "/read/" + essaySlug, "selector": map[string]any{"type": "XPathSelector", "value": "/p[6]"}}
	orphanReply := map[string]any{"@context": transfer.AnnoContext, "id": "urn:x:orphan-reply", "type": "Annotation", "motivation": "replying",
		"bodyValue": "to whom?", "target": testBase + "/api/annotations/aaaaaaaaaaaaaaaa"}
	script := w3cOn("urn:x:script", p.Anchor, "two logics", "Look: <script>document.title='pwned'</script> <b onclick=\"x()\">bold</b>")
	script["audience"] = "group:7"
	tagged := w3cOn("urn:x:tags", p.Anchor, "two logics", "tagged")
	tagged["body"] = []any{tagged["body"], map[string]any{"type": "TextualBody", "purpose": "tagging", "value": "Good Tag"},
		map[string]any{"type": "TextualBody", "purpose": "tagging", "value": "bad<tag>"}}
	file := []any{
		w3cOn("urn:x:good", p.Anchor, "two logics", "A good one."), // 1
		w3cOn("urn:x:good", p.Anchor, "", "The same id again."),    // 2
		map[string]any{"type": "Note", "id": "urn:x:note"},         // 3
		"just a string", // 4
		wrongBody,       // 5
		wrongDate,       // 6
		badDate,         // 7
		other,           // 8
		noTarget,        // 9
		twoTargets,      // 10
		xpath,           // 11
		orphanReply,     // 12
		long,            // 13
		script,          // 14
		tagged,          // 15
	}
	rep, st := importAs(t, ann, jsonOf(file))
	if st != 200 || rep.Annotations != 15 || rep.Imported != 3 || rep.Rejected != 12 {
		t.Fatalf("%d %s\n%v", st, rep.Summary(), rep.Lines)
	}
	for _, want := range []struct {
		index            int
		outcome, because string
	}{
		{2, "rejected", "the same id as annotation 1"},
		{3, "rejected", `its type is "Note", not Annotation`},
		{4, "rejected", "it is a JSON string, not an object"},
		{5, "rejected", "A body must be a TextualBody object"},
		{6, "rejected", `its "created" is a JSON number`},
		{7, "rejected", `its created, "yesterday", is not a date and time`},
		{8, "rejected", "on another page (https://glossa.example/read/another-essay)"},
		{9, "rejected", "no target"},
		{10, "rejected", "2 targets"},
		{11, "rejected", "XPathSelector, which glossa does not read"},
		{12, "rejected", "neither in this file nor a note you can see"},
		{13, "rejected", "at most 10000 characters"},
		{14, "note", "HTML (<script>)"},
		{14, "note", "not a member of group 7: imported as a private note"},
		{15, "note", `a tag was left out: The tag "bad<tag>"`},
	} {
		if !hasLine(rep, want.index, want.outcome, want.because) {
			t.Errorf("no %s line for annotation %d saying %q; lines for it: %v", want.outcome, want.index, want.because, reportLines(rep, want.index))
		}
	}
	for _, l := range rep.Lines {
		if l.Index == 2 && l.ID != "urn:x:good" {
			t.Errorf("line %v does not name the annotation's id", l)
		}
	}
	if n := count(); n != 3 {
		t.Errorf("%d notes, want the 3 good ones", n)
	}
	notes := must(a.db.Notes(context.Background(), viewerOfUser(t, a, "ann"), noteQuery(a)))
	for _, n := range notes {
		if strings.Contains(n.Body, "<script>") {
			assertInert(t, ann, n.ID, "Look:")
		}
		if n.Body == "tagged" && !slices.Equal(n.Tags, []string{"good tag"}) {
			t.Errorf("tags %q", n.Tags)
		}
	}

	// Not JSON at all: 415; signed out: 401.
	res := ann.do("POST", "/api/documents/"+essaySlug+"/import", strings.NewReader("x"), http.Header{"Content-Type": {"text/plain"}})
	readBody(res)
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", res.StatusCode)
	}
	res = a.client(t).do("POST", "/api/documents/"+essaySlug+"/import", strings.NewReader("[]"), http.Header{"Content-Type": {"application/json"}})
	readBody(res)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d", res.StatusCode)
	}
}

// A reply in the file goes to its thread whether the thread came in the
// same file, an earlier import, or was written here; an annotation
// written by someone else comes in private, and their reply in a thread
// others can see is refused.
func TestImportThreads(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	p := a.paragraphWith(t, "two logics")
	root := w3cOn(testBase+"/api/annotations/rootrootrootroot", p.Anchor, "two logics", "Root.")
	root["audience"] = "public"
	rep, _ := importAs(t, c.ann, jsonOf([]any{root}))
	if rep.Imported != 1 {
		t.Fatalf("root: %s %v", rep.Summary(), rep.Lines)
	}
	// ann's public note, written here.
	c.ann.createNote(p.Anchor, "security logic", "Written here.", "public")
	var here store.Note
	for _, n := range must(a.db.Notes(context.Background(), viewerOfUser(t, a, "ann"), noteQuery(a))) {
		if n.Body == "Written here." {
			here = n
		}
	}
	reply := func(id, to, body, creator string) map[string]any {
		r := map[string]any{"@context": transfer.AnnoContext, "id": id, "type": "Annotation", "motivation": "replying", "bodyValue": body, "target": to}
		if creator != "" {
			r["creator"] = map[string]any{"id": testBase + "/users/" + creator, "type": "Person", "name": creator}
		}
		return r
	}
	theirs := w3cOn("urn:x:theirs", p.Anchor, "", "Bob’s note, public where he wrote it.")
	theirs["audience"] = "public"
	theirs["creator"] = map[string]any{"type": "Person", "name": "bob"}
	file := []any{
		reply("urn:r:1", testBase+"/api/annotations/rootrootrootroot", "To the earlier import.", ""),
		reply("urn:r:2", testBase+"/api/annotations/"+here.ID, "To the note written here.", "ann"),
		reply("urn:r:3", "urn:r:2", "To a reply: joins its thread.", ""),
		theirs,
		reply("urn:r:5", testBase+"/api/annotations/rootrootrootroot", "Bob’s words in a public thread.", "bob"),
		reply("urn:r:6", "urn:x:theirs", "Bob answers himself, now in a private thread.", "bob"),
	}
	rep, st := importAs(t, c.ann, jsonOf(file))
	if st != 200 || rep.Imported != 5 || rep.Replies != 4 || rep.Rejected != 1 {
		t.Fatalf("%d %s\n%v", st, rep.Summary(), rep.Lines)
	}
	if !hasLine(rep, 5, "rejected", "glossa will not show bob’s words under your name") {
		t.Errorf("bob's reply in a public thread: %v", reportLines(rep, 5))
	}
	if !hasLine(rep, 4, "note", `written by bob for the audience "public": imported as a private note of yours`) {
		t.Errorf("bob's note: %v", reportLines(rep, 4))
	}
	parents := map[string]string{}
	for _, n := range must(a.db.Notes(context.Background(), viewerOfUser(t, a, "ann"), noteQuery(a))) {
		parents[n.Body] = n.ParentID
		if n.Body == "Bob’s note, public where he wrote it." && n.Audience != store.Private {
			t.Errorf("bob's note came in %s", n.Audience)
		}
	}
	if parents["To the earlier import."] != "rootrootrootroot" || parents["To the note written here."] != here.ID ||
		parents["To a reply: joins its thread."] != here.ID || parents["Bob answers himself, now in a private thread."] == "" {
		t.Errorf("threads: %v", parents)
	}
	// bob cannot see ann's import of his words.
	bobSees := must(a.db.Notes(context.Background(), viewerOfUser(t, a, "bob"), noteQuery(a)))
	for _, n := range bobSees {
		if strings.Contains(n.Body, "Bob") {
			t.Errorf("bob sees %q", n.Body)
		}
	}
}

// uploadFile posts a file through the import form.
func uploadFile(c *client, slug, name string, data []byte) *http.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return c.do("POST", "/read/"+slug+"/import", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// The page: reached from the reading page, with a form to download and a
// form to upload, the report after an upload, and problems beside the
// file field. Signed out, it asks to sign in.
func TestExportImportPage(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	path := "/read/" + essaySlug + "/export"

	read := c.ann.page("/read/"+essaySlug, 200)
	if link := query(read, `.doc-meta a[href="`+path+`"]`); link == nil || text(link) != "Export" {
		t.Error("the reading page has no Export link")
	}
	if query(a.client(t).page("/read/"+essaySlug, 200), `a[href="`+path+`"]`) != nil {
		t.Error("a signed-out reader is offered Export")
	}
	for _, req := range []*http.Response{a.client(t).get(path), a.client(t).get(path + "?format=md")} {
		readBody(req)
		if req.StatusCode != http.StatusSeeOther || !strings.HasPrefix(req.Header.Get("Location"), "/signin?next=") {
			t.Errorf("signed out %s: %d %s", req.Request.URL, req.StatusCode, req.Header.Get("Location"))
		}
	}
	res := uploadFile(a.client(t), essaySlug, "x.json", []byte("[]"))
	readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed-out upload: %d", res.StatusCode)
	}

	// ann is a member: she exports her own notes only; tess teaches.
	doc := c.ann.page(path, 200)
	form := query(doc, `form[method="get"][action="`+path+`"]`)
	if form == nil || len(queryAll(form, `input[type=radio][name=format]`)) != 3 || query(form, `input[name=scope][value=mine]`) == nil ||
		query(form, `input[name=scope][value^="group:"]`) != nil {
		t.Error("ann's export form: want three formats and her own notes only")
	}
	doc = c.tess.page(path, 200)
	if query(doc, `input[type=radio][name=scope][value="group:`+strconv.FormatInt(c.group.ID, 10)+`"]`) == nil {
		t.Error("tess is not offered her group's notes")
	}
	up := query(doc, `form[method="post"][action="/read/`+essaySlug+`/import"][enctype="multipart/form-data"]`)
	if up == nil || query(up, `input[type=file][name=file]#file`) == nil || query(up, `label[for=file]`) == nil {
		t.Fatal("no import form with a labelled file field")
	}
	for _, radio := range queryAll(doc, "input[type=radio]") {
		if radio.Parent.Data != "label" {
			t.Error("a radio button without its label")
		}
	}

	// The form's download.
	res = c.ann.get(path + "?format=csv&scope=mine")
	body := readBody(res)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") || !strings.HasPrefix(body, "id,parent_id,") {
		t.Errorf("download: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	res = c.ann.get(path + "?format=pdf")
	readBody(res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown format: %d", res.StatusCode)
	}

	// An upload shows the report.
	data := must(os.ReadFile("testdata/hypothesis-export.json"))
	res = uploadFile(c.ann, essaySlug, "hypothesis.json", data)
	doc = parsePage(t, res, 200)
	report := query(doc, ".import-report")
	if report == nil || !strings.HasPrefix(text(query(report, "[role=status]")), "7 of 10 annotations imported from a Hypothesis file: 4 exact") {
		t.Fatalf("report: %q", text(report))
	}
	rows := queryAll(report, "tbody tr")
	if len(rows) < 6 || !strings.Contains(text(report), "page note") {
		t.Errorf("report table: %d rows: %q", len(rows), text(report))
	}
	if query(report, `a[href^="/notes/"]`) == nil {
		t.Error("the report does not link to the notes")
	}

	// Problems with the file are told beside its field.
	for _, tc := range []struct {
		data   []byte
		status int
		says   string
	}{
		{nil, 400, "Choose a file to import"},
		{[]byte("{nope"), 400, "not valid JSON"},
		{bytes.Repeat([]byte(" "), transfer.MaxBytes+1), 413, "larger than the 10.0 MB glossa imports at a time"},
	} {
		res := uploadFile(c.ann, essaySlug, "f.json", tc.data)
		doc := parsePage(t, res, tc.status)
		if msg := query(doc, "#file-error"); msg == nil || !strings.Contains(text(msg), tc.says) || attr(query(doc, "#file"), "aria-invalid") != "true" {
			t.Errorf("%d: error %q, want %q", tc.status, text(msg), tc.says)
		}
	}
}

// An export holds only what its reader may take: "mine" never anything
// of anyone else's; a group's notes only for its teachers.
func TestExportPrivacy(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	otto := a.signUp(t, "otto")
	ctx := context.Background()
	h := a.newGroup(t, "Otto’s class", otto)
	g := strconv.FormatInt(c.group.ID, 10)
	p, q := a.paragraph(t, 3), a.paragraph(t, 5)
	c.ann.createNote(p.Anchor, "", "ANN-PRIVATE", "private")
	c.ann.createNote(p.Anchor, "", "ANN-GROUP", "group:"+g)
	c.bob.createNote(q.Anchor, "", "BOB-PRIVATE", "private")
	c.bob.createNote(q.Anchor, "", "BOB-PUBLIC", "public")
	c.bob.createNote(q.Anchor, "", "BOB-GROUP", "group:"+g)
	c.bob.createNote(q.Anchor, "", "BOB-FEEDBACK", "teachers:"+g)
	c.tess.createNote(q.Anchor, "", "TESS-PRIVATE", "private")
	notes := map[string]store.Note{}
	for _, name := range []string{"ann", "bob", "tess"} {
		for _, n := range must(a.db.Notes(ctx, viewerOfUser(t, a, name), noteQuery(a))) {
			notes[n.Body] = n
		}
	}
	// Replies: bob's in ann's group thread, ann's in bob's group thread.
	must(a.db.CreateNote(ctx, store.NewNote{AuthorID: grpUID(t, a, "bob"), ParentID: notes["ANN-GROUP"].ID, Body: "BOB-REPLY"}))
	must(a.db.CreateNote(ctx, store.NewNote{AuthorID: grpUID(t, a, "ann"), ParentID: notes["BOB-GROUP"].ID, Body: "ANN-REPLY"}))
	all := []string{"ANN-PRIVATE", "ANN-GROUP", "ANN-REPLY", "BOB-PRIVATE", "BOB-PUBLIC", "BOB-GROUP", "BOB-FEEDBACK", "BOB-REPLY", "TESS-PRIVATE"}

	for _, tc := range []struct {
		who   *client
		scope string
		want  []string
	}{
		{c.ann, "mine", []string{"ANN-PRIVATE", "ANN-GROUP", "ANN-REPLY"}},
		{c.bob, "mine", []string{"BOB-PRIVATE", "BOB-PUBLIC", "BOB-GROUP", "BOB-FEEDBACK", "BOB-REPLY"}},
		{c.tess, "mine", []string{"TESS-PRIVATE"}},
		{c.tess, "group:" + g, []string{"ANN-GROUP", "ANN-REPLY", "BOB-GROUP", "BOB-FEEDBACK", "BOB-REPLY"}},
		{otto, "group:" + strconv.FormatInt(h.ID, 10), nil},
	} {
		for _, f := range []string{transfer.FormatJSONLD, transfer.FormatCSV, transfer.FormatMarkdown} {
			body, _ := exportAs(t, tc.who, f, tc.scope)
			for _, marker := range all {
				if got, want := strings.Contains(body, marker), slices.Contains(tc.want, marker); got != want {
					t.Errorf("%s's %s export of %s: holds %s = %v, want %v", tc.who.name, f, tc.scope, marker, got, want)
				}
			}
		}
	}
	// ann's reply in bob's thread names the note it answers, never its words.
	body, _ := exportAs(t, c.ann, transfer.FormatJSONLD, "mine")
	if !strings.Contains(body, `"target": "`+testBase+`/api/annotations/`+notes["BOB-GROUP"].ID+`"`) {
		t.Error("ann's reply does not name the note it answers")
	}

	// Refused: a member asking for the group's notes (403), someone outside
	// it (404, as for a group that does not exist), and the signed out.
	for _, tc := range []struct {
		who    *client
		scope  string
		status int
	}{
		{c.ann, "group:" + g, 403},
		{c.bob, "group:" + g, 403},
		{otto, "group:" + g, 404},
		{c.tess, "group:9999", 404},
		{c.ann, "everyone", 422},
		{a.client(t), "mine", 401},
	} {
		for _, path := range []string{"/api/documents/" + essaySlug + "/export?format=csv&scope=", "/read/" + essaySlug + "/export?format=csv&scope="} {
			res := tc.who.get(path + url.QueryEscape(tc.scope))
			got := readBody(res)
			want := tc.status
			if want == 401 && strings.HasPrefix(path, "/read/") {
				want = 303
			}
			if res.StatusCode != want {
				t.Errorf("%s %s%s: %d, want %d", tc.who.name, path, tc.scope, res.StatusCode, want)
			}
			for _, marker := range all {
				if strings.Contains(got, marker) {
					t.Errorf("%s %s%s: the refusal holds %s", tc.who.name, path, tc.scope, marker)
				}
			}
		}
	}
}

// Every shape of file the README names is read.
func TestImportShapes(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	ann := a.signUp(t, "ann")
	p := a.paragraphWith(t, "two logics")
	w3c := func(id string) string { return jsonOf(w3cOn("urn:shape:"+id, p.Anchor, "two logics", "shape "+id)) }
	hyp := func(id string) string {
		return jsonOf(map[string]any{"id": "shape-" + id, "uri": testBase + "/read/" + essaySlug, "text": "shape " + id,
			"target": []any{map[string]any{"source": testBase + "/read/" + essaySlug,
				"selector": []any{map[string]any{"type": "TextQuoteSelector", "exact": "two logics"}}}}})
	}
	for _, tc := range []struct{ name, file, format string }{
		{"one annotation", w3c("1"), transfer.FormatW3C},
		{"an array", "[" + w3c("2") + "]", transfer.FormatW3C},
		{"a page", `{"type": "AnnotationPage", "items": [` + w3c("3") + `]}`, transfer.FormatW3C},
		{"a collection", `{"@context": "http://www.w3.org/ns/anno.jsonld", "type": ["BasicContainer", "AnnotationCollection"], "total": 1, "first": {"type": "AnnotationPage", "items": [` + w3c("4") + `]}}`, transfer.FormatW3C},
		{"hypothesis rows", "\ufeff[" + hyp("5") + "]", transfer.FormatHypothesis},
		{"hypothesis API", `{"total": 1, "rows": [` + hyp("6") + `]}`, transfer.FormatHypothesis},
		{"hypothesis client export", `{"export_date": "2024-06-01T08:00:00.000Z", "annotations": [` + hyp("7") + `]}`, transfer.FormatHypothesis},
		{"one hypothesis annotation", hyp("8"), transfer.FormatHypothesis},
	} {
		rep, st := importAs(t, ann, tc.file)
		if st != 200 || rep.Format != tc.format || rep.Imported != 1 || rep.Exact != 1 {
			t.Errorf("%s: %d %s %v", tc.name, st, rep.Summary(), rep.Lines)
		}
	}
	// A collection that says it has more than its first page: a line.
	rep, _ := importAs(t, ann, `{"type": "AnnotationCollection", "total": 250, "first": {"type": "AnnotationPage", "next": "https://x.test/p1", "items": [`+w3c("9")+`]}}`)
	if rep.Imported != 1 || !hasLine(rep, 0, "note", "more annotations than the 1 on its first page") {
		t.Errorf("partial collection: %s %v", rep.Summary(), rep.Lines)
	}
}

// An annotation that names one paragraph, with a quote and its context
// that are word for word in another: it goes on those words, moved (not
// fuzzy: they are the essay's words, not the importer's), and the report
// says from where to where.
func TestImportMovedToAnotherParagraph(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	ann := a.signUp(t, "ann")
	e := a.essay(t)
	from, to := a.paragraphWith(t, "two logics"), a.paragraphWith(t, "Yet the old alliances live on")
	const phrase = "Yet the old alliances live on"
	start := content.CodePoints(to.Text[:strings.Index(to.Text, phrase)])
	end := start + content.CodePoints(phrase)
	exact, prefix, suffix, _ := content.QuoteContext(to.Text, start, end)
	file, _ := json.Marshal(map[string]any{
		"@context": transfer.AnnoContext, "id": "urn:uuid:5d9c3b1e-2f4a-4c8e-9b7d-1a6e0f3c2b90", "type": "Annotation",
		"body": map[string]any{"type": "TextualBody", "value": "Named the wrong paragraph."},
		"target": map[string]any{"source": testBase + "/read/" + e.Slug, "selector": map[string]any{
			"type": "FragmentSelector", "value": from.Anchor,
			"refinedBy": map[string]any{"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}}},
	})
	rep, st := importAs(t, ann, string(file))
	if st != 200 || rep.Imported != 1 || rep.Moved != 1 || rep.Fuzzy != 0 || !strings.Contains(rep.Summary(), "1 moved") {
		t.Fatalf("import: %d %s %v", st, rep.Summary(), rep.Lines)
	}
	if !hasLine(rep, 1, "moved", "another paragraph ("+to.Anchor+")") {
		t.Errorf("no moved line naming where it went: %v", rep.Lines)
	}
	notes := must(a.db.Notes(context.Background(), viewerOfUser(t, a, "ann"), store.NoteQuery{DocumentID: e.ID}))
	if len(notes) != 1 {
		t.Fatalf("%d notes", len(notes))
	}
	n := notes[0]
	if n.Current.Status != store.StatusMoved || n.Current.Anchor != to.Anchor || n.Current.Start != start || n.Current.Exact != exact ||
		n.ImportedQuote || n.QuoteByImporter() {
		t.Errorf("imported note: %+v (imported quote %v)", n.Current, n.ImportedQuote)
	}
	doc := ann.page("/read/"+essaySlug+"/notes/"+to.Anchor, 200)
	if mark := query(doc, `.note-list .note .words-moved`); mark == nil {
		t.Error("the moved note has no mark saying it moved with its words")
	}
}
