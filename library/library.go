// Package library is the documents glossa serves: the essays it is given
// (embedded in the binary, and a folder of them), the in-memory set of
// documents rendered at their current revisions, its refresh when another
// process publishes, publishing a new revision (re-anchoring its notes),
// and placing a new note's selectors on the current revision.
//
// library speaks no HTTP: web serves what it holds, and "glossa publish"
// calls Publish directly. It imports store, content and transfer (whose
// Document is what an export or import works on); none of them imports it.
package library

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"glossa/content"
	"glossa/store"
	"glossa/transfer"
)

// Library holds every document, rendered once per revision: the current
// revision at start-up, older ones the first time someone opens them. A
// revision published by another process while the server runs ("glossa
// publish" beside it) replaces its document's entry, and a document it
// publishes for the first time joins the set (see Refresh).
//
// The documents are those the database holds, each at its current
// revision, rendered from the source stored with it; a start first
// publishes the essays of the content sources that changed (see
// publishDoc for when it does and does not).
type Library struct {
	db    *store.DB
	state atomic.Pointer[libraryState]
}

// libraryState is the library at one moment; Refresh swaps in a new one.
type libraryState struct {
	list   []*Doc
	bySlug map[string]*Doc
}

func (st *libraryState) add(e *Doc) {
	st.list = append(st.list, e)
	st.bySlug[e.Slug] = e
}

// sort puts the list in slug order, the order of the library page.
func (st *libraryState) sort() {
	slices.SortFunc(st.list, func(a, b *Doc) int { return strings.Compare(a.Slug, b.Slug) })
}

// All lists the documents in slug order.
func (l *Library) All() []*Doc { return l.state.Load().list }

// Doc is one document and its renders.
type Doc struct {
	ID      int64
	Slug    string
	Current *content.Document
	Rev     store.Revision // the current revision, without source or blocks
	Revs    []store.Revision

	mu  sync.Mutex
	old map[int]*content.Document // by revision number
}

// essay is a document of a content source, and that source's origin
// (store.Revision.Origin).
type essay struct {
	doc    *content.Document
	origin string
}

// loadEssays reads the essays glossa is given: those of embedded (origin
// "embedded"), then those of the folder, whose file replaces an embedded
// one of the same slug. Either may be absent. The folder's origin is its
// absolute path.
func loadEssays(embedded fs.FS, folder string) ([]essay, error) {
	bySlug := map[string]essay{}
	if embedded != nil {
		docs, err := content.Load(embedded)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			bySlug[d.Slug] = essay{d, store.OriginEmbedded}
		}
	}
	if folder != "" {
		abs, err := filepath.Abs(folder)
		if err != nil {
			return nil, err
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("content folder %s: not a folder", folder)
		}
		docs, err := content.Load(os.DirFS(abs))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", abs, err)
		}
		for _, d := range docs {
			bySlug[d.Slug] = essay{d, abs}
		}
	}
	out := make([]essay, 0, len(bySlug))
	for _, slug := range slices.Sorted(maps.Keys(bySlug)) {
		out = append(out, bySlug[slug])
	}
	return out, nil
}

// Load reads the essays of embedded and folder (either may be absent;
// see loadEssays), publishes each essay whose source changed since the last
// run, when publishDoc may (never over a text from another origin: that
// is reported, Held, and the stored revision served), renders the current
// revisions, and adds every other document the database holds (one
// published from a folder glossa is no longer given). It returns what it
// did for each essay.
func Load(ctx context.Context, db *store.DB, embedded fs.FS, folder string, log *slog.Logger) (*Library, []PublishReport, error) {
	essays, err := loadEssays(embedded, folder)
	if err != nil {
		return nil, nil, err
	}
	st := &libraryState{bySlug: map[string]*Doc{}}
	var reps []PublishReport
	for _, es := range essays {
		e, rep, err := publishDoc(ctx, db, es, false)
		if err != nil {
			return nil, nil, fmt.Errorf("publish %s: %w", es.doc.Slug, err)
		}
		switch {
		case rep.Published:
			rep.log(log)
		case rep.Held:
			log.Warn(rep.Warning(), "document", rep.Slug, "revision", rep.Revision,
				"revision_origin", store.OriginName(rep.HeldFrom), "given", store.OriginName(rep.Origin))
		}
		reps = append(reps, rep)
		st.add(e)
	}
	lib := &Library{db: db}
	cur, err := db.CurrentRevisions(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, slug := range slices.Sorted(maps.Keys(cur)) {
		if _, ok := st.bySlug[slug]; ok {
			continue
		}
		e, err := lib.load(ctx, slug)
		if err != nil {
			return nil, nil, err
		}
		st.add(e)
	}
	st.sort()
	lib.state.Store(st)
	return lib, reps, nil
}

// Refresh renders anew each document whose current revision in the
// database is no longer the one the library holds, as when "glossa
// publish" ran beside the server, adds the documents it does not hold
// yet, and swaps the new entries in. It returns the slugs it replaced or
// added. Requests under way keep the entries they already hold.
func (l *Library) Refresh(ctx context.Context) ([]string, error) {
	cur, err := l.db.CurrentRevisions(ctx)
	if err != nil {
		return nil, err
	}
	old := l.state.Load()
	next := &libraryState{bySlug: make(map[string]*Doc, len(cur))}
	var replaced []string
	for _, e := range old.list {
		if id, ok := cur[e.Slug]; !ok || id == e.Rev.ID {
			next.add(e)
			continue
		}
		ne, err := l.load(ctx, e.Slug)
		if err != nil {
			return nil, err
		}
		next.add(ne)
		replaced = append(replaced, e.Slug)
	}
	for _, slug := range slices.Sorted(maps.Keys(cur)) {
		if _, ok := next.bySlug[slug]; ok {
			continue
		}
		ne, err := l.load(ctx, slug)
		if err != nil {
			return nil, err
		}
		next.add(ne)
		replaced = append(replaced, slug)
	}
	if len(replaced) > 0 {
		next.sort()
		l.state.Store(next)
	}
	return replaced, nil
}

// load renders a document's current revision from the source stored with
// it (transfer.LoadDocument).
func (l *Library) load(ctx context.Context, slug string) (*Doc, error) {
	td, err := transfer.LoadDocument(ctx, l.db, slug)
	if err != nil {
		return nil, err
	}
	return entryOf(td), nil
}

// newEntry is stored document sd with d, its current revision rendered
// (transfer.NewDocument).
func newEntry(ctx context.Context, db *store.DB, sd store.Document, d *content.Document) (*Doc, error) {
	td, err := transfer.NewDocument(ctx, db, sd, d)
	if err != nil {
		return nil, err
	}
	return entryOf(td), nil
}

func entryOf(td transfer.Document) *Doc {
	return &Doc{ID: td.ID, Slug: td.Slug, Current: td.Current, Rev: td.Rev, Revs: td.Revs, old: map[int]*content.Document{}}
}

// Transfer is e as the transfer package takes a document.
func (e *Doc) Transfer() transfer.Document {
	return transfer.Document{ID: e.ID, Slug: e.Slug, Current: e.Current, Rev: e.Rev, Revs: e.Revs}
}

func storeBlocks(d *content.Document) []store.Block {
	bs := make([]store.Block, len(d.Blocks))
	for i, b := range d.Blocks {
		bs[i] = store.Block{Position: i, Anchor: b.Anchor, Hash: b.Hash, Text: b.Text}
	}
	return bs
}

// Doc returns the document with this slug; one the library does not hold
// is store.ErrNotFound.
func (l *Library) Doc(slug string) (*Doc, error) {
	if e, ok := l.state.Load().bySlug[slug]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("document %q: %w", slug, store.ErrNotFound)
}

// Revision returns Revision n rendered with its stored anchors, rendering it
// the first time it is asked for.
func (l *Library) Revision(ctx context.Context, e *Doc, n int) (*content.Document, store.Revision, error) {
	if n == e.Rev.Number {
		return e.Current, e.Rev, nil
	}
	rev, err := l.db.Revision(ctx, e.ID, n)
	if err != nil {
		return nil, store.Revision{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if d, ok := e.old[n]; ok {
		return d, rev, nil
	}
	d, err := content.Parse(e.Slug, rev.Source)
	if err != nil {
		return nil, rev, fmt.Errorf("render revision %d of %s: %w", n, e.Slug, err)
	}
	if d, err = d.WithAnchors(transfer.AnchorsOf(rev.Blocks)); err != nil {
		return nil, rev, fmt.Errorf("render revision %d of %s: %w", n, e.Slug, err)
	}
	e.old[n] = d
	return d, rev, nil
}
