package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/library"
	"glossa/store"
)

// apiRevisionInfo is one revision in the API: when it was published, what
// it changed in the blocks (null for the first) and how the caller's
// visible notes carried onto it were placed.
type apiRevisionInfo struct {
	apiRev
	Current bool        `json:"current"`
	Changes *apiChanges `json:"changes"`
	Notes   *apiMoves   `json:"notes"`
	Blocks  []apiBlock  `json:"blocks,omitempty"`
	// Annotations are the caller's visible notes as they stood on this
	// revision, each targeting it (target.state names it), a page of
	// containerPage at a time (?page=N, from 0); Next is the next page.
	Annotations []annotation `json:"annotations,omitempty"`
	Next        string       `json:"next,omitempty"`
}

type apiChanges struct {
	Unchanged int `json:"unchanged"`
	Edited    int `json:"edited"`
	Inserted  int `json:"inserted"`
	Deleted   int `json:"deleted"`
}

type apiMoves struct {
	Exact  int `json:"exact"`
	Mapped int `json:"mapped"`
	Moved  int `json:"moved"`
	Fuzzy  int `json:"fuzzy"`
	Orphan int `json:"orphan"`
}

func (s *Server) apiRevisionInfos(r *http.Request, e *library.Doc) ([]apiRevisionInfo, error) {
	moves, err := s.db.RevisionMoves(r.Context(), viewerOf(r.Context()), e.ID)
	if err != nil {
		return nil, err
	}
	base := s.baseURL(r)
	out := make([]apiRevisionInfo, 0, len(e.Revs))
	for _, rev := range e.Revs {
		info := apiRevisionInfo{
			apiRev: apiRev{Number: rev.Number, PublishedAt: rev.PublishedAt.UTC().Format(time.RFC3339),
				SourceHash: rev.SourceHash, URL: fmt.Sprintf("%s/read/%s/rev/%d", base, e.Slug, rev.Number)},
			Current: rev.ID == e.Rev.ID,
		}
		if c := rev.Changes; c != nil {
			info.Changes = &apiChanges{Unchanged: c.Unchanged, Edited: c.Edited, Inserted: c.Inserted, Deleted: c.Deleted}
			m := moves[rev.ID]
			info.Notes = &apiMoves{Exact: m.Exact, Mapped: m.Mapped, Moved: m.Moved, Fuzzy: m.Fuzzy, Orphan: m.Orphan}
		}
		out = append(out, info)
	}
	return out, nil
}

// apiRevisions serves GET /api/documents/{slug}/revisions, oldest first.
func (s *Server) apiRevisions(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	infos, err := s.apiRevisionInfos(r, e)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, struct {
		Revisions []apiRevisionInfo `json:"revisions"`
	}{infos})
}

// apiRevision serves GET /api/documents/{slug}/revisions/{n}: one revision
// with its blocks (anchor, kind, canonical text) and the caller's visible
// notes as they stood on it.
func (s *Server) apiRevision(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	ns := chi.URLParam(r, "n")
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > len(e.Revs) {
		return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("There is no revision %q; revisions run from 1 to %d.", ns, len(e.Revs))}
	}
	infos, err := s.apiRevisionInfos(r, e)
	if err != nil {
		return err
	}
	d, _, err := s.docs.Revision(r.Context(), e, n)
	if err != nil {
		return err
	}
	info := infos[n-1]
	for _, b := range d.Blocks {
		info.Blocks = append(info.Blocks, apiBlock{Anchor: b.Anchor, Kind: b.Kind, Text: b.Text})
	}
	page := 0
	if v := r.URL.Query().Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 {
			return errBadRequest("page must be a whole number, 0 or more.")
		}
	}
	// One more than a page says whether there is a next one.
	notes, err := s.db.Notes(r.Context(), viewerOf(r.Context()), store.NoteQuery{
		DocumentID: e.ID, RevisionID: e.Revs[n-1].ID, Offset: page * containerPage, Limit: containerPage + 1})
	if err != nil {
		return err
	}
	if len(notes) > containerPage {
		notes = notes[:containerPage]
		info.Next = s.baseURL(r) + "/api/documents/" + e.Slug + "/revisions/" + ns + "?page=" + strconv.Itoa(page+1)
	}
	info.Annotations = make([]annotation, 0, len(notes))
	for _, note := range notes {
		info.Annotations = append(info.Annotations, s.toAnnotation(r, note, e, false))
	}
	return writeJSON(w, http.StatusOK, jsonType, info)
}
