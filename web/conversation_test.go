package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"glossa/content"
	"glossa/store"
	"glossa/transfer"
)

// seminar is a group reading the essay: a teacher, two members and an
// outsider, and the paragraph they talk about.
type seminar struct {
	app                       *testApp
	teacher, ann, bo, outside *client
	group                     store.Group
	p                         *content.Block
}

func newSeminar(t *testing.T) *seminar {
	t.Helper()
	app := newApp(t)
	s := &seminar{app: app,
		teacher: app.signUp(t, "tess"), ann: app.signUp(t, "ann"), bo: app.signUp(t, "bo"), outside: app.signUp(t, "olga"),
		p: app.paragraphWith(t, "Ties among the nation-states"),
	}
	s.group = app.newGroup(t, "Seminar A", s.teacher, s.ann, s.bo)
	return s
}

func (s *seminar) userID(t testing.TB, c *client) int64 { return viewerOfUser(t, s.app, c.name).UserID }

func (s *seminar) groupAudience() string { return "group:" + strconv.FormatInt(s.group.ID, 10) }
func (s *seminar) readPath() string      { return "/read/" + essaySlug }
func (s *seminar) groupReadPath() string {
	return s.readPath() + "?group=" + strconv.FormatInt(s.group.ID, 10)
}
func (s *seminar) margin(doc *html.Node) *html.Node {
	return query(doc, `[data-block="`+s.p.Anchor+`"] .margin`)
}

// convPath is the conversation of the seminar's paragraph: every note on
// it, with the forms (the margin shows a summary).
func (s *seminar) convPath() string { return "/read/" + essaySlug + "/notes/" + s.p.Anchor }
func (s *seminar) groupConvPath() string {
	return s.convPath() + "?group=" + strconv.FormatInt(s.group.ID, 10)
}

// postJSON posts a form as the reader's JavaScript does and decodes the
// answer.
func (c *client) postJSON(path string, v url.Values, status int) map[string]any {
	c.t.Helper()
	res := c.do("POST", path, strings.NewReader(v.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"},
	})
	body := readBody(res)
	if res.StatusCode != status {
		c.t.Fatalf("POST %s: status %d, want %d: %s", path, res.StatusCode, status, truncate(body, 1500))
	}
	out := map[string]any{}
	if body != "" {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			c.t.Fatalf("POST %s: %v in %q", path, err, truncate(body, 300))
		}
	}
	return out
}

// note creates a note through the form (as JavaScript posts it) and
// returns its id.
func (c *client) note(anchor, body, audience string, question bool) string {
	c.t.Helper()
	v := url.Values{"anchor": {anchor}, "body": {body}, "audience": {audience}}
	if question {
		v.Set("question", "1")
	}
	return c.postJSON("/read/"+essaySlug+"/notes", v, http.StatusCreated)["id"].(string)
}

// reply answers note id through the form and returns the reply's id.
func (c *client) reply(id, body string) string {
	c.t.Helper()
	return c.postJSON("/notes/"+id+"/replies", url.Values{"body": {body}}, http.StatusCreated)["id"].(string)
}

// post posts a plain form and expects status.
func (c *client) post(path string, v url.Values, status int) *http.Response {
	c.t.Helper()
	res := c.postForm(path, v)
	if res.StatusCode != status {
		c.t.Fatalf("POST %s: status %d, want %d: %s", path, res.StatusCode, status, truncate(readBody(res), 1500))
	}
	res.Body.Close()
	return res
}

func noteIDs(n *html.Node, sel string) []string {
	var ids []string
	for _, x := range queryAll(n, sel) {
		ids = append(ids, attr(x, "data-note"))
	}
	return ids
}

func TestRepliesThroughForms(t *testing.T) {
	s := newSeminar(t)
	id := s.ann.note(s.p.Anchor, "Dense by which measure?", s.groupAudience(), false)

	// Without JavaScript: Post/Redirect/Get back to the reply on the page
	// the form was on.
	res := s.bo.do("POST", "/notes/"+id+"/replies", strings.NewReader(url.Values{"body": {"Trade, surely. @ann agrees?"}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Referer": {s.app.ts.URL + s.groupReadPath()}})
	res.Body.Close()
	loc := res.Header.Get("Location")
	want := s.groupConvPath() + "&note="
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, want) {
		t.Fatalf("reply: %d to %q, want 303 to %s…#note-…", res.StatusCode, loc, want)
	}
	replyID, _, _ := strings.Cut(strings.TrimPrefix(loc, want), "#")
	if !strings.HasSuffix(loc, "#note-"+replyID) {
		t.Errorf("reply: back to %q, not at the reply", loc)
	}

	// The margin counts the reply on its note's card; the conversation
	// shows it under its note.
	if got := text(query(s.margin(s.ann.page(s.readPath(), http.StatusOK)), `a.card[data-note="`+id+`"] .card-replies`)); got != "1 reply" {
		t.Errorf("the note's card says %q, want 1 reply", got)
	}
	doc := s.ann.page(s.convPath(), http.StatusOK)
	m := query(doc, "main")
	if got := noteIDs(m, ".note-list > li > .note"); !slices.Equal(got, []string{id}) {
		t.Fatalf("top-level notes in the conversation: %v, want [%s]", got, id)
	}
	r := query(m, `details.replies .note.reply[data-note="`+replyID+`"]`)
	if r == nil {
		t.Fatal("the reply is not under its note in the conversation")
	}
	if got := text(query(r, ".note-body")); got != "Trade, surely. @ann agrees?" {
		t.Errorf("reply body %q", got)
	}
	if query(r, ".note-body span.mention") == nil {
		t.Error("@ann is not shown as a mention")
	}
	if query(r, "blockquote.quote") != nil || query(r, ".audience") != nil {
		t.Error("a reply repeats its note's quote or audience")
	}
	if summary := text(query(m, "details.replies > summary")); !strings.HasPrefix(summary, "1 reply") {
		t.Errorf("replies summary %q", summary)
	}
	if f := query(m, `form.reply-form[action="/notes/`+id+`/replies"][method="post"]`); f == nil || query(f, `textarea[name="body"]`) == nil || query(f, `label[for="reply-`+id+`"]`) == nil {
		t.Error("no labelled reply form under the note")
	}
	// A reply takes no reply of its own.
	if query(m, `form[action="/notes/`+replyID+`/replies"]`) != nil {
		t.Error("a reply has a reply form")
	}

	// The permalink shows the whole thread, for the note and for the reply.
	for _, p := range []string{"/notes/" + id, "/notes/" + replyID} {
		doc := s.bo.page(p, http.StatusOK)
		if query(doc, `.thread #note-`+id) == nil || query(doc, `.thread details.replies[open] #note-`+replyID) == nil {
			t.Errorf("%s does not show the whole thread", p)
		}
	}
	if h1 := text(query(s.bo.page("/notes/"+replyID, http.StatusOK), "h1")); h1 != "Reply by bo" {
		t.Errorf("reply page h1 = %q", h1)
	}

	// A reply to a reply joins the thread's first note.
	second := s.teacher.reply(replyID, "Travel too.")
	n := must(s.app.db.Note(context.Background(), viewerOfUser(t, s.app, "tess"), second))
	if n.ParentID != id {
		t.Errorf("reply to a reply has parent %q, want %q", n.ParentID, id)
	}

	// JavaScript gets the block's summary, the new reply counted on its
	// note's card, and the reply's id, for the conversation to show.
	out := s.ann.postJSON("/notes/"+id+"/replies", url.Values{"body": {"Thanks."}}, http.StatusCreated)
	if out["anchor"] != s.p.Anchor || out["id"] == "" || !strings.Contains(out["block"].(string), "3 replies") {
		t.Errorf("JSON answer: %v", out)
	}

	// An empty reply comes back on the note's page, the field marked.
	res = s.bo.postForm("/notes/"+id+"/replies", url.Values{"body": {"  "}})
	doc = parsePage(t, res, http.StatusUnprocessableEntity)
	if ta := query(doc, `#reply-`+id); attr(ta, "aria-invalid") != "true" || text(query(doc, "#reply-"+id+"-error")) == "" {
		t.Error("empty reply: no error beside the field")
	}

	// Those who cannot see the note cannot reply to it.
	if res := s.outside.postForm("/notes/"+id+"/replies", url.Values{"body": {"Me too"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider's reply: %d, want 404", res.StatusCode)
	}
	anon := s.app.client(t)
	if res := anon.postForm("/notes/"+id+"/replies", url.Values{"body": {"hi"}}); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
		t.Errorf("signed-out reply: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Nor see its replies, anywhere.
	doc = s.outside.page(s.convPath(), http.StatusOK)
	if query(doc, "#note-"+replyID) != nil || query(doc, "#note-"+id) != nil {
		t.Error("an outsider sees the group's thread")
	}
	s.outside.page("/notes/"+replyID, http.StatusNotFound)
}

func TestRepliesThroughAPI(t *testing.T) {
	s := newSeminar(t)
	id := s.ann.note(s.p.Anchor, "A question for the group", s.groupAudience(), true)
	container := "/api/documents/" + essaySlug + "/annotations/"
	parentIRI := s.app.ts.URL + "/api/annotations/" + id

	var got annotation
	res := s.bo.apiJSON("POST", container, map[string]any{
		"@context": transfer.AnnoContext, "type": "Annotation", "motivation": "replying",
		"body": map[string]any{"type": "TextualBody", "value": "An answer", "format": "text/markdown"}, "target": parentIRI,
	}, nil, &got)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("reply: %d %+v", res.StatusCode, got)
	}
	if got.Motivation != "replying" || got.Target == nil || got.Target.IRI != parentIRI || got.Audience != s.groupAudience() {
		t.Errorf("reply as written: motivation %q, target %+v, audience %q", got.Motivation, got.Target, got.Audience)
	}
	// The wire shape: the target is the parent's IRI, a string.
	var raw map[string]any
	s.bo.apiJSON("GET", strings.TrimPrefix(got.ID, s.app.ts.URL), nil, nil, &raw)
	if raw["target"] != parentIRI || raw["motivation"] != "replying" {
		t.Errorf("GET reply: target %v, motivation %v", raw["target"], raw["motivation"])
	}
	// The question says so.
	s.bo.apiJSON("GET", "/api/annotations/"+id, nil, nil, &raw)
	if raw["motivation"] != "questioning" || raw["question"] != true {
		t.Errorf("question: motivation %v, question %v", raw["motivation"], raw["question"])
	}

	// {"id": IRI} works too.
	var second annotation
	res = s.teacher.apiJSON("POST", container, map[string]any{
		"type": "Annotation", "motivation": "replying", "bodyValue": "Another", "target": map[string]any{"id": parentIRI},
	}, nil, &second)
	if res.StatusCode != http.StatusCreated || second.Target == nil || second.Target.IRI != parentIRI {
		t.Fatalf("reply with {id}: %d %+v", res.StatusCode, second)
	}

	// The container lists replies the same way.
	var coll struct {
		First struct {
			Items []map[string]any `json:"items"`
		} `json:"first"`
	}
	s.ann.apiJSON("GET", container, nil, nil, &coll)
	replies := 0
	for _, it := range coll.First.Items {
		if it["motivation"] == "replying" {
			replies++
			if it["target"] != parentIRI {
				t.Errorf("container reply target %v", it["target"])
			}
		}
	}
	if replies != 2 {
		t.Errorf("container has %d replies, want 2", replies)
	}

	// Errors name the field.
	for _, tc := range []struct {
		name  string
		in    map[string]any
		field string
	}{
		{"reply to a reply", map[string]any{"motivation": "replying", "bodyValue": "x", "target": got.ID}, "target"},
		{"unknown parent", map[string]any{"motivation": "replying", "bodyValue": "x", "target": s.app.ts.URL + "/api/annotations/nosuchnote"}, "target"},
		{"not an annotation", map[string]any{"motivation": "replying", "bodyValue": "x", "target": "https://example.org/"}, "target"},
		{"empty", map[string]any{"motivation": "replying", "target": parentIRI}, "body"},
		{"wrong motivation", map[string]any{"motivation": "highlighting", "target": parentIRI}, "motivation"},
	} {
		var je jsonError
		res := s.bo.apiJSON("POST", container, tc.in, nil, &je)
		if res.StatusCode != http.StatusUnprocessableEntity || je.Fields[tc.field] == "" {
			t.Errorf("%s: %d %+v, want 422 naming %s", tc.name, res.StatusCode, je, tc.field)
		}
	}
	// An outsider cannot reply to what they cannot see.
	var je jsonError
	if res := s.outside.apiJSON("POST", container, map[string]any{"motivation": "replying", "bodyValue": "x", "target": parentIRI}, nil, &je); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("outsider reply: %d", res.StatusCode)
	}

	// PUT changes a reply's body; its target stays.
	var put annotation
	res = s.bo.apiJSON("PUT", strings.TrimPrefix(got.ID, s.app.ts.URL), map[string]any{
		"type": "Annotation", "motivation": "replying", "bodyValue": "An answer, edited", "target": parentIRI,
	}, http.Header{"If-Match": {`"v1"`}}, &put)
	if res.StatusCode != http.StatusOK || put.Body == nil || put.Body.Value != "An answer, edited" {
		t.Errorf("PUT reply: %d %+v", res.StatusCode, put)
	}
}

// reactButton finds a note's reaction button of one kind.
func reactButton(doc *html.Node, id, kind string) *html.Node {
	for _, f := range queryAll(doc, `#note-`+id+` form[action="/notes/`+id+`/react"]`) {
		if attr(query(f, `input[name="kind"]`), "value") == kind {
			return query(f, "button")
		}
	}
	return nil
}

func TestReactionsToggleCountAndSort(t *testing.T) {
	s := newSeminar(t)
	first := s.ann.note(s.p.Anchor, "First in reading order", "public", false)
	second := s.bo.note(s.p.Anchor, "Second, but helpful", "public", true)

	doc := s.teacher.page(s.convPath(), http.StatusOK)
	b := reactButton(doc, second, "helpful")
	if b == nil || attr(b, "aria-pressed") != "false" || query(b, ".react-n") != nil || text(b) != "Helpful" {
		t.Fatalf("helpful button before: %q (a count only above zero)", text(b))
	}
	if reactButton(doc, second, "same") == nil {
		t.Error("no “I have this question too” button on a question")
	}
	if reactButton(doc, first, "same") != nil {
		t.Error("“I have this question too” on a note that asks nothing")
	}
	// Toggle on, through the form.
	s.teacher.post("/notes/"+second+"/react", url.Values{"kind": {"helpful"}, "on": {"1"}}, http.StatusSeeOther)
	s.ann.postJSON("/notes/"+second+"/react", url.Values{"kind": {"helpful"}, "on": {"1"}}, http.StatusOK)
	s.ann.postJSON("/notes/"+second+"/react", url.Values{"kind": {"same"}, "on": {"1"}}, http.StatusOK)
	// Twice on is still one.
	s.ann.postJSON("/notes/"+second+"/react", url.Values{"kind": {"helpful"}, "on": {"1"}}, http.StatusOK)
	doc = s.teacher.page(s.convPath(), http.StatusOK)
	b = reactButton(doc, second, "helpful")
	if attr(b, "aria-pressed") != "true" || text(query(b, ".react-n")) != "2" {
		t.Errorf("after two helpful: pressed %s, count %s", attr(b, "aria-pressed"), text(query(b, ".react-n")))
	}
	if on := attr(query(b.Parent, `input[name="on"]`), "value"); on != "0" {
		t.Errorf("a pressed button's form turns it off; on = %q", on)
	}
	// The author sees the counts, as text, and no buttons.
	doc = s.bo.page(s.convPath(), http.StatusOK)
	if reactButton(doc, second, "helpful") != nil {
		t.Error("the author may react to their own note")
	}
	if got := text(query(doc, "#note-"+second+" .reaction-counts")); got != "2 found this helpful1 has this question too" {
		t.Errorf("author's counts %q", got)
	}
	// Off again.
	s.teacher.post("/notes/"+second+"/react", url.Values{"kind": {"helpful"}, "on": {"0"}}, http.StatusSeeOther)
	doc = s.teacher.page(s.convPath(), http.StatusOK)
	if b := reactButton(doc, second, "helpful"); attr(b, "aria-pressed") != "false" || text(query(b, ".react-n")) != "1" || text(b) != "Helpful 1" {
		t.Errorf("after off: %s %s", attr(b, "aria-pressed"), text(b))
	}
	if res := s.teacher.postForm("/notes/"+second+"/react", url.Values{"kind": {"love"}, "on": {"1"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown reaction: %d", res.StatusCode)
	}

	// Sorting: reading order by default; by reactions puts the second first.
	order := func(path string) []string {
		return noteIDs(s.teacher.page(path, http.StatusOK), "main .note-list > li > .note")
	}
	if got := order(s.convPath()); !slices.Equal(got, []string{first, second}) {
		t.Errorf("reading order: %v", got)
	}
	if got := order(s.convPath() + "?sort=reactions"); !slices.Equal(got, []string{second, first}) {
		t.Errorf("by reactions: %v", got)
	}
	if got := order(s.convPath() + "?sort=time"); !slices.Equal(got, []string{second, first}) {
		t.Errorf("newest first: %v", got)
	}
	doc = s.teacher.page(s.readPath()+"?sort=reactions", http.StatusOK)
	links := queryAll(doc, "nav.sort a")
	if len(links) != 3 {
		t.Fatalf("%d sort links", len(links))
	}
	if cur := query(doc, `nav.sort a[aria-current="true"]`); attr(cur, "href") != s.readPath()+"?sort=reactions" {
		t.Errorf("current sort link %q", attr(cur, "href"))
	}

	// The API: PUT and DELETE a reaction.
	var a annotation
	res := s.outside.apiJSON("PUT", "/api/annotations/"+first+"/reactions/helpful", nil, nil, &a)
	if res.StatusCode != http.StatusOK || a.Reactions == nil || a.Reactions.Helpful != 1 || !slices.Equal(a.Reactions.Mine, []string{"helpful"}) {
		t.Errorf("PUT reaction: %d %+v", res.StatusCode, a.Reactions)
	}
	res = s.outside.apiJSON("DELETE", "/api/annotations/"+first+"/reactions/helpful", nil, nil, &a)
	if res.StatusCode != http.StatusOK || a.Reactions.Helpful != 0 || len(a.Reactions.Mine) != 0 {
		t.Errorf("DELETE reaction: %d %+v", res.StatusCode, a.Reactions)
	}
	if res := s.outside.apiJSON("PUT", "/api/annotations/"+first+"/reactions/love", nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown reaction kind: %d", res.StatusCode)
	}
	if res := s.app.client(t).apiJSON("PUT", "/api/annotations/"+first+"/reactions/helpful", nil, nil, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed-out reaction: %d", res.StatusCode)
	}
}

func TestQuestionAcceptResolve(t *testing.T) {
	s := newSeminar(t)
	q := s.teacher.note(s.p.Anchor, "What holds the two logics together?", s.groupAudience(), true)
	a1 := s.ann.reply(q, "Path dependence.")
	a2 := s.bo.reply(q, "Shared threats.")

	doc := s.ann.page(s.convPath(), http.StatusOK)
	note := query(doc, "#note-"+q)
	if got := text(query(note, ".badge-question")); got != "Question" {
		t.Errorf("question badge %q", got)
	}
	if got := text(query(note, ".badge-guide")); got != "Guide" {
		t.Errorf("guide label %q", got)
	}
	// Members neither accept nor resolve.
	if query(doc, `form[action="/notes/`+q+`/accept"]`) != nil || query(doc, `form[action="/notes/`+q+`/resolve"]`) != nil {
		t.Error("a member sees the teacher's controls")
	}
	if res := s.ann.postForm("/notes/"+q+"/accept", url.Values{"reply": {a1}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("member accepts: %d, want 403", res.StatusCode)
	}
	if res := s.ann.postForm("/notes/"+q+"/resolve", url.Values{"resolved": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("member resolves: %d, want 403", res.StatusCode)
	}
	if res := s.outside.postForm("/notes/"+q+"/resolve", url.Values{"resolved": {"1"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider resolves: %d, want 404", res.StatusCode)
	}

	// The teacher accepts one reply and resolves the thread.
	doc = s.teacher.page(s.convPath(), http.StatusOK)
	if f := query(doc, `#note-`+a2+` form[action="/notes/`+q+`/accept"]`); f == nil || attr(query(f, `input[name="reply"]`), "value") != a2 {
		t.Fatal("the teacher has no Accept button on a reply")
	}
	s.teacher.post("/notes/"+q+"/accept", url.Values{"reply": {a2}}, http.StatusSeeOther)
	s.teacher.post("/notes/"+q+"/resolve", url.Values{"resolved": {"1"}}, http.StatusSeeOther)
	doc = s.ann.page(s.convPath(), http.StatusOK)
	if got := text(query(doc, "#note-"+a2+" .badge-accepted")); got != "Accepted answer" {
		t.Errorf("accepted reply badge %q", got)
	}
	if query(doc, "#note-"+a1+" .badge-accepted") != nil {
		t.Error("the other reply is marked accepted too")
	}
	if got := text(query(doc, "#note-"+q+" .badge-resolved")); got != "Resolved" {
		t.Errorf("resolved badge %q", got)
	}
	doc = s.teacher.page(s.convPath(), http.StatusOK)
	if got := text(query(doc, `form[action="/notes/`+q+`/resolve"] button`)); !strings.HasPrefix(got, "Reopen") {
		t.Errorf("resolve button on a resolved thread: %q", got)
	}
	if got := text(query(doc, `#note-`+a2+` form[action="/notes/`+q+`/accept"] button`)); !strings.HasPrefix(got, "Unaccept") {
		t.Errorf("accept button on the accepted reply: %q", got)
	}
	// Reopen and unaccept.
	s.teacher.post("/notes/"+q+"/resolve", url.Values{"resolved": {"0"}}, http.StatusSeeOther)
	s.teacher.post("/notes/"+q+"/accept", url.Values{"reply": {""}}, http.StatusSeeOther)
	doc = s.ann.page("/notes/"+q, http.StatusOK)
	if query(doc, ".badge-resolved") != nil || query(doc, ".badge-accepted") != nil {
		t.Error("reopen or unaccept did not take")
	}
	// A reply from another thread is not an answer.
	other := s.ann.note(s.p.Anchor, "Another", s.groupAudience(), false)
	stranger := s.bo.reply(other, "elsewhere")
	if res := s.teacher.postForm("/notes/"+q+"/accept", url.Values{"reply": {stranger}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("accepting another thread's reply: %d, want 422", res.StatusCode)
	}

	// Any author may ask; a public question has no teachers to resolve it.
	pub := s.ann.note(s.p.Anchor, "Is this a fair summary?", "public", true)
	doc = s.teacher.page(s.convPath(), http.StatusOK)
	if query(doc, "#note-"+pub+" .badge-question") == nil || query(doc, "#note-"+pub+" .badge-guide") != nil {
		t.Error("a member's public question: badges wrong")
	}
	if query(doc, `form[action="/notes/`+pub+`/resolve"]`) != nil {
		t.Error("resolve offered on a public question")
	}

	// The API.
	var a annotation
	res := s.teacher.apiJSON("POST", "/api/annotations/"+q+"/accept", map[string]any{"reply": s.app.ts.URL + "/api/annotations/" + a1}, nil, &a)
	if res.StatusCode != http.StatusOK || a.Accepted != s.app.ts.URL+"/api/annotations/"+a1 {
		t.Errorf("API accept: %d accepted %q", res.StatusCode, a.Accepted)
	}
	res = s.teacher.apiJSON("POST", "/api/annotations/"+q+"/resolve", map[string]any{"resolved": true}, nil, &a)
	if res.StatusCode != http.StatusOK || !a.Resolved {
		t.Errorf("API resolve: %d %v", res.StatusCode, a.Resolved)
	}
	if res := s.bo.apiJSON("POST", "/api/annotations/"+q+"/resolve", map[string]any{"resolved": false}, nil, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("API resolve by a member: %d", res.StatusCode)
	}
}

func TestModeration(t *testing.T) {
	s := newSeminar(t)
	id := s.ann.note(s.p.Anchor, "Something rude", s.groupAudience(), false)
	reply := s.bo.reply(id, "Agreed, rude.")

	// Members flag; teachers hide; nobody moderates their own note.
	doc := s.bo.page(s.convPath(), http.StatusOK)
	if query(doc, `#note-`+id+` a[href="/notes/`+id+`/flag"]`) == nil {
		t.Error("a member has no Flag link")
	}
	if query(doc, `a[href="/notes/`+id+`/hide"]`) != nil {
		t.Error("a member has a Hide link")
	}
	if query(s.ann.page(s.convPath(), http.StatusOK), `a[href="/notes/`+id+`/flag"]`) != nil {
		t.Error("the author may flag their own note")
	}
	s.ann.page("/notes/"+id+"/hide", http.StatusForbidden)
	if res := s.ann.postForm("/notes/"+id+"/hide", url.Values{"reason": {"no"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("member hides: %d", res.StatusCode)
	}
	s.outside.page("/notes/"+id+"/flag", http.StatusNotFound)

	// The flag form, with its reason.
	doc = s.bo.page("/notes/"+id+"/flag", http.StatusOK)
	if query(doc, `form[action="/notes/`+id+`/flag"] textarea#reason[name="reason"]`) == nil || query(doc, `label[for="reason"]`) == nil {
		t.Fatal("no labelled reason field on the flag form")
	}
	res := s.bo.postForm("/notes/"+id+"/flag", url.Values{"reason": {""}})
	doc = parsePage(t, res, http.StatusUnprocessableEntity)
	if attr(query(doc, "#reason"), "aria-invalid") != "true" {
		t.Error("empty flag reason not marked")
	}
	res = s.bo.post("/notes/"+id+"/flag", url.Values{"reason": {"It insults a classmate."}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/notes/"+id+"?flagged=1" {
		t.Errorf("after flag: %q", loc)
	}
	flags := must(s.app.db.OpenFlags(context.Background(), s.userID(t, s.teacher), s.group.ID))
	if len(flags) != 1 || flags[0].Reason != "It insults a classmate." || flags[0].Note.ID != id {
		t.Errorf("open flags: %+v", flags)
	}

	// The teacher hides it, with a reason.
	doc = s.teacher.page(s.convPath(), http.StatusOK)
	if query(doc, `#note-`+id+` a[href="/notes/`+id+`/hide"]`) == nil {
		t.Fatal("the teacher has no Hide link")
	}
	s.teacher.page("/notes/"+id+"/hide", http.StatusOK)
	res = s.teacher.postForm("/notes/"+id+"/hide", url.Values{"reason": {" "}})
	parsePage(t, res, http.StatusUnprocessableEntity)
	s.teacher.post("/notes/"+id+"/hide", url.Values{"reason": {"Please keep it civil."}}, http.StatusSeeOther)

	// Who sees what.
	doc = s.ann.page(s.convPath(), http.StatusOK)
	if got := text(query(doc, "#note-"+id+" .hidden-reason")); got != "Hidden by a teacher: Please keep it civil." {
		t.Errorf("author sees %q", got)
	}
	doc = s.teacher.page(s.convPath(), http.StatusOK)
	if query(doc, "#note-"+id+" .badge-hidden") == nil || query(doc, `form[action="/notes/`+id+`/restore"]`) == nil {
		t.Error("the teacher does not see it marked hidden with Restore")
	}
	for _, c := range []*client{s.bo, s.outside, s.app.client(t)} {
		doc := c.page(s.convPath(), http.StatusOK)
		// bo keeps his own reply, alone: the thread is not open to him.
		ownReply := c == s.bo && query(doc, "#note-"+reply+" .note-closed") != nil
		if query(doc, "#note-"+id) != nil || (query(doc, "#note-"+reply) != nil && !ownReply) {
			t.Errorf("%q sees the hidden note or its reply", c.name)
		}
	}
	s.bo.page("/notes/"+id, http.StatusNotFound)
	var raw map[string]any
	s.ann.apiJSON("GET", "/api/annotations/"+id, nil, nil, &raw)
	if h, _ := raw["hidden"].(map[string]any); h["reason"] != "Please keep it civil." {
		t.Errorf("API shows the author %v", raw["hidden"])
	}

	// Restore.
	s.teacher.post("/notes/"+id+"/restore", nil, http.StatusSeeOther)
	if query(s.bo.page(s.convPath(), http.StatusOK), "#note-"+id) == nil {
		t.Error("restored note not shown")
	}

	// The API: hide, restore, flag.
	var a annotation
	res = s.teacher.apiJSON("POST", "/api/annotations/"+reply+"/hide", map[string]any{"reason": "Off topic"}, nil, &a)
	if res.StatusCode != http.StatusOK || a.Hidden == nil || a.Hidden.Reason != "Off topic" {
		t.Errorf("API hide: %d %+v", res.StatusCode, a.Hidden)
	}
	if res := s.ann.apiJSON("GET", "/api/annotations/"+reply, nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("a member sees the hidden reply through the API: %d", res.StatusCode)
	}
	if res := s.teacher.apiJSON("POST", "/api/annotations/"+reply+"/hide", map[string]any{}, nil, nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("API hide without reason: %d", res.StatusCode)
	}
	var restored annotation
	if res := s.teacher.apiJSON("POST", "/api/annotations/"+reply+"/restore", nil, nil, &restored); res.StatusCode != http.StatusOK || restored.Hidden != nil {
		t.Errorf("API restore: %d %+v", res.StatusCode, restored.Hidden)
	}
	if res := s.ann.apiJSON("POST", "/api/annotations/"+reply+"/flag", map[string]any{"reason": "spam"}, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Errorf("API flag: %d", res.StatusCode)
	}
	if res := s.ann.apiJSON("POST", "/api/annotations/"+reply+"/hide", map[string]any{"reason": "x"}, nil, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("API hide by a member: %d", res.StatusCode)
	}
	// A public note is in no group: nothing to flag it to.
	pub := s.ann.note(s.p.Anchor, "public words", "public", false)
	if res := s.bo.postForm("/notes/"+pub+"/flag", url.Values{"reason": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("flag on a public note: %d", res.StatusCode)
	}
}

func TestAudienceChangeMovesReplies(t *testing.T) {
	s := newSeminar(t)
	// The annotate page offers the reader's groups, ?group= chosen.
	doc := s.ann.page(fmt.Sprintf("/read/%s/annotate?anchor=%s&group=%d", essaySlug, s.p.Anchor, s.group.ID), http.StatusOK)
	var values []string
	for _, o := range queryAll(doc, `select#audience[name="audience"] option`) {
		values = append(values, attr(o, "value"))
	}
	want := []string{"private", "teachers:" + strconv.FormatInt(s.group.ID, 10), s.groupAudience(), "public"}
	if !slices.Equal(values, want) {
		t.Errorf("audience options %v, want %v", values, want)
	}
	if sel := query(doc, `select#audience option[selected]`); attr(sel, "value") != s.groupAudience() {
		t.Errorf("?group= did not choose the group: %q", attr(sel, "value"))
	}
	if query(doc, `label[for="audience"]`) == nil || query(doc, `input#question[type="checkbox"][name="question"]`) == nil {
		t.Error("audience label or question box missing")
	}
	// An outsider's form does not offer the group.
	doc = s.outside.page(fmt.Sprintf("/read/%s/annotate?anchor=%s&group=%d", essaySlug, s.p.Anchor, s.group.ID), http.StatusOK)
	if n := len(queryAll(doc, "select#audience option")); n != 2 {
		t.Errorf("outsider has %d audience options, want 2", n)
	}

	id := s.ann.note(s.p.Anchor, "For the group", s.groupAudience(), false)
	reply := s.teacher.reply(id, "Good point")
	if query(s.bo.page(s.convPath(), http.StatusOK), "#note-"+reply) == nil {
		t.Fatal("member does not see the reply")
	}
	// The author narrows the note to herself through the edit form: the
	// reply goes with it.
	doc = s.ann.page("/notes/"+id+"/edit", http.StatusOK)
	if sel := query(doc, `select#audience option[selected]`); attr(sel, "value") != s.groupAudience() {
		t.Errorf("edit form's audience %q", attr(sel, "value"))
	}
	version := attr(query(doc, `input[name="version"]`), "value")
	s.ann.post("/notes/"+id+"/edit", url.Values{"body": {"For the group"}, "audience": {"private"}, "version": {version}}, http.StatusSeeOther)
	for _, c := range []*client{s.bo, s.teacher} {
		doc := c.page(s.convPath(), http.StatusOK)
		// tess keeps her own reply, alone, closed.
		ownReply := c == s.teacher && query(doc, "#note-"+reply+" .note-closed") != nil
		if query(doc, "#note-"+id) != nil || (query(doc, "#note-"+reply) != nil && !ownReply) {
			t.Errorf("%s still sees the thread after it was made private", c.name)
		}
	}
	// The teacher keeps their reply, on its own page and in the API,
	// though no longer the thread.
	s.teacher.page("/notes/"+reply, http.StatusOK)
	s.teacher.page("/notes/"+id, http.StatusNotFound)
	// Back to the group would show the teacher's reply to readers it is no
	// longer for, without asking the teacher: refused, by the API (409
	// naming audience, in the object form) and by the form (409, the text
	// kept, the reason beside the audience), and nothing changes.
	var je jsonError
	res := s.ann.apiJSON("PUT", "/api/annotations/"+id, map[string]any{
		"type": "Annotation", "bodyValue": "For the group, again", "audience": map[string]any{"group": s.group.ID},
		"target": map[string]any{"selector": map[string]any{"type": "FragmentSelector", "value": s.p.Anchor}},
	}, http.Header{"If-Match": {`"v2"`}}, &je)
	if res.StatusCode != http.StatusConflict || !strings.Contains(je.Fields["audience"], "narrow") {
		t.Fatalf("PUT a wider audience: %d %+v", res.StatusCode, je)
	}
	doc = parsePage(t, s.ann.postForm("/notes/"+id+"/edit", url.Values{
		"body": {"For the group, again"}, "audience": {s.groupAudience()}, "version": {"2"}}), http.StatusConflict)
	if msg := text(query(doc, "#audience-error")); !strings.Contains(msg, "narrow") || attr(query(doc, "#audience"), "aria-invalid") != "true" {
		t.Errorf("form: audience error %q", msg)
	}
	if body := text(query(doc, "textarea#body")); body != "For the group, again" {
		t.Errorf("form: the text was not kept: %q", body)
	}
	var a annotation
	s.ann.apiJSON("GET", "/api/annotations/"+id, nil, nil, &a)
	if a.Audience != "private" || a.Body == nil || a.Body.Value != "For the group" {
		t.Errorf("after the refusals the note is %q, %+v", a.Audience, a.Body)
	}
	if query(s.bo.page(s.convPath(), http.StatusOK), "#note-"+reply) != nil {
		t.Error("LEAK: the reply came back to the group")
	}

	// Validation names the field.
	for _, aud := range []string{"friends", "group:99999", "group:x", "teachers:"} {
		res := s.ann.postForm("/read/"+essaySlug+"/notes", url.Values{"anchor": {s.p.Anchor}, "body": {"x"}, "audience": {aud}})
		doc := parsePage(t, res, http.StatusUnprocessableEntity)
		if text(query(doc, "#audience-error")) == "" || attr(query(doc, "#audience"), "aria-invalid") != "true" {
			t.Errorf("audience %q: no error beside the field", aud)
		}
	}
	je = jsonError{}
	if res := s.outside.apiJSON("POST", "/api/documents/"+essaySlug+"/annotations/", map[string]any{
		"type": "Annotation", "bodyValue": "x", "audience": s.groupAudience(),
		"target": map[string]any{"selector": map[string]any{"type": "FragmentSelector", "value": s.p.Anchor}},
	}, nil, &je); res.StatusCode != http.StatusUnprocessableEntity || je.Fields["audience"] == "" {
		t.Errorf("outsider posting to the group: %d %+v", res.StatusCode, je)
	}
	// A teachers-only note: the member and the teachers, nobody else.
	private := s.bo.note(s.p.Anchor, "Am I on track?", "teachers:"+strconv.FormatInt(s.group.ID, 10), false)
	if query(s.teacher.page(s.convPath(), http.StatusOK), "#note-"+private) == nil {
		t.Error("teacher does not see a note for the teachers")
	}
	if query(s.ann.page(s.convPath(), http.StatusOK), "#note-"+private) != nil {
		t.Error("another member sees a note for the teachers")
	}
}

func TestGuideLayer(t *testing.T) {
	s := newSeminar(t)
	member := s.ann.note(s.p.Anchor, "A member's note, first in time", s.groupAudience(), false)
	guide := s.teacher.note(s.p.Anchor, "Read this paragraph twice.", s.groupAudience(), true)
	public := s.outside.note(s.p.Anchor, "Someone else's", "public", false)

	doc := s.bo.page(s.convPath(), http.StatusOK)
	got := noteIDs(doc, "main .note-list > li > .note")
	if len(got) != 3 || got[0] != guide {
		t.Fatalf("conversation order %v, want the guide %s first", got, guide)
	}
	// The margin's summary: the guide's note first, on its own card.
	if cards := noteIDs(s.margin(s.bo.page(s.readPath(), http.StatusOK)), "a.card"); len(cards) == 0 || cards[0] != guide ||
		query(s.margin(s.bo.page(s.readPath(), http.StatusOK)), `li.guide-thread > a.card.guide[data-note="`+guide+`"]`) == nil {
		t.Errorf("margin cards %v, want the guide %s first, marked", cards, guide)
	}
	g := query(doc, "#note-"+guide)
	if !strings.Contains(" "+attr(g, "class")+" ", " guide ") || text(query(g, ".badge-guide")) != "Guide" {
		t.Errorf("guide note not labelled: class %q", attr(g, "class"))
	}
	if !strings.Contains(attr(g.Parent, "class"), "guide-thread") {
		t.Error("guide thread not marked")
	}
	for _, id := range []string{member, public} {
		if query(doc, "#note-"+id+" .badge-guide") != nil {
			t.Errorf("%s labelled Guide", id)
		}
	}
	// Guide first whatever the order.
	if got := noteIDs(s.bo.page(s.convPath()+"?sort=time", http.StatusOK), "main .note-list > li > .note"); got[0] != guide {
		t.Errorf("newest first: %v", got)
	}

	// On by default; the switch is a form that works without JavaScript.
	doc = s.bo.page(s.readPath(), http.StatusOK)
	if attr(query(doc, "article.doc"), "data-guide") != "on" {
		t.Error("guide layer not on by default")
	}
	form := query(doc, `form.guide-toggle[method="post"][action="/prefs/guide"]`)
	if form == nil {
		t.Fatal("no guide switch")
	}
	if b := query(form, "button"); attr(b, "aria-pressed") != "true" || !strings.Contains(text(b), "shown") {
		t.Errorf("switch button %q pressed=%q", text(b), attr(b, "aria-pressed"))
	}
	res := s.bo.post("/prefs/guide", url.Values{"show": {"0"}, "next": {s.readPath() + "#" + s.p.Anchor}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != s.readPath()+"#"+s.p.Anchor {
		t.Errorf("back to %q", loc)
	}
	// The same URL, the same generation: the page cache must not serve
	// the page from before the switch.
	doc = s.bo.page(s.readPath(), http.StatusOK)
	if attr(query(doc, "article.doc"), "data-guide") != "off" {
		t.Error("guide layer still on after hiding it")
	}
	if b := query(doc, "form.guide-toggle button"); attr(b, "aria-pressed") != "false" || attr(query(doc, `form.guide-toggle input[name="show"]`), "value") != "1" {
		t.Errorf("switch after hiding: %q", text(b))
	}
	// Only for this reader.
	if attr(query(s.ann.page(s.readPath(), http.StatusOK), "article.doc"), "data-guide") != "on" {
		t.Error("one reader's switch changed another's page")
	}
	s.bo.post("/prefs/guide", url.Values{"show": {"1"}, "next": {"https://evil.example/"}}, http.StatusSeeOther)
	if attr(query(s.bo.page(s.readPath(), http.StatusOK), "article.doc"), "data-guide") != "on" {
		t.Error("guide layer not back on")
	}
	// With JavaScript: JSON.
	if out := s.bo.postJSON("/prefs/guide", url.Values{"show": {"0"}}, http.StatusOK); out["guide"] != "off" {
		t.Errorf("JSON switch: %v", out)
	}
	// A reply by the teacher is not a guide note.
	r := s.teacher.reply(member, "Teacher's answer")
	if query(s.ann.page(s.convPath(), http.StatusOK), "#note-"+r+" .badge-guide") != nil {
		t.Error("a teacher's reply is labelled Guide")
	}
}

func TestNotifications(t *testing.T) {
	s := newSeminar(t)
	id := s.ann.note(s.p.Anchor, "What do you think, @bo?", s.groupAudience(), false)
	s.teacher.reply(id, "Good question.")
	// A mention of someone outside the group, and one in a note bo may not
	// see, tell nobody.
	s.ann.note(s.p.Anchor, "cc @olga", s.groupAudience(), false)
	s.ann.note(s.p.Anchor, "Only for teachers, about @bo", "teachers:"+strconv.FormatInt(s.group.ID, 10), false)
	s.ann.note(s.p.Anchor, "Private note about @bo", "private", false)

	unread := func(c *client) string {
		return text(query(c.page("/", http.StatusOK), "header.site .unread-count"))
	}
	if got := unread(s.bo); got != "1 unread" {
		t.Errorf("bo's header count %q, want 1", got)
	}
	if got := unread(s.ann); got != "1 unread" {
		t.Errorf("ann's header count %q, want 1", got)
	}
	if got := unread(s.outside); got != "" {
		t.Errorf("olga's header count %q, want none", got)
	}
	doc := s.ann.page("/notifications", http.StatusOK)
	items := queryAll(doc, ".notification-list > li")
	if len(items) != 1 || !strings.Contains(text(items[0]), "tess replied to your note") || query(items[0], ".badge-new") == nil {
		t.Fatalf("ann's notifications: %v", text(query(doc, ".notification-list")))
	}
	doc = s.bo.page("/notifications", http.StatusOK)
	if got := text(query(doc, ".notification-list > li")); !strings.Contains(got, "ann mentioned you") {
		t.Errorf("bo's notification %q", got)
	}
	if href := attr(query(doc, ".notification-list a"), "href"); href != "/notes/"+id {
		t.Errorf("notification links to %q", href)
	}

	// The reply notifies the note's author again, and unread come first.
	s.bo.reply(id, "I think @ann is right")
	doc = s.ann.page("/notifications", http.StatusOK)
	items = queryAll(doc, ".notification-list > li")
	if len(items) != 2 || !strings.Contains(text(items[0]), "bo replied to your note") {
		t.Errorf("ann's notifications: %q (a reply that mentions her is one notification)", text(query(doc, ".notification-list")))
	}
	s.ann.post("/notifications/read", nil, http.StatusSeeOther)
	if got := unread(s.ann); got != "" {
		t.Errorf("after Mark all read, header count %q", got)
	}
	doc = s.ann.page("/notifications", http.StatusOK)
	if query(doc, ".badge-new") != nil || query(doc, `form[action="/notifications/read"] button[disabled]`) == nil {
		t.Error("after Mark all read: still marked new, or the button still enabled")
	}
	// Newer unread come before read ones.
	s.teacher.reply(id, "One more")
	doc = s.ann.page("/notifications", http.StatusOK)
	if first := query(doc, ".notification-list > li"); !strings.Contains(attr(first, "class"), "unread") {
		t.Error("the unread notification is not first")
	}

	// The API.
	var out struct {
		Unread int `json:"unread"`
		Items  []struct {
			Kind       string     `json:"kind"`
			Read       bool       `json:"read"`
			Annotation annotation `json:"annotation"`
		} `json:"items"`
	}
	if res := s.ann.apiJSON("GET", "/api/notifications", nil, nil, &out); res.StatusCode != http.StatusOK || out.Unread != 1 || len(out.Items) < 3 || out.Items[0].Kind != "reply" || out.Items[0].Read {
		t.Errorf("API notifications: %+v", out)
	}
	if res := s.ann.apiJSON("POST", "/api/notifications/read", nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Errorf("API mark read: %d", res.StatusCode)
	}
	if res := s.app.client(t).apiJSON("GET", "/api/notifications", nil, nil, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed-out notifications: %d", res.StatusCode)
	}
	// Notes one can no longer see drop out: bo leaves, the mention goes.
	if err := s.app.db.Leave(context.Background(), s.userID(t, s.bo), s.group.ID); err != nil {
		t.Fatal(err)
	}
	if got := unread(s.bo); got != "" {
		t.Errorf("after leaving the group, bo's count %q", got)
	}
}

func TestShareGuide(t *testing.T) {
	s := newSeminar(t)
	s.app.newGroup(t, "Seminar B", s.teacher, s.outside)

	guide := s.teacher.note(s.p.Anchor, "Notice the verbs.", s.groupAudience(), true)
	mine := s.ann.note(s.p.Anchor, "A member's note", s.groupAudience(), false)
	doc := s.teacher.page(s.convPath(), http.StatusOK)
	if query(doc, `form[action="/notes/`+guide+`/share"] button`) == nil {
		t.Fatal("no Share button on the teacher's guide note")
	}
	if query(s.ann.page(s.convPath(), http.StatusOK), `form[action="/notes/`+mine+`/share"]`) != nil {
		t.Error("Share offered on a member's note")
	}
	if query(s.outside.page(s.convPath(), http.StatusOK), ".badge-guide") != nil {
		t.Fatal("Seminar B sees a guide note before it was shared")
	}
	res := s.teacher.post("/notes/"+guide+"/share", nil, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/notes/"+guide+"?shared=1" {
		t.Errorf("after share: %q", loc)
	}
	if got := text(query(s.teacher.page("/notes/"+guide+"?shared=1", http.StatusOK), `[role="status"]`)); !strings.HasPrefix(got, "Shared with 1 more group") {
		t.Errorf("share message %q", got)
	}
	doc = s.outside.page(s.convPath(), http.StatusOK)
	copyNote := query(doc, ".note.guide")
	if copyNote == nil || text(query(copyNote, ".note-body")) != "Notice the verbs." || query(copyNote, ".badge-question") == nil {
		t.Fatal("Seminar B does not see the shared guide question")
	}
	// Again: nothing more to share.
	if out := s.teacher.postJSON("/notes/"+guide+"/share", nil, http.StatusOK); len(out["copies"].([]any)) != 0 {
		t.Errorf("second share made copies: %v", out)
	}
	if res := s.ann.postForm("/notes/"+mine+"/share", nil); res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusForbidden {
		t.Errorf("member shares: %d", res.StatusCode)
	}
	// Replies stay in their own group's copy.
	copyID := attr(copyNote, "data-note")
	r := s.outside.reply(copyID, "From Seminar B")
	if query(s.ann.page(s.convPath(), http.StatusOK), "#note-"+r) != nil {
		t.Error("Seminar A sees Seminar B's reply")
	}
}

// TestMentionsParsed: content finds @mentions by store's name rules,
// which content does not import: a name of store.MaxNameLen is one, a
// longer one is not.
func TestMentionsParsed(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string
	}{
		{"@ann and @bo.", []string{"ann", "bo"}},
		{"hi @Zoë_2, and @ann again @ann", []string{"Zoë_2", "ann"}},
		{"mail ann@example.org", nil},
		{"`@code` is not", nil},
		{"@ @-x @.y", nil},
		{"(@ann)", []string{"ann"}},
		{"@" + strings.Repeat("a", store.MaxNameLen), []string{strings.Repeat("a", store.MaxNameLen)}},
		{"@" + strings.Repeat("a", store.MaxNameLen+1), nil},
	} {
		if got := content.NoteMentions(tc.body); !slices.Equal(got, tc.want) {
			t.Errorf("mentions(%q) = %v, want %v", tc.body, got, tc.want)
		}
	}
	h := string(content.NoteHTML("Ask @ann about <b>it</b>"))
	if !strings.Contains(h, `<span class="mention">@ann</span>`) || strings.Contains(h, "<b>") {
		t.Errorf("rendered %q", h)
	}
}

func TestPostFirstNoticeAndGroupContext(t *testing.T) {
	s := newSeminar(t)
	ctx := context.Background()
	e := s.app.essay(t)
	if err := s.app.db.SetPostFirst(ctx, s.userID(t, s.teacher), s.group.ID, e.ID, true); err != nil {
		t.Fatal(err)
	}
	guide := s.teacher.note(s.p.Anchor, "Start here.", s.groupAudience(), false)
	peer := s.ann.note(s.p.Anchor, "My first thought", s.groupAudience(), false)

	doc := s.bo.page(s.groupReadPath(), http.StatusOK)
	if got := text(query(doc, ".post-first")); !strings.Contains(got, "Post first") {
		t.Errorf("no post-first notice: %q", got)
	}
	if query(doc, `a.card[data-note="`+guide+`"]`) == nil || strings.Contains(readBody(s.bo.get(s.groupReadPath())), peer) {
		t.Error("post first: want the guide, not the peer's note")
	}
	if got := text(query(s.margin(doc), "a.open .count")); got != "1 note" {
		t.Errorf("post first: the margin counts %q, want the guide alone", got)
	}
	// ?group= carries to the Annotate link and the inline editor's default.
	if href := attr(query(doc, `[data-block="`+s.p.Anchor+`"] a.annotate`), "href"); !strings.HasSuffix(href, "&group="+strconv.FormatInt(s.group.ID, 10)) {
		t.Errorf("Annotate link %q", href)
	}
	if sel := query(doc, `template#note-fields option[selected]`); attr(sel, "value") != s.groupAudience() {
		t.Errorf("editor's default audience %q", attr(sel, "value"))
	}
	// Without ?group=, no notice; a teacher never has one.
	if query(s.bo.page(s.readPath(), http.StatusOK), ".post-first") != nil {
		t.Error("notice without ?group=")
	}
	if query(s.teacher.page(s.groupReadPath(), http.StatusOK), ".post-first") != nil {
		t.Error("a teacher is told to post first")
	}
	// Once bo writes, the notice goes and the peer's note shows.
	s.bo.note(s.p.Anchor, "Mine", s.groupAudience(), false)
	doc = s.bo.page(s.groupReadPath(), http.StatusOK)
	if query(doc, ".post-first") != nil || query(doc, `a.card[data-note="`+peer+`"]`) == nil {
		t.Error("after posting: notice still there or the peer's note still hidden")
	}
}

// The block fragment the reader's scripts fetch keeps the page's order,
// which it learns from the page it was fetched from.
func TestBlockFragmentKeepsOrder(t *testing.T) {
	s := newSeminar(t)
	first := s.ann.note(s.p.Anchor, "older", "public", false)
	second := s.bo.note(s.p.Anchor, "newer", "public", false)
	frag := func(h http.Header, q string) []string {
		res := s.ann.do("GET", "/read/"+essaySlug+"/blocks/"+s.p.Anchor+q, nil, h)
		return noteIDs(parsePage(t, res, http.StatusOK), ".margin a.card")
	}
	if got := frag(nil, ""); !slices.Equal(got, []string{first, second}) {
		t.Errorf("default order %v", got)
	}
	if got := frag(http.Header{"Referer": {s.app.ts.URL + s.readPath() + "?sort=time"}}, ""); !slices.Equal(got, []string{second, first}) {
		t.Errorf("order from the page %v", got)
	}
	if got := frag(nil, "?sort=time"); !slices.Equal(got, []string{second, first}) {
		t.Errorf("order from the query %v", got)
	}
	if got := frag(http.Header{"Referer": {"http://elsewhere.example" + s.readPath() + "?sort=time"}}, ""); !slices.Equal(got, []string{first, second}) {
		t.Errorf("another site's page set the order: %v", got)
	}
}
