package web

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"glossa/library"
	"glossa/store"
)

func withWatchEvery(d time.Duration) appOption { return func(c *Config) { c.WatchEvery = d } }

// waitFor polls cond until it holds, failing after a generous deadline:
// the watch runs every 20 ms here, the deadline only bounds a broken one.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWritesByAnotherProcessReachTheServer: what another process commits
// to the database file while the server runs (here a second store.DB on
// the same file, which is what SQLite sees of "glossa publish" or "glossa
// import" run beside it) reaches readers without a restart: a new
// revision's text and its moved notes on the (cached) reading page and in
// the revision list, a note written elsewhere on the cached page and in a
// live stream, and the server's own writes keep working after.
func TestWritesByAnotherProcessReachTheServer(t *testing.T) {
	app := newApp(t, withWatchEvery(20*time.Millisecond))
	ctx := context.Background()
	ann := app.signUp(t, "ann")
	e := app.essay(t)
	p := app.paragraph(t, 1)
	ann.createNote(p.Anchor, "", "A note from before the revision.", "public")

	reader := app.client(t)
	page := func() string { return readBody(reader.get("/read/" + essaySlug)) }
	before := page()
	if strings.Contains(before, "rewritten from scratch by the editor") {
		t.Fatal("the edit is on the page before it was published")
	}
	page() // cached now
	stream := reader.openStream(eventsPath, nil)
	defer stream.close()

	other, err := store.Open(ctx, filepath.Join(app.dir, "glossa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	reps, err := library.Publish(ctx, other, fstest.MapFS{essaySlug + ".md": {Data: editedEssay(t)}}, "")
	if err != nil || len(reps) != 1 || !reps[0].Published {
		t.Fatalf("publish beside the server: %+v, %v", reps, err)
	}
	waitFor(t, "the new revision on the reading page", func() bool {
		return strings.Contains(page(), "rewritten from scratch by the editor")
	})
	if got := must(app.srv.docs.Doc(essaySlug)); got.Rev.Number != e.Rev.Number+1 {
		t.Errorf("serving revision %d, want %d", got.Rev.Number, e.Rev.Number+1)
	}
	after := page()
	if !strings.Contains(after, "A note from before the revision.") {
		t.Error("the note from before the revision is not on the new revision's page")
	}
	if got := readBody(reader.get("/read/" + essaySlug + "/revisions")); !strings.Contains(got, "/read/"+essaySlug+"/rev/1") {
		t.Error("the revision list does not link revision 1 as an earlier one")
	}

	// A note written by the other process: on the cached page, and live.
	cur := must(app.srv.docs.Doc(essaySlug))
	nn := newNoteOn(cur, cur.Current.Blocks[0].Anchor, ann, app)
	nn.Audience, nn.Body = store.Public, "Imported beside the server."
	n, err := other.CreateNote(ctx, nn)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other process's note on the cached page", func() bool {
		return strings.Contains(page(), "Imported beside the server.")
	})
	if ev := stream.note(); ev.Note != n.ID || ev.Kind != store.EventCreated {
		t.Errorf("live stream sent %+v, want the creation of %s", ev, n.ID)
	}

	// The server still writes, on the new revision.
	ann.createNote(cur.Current.Blocks[3].Anchor, "", "Written after the revision.", "public")
	if !strings.Contains(page(), "Written after the revision.") {
		t.Error("a note written after the revision is not on the page")
	}
}

// A document another process publishes for the first time ("glossa
// publish -content" beside the server) is served without a restart, and
// listed.
func TestNewDocumentByAnotherProcess(t *testing.T) {
	app := newApp(t, withWatchEvery(20*time.Millisecond))
	reader := app.client(t)
	res := reader.get("/read/fresh")
	if readBody(res); res.StatusCode != 404 {
		t.Fatalf("/read/fresh before: %d", res.StatusCode)
	}
	other, err := store.Open(context.Background(), filepath.Join(app.dir, "glossa.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := library.Publish(context.Background(), other, fstest.MapFS{"fresh.md": {Data: []byte("---\ntitle: Fresh\n---\n\nA fresh essay.\n")}}, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new essay", func() bool {
		res := reader.get("/read/fresh")
		return strings.Contains(readBody(res), "A fresh essay.") && res.StatusCode == 200
	})
	if lib := readBody(reader.get("/")); !strings.Contains(lib, `href="/read/fresh"`) || !strings.Contains(lib, `href="/read/`+essaySlug+`"`) {
		t.Error("the library does not list both essays")
	}
}
