package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// hostileInput is one entry of the corpus in testdata/hostile.
type hostileInput struct {
	name  string
	value string
}

// hostileTexts reads testdata/hostile/text and adds the inputs made from
// the limits: one character over each, and nesting 10,000 deep (also
// nesting just under the body limit, so that it is accepted and rendered).
func hostileTexts(t testing.TB) []hostileInput {
	t.Helper()
	files, err := filepath.Glob("testdata/hostile/text/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no hostile corpus: %v", err)
	}
	var out []hostileInput
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hostileInput{strings.TrimSuffix(filepath.Base(f), ".txt"), string(b)})
	}
	deepList := strings.Repeat("- ", 10000) + "x"
	deepOrdered := strings.Repeat("1. ", 10000) + "x"
	return append(out,
		hostileInput{"over body limit", strings.Repeat("é", maxBodyChars+1)},
		hostileInput{"over name limit", strings.Repeat("n", maxNameLen+1)},
		hostileInput{"over group name limit", strings.Repeat("g", maxGroupName+1)},
		hostileInput{"over reason limit", strings.Repeat("r", 1001)},
		hostileInput{"over form limit", strings.Repeat("f", maxFormBytes+1)},
		hostileInput{"blockquotes 10000 deep", strings.Repeat(">", 10000) + " x"},
		hostileInput{"lists 10000 deep", deepList},
		hostileInput{"ordered lists 10000 deep", deepOrdered},
		hostileInput{"blockquotes under the limit", strings.Repeat(">", maxBodyChars-10) + " x"},
		hostileInput{"lists under the limit", deepList[len(deepList)-maxBodyChars+10:]},
		hostileInput{"brackets under the limit", strings.Repeat("[", maxBodyChars/2-5) + strings.Repeat("](x)", 1)},
		hostileInput{"emphasis under the limit", strings.Repeat("*", maxBodyChars-10) + "x"},
	)
}

// rowCounts are the rows a rejected request must not change.
type rowCounts map[string]int

func countRows(t testing.TB, app *testApp) rowCounts {
	t.Helper()
	c := rowCounts{}
	for _, table := range []string{"notes", "note_tags", "groups", "memberships", "users", "flags", "notifications"} {
		var n int
		if err := app.db.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		c[table] = n
	}
	return c
}

// hostileRun sends inputs and judges the answers.
type hostileRun struct {
	t        *testing.T
	app      *testApp
	accepted map[string][]string // what → names of the inputs accepted
	rejected int
}

// judge reads res: a 5xx fails; a 4xx must carry a message (a JSON
// "error", or an error element on an HTML page) and change no rows; a
// success is counted as accepted. It returns the answer's body.
func (h *hostileRun) judge(what string, in hostileInput, before rowCounts, res *http.Response) (ok bool, body string) {
	h.t.Helper()
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body = string(b)
	label := fmt.Sprintf("%s with %q", what, in.name)
	switch {
	case res.StatusCode >= 500:
		h.t.Errorf("%s: status %d: %s", label, res.StatusCode, truncate(body, 500))
		return false, body
	case res.StatusCode >= 400:
		h.rejected++
		if msg := rejectionMessage(res, body); msg == "" {
			h.t.Errorf("%s: status %d names no problem: %s", label, res.StatusCode, truncate(body, 500))
		}
		if after := countRows(h.t, h.app); !mapsEqual(before, after) {
			h.t.Errorf("%s: rejected (%d) but rows changed: %v → %v", label, res.StatusCode, before, after)
		}
		return false, body
	}
	h.accepted[what] = append(h.accepted[what], in.name)
	return true, body
}

func mapsEqual(a, b rowCounts) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// rejectionMessage is the message of a 4xx answer: the JSON error (with its
// field messages) or the text of the error elements of an HTML page.
func rejectionMessage(res *http.Response, body string) string {
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		var e struct {
			Error  string            `json:"error"`
			Fields map[string]string `json:"fields"`
		}
		if json.Unmarshal([]byte(body), &e) != nil {
			return ""
		}
		msg := e.Error
		for k, v := range e.Fields {
			msg += " " + k + ": " + v
		}
		return strings.TrimSpace(msg)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return ""
	}
	var msg []string
	for _, n := range queryAll(doc, ".error-summary, .field-error, .form-error, .error-message, main h1") {
		if s := strings.TrimSpace(textOf(n)); s != "" {
			msg = append(msg, s)
		}
	}
	// A page's h1 alone ("Sign up") is no message; an error element is.
	if len(msg) < 2 && len(queryAll(doc, ".error-summary, .field-error, .form-error, .error-message")) == 0 {
		return ""
	}
	return strings.Join(msg, " / ")
}

// checkPageSafe fails t on anything in a whole page that could run script
// or that no glossa template writes: a script not from /static/, inline
// script, an on* attribute, a javascript:/vbscript:/data: URL in a link or
// form, or an element that embeds another document or style.
func checkPageSafe(t testing.TB, what, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script":
			if src := attr(n, "src"); !strings.HasPrefix(src, "/static/") || strings.TrimSpace(textOf(n)) != "" {
				t.Errorf("%s: a script survived: src=%q %q", what, src, truncate(textOf(n), 100))
			}
		case "iframe", "object", "embed", "style", "frame", "base":
			t.Errorf("%s: a <%s> survived", what, n.Data)
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") || k == "srcdoc" || k == "formaction" {
				t.Errorf("%s: attribute %s=%q on <%s>", what, a.Key, truncate(a.Val, 100), n.Data)
			}
			if k == "href" || k == "src" || k == "action" {
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' || r == 0x7f {
						return -1
					}
					return r
				}, a.Val))
				for _, bad := range []string{"javascript:", "vbscript:", "data:text", "data:application", "data:image/svg"} {
					if strings.HasPrefix(v, bad) {
						t.Errorf("%s: %s=%q on <%s>", what, a.Key, truncate(a.Val, 100), n.Data)
					}
				}
			}
		}
	}
}

// hostileFixture is a seminar whose pages show every accepted hostile
// input: notes, replies, tags, group names, reasons.
type hostileFixture struct {
	s      *seminar
	notes  []string // ids of accepted notes and replies
	groups []string // ids of accepted groups
	parent string   // the note replies go to
	run    *hostileRun
}

// sendHostile sends every corpus entry through every text input and
// endpoint, as the seminar's members, and returns what was accepted.
func sendHostile(t *testing.T) *hostileFixture {
	s := newSeminar(t)
	app := s.app
	h := &hostileRun{t: t, app: app, accepted: map[string][]string{}}
	f := &hostileFixture{s: s, run: h}
	anchor := s.p.Anchor
	read := "/read/" + essaySlug
	f.parent = s.teacher.note(anchor, "Where do you start?", s.groupAudience(), true)
	flagged := s.bo.note(anchor, "Something to flag.", s.groupAudience(), false)
	asJSON := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	form := func(c *client, p string, v url.Values, hdr http.Header) *http.Response {
		if hdr == nil {
			hdr = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		}
		return c.do("POST", p, strings.NewReader(v.Encode()), hdr)
	}
	noteID := func(body string) string {
		var out struct {
			ID string `json:"id"`
		}
		if json.Unmarshal([]byte(body), &out) != nil || out.ID == "" {
			t.Errorf("an accepted note's answer has no id: %s", truncate(body, 300))
		}
		return path.Base(out.ID)
	}

	for _, in := range hostileTexts(t) {
		send := func(what string, c *client, res func() *http.Response) (bool, string) {
			t.Helper()
			before := countRows(t, app)
			return h.judge(what, in, before, res())
		}
		// A note body, through the form as JavaScript posts it.
		if ok, body := send("note body (form)", s.ann, func() *http.Response {
			return form(s.ann, read+"/notes", url.Values{"anchor": {anchor}, "body": {in.value}, "audience": {s.groupAudience()}}, asJSON)
		}); ok {
			f.notes = append(f.notes, noteID(body))
		}
		// …and without JavaScript, where an error is a page.
		send("note body (plain form)", s.ann, func() *http.Response {
			return form(s.ann, read+"/notes", url.Values{"anchor": {anchor}, "body": {in.value}, "audience": {"private"}}, nil)
		})
		// A phrase (a quote): only words of the paragraph are accepted.
		if ok, body := send("phrase", s.ann, func() *http.Response {
			return form(s.ann, read+"/notes", url.Values{"anchor": {anchor}, "phrase": {in.value}, "body": {"On a phrase."}, "audience": {s.groupAudience()}}, asJSON)
		}); ok {
			f.notes = append(f.notes, noteID(body))
		}
		// Tags.
		if ok, body := send("tags", s.ann, func() *http.Response {
			return form(s.ann, read+"/notes", url.Values{"anchor": {anchor}, "body": {"Tagged."}, "tags": {in.value}, "audience": {s.groupAudience()}}, asJSON)
		}); ok {
			f.notes = append(f.notes, noteID(body))
		}
		// The anchor itself.
		send("anchor", s.ann, func() *http.Response {
			return form(s.ann, read+"/notes", url.Values{"anchor": {in.value}, "body": {"x"}, "audience": {"private"}}, asJSON)
		})
		// A note body through the API.
		if ok, body := send("note body (API)", s.ann, func() *http.Response {
			b, _ := json.Marshal(w3c(anchor, nil, in.value, s.groupAudience()))
			return s.ann.do("POST", "/api/documents/"+essaySlug+"/annotations/", strings.NewReader(string(b)),
				http.Header{"Content-Type": {"application/ld+json"}, "Accept": {"application/ld+json"}})
		}); ok {
			f.notes = append(f.notes, noteID(body))
		}
		// A reply.
		if ok, body := send("reply", s.bo, func() *http.Response {
			return form(s.bo, "/notes/"+f.parent+"/replies", url.Values{"body": {in.value}}, asJSON)
		}); ok {
			f.notes = append(f.notes, noteID(body))
		}
		// A user name, signing up.
		send("user name", nil, func() *http.Response {
			c := app.client(t)
			return form(c, "/signup", url.Values{"name": {in.value}, "password": {"correct horse"}, "password2": {"correct horse"}}, nil)
		})
		// A group name.
		if ok, _ := send("group name", s.teacher, func() *http.Response {
			return form(s.teacher, "/groups", url.Values{"name": {in.value}}, nil)
		}); ok {
			var id int64
			if err := app.db.SQL().QueryRow("SELECT max(id) FROM groups").Scan(&id); err != nil {
				t.Fatal(err)
			}
			f.groups = append(f.groups, strconv.FormatInt(id, 10))
		}
		// Reasons: a member flags, the teacher hides.
		send("flag reason", s.ann, func() *http.Response {
			return form(s.ann, "/notes/"+flagged+"/flag", url.Values{"reason": {in.value}}, nil)
		})
		if ok, _ := send("hide reason", s.teacher, func() *http.Response {
			return form(s.teacher, "/notes/"+flagged+"/hide", url.Values{"reason": {in.value}}, nil)
		}); ok {
			s.teacher.post("/notes/"+flagged+"/restore", nil, http.StatusSeeOther)
		}
		// Search, as a page and through the API. The page echoes the query.
		if ok, body := send("search page", s.ann, func() *http.Response {
			return s.ann.get("/search?q=" + url.QueryEscape(in.value))
		}); ok {
			checkPageSafe(t, "search page for "+in.name, body)
		}
		send("search API", s.ann, func() *http.Response {
			return s.ann.do("GET", "/api/search?q="+url.QueryEscape(in.value), nil, http.Header{"Accept": {"application/json"}})
		})
		// An import whose notes carry the input as body and tag.
		send("import", s.ann, func() *http.Response {
			return s.ann.do("POST", "/api/documents/"+essaySlug+"/import", strings.NewReader(hypothesisWith(t, in)),
				http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}})
		})
		// The input itself as an import file and as an annotation: it is
		// not JSON, or not of the right shape.
		for _, p := range []string{"/api/documents/" + essaySlug + "/import", "/api/documents/" + essaySlug + "/annotations/"} {
			send("raw body "+p, s.ann, func() *http.Response {
				return s.ann.do("POST", p, strings.NewReader(in.value), http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}})
			})
		}
	}
	t.Logf("hostile inputs: %d rejections; accepted: %v", h.rejected, h.accepted)
	return f
}

// hypothesisWith is testdata/hypothesis-export.json with every note's text
// and tags replaced by in and fresh ids, so the import is new each time.
func hypothesisWith(t testing.TB, in hostileInput) string {
	b, err := os.ReadFile("testdata/hypothesis-export.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for i, a := range doc["annotations"].([]any) {
		m := a.(map[string]any)
		m["id"] = fmt.Sprintf("hostile-%s-%d", strings.ReplaceAll(in.name, " ", "-"), i)
		m["text"] = in.value
		m["tags"] = []string{in.value}
	}
	out, _ := json.Marshal(doc)
	return string(out)
}

// TestHostileInputs sends the corpus through every input (see sendHostile)
// and checks the pages that show what was accepted: the reading page, each
// note's page, the notebook, the groups and group pages, the flags page
// and the teacher's view.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("the hostile corpus takes a while")
	}
	f := sendHostile(t)
	s := f.s
	for _, want := range []string{"note body (form)", "note body (API)", "reply", "tags"} {
		if len(f.run.accepted[want]) == 0 {
			t.Errorf("no hostile %s was accepted: the pages below show nothing hostile", want)
		}
	}
	pages := []string{s.groupReadPath(), s.readPath(), "/notebook", "/groups", "/groups/" + strconv.FormatInt(s.group.ID, 10),
		"/groups/" + strconv.FormatInt(s.group.ID, 10) + "/flags", "/groups/" + strconv.FormatInt(s.group.ID, 10) + "/documents/" + essaySlug,
		"/notifications", "/read/" + essaySlug + "/print?layers=mine&layers=group:" + strconv.FormatInt(s.group.ID, 10)}
	for _, id := range f.notes {
		pages = append(pages, "/notes/"+id)
	}
	for _, g := range f.groups {
		pages = append(pages, "/groups/"+g)
	}
	for _, c := range []*client{s.ann, s.teacher} {
		for _, p := range pages {
			res := c.get(p)
			body := readBody(res)
			if res.StatusCode != http.StatusOK {
				if !(c == s.ann && strings.Contains(p, "/flags") || c == s.ann && strings.Contains(p, "/documents/")) && !(c == s.ann && slices.Contains(f.groups, path.Base(p))) {
					t.Errorf("%s as %s: status %d", p, c.name, res.StatusCode)
				}
				continue
			}
			checkPageSafe(t, p+" as "+c.name, body)
		}
	}
}

// TestHostileJSON sends the wrong-shaped JSON of testdata/hostile/json and
// the forged selectors of testdata/hostile/selectors.json to the APIs that
// read JSON: each is a 4xx naming the problem, and nothing is written.
func TestHostileJSON(t *testing.T) {
	s := newSeminar(t)
	app := s.app
	h := &hostileRun{t: t, app: app, accepted: map[string][]string{}}
	files, _ := filepath.Glob("testdata/hostile/json/*.json")
	if len(files) == 0 {
		t.Fatal("no JSON in testdata/hostile/json")
	}
	hdr := http.Header{"Content-Type": {"application/ld+json"}, "Accept": {"application/ld+json"}}
	parent := s.ann.note(s.p.Anchor, "A note to edit.", "public", false)
	endpoints := []struct{ method, path string }{
		{"POST", "/api/documents/" + essaySlug + "/annotations/"},
		{"PUT", "/api/annotations/" + parent},
		{"POST", "/api/documents/" + essaySlug + "/import"},
		{"POST", "/api/groups"},
		{"PUT", "/api/groups/" + strconv.FormatInt(s.group.ID, 10) + "/tags"},
		{"POST", "/api/annotations/" + parent + "/flag"},
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		in := hostileInput{filepath.Base(file), string(b)}
		for _, ep := range endpoints {
			c := s.ann
			if strings.Contains(ep.path, "/groups") {
				c = s.teacher
			}
			hh := hdr.Clone()
			if ep.method == "PUT" && strings.HasPrefix(ep.path, "/api/annotations/") {
				hh.Set("If-Match", `"v1"`)
			}
			before := countRows(t, app)
			ok, body := h.judge(ep.method+" "+ep.path, in, before, c.do(ep.method, ep.path, strings.NewReader(in.value), hh))
			if ok && strings.HasSuffix(ep.path, "/import") {
				// An import reads a lone annotation as a file of one and
				// reports, line by line, what it could not place.
				var rep struct{ Imported, Rejected, Orphaned int }
				if json.Unmarshal([]byte(body), &rep) == nil && rep.Imported == rep.Orphaned && rep.Imported+rep.Rejected > 0 {
					continue
				}
			}
			if ok {
				t.Errorf("%s %s accepted %s: %s", ep.method, ep.path, in.name, truncate(body, 300))
			}
		}
	}

	var sels []struct {
		Name     string          `json:"name"`
		Selector json.RawMessage `json:"selector"`
	}
	b, err := os.ReadFile("testdata/hostile/selectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sels); err != nil {
		t.Fatal(err)
	}
	for _, sel := range sels {
		raw := strings.ReplaceAll(string(sel.Selector), "ANCHOR", s.p.Anchor)
		body := `{"@context":"http://www.w3.org/ns/anno.jsonld","type":"Annotation","bodyValue":"A note.","target":{"source":"http://x.test/read/` +
			essaySlug + `","selector":` + raw + `}}`
		in := hostileInput{sel.Name, body}
		before := countRows(t, app)
		if ok, out := h.judge("forged selector", in, before, s.ann.do("POST", "/api/documents/"+essaySlug+"/annotations/", strings.NewReader(body), hdr)); ok {
			t.Errorf("forged selector %q was accepted: %s", sel.Name, truncate(out, 300))
		}
	}
	// Forged offsets through the form.
	for _, se := range [][2]string{{"-1", "4"}, {"4", "2"}, {"0", "100000"}, {"x", "y"}, {"9223372036854775808", "1"}, {"0", ""}} {
		in := hostileInput{"offsets " + se[0] + "," + se[1], ""}
		before := countRows(t, app)
		res := s.ann.do("POST", "/read/"+essaySlug+"/notes", strings.NewReader(url.Values{"anchor": {s.p.Anchor}, "start": {se[0]}, "end": {se[1]},
			"phrase": {"zzz"}, "body": {"x"}, "audience": {"private"}}.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}})
		if ok, out := h.judge("form offsets", in, before, res); ok {
			t.Errorf("forged offsets %v were accepted: %s", se, truncate(out, 300))
		}
	}

	// Path tricks in slugs: never a 5xx, never another document.
	slugs, err := os.ReadFile("testdata/hostile/slugs.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range strings.Fields(string(slugs)) {
		for _, p := range []string{"/read/" + slug, "/read/" + slug + "/revisions", "/api/documents/" + slug, "/api/documents/" + slug + "/annotations/", "/read/" + slug + "/print"} {
			req, err := http.NewRequest("GET", app.ts.URL+p, nil)
			if err != nil {
				continue // not even a URL: no request reaches glossa
			}
			res, err := s.ann.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(res)
			if res.StatusCode >= 500 || res.StatusCode < 300 {
				t.Errorf("GET %s: status %d: %s", p, res.StatusCode, truncate(body, 200))
			}
		}
	}
}
