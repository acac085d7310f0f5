package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"golang.org/x/net/html"

	"glossa/content"
	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

// testBase is the base URL of the export tests' servers: two servers with
// the same one write the same IRIs.
const testBase = "https://glossa.example"

func withBaseURL(u string) appOption { return func(c *Config) { c.BaseURL = u } }

// freshLike starts glossa on a new database whose essays were published
// at the same times as a's: another server with the same history of the
// text (a revision's publication time is in every target's TimeState),
// and none of a's readers, groups or notes.
func freshLike(t *testing.T, a *testApp, opts ...appOption) *testApp {
	t.Helper()
	ctx := context.Background()
	path := newTestDSN(t)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := library.Publish(ctx, db, content.Essays, ""); err != nil {
		t.Fatal(err)
	}
	rows, err := a.db.SQL().QueryContext(ctx, `SELECT d.slug, r.number, r.published_at FROM revisions r JOIN documents d ON d.id = r.document_id`)
	if err != nil {
		t.Fatal(err)
	}
	type rev struct {
		slug string
		n    int
		at   string
	}
	var revs []rev
	for rows.Next() {
		var r rev
		if err := rows.Scan(&r.slug, &r.n, &r.at); err != nil {
			t.Fatal(err)
		}
		revs = append(revs, r)
	}
	rows.Close()
	for _, r := range revs {
		if _, err := db.SQL().ExecContext(ctx, `
			UPDATE revisions SET published_at = ?
			WHERE number = ? AND document_id = (SELECT id FROM documents WHERE slug = ?)`, r.at, r.n, r.slug); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	return newAppAt(t, path, opts...)
}

// classroom is ann's world: tess teaches "Seminar", which ann and bob
// belong to. Made in the same order on every server, so the group has
// the same id everywhere.
type classroom struct {
	tess, ann, bob *client
	group          store.Group
}

func newClassroom(t *testing.T, a *testApp) classroom {
	t.Helper()
	c := classroom{tess: a.signUp(t, "tess"), ann: a.signUp(t, "ann"), bob: a.signUp(t, "bob")}
	c.group = a.newGroup(t, "Seminar", c.tess, c.ann, c.bob)
	return c
}

var (
	seedTags   = []string{"alliances", "theory", "credibility", "path dependence", "asean", "economics", "security", "china", "question for class", "q&a"}
	seedBodies = []string{
		"Which two? The text names *security* and **path dependence**.",
		"Compare Ikenberry’s “liberal order”: is this the same thing?",
		"A list:\n\n- first point\n- second point\n\nAnd a closing line.",
		"Naïve question — what is a “latticework”, exactly?",
		"See https://example.org/alliances for the data.",
		"=1+1 is not a formula here, and neither is @this.",
		"Unicode: 東アジア, Ελλάδα, عربى, emoji 🌏.",
		"<script>alert('no')</script> Raw HTML is kept as text.",
		"Two lines\nin one paragraph.",
	}
)

// seedAnnsNotes writes n notes by ann with tags, on random phrases and whole
// paragraphs, in every audience, some questions and highlights, and
// replies: ann's to her own notes, and bob's notes and replies around
// them. It returns ann's notes and replies.
func seedAnnsNotes(t *testing.T, a *testApp, c classroom, n, replies int) []store.Note {
	t.Helper()
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(5, 2016))
	e := a.essay(t)
	annID, bobID := grpUID(t, a, "ann"), grpUID(t, a, "bob")
	var mine []store.Note
	for i := range n {
		b := e.Current.Blocks[rnd.IntN(len(e.Current.Blocks))]
		target := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: b.Anchor}}
		if words := strings.Fields(b.Text); rnd.IntN(10) < 7 && len(words) > 3 {
			w := rnd.IntN(len(words) - 2)
			phrase := strings.Join(words[w:w+1+rnd.IntN(3)], " ")
			start, end, _ := content.FindPhrase(b.Text, phrase)
			target.Start, target.End = start, end
			target.Exact, target.Prefix, target.Suffix, _ = content.QuoteContext(b.Text, start, end)
		}
		nn := store.NewNote{DocumentID: e.ID, AuthorID: annID, Target: target, Body: seedBodies[rnd.IntN(len(seedBodies))]}
		switch k := rnd.IntN(20); {
		case k < 10:
			nn.Audience = store.Private
		case k < 15:
			nn.Audience = store.Public
		case k < 18:
			nn.Audience, nn.GroupID = store.Members, c.group.ID
		default:
			nn.Audience, nn.GroupID = store.Teachers, c.group.ID
		}
		switch k := rnd.IntN(10); {
		case k == 0:
			nn.Body = "" // a highlight
		case k == 1:
			nn.Question = true
		}
		for range rnd.IntN(4) {
			nn.Tags = append(nn.Tags, seedTags[rnd.IntN(len(seedTags))])
		}
		if i%7 == 0 {
			nn.AuthorID = bobID
			if nn.Audience == store.Private || nn.Audience == store.Teachers {
				nn.Audience, nn.GroupID = store.Public, 0
			}
		}
		note, err := a.db.CreateNote(ctx, nn)
		if err != nil {
			t.Fatal(err)
		}
		if note.Author.ID == annID {
			mine = append(mine, note)
		}
	}
	roots := slices.Clone(mine)
	for i := range replies {
		parent := roots[rnd.IntN(len(roots))]
		author := annID
		if i%5 == 0 {
			author = bobID // in ann's thread, not ann's
			if parent.Audience == store.Private || parent.Audience == store.Teachers {
				continue
			}
		}
		r, err := a.db.CreateNote(ctx, store.NewNote{AuthorID: author, ParentID: parent.ID, Body: fmt.Sprintf("Reply %d: %s", i, seedBodies[rnd.IntN(len(seedBodies))])})
		if err != nil {
			t.Fatal(err)
		}
		if author == annID {
			mine = append(mine, r)
		}
	}
	return mine
}

// orphansFile is a W3C file of annotations whose words are not in the
// essay, for the orphans of a round trip.
func orphansFile(e *library.Doc) string {
	src := testBase + "/read/" + e.Slug
	b := e.Current.Blocks
	anns := []map[string]any{
		{"@context": transfer.AnnoContext, "id": "urn:uuid:8e7d2a4e-5b4c-4c1e-9a52-0d2b1f7c3a10", "type": "Annotation", "created": "2023-01-05T10:00:00Z",
			"body": map[string]any{"type": "TextualBody", "value": "On words that were cut."},
			"target": map[string]any{"source": src, "selector": map[string]any{"type": "FragmentSelector", "value": b[5].Anchor,
				"refinedBy": []map[string]any{{"type": "TextQuoteSelector", "exact": "a sentence the author removed", "prefix": "Before ", "suffix": " after"}}}}},
		{"@context": transfer.AnnoContext, "id": "urn:uuid:1f0c8a57-3d1e-4b9a-8f3c-6a4e2d9b7c21", "type": "Annotation", "created": "2023-01-05T10:05:00Z",
			"body":   []map[string]any{{"type": "TextualBody", "value": "On a paragraph that is gone."}, {"type": "TextualBody", "value": "lost", "purpose": "tagging"}},
			"target": map[string]any{"source": src, "selector": map[string]any{"type": "FragmentSelector", "value": "p-0000dead"}}},
	}
	out, _ := json.Marshal(anns)
	return string(out)
}

// exportAs downloads an export through the API.
func exportAs(t *testing.T, c *client, format, scope string) (string, *http.Response) {
	t.Helper()
	res := c.get("/api/documents/" + essaySlug + "/export?format=" + format + "&scope=" + url.QueryEscape(scope))
	body := readBody(res)
	if res.StatusCode != 200 {
		t.Fatalf("export %s %s: %d %s", format, scope, res.StatusCode, truncate(body, 500))
	}
	return body, res
}

// importAs posts a file to the import API and decodes the report.
func importAs(t *testing.T, c *client, data string) (transfer.Report, int) {
	t.Helper()
	res := c.do("POST", "/api/documents/"+essaySlug+"/import", strings.NewReader(data), http.Header{"Content-Type": {"application/ld+json"}})
	body := readBody(res)
	var rep transfer.Report
	if res.StatusCode == 200 {
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatalf("report: %v\n%s", err, body)
		}
	} else {
		var e jsonError
		json.Unmarshal([]byte(body), &e)
		rep.Lines = []transfer.ReportLine{{Outcome: "error", Reason: e.Error}}
	}
	return rep, res.StatusCode
}

// firstDiff shows where two exports part.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  first:  %s\n  second: %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

// The round trip: the essay with a few hundred notes, replies and
// tags; the W3C export imported into a fresh database as the same reader;
// exported again: the same bytes, in every format.
func TestExportImportRoundTrip(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	mine := seedAnnsNotes(t, a, c, 350, 120)
	e := a.essay(t)
	if rep, st := importAs(t, c.ann, orphansFile(e)); st != 200 || rep.Orphaned != 2 {
		t.Fatalf("orphans into the first server: %d %+v", st, rep)
	}
	tagged, replies := 0, 0
	for _, n := range mine {
		if len(n.Tags) > 0 {
			tagged++
		}
		if n.ParentID != "" {
			replies++
		}
	}
	if len(mine) < 300 || tagged < 100 || replies < 50 {
		t.Fatalf("seeded %d notes of ann's, %d with tags, %d replies: too few for the test", len(mine), tagged, replies)
	}
	first := map[string]string{}
	for _, f := range []string{transfer.FormatJSONLD, transfer.FormatCSV, transfer.FormatMarkdown} {
		first[f], _ = exportAs(t, c.ann, f, "mine")
	}
	var coll struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal([]byte(first[transfer.FormatJSONLD]), &coll); err != nil || coll.Total != len(mine)+2 {
		t.Fatalf("export holds %d annotations (%v), want %d", coll.Total, err, len(mine)+2)
	}

	b := freshLike(t, a, withBaseURL(testBase))
	c2 := newClassroom(t, b)
	if c2.group.ID != c.group.ID {
		t.Fatalf("group ids differ: %d and %d", c.group.ID, c2.group.ID)
	}
	rep, st := importAs(t, c2.ann, first[transfer.FormatJSONLD])
	if st != 200 || rep.Imported != coll.Total || rep.Rejected != 0 || rep.Skipped != 0 || rep.Orphaned != 2 || rep.Replies != replies ||
		rep.Exact != coll.Total-2-replies || rep.Format != transfer.FormatW3C {
		t.Fatalf("import into a fresh database: %d %s\n%v", st, rep.Summary(), rep.Lines)
	}
	// The same, but for the marks of an import: every note is imported
	// on the fresh server, its dates the file's.
	for _, f := range []string{transfer.FormatJSONLD, transfer.FormatCSV, transfer.FormatMarkdown} {
		again, _ := exportAs(t, c2.ann, f, "mine")
		if marks := importMarks(t, f, again); marks != coll.Total {
			t.Errorf("%s export after the round trip marks %d notes imported, want all %d", f, marks, coll.Total)
		}
		if a, b := withoutImportMarks(t, f, first[f]), withoutImportMarks(t, f, again); a != b {
			t.Errorf("%s export after the round trip differs: %s", f, firstDiff(a, b))
		}
	}

	// Again into the same database: nothing new.
	rep, st = importAs(t, c2.ann, first[transfer.FormatJSONLD])
	if st != 200 || rep.Imported != 0 || rep.Skipped != coll.Total {
		t.Errorf("second import: %d %s", st, rep.Summary())
	}
	// And the first server's own export, imported back there, is already
	// there.
	rep, st = importAs(t, c.ann, first[transfer.FormatJSONLD])
	if st != 200 || rep.Imported != 0 || rep.Skipped != coll.Total {
		t.Errorf("import into the database it came from: %d %s", st, rep.Summary())
	}
	if n, _ := b.db.CountNotes(context.Background(), viewerOfUser(t, b, "ann"), b.essay(t).ID); n != coll.Total {
		t.Errorf("ann sees %d notes on the fresh server, want %d", n, coll.Total)
	}
}

// importMarks counts the notes an export says were imported.
func importMarks(t *testing.T, format, body string) int {
	t.Helper()
	switch format {
	case transfer.FormatJSONLD:
		return strings.Count(body, `"imported": {`)
	case transfer.FormatCSV:
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range rows[1:] {
			if r[slices.Index(transfer.CSVColumns, "imported")] == "yes" && r[slices.Index(transfer.CSVColumns, "imported_at")] != "" {
				n++
			}
		}
		return n
	}
	return strings.Count(body, "imported; written ")
}

// withoutImportMarks is an export without what says which notes were
// imported, and when.
func withoutImportMarks(t *testing.T, format, body string) string {
	t.Helper()
	switch format {
	case transfer.FormatJSONLD:
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		for _, it := range v["first"].(map[string]any)["items"].([]any) {
			delete(it.(map[string]any), "imported")
		}
		out, _ := json.MarshalIndent(v, "", "  ")
		return string(out)
	case transfer.FormatCSV:
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(strings.Join(r[:slices.Index(transfer.CSVColumns, "imported")], ",") + "\n")
		}
		return b.String()
	}
	return strings.ReplaceAll(body, "imported; written ", "")
}

// TestExportW3CConformance checks the JSON-LD export against the MUST
// requirements of the W3C Web Annotation Data Model
// (https://www.w3.org/TR/annotation-model/) for everything glossa writes,
// and glossa's own export shape (docs/anchoring.md).
func TestExportW3CConformance(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	seedAnnsNotes(t, a, c, 60, 25)
	e := a.essay(t)
	importAs(t, c.ann, orphansFile(e))
	body, res := exportAs(t, c.ann, transfer.FormatJSONLD, "mine")
	if ct := res.Header.Get("Content-Type"); ct != annoType {
		t.Errorf("Content-Type %q, want %q", ct, annoType)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="`+essaySlug+`-notes-ann.jsonld"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	w := w3cCheck{t: t, blocks: map[string]string{}}
	for _, b := range e.Current.Blocks {
		w.blocks[b.Anchor] = b.Text
	}
	w.collection(doc)
	if w.annotations < 60 || w.replies == 0 || w.tags == 0 || w.quotes == 0 || w.whole == 0 || w.highlights == 0 {
		t.Errorf("the export did not exercise every shape: %d annotations, %d replies, %d tags, %d quotes, %d whole paragraphs, %d highlights",
			w.annotations, w.replies, w.tags, w.quotes, w.whole, w.highlights)
	}
}

// w3cCheck walks an export, failing on each MUST it breaks.
type w3cCheck struct {
	t                                                     *testing.T
	blocks                                                map[string]string // anchor -> canonical text
	ids                                                   map[string]bool
	annotations, replies, tags, quotes, whole, highlights int
}

var (
	xsdDateTimeUTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)
	// The Web Annotation vocabulary's motivations (§3.3.5), also the
	// values of a body's purpose.
	motivations = []string{"assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
		"highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging"}
)

func (w *w3cCheck) fail(where, format string, args ...any) {
	w.t.Helper()
	w.t.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
}

// values reads a property that may be one value or an array of them.
func values(v any) []any {
	if arr, ok := v.([]any); ok {
		return arr
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func (w *w3cCheck) iri(where string, v any) string {
	w.t.Helper()
	s, ok := v.(string)
	u, err := url.Parse(s)
	if !ok || err != nil || !u.IsAbs() || u.Host == "" {
		w.fail(where, "%v is not an absolute IRI", v)
	}
	return s
}

func (w *w3cCheck) hasType(where string, obj map[string]any, want string) {
	w.t.Helper()
	var types []string
	for _, v := range values(obj["type"]) {
		if s, ok := v.(string); ok {
			types = append(types, s)
		}
	}
	if !slices.Contains(types, want) {
		w.fail(where, "type %v does not include %s (MUST)", obj["type"], want)
	}
}

// context: 1 or more @context values, anno.jsonld among them; a single
// value as a string (§3.1, §5.1).
func (w *w3cCheck) context(where string, obj map[string]any) {
	w.t.Helper()
	ctx, ok := obj["@context"]
	if !ok {
		w.fail(where, "no @context (MUST)")
		return
	}
	if s, ok := ctx.(string); ok {
		if s != transfer.AnnoContext {
			w.fail(where, "@context %q is not %s (MUST)", s, transfer.AnnoContext)
		}
		return
	}
	arr, ok := ctx.([]any)
	if !ok || len(arr) < 2 || !slices.Contains(arr, any(transfer.AnnoContext)) {
		w.fail(where, "@context %v: an array of two or more including %s, or the string alone (MUST)", ctx, transfer.AnnoContext)
	}
}

func (w *w3cCheck) dateTime(where, key string, obj map[string]any) {
	w.t.Helper()
	v, ok := obj[key]
	if !ok {
		return
	}
	if s, _ := v.(string); !xsdDateTimeUTC.MatchString(s) {
		w.fail(where, "%s %v is not an xsd:dateTime in UTC with Z", key, v)
	}
}

func (w *w3cCheck) collection(doc map[string]any) {
	w.t.Helper()
	w.ids = map[string]bool{}
	w.context("collection", doc)
	w.iri("collection id", doc["id"])
	w.hasType("collection", doc, "AnnotationCollection")
	if l, ok := doc["label"]; ok {
		if _, ok := l.(string); !ok {
			w.fail("collection", "label %v is not a string", l)
		}
	}
	total, ok := doc["total"].(float64)
	if !ok || total < 0 || total != float64(int(total)) {
		w.fail("collection", "total %v is not a non-negative integer", doc["total"])
	}
	first, ok := doc["first"].(map[string]any)
	if total > 0 && !ok {
		w.fail("collection", "no embedded first page though total is %v (MUST)", total)
		return
	}
	if last, ok := doc["last"]; ok {
		w.iri("collection last", last)
	}
	w.iri("page id", first["id"])
	w.hasType("page", first, "AnnotationPage")
	if p, ok := first["partOf"]; ok && p != doc["id"] {
		w.fail("page", "partOf %v is not the collection %v", p, doc["id"])
	}
	if si, ok := first["startIndex"].(float64); !ok || si != 0 {
		w.fail("page", "startIndex %v, want 0", first["startIndex"])
	}
	items, ok := first["items"].([]any)
	if !ok {
		w.fail("page", "items is not an array (MUST)")
		return
	}
	if float64(len(items)) != total {
		w.fail("collection", "total %v but %d items", total, len(items))
	}
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			w.fail(fmt.Sprint("item ", i), "not an embedded annotation")
			continue
		}
		w.ids[fmt.Sprint(obj["id"])] = true
	}
	for i, it := range items {
		if obj, ok := it.(map[string]any); ok {
			w.annotation(fmt.Sprintf("item %d (%v)", i, obj["id"]), obj)
		}
	}
}

func (w *w3cCheck) annotation(where string, a map[string]any) {
	w.t.Helper()
	w.annotations++
	w.context(where, a)
	if _, ok := a["id"].(string); !ok {
		w.fail(where, "exactly one id (MUST)")
	}
	w.iri(where+" id", a["id"])
	w.hasType(where, a, "Annotation")
	var motivation string
	for _, m := range values(a["motivation"]) {
		motivation, _ = m.(string)
		if !slices.Contains(motivations, motivation) {
			w.fail(where, "motivation %v is not from the vocabulary", m)
		}
	}
	w.dateTime(where, "created", a)
	w.dateTime(where, "modified", a)
	if cr, ok := a["creator"].(map[string]any); ok {
		w.iri(where+" creator", cr["id"])
		w.hasType(where+" creator", cr, "Person")
		if _, ok := cr["name"].(string); !ok {
			w.fail(where, "creator name %v is not a string", cr["name"])
		}
	}
	comments := 0
	for i, b := range values(a["body"]) {
		bw := fmt.Sprintf("%s body %d", where, i)
		body, ok := b.(map[string]any)
		if !ok {
			w.fail(bw, "not a TextualBody")
			continue
		}
		w.hasType(bw, body, "TextualBody")
		if _, ok := body["value"].(string); !ok {
			w.fail(bw, "a TextualBody has exactly one value, a string (MUST)")
		}
		if f, ok := body["format"]; ok && f != "text/markdown" {
			w.fail(bw, "format %v", f)
		}
		switch p, has := body["purpose"]; {
		case !has, p == "commenting":
			comments++
		case p == "tagging":
			w.tags++
		default:
			if s, _ := p.(string); !slices.Contains(motivations, s) {
				w.fail(bw, "purpose %v is not from the vocabulary", p)
			}
		}
	}
	if comments > 1 {
		w.fail(where, "%d comment bodies, want at most one", comments)
	}
	targets := values(a["target"])
	if len(targets) != 1 {
		w.fail(where, "%d targets; an annotation MUST have at least one and glossa writes one", len(targets))
		return
	}
	if iri, ok := targets[0].(string); ok {
		// A reply: its target is the annotation it answers.
		w.replies++
		w.iri(where+" target", iri)
		if motivation != "replying" {
			w.fail(where, "an annotation on an annotation has motivation %q, not replying", motivation)
		}
		if !w.ids[iri] {
			w.fail(where, "replies to %s, which is not in the export", iri)
		}
		return
	}
	if motivation == "highlighting" {
		w.highlights++
		if comments > 0 {
			w.fail(where, "a highlight with a comment")
		}
	}
	target, ok := targets[0].(map[string]any)
	if !ok {
		w.fail(where, "target is neither an IRI nor a SpecificResource")
		return
	}
	if src, _ := target["source"].(string); src != testBase+"/read/"+essaySlug {
		w.fail(where, "target source %v is not the essay (exactly one source: MUST)", target["source"])
	}
	if st, ok := target["state"].(map[string]any); ok {
		w.hasType(where+" state", st, "TimeState")
		if _, has := st["sourceDate"]; !has {
			w.fail(where, "a TimeState has sourceDate (or sourceDateStart and sourceDateEnd) (MUST)")
		}
		w.dateTime(where+" state", "sourceDate", st)
		if c, ok := st["cached"]; ok {
			w.iri(where+" state cached", c)
		}
	} else if a["status"] != "orphan" {
		// An orphan's state names the last revision its words were found
		// on; one whose words were never found (imported) has none.
		w.fail(where, "no TimeState naming the revision")
	}
	sels := values(target["selector"])
	if len(sels) != 1 {
		w.fail(where, "%d selectors, want one FragmentSelector", len(sels))
		return
	}
	frag, _ := sels[0].(map[string]any)
	w.hasType(where+" selector", frag, "FragmentSelector")
	anchor, ok := frag["value"].(string)
	if !ok {
		w.fail(where, "a FragmentSelector has exactly one value (MUST)")
	}
	if ct, ok := frag["conformsTo"]; ok && ct != transfer.RFC3236 {
		w.fail(where, "conformsTo %v, want %s", ct, transfer.RFC3236)
	}
	refined := values(frag["refinedBy"])
	if len(refined) == 0 {
		w.whole++
		return
	}
	w.quotes++
	var exact string
	start, end := -1, -1
	for _, r := range refined {
		sel, _ := r.(map[string]any)
		switch sel["type"] {
		case "TextQuoteSelector":
			e, ok := sel["exact"].(string)
			if !ok || e == "" {
				w.fail(where, "a TextQuoteSelector has exactly one exact (MUST)")
			}
			exact = e
			for _, k := range []string{"prefix", "suffix"} {
				if v, has := sel[k]; has {
					if _, ok := v.(string); !ok {
						w.fail(where, "%s %v is not a string", k, v)
					}
				}
			}
		case "TextPositionSelector":
			s, ok1 := sel["start"].(float64)
			e, ok2 := sel["end"].(float64)
			if !ok1 || !ok2 || s < 0 || e < s || s != float64(int(s)) || e != float64(int(e)) {
				w.fail(where, "a TextPositionSelector has exactly one start and one end, non-negative integers (MUST): %v", sel)
			}
			start, end = int(s), int(e)
		default:
			w.fail(where, "refined by %v", sel["type"])
		}
	}
	if exact == "" || start < 0 {
		w.fail(where, "a quote is refined by both a TextQuoteSelector and a TextPositionSelector")
		return
	}
	if a["status"] == "orphan" {
		return // its words are not in the text
	}
	text, ok := w.blocks[anchor]
	if !ok {
		w.fail(where, "anchor %s is not a block of the essay", anchor)
		return
	}
	if got := content.Slice(text, start, end); got != exact {
		w.fail(where, "the text at %d–%d is %q, not the quote %q", start, end, got, exact)
	}
}

// Markdown reads as it is: parsed as Markdown and then as HTML, it has
// the title, a section per paragraph with the paragraph quoted, each note
// with its quote, author and tags, replies nested in their note, and the
// orphans last.
func TestExportMarkdown(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	e := a.essay(t)
	p1, p5 := e.Current.Blocks[1], e.Current.Blocks[5]
	c.ann.createNote(p1.Anchor, "two dimensions", "Which two?\n\nSecurity and *economics*.", "private")
	c.ann.createNote(p5.Anchor, "", "The whole paragraph, for the class.", "group:"+strconv.FormatInt(c.group.ID, 10))
	notes := must(a.db.ExportNotes(context.Background(), viewerOfUser(t, a, "ann"), store.ExportQuery{DocumentID: e.ID}))
	first := notes[0]
	if _, err := a.db.UpdateNote(context.Background(), first.Author.ID, first.ID, 0, store.NoteUpdate{Body: first.Body, Audience: first.Audience, Tags: []string{"theory", "q&a"}}); err != nil {
		t.Fatal(err)
	}
	reply := must(a.db.CreateNote(context.Background(), store.NewNote{AuthorID: first.Author.ID, ParentID: first.ID, Body: "Answering myself."}))
	importAs(t, c.ann, orphansFile(e))

	md, res := exportAs(t, c.ann, transfer.FormatMarkdown, "mine")
	if ct := res.Header.Get("Content-Type"); ct != "text/markdown; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasPrefix(md, "# Alliances and the Future Asia-Pacific Order\n\nBy T.J. Pempel. *Global Asia*, Vol. 11 No. 1, March 2016.\n") {
		t.Errorf("head:\n%s", truncate(md, 300))
	}
	var buf bytes.Buffer
	if err := goldmark.New().Convert([]byte(md), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(query(doc, "h1")); got != "Alliances and the Future Asia-Pacific Order" {
		t.Errorf("h1 %q", got)
	}
	var h2 []string
	for _, h := range queryAll(doc, "h2") {
		h2 = append(h2, text(h))
	}
	if want := []string{"Paragraph 2", "Paragraph 5", "Notes on an earlier version"}; !slices.Equal(h2, want) {
		t.Errorf("sections %q, want %q", h2, want)
	}
	quotes := queryAll(doc, "body > blockquote")
	if len(quotes) != 2 || text(quotes[0]) != p1.Text || text(quotes[1]) != p5.Text {
		t.Errorf("the paragraphs are not quoted in full: %d block quotes", len(quotes))
	}
	items := queryAll(doc, "body > ul > li")
	if len(items) != 4 {
		t.Fatalf("%d notes listed, want 4", len(items))
	}
	head := text(query(items[0], "p"))
	for _, want := range []string{"On “two dimensions”", "ann", "only me", "tags: q&a, theory"} {
		if !strings.Contains(head, want) {
			t.Errorf("first note's line %q lacks %q", head, want)
		}
	}
	if em := query(items[0], "em"); text(em) != "economics" {
		t.Errorf("the body's Markdown is not Markdown any more: %q", text(em))
	}
	if r := query(items[0], "ul > li"); r == nil || !strings.Contains(text(r), "Reply") || !strings.Contains(text(r), reply.Body) {
		t.Errorf("the reply is not nested in its note: %q", text(r))
	}
	if head := text(query(items[1], "p")); !strings.Contains(head, "On the whole paragraph") || !strings.Contains(head, "for Seminar") {
		t.Errorf("second note: %q", head)
	}
	// An orphan that came with a quote not in the essay keeps it as the
	// importer's words, and its date as the file's.
	if head := text(query(items[2], "p")); !strings.Contains(head, "Imported with the quote “a sentence the author removed”, the importer’s words, not the essay’s") ||
		!strings.Contains(head, "imported; written 5 January 2023") {
		t.Errorf("orphan: %q", head)
	}
}

// A group's name is the teacher's text, not Markdown: in a group export
// its header line shows it as written, and a line break in it starts no
// heading or list; the same in each note's audience.
func TestExportMarkdownEscapesGroupName(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	tess, ann := a.signUp(t, "tess"), a.signUp(t, "ann")
	const name = "*IR* 201 [site](http://evil.example) <b>x</b> `c` ~~y~~\n# Heading\n- item"
	g := a.newGroup(t, name, tess, ann)
	ann.createNote(a.paragraph(t, 0).Anchor, "", "For the class.", "group:"+strconv.FormatInt(g.ID, 10))
	md, _ := exportAs(t, tess, transfer.FormatMarkdown, "group:"+strconv.FormatInt(g.ID, 10))
	var buf bytes.Buffer
	if err := goldmark.New().Convert([]byte(md), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.ReplaceAll(name, "\n", " ")
	var header *html.Node
	for _, p := range queryAll(doc, "body > p") {
		if strings.HasPrefix(text(p), "The notes of ") {
			header = p
		}
	}
	if got := text(header); !strings.HasPrefix(got, "The notes of "+flat+": 1 note") {
		t.Errorf("header line %q, want it to start %q", got, "The notes of "+flat+": 1 note")
	}
	if n := len(queryAll(doc, "h1")); n != 1 {
		t.Errorf("%d h1 headings: the group's name started one", n)
	}
	for _, sel := range []string{"em", `a[href*="evil"]`, "b", "code", "del"} {
		if el := query(header, sel); el != nil {
			t.Errorf("the group's name became %s in the header", sel)
		}
	}
	if item := text(query(doc, "body > ul > li p")); !strings.Contains(item, "for "+flat) {
		t.Errorf("the note's audience %q does not name the group as written", item)
	}
}

// The CSV has the documented columns, a row per note and reply, and no
// cell a spreadsheet would run as a formula.
func TestExportCSV(t *testing.T) {
	a := newApp(t, withBaseURL(testBase))
	c := newClassroom(t, a)
	mine := seedAnnsNotes(t, a, c, 40, 15)
	body, res := exportAs(t, c.ann, transfer.FormatCSV, "mine")
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(body, "\r\n") {
		t.Error("rows do not end in CRLF")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "id,parent_id,document,revision,anchor,position,quote,prefix,suffix,start,end,status,author,audience,group,tags,body,created,modified,url," +
		"imported,imported_at,importer_quote"
	if got := strings.Join(rows[0], ","); got != want {
		t.Errorf("columns\n %s\nwant\n %s", got, want)
	}
	if len(rows)-1 != len(mine) {
		t.Errorf("%d rows, want %d (one per note and reply)", len(rows)-1, len(mine))
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[0]] = r
		for i, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("row %s, %s: %q would run as a formula", r[0], rows[0][i], cell)
			}
		}
	}
	for _, n := range mine {
		r, ok := byID[n.ID]
		if !ok {
			t.Errorf("note %s missing", n.ID)
			continue
		}
		if r[1] != n.ParentID || r[12] != "ann" || r[15] != strings.Join(n.Tags, "; ") || strings.TrimPrefix(r[16], "'") != n.Body ||
			r[19] != testBase+"/notes/"+n.ID {
			t.Errorf("row %v does not match note %+v", r, n)
		}
		if n.ParentID == "" && n.Current.Exact != "" && (r[6] != n.Current.Exact || r[9] != strconv.Itoa(n.Current.Start)) {
			t.Errorf("row %s: quote %q at %s, want %q at %d", n.ID, r[6], r[9], n.Current.Exact, n.Current.Start)
		}
	}
}
