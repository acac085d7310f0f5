package web

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/store"
)

// rawResponse is what came over the wire for one request: the status, the
// header and every byte after the header block.
type rawResponse struct {
	status int
	header http.Header
	rest   []byte
}

// rawDo sends one request on its own connection and reads the answer
// byte by byte, so a HEAD that sent a body would be seen (a Go client
// discards it). A GET of an event stream is read up to its header only.
// The connection's deadline turns a server that never ends the answer
// into a failure instead of a hang.
func rawDo(t *testing.T, app *testApp, c *client, method, path string) rawResponse {
	t.Helper()
	u, _ := url.Parse(app.ts.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	req, _ := http.NewRequest(method, app.ts.URL+path, nil)
	req.Close = true
	req.Header.Set("Accept-Encoding", "gzip")
	if c != nil {
		for _, ck := range c.http.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
	}
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	out := rawResponse{status: res.StatusCode, header: res.Header}
	if method == http.MethodGet && strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return out // a stream does not end
	}
	if method == http.MethodGet {
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			t.Fatalf("GET %s: body: %v", path, err)
		}
	}
	if out.rest, err = io.ReadAll(br); err != nil {
		t.Fatalf("%s %s: the answer did not end: %v", method, path, err)
	}
	return out
}

// comparableHeader is a header without what changes from one answer to
// the next: the date, and a session cookie's value and expiry.
func comparableHeader(h http.Header) http.Header {
	out := h.Clone()
	out.Del("Date")
	// A rate limit's count goes down with each request, HEAD's included.
	out.Del("X-Ratelimit-Remaining")
	var cookies []string
	for _, c := range (&http.Response{Header: h}).Cookies() {
		cookies = append(cookies, c.Name)
	}
	out.Del("Set-Cookie")
	if cookies != nil {
		out["Set-Cookie"] = cookies
	}
	return out
}

// TestHeadAnswersEveryGetRoute walks the router and asks every GET route
// with HEAD, signed out and as a teacher with notes, a group and a flag to
// see: HEAD answers with GET's status and headers and sends no body (RFC
// 9110, 9.3.2), including the event stream, which must end at once.
func TestHeadAnswersEveryGetRoute(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	teacher, ann := app.signUp(t, "tess"), app.signUp(t, "ann")
	g := app.newGroup(t, "Seminar A", teacher, ann)
	p := app.paragraph(t, 1)
	n := grpNote(t, app, ann, p.Anchor, store.Members, g.ID, "A group note", true)
	grpReply(t, app, teacher, n.ID, "A reply")
	if err := app.db.FlagNote(ctx, grpUID(t, app, "tess"), n.ID, "a reason"); err != nil {
		t.Fatal(err)
	}
	gid := strconv.FormatInt(g.ID, 10)

	var routes []string
	err := chi.Walk(app.srv.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			routes = append(routes, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) < 30 {
		t.Fatalf("only %d GET routes walked: %v", len(routes), routes)
	}
	t.Logf("%d GET routes, each asked with GET and HEAD, signed out and signed in", len(routes))
	param := regexp.MustCompile(`\{[^}]+\}|\*$`)
	fill := func(route string) string {
		return param.ReplaceAllStringFunc(route, func(m string) string {
			switch m {
			case "{slug}":
				return essaySlug
			case "{n}":
				return "1"
			case "{anchor}":
				return p.Anchor
			case "{code}":
				return g.InviteCode
			case "{userID}":
				return strconv.FormatInt(grpUID(t, app, "ann"), 10)
			case "{id}":
				if strings.Contains(route, "/groups/") {
					return gid
				}
				return n.ID
			case "*":
				return "css/site.css"
			}
			return "unknown" // a route added since: still HEAD as GET
		})
	}
	// A few routes need a query to show more than their error.
	query := map[string]string{
		"/read/{slug}/annotate": "?anchor=" + p.Anchor,
		"/search":               "?q=group",
		"/api/search":           "?q=group",
		"/read/{slug}/tour":     "?group=" + gid,
		"/read/{slug}/print":    "?layers=group:" + gid,
	}
	slices.Sort(routes)
	for _, who := range []*client{nil, teacher} {
		name := "signed out"
		if who != nil {
			name = who.name
		}
		for _, route := range routes {
			path := fill(route) + query[route]
			get := rawDo(t, app, who, http.MethodGet, path)
			head := rawDo(t, app, who, http.MethodHead, path)
			if head.status != get.status {
				t.Errorf("%s: HEAD %s answers %d, GET %d", name, path, head.status, get.status)
				continue
			}
			if len(head.rest) > 0 {
				t.Errorf("%s: HEAD %s sent a body: %q", name, path, truncate(string(head.rest), 200))
			}
			gh, hh := comparableHeader(get.header), comparableHeader(head.header)
			for k := range gh {
				if _, ok := hh[k]; !ok && k == "Content-Length" {
					continue // RFC 9110 lets HEAD leave out what only the body decides
				}
				if g, h := strings.Join(gh[k], ", "), strings.Join(hh[k], ", "); g != h {
					t.Errorf("%s: HEAD %s: %s is %q, GET's %q", name, path, k, h, g)
				}
			}
			for k := range hh {
				if _, ok := gh[k]; !ok {
					t.Errorf("%s: HEAD %s has %s: %q, which GET has not", name, path, k, hh.Get(k))
				}
			}
		}
	}
}

// A method a route does not take answers 405 with Allow listing what it
// does take, HEAD beside GET, on pages and in the API alike.
func TestMethodNotAllowedSaysAllow(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	for path, want := range map[string]string{
		"/healthz":             "GET, HEAD",
		"/read/" + essaySlug:   "GET, HEAD",
		"/notes/abc/edit":      "GET, HEAD, POST",
		"/api/annotations/abc": "GET, HEAD, PUT, DELETE, OPTIONS",
		"/api/documents/" + essaySlug + "/annotations/": "GET, HEAD, POST, OPTIONS",
	} {
		res := ann.do("PATCH", path, nil, nil)
		body := readBody(res)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != want {
			t.Errorf("PATCH %s: %d, Allow %q, want 405 and %q\n%s", path, res.StatusCode, res.Header.Get("Allow"), want, truncate(body, 300))
		}
	}
	// HEAD on a route that only posts is not allowed either.
	res := ann.do("HEAD", "/signout", nil, nil)
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST" {
		t.Errorf("HEAD /signout: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

// headerHas reports whether one of h's values for key contains want.
func headerHas(h http.Header, key, want string) bool {
	for _, v := range h.Values(key) {
		if strings.Contains(v, want) {
			return true
		}
	}
	return false
}

// The W3C Annotation Protocol's MUSTs for an annotation and a container:
// an annotation answers GET, HEAD and OPTIONS with its LDP type in Link,
// an ETag and Allow; the container answers every request with an ETag
// (If-None-Match answers 304) and names its representation in
// Content-Location, which differs when it lists IRIs only.
func TestAnnotationProtocolHeaders(t *testing.T) {
	app := newApp(t)
	ann, bo := app.signUp(t, "ann"), app.signUp(t, "bo")
	p := app.paragraph(t, 0)
	var pub, priv annotation
	cpath := "/api/documents/" + essaySlug + "/annotations/"
	if res := ann.apiJSON("POST", cpath, w3c(p.Anchor, nil, "Public.", "public"), nil, &pub); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	if res := ann.apiJSON("POST", cpath, w3c(p.Anchor, nil, "Mine.", "private"), nil, &priv); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	path := strings.TrimPrefix(pub.ID, app.ts.URL)

	for _, method := range []string{"GET", "HEAD", "OPTIONS"} {
		res := bo.apiJSON(method, path, nil, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s %s: %d, want 200", method, path, res.StatusCode)
		}
		if !headerHas(res.Header, "Link", `<http://www.w3.org/ns/ldp#Resource>; rel="type"`) {
			t.Errorf("%s %s: Link %q lacks ldp#Resource", method, path, res.Header.Values("Link"))
		}
		for _, m := range []string{"GET", "HEAD", "OPTIONS", "PUT", "DELETE"} {
			if !headerHas(res.Header, "Allow", m) {
				t.Errorf("%s %s: Allow %q lacks %s", method, path, res.Header.Get("Allow"), m)
			}
		}
		if method != "OPTIONS" && (res.Header.Get("ETag") == "" || !headerHas(res.Header, "Vary", "Accept")) {
			t.Errorf("%s %s: ETag %q, Vary %q", method, path, res.Header.Get("ETag"), res.Header.Get("Vary"))
		}
	}
	// A POST to the container answers with the container's Link headers,
	// a refused one too, and the new annotation's ETag.
	for _, body := range []map[string]any{w3c(p.Anchor, nil, "Another.", "private"), {"type": "Annotation"}} {
		res := ann.apiJSON("POST", cpath, body, nil, nil)
		if !headerHas(res.Header, "Link", `<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"`) ||
			!headerHas(res.Header, "Link", `rel="http://www.w3.org/ns/ldp#constrainedBy"`) {
			t.Errorf("POST to the container (%d): Link %q", res.StatusCode, res.Header.Values("Link"))
		}
		if res.StatusCode == http.StatusCreated && (res.Header.Get("ETag") == "" || res.Header.Get("Content-Location") != res.Header.Get("Location")) {
			t.Errorf("POST 201: ETag %q, Content-Location %q, Location %q", res.Header.Get("ETag"), res.Header.Get("Content-Location"), res.Header.Get("Location"))
		}
	}

	// OPTIONS says nothing about an annotation the caller may not see.
	if res := bo.apiJSON("OPTIONS", strings.TrimPrefix(priv.ID, app.ts.URL), nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("OPTIONS on someone else's private annotation: %d, want 404", res.StatusCode)
	}

	// The container: an ETag on GET, HEAD and OPTIONS, the same for the
	// same representation; 304 for it; a new one once a note is added.
	var coll struct {
		ID    string `json:"id"`
		First struct {
			ID     string `json:"id"`
			Items  []any  `json:"items"`
			PartOf any    `json:"partOf"`
		} `json:"first"`
	}
	res := ann.apiJSON("GET", cpath, nil, nil, &coll)
	tag := res.Header.Get("ETag")
	if res.StatusCode != 200 || tag == "" {
		t.Fatalf("container GET: %d, ETag %q", res.StatusCode, tag)
	}
	if loc := res.Header.Get("Content-Location"); loc == "" || loc != coll.ID {
		t.Errorf("container Content-Location %q, id %q", loc, coll.ID)
	}
	for _, method := range []string{"HEAD", "OPTIONS"} {
		res := ann.apiJSON(method, cpath, nil, nil, nil)
		if res.StatusCode != 200 || res.Header.Get("ETag") != tag || !headerHas(res.Header, "Link", "ldp#BasicContainer") || !headerHas(res.Header, "Allow", "OPTIONS") {
			t.Errorf("container %s: %d, ETag %q (GET's %q), Link %q, Allow %q", method, res.StatusCode,
				res.Header.Get("ETag"), tag, res.Header.Values("Link"), res.Header.Get("Allow"))
		}
	}
	res = ann.apiJSON("GET", cpath, nil, http.Header{"If-None-Match": {tag}}, nil)
	if res.StatusCode != http.StatusNotModified || res.Header.Get("ETag") != tag {
		t.Errorf("container GET with its ETag: %d, ETag %q", res.StatusCode, res.Header.Get("ETag"))
	}
	// Another reader's representation differs (no private note): its own tag.
	if res := bo.apiJSON("GET", cpath, nil, http.Header{"If-None-Match": {tag}}, nil); res.StatusCode != 200 || res.Header.Get("ETag") == tag {
		t.Errorf("another reader's container: %d, ETag %q, the author's %q", res.StatusCode, res.Header.Get("ETag"), tag)
	}
	if res := ann.apiJSON("POST", cpath, w3c(p.Anchor, nil, "Third.", "private"), nil, nil); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	res = ann.apiJSON("GET", cpath, nil, http.Header{"If-None-Match": {tag}}, nil)
	if res.StatusCode != 200 || res.Header.Get("ETag") == tag {
		t.Errorf("container GET after a new note with the old ETag: %d, ETag %q", res.StatusCode, res.Header.Get("ETag"))
	}

	// Asking for IRIs gives another representation, with its own IRI.
	prefer := http.Header{"Prefer": {`return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"`}}
	res = ann.apiJSON("GET", cpath, nil, prefer, &coll)
	if want := app.ts.URL + cpath + "?iris=1"; coll.ID != want || res.Header.Get("Content-Location") != want {
		t.Errorf("IRIs container: id %q, Content-Location %q, want %q", coll.ID, res.Header.Get("Content-Location"), want)
	}
	if want := app.ts.URL + cpath + "?iris=1&page=0"; coll.First.ID != want || len(coll.First.Items) != 4 {
		t.Errorf("IRIs container's first page: %q with %d items, want %q with 4", coll.First.ID, len(coll.First.Items), want)
	}
	var page struct {
		PartOf struct {
			ID string `json:"id"`
		} `json:"partOf"`
		Items []string `json:"items"`
	}
	res = ann.apiJSON("GET", strings.TrimPrefix(coll.First.ID, app.ts.URL), nil, nil, &page)
	if page.PartOf.ID != coll.ID || len(page.Items) != 4 || res.Header.Get("ETag") == "" || res.Header.Get("Content-Location") != coll.First.ID {
		t.Errorf("IRIs page: partOf %q (want %q), %d items, ETag %q, Content-Location %q",
			page.PartOf.ID, coll.ID, len(page.Items), res.Header.Get("ETag"), res.Header.Get("Content-Location"))
	}
}

// An annotation's ETag covers everything its representation shows, what
// other people do included: a reaction by someone else, or its author no
// longer teaching the group, gives a conditional GET the new annotation
// instead of a 304 with stale counts. The author's PUT with the ETag read
// before someone reacted still goes through: If-Match compares the note's
// own version, and a change to the note itself still makes it fail.
func TestAnnotationETagCoversReactions(t *testing.T) {
	s := newSeminar(t)
	app := s.app
	cpath := "/api/documents/" + essaySlug + "/annotations/"
	var a annotation
	if res := s.ann.apiJSON("POST", cpath, w3c(s.p.Anchor, nil, "Is this dense?", s.groupAudience()), nil, &a); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	path := strings.TrimPrefix(a.ID, app.ts.URL)
	read := func(c *client, tag string) (int, string, annotation) {
		t.Helper()
		var got annotation
		h := http.Header{}
		if tag != "" {
			h.Set("If-None-Match", tag)
		}
		res := c.apiJSON("GET", path, nil, h, &got)
		return res.StatusCode, res.Header.Get("ETag"), got
	}
	_, annTag, _ := read(s.ann, "")
	_, boTag, _ := read(s.bo, "")
	if st, tag, _ := read(s.ann, annTag); st != http.StatusNotModified || tag != annTag {
		t.Fatalf("unchanged: %d, ETag %q, want 304 and %q", st, tag, annTag)
	}

	if res := s.bo.apiJSON("PUT", path+"/reactions/helpful", nil, nil, nil); res.StatusCode != 200 {
		t.Fatalf("react: %d", res.StatusCode)
	}
	st, tag, got := read(s.ann, annTag)
	if st != 200 || tag == annTag || got.Reactions == nil || got.Reactions.Helpful != 1 {
		t.Errorf("after bo's reaction, ann's conditional GET: %d, ETag %q (was %q), reactions %+v", st, tag, annTag, got.Reactions)
	}
	st, _, got = read(s.bo, boTag)
	if st != 200 || got.Reactions == nil || !slices.Equal(got.Reactions.Mine, []string{"helpful"}) {
		t.Errorf("after bo's reaction, bo's conditional GET: %d, reactions %+v", st, got.Reactions)
	}

	// The author's edit, prepared before the reaction, is not refused for it.
	upd := w3c(s.p.Anchor, nil, "Is this dense? Edited.", s.groupAudience())
	res := s.ann.apiJSON("PUT", path, upd, http.Header{"If-Match": {annTag}}, nil)
	if res.StatusCode != 200 {
		t.Fatalf("PUT with the ETag read before another reader's reaction: %d, want 200", res.StatusCode)
	}
	newTag := res.Header.Get("ETag")
	if st, tag, _ := read(s.ann, newTag); st != http.StatusNotModified || tag != newTag {
		t.Errorf("the ETag PUT answered is not the one GET answers: %d, %q vs %q", st, tag, newTag)
	}
	// But the note itself changed since annTag: that one is stale now.
	if res := s.ann.apiJSON("PUT", path, upd, http.Header{"If-Match": {annTag}}, nil); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("PUT with an ETag from before an edit: %d, want 412", res.StatusCode)
	}
	if res := s.ann.apiJSON("DELETE", path, nil, http.Header{"If-Match": {annTag}}, nil); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("DELETE with an ETag from before an edit: %d, want 412", res.StatusCode)
	}

	// A co-teacher's group note is a guide note; once its author is a
	// member again it is not, and the representation and its ETag say so.
	ctx := context.Background()
	if err := app.db.SetRole(ctx, s.userID(t, s.teacher), s.group.ID, s.userID(t, s.bo), store.RoleTeacher); err != nil {
		t.Fatal(err)
	}
	var g annotation
	if res := s.bo.apiJSON("POST", cpath, w3c(s.p.Anchor, nil, "Read this first.", s.groupAudience()), nil, &g); res.StatusCode != http.StatusCreated || !g.Guide {
		t.Fatalf("co-teacher's group note: %d, guide %v", res.StatusCode, g.Guide)
	}
	path = strings.TrimPrefix(g.ID, app.ts.URL)
	_, guideTag, _ := read(s.ann, "")
	if err := app.db.SetRole(ctx, s.userID(t, s.teacher), s.group.ID, s.userID(t, s.bo), store.RoleMember); err != nil {
		t.Fatal(err)
	}
	if st, tag, got := read(s.ann, guideTag); st != 200 || tag == guideTag || got.Guide {
		t.Errorf("after its author stopped teaching: %d, ETag %q (was %q), guide %v", st, tag, guideTag, got.Guide)
	}
}

// JSON whose strings are not valid UTF-8, or escape half a surrogate
// pair, is refused with 400 and where the problem is, instead of being
// stored with U+FFFD in place of what was sent; nothing is written.
func TestAPIRefusesInvalidUTF8(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	cpath := "/api/documents/" + essaySlug + "/annotations/"
	send := func(method, path, body string, header http.Header) (int, string) {
		t.Helper()
		h := http.Header{"Content-Type": {"application/ld+json"}, "Accept": {"application/ld+json"}}
		for k, v := range header {
			h[k] = v
		}
		res := ann.do(method, path, strings.NewReader(body), h)
		var e struct {
			Error string `json:"error"`
		}
		b := readBody(res)
		if json.Unmarshal([]byte(b), &e) != nil {
			e.Error = b
		}
		return res.StatusCode, e.Error
	}
	annotationWith := func(value string) string {
		return `{"type": "Annotation", "body": {"type": "TextualBody", "value": "` + value + `"},
			"target": {"selector": {"type": "FragmentSelector", "value": "` + p.Anchor + `"}}}`
	}
	count := func() int {
		return must(app.db.CountNotes(context.Background(), viewerOfUser(t, app, "ann"), app.essay(t).ID))
	}
	for name, tc := range map[string]struct{ body, want string }{
		"a byte that is not UTF-8": {annotationWith("caf\xe9 au lait"), `invalid UTF-8 within "/body/value"`},
		"a truncated sequence":     {annotationWith("\xe2\x80"), `invalid UTF-8 within "/body/value"`},
		"half a surrogate pair":    {annotationWith(`\ud800 alone`), `invalid surrogate pair`},
		"a name that is not UTF-8": {"{\"type\": \"Annotation\", \"b\xffdy\": \"x\"}", "invalid UTF-8"},
	} {
		st, body := send("POST", cpath, tc.body, nil)
		if st != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want 400 saying %q", name, st, truncate(body, 300), tc.want)
		}
	}
	if n := count(); n != 0 {
		t.Errorf("%d notes were written", n)
	}

	// A PUT too, leaving the note as it was.
	var a annotation
	if res := ann.apiJSON("POST", cpath, w3c(p.Anchor, nil, "café", "private"), nil, &a); res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	path := strings.TrimPrefix(a.ID, app.ts.URL)
	if st, body := send("PUT", path, annotationWith("caf\xe9"), http.Header{"If-Match": {"*"}}); st != http.StatusBadRequest {
		t.Errorf("PUT with invalid UTF-8: %d %s", st, truncate(body, 300))
	}
	var got annotation
	ann.apiJSON("GET", path, nil, nil, &got)
	if got.Body == nil || got.Body.Value != "café" {
		t.Errorf("after the refused PUT the body is %+v", got.Body)
	}

	// The small JSON endpoints (groups, conversation) read the same way.
	res := ann.do("POST", "/api/groups", strings.NewReader("{\"name\": \"Semin\xe4r\"}"),
		http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}})
	if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid UTF-8") {
		t.Errorf("group name not in UTF-8: %d %s", res.StatusCode, truncate(body, 300))
	}
}

// A quote with white space at its ends, sent with the offsets of the same
// characters (a double-click takes a word and the space after it), is
// taken: the space is left out of both, as the canonical text leaves it
// out of a quote. A quote that differs from the text still gets 409, and
// the message shows where, character by character.
func TestQuoteWithSpaceAtItsEnds(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraphWith(t, "two logics")
	at := func(s string) int { return len([]rune(p.Text[:strings.Index(p.Text, s)])) }
	s := at("two logics")
	e := s + len([]rune("two logics"))
	cpath := "/api/documents/" + essaySlug + "/annotations/"
	for name, tc := range map[string]struct {
		exact      string
		start, end int
	}{
		"a space after":             {"two logics ", s, e + 1},
		"a space before":            {" two logics", s - 1, e},
		"spaces around":             {" two logics ", s - 1, e + 1},
		"the quote's space only":    {"two logics ", s, e},
		"the offsets' space only":   {"two logics", s, e + 1},
		"a newline, as text copied": {"two logics\n", s, e + 1},
	} {
		var a annotation
		res := ann.apiJSON("POST", cpath, w3c(p.Anchor, []map[string]any{
			{"type": "TextQuoteSelector", "exact": tc.exact}, position(tc.start, tc.end),
		}, "", "private"), nil, &a)
		if res.StatusCode != http.StatusCreated {
			t.Errorf("%s: %d, want 201", name, res.StatusCode)
			continue
		}
		_, pos, quo := selectors(t, a)
		if quo == nil || quo.Exact != "two logics" || pos == nil || *pos.Start != s || *pos.End != e {
			t.Errorf("%s: stored quote %+v at %+v, want %q at %d–%d", name, quo, pos, "two logics", s, e)
		}
	}

	// Offsets of white space alone say nothing to quote.
	var fe struct {
		Error  string            `json:"error"`
		Fields map[string]string `json:"fields"`
	}
	res := ann.apiJSON("POST", cpath, w3c(p.Anchor, []map[string]any{position(e, e+1)}, "x", "private"), nil, &fe)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fe.Fields["selector"], "only white space") {
		t.Errorf("a position on a space: %d %+v", res.StatusCode, fe)
	}

	// A real difference: a typographic apostrophe against the text's
	// letters, and a word that is not there. The message names the
	// character where they part.
	for name, tc := range map[string]struct{ exact, want string }{
		"another word": {"two logical", `they differ at character 10, where the quote has 'a' (U+0061) and the text 's' (U+0073)`},
		"lookalike":    {"two l\u043egics", `they differ at character 6, where the quote has 'о' (U+043E) and the text 'o' (U+006F)`},
		"longer":       {"two logics r", `the quote has ' ' (U+0020) and the text nothing more`},
	} {
		fe.Error = ""
		res := ann.apiJSON("POST", cpath, w3c(p.Anchor, []map[string]any{
			{"type": "TextQuoteSelector", "exact": tc.exact}, position(s, e),
		}, "x", "private"), nil, &fe)
		if res.StatusCode != http.StatusConflict || !strings.Contains(fe.Error, tc.want) {
			t.Errorf("%s: %d %q, want 409 saying %q", name, res.StatusCode, fe.Error, tc.want)
		}
	}

	// The form without JavaScript's offsets goes the same way.
	res = ann.postForm("/read/"+essaySlug+"/notes", url.Values{
		"anchor": {p.Anchor}, "phrase": {"two logics "}, "start": {strconv.Itoa(s)}, "end": {strconv.Itoa(e + 1)},
		"body": {"Which?"}, "audience": {"private"},
	})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("form with a trailing space: %d, want 303", res.StatusCode)
	}
}

// An orphan's target.state names the revision it was last placed on,
// where its anchor and quote are, not the current one, where they are
// not; through further revisions too, and in an earlier revision's list.
// An orphan that was never placed (imported, its words not in the essay)
// names none.
func TestOrphanStateNamesWhereItWasPlaced(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "glossa.db")
	open := func(src string) *testApp {
		return newAppAt(t, dbPath, withContent(fstest.MapFS{"t.md": {Data: []byte(src)}}))
	}
	app := open(revV1)
	e := must(app.srv.docs.Doc("t"))
	ann := app.signUp(t, "ann")
	postNote(t, ann, e.Current.Blocks[2].Anchor, "cut entirely", "on the cut", "private")
	postNote(t, ann, e.Current.Blocks[0].Anchor, "sixty years", "on sixty", "private")
	app.close()
	app = open(revV2)
	app.close()
	app = open(revV2 + "\nOne more paragraph, in a third revision.\n")
	ann = app.signIn(t, "ann")

	type anno struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Body   struct{ Value string }
		Target struct {
			State *struct {
				Type       string
				SourceDate string
				Cached     string
			} `json:"state"`
		}
	}
	cached := func(a anno) string {
		if a.Target.State == nil {
			return "(no state)"
		}
		return a.Target.State.Cached[strings.LastIndex(a.Target.State.Cached, "/read/"):]
	}
	var page struct{ First struct{ Items []anno } }
	ann.apiJSON("GET", "/api/documents/t/annotations/", nil, nil, &page)
	got := map[string]anno{}
	for _, a := range page.First.Items {
		got[a.Body.Value] = a
	}
	if a := got["on the cut"]; a.Status != "orphan" || cached(a) != "/read/t/rev/1" {
		t.Errorf("the orphan: status %s, cached %s, want orphan on /read/t/rev/1", a.Status, cached(a))
	}
	if a := got["on sixty"]; a.Status != "exact" || cached(a) != "/read/t/rev/3" {
		t.Errorf("a placed note: status %s, cached %s, want /read/t/rev/3", a.Status, cached(a))
	}
	var one anno
	ann.apiJSON("GET", strings.TrimPrefix(got["on the cut"].ID, app.ts.URL), nil, nil, &one)
	if cached(one) != "/read/t/rev/1" {
		t.Errorf("GET of the orphan: cached %s", cached(one))
	}
	var rev2 struct{ Annotations []anno }
	ann.apiJSON("GET", "/api/documents/t/revisions/2", nil, nil, &rev2)
	for _, a := range rev2.Annotations {
		if a.Body.Value == "on the cut" && cached(a) != "/read/t/rev/1" {
			t.Errorf("the orphan as it stood on revision 2: cached %s", cached(a))
		}
	}

	// Imported words the essay never had: nothing to name.
	imp := `[{"type": "Annotation", "body": {"type": "TextualBody", "value": "imported"},
		"target": {"source": "` + app.ts.URL + `/read/t", "selector": {"type": "TextQuoteSelector", "exact": "words no revision ever had"}}}]`
	res := ann.do("POST", "/api/documents/t/import", strings.NewReader(imp), http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}})
	if body := readBody(res); res.StatusCode != http.StatusOK {
		t.Fatalf("import: %d %s", res.StatusCode, truncate(body, 500))
	}
	var after struct{ First struct{ Items []anno } }
	ann.apiJSON("GET", "/api/documents/t/annotations/", nil, nil, &after)
	found := false
	for _, a := range after.First.Items {
		if a.Body.Value == "imported" {
			found = true
			if a.Status != "orphan" || a.Target.State != nil {
				t.Errorf("an imported orphan: status %s, state %+v, want orphan without state", a.Status, a.Target.State)
			}
		}
	}
	if !found {
		t.Error("the imported note is not in the container")
	}
}
