package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"glossa/content"
	"glossa/store"
)

// PublishReport says what publishing one document did: the blocks its new
// revision kept, edited, inserted and deleted, and how every note on the
// previous revision was placed (all readers' notes: the report is for the
// operator, never shown to readers).
type PublishReport struct {
	Slug      string
	Revision  int  // the current revision's number after publishing
	Published bool // false when the source was already current
	Blocks    store.BlockChanges
	Notes     store.Moves // notes, not replies: replies follow their note
}

func (r PublishReport) log(log *slog.Logger) {
	if r.Revision == 1 {
		log.Info("published revision", "document", r.Slug, "revision", 1, "blocks", r.Blocks.Inserted)
		return
	}
	log.Info("published revision", "document", r.Slug, "revision", r.Revision,
		"blocks_unchanged", r.Blocks.Unchanged, "blocks_edited", r.Blocks.Edited,
		"blocks_inserted", r.Blocks.Inserted, "blocks_deleted", r.Blocks.Deleted,
		"notes_exact", r.Notes.Exact, "notes_mapped", r.Notes.Mapped,
		"notes_fuzzy", r.Notes.Fuzzy, "notes_orphaned", r.Notes.Orphan)
}

// Publish publishes every essay in fsys whose Markdown differs from its
// document's current revision, re-anchoring the notes, and reports on each
// essay. It is what the server does at start-up, and what "glossa publish"
// runs on its own. Publishing the same sources twice does nothing.
func Publish(ctx context.Context, db *store.DB, fsys fs.FS) ([]PublishReport, error) {
	docs, err := content.Load(fsys)
	if err != nil {
		return nil, err
	}
	var reps []PublishReport
	for _, d := range docs {
		_, rep, err := publishDoc(ctx, db, d)
		if err != nil {
			return reps, fmt.Errorf("publish %s: %w", d.Slug, err)
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

// publishDoc makes d the current revision of its document (a no-op when its
// source is already current) and returns the rendered entry.
//
// A new revision is aligned with the previous one (content.Align): matched
// blocks inherit their anchors, so #p-… links and stored targets stay
// valid, and every note is placed on the new text once, here, in the
// publishing transaction (content.Alignment.Place, docs/anchoring.md). Pages then
// read the stored targets and do no re-anchoring work per request.
func publishDoc(ctx context.Context, db *store.DB, d *content.Document) (*docEntry, PublishReport, error) {
	rep := PublishReport{Slug: d.Slug}
	var prev []content.PrevBlock
	sd, err := db.Document(ctx, d.Slug)
	switch {
	case err == nil:
		if sd.Current.SourceHash == d.SourceHash {
			rep.Revision = sd.Current.Number
			e, err := newEntry(ctx, db, sd, d)
			return e, rep, err
		}
		for _, b := range sd.Current.Blocks {
			prev = append(prev, content.PrevBlock{Anchor: b.Anchor, Hash: b.Hash, Text: b.Text})
		}
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, rep, err
	}

	align := content.Align(prev, d.Blocks)
	d, err = d.WithAnchors(align.Anchors())
	if err != nil {
		return nil, rep, err
	}
	c := align.Counts()
	rep.Blocks = store.BlockChanges{Unchanged: c.Unchanged, Edited: c.Edited, Inserted: c.Inserted, Deleted: c.Deleted}
	var moves store.Moves
	byHash := make(map[string]string, len(d.Blocks)) // a block's hash to its anchor
	for _, b := range d.Blocks {
		if _, dup := byHash[b.Hash]; !dup {
			byHash[b.Hash] = b.Anchor
		}
	}
	p := store.Publication{
		Slug:       d.Slug,
		Title:      d.Meta.Title,
		SourceHash: d.SourceHash,
		Source:     d.Source,
		Blocks:     storeBlocks(d),
		Changes:    rep.Blocks,
		Retarget: func(orig store.Original, cur store.Current) store.Current {
			next := place(align, byHash, orig, cur)
			switch next.Status {
			case store.StatusExact:
				moves.Exact++
			case store.StatusMapped:
				moves.Mapped++
			case store.StatusFuzzy:
				moves.Fuzzy++
			default:
				moves.Orphan++
			}
			return next
		},
	}
	rev, published, err := db.Publish(ctx, p)
	if err != nil {
		return nil, rep, err
	}
	rep.Revision, rep.Published = rev.Number, published
	if published {
		rep.Notes = moves
	} else {
		rep.Blocks = store.BlockChanges{}
	}
	sd, err = db.Document(ctx, d.Slug)
	if err != nil {
		return nil, rep, err
	}
	e, err := newEntry(ctx, db, sd, d)
	return e, rep, err
}

// place moves one note from the previous revision to the next. A note
// that was already an orphan is looked for by the words it was written on
// (its original target), and a whole-paragraph orphan by its paragraph's
// text (byHash: the next revision's block hashes to their anchors), so a
// paragraph cut and later restored brings its notes back. An orphan keeps
// the target it last had, so the "earlier version" panel can still quote it.
func place(align *content.Alignment, byHash map[string]string, orig store.Original, cur store.Current) store.Current {
	lost := cur.Status == store.StatusOrphan
	from := cur.Target
	if lost {
		from = orig.Target
		if anchor, ok := byHash[orig.BlockHash]; ok && orig.Exact == "" {
			return store.Current{Target: store.Target{Anchor: anchor}, Status: store.StatusMapped, Score: 1}
		}
	}
	pl := align.Place(content.Target{
		Anchor: from.Anchor, Start: from.Start, End: from.End,
		Exact: from.Exact, Prefix: from.Prefix, Suffix: from.Suffix,
	}, lost)
	if pl.Status == content.StatusOrphan {
		c := cur
		c.Status, c.Score = store.StatusOrphan, 0
		return c
	}
	return store.Current{
		Target: store.Target{
			Anchor: pl.Anchor, Start: pl.Start, End: pl.End,
			Exact: pl.Exact, Prefix: pl.Prefix, Suffix: pl.Suffix,
		},
		Status: store.Status(pl.Status),
		Score:  pl.Score,
	}
}
