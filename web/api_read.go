package web

// The API's documents, and each document's annotation container (W3C Web
// Annotation Protocol): what the library and the reading page (read.go)
// show, as JSON. Routes: routes.go.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

type apiDocument struct {
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Author      string     `json:"author,omitempty"`
	Publication string     `json:"publication,omitempty"`
	Published   string     `json:"published,omitempty"`
	URL         string     `json:"url"`
	Annotations string     `json:"annotations"`
	Notes       int        `json:"notes"`
	Revision    apiRev     `json:"revision"`
	Blocks      []apiBlock `json:"blocks,omitempty"`
}

type apiRev struct {
	Number      int    `json:"number"`
	PublishedAt string `json:"publishedAt"`
	SourceHash  string `json:"sourceHash"`
	URL         string `json:"url"`
}

type apiBlock struct {
	Anchor string `json:"anchor"`
	Kind   string `json:"kind"`
	Text   string `json:"text"`
}

func (s *Server) apiDoc(r *http.Request, e *library.Doc, notes int) apiDocument {
	base := s.baseURL(r)
	m := e.Current.Meta
	return apiDocument{
		Slug: e.Slug, Title: m.Title, Author: m.Author, Publication: m.Publication, Published: m.Published,
		URL: base + "/read/" + e.Slug, Annotations: base + "/api/documents/" + e.Slug + "/annotations/", Notes: notes,
		Revision: apiRev{Number: e.Rev.Number, PublishedAt: e.Rev.PublishedAt.UTC().Format(time.RFC3339),
			SourceHash: e.Rev.SourceHash, URL: fmt.Sprintf("%s/read/%s/rev/%d", base, e.Slug, e.Rev.Number)},
	}
}

// apiDocuments serves GET /api/documents.
func (s *Server) apiDocuments(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.db.CountNotesByDocument(r.Context(), viewerOf(r.Context()))
	if err != nil {
		return err
	}
	out := struct {
		Documents []apiDocument `json:"documents"`
	}{Documents: []apiDocument{}}
	for _, e := range s.docs.All() {
		out.Documents = append(out.Documents, s.apiDoc(r, e, counts[e.ID]))
	}
	return writeJSON(w, http.StatusOK, jsonType, out)
}

// apiGetDocument serves GET /api/documents/{slug}: metadata, the current
// revision and its blocks with anchor and canonical text.
func (s *Server) apiGetDocument(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	n, err := s.db.CountNotes(r.Context(), viewerOf(r.Context()), e.ID)
	if err != nil {
		return err
	}
	d := s.apiDoc(r, e, n)
	for _, b := range e.Current.Blocks {
		d.Blocks = append(d.Blocks, apiBlock{Anchor: b.Anchor, Kind: b.Kind, Text: b.Text})
	}
	return writeJSON(w, http.StatusOK, jsonType, d)
}

// containerHeaders are the headers of every answer from a container
// (W3C Annotation Protocol, "Container Retrieval"): its LDP type, the
// protocol's constraints, the methods it takes and what it accepts.
func containerHeaders(w http.ResponseWriter) {
	containerLinks(w)
	h := w.Header()
	h.Set("Allow", "GET, HEAD, POST, OPTIONS")
	h.Set("Accept-Post", "application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\", application/json")
}

// containerLinks are the Link headers the protocol wants on every answer
// from a container, a POST's included, whether it succeeds or not.
func containerLinks(w http.ResponseWriter) {
	h := w.Header()
	h.Add("Link", `<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"`)
	h.Add("Link", `<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"`)
}

// apiContainerOptions serves OPTIONS /api/documents/{slug}/annotations/:
// the container's headers, with the ETag of what a GET with the same
// headers would answer (the protocol asks for an ETag on every answer
// from a container).
func (s *Server) apiContainerOptions(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	body, _, err := s.containerBody(r, e)
	if err != nil {
		return err
	}
	containerHeaders(w)
	w.Header().Set("ETag", contentETag(body))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

type annotationPage struct {
	Context    any     `json:"@context,omitempty"`
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	PartOf     *partOf `json:"partOf,omitempty"`
	StartIndex int     `json:"startIndex"`
	Next       string  `json:"next,omitempty"`
	Prev       string  `json:"prev,omitempty"`
	Items      []any   `json:"items"`
}

type partOf struct {
	ID    string `json:"id"`
	Total int    `json:"total"`
}

type container struct {
	Context []string `json:"@context"`
	ID      string   `json:"id"`
	Type    []string `json:"type"`
	Label   string   `json:"label"`
	Total   int      `json:"total"`
	First   any      `json:"first,omitempty"`
	Last    string   `json:"last,omitempty"`
}

// apiContainer serves GET (and HEAD) /api/documents/{slug}/annotations/:
// the annotations the caller may see, as an AnnotationCollection with
// pages of 100 (?page=0, 1, …). A Prefer header may ask for the minimal
// container or for items as IRIs only (W3C Annotation Protocol, 4.2).
// The answer has an ETag (If-None-Match answers 304) and names what it is
// in Content-Location.
func (s *Server) apiContainer(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	body, location, err := s.containerBody(r, e)
	if err != nil {
		return err
	}
	containerHeaders(w)
	tag := contentETag(body)
	w.Header().Set("ETag", tag)
	w.Header().Set("Content-Location", location)
	if notModified(r, tag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeBody(w, http.StatusOK, annoType, body)
}

// containerBody is the container's answer to r: the container, or with
// ?page=N one page of it, encoded, and its IRI. Asking for IRIs only (by
// Prefer or ?iris=1) gives the container and its pages IRIs of their own,
// with iris=1, as the protocol recommends.
func (s *Server) containerBody(r *http.Request, e *library.Doc) ([]byte, string, error) {
	ctx, viewer := r.Context(), viewerOf(r.Context())
	total, err := s.db.CountNotes(ctx, viewer, e.ID)
	if err != nil {
		return nil, "", err
	}
	prefer := r.Header.Get("Prefer")
	iris := strings.Contains(prefer, "http://www.w3.org/ns/oa#PreferContainedIRIs") || r.URL.Query().Get("iris") == "1"
	minimal := strings.Contains(prefer, "http://www.w3.org/ns/ldp#PreferMinimalContainer")
	cid := s.baseURL(r) + "/api/documents/" + e.Slug + "/annotations/"
	if iris {
		cid += "?iris=1"
	}
	pages := (total + containerPage - 1) / containerPage
	pageIRI := func(n int) string {
		if iris {
			return cid + "&page=" + strconv.Itoa(n)
		}
		return cid + "?page=" + strconv.Itoa(n)
	}
	loadPage := func(n int) (annotationPage, error) {
		notes, err := s.db.Notes(ctx, viewer, store.NoteQuery{DocumentID: e.ID, Offset: n * containerPage, Limit: containerPage})
		if err != nil {
			return annotationPage{}, err
		}
		p := annotationPage{ID: pageIRI(n), Type: "AnnotationPage", StartIndex: n * containerPage, Items: []any{}}
		for _, note := range notes {
			if iris {
				p.Items = append(p.Items, s.annotationIRI(r, note.ID))
			} else {
				p.Items = append(p.Items, s.toAnnotation(r, note, e, false))
			}
		}
		if n+1 < pages {
			p.Next = pageIRI(n + 1)
		}
		if n > 0 {
			p.Prev = pageIRI(n - 1)
		}
		return p, nil
	}

	if ps := r.URL.Query().Get("page"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 0 || (n >= pages && !(n == 0 && pages == 0)) {
			return nil, "", &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("There is no page %q; pages run from 0 to %d.", ps, max(pages-1, 0))}
		}
		p, err := loadPage(n)
		if err != nil {
			return nil, "", err
		}
		p.Context = transfer.AnnoContext
		p.PartOf = &partOf{ID: cid, Total: total}
		b, err := encodeJSON(p)
		return b, p.ID, err
	}

	c := container{
		Context: []string{transfer.AnnoContext, ldpContext}, ID: cid, Type: []string{"BasicContainer", "AnnotationCollection"},
		Label: "Annotations on " + e.Current.Meta.Title, Total: total,
	}
	if pages > 0 {
		c.Last = pageIRI(pages - 1)
		if minimal {
			c.First = pageIRI(0)
		} else {
			first, err := loadPage(0)
			if err != nil {
				return nil, "", err
			}
			c.First = first
		}
	}
	b, err := encodeJSON(c)
	return b, cid, err
}
