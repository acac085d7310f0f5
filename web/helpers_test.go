package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"glossa/content"
	"glossa/library"
	"glossa/static"
	"glossa/store"
	"glossa/templates"
)

// essaySlug is the embedded essay every test reads.
const essaySlug = "pempel-2016-alliances-asia-pacific-order"

// cheapPasswords keeps argon2id fast in tests; production uses the defaults.
var cheapPasswords = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// testApp is a real glossa: a SQLite file in a temporary folder (or a
// PostgreSQL database, see db_test.go), the real templates, static files
// and essays, behind a real HTTP server.
type testApp struct {
	t   *testing.T
	db  *store.DB
	srv *Server
	ts  *httptest.Server
	dir string // the SQLite file's folder
	dsn string // what store.Open opened: the file, or the URL
}

type appOption func(*Config)

func withContent(fsys fs.FS) appOption { return func(c *Config) { c.Content = fsys } }

// newApp starts glossa on a new database of the dialect under test
// (newTestDSN).
func newApp(t testing.TB, opts ...appOption) *testApp {
	t.Helper()
	return newAppAt(t, newTestDSN(t), opts...)
}

// newAppAt starts glossa on an existing (or new) database, a file or a
// URL from newTestDSN, so tests can restart it.
func newAppAt(t testing.TB, dbPath string, opts ...appOption) *testApp {
	t.Helper()
	if testDialect != "sqlite" && !store.IsPostgresURL(dbPath) {
		t.Skip("starts glossa on a SQLite file: runs in the SQLite pass (web/db_test.go)")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		DB: db, Content: content.Essays, Templates: templates.FS, Static: static.FS,
		Logger:         testLogger(),
		PasswordParams: cheapPasswords, SignInLimit: 1000, WriteLimit: 1_000_000, SearchLimit: 1_000_000,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(ctx, cfg)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ConnContext = ConnContext // as cmd/glossa does
	ts.Start()
	app := &testApp{db: db, srv: srv, ts: ts, dir: filepath.Dir(dbPath), dsn: dbPath}
	if tt, ok := t.(*testing.T); ok {
		app.t = tt
	}
	t.Cleanup(app.close)
	return app
}

func (a *testApp) close() {
	// Close the Server first: it ends the live event streams, which
	// httptest.Server.Close would otherwise wait for.
	a.srv.Close()
	a.ts.Close()
	a.db.Close()
}

// client is one browser-like visitor with its own cookie jar. It does not
// follow redirects, so tests see them.
type client struct {
	t    testing.TB
	app  *testApp
	http *http.Client
	name string
}

func (a *testApp) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, app: a, http: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// signUp makes an account and signs this client in.
func (a *testApp) signUp(t testing.TB, name string) *client {
	t.Helper()
	c := a.client(t)
	res := c.postForm("/signup", url.Values{"name": {name}, "password": {"correct horse"}, "password2": {"correct horse"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign up %s: status %d: %s", name, res.StatusCode, readBody(res))
	}
	res.Body.Close()
	c.name = name
	return c
}

// do sends a request as a same-origin browser would.
func (c *client) do(method, path string, body io.Reader, header http.Header) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.app.ts.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// Browsers mark same-origin requests; a test that sets the header
	// (even to "", meaning absent) decides for itself, and scripts with a
	// token send none.
	if _, set := header["Sec-Fetch-Site"]; !set && req.Header.Get("Authorization") == "" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else if req.Header.Get("Sec-Fetch-Site") == "" {
		req.Header.Del("Sec-Fetch-Site")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

func (c *client) get(path string) *http.Response { return c.do("GET", path, nil, nil) }

func (c *client) postForm(path string, v url.Values) *http.Response {
	return c.do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// page GETs path, expects status, and parses the HTML.
func (c *client) page(path string, status int) *html.Node {
	c.t.Helper()
	res := c.get(path)
	return parsePage(c.t, res, status)
}

func parsePage(t testing.TB, res *http.Response, status int) *html.Node {
	t.Helper()
	body := readBody(res)
	if res.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, truncate(body, 2000))
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	checkIDsUnique(t, doc)
	return doc
}

func readBody(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// checkIDsUnique fails on any id used twice on a page.
func checkIDsUnique(t testing.TB, doc *html.Node) {
	t.Helper()
	seen := map[string]bool{}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			if a.Key == "id" {
				if seen[a.Val] {
					t.Errorf("duplicate id %q", a.Val)
				}
				seen[a.Val] = true
			}
		}
	}
}

func queryAll(n *html.Node, sel string) []*html.Node {
	return cascadia.MustCompile(sel).MatchAll(n)
}

func query(n *html.Node, sel string) *html.Node {
	return cascadia.MustCompile(sel).MatchFirst(n)
}

func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the text content of n, as it is.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// text is the text content of n, white space collapsed.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// essay returns the current rendering of the test essay.
func (a *testApp) essay(t testing.TB) *library.Doc {
	e, err := a.srv.docs.Doc(essaySlug)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// block returns the i-th block (0-based) of the essay that is a paragraph.
func (a *testApp) paragraph(t testing.TB, i int) *content.Block {
	t.Helper()
	n := 0
	for _, b := range a.essay(t).Current.Blocks {
		if b.Kind == "p" {
			if n == i {
				return b
			}
			n++
		}
	}
	t.Fatalf("no paragraph %d", i)
	return nil
}

// createNote makes a note through the form, as a reader without JavaScript.
func (c *client) createNote(anchor, phrase, body, audience string) {
	c.t.Helper()
	res := c.postForm("/read/"+essaySlug+"/notes", url.Values{
		"anchor": {anchor}, "phrase": {phrase}, "body": {body}, "audience": {audience},
	})
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("create note: status %d\n%s", res.StatusCode, truncate(readBody(res), 3000))
	}
	res.Body.Close()
}

// apiJSON sends a JSON request and decodes the answer into out (if non-nil).
func (c *client) apiJSON(method, path string, in any, header http.Header, out any) *http.Response {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.t.Fatal(err)
		}
		body = strings.NewReader(string(b))
	}
	h := http.Header{"Accept": {"application/ld+json"}}
	if in != nil {
		h.Set("Content-Type", "application/ld+json")
	}
	for k, v := range header {
		h[k] = v
	}
	res := c.do(method, path, body, h)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, truncate(string(b), 500), err)
		}
	}
	return res
}

// newGroup makes a group named name, taught by teacher, with members,
// straight in the store: the teacher-and-group world that many tests start
// from (newSeminar, newClassroom, newTourFixture...). The tests of the
// group pages make theirs through the pages (grpNewClass).
func (a *testApp) newGroup(t testing.TB, name string, teacher *client, members ...*client) store.Group {
	t.Helper()
	ctx := context.Background()
	g, err := a.db.CreateGroup(ctx, viewerOfUser(t, a, teacher.name).UserID, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if _, err := a.db.Join(ctx, viewerOfUser(t, a, m.name).UserID, g.InviteCode); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprint("must: ", err))
	}
	return v
}

// noteQuery selects the notes of the test essay.
func noteQuery(a *testApp) store.NoteQuery {
	return store.NoteQuery{DocumentID: must(a.srv.docs.Doc(essaySlug)).ID}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// newNoteOn is a private whole-paragraph note by c's user, for seeding the
// store directly.
func newNoteOn(e *library.Doc, anchor string, c *client, a *testApp) store.NewNote {
	u, _, err := a.db.UserByName(context.Background(), c.name)
	if err != nil {
		panic(err)
	}
	b := e.Current.Block(anchor)
	return store.NewNote{
		DocumentID: e.ID, AuthorID: u.ID, Audience: store.Private, Body: "seeded note",
		Target: store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: anchor}, BlockHash: b.Hash},
	}
}

func viewerOfUser(t testing.TB, a *testApp, name string) store.Viewer {
	u, _, err := a.db.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return store.Viewer{UserID: u.ID}
}

// paragraphWith returns the essay's paragraph containing phrase.
func (a *testApp) paragraphWith(t testing.TB, phrase string) *content.Block {
	t.Helper()
	for _, b := range a.essay(t).Current.Blocks {
		if b.Kind == "p" && strings.Contains(b.Text, phrase) {
			return b
		}
	}
	t.Fatalf("no paragraph has %q", phrase)
	return nil
}
