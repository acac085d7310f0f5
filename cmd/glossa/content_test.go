package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glossa/content"
	"glossa/store"
)

const pempel = "pempel-2016-alliances-asia-pacific-order"

// editedPempel is the embedded essay with one word changed: the text a
// content folder serves in its place.
func editedPempel(t *testing.T) []byte {
	t.Helper()
	src, err := content.Essays.ReadFile(pempel + ".md")
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(src, []byte("this essay’s headline is deliberate"), []byte("this essay’s title is deliberate"), 1)
	if bytes.Equal(edited, src) {
		t.Fatal("the sentence to edit is not in the essay")
	}
	return edited
}

// folderOf writes essays (slug: Markdown) into a new folder.
func folderOf(t *testing.T, essays map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for slug, src := range essays {
		if err := os.WriteFile(filepath.Join(dir, slug+".md"), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runGlossa runs one glossa command and fails the test if it fails.
func runGlossa(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, env(), strings.NewReader("correct horse\n"), &out, &errb); err != nil {
		t.Fatalf("glossa %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

// revisionsOf lists a document's revisions: number and origin.
func revisionsOf(t *testing.T, dbPath, slug string) []string {
	t.Helper()
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.SQL().Query(`
		SELECT r.number, coalesce(r.origin, '') FROM revisions r JOIN documents d ON d.id = r.document_id
		WHERE d.slug = ? ORDER BY r.number`, slug)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			n      int
			origin string
		)
		if err := rows.Scan(&n, &origin); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s", n, origin))
	}
	return out
}

// publishedFromFolder is a database whose essay was published from a
// folder after the embedded one (revision 2, from the folder), with an
// essay only the folder has, and ann, who has a note on each.
func publishedFromFolder(t *testing.T) (dbPath, folder string) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "g.db")
	folder = folderOf(t, map[string][]byte{
		pempel:      editedPempel(t),
		"only-here": []byte("---\ntitle: Only here\n---\n\nA paragraph that only the folder has.\n"),
	})
	runGlossa(t, "publish", "-db", dbPath)
	runGlossa(t, "publish", "-db", dbPath, "-content", folder)
	runGlossa(t, "user", "add", "-db", dbPath, "ann")
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, _, err := db.UserByName(context.Background(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{pempel, "only-here"} {
		d, err := db.Document(context.Background(), slug)
		if err != nil {
			t.Fatal(err)
		}
		b := d.Current.Blocks[0]
		if _, err := db.CreateNote(context.Background(), store.NewNote{DocumentID: d.ID, AuthorID: u.ID, Audience: store.Private,
			Body: "ann on " + slug, Target: store.Original{Target: store.Target{RevisionID: d.Current.ID, Anchor: b.Anchor}}}); err != nil {
			t.Fatal(err)
		}
	}
	return dbPath, folder
}

// Export and import read and move notes; they never publish. Against a
// database served from a folder, without -content, they publish nothing
// (no embedded text over the folder's) and find the essay only the folder
// has.
func TestTransferCommandsNeverPublish(t *testing.T) {
	dbPath, folder := publishedFromFolder(t)
	before := revisionsOf(t, dbPath, pempel)
	if want := []string{"1 embedded", "2 " + folder}; fmt.Sprint(before) != fmt.Sprint(want) {
		t.Fatalf("revisions before: %q, want %q", before, want)
	}

	md, _ := runGlossa(t, "export", "-db", dbPath, "-user", "ann", "-doc", pempel, "-format", "md")
	if !strings.Contains(md, "title is deliberate") || !strings.Contains(md, "ann on "+pempel) {
		t.Errorf("the export is not of the folder's text:\n%.800s", md)
	}
	only, _ := runGlossa(t, "export", "-db", dbPath, "-user", "ann", "-doc", "only-here", "-format", "md")
	if !strings.Contains(only, "ann on only-here") {
		t.Errorf("the folder-only essay's export:\n%s", only)
	}
	file := filepath.Join(t.TempDir(), "notes.jsonld")
	runGlossa(t, "export", "-db", dbPath, "-user", "ann", "-doc", "only-here", "-o", file)
	runGlossa(t, "user", "add", "-db", dbPath, "bob")
	out, _ := runGlossa(t, "import", "-db", dbPath, "-user", "bob", "-doc", "only-here", file)
	if !strings.Contains(out, "1 of 1 annotation imported") {
		t.Errorf("import into the folder-only essay: %q", out)
	}
	if after := revisionsOf(t, dbPath, pempel); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("export and import published: revisions %q, before %q", after, before)
	}
	if after := revisionsOf(t, dbPath, "only-here"); len(after) != 1 {
		t.Errorf("only-here's revisions: %q", after)
	}
	// -content is not theirs to take.
	var errb bytes.Buffer
	if err := run(context.Background(), []string{"export", "-db", dbPath, "-content", folder, "-user", "ann", "-doc", pempel}, env(), nil, io.Discard, &errb); err == nil {
		t.Error("export -content: no error")
	}
}

// startServe runs "glossa serve" with args on a free port until the test
// ends, and returns its address and what it writes to standard error.
func startServe(t *testing.T, args ...string) (addr string, stderr *syncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "-addr", addr}, args...), env(), nil, io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			return addr, stderr
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// getPage fetches a page and returns its status and body.
func getPage(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	res, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// A start without -content after "glossa publish -content" keeps serving
// the published revision, says on standard error (and in the log) what
// differs and how to publish it, and serves the folder's other essay from
// the database.
func TestRestartKeepsPublishedText(t *testing.T) {
	dbPath, folder := publishedFromFolder(t)
	before := revisionsOf(t, dbPath, pempel)
	t.Run("without -content", func(t *testing.T) {
		addr, stderr := startServe(t, "-db", dbPath)
		if st, body := getPage(t, addr, "/read/"+pempel); st != 200 || !strings.Contains(body, "title is deliberate") {
			t.Errorf("/read/%s: %d, not the folder's text", pempel, st)
		}
		if st, body := getPage(t, addr, "/read/only-here"); st != 200 || !strings.Contains(body, "only the folder has") {
			t.Errorf("/read/only-here: %d", st)
		}
		logs := stderr.String()
		want := "glossa: " + pempel + ": not published: the embedded text differs from revision 2, which was published from the folder " + folder +
			" (1 paragraph edited, 0 added, 0 removed); glossa serves revision 2 as it is. To publish the embedded text deliberately, run: glossa publish\n"
		if !strings.Contains(logs, want) {
			t.Errorf("standard error does not say %q:\n%s", want, logs)
		}
		if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, `revision_origin="the folder `+folder+`"`) {
			t.Errorf("the log does not warn:\n%s", logs)
		}
	})
	if after := revisionsOf(t, dbPath, pempel); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the start published: revisions %q, before %q", after, before)
	}

	// A folder with only a new essay: the others are still served.
	fresh := folderOf(t, map[string][]byte{"new-one": []byte("---\ntitle: New\n---\n\nA new essay.\n")})
	t.Run("a folder with a new essay only", func(t *testing.T) {
		addr, _ := startServe(t, "-db", dbPath, "-content", fresh)
		for path, words := range map[string]string{"/read/" + pempel: "title is deliberate", "/read/only-here": "only the folder has", "/read/new-one": "A new essay."} {
			if st, body := getPage(t, addr, path); st != 200 || !strings.Contains(body, words) {
				t.Errorf("%s: %d", path, st)
			}
		}
	})
	if after := revisionsOf(t, dbPath, pempel); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the start with another folder published: revisions %q, before %q", after, before)
	}

	// The deliberate command does publish it.
	out, _ := runGlossa(t, "publish", "-db", dbPath)
	if !strings.Contains(out, pempel+": published revision 3\n  from the embedded essays, replacing a text published from the folder "+folder) {
		t.Errorf("glossa publish printed %q", out)
	}
}

// The same folder, edited, is published at the start, as it always was.
func TestRestartPublishesSameFolder(t *testing.T) {
	dbPath, folder := publishedFromFolder(t)
	os.WriteFile(filepath.Join(folder, "only-here.md"), []byte("---\ntitle: Only here\n---\n\nA paragraph that only the folder has, edited.\n"), 0o644)
	addr, stderr := startServe(t, "-db", dbPath, "-content", folder)
	if st, body := getPage(t, addr, "/read/only-here"); st != 200 || !strings.Contains(body, "edited.") {
		t.Errorf("/read/only-here: %d", st)
	}
	if strings.Contains(stderr.String(), "not published") {
		t.Errorf("a warning for the folder's own essays:\n%s", stderr.String())
	}
	if revs := revisionsOf(t, dbPath, "only-here"); len(revs) != 2 {
		t.Errorf("only-here's revisions: %q", revs)
	}
}

// A content folder adds to the embedded essays: both are served.
func TestFolderAddsToEmbedded(t *testing.T) {
	folder := folderOf(t, map[string][]byte{"hello": []byte("---\ntitle: Hello\n---\n\nA paragraph.\n")})
	addr, _ := startServe(t, "-db", filepath.Join(t.TempDir(), "g.db"), "-content", folder)
	for path, words := range map[string]string{"/read/hello": "A paragraph.", "/read/" + pempel: "Alliances and the Future Asia-Pacific Order"} {
		if st, body := getPage(t, addr, path); st != 200 || !strings.Contains(body, words) {
			t.Errorf("%s: %d", path, st)
		}
	}
	if st, body := getPage(t, addr, "/"); st != 200 || !strings.Contains(body, "/read/hello") || !strings.Contains(body, "/read/"+pempel) {
		t.Errorf("the library does not list both: %d", st)
	}
}

// glossa import -source any places a file's notes made on another page.
func TestImportCommandAnySource(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "g.db")
	runGlossa(t, "publish", "-db", dbPath)
	runGlossa(t, "user", "add", "-db", dbPath, "ann")
	file := filepath.Join(t.TempDir(), "h.json")
	os.WriteFile(file, []byte(`{"annotations": [{"id": "abc", "uri": "https://elsewhere.example/copy", "text": "hm",
		"target": [{"source": "https://elsewhere.example/copy", "selector": [{"type": "TextQuoteSelector", "exact": "two logics"}]}]}]}`), 0o644)
	out, _ := runGlossa(t, "import", "-db", dbPath, "-user", "ann", "-doc", pempel, file)
	if !strings.Contains(out, "0 of 1 annotation imported") || !strings.Contains(out, "source=any") {
		t.Errorf("without -source any: %q", out)
	}
	out, _ = runGlossa(t, "import", "-db", dbPath, "-user", "ann", "-doc", pempel, "-source", "any", file)
	if !strings.Contains(out, "1 of 1 annotation imported") || !strings.Contains(out, "1 exact") {
		t.Errorf("with -source any: %q", out)
	}
	var errb bytes.Buffer
	if err := run(context.Background(), []string{"import", "-db", dbPath, "-user", "ann", "-source", "mine", file}, env(), nil, io.Discard, &errb); err == nil {
		t.Error("-source mine: no error")
	}
}
