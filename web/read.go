package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/store"
)

type libraryPage struct {
	basePage
	Docs []libraryDoc
}

type libraryDoc struct {
	Slug       string
	Meta       content.Meta
	Standfirst template.HTML
	Notes      int
	Revision   int
}

// handleLibrary serves GET /: the documents, with the notes the reader may
// see counted.
func (s *Server) handleLibrary(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.db.CountNotesByDocument(r.Context(), viewerOf(r.Context()))
	if err != nil {
		return err
	}
	p := libraryPage{basePage: s.base(r, "Library")}
	for _, e := range s.docs.list {
		p.Docs = append(p.Docs, libraryDoc{
			Slug: e.slug, Meta: e.current.Meta, Standfirst: e.current.StandfirstHTML,
			Notes: counts[e.id], Revision: e.rev.Number,
		})
	}
	return s.render(w, http.StatusOK, "library.html", p)
}

// readPage is the reading view of one revision.
type readPage struct {
	basePage
	Slug        string
	Meta        content.Meta
	Standfirst  template.HTML
	Parts       []partView
	Earlier     []noteView // notes whose words are not in this revision
	Revision    int
	Current     int // the current revision's number
	Old         bool
	PublishedAt time.Time
	NoteCount   int
}

type partView struct {
	HTML  template.HTML
	Block *blockView
}

// blockView is one anchorable block with its controls and margin.
type blockView struct {
	Slug      string
	Anchor    string
	Kind      string
	HeadingID string
	Label     string // how the margin names the block to screen readers
	HTML      template.HTML
	Notes     []noteView
	ReadOnly  bool // an old revision: no annotating
	SignedIn  bool
}

func (b *blockView) Heading() bool  { return len(b.Kind) == 2 && b.Kind[0] == 'h' }
func (b *blockView) ListItem() bool { return b.Kind == "li" }

// AnnotateURL is the no-JavaScript way to annotate this block.
func (b *blockView) AnnotateURL() string {
	u := "/read/" + b.Slug + "/annotate?anchor=" + url.QueryEscape(b.Anchor)
	if !b.SignedIn {
		return "/signin?next=" + url.QueryEscape(u)
	}
	return u
}

// noteView is a note as the margin and the note page show it.
type noteView struct {
	ID       string
	Slug     string
	Author   string
	Mine     bool
	Audience store.Audience
	Body     template.HTML
	Exact    string
	Anchor   string
	Status   store.Status
	Created  time.Time
	Edited   bool
	Version  int64
	// HTML is the note rendered by the "note" template, for the margin.
	HTML template.HTML
	// For notes on an earlier version: where they were written.
	OrigRevision int
	OrigAnchor   string
	OrigExact    string
}

func (n noteView) Highlight() bool { return n.Body == "" }
func (n noteView) Public() bool    { return n.Audience == store.Public }

// AudienceLabel says in words who can see the note.
func (n noteView) AudienceLabel() string {
	switch n.Audience {
	case store.Public:
		return "Public"
	case store.Private:
		return "Only me"
	}
	return string(n.Audience)
}

func (s *Server) noteView(n store.Note, viewer store.Viewer, slug string, revNumbers map[int64]int) noteView {
	return noteView{
		ID: n.ID, Slug: slug, Author: n.Author.Name, Mine: viewer.UserID != 0 && n.Author.ID == viewer.UserID,
		Audience: n.Audience, Body: s.bodies.render(n.Body), Exact: n.Current.Exact, Anchor: n.Current.Anchor,
		Status: n.Current.Status, Created: n.CreatedAt, Edited: n.Version > 1, Version: n.Version,
		OrigRevision: revNumbers[n.Original.RevisionID], OrigAnchor: n.Original.Anchor, OrigExact: n.Original.Exact,
	}
}

func revisionNumbers(e *docEntry) map[int64]int {
	m := make(map[int64]int, len(e.revs)+1)
	for _, r := range e.revs {
		m[r.ID] = r.Number
	}
	m[e.rev.ID] = e.rev.Number
	return m
}

// handleRead serves GET /read/{slug}: the current revision with the notes the
// reader may see in its margin.
func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	// The generation is read before the notes, so a page is never cached
	// under a generation newer than what it shows.
	key := pageKey(r, s.db.Generation())
	if b, ok := s.pageCache.get(key); ok {
		return writeHTML(w, http.StatusOK, b)
	}
	p, err := s.readView(r, e, e.current, e.rev, false)
	if err != nil {
		return err
	}
	p.Scripts = []string{"js/reader.js"}
	b, err := s.renderBytes("read.html", "base", p)
	if err != nil {
		return err
	}
	s.pageCache.put(key, b)
	return writeHTML(w, http.StatusOK, b)
}

// handleRevision serves GET /read/{slug}/rev/{n}: an earlier revision, read
// only, with the notes that were written on it.
func (s *Server) handleRevision(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 {
		return errNotFound
	}
	if n == e.rev.Number {
		http.Redirect(w, r, "/read/"+e.slug, http.StatusSeeOther)
		return nil
	}
	d, rev, err := s.docs.revision(r.Context(), e, n)
	if err != nil {
		return err
	}
	p, err := s.readView(r, e, d, rev, true)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "read.html", p)
}

// readView builds the reading page of revision rev.
func (s *Server) readView(r *http.Request, e *docEntry, d *content.Document, rev store.Revision, old bool) (readPage, error) {
	ctx := r.Context()
	viewer := viewerOf(ctx)
	notes, err := s.db.Notes(ctx, viewer, store.NoteQuery{DocumentID: e.id})
	if err != nil {
		return readPage{}, err
	}
	p := readPage{
		basePage: s.base(r, d.Meta.Title), Slug: e.slug, Meta: d.Meta, Standfirst: d.StandfirstHTML,
		Revision: rev.Number, Current: e.rev.Number, Old: old, PublishedAt: rev.PublishedAt,
	}
	m := s.placeNotes(notes, e, d, rev, old, viewer)
	p.Earlier, p.NoteCount = m.earlier, m.placed
	p.Parts = make([]partView, len(d.Parts))
	labels := blockLabels(d)
	for i, part := range d.Parts {
		if part.Block < 0 {
			p.Parts[i] = partView{HTML: part.HTML}
			continue
		}
		b := d.Blocks[part.Block]
		p.Parts[i] = partView{Block: s.blockView(e.slug, b, labels[b.Index], m.notes[b.Anchor], m.marks[b.Anchor], viewer, old)}
	}
	return p, nil
}

// margins is where the notes go on one revision's page.
type margins struct {
	notes   map[string][]noteView     // by anchor
	marks   map[string][]content.Mark // by anchor
	earlier []noteView                // notes whose words are not on this page
	placed  int
}

// placeNotes sorts notes into the blocks of revision rev. On the current
// revision notes sit where their current target says; on an old one, where
// they were first written, and notes from other revisions are left out.
func (s *Server) placeNotes(notes []store.Note, e *docEntry, d *content.Document, rev store.Revision, old bool, viewer store.Viewer) margins {
	m := margins{notes: map[string][]noteView{}, marks: map[string][]content.Mark{}}
	revNumbers := revisionNumbers(e)
	for _, n := range notes {
		nv := s.noteView(n, viewer, e.slug, revNumbers)
		target := n.Current.Target
		placed := n.Current.RevisionID == rev.ID && n.Current.Status != store.StatusOrphan
		if old {
			target = n.Original.Target
			placed = n.Original.RevisionID == rev.ID
			nv.Exact, nv.Anchor = target.Exact, target.Anchor
		}
		if !placed || d.Block(target.Anchor) == nil {
			if !old {
				m.earlier = append(m.earlier, nv)
			}
			continue
		}
		m.placed++
		nv.HTML = s.notes.html(nv)
		m.notes[target.Anchor] = append(m.notes[target.Anchor], nv)
		if target.Exact != "" {
			m.marks[target.Anchor] = append(m.marks[target.Anchor], markFor(n, target, viewer))
		}
	}
	return m
}

func markFor(n store.Note, t store.Target, viewer store.Viewer) content.Mark {
	class := "hl-public"
	if n.Author.ID == viewer.UserID {
		class = "hl-mine"
	}
	return content.Mark{Start: t.Start, End: t.End, ID: n.ID, Class: class}
}

func (s *Server) blockView(slug string, b *content.Block, label string, notes []noteView, marks []content.Mark, viewer store.Viewer, old bool) *blockView {
	h := b.HTML()
	if len(marks) > 0 {
		h = b.Highlight(marks)
	}
	return &blockView{
		Slug: slug, Anchor: b.Anchor, Kind: b.Kind, HeadingID: b.HeadingID, Label: label,
		HTML: h, Notes: notes, ReadOnly: old, SignedIn: viewer.UserID != 0,
	}
}

// blockLabels names each block for screen readers: "paragraph 3", or the
// heading's text.
func blockLabels(d *content.Document) []string {
	labels := make([]string, len(d.Blocks))
	n := 0
	for i, b := range d.Blocks {
		if len(b.Kind) == 2 && b.Kind[0] == 'h' {
			labels[i] = "the heading “" + b.Text + "”"
			continue
		}
		n++
		labels[i] = fmt.Sprintf("paragraph %d", n)
	}
	return labels
}

// handleBlockFragment serves GET /read/{slug}/blocks/{anchor}: one block of
// the current revision with its margin, as an HTML fragment. The reader's
// JavaScript swaps it in after creating or changing a note, so the page
// never needs a reload and the HTML comes from the same template as the page.
func (s *Server) handleBlockFragment(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	bv, err := s.oneBlock(r.Context(), e, chi.URLParam(r, "anchor"))
	if err != nil {
		return err
	}
	return s.renderTemplate(w, http.StatusOK, "read.html", "block", bv)
}

// oneBlock builds the view of one block of the current revision.
func (s *Server) oneBlock(ctx context.Context, e *docEntry, anchor string) (*blockView, error) {
	b := e.current.Block(anchor)
	if b == nil {
		return nil, errNotFound
	}
	viewer := viewerOf(ctx)
	notes, err := s.db.Notes(ctx, viewer, store.NoteQuery{DocumentID: e.id})
	if err != nil {
		return nil, err
	}
	m := s.placeNotes(notes, e, e.current, e.rev, false, viewer)
	return s.blockView(e.slug, b, blockLabels(e.current)[b.Index], m.notes[anchor], m.marks[anchor], viewer, false), nil
}
