package web

import (
	"net/http"

	"glossa/store"
)

// notebookPage is a reader's notebook: the notes they wrote or can see,
// across documents, each document's in reading order.
type notebookPage struct {
	basePage
	Mine   bool // only the reader's own notes
	Search searchView
	Docs   []notebookDoc
	Total  int
}

type notebookDoc struct {
	Slug, Title string
	Entries     []notebookEntry
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
	for _, e := range s.docs.all() {
		notes, err := s.db.Notes(ctx, rc.viewer, store.NoteQuery{DocumentID: e.id})
		if err != nil {
			return err
		}
		replies := map[string]int{}
		threads := map[string]bool{}
		for _, n := range notes {
			if n.ParentID != "" {
				replies[n.ParentID]++
			} else {
				threads[n.ID] = true
			}
		}
		labels := blockLabels(e.current)
		revs := revisionNumbers(e)
		d := notebookDoc{Slug: e.slug, Title: e.current.Meta.Title}
		for _, n := range notes {
			// A reply is listed with its thread, unless the thread is not
			// the reader's to see: then it is their own reply, in a thread
			// narrowed away from them, and it is listed on its own.
			lone := n.ParentID != "" && !threads[n.ParentID]
			if (n.ParentID != "" && !lone) || (p.Mine && n.Author.ID != u.ID) {
				continue
			}
			nv := s.noteView(n, rc, e.slug, revs)
			nv.Closed = nv.Closed || lone
			nv.HTML = s.notes.html(nv)
			entry := notebookEntry{Note: nv, Label: "an earlier version", Replies: replies[n.ID]}
			if b := e.current.Block(n.Current.Anchor); b != nil && n.Current.RevisionID == e.rev.ID && n.Current.Status != store.StatusOrphan {
				entry.Label, entry.Placed = labels[b.Index], true
			}
			d.Entries = append(d.Entries, entry)
		}
		if len(d.Entries) > 0 {
			p.Docs = append(p.Docs, d)
			p.Total += len(d.Entries)
		}
	}
	return s.render(w, http.StatusOK, "notebook.html", p)
}
