package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"glossa/content"
	"glossa/store"
)

// NewDocument is stored document sd with d, its current revision
// rendered; d takes the stored anchors, which are the truth.
func NewDocument(ctx context.Context, db *store.DB, sd store.Document, d *content.Document) (Document, error) {
	if !sameAnchors(sd.Current.Blocks, d) {
		var err error
		if d, err = d.WithAnchors(AnchorsOf(sd.Current.Blocks)); err != nil {
			return Document{}, err
		}
	}
	revs, err := db.Revisions(ctx, sd.ID)
	if err != nil {
		return Document{}, err
	}
	rev := sd.Current
	rev.Source, rev.Blocks = nil, nil
	return Document{ID: sd.ID, Slug: sd.Slug, Current: d, Rev: rev, Revs: revs}, nil
}

// LoadDocument renders document slug's current revision from the source
// stored with it. A slug the database does not hold is store.ErrNotFound.
func LoadDocument(ctx context.Context, db *store.DB, slug string) (Document, error) {
	sd, err := db.Document(ctx, slug)
	if err != nil {
		return Document{}, err
	}
	d, err := content.Parse(slug, sd.Current.Source)
	if err != nil {
		return Document{}, fmt.Errorf("render revision %d of %s: %w", sd.Current.Number, slug, err)
	}
	return NewDocument(ctx, db, sd, d)
}

// LoadDocuments renders every document of db, in slug order.
func LoadDocuments(ctx context.Context, db *store.DB) ([]Document, error) {
	cur, err := db.CurrentRevisions(ctx)
	if err != nil {
		return nil, err
	}
	var docs []Document
	for _, slug := range slices.Sorted(maps.Keys(cur)) {
		d, err := LoadDocument(ctx, db, slug)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// AnchorsOf lists the blocks' anchors, in order.
func AnchorsOf(bs []store.Block) []string {
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

// NamedDocument is the one document of docs whose reading page
// (/read/{slug}) or original address (one of its sources) file data
// mentions: the document of an import that does not say which.
func NamedDocument(docs []Document, data []byte) (Document, error) {
	var found []Document
	var slugs []string
	for _, d := range docs {
		named := bytes.Contains(data, []byte("/read/"+d.Slug))
		for _, src := range d.Current.Meta.Source {
			named = named || bytes.Contains(data, []byte(src))
		}
		if named {
			found = append(found, d)
			slugs = append(slugs, d.Slug)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Document{}, errors.New("the file names none of the essays here: say which one with -doc")
	}
	return Document{}, fmt.Errorf("the file names several essays (%s): import it into one at a time with -doc", strings.Join(slugs, ", "))
}
