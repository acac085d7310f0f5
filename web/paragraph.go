package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/store"
)

// paragraphPage is one page of the notes on one paragraph: where a margin
// that shows only its first threads sends the reader for the rest
// (bounds.go). The same page lists the notes on an earlier version.
type paragraphPage struct {
	basePage
	Slug     string
	DocTitle string
	Revision int  // the revision's number
	Old      bool // an earlier revision than the current one
	Label    string
	Earlier  bool          // the notes whose words are not in the text
	Block    template.HTML // the paragraph, the shown notes' quotes marked
	Threads  []noteView
	Total    int // threads on the paragraph
	From, To int // this page shows threads From+1 to To
	Prev     string
	Next     string
	Back     string // the reading page at the paragraph
}

// First is the place of the page's first thread, from 1.
func (p paragraphPage) First() int { return p.From + 1 }

// Rest is how many threads come after this page.
func (p paragraphPage) Rest() int { return p.Total - p.To }

// handleParagraphNotes serves GET /read/{slug}/notes/{anchor} and
// /read/{slug}/rev/{n}/notes/{anchor}: the notes on one paragraph of the
// current revision (or of revision n) that the reader may see, in the
// margin's order (?sort=, guide notes first), listThreads threads and as
// much as one page holds at a time from thread ?from=N, with links to the
// page before and after. Anchor "earlier" lists the notes whose words are
// not in that revision.
func (s *Server) handleParagraphNotes(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, rev, old := e.current, e.rev, false
	if v := chi.URLParam(r, "n"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errNotFound
		}
		if n != e.rev.Number {
			if d, rev, err = s.docs.revision(ctx, e, n); err != nil {
				return err
			}
			old = true
		}
	}
	anchor := chi.URLParam(r, "anchor")
	var blk *content.Block
	if anchor != earlierAnchor {
		if blk = d.Block(anchor); blk == nil {
			return errNotFound
		}
	}
	from := 0
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			return errBadRequest("from must be a note's place in the list: a whole number, 0 or more.")
		}
	}
	rc, err := s.readerCtx(r)
	if err != nil {
		return err
	}
	notes, err := s.revisionNotes(ctx, rc.viewer, e, rev, old)
	if err != nil {
		return err
	}
	byAnchor, earlier := placeThreads(notes, d, rev)
	ts := earlier
	if blk != nil {
		ts = byAnchor[anchor]
		sortMargin(ts, rc.sort)
	}

	revNo := 0
	if old {
		revNo = rev.Number
	}
	back := "/read/" + e.slug
	if old {
		back += "/rev/" + strconv.Itoa(rev.Number)
	}
	if q := readQuery(rc); q != "" {
		back += "?" + q
	}
	p := paragraphPage{
		Slug: e.slug, DocTitle: d.Meta.Title, Revision: rev.Number, Old: old,
		Earlier: blk == nil, Total: len(ts), From: min(from, len(ts)),
	}
	if blk != nil {
		p.Label = blockLabels(d)[blk.Index]
		p.Back = back + "#" + anchor
	} else {
		p.Label = "an earlier version"
		p.Back = back + "#earlier"
	}
	p.basePage = s.base(r, "Notes on "+p.Label+": "+d.Meta.Title)

	b := newPageBudget()
	var chosen []*thread
	for i, t := range ts[p.From:] {
		if len(chosen) == listThreads || !b.choose(t, threadReplies, i == 0) {
			break
		}
		chosen = append(chosen, t)
	}
	if err := s.loadBodies(ctx, rc.viewer, chosen); err != nil {
		return err
	}
	revNumbers := revisionNumbers(e)
	var marks []content.Mark
	for i, t := range chosen {
		nv := s.threadView(t, rc, e.slug, revNumbers, true)
		if !b.fits(htmlSize(nv), i == 0) {
			break
		}
		p.Threads = append(p.Threads, nv)
		if blk != nil && t.note.Current.Exact != "" {
			marks = append(marks, markFor(t.note, t.note.Current.Target, rc.viewer))
		}
	}
	p.To = p.From + len(p.Threads)
	if blk != nil {
		p.Block = blk.HTML()
		if len(marks) > 0 {
			p.Block = blk.Highlight(marks)
		}
	}
	if p.From > 0 {
		p.Prev = paragraphNotesURL(e.slug, revNo, anchor, max(0, p.From-listThreads), rc)
	}
	if p.To < p.Total {
		p.Next = paragraphNotesURL(e.slug, revNo, anchor, p.To, rc)
	}
	return s.render(w, http.StatusOK, "paragraph.html", p)
}

// placeThreads sorts notes into threads on the blocks of revision rev of
// d (by anchor, in the store's order) and those whose words are not there.
func placeThreads(notes []store.Note, d *content.Document, rev store.Revision) (map[string][]*thread, []*thread) {
	byAnchor := map[string][]*thread{}
	var earlier []*thread
	for _, t := range threadsOf(notes) {
		c := t.note.Current
		if c.RevisionID != rev.ID || c.Status == store.StatusOrphan || d.Block(c.Anchor) == nil {
			earlier = append(earlier, t)
			continue
		}
		byAnchor[c.Anchor] = append(byAnchor[c.Anchor], t)
	}
	return byAnchor, earlier
}

// isParagraphNotesPath reports whether path is a notes page of slug's
// paragraphs (handleParagraphNotes).
func isParagraphNotesPath(path, slug string) bool {
	rest, ok := strings.CutPrefix(path, "/read/"+slug+"/")
	if !ok {
		return false
	}
	if r, ok := strings.CutPrefix(rest, "rev/"); ok {
		n, after, found := strings.Cut(r, "/")
		if _, err := strconv.Atoi(n); err != nil || !found {
			return false
		}
		rest = after
	}
	anchor, ok := strings.CutPrefix(rest, "notes/")
	return ok && anchor != "" && !strings.Contains(anchor, "/")
}

// readQuery is the reading page's ?sort= and ?group= for rc.
func readQuery(rc *readerCtx) string {
	q := url.Values{}
	if rc.sort != sortPosition {
		q.Set("sort", rc.sort)
	}
	if rc.group != 0 {
		q.Set("group", strconv.FormatInt(rc.group, 10))
	}
	return q.Encode()
}
