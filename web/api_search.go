package web

// The API's search: the search page's query (search.go) and limits, its
// results as JSON. Routes: routes.go.

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"glossa/content"
	"glossa/store"
)

// apiSearchResults is GET /api/search's answer.
type apiSearchResults struct {
	Query   string          `json:"query"`
	Total   int             `json:"total"`
	Page    int             `json:"page"`
	PerPage int             `json:"perPage"`
	Prev    string          `json:"prev,omitempty"`
	Next    string          `json:"next,omitempty"`
	Items   []apiSearchItem `json:"items"`
}

// apiSearchItem is one note found. Snippets are HTML: escaped text with
// the matches in <mark>.
type apiSearchItem struct {
	Annotation string         `json:"annotation"` // the annotation's IRI
	Note       string         `json:"note"`       // its page
	Document   apiSearchDoc   `json:"document"`
	Anchor     string         `json:"anchor"`
	Paragraph  string         `json:"paragraph"` // the paragraph's URL
	Author     string         `json:"author"`
	Audience   string         `json:"audience"`
	Reply      bool           `json:"reply,omitempty"`
	Tags       []string       `json:"tags"`
	Created    string         `json:"created"`
	Imported   bool           `json:"imported,omitempty"` // created is an imported file's claim
	Snippets   apiSearchSnips `json:"snippets"`
	Rank       float64        `json:"rank"`
}

type apiSearchDoc struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

type apiSearchSnips struct {
	Body  string `json:"body"`
	Quote string `json:"quote"`
}

// apiSearch serves GET /api/search?q=…&page=…&perPage=…: the notes the
// caller may see that match, best first. A query it cannot read is 422
// with the problem under fields.q; a search over its budget is 429 or 503
// (searchRefused).
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	perPage := searchPerPage
	if v := r.URL.Query().Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxSearchLimit {
			return errBadRequest(fmt.Sprintf("perPage must be a whole number from 1 to %d.", store.MaxSearchLimit))
		}
		perPage = n
	}
	res, n, err := s.runSearch(w, r, perPage)
	if errors.Is(err, store.ErrInvalid) {
		return fieldErrors{"q": invalidMessage(err)}
	}
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	query := r.URL.Query().Get("q")
	page := func(k int) string {
		v := url.Values{"q": {query}, "page": {strconv.Itoa(k)}}
		if perPage != searchPerPage {
			v.Set("perPage", strconv.Itoa(perPage))
		}
		return base + "/api/search?" + v.Encode()
	}
	out := apiSearchResults{Query: query, Total: res.Total, Page: n, PerPage: perPage, Items: []apiSearchItem{}}
	if n > 1 {
		out.Prev = page(n - 1)
	}
	if (n-1)*perPage+len(res.Results) < res.Total && len(res.Results) > 0 {
		out.Next = page(n + 1)
	}
	labels := map[string][]string{}
	for _, hit := range res.Results {
		nt := hit.Note
		title, _, link := s.searchWhere(nt, labels)
		out.Items = append(out.Items, apiSearchItem{
			Annotation: s.annotationIRI(r, nt.ID), Note: base + "/notes/" + nt.ID,
			Document: apiSearchDoc{Slug: nt.DocumentSlug, Title: title, URL: base + "/read/" + nt.DocumentSlug},
			Anchor:   nt.Current.Anchor, Paragraph: base + link,
			Author: nt.Author.Name, Audience: audienceValue(nt.Audience, nt.GroupID), Reply: nt.ParentID != "",
			Tags: nt.Tags, Created: nt.CreatedAt.UTC().Format(time.RFC3339), Imported: nt.Imported,
			Snippets: apiSearchSnips{Body: string(markedSnippet(content.PlainText(hit.BodySnippet))), Quote: string(markedSnippet(hit.QuoteSnippet))},
			Rank:     math.Round(hit.Rank*1e4) / 1e4,
		})
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, jsonType, out)
}
