package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"glossa/store"
)

// env is a fake environment for run.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestUserAddAndTokenNew(t *testing.T) { forEachDB(t, testUserAddAndTokenNew) }

func testUserAddAndTokenNew(t *testing.T, newDB func() string) {
	ctx := context.Background()
	dbPath := newDB()
	var out, errb bytes.Buffer
	// The database comes from GLOSSA_DB here, and from -db below.
	if err := run(ctx, []string{"user", "add", "ann"}, env("GLOSSA_DB", dbPath), strings.NewReader("correct horse\n"), &out, &errb); err != nil {
		t.Fatalf("user add: %v (%s)", err, errb.String())
	}
	err := run(ctx, []string{"user", "add", "-db", dbPath, "ann"}, env(), strings.NewReader("correct horse\n"), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second user add: %v", err)
	}
	err = run(ctx, []string{"user", "add", "-db", dbPath, "\u0430nn"}, env(), strings.NewReader("correct horse\n"), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "looks like the name of a user who exists already") {
		t.Errorf("user add of a lookalike (Cyrillic а): %v", err)
	}
	err = run(ctx, []string{"user", "add", "-db", dbPath, "bob"}, env(), strings.NewReader("short\n"), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("short password: %v", err)
	}

	out.Reset()
	if err := run(ctx, []string{"token", "new", "-db", dbPath, "ann"}, env(), nil, &out, &errb); err != nil {
		t.Fatalf("token new: %v", err)
	}
	token := out.String()
	if !strings.HasSuffix(token, "\n") || strings.Count(token, "\n") != 1 || !strings.HasPrefix(token, "glossa_") {
		t.Fatalf("token output %q is not the token alone on one line", token)
	}
	token = strings.TrimSpace(token)
	if err := run(ctx, []string{"token", "new", "-db", dbPath, "nobody"}, env(), nil, &out, &errb); err == nil {
		t.Error("token for an unknown user succeeded")
	}

	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByToken(ctx, store.HashToken(token))
	if err != nil || u.Name != "ann" {
		t.Fatalf("token does not resolve to ann: %v %+v", err, u)
	}
	// Only the hash is stored.
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM api_tokens WHERE hash = ?`, []byte(token)).Scan(&n); err != nil || n != 0 {
		t.Errorf("the plain token is in the database (%v)", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, env(), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("unknown command: %v", err)
	}
}

// TestServeAndShutdown runs the real server on a free port, reads the essay
// through it, then cancels the context (as SIGINT does) and expects a clean
// exit.
func TestServeAndShutdown(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "sub", "glossa.db")
	os.MkdirAll(filepath.Dir(dbPath), 0o755)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env("GLOSSA_ADDR", addr, "GLOSSA_DB", dbPath), nil, io.Discard, &logs)
	}()

	var res *http.Response
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err = http.Get("http://" + addr + "/healthz")
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server never answered: %v\n%s", err, logs.String())
	}
	res.Body.Close()
	res, err = http.Get("http://" + addr + "/read/pempel-2016-alliances-asia-pacific-order")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("Alliances and the Future Asia-Pacific Order")) {
		t.Fatalf("essay: %d", res.StatusCode)
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Fatalf("database not created: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not shut down")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Errorf("no shutdown in the log:\n%s", logs.String())
	}
}

func TestServeFlagsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "-content", "/no/such/folder"},
		{"serve", "-tls-cert", "x.pem"},
		{"serve", "extra"},
		{"serve", "-write-limit", "0"},
	} {
		if err := run(context.Background(), args, env("GLOSSA_DB", filepath.Join(t.TempDir(), "g.db")), nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// A write limit from the environment that is not a number stops serve
// with a clear error instead of quietly using the default.
func TestServeBadWriteLimitEnv(t *testing.T) {
	err := run(context.Background(), []string{"serve"}, env("GLOSSA_DB", filepath.Join(t.TempDir(), "g.db"), "GLOSSA_WRITE_LIMIT", "lots"), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "GLOSSA_WRITE_LIMIT") {
		t.Errorf("GLOSSA_WRITE_LIMIT=lots: error %v, want one naming it", err)
	}
}

// Trusted proxies that do not parse stop serve with an error naming the
// flag and the bad entry, from the flag or the environment.
func TestServeBadTrustedProxies(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	err := run(context.Background(), []string{"serve", "-trusted-proxies", "10.0.0.0/8, proxy.example"}, env("GLOSSA_DB", db), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-trusted-proxies") || !strings.Contains(err.Error(), "proxy.example") {
		t.Errorf("-trusted-proxies with a host name: error %v", err)
	}
	err = run(context.Background(), []string{"serve"}, env("GLOSSA_DB", db, "GLOSSA_TRUSTED_PROXIES", "10.0.0.0/33"), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "10.0.0.0/33") {
		t.Errorf("GLOSSA_TRUSTED_PROXIES=10.0.0.0/33: error %v", err)
	}
}

// TestServeCustomContent serves a folder given by -content.
func TestServeCustomContent(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.md"), []byte("---\ntitle: Hello\n---\n\nA paragraph.\n"), 0o644)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", addr, "-db", filepath.Join(dir, "g.db"), "-content", dir}, env(), nil, io.Discard, io.Discard)
	}()
	defer func() { cancel(); <-done }()
	var res *http.Response
	var err error
	for range 600 {
		if res, err = http.Get(fmt.Sprintf("http://%s/read/hello", addr)); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/read/hello: %d", res.StatusCode)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// glossa publish stores a new revision of an edited essay, says what moved,
// and does nothing the second time.
func TestPublishCommand(t *testing.T) { forEachDB(t, testPublishCommand) }

func testPublishCommand(t *testing.T, newDB func() string) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := newDB()
	essay := filepath.Join(dir, "essay.md")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(essay, []byte("---\ntitle: An essay\n---\n\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	publish := func() string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(ctx, []string{"publish", "-db", dbPath, "-content", dir}, env(), nil, &out, &errb); err != nil {
			t.Fatalf("publish: %v\n%s", err, errb.String())
		}
		return out.String()
	}
	// The folder adds to the embedded essay, which is published too.
	const embedded = "pempel-2016-alliances-asia-pacific-order: "
	write("One paragraph here.\n\nAnother paragraph is there, with more words in it.\n")
	if got, want := publish(), "essay: published revision 1\n"+embedded+"published revision 1\n"; got != want {
		t.Errorf("first publish printed %q, want %q", got, want)
	}
	// A whole-paragraph note on each paragraph.
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "ann", []byte("not a real hash"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := db.Document(ctx, "essay")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range doc.Current.Blocks {
		if _, err := db.CreateNote(ctx, store.NewNote{DocumentID: doc.ID, AuthorID: u.ID, Audience: store.Private,
			Body: "on " + b.Text, Target: store.Original{Target: store.Target{RevisionID: doc.Current.ID, Anchor: b.Anchor}}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	write("One paragraph here.\n\nAnother paragraph is there, with many more words in it.\n\nA third.\n")
	want := "essay: published revision 2\n" +
		"  blocks: 1 unchanged, 1 edited, 1 inserted, 0 deleted\n" +
		"  notes:  1 exact, 0 mapped, 0 moved, 1 fuzzy, 0 orphaned\n" +
		embedded + "revision 1 is current; nothing to publish\n"
	if got := publish(); got != want {
		t.Errorf("second publish printed %q, want %q", got, want)
	}
	if got, want := publish(), "essay: revision 2 is current; nothing to publish\n"+embedded+"revision 1 is current; nothing to publish\n"; got != want {
		t.Errorf("publishing again printed %q, want %q", got, want)
	}
	if err := run(ctx, []string{"publish", "-db", dbPath, "-content", filepath.Join(dir, "nope")}, env(), nil, io.Discard, io.Discard); err == nil {
		t.Error("publish from a missing folder succeeded")
	}
}

// withoutImported is a JSON-LD export, decoded, without the marks of an
// import.
func withoutImported(t *testing.T, export string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(export), &v); err != nil {
		t.Fatal(err)
	}
	for _, it := range v["first"].(map[string]any)["items"].([]any) {
		delete(it.(map[string]any), "imported")
	}
	return v
}

// glossa export and glossa import do what the export and import pages do:
// a round trip through files on the command line gives the same export,
// and importing twice adds nothing.
func TestExportAndImportCommands(t *testing.T) { forEachDB(t, testExportAndImportCommands) }

func testExportAndImportCommands(t *testing.T, newDB func() string) {
	ctx := context.Background()
	dir := t.TempDir()
	dbA, dbB := newDB(), newDB()
	const slug = "pempel-2016-alliances-asia-pacific-order"
	cmd := func(args ...string) (string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(ctx, args, env("GLOSSA_BASE_URL", "https://glossa.example"), strings.NewReader("correct horse\n"), &out, &errb)
		if err != nil {
			return out.String() + errb.String(), err
		}
		return out.String(), nil
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := cmd(args...)
		if err != nil {
			t.Fatalf("glossa %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	for _, db := range []string{dbA, dbB} {
		mustRun("user", "add", "-db", db, "ann")
		mustRun("publish", "-db", db)
	}
	// The same history of the text on both: a revision's publication time
	// is in every target.
	a, err := store.Open(ctx, dbA)
	if err != nil {
		t.Fatal(err)
	}
	var published string
	if err := a.SQL().QueryRow(`SELECT published_at FROM revisions`).Scan(&published); err != nil {
		t.Fatal(err)
	}
	u, _, err := a.UserByName(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := a.Document(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	var notes []store.Note
	for i, b := range doc.Current.Blocks[:3] {
		n, err := a.CreateNote(ctx, store.NewNote{DocumentID: doc.ID, AuthorID: u.ID, Audience: store.Public,
			Body: fmt.Sprintf("Note %d on *%s*", i, b.Anchor), Tags: []string{"cli", fmt.Sprint("tag ", i)},
			Target: store.Original{Target: store.Target{RevisionID: doc.Current.ID, Anchor: b.Anchor}}})
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, n)
	}
	if _, err := a.CreateNote(ctx, store.NewNote{AuthorID: u.ID, ParentID: notes[0].ID, Body: "A reply."}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b, err := store.Open(ctx, dbB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.SQL().Exec(`UPDATE revisions SET published_at = ?`, published); err != nil {
		t.Fatal(err)
	}
	b.Close()

	file := filepath.Join(dir, "notes.jsonld")
	if out := mustRun("export", "-db", dbA, "-user", "ann", "-doc", slug, "-o", file); out != "" {
		t.Errorf("export to a file printed %q", out)
	}
	first, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(first, []byte(`"id": "https://glossa.example/api/annotations/`+notes[0].ID+`"`)) {
		t.Fatalf("the exported file (%v) has not the first note:\n%.600s", err, first)
	}
	md := mustRun("export", "-db", dbA, "-user", "ann", "-doc", slug, "-format", "md")
	if !strings.HasPrefix(md, "# Alliances and the Future Asia-Pacific Order\n") || !strings.Contains(md, "tags: cli, tag 0") {
		t.Errorf("Markdown export:\n%.500s", md)
	}

	out := mustRun("import", "-db", dbB, "-user", "ann", file)
	if want := slug + ": 4 of 4 annotations imported from a W3C Web Annotation file: 3 exact, 0 mapped, 0 moved, 0 fuzzy, 0 orphaned, 1 reply; 0 skipped, 0 rejected.\n"; out != want {
		t.Errorf("import printed %q, want %q", out, want)
	}
	// The same, but that every note says it was imported, and when.
	again := mustRun("export", "-db", dbB, "-user", "ann", "-doc", slug)
	if strings.Count(again, `"imported": {`) != 4 {
		t.Errorf("the export after the round trip does not mark the 4 notes imported:\n%s", again)
	}
	if a, b := withoutImported(t, string(first)), withoutImported(t, again); !reflect.DeepEqual(a, b) {
		t.Errorf("the export after the round trip differs:\n%s\n----\n%s", first, again)
	}
	out = mustRun("import", "-db", dbB, "-user", "ann", "-doc", slug, file)
	if !strings.Contains(out, "0 of 4 annotations imported") || strings.Count(out, "skipped: already imported") != 4 {
		t.Errorf("second import printed %q", out)
	}
	var rep struct {
		Skipped int `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(mustRun("import", "-db", dbB, "-user", "ann", "-json", file)), &rep); err != nil || rep.Skipped != 4 {
		t.Errorf("-json report: %+v %v", rep, err)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\"type\": "), 0o644)
	nothing := filepath.Join(dir, "nothing.json")
	os.WriteFile(nothing, []byte(`[{"type": "Annotation", "target": {"source": "https://x.test/elsewhere"}}]`), 0o644)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"export", "-db", dbA, "-user", "nobody", "-doc", slug}, `no user named "nobody"`},
		{[]string{"export", "-db", dbA, "-user", "ann"}, "-doc"},
		{[]string{"export", "-db", dbA, "-user", "ann", "-doc", "nope"}, `no essay "nope"`},
		{[]string{"export", "-db", dbA, "-user", "ann", "-doc", slug, "-format", "pdf"}, `Format "pdf"`},
		{[]string{"export", "-db", dbA, "-user", "ann", "-doc", slug, "-scope", "group:1"}, "not in group 1"},
		{[]string{"import", "-db", dbB, "-user", "ann", bad}, "not valid JSON"},
		{[]string{"import", "-db", dbB, "-user", "ann", nothing}, "names none of the essays here"},
		{[]string{"import", "-db", dbB, "-user", "ann"}, "one FILE"},
	} {
		out, err := cmd(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("glossa %s: %v (%q), want an error saying %q", strings.Join(tc.args, " "), err, out, tc.says)
		}
	}
}
