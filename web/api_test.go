package web

import (
	"context"
	"glossa/store"
	"glossa/transfer"
	"net/http"
	"strings"
	"testing"
)

// w3c builds an annotation as a client would send it.
func w3c(anchor string, refine []map[string]any, body, audience string) map[string]any {
	sel := map[string]any{"type": "FragmentSelector", "conformsTo": transfer.RFC3236, "value": anchor}
	if refine != nil {
		sel["refinedBy"] = refine
	}
	a := map[string]any{
		"@context": transfer.AnnoContext, "type": "Annotation",
		"target": map[string]any{"source": "http://example.test/read/" + essaySlug, "selector": sel},
	}
	if body != "" {
		a["body"] = map[string]any{"type": "TextualBody", "value": body, "format": "text/markdown"}
	}
	if audience != "" {
		a["audience"] = audience
	}
	return a
}

func position(start, end int) map[string]any {
	return map[string]any{"type": "TextPositionSelector", "start": start, "end": end}
}

func quote(exact string) map[string]any {
	return map[string]any{"type": "TextQuoteSelector", "exact": exact}
}

// selectors digs the FragmentSelector and its refinements out of a decoded
// annotation.
func selectors(t *testing.T, a annotation) (frag selector, pos, quo *selector) {
	t.Helper()
	if a.Target == nil || len(a.Target.Selector) != 1 {
		t.Fatalf("target: %+v", a.Target)
	}
	frag = a.Target.Selector[0]
	for i := range frag.RefinedBy {
		switch frag.RefinedBy[i].Type {
		case "TextPositionSelector":
			pos = &frag.RefinedBy[i]
		case "TextQuoteSelector":
			quo = &frag.RefinedBy[i]
		}
	}
	return
}

func TestAPIRoundTrip(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	// "uncertainties" is in the first paragraph; find it by code points.
	start := strings.Index(p.Text, "order marked") // ASCII before it in this paragraph? use runes
	if start < 0 {
		t.Fatal("test phrase missing")
	}
	start = len([]rune(p.Text[:start]))
	end := start + len([]rune("order marked"))

	var created annotation
	res := ann.apiJSON("POST", "/api/documents/"+essaySlug+"/annotations/",
		w3c(p.Anchor, []map[string]any{position(start, end)}, "A *regional* order?", "public"), nil, &created)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %+v", res.StatusCode, created)
	}
	if ct := res.Header.Get("Content-Type"); ct != annoType {
		t.Errorf("content type %q", ct)
	}
	loc, tag := res.Header.Get("Location"), res.Header.Get("ETag")
	if loc == "" || loc != created.ID || tag == "" {
		t.Fatalf("Location %q, id %q, ETag %q", loc, created.ID, tag)
	}
	frag, pos, quo := selectors(t, created)
	if frag.Value != p.Anchor || frag.ConformsTo != transfer.RFC3236 {
		t.Errorf("fragment selector %+v", frag)
	}
	if pos == nil || *pos.Start != start || *pos.End != end {
		t.Errorf("position %+v", pos)
	}
	if quo == nil || quo.Exact != "order marked" || quo.Prefix == "" || quo.Suffix == "" {
		t.Errorf("server did not fill the quote: %+v", quo)
	}
	if created.Audience != "public" || created.Body == nil || created.Body.Value != "A *regional* order?" || created.Motivation != "commenting" {
		t.Errorf("created %+v", created)
	}
	if created.Target.State == nil || created.Target.State.Type != "TimeState" {
		t.Errorf("no TimeState naming the revision: %+v", created.Target.State)
	}

	path := strings.TrimPrefix(loc, app.ts.URL)
	var got annotation
	res = ann.apiJSON("GET", path, nil, nil, &got)
	if res.StatusCode != 200 || res.Header.Get("ETag") != tag || got.ID != created.ID {
		t.Fatalf("get: %d %q", res.StatusCode, res.Header.Get("ETag"))
	}
	res = ann.apiJSON("GET", path, nil, http.Header{"If-None-Match": {tag}}, nil)
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res.StatusCode)
	}

	// PUT needs If-Match; a stale one gets 412.
	upd := w3c(p.Anchor, []map[string]any{position(start, end)}, "Edited.", "public")
	if res := ann.apiJSON("PUT", path, upd, nil, nil); res.StatusCode != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match: %d", res.StatusCode)
	}
	var updated annotation
	res = ann.apiJSON("PUT", path, upd, http.Header{"If-Match": {tag}}, &updated)
	if res.StatusCode != 200 || updated.Body.Value != "Edited." {
		t.Fatalf("PUT: %d %+v", res.StatusCode, updated)
	}
	newTag := res.Header.Get("ETag")
	if newTag == tag {
		t.Error("ETag unchanged after PUT")
	}
	if res := ann.apiJSON("PUT", path, upd, http.Header{"If-Match": {tag}}, nil); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("PUT with stale If-Match: %d", res.StatusCode)
	}
	// Retarget with a quote only.
	upd = w3c(p.Anchor, []map[string]any{quote("abounding uncertainties")}, "Moved.", "private")
	res = ann.apiJSON("PUT", path, upd, http.Header{"If-Match": {newTag}}, &updated)
	if res.StatusCode != 200 {
		t.Fatalf("PUT retarget: %d", res.StatusCode)
	}
	if _, pos, quo := selectors(t, updated); quo == nil || quo.Exact != "abounding uncertainties" || pos == nil {
		t.Errorf("retargeted %+v %+v", pos, quo)
	}

	// The container lists it for its author.
	var coll container
	res = ann.apiJSON("GET", "/api/documents/"+essaySlug+"/annotations/", nil, nil, &coll)
	if res.StatusCode != 200 || coll.Total != 1 || !strings.Contains(res.Header.Get("Link"), "BasicContainer") {
		t.Fatalf("container: %d total %d", res.StatusCode, coll.Total)
	}

	if res := ann.apiJSON("DELETE", path, nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res := ann.apiJSON("GET", path, nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("after delete: %d", res.StatusCode)
	}
}

func TestAPIHighlightAndQuoteOnly(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 1)
	var a annotation
	res := ann.apiJSON("POST", "/api/documents/"+essaySlug+"/annotations/",
		w3c(p.Anchor, []map[string]any{quote("two dimensions")}, "", ""), nil, &a)
	if res.StatusCode != 201 {
		t.Fatalf("%d", res.StatusCode)
	}
	if a.Motivation != "highlighting" || a.Body != nil || a.Audience != "private" {
		t.Errorf("highlight: %+v", a)
	}
	if _, pos, _ := selectors(t, a); pos == nil || *pos.End-*pos.Start != len("two dimensions") {
		t.Errorf("position not filled: %+v", pos)
	}
}

func TestAPIErrors(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	n := len([]rune(p.Text))
	post := "/api/documents/" + essaySlug + "/annotations/"
	cases := []struct {
		name   string
		body   any
		ctype  string
		status int
		want   string
	}{
		{"not json", "{", "application/ld+json", 400, "not valid JSON"},
		{"wrong type", "{}", "text/plain", 415, "application/ld+json"},
		{"no target", map[string]any{"type": "Annotation"}, "", 422, "target"},
		{"unknown anchor", w3c("p-deadbeef", nil, "x", ""), "", 422, "p-deadbeef"},
		{"quote mismatch", w3c(p.Anchor, []map[string]any{position(0, 3), quote("xyz")}, "x", ""), "", 409, "xyz"},
		{"quote absent", w3c(p.Anchor, []map[string]any{quote("not in the text")}, "x", ""), "", 409, "not in the text"},
		{"position outside", w3c(p.Anchor, []map[string]any{position(n-2, n+5)}, "x", ""), "", 422, "outside"},
		{"bad audience", w3c(p.Anchor, nil, "x", "friends"), "", 422, "friends"},
		{"too long", w3c(p.Anchor, nil, strings.Repeat("a", maxBodyChars+1), ""), "", 422, "10000"},
		{"other document", map[string]any{"type": "Annotation", "target": map[string]any{"source": "http://x/read/other",
			"selector": map[string]any{"type": "FragmentSelector", "value": p.Anchor}}}, "", 422, "not this document"},
		{"unsupported selector", map[string]any{"type": "Annotation", "target": map[string]any{
			"selector": map[string]any{"type": "XPathSelector", "value": "/p[1]"}}}, "", 422, "XPathSelector"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body string
			if s, ok := tc.body.(string); ok {
				body = s
			} else {
				body = string(must(jsonMarshal(tc.body)))
			}
			ct := tc.ctype
			if ct == "" {
				ct = "application/ld+json"
			}
			res := ann.do("POST", post, strings.NewReader(body), http.Header{"Content-Type": {ct}})
			got := readBody(res)
			if res.StatusCode != tc.status || !strings.Contains(got, tc.want) {
				t.Errorf("status %d (want %d), body %s", res.StatusCode, tc.status, truncate(got, 300))
			}
		})
	}
	// Too large a request body.
	big := `{"bodyValue": "` + strings.Repeat("a", maxAPIBody) + `"}`
	res := ann.do("POST", post, strings.NewReader(big), http.Header{"Content-Type": {"application/ld+json"}})
	readBody(res)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("large body: %d", res.StatusCode)
	}
	if c := must(app.db.CountNotes(context.Background(), viewerOf(context.Background()), app.essay(t).ID)); c != 0 {
		t.Errorf("%d notes written by bad requests", c)
	}
	// Signed out: 401.
	signedOut := string(must(jsonMarshal(w3c(p.Anchor, nil, "x", ""))))
	res = app.client(t).do("POST", post, strings.NewReader(signedOut), http.Header{"Content-Type": {"application/ld+json"}})
	readBody(res)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d", res.StatusCode)
	}
}

func TestAPIBearerToken(t *testing.T) {
	app := newApp(t)
	app.signUp(t, "ann")
	u, _, err := app.db.UserByName(context.Background(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	token := store.NewToken()
	if err := app.db.CreateToken(context.Background(), u.ID, store.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	script := app.client(t) // no cookies, no browser headers
	p := app.paragraph(t, 3)
	var a annotation
	res := script.apiJSON("POST", "/api/documents/"+essaySlug+"/annotations/", w3c(p.Anchor, nil, "from a script", ""),
		http.Header{"Authorization": {"Bearer " + token}}, &a)
	if res.StatusCode != 201 || a.Creator == nil || a.Creator.Name != "ann" {
		t.Fatalf("bearer create: %d %+v", res.StatusCode, a)
	}
	res = script.apiJSON("GET", "/api/documents/"+essaySlug+"/annotations/", nil, http.Header{"Authorization": {"Bearer nope"}}, nil)
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad token: %d", res.StatusCode)
	}
}

func TestAPIDocuments(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	var list struct {
		Documents []apiDocument `json:"documents"`
	}
	if res := c.apiJSON("GET", "/api/documents", nil, nil, &list); res.StatusCode != 200 || len(list.Documents) != 1 {
		t.Fatalf("documents: %d %+v", res.StatusCode, list)
	}
	var d apiDocument
	if res := c.apiJSON("GET", "/api/documents/"+essaySlug, nil, nil, &d); res.StatusCode != 200 {
		t.Fatalf("document: %d", res.StatusCode)
	}
	e := app.essay(t)
	if d.Revision.Number != 1 || len(d.Blocks) != len(e.Current.Blocks) || d.Blocks[0].Text != e.Current.Blocks[0].Text {
		t.Errorf("document: %+v", d.Revision)
	}
	if res := c.apiJSON("GET", "/api/documents/nope", nil, nil, nil); res.StatusCode != 404 {
		t.Errorf("unknown document: %d", res.StatusCode)
	}
}

func TestAPIContainerPaging(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	e := app.essay(t)
	for i := range containerPage + 5 {
		b := e.Current.Blocks[i%len(e.Current.Blocks)]
		if _, err := app.db.CreateNote(context.Background(), newNoteOn(e, b.Anchor, ann, app)); err != nil {
			t.Fatal(err)
		}
	}
	var coll struct {
		Total int            `json:"total"`
		First annotationPage `json:"first"`
		Last  string         `json:"last"`
	}
	ann.apiJSON("GET", "/api/documents/"+essaySlug+"/annotations/", nil, nil, &coll)
	if coll.Total != containerPage+5 || len(coll.First.Items) != containerPage || coll.First.Next == "" || !strings.HasSuffix(coll.Last, "page=1") {
		t.Fatalf("container: total %d, first %d items, next %q, last %q", coll.Total, len(coll.First.Items), coll.First.Next, coll.Last)
	}
	var page annotationPage
	ann.apiJSON("GET", strings.TrimPrefix(coll.First.Next, app.ts.URL), nil, nil, &page)
	if len(page.Items) != 5 || page.Prev == "" || page.Next != "" || page.PartOf == nil || page.PartOf.Total != coll.Total {
		t.Errorf("page 1: %d items, prev %q next %q", len(page.Items), page.Prev, page.Next)
	}
	var minimal struct {
		First string `json:"first"`
	}
	ann.apiJSON("GET", "/api/documents/"+essaySlug+"/annotations/", nil,
		http.Header{"Prefer": {`return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"`}}, &minimal)
	if !strings.HasSuffix(minimal.First, "page=0") {
		t.Errorf("minimal container first = %q", minimal.First)
	}
	if res := ann.apiJSON("GET", "/api/documents/"+essaySlug+"/annotations/?page=7", nil, nil, nil); res.StatusCode != 404 {
		t.Errorf("page out of range: %d", res.StatusCode)
	}
}
