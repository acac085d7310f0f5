package web

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"

	"glossa/content"
	"glossa/store"
)

// library holds every document, rendered once per revision: the current
// revision at start-up, older ones the first time someone opens them. A
// revision published by another process while the server runs ("glossa
// publish" beside it) replaces its document's entry (see refresh); the
// set of documents is the content folder's at start-up.
type library struct {
	db    *store.DB
	state atomic.Pointer[libraryState]
}

// libraryState is the library at one moment; refresh swaps in a new one.
type libraryState struct {
	list   []*docEntry
	bySlug map[string]*docEntry
}

func (st *libraryState) add(e *docEntry) {
	st.list = append(st.list, e)
	st.bySlug[e.slug] = e
}

// all lists the documents in the content folder's order.
func (l *library) all() []*docEntry { return l.state.Load().list }

// docEntry is one document and its renders.
type docEntry struct {
	id      int64
	slug    string
	current *content.Document
	rev     store.Revision // the current revision, without source or blocks
	revs    []store.Revision

	mu  sync.Mutex
	old map[int]*content.Document // by revision number
}

// loadLibrary reads the essays from fsys, publishes each one whose source
// changed since the last run (see publishDoc) and renders the current
// revisions.
func loadLibrary(ctx context.Context, db *store.DB, fsys fs.FS, log *slog.Logger) (*library, error) {
	docs, err := content.Load(fsys)
	if err != nil {
		return nil, err
	}
	st := &libraryState{bySlug: map[string]*docEntry{}}
	for _, d := range docs {
		e, rep, err := publishDoc(ctx, db, d)
		if err != nil {
			return nil, fmt.Errorf("publish %s: %w", d.Slug, err)
		}
		if rep.Published {
			rep.log(log)
		}
		st.add(e)
	}
	lib := &library{db: db}
	lib.state.Store(st)
	return lib, nil
}

// refresh renders anew each document whose current revision in the
// database is no longer the one the library holds, as when "glossa
// publish" ran beside the server, and swaps the new entries in. It
// returns the slugs it replaced. Requests under way keep the entries they
// already hold.
func (l *library) refresh(ctx context.Context) ([]string, error) {
	cur, err := l.db.CurrentRevisions(ctx)
	if err != nil {
		return nil, err
	}
	old := l.state.Load()
	next := &libraryState{bySlug: make(map[string]*docEntry, len(old.list))}
	var replaced []string
	for _, e := range old.list {
		if id, ok := cur[e.slug]; !ok || id == e.rev.ID {
			next.add(e)
			continue
		}
		ne, err := l.load(ctx, e.slug)
		if err != nil {
			return nil, err
		}
		next.add(ne)
		replaced = append(replaced, e.slug)
	}
	if len(replaced) > 0 {
		l.state.Store(next)
	}
	return replaced, nil
}

// load renders a document's current revision from the source stored with
// it.
func (l *library) load(ctx context.Context, slug string) (*docEntry, error) {
	sd, err := l.db.Document(ctx, slug)
	if err != nil {
		return nil, err
	}
	d, err := content.Parse(slug, sd.Current.Source)
	if err != nil {
		return nil, fmt.Errorf("render revision %d of %s: %w", sd.Current.Number, slug, err)
	}
	return newEntry(ctx, l.db, sd, d)
}

func newEntry(ctx context.Context, db *store.DB, sd store.Document, d *content.Document) (*docEntry, error) {
	// The stored anchors are the truth: render with them.
	if !sameAnchors(sd.Current.Blocks, d) {
		var err error
		if d, err = d.WithAnchors(anchorsOf(sd.Current.Blocks)); err != nil {
			return nil, err
		}
	}
	revs, err := db.Revisions(ctx, sd.ID)
	if err != nil {
		return nil, err
	}
	rev := sd.Current
	rev.Source, rev.Blocks = nil, nil
	return &docEntry{id: sd.ID, slug: sd.Slug, current: d, rev: rev, revs: revs, old: map[int]*content.Document{}}, nil
}

func storeBlocks(d *content.Document) []store.Block {
	bs := make([]store.Block, len(d.Blocks))
	for i, b := range d.Blocks {
		bs[i] = store.Block{Position: i, Anchor: b.Anchor, Hash: b.Hash, Text: b.Text}
	}
	return bs
}

func anchorsOf(bs []store.Block) []string {
	as := make([]string, len(bs))
	for i, b := range bs {
		as[i] = b.Anchor
	}
	return as
}

func sameAnchors(bs []store.Block, d *content.Document) bool {
	if len(bs) != len(d.Blocks) {
		return false
	}
	for i, b := range bs {
		if d.Blocks[i].Anchor != b.Anchor {
			return false
		}
	}
	return true
}

// doc returns the document with this slug, or errNotFound.
func (l *library) doc(slug string) (*docEntry, error) {
	if e, ok := l.state.Load().bySlug[slug]; ok {
		return e, nil
	}
	return nil, errNotFound
}

// revision returns revision n rendered with its stored anchors, rendering it
// the first time it is asked for.
func (l *library) revision(ctx context.Context, e *docEntry, n int) (*content.Document, store.Revision, error) {
	if n == e.rev.Number {
		return e.current, e.rev, nil
	}
	rev, err := l.db.Revision(ctx, e.id, n)
	if err != nil {
		return nil, store.Revision{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if d, ok := e.old[n]; ok {
		return d, rev, nil
	}
	d, err := content.Parse(e.slug, rev.Source)
	if err != nil {
		return nil, rev, fmt.Errorf("render revision %d of %s: %w", n, e.slug, err)
	}
	if d, err = d.WithAnchors(anchorsOf(rev.Blocks)); err != nil {
		return nil, rev, fmt.Errorf("render revision %d of %s: %w", n, e.slug, err)
	}
	e.old[n] = d
	return d, rev, nil
}
