package library

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"glossa/store"
	"glossa/transfer"
)

const (
	essayV1 = "---\ntitle: Test\n---\n\n" +
		"The alliance system has held for sixty years.\n\n" +
		"Closing words stay as they are.\n"
	essayV2 = "---\ntitle: Test\n---\n\n" +
		"The alliance system has held for sixty years.\n\n" +
		"Closing words stay as they are.\n\n" +
		"A new last paragraph about regional institutions.\n"
)

func openDB(t *testing.T) (*store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "glossa.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func load(t *testing.T, db *store.DB, essays fstest.MapFS) *Library {
	t.Helper()
	l, _, err := Load(context.Background(), db, essays, "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The library serves what it loaded; a slug it does not hold is
// store.ErrNotFound, which web answers 404 like any missing thing.
func TestLoadAndDoc(t *testing.T) {
	db, _ := openDB(t)
	l := load(t, db, fstest.MapFS{"t.md": {Data: []byte(essayV1)}})
	if all := l.All(); len(all) != 1 || all[0].Slug != "t" || all[0].Rev.Number != 1 {
		t.Fatalf("All = %+v", all)
	}
	if d, err := l.Doc("t"); err != nil || d.Current.Meta.Title != "Test" || len(d.Current.Blocks) != 2 {
		t.Fatalf("Doc(t) = %+v, %v", d, err)
	}
	if _, err := l.Doc("absent"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Doc(absent) = %v, want store.ErrNotFound", err)
	}
}

// A revision published by another process, and a document it publishes
// for the first time, reach a running library on Refresh, which names
// them; the entry a request already holds stays as it was.
func TestRefreshTakesAnotherProcesssPublish(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	l := load(t, db, fstest.MapFS{"t.md": {Data: []byte(essayV1)}})
	held, _ := l.Doc("t")

	other, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := Publish(ctx, other, fstest.MapFS{
		"t.md":     {Data: []byte(essayV2)},
		"fresh.md": {Data: []byte("---\ntitle: Fresh\n---\n\nA fresh essay.\n")},
	}, ""); err != nil {
		t.Fatal(err)
	}
	replaced, err := l.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(replaced)
	if !slices.Equal(replaced, []string{"fresh", "t"}) {
		t.Errorf("Refresh replaced %v, want [fresh t]", replaced)
	}
	if d, err := l.Doc("t"); err != nil || d.Rev.Number != 2 || len(d.Current.Blocks) != 3 {
		t.Errorf("after Refresh, Doc(t) = %+v, %v; want revision 2", d, err)
	}
	if held.Rev.Number != 1 {
		t.Errorf("the entry held before Refresh changed to revision %d", held.Rev.Number)
	}
	if again, err := l.Refresh(ctx); err != nil || len(again) != 0 {
		t.Errorf("a second Refresh replaced %v, %v; want nothing", again, err)
	}
}

// Resolve computes a note's quote from the library's own text; a client's
// quote that is not there is a *QuoteError (web's 409), and what the
// reader can fix is named by field.
func TestResolve(t *testing.T) {
	db, _ := openDB(t)
	l := load(t, db, fstest.MapFS{"t.md": {Data: []byte(essayV1)}})
	d, _ := l.Doc("t")
	anchor := d.Current.Blocks[0].Anchor

	fe := store.FieldErrors{}
	o, err := Resolve(d, transfer.NoteInput{Anchor: anchor, Phrase: "sixty years"}, fe)
	if err != nil || len(fe) != 0 || o.Exact != "sixty years" || o.RevisionID != d.Rev.ID || o.Anchor != anchor {
		t.Errorf("phrase: %+v, %v, %v", o, err, fe)
	}

	fe = store.FieldErrors{}
	_, err = Resolve(d, transfer.NoteInput{Anchor: anchor, Exact: "seventy years"}, fe)
	var qe *QuoteError
	if !errors.As(err, &qe) {
		t.Errorf("a quote not in the paragraph: %v, want a *QuoteError", err)
	}

	fe = store.FieldErrors{}
	if _, err := Resolve(d, transfer.NoteInput{Anchor: "p-00000000"}, fe); err != nil || fe["anchor"] == "" {
		t.Errorf("an unknown paragraph: %v, fields %v; want the anchor field named", err, fe)
	}
}
