package web

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"

	"glossa/content"
	"glossa/store"
)

// library holds every document, rendered once per revision: the current
// revision at start-up, older ones the first time someone opens them.
type library struct {
	db     *store.DB
	list   []*docEntry
	bySlug map[string]*docEntry
}

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
	lib := &library{db: db, bySlug: map[string]*docEntry{}}
	for _, d := range docs {
		e, rep, err := publishDoc(ctx, db, d)
		if err != nil {
			return nil, fmt.Errorf("publish %s: %w", d.Slug, err)
		}
		if rep.Published {
			rep.log(log)
		}
		lib.list = append(lib.list, e)
		lib.bySlug[e.slug] = e
	}
	return lib, nil
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
	if e, ok := l.bySlug[slug]; ok {
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
