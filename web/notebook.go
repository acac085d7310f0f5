package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"glossa/library"
	"glossa/store"
)

// The notebook, GET /notebook: a reader's notes across the essays, in the
// order of the text, 20 to a page. It shows the reader's own notes and
// replies first; everything they may see is a choice (?show=all), as are
// the facets beside the list: essay, group, tag, questions and private,
// each value with how many notes choosing it would show (store.Notebook
// says what they mean for replies, and counts them). A search (?q=, the
// syntax of /search) narrows the same list. Every choice is a GET
// parameter, so the facets are a plain form, work without JavaScript,
// and stay with the search box and across pages:
//
//	show=all  essay={slug}  group={id}  tag={tag}  question=1  private=1  q=…  from=N

// notebookPage is a reader's notebook.
type notebookPage struct {
	basePage
	Filters notebookFilters
	// Search is the search box: the query as typed, and why it could not
	// be run.
	Search searchForm
	Scopes [2]notebookScope // the reader's own, everything they can see
	Facets []notebookFacet
	Shown  bool          // the list was worked out (no search error)
	Docs   []notebookDoc // the documents with notes on this page
	Total  int
	// The notebook is paged (bounds.go): this page shows entries From+1
	// to To of Total.
	From, To   int
	Prev, Next string
	First      string // the first page, when this one is past the last
	Clear      string // the same notebook without facets or search
}

// First is the place of the page's first entry, from 1.
func (p notebookPage) FirstShown() int { return p.From + 1 }

// notebookScope is one of the notebook's two lists, and a link to it.
type notebookScope struct {
	Label   string
	Count   int
	URL     string
	Current bool
}

// notebookFacet is one facet beside the list: a fieldset of checkboxes.
type notebookFacet struct {
	Legend  string
	Options []facetOption
	// More values have notes than are listed (store.NotebookFacetValues),
	// each a MoreWhat that the search box can still name.
	More     int
	MoreWhat string // "group", "tag"
}

// facetOption is one checkbox of a facet: a value, its label and how many
// notes it would show with the other facets as they are.
type facetOption struct {
	ID          string // the checkbox's id
	Name, Value string // what it sends
	Label       string
	Count       int
	Counted     bool // Count is known (not when the search could not run)
	Checked     bool
}

type notebookDoc struct {
	Slug, Title string
	Entries     []notebookEntry // on this page
	Count       int             // in the whole notebook, as filtered
}

// notebookEntry is a note, or a reply of the reader's, with where it sits.
type notebookEntry struct {
	Note    noteView
	Label   string // "paragraph 3", or "an earlier version" for an orphan
	Placed  bool
	Replies int
	// For a reply: the note it answers, and who wrote it ("" when the
	// thread is no longer open to the reader; ThreadMine: the reader).
	Reply        bool
	ThreadID     string
	ThreadAuthor string
	ThreadMine   bool
}

// notebookFilters are the notebook's choices, as its URL carries them.
type notebookFilters struct {
	All       bool
	Query     string   // the search, as typed; "" for none
	Essays    []string // slugs
	Groups    []int64
	Tags      []string
	Questions bool
	Private   bool
}

// Any reports whether a facet or a search narrows the list.
func (f notebookFilters) Any() bool {
	return f.Query != "" || len(f.Essays) > 0 || len(f.Groups) > 0 || len(f.Tags) > 0 || f.Questions || f.Private
}

// url is the notebook with these choices, from entry from on.
func (f notebookFilters) url(from int) string {
	q := url.Values{}
	if f.All {
		q.Set("show", "all")
	}
	if f.Query != "" {
		q.Set("q", f.Query)
	}
	q["essay"] = f.Essays
	for _, g := range f.Groups {
		q.Add("group", strconv.FormatInt(g, 10))
	}
	q["tag"] = f.Tags
	if f.Questions {
		q.Set("question", "1")
	}
	if f.Private {
		q.Set("private", "1")
	}
	if from > 0 {
		q.Set("from", strconv.Itoa(from))
	}
	if s := q.Encode(); s != "" {
		return "/notebook?" + s
	}
	return "/notebook"
}

// notebookFiltersOf reads the choices of a notebook's URL; a value that
// names nothing, or too many of them, is a 400 that says which.
func (s *Server) notebookFiltersOf(r *http.Request) (notebookFilters, error) {
	qs := r.URL.Query()
	var f notebookFilters
	switch qs.Get("show") {
	case "", "mine":
	case "all":
		f.All = true
	default:
		return f, errBadRequest(`show must be "all" (every note you can see) or "mine" (yours, the default).`)
	}
	f.Query = strings.TrimSpace(qs.Get("q"))
	if len(qs["essay"]) > store.MaxNotebookChoices || len(qs["group"]) > store.MaxNotebookChoices || len(qs["tag"]) > store.MaxNotebookChoices {
		return f, errBadRequest(fmt.Sprintf("Choose at most %d essays, %d groups and %d tags at once.",
			store.MaxNotebookChoices, store.MaxNotebookChoices, store.MaxNotebookChoices))
	}
	for _, slug := range qs["essay"] {
		if _, err := s.docs.Doc(slug); err != nil {
			return f, errBadRequest(fmt.Sprintf("There is no essay %q in the library.", slug))
		}
		if !slices.Contains(f.Essays, slug) {
			f.Essays = append(f.Essays, slug)
		}
	}
	for _, v := range qs["group"] {
		g, err := strconv.ParseInt(v, 10, 64)
		if err != nil || g < 1 {
			return f, errBadRequest(fmt.Sprintf("group must be a group's number; %q is not one.", v))
		}
		if !slices.Contains(f.Groups, g) {
			f.Groups = append(f.Groups, g)
		}
	}
	for _, v := range qs["tag"] {
		t, err := store.ValidateTag(v)
		if err != nil {
			return f, errBadRequest("tag: " + invalidMessage(err))
		}
		if !slices.Contains(f.Tags, t) {
			f.Tags = append(f.Tags, t)
		}
	}
	for _, b := range []struct {
		name string
		to   *bool
	}{{"question", &f.Questions}, {"private", &f.Private}} {
		switch qs.Get(b.name) {
		case "":
		case "1":
			*b.to = true
		default:
			return f, errBadRequest(fmt.Sprintf("%s must be 1, or left out.", b.name))
		}
	}
	return f, nil
}

// handleNotebook serves GET /notebook (see the top of this file).
func (s *Server) handleNotebook(w http.ResponseWriter, r *http.Request) error {
	if _, done := s.signedInFor(w, r, r.URL.RequestURI()); done {
		return nil
	}
	ctx := r.Context()
	rc, err := s.readerCtxOf(ctx)
	if err != nil {
		return err
	}
	f, err := s.notebookFiltersOf(r)
	if err != nil {
		return err
	}
	from := 0
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			return errBadRequest("from must be a note's place in the notebook: a whole number, 0 or more.")
		}
	}
	p := notebookPage{basePage: s.base(r, "Notebook"), Filters: f, Search: searchForm{Action: "/notebook", Query: r.URL.Query().Get("q")}}
	p.Clear = notebookFilters{All: f.All}.url(0)

	docs := s.docs.All()
	byID := make(map[int64]*library.Doc, len(docs))
	q := store.NotebookQuery{All: f.All, Groups: f.Groups, Tags: f.Tags, Questions: f.Questions, Private: f.Private,
		Offset: from, Limit: listThreads}
	for _, e := range docs {
		byID[e.ID] = e
		q.Documents = append(q.Documents, e.ID)
		if slices.Contains(f.Essays, e.Slug) {
			q.Essays = append(q.Essays, e.ID)
		}
	}
	status := http.StatusOK
	nb, err := s.notebook(w, r, rc, f, &q)
	var refused searchRefused
	switch {
	case errors.Is(err, store.ErrInvalid):
		p.Search.Error, status = invalidMessage(err), http.StatusUnprocessableEntity
	case errors.As(err, &refused):
		p.Search.Error, status = refused.he.msg, refused.he.status
		if status >= 500 {
			// Logged here, once, as the error adapter logs what it shows.
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		}
	case err != nil:
		return err
	}
	if p.Search.Error != "" {
		p.Title = "Error: Notebook"
		p.Facets = s.notebookFacets(f, nil, byID, rc)
		return s.pages.render(w, status, "notebook.html", p)
	}
	p.Shown = true
	p.Facets = s.notebookFacets(f, &nb.Facets, byID, rc)
	scope := f
	scope.All = false
	p.Scopes[0] = notebookScope{Label: "Yours", Count: nb.Facets.Yours, URL: scope.url(0), Current: !f.All}
	scope.All = true
	p.Scopes[1] = notebookScope{Label: "Everything you can see", Count: nb.Facets.All, URL: scope.url(0), Current: f.All}
	counts := map[int64]int{}
	for _, c := range nb.Facets.Essays {
		counts[c.ID] = c.Count
	}
	if err := s.notebookEntries(ctx, rc, &p, nb, byID, counts); err != nil {
		return err
	}
	p.Total = nb.Total
	p.From = min(from, p.Total)
	p.To += p.From
	if p.From > 0 {
		p.Prev = f.url(max(0, p.From-listThreads))
	}
	if p.To < p.Total {
		p.Next = f.url(p.To)
	}
	if len(p.Docs) == 0 && from > 0 && p.Total > 0 {
		p.Prev, p.First = "", f.url(0)
	}
	return s.pages.render(w, status, "notebook.html", p)
}

// notebook asks the store for the page q describes; with a search, once
// the search is allowed and read (a store.ErrInvalid error says why not).
func (s *Server) notebook(w http.ResponseWriter, r *http.Request, rc *readerCtx, f notebookFilters, q *store.NotebookQuery) (store.Notebook, error) {
	ctx := r.Context()
	if f.Query != "" {
		if err := s.searches.allowed(w, r); err != nil {
			return store.Notebook{}, err
		}
		sq, err := store.ParseSearch(f.Query)
		if err != nil {
			return store.Notebook{}, err
		}
		q.Search = &sq
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.searches.timeout)
		defer cancel()
	}
	nb, err := s.db.Notebook(ctx, rc.viewer, *q)
	return nb, s.searches.stopped(w, err)
}

// notebookEntries renders the page's entries, within the page's budget
// (bounds.go), each document's under its title.
func (s *Server) notebookEntries(ctx context.Context, rc *readerCtx, p *notebookPage, nb store.Notebook, byID map[int64]*library.Doc, counts map[int64]int) error {
	b := newPageBudget()
	var (
		chosen []store.NotebookEntry
		ts     []*thread
	)
	for i, x := range nb.Entries {
		if byID[x.Note.DocumentID] == nil {
			continue // a document no longer served, which the store left out
		}
		t := &thread{note: x.Note, lone: x.Note.ParentID != "" && x.ThreadAuthor.ID == 0}
		if !b.choose(t, 0, i == 0) {
			break
		}
		chosen = append(chosen, x)
		ts = append(ts, t)
	}
	if err := s.loadBodies(ctx, rc.viewer, ts); err != nil {
		return err
	}
	labels := map[int64][]string{}
	for i, x := range chosen {
		e := byID[x.Note.DocumentID]
		nv := s.threadView(ts[i], rc, e.Slug, revisionNumbers(e), true)
		if !b.fits(htmlSize(nv), i == 0) {
			break
		}
		nv.ReplyCount = x.Replies
		entry := notebookEntry{Note: nv, Label: "an earlier version", Replies: x.Replies,
			Reply: x.Note.ParentID != "", ThreadID: x.Note.ParentID,
			ThreadAuthor: x.ThreadAuthor.Name, ThreadMine: x.ThreadAuthor.ID == rc.viewer.UserID}
		if placedNow(e, x.Note) {
			if labels[e.ID] == nil {
				labels[e.ID] = blockLabels(e.Current)
			}
			entry.Label, entry.Placed = labels[e.ID][e.Current.Block(x.Note.Current.Anchor).Index], true
		}
		if n := len(p.Docs); n == 0 || p.Docs[n-1].Slug != e.Slug {
			p.Docs = append(p.Docs, notebookDoc{Slug: e.Slug, Title: e.Current.Meta.Title, Count: counts[e.ID]})
		}
		d := &p.Docs[len(p.Docs)-1]
		d.Entries = append(d.Entries, entry)
		p.To++
	}
	return nil
}

// notebookFacets makes the facets' checkboxes from the store's counts
// (nil when the search could not run: the choices without counts): the
// values with notes, and every chosen one (with 0 if it has none, so that
// it can be unticked).
func (s *Server) notebookFacets(f notebookFilters, c *store.NotebookFacets, byID map[int64]*library.Doc, rc *readerCtx) []notebookFacet {
	counted := c != nil
	if c == nil {
		c = &store.NotebookFacets{}
	}
	essays := notebookFacet{Legend: "Essay"}
	listed := map[string]bool{}
	for _, x := range c.Essays {
		e := byID[x.ID]
		listed[e.Slug] = true
		essays.Options = append(essays.Options, facetOption{Name: "essay", Value: e.Slug, Label: e.Current.Meta.Title,
			Count: x.Count, Checked: slices.Contains(f.Essays, e.Slug)})
	}
	for _, slug := range f.Essays {
		if e, err := s.docs.Doc(slug); err == nil && !listed[slug] {
			essays.Options = append(essays.Options, facetOption{Name: "essay", Value: slug, Label: e.Current.Meta.Title, Checked: true})
		}
	}
	groups := notebookFacet{Legend: "Group", More: c.MoreGroups, MoreWhat: "group"}
	listedG := map[int64]bool{}
	for _, x := range c.Groups {
		listedG[x.ID] = true
		groups.Options = append(groups.Options, facetOption{Name: "group", Value: strconv.FormatInt(x.ID, 10), Label: x.Name,
			Count: x.Count, Checked: slices.Contains(f.Groups, x.ID)})
	}
	for _, g := range f.Groups {
		if listedG[g] {
			continue
		}
		// A chosen group without notes here is named only if the reader
		// belongs to it: a number typed into the URL learns nothing.
		label := "Group " + strconv.FormatInt(g, 10)
		for _, m := range rc.groups {
			if m.Group.ID == g {
				label = m.Group.Name
			}
		}
		groups.Options = append(groups.Options, facetOption{Name: "group", Value: strconv.FormatInt(g, 10), Label: label, Checked: true})
	}
	tags := notebookFacet{Legend: "Tag", More: c.MoreTags, MoreWhat: "tag"}
	listedT := map[string]bool{}
	for _, x := range c.Tags {
		listedT[x.Name] = true
		tags.Options = append(tags.Options, facetOption{Name: "tag", Value: x.Name, Label: x.Name, Count: x.Count,
			Checked: slices.Contains(f.Tags, x.Name)})
	}
	for _, t := range f.Tags {
		if !listedT[t] {
			tags.Options = append(tags.Options, facetOption{Name: "tag", Value: t, Label: t, Checked: true})
		}
	}
	kinds := notebookFacet{Legend: "Kind", Options: []facetOption{
		{Name: "question", Value: "1", Label: "Questions", Count: c.Questions, Checked: f.Questions},
		{Name: "private", Value: "1", Label: "Private", Count: c.Private, Checked: f.Private},
	}}
	var out []notebookFacet
	for _, fc := range []notebookFacet{essays, groups, tags, kinds} {
		if len(fc.Options) == 0 {
			continue
		}
		for i := range fc.Options {
			fc.Options[i].ID = "nb-" + fc.Options[i].Name + "-" + strconv.Itoa(i)
			fc.Options[i].Counted = counted
		}
		out = append(out, fc)
	}
	return out
}
