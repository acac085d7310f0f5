package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

// revisionsPage lists a document's revisions: when each was published, what
// it changed in the text and how the reader's notes fared.
type revisionsPage struct {
	basePage
	Slug     string
	DocTitle string
	Rows     []revisionRow
}

type revisionRow struct {
	Number      int
	PublishedAt time.Time
	Current     bool
	Changes     *store.BlockChanges // nil on the first revision
	Moves       store.Moves         // the reader's visible notes carried onto it
}

// handleRevisions serves GET /read/{slug}/revisions, newest first.
func (s *Server) handleRevisions(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	moves, err := s.db.RevisionMoves(r.Context(), viewerOf(r.Context()), e.ID)
	if err != nil {
		return err
	}
	p := revisionsPage{basePage: s.base(r, "Revisions of "+e.Current.Meta.Title), Slug: e.Slug, DocTitle: e.Current.Meta.Title}
	for i := len(e.Revs) - 1; i >= 0; i-- {
		rev := e.Revs[i]
		p.Rows = append(p.Rows, revisionRow{
			Number: rev.Number, PublishedAt: rev.PublishedAt, Current: rev.ID == e.Rev.ID,
			Changes: rev.Changes, Moves: moves[rev.ID],
		})
	}
	return s.pages.render(w, http.StatusOK, "revisions.html", p)
}

// reattachPage is the no-JavaScript way to put a note back on the text:
// choose a paragraph and, optionally, the words in it.
type reattachPage struct {
	basePage
	Note       noteView
	DocTitle   string
	Slug       string
	Paragraphs []paragraphOption
	Form       noteForm
	Anchor     string
	Errors     fieldErrors
}

type paragraphOption struct {
	Anchor   string
	Label    string
	Selected bool
}

// handleReattachForm serves GET /notes/{id}/reattach.
func (s *Server) handleReattachForm(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, r.URL.RequestURI())
		return nil
	}
	n, e, err := s.reattachable(r)
	if err != nil {
		return err
	}
	anchor := r.URL.Query().Get("anchor")
	if anchor == "" && n.Current.Status != store.StatusOrphan {
		anchor = n.Current.Anchor
	}
	p, err := s.buildReattachPage(r, n, e, anchor)
	if err != nil {
		return err
	}
	p.Form.Version = strconv.FormatInt(n.Version, 10)
	return s.pages.render(w, http.StatusOK, "reattach.html", p)
}

// handleReattach serves POST /notes/{id}/reattach: the note's author puts it
// on new words of the current revision (a paragraph, and a phrase in it by
// words or, from the reader's script, by offsets). The note keeps its body,
// audience and replies; its target on earlier revisions stays as it stood.
func (s *Server) handleReattach(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, strings.TrimSuffix(r.URL.Path, "/reattach")+"/reattach")
		return nil
	}
	n, e, err := s.reattachable(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	f := r.PostForm
	form := noteForm{Phrase: f.Get("phrase"), Start: f.Get("start"), End: f.Get("end"), Version: f.Get("version")}
	fe := fieldErrors{}
	in := noteInput{Anchor: f.Get("anchor"), Phrase: form.Phrase, Exact: f.Get("exact"),
		Start: formInt(form.Start, "start", fe), End: formInt(form.End, "end", fe)}
	var target store.Original
	if len(fe) == 0 {
		if target, err = library.Resolve(e, in, fe); err != nil {
			return err
		}
	}
	version, _ := strconv.ParseInt(form.Version, 10, 64)
	stale := false
	if len(fe) == 0 {
		_, err = s.db.UpdateNote(r.Context(), n.Author.ID, n.ID, version, store.NoteUpdate{
			Body: n.Body, Audience: n.Audience, GroupID: n.GroupID, Question: n.Question, Target: &target,
		})
		if stale = errors.Is(err, store.ErrStale); stale {
			fe["anchor"] = "This note was changed elsewhere since you opened this page; it now reads as shown. Choose its place again."
			form.Version = strconv.FormatInt(n.Version, 10)
		} else if err != nil {
			return err
		}
	}
	if len(fe) > 0 {
		status := http.StatusUnprocessableEntity
		if stale {
			status = http.StatusConflict
		}
		if wantsJSON(r) {
			if stale {
				return &httpError{status: status, msg: fe["anchor"]}
			}
			return fe
		}
		p, err := s.buildReattachPage(r, n, e, in.Anchor)
		if err != nil {
			return err
		}
		p.Form, p.Errors = form, fe
		return s.pages.render(w, status, "reattach.html", p)
	}
	return s.afterChange(w, r, e, target.Anchor, n.ID, http.StatusOK)
}

// reattachable loads the note of the request for re-attaching: the
// reader's own, and a note, not a reply (replies sit with their note).
func (s *Server) reattachable(r *http.Request) (store.Note, *library.Doc, error) {
	n, e, err := s.writableNote(r)
	if err != nil {
		return n, e, err
	}
	if n.ParentID != "" {
		return n, e, &httpError{status: http.StatusBadRequest,
			msg: "A reply sits with the note it answers; re-attach that note instead."}
	}
	return n, e, nil
}

func (s *Server) buildReattachPage(r *http.Request, n store.Note, e *library.Doc, anchor string) (reattachPage, error) {
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return reattachPage{}, err
	}
	p := reattachPage{
		basePage: s.base(r, "Re-attach note"), Note: s.buildNoteView(n, rc, e.Slug, revisionNumbers(e)),
		DocTitle: e.Current.Meta.Title, Slug: e.Slug, Anchor: anchor,
	}
	p.Note.HTML = s.notes.html(p.Note)
	labels := blockLabels(e.Current)
	for i, b := range e.Current.Blocks {
		label := "Heading: " + content.Excerpt(b.Text, 70)
		if !strings.HasPrefix(labels[i], "the heading") {
			label = strings.ToUpper(labels[i][:1]) + labels[i][1:] + ": " + content.Excerpt(b.Text, 70)
		}
		p.Paragraphs = append(p.Paragraphs, paragraphOption{Anchor: b.Anchor, Label: label, Selected: b.Anchor == anchor})
	}
	return p, nil
}
