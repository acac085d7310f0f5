package web

import (
	"net/http"
	"net/url"
	"strconv"

	"glossa/store"
)

// notebookPage is a reader's notebook: the notes they wrote or can see,
// across documents, each document's in reading order.
type notebookPage struct {
	basePage
	Mine   bool // only the reader's own notes
	Search searchView
	Docs   []notebookDoc // the documents with notes on this page
	Total  int
	// The notebook is paged (bounds.go): this page shows entries From+1
	// to To of Total.
	From, To   int
	Prev, Next string
}

// First is the place of the page's first entry, from 1.
func (p notebookPage) First() int { return p.From + 1 }

type notebookDoc struct {
	Slug, Title string
	Entries     []notebookEntry // on this page
	Count       int             // in the whole notebook
}

// notebookEntry is one note with where it sits and how many replies it has.
type notebookEntry struct {
	Note    noteView
	Label   string // "paragraph 3", or "an earlier version" for an orphan
	Placed  bool
	Replies int
}

// handleNotebook serves GET /notebook[?mine=1]: every note the reader may
// see (or wrote), by document and position in the text, each with its
// quote, paragraph link, audience, tags and replies. With ?q= it searches
// them instead (search.go), on the same page.
func (s *Server) handleNotebook(w http.ResponseWriter, r *http.Request) error {
	u, done := s.signedInFor(w, r, r.URL.RequestURI())
	if done {
		return nil
	}
	ctx := r.Context()
	rc, err := s.readerCtxOf(ctx)
	if err != nil {
		return err
	}
	p := notebookPage{basePage: s.base(r, "Notebook"), Mine: r.URL.Query().Get("mine") == "1"}
	status, err := s.search(w, r, "/notebook", &p.Search)
	if err != nil {
		return err
	}
	if p.Search.Form.Error != "" || p.Search.Searched {
		// A search shows its results instead of the whole notebook.
		if p.Search.Form.Error != "" {
			p.Title = "Error: Notebook"
		}
		return s.render(w, status, "notebook.html", p)
	}
	from := 0
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			return errBadRequest("from must be a note's place in the notebook: a whole number, 0 or more.")
		}
	}
	// Every entry, without bodies, in order; then the page of them.
	type entry struct {
		e     *docEntry
		doc   int // index in p.Docs
		t     *thread
		label string
		place bool
	}
	var entries []entry
	for _, e := range s.docs.all() {
		notes, err := s.db.Notes(ctx, rc.viewer, store.NoteQuery{DocumentID: e.id, WithoutBodies: true})
		if err != nil {
			return err
		}
		labels := blockLabels(e.current)
		d := notebookDoc{Slug: e.slug, Title: e.current.Meta.Title}
		for _, t := range threadsOf(notes) {
			n := t.note
			if p.Mine && n.Author.ID != u.ID {
				continue
			}
			x := entry{e: e, doc: len(p.Docs), t: t, label: "an earlier version"}
			if b := e.current.Block(n.Current.Anchor); b != nil && n.Current.RevisionID == e.rev.ID && n.Current.Status != store.StatusOrphan {
				x.label, x.place = labels[b.Index], true
			}
			entries = append(entries, x)
			d.Count++
		}
		if d.Count > 0 {
			p.Docs = append(p.Docs, d)
		}
	}
	p.Total = len(entries)
	p.From = min(from, p.Total)
	b := newPageBudget()
	var chosen []entry
	var ts []*thread
	for i, x := range entries[p.From:] {
		if len(chosen) == listThreads || !b.choose(x.t, 0, i == 0) {
			break
		}
		chosen = append(chosen, x)
		ts = append(ts, x.t)
	}
	if err := s.loadBodies(ctx, rc.viewer, ts); err != nil {
		return err
	}
	for i, x := range chosen {
		nv := s.threadView(x.t, rc, x.e.slug, revisionNumbers(x.e), true)
		if !b.fits(htmlSize(nv), i == 0) {
			break
		}
		d := &p.Docs[x.doc]
		d.Entries = append(d.Entries, notebookEntry{Note: nv, Label: x.label, Placed: x.place, Replies: len(x.t.replies)})
		p.To++
	}
	p.To += p.From
	var docs []notebookDoc
	for _, d := range p.Docs {
		if len(d.Entries) > 0 {
			docs = append(docs, d)
		}
	}
	p.Docs = docs
	page := func(at int) string {
		q := url.Values{}
		if p.Mine {
			q.Set("mine", "1")
		}
		if at > 0 {
			q.Set("from", strconv.Itoa(at))
		}
		if len(q) == 0 {
			return "/notebook"
		}
		return "/notebook?" + q.Encode()
	}
	if p.From > 0 {
		p.Prev = page(max(0, p.From-listThreads))
	}
	if p.To < p.Total {
		p.Next = page(p.To)
	}
	return s.render(w, http.StatusOK, "notebook.html", p)
}
