package web

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
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
	g := must(app.db.CreateGroup(ctx, grpUID(t, app, "tess"), "Seminar A"))
	must(app.db.Join(ctx, grpUID(t, app, "ann"), g.InviteCode))
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
		"/api/annotations/abc": "GET, HEAD, PUT, DELETE",
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
