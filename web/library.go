package web

import (
	"context"
	"errors"
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
// changed since the last run and renders the current revisions.
func loadLibrary(ctx context.Context, db *store.DB, fsys fs.FS, log *slog.Logger) (*library, error) {
	docs, err := content.Load(fsys)
	if err != nil {
		return nil, err
	}
	lib := &library{db: db, bySlug: map[string]*docEntry{}}
	for _, d := range docs {
		e, err := publish(ctx, db, d, log)
		if err != nil {
			return nil, fmt.Errorf("publish %s: %w", d.Slug, err)
		}
		lib.list = append(lib.list, e)
		lib.bySlug[e.slug] = e
	}
	return lib, nil
}

// publish makes d the current revision of its document (a no-op when its
// source is already current) and returns the rendered entry.
//
// A new revision inherits the anchors of the blocks it shares with the
// previous one (content.AssignAnchors), so #p-… links and stored targets stay
// valid; notes move with their blocks (retarget). Fuzzy re-anchoring of
// edited quotes is a later issue: a note whose quote cannot be found exactly
// becomes an orphan, listed under "notes on an earlier version".
func publish(ctx context.Context, db *store.DB, d *content.Document, log *slog.Logger) (*docEntry, error) {
	var prev []content.PrevBlock
	sd, err := db.Document(ctx, d.Slug)
	switch {
	case err == nil:
		if sd.Current.SourceHash == d.SourceHash {
			return newEntry(ctx, db, sd, d)
		}
		for _, b := range sd.Current.Blocks {
			prev = append(prev, content.PrevBlock{Anchor: b.Anchor, Hash: b.Hash, Text: b.Text})
		}
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, err
	}

	anchors, _ := content.AssignAnchors(prev, d.Blocks)
	d, err = d.WithAnchors(anchors)
	if err != nil {
		return nil, err
	}
	p := store.Publication{
		Slug:       d.Slug,
		Title:      d.Meta.Title,
		SourceHash: d.SourceHash,
		Source:     d.Source,
		Blocks:     storeBlocks(d),
		Retarget:   retargeter(sd.Current.Blocks, d),
	}
	rev, published, err := db.Publish(ctx, p)
	if err != nil {
		return nil, err
	}
	if published {
		log.Info("published revision", "document", d.Slug, "revision", rev.Number, "blocks", len(d.Blocks))
	}
	sd, err = db.Document(ctx, d.Slug)
	if err != nil {
		return nil, err
	}
	return newEntry(ctx, db, sd, d)
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

// retargeter moves notes from the previous revision's blocks to next's: a
// note on an unchanged block keeps its place (exact); on an edited block that
// inherited the anchor, a whole-block note stays and a quote is looked up
// again in that block (mapped); a quote whose block vanished is looked up in
// the whole document; everything else is an orphan that keeps its words.
func retargeter(prev []store.Block, next *content.Document) func(store.Original, store.Current) store.Current {
	prevByAnchor := make(map[string]store.Block, len(prev))
	for _, b := range prev {
		prevByAnchor[b.Anchor] = b
	}
	return func(orig store.Original, cur store.Current) store.Current {
		orphan := cur
		orphan.Status, orphan.Score = store.StatusOrphan, 0
		exact, prefix, suffix := cur.Exact, cur.Prefix, cur.Suffix
		if cur.Status == store.StatusOrphan && orig.Exact != "" {
			exact, prefix, suffix = orig.Exact, orig.Prefix, orig.Suffix
		}
		find := func(b *content.Block) (store.Current, bool) {
			start, end, ok := content.FindQuote(b.Text, exact, prefix, suffix)
			if !ok {
				return store.Current{}, false
			}
			ex, pre, suf, _ := content.QuoteContext(b.Text, start, end)
			return store.Current{
				Target: store.Target{Anchor: b.Anchor, Start: start, End: end, Exact: ex, Prefix: pre, Suffix: suf},
				Status: store.StatusMapped, Score: 1,
			}, true
		}

		if b := next.Block(cur.Anchor); b != nil {
			if old, ok := prevByAnchor[cur.Anchor]; ok && old.Hash == b.Hash && cur.Status != store.StatusOrphan {
				c := cur
				c.Status, c.Score = store.StatusExact, 1
				return c
			}
			if exact == "" {
				return store.Current{Target: store.Target{Anchor: b.Anchor}, Status: store.StatusMapped, Score: 1}
			}
			if c, ok := find(b); ok {
				return c
			}
		}
		if exact == "" {
			return orphan
		}
		for _, b := range next.Blocks {
			if c, ok := find(b); ok {
				return c
			}
		}
		return orphan
	}
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
