package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"

	"glossa/content"
	"glossa/store"
)

// Search: the page at /search and the API at /api/search. The
// store parses the query, finds the notes and applies the visibility rule;
// here the results get their documents, paragraph links and snippets, whose
// text is escaped before the store's match markers become <mark>.

const (
	searchPerPage = 20
	maxSearchPage = 10000
	// defaultSearchLimit is how many searches a reader may make per
	// minute by default: one every two seconds for a whole minute, more
	// than a person typing, refining and paging does, few enough that one
	// client cannot keep the store's search slots (store.Search) busy.
	defaultSearchLimit = 30
)

// searchForm is what the "search-form" template (templates/_search.html)
// needs: the query as typed, why it could not be read, and where the form
// goes ("" means /search). A page that includes the form carries one.
type searchForm struct {
	Action string
	Query  string
	Error  string
}

type searchPage struct {
	basePage
	searchView
}

// searchView is a search's form and results, on the search page or the
// notebook (path: where its links go).
type searchView struct {
	Form     searchForm
	Searched bool // a query was read and run
	Total    int
	From, To int // the results shown, counted from 1
	Results  []searchResultView
	Prev     string // the previous page of results, if any
	Next     string
	First    string // the first page, when this one is past the last
}

// searchResultView is one note found, as the search page lists it.
type searchResultView struct {
	ID            string
	Author        string
	AudienceLabel string
	Reply         bool
	Hidden        bool
	Created       time.Time
	Imported      bool // Created is an imported file's claim
	DocTitle      string
	Label         string // "paragraph 3"; "" when the note's words are gone
	ParagraphURL  string
	Tags          []searchTagLink
	Body, Quote   template.HTML // snippets, escaped, matches in <mark>
}

type searchTagLink struct{ Tag, URL string }

// searchURL is the search page for query q at page n.
func searchURL(path, q string, n int) string {
	v := url.Values{"q": {q}}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return path + "?" + v.Encode()
}

// tagQuery is the search for one tag, quoted when it has spaces.
func tagQuery(tag string) string {
	if strings.Contains(tag, " ") {
		return `tag:"` + tag + `"`
	}
	return "tag:" + tag
}

// pageNumber reads ?page=: a whole number from 1; absent means 1.
func pageNumber(v string) (int, error) {
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxSearchPage {
		return 0, errBadRequest(fmt.Sprintf("The page must be a whole number from 1 to %d.", maxSearchPage))
	}
	return n, nil
}

// markedSnippet escapes a store snippet and turns its match markers into
// <mark> elements. The text is never trusted as HTML: only the markers,
// which the index keeps out of every note, become tags.
func markedSnippet(s string) template.HTML {
	var b strings.Builder
	open := false
	for s != "" {
		i := strings.IndexAny(s, store.MarkStart+store.MarkEnd)
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(s))
			break
		}
		b.WriteString(template.HTMLEscapeString(s[:i]))
		switch {
		case s[i] == store.MarkStart[0] && !open:
			b.WriteString("<mark>")
			open = true
		case s[i] == store.MarkEnd[0] && open:
			b.WriteString("</mark>")
			open = false
		}
		s = s[i+1:]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// searchWhere says where a result sits: its document's title, the
// paragraph's label and a link to it. A note whose words are gone from the
// current revision links to the revision it was written on.
func (s *Server) searchWhere(n store.Note, labels map[string][]string) (title, label, link string) {
	e, err := s.docs.Doc(n.DocumentSlug)
	if err != nil {
		// A document no longer served: its slug, and no paragraph.
		return n.DocumentSlug, "", "/read/" + url.PathEscape(n.DocumentSlug)
	}
	title = e.Current.Meta.Title
	if placedNow(e, n) {
		if labels[e.Slug] == nil {
			labels[e.Slug] = blockLabels(e.Current)
		}
		return title, labels[e.Slug][e.Current.Block(n.Current.Anchor).Index], "/read/" + e.Slug + "#" + n.Current.Anchor
	}
	if rev, ok := revisionNumbers(e)[n.Original.RevisionID]; ok {
		return title, "", fmt.Sprintf("/read/%s/rev/%d#%s", e.Slug, rev, n.Original.Anchor)
	}
	return title, "", "/read/" + e.Slug
}

// runSearch parses and runs the query typed into ?q= at page ?page=. An
// unreadable query is a store.ErrInvalid error saying why; a search over
// its budget is a searchRefused (searchBudget).
func (s *Server) runSearch(w http.ResponseWriter, r *http.Request, perPage int) (store.SearchResults, int, error) {
	if err := s.searches.allowed(w, r); err != nil {
		return store.SearchResults{}, 0, err
	}
	qs := r.URL.Query()
	n, err := pageNumber(qs.Get("page"))
	if err != nil {
		return store.SearchResults{}, 0, err
	}
	q, err := store.ParseSearch(qs.Get("q"))
	if err != nil {
		return store.SearchResults{}, 0, err
	}
	q.Limit, q.Offset = perPage, (n-1)*perPage
	ctx, cancel := context.WithTimeout(r.Context(), s.searches.timeout)
	defer cancel()
	res, err := s.db.Search(ctx, viewerOf(r.Context()), q)
	return res, n, s.searches.stopped(w, err)
}

// searchBudget is what one search may cost: Config.SearchLimit searches
// a minute for each reader, and Config.SearchTimeout for each search.
type searchBudget struct {
	perMinute *httprate.RateLimiter
	limit     int
	timeout   time.Duration
}

func newSearchBudget(limit int, timeout time.Duration) *searchBudget {
	return &searchBudget{perMinute: httprate.NewRateLimiter(limit, time.Minute), limit: limit, timeout: timeout}
}

// allowed counts a search against its reader's Config.SearchLimit,
// keyed by account, or by address for those signed out, so that one
// seminar behind one address shares nothing once signed in; over it, the
// error is a searchRefused (429).
func (b *searchBudget) allowed(w http.ResponseWriter, r *http.Request) error {
	key := addrKey(r)
	if u := userFrom(r.Context()); u != nil {
		key = "user:" + strconv.FormatInt(u.ID, 10)
	}
	if b.perMinute.OnLimit(w, r, key) {
		return searchRefused{&httpError{status: http.StatusTooManyRequests, msg: fmt.Sprintf(
			"You have searched %d times in the last minute, as often as glossa allows. Wait a minute and search again.", b.limit)}}
	}
	return nil
}

// stopped turns a search the store stopped, out of time or turns,
// into a searchRefused (503); any other error is returned as it is.
func (b *searchBudget) stopped(w http.ResponseWriter, err error) error {
	switch {
	case errors.Is(err, store.ErrSearchTimeout):
		return searchRefused{&httpError{status: http.StatusServiceUnavailable, err: err, msg: fmt.Sprintf(
			"This search took longer than the %s glossa gives one search, so it was stopped. Search for fewer or rarer words, or a shorter phrase.",
			spelledDuration(b.timeout))}}
	case errors.Is(err, store.ErrSearchBusy):
		w.Header().Set("Retry-After", "5")
		return searchRefused{&httpError{status: http.StatusServiceUnavailable, err: err,
			msg: "glossa is running as many searches as it can at once. Search again in a few seconds."}}
	}
	return err
}

// searchRefused is a search refused or stopped for what it costs: over
// the reader's SearchLimit (429), or out of time or turns (503). The
// search page shows it beside the box, the query kept; the API answers it
// as any other error.
type searchRefused struct{ he *httpError }

func (e searchRefused) Error() string { return e.he.Error() }
func (e searchRefused) Unwrap() error { return e.he }

// spelledDuration says d as a person would: "2 seconds", "50ms".
func spelledDuration(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		if d == time.Second {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

// handleSearch serves GET /search?q=…&page=…: the notes the reader may see
// that match, with snippets, each linked to its paragraph and its page.
// Without q it shows the form; a query it cannot read comes back in the
// form with the problem beside it (422), and so does a search over its
// budget (429 too many searches, 503 out of time or turns).
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	p := searchPage{basePage: s.base(r, "Search")}
	status, err := s.search(w, r, "/search", &p.searchView)
	if err != nil {
		return err
	}
	switch {
	case p.Form.Error != "":
		p.Title = "Error: Search"
	case p.Searched:
		p.Title = p.Form.Query + " – Search"
	}
	return s.pages.render(w, status, "search.html", p)
}

// search fills p from ?q= and ?page= of r, its links going to path; a
// query it cannot read gives 422 with p.Form.Error saying why, and a
// search refused for what it costs (searchRefused) its 429 or 503, the
// reason in the same place.
func (s *Server) search(w http.ResponseWriter, r *http.Request, path string, p *searchView) (int, error) {
	query := r.URL.Query().Get("q")
	p.Form = searchForm{Action: path, Query: query}
	if !r.URL.Query().Has("q") {
		return http.StatusOK, nil
	}
	res, n, err := s.runSearch(w, r, searchPerPage)
	var refused searchRefused
	switch {
	case errors.Is(err, store.ErrInvalid):
		p.Form.Error = invalidMessage(err)
		return http.StatusUnprocessableEntity, nil
	case errors.As(err, &refused):
		p.Form.Error = refused.he.msg
		if refused.he.status >= 500 {
			// Logged here, once, as the error adapter logs what it shows.
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", refused.he.status, "err", err)
		}
		return refused.he.status, nil
	case err != nil:
		return 0, err
	}
	p.Searched, p.Total = true, res.Total
	p.From = (n-1)*searchPerPage + 1
	p.To = p.From + len(res.Results) - 1
	if n > 1 {
		p.Prev = searchURL(path, query, n-1)
	}
	if p.To < res.Total && len(res.Results) > 0 {
		p.Next = searchURL(path, query, n+1)
	}
	if len(res.Results) == 0 && res.Total > 0 {
		p.Prev, p.First = "", searchURL(path, query, 1)
	}
	labels := map[string][]string{}
	for _, hit := range res.Results {
		nt := hit.Note
		v := searchResultView{
			ID: nt.ID, Author: nt.Author.Name, Reply: nt.ParentID != "", Hidden: nt.Hidden, Created: nt.CreatedAt,
			AudienceLabel: noteView{Audience: nt.Audience, GroupName: nt.GroupName}.AudienceLabel(),
			Body:          markedSnippet(content.PlainText(hit.BodySnippet)), Quote: markedSnippet(hit.QuoteSnippet),
		}
		v.Imported = nt.Imported
		v.DocTitle, v.Label, v.ParagraphURL = s.searchWhere(nt, labels)
		for _, t := range nt.Tags {
			v.Tags = append(v.Tags, searchTagLink{Tag: t, URL: searchURL(path, tagQuery(t), 1)})
		}
		p.Results = append(p.Results, v)
	}
	return http.StatusOK, nil
}
