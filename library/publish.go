package library

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
// operator, never shown to readers). Or why it published nothing.
type PublishReport struct {
	Slug      string
	Revision  int  // the current revision's number after publishing
	Published bool // false when the source was already current, or held
	Blocks    store.BlockChanges
	Notes     store.Moves // notes, not replies: replies follow their note

	// Origin is where the essay given came from (store.Revision.Origin);
	// Replaced, when it was published, the origin of the revision it
	// replaced when that was another ("" when the same or unknown).
	Origin   string
	Replaced string
	// Held: the essay given differs from the current revision, which
	// came from another origin (HeldFrom; "" when unknown), so it was
	// not published: a start never replaces a text from elsewhere on its
	// own. Blocks then says how the given text differs from the current
	// revision's.
	Held     bool
	HeldFrom string
}

func (r PublishReport) log(log *slog.Logger) {
	if r.Revision == 1 {
		log.Info("published revision", "document", r.Slug, "revision", 1, "blocks", r.Blocks.Inserted, "origin", store.OriginName(r.Origin))
		return
	}
	log.Info("published revision", "document", r.Slug, "revision", r.Revision, "origin", store.OriginName(r.Origin),
		"blocks_unchanged", r.Blocks.Unchanged, "blocks_edited", r.Blocks.Edited,
		"blocks_inserted", r.Blocks.Inserted, "blocks_deleted", r.Blocks.Deleted,
		"notes_exact", r.Notes.Exact, "notes_mapped", r.Notes.Mapped, "notes_moved", r.Notes.Moved,
		"notes_fuzzy", r.Notes.Fuzzy, "notes_orphaned", r.Notes.Orphan)
}

// Warning says, for a held essay, what differs and which command
// publishes it deliberately.
func (r PublishReport) Warning() string {
	if !r.Held {
		return ""
	}
	from := "was published from " + store.OriginName(r.HeldFrom)
	if r.HeldFrom == "" {
		from = "was published before glossa recorded where texts come from"
	}
	given, cmd := "the embedded text", "glossa publish"
	if r.Origin != store.OriginEmbedded {
		given, cmd = "the text in the folder "+r.Origin, "glossa publish -content "+r.Origin
	}
	b := r.Blocks
	return fmt.Sprintf("%s: not published: %s differs from revision %d, which %s "+
		"(%d %s edited, %d added, %d removed); glossa serves revision %d as it is. To publish %s deliberately, run: %s",
		r.Slug, given, r.Revision, from, b.Edited, content.Plural(b.Edited, "paragraph", "paragraphs"), b.Inserted, b.Deleted,
		r.Revision, given, cmd)
}

// Publish publishes the essays glossa is given (embedded, and folder's
// when it is not "") whose Markdown differs from their document's current
// revision, re-anchoring the notes, and reports on each essay. It is
// "glossa publish": deliberately, it publishes the essays of the source it
// is pointed at, the folder if one is given, else the embedded ones, over
// whatever the current revision is; the other essays only as a start
// would (publishDoc). Publishing the same sources twice does nothing.
func Publish(ctx context.Context, db *store.DB, embedded fs.FS, folder string) ([]PublishReport, error) {
	essays, err := loadEssays(embedded, folder)
	if err != nil {
		return nil, err
	}
	var reps []PublishReport
	for _, es := range essays {
		deliberate := es.origin == store.OriginEmbedded
		if folder != "" {
			deliberate = es.origin != store.OriginEmbedded
		}
		_, rep, err := publishDoc(ctx, db, es, deliberate)
		if err != nil {
			return reps, fmt.Errorf("publish %s: %w", es.doc.Slug, err)
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

// publishDoc makes es the current revision of its document (a no-op when
// its source is already current) and returns the rendered entry.
//
// A start (deliberate false) publishes a changed essay only over a
// revision of the same origin: the embedded essay over an embedded one
// (a new glossa with an edited essay), a folder's over the same folder's
// (the essay edited there). Over a revision from another origin, or of
// unknown origin, it publishes nothing and reports the essay Held; the
// entry is then the current revision, as stored. "glossa publish" is
// deliberate for the essays it is pointed at.
//
// A new revision is aligned with the previous one (content.Align): matched
// blocks inherit their anchors, so #p-… links and stored targets stay
// valid, and every note is placed on the new text once, here, in the
// publishing transaction (content.Alignment.Place, docs/anchoring.md). Pages then
// read the stored targets and do no re-anchoring work per request.
func publishDoc(ctx context.Context, db *store.DB, es essay, deliberate bool) (*Doc, PublishReport, error) {
	d := es.doc
	rep := PublishReport{Slug: d.Slug, Origin: es.origin}
	var prev []content.PrevBlock
	sd, err := db.Document(ctx, d.Slug)
	switch {
	case err == nil:
		if sd.Current.SourceHash == d.SourceHash {
			rep.Revision = sd.Current.Number
			if sd.Current.Origin == "" {
				// The very source it was published from, so this is
				// where it came from.
				if err := db.RecordOrigin(ctx, sd.Current.ID, es.origin); err != nil {
					return nil, rep, err
				}
			}
			e, err := newEntry(ctx, db, sd, d)
			return e, rep, err
		}
		for _, b := range sd.Current.Blocks {
			prev = append(prev, content.PrevBlock{Anchor: b.Anchor, Hash: b.Hash, Text: b.Text})
		}
		if !deliberate && sd.Current.Origin != es.origin {
			c := content.Align(prev, d.Blocks).Counts()
			rep.Revision, rep.Held, rep.HeldFrom = sd.Current.Number, true, sd.Current.Origin
			rep.Blocks = store.BlockChanges{Unchanged: c.Unchanged, Edited: c.Edited, Inserted: c.Inserted, Deleted: c.Deleted}
			stored, err := content.Parse(d.Slug, sd.Current.Source)
			if err != nil {
				return nil, rep, fmt.Errorf("render revision %d of %s: %w", sd.Current.Number, d.Slug, err)
			}
			e, err := newEntry(ctx, db, sd, stored)
			return e, rep, err
		}
		if sd.Current.Origin != es.origin {
			rep.Replaced = sd.Current.Origin
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
		Origin:     es.origin,
		Blocks:     storeBlocks(d),
		Changes:    rep.Blocks,
		Retarget: func(orig store.Original, cur store.Current) store.Current {
			next := place(align, byHash, orig, cur)
			switch next.Status {
			case store.StatusExact:
				moves.Exact++
			case store.StatusMapped:
				moves.Mapped++
			case store.StatusMoved:
				moves.Moved++
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
