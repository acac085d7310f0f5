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

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

// maxBodyChars limits a note's body, in code points of Markdown.
const maxBodyChars = store.MaxBodyChars

// noteInput is a note as a form or the API sends it, before validation
// (transfer.NoteInput).
type noteInput = transfer.NoteInput

// validateBody checks a note body (store.ValidateBody).
func validateBody(body string, fe fieldErrors) string { return store.ValidateBody(body, fe) }

// annotatePage is the no-JavaScript form for a new note, and for editing one.
type annotatePage struct {
	basePage
	Slug      string
	DocTitle  string
	Anchor    string
	Label     string
	BlockHTML template.HTML
	NoteID    string // set when editing
	Exact     string // the phrase of the note being edited
	Reply     bool   // editing a reply: its audience is its thread's
	Form      noteForm
	Errors    fieldErrors
	Audiences []audienceOption
	// Confirm asks whether a highlight goes to its audience (askHighlight);
	// ShareLabel is the button that says yes.
	Confirm    string
	ShareLabel string
}

// noteForm is what the person typed, kept across a failed submit.
type noteForm struct {
	Phrase   string
	Start    string
	End      string
	Body     string
	Audience string
	Question bool
	Tags     string // as typed: comma-separated
	Version  string
}

func (s *Server) buildAnnotatePage(r *http.Request, e *library.Doc, anchor, title string, rc *readerCtx) (annotatePage, error) {
	b := e.Current.Block(anchor)
	if b == nil {
		return annotatePage{}, &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("There is no paragraph %q in this document.", anchor)}
	}
	base := s.base(r, title)
	base.Scripts = []string{"js/tags.js"}
	aud, err := s.writingTo(r.Context(), rc, e)
	if err != nil {
		return annotatePage{}, err
	}
	return annotatePage{
		basePage: base, Slug: e.Slug, DocTitle: e.Current.Meta.Title, Anchor: anchor,
		Label: blockLabels(e.Current)[b.Index], BlockHTML: b.HTML(), Form: noteForm{Audience: aud},
	}, nil
}

// withAudiences fills in the audience select, keeping what was chosen,
// and the tags each audience offers.
func (s *Server) withAudiences(ctx context.Context, p *annotatePage, rc *readerCtx, label string) error {
	p.Audiences = audienceOptions(rc.groups, p.Form.Audience, label)
	return s.withTagLists(ctx, rc, p.Audiences)
}

// handleAnnotateForm serves GET /read/{slug}/annotate?anchor=…[&phrase=…].
func (s *Server) handleAnnotateForm(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, r.URL.RequestURI())
		return nil
	}
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rc, err := s.buildReaderCtx(r)
	if err != nil {
		return err
	}
	p, err := s.buildAnnotatePage(r, e, q.Get("anchor"), "Annotate", rc)
	if err != nil {
		return err
	}
	p.Form.Phrase = q.Get("phrase")
	if err := s.withAudiences(r.Context(), &p, rc, ""); err != nil {
		return err
	}
	return s.pages.render(w, http.StatusOK, "annotate.html", p)
}

// handleCreateNote serves POST /read/{slug}/notes: create, then redirect to
// the paragraph (Post/Redirect/Get). A bad form comes back with what was
// typed and the problem named beside its field.
func (s *Server) handleCreateNote(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	anchor := r.PostForm.Get("anchor")
	if u == nil {
		redirectToSignIn(w, r, "/read/"+e.Slug+"/annotate?anchor="+url.QueryEscape(anchor))
		return nil
	}
	form := noteForm{
		Phrase: r.PostForm.Get("phrase"), Start: r.PostForm.Get("start"), End: r.PostForm.Get("end"),
		Body: r.PostForm.Get("body"), Audience: r.PostForm.Get("audience"), Question: r.PostForm.Get("question") == "1",
		Tags: r.PostForm.Get("tags"),
	}
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	in := noteInput{Anchor: anchor, Phrase: form.Phrase, Body: form.Body, Audience: form.Audience}
	in.Start, in.End = formInt(form.Start, "start", fe), formInt(form.End, "end", fe)
	if in.Start != nil {
		// The reader's JavaScript sent offsets for the selected phrase;
		// the phrase field then holds the selected text, checked exactly.
		in.Exact, in.Phrase = form.Phrase, ""
	}
	body := validateBody(in.Body, fe)
	tags := parseTags(form.Tags, fe)
	audience, group := parseAudience(in.Audience, rc.roles, fe)
	if form.Question && strings.TrimSpace(body) == "" {
		fe["question"] = "A question needs words; write it in the note, or untick “This is a question”."
	}
	target, err := library.Resolve(e, in, fe)
	// A quote that is not the text is the form's phrase to fix.
	var qe *library.QuoteError
	if errors.As(err, &qe) {
		fe["phrase"], err = qe.Msg, nil
	}
	if err != nil {
		return err
	}
	if len(fe) > 0 && wantsJSON(r) {
		return fe
	}
	if len(fe) > 0 {
		if fe["anchor"] != "" && e.Current.Block(anchor) == nil {
			return &httpError{status: http.StatusUnprocessableEntity, msg: fe["anchor"]}
		}
		p, err := s.buildAnnotatePage(r, e, anchor, "Annotate", rc)
		if err != nil {
			return err
		}
		p.Form, p.Errors = form, fe
		if err := s.withAudiences(r.Context(), &p, rc, form.Audience); err != nil {
			return err
		}
		return s.pages.render(w, http.StatusUnprocessableEntity, "annotate.html", p)
	}
	// A highlight (a note without words) is the reader's own unless they
	// say otherwise: one to others asks first (highlight=share to show it,
	// highlight=private to keep it).
	switch h := r.PostForm.Get("highlight"); {
	case h == "private":
		audience, group = store.Private, 0
	case h != "share" && strings.TrimSpace(body) == "" && audience != store.Private:
		return s.askHighlight(w, r, e, rc, anchor, form)
	}
	n, err := s.db.CreateNote(r.Context(), store.NewNote{
		DocumentID: e.ID, AuthorID: u.ID, Audience: audience, GroupID: group, Question: form.Question,
		Body: body, Target: target, Mentions: content.NoteMentions(body), Tags: tags,
	})
	if err != nil {
		return err
	}
	return s.afterChange(w, r, e, n.Current.Anchor, n.ID, http.StatusCreated)
}

// askHighlight answers a note without words to an audience other than
// only me: nothing is saved yet, and the reader is asked whether to show
// the highlight to that audience or keep it to themselves, their form
// kept. The reader's JavaScript gets the question as JSON (confirm).
func (s *Server) askHighlight(w http.ResponseWriter, r *http.Request, e *library.Doc, rc *readerCtx, anchor string, form noteForm) error {
	label := writingToView{Audiences: audienceOptions(rc.groups, form.Audience, "")}.Label()
	msg := "A highlight has no words, so it is yours alone unless you say otherwise. Show it to " + label + "?"
	if wantsJSON(r) {
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusUnprocessableEntity, jsonType, struct {
			Error   string `json:"error"`
			Status  int    `json:"status"`
			Confirm string `json:"confirm"`
			Share   string `json:"share"`
		}{msg, http.StatusUnprocessableEntity, msg, "Show it to " + label})
	}
	p, err := s.buildAnnotatePage(r, e, anchor, "Annotate", rc)
	if err != nil {
		return err
	}
	p.Form, p.Confirm, p.ShareLabel = form, msg, "Show it to "+label
	if err := s.withAudiences(r.Context(), &p, rc, form.Audience); err != nil {
		return err
	}
	return s.pages.render(w, http.StatusUnprocessableEntity, "annotate.html", p)
}

// afterChange answers a successful form post: a redirect back to the
// paragraph (Post/Redirect/Get), or for the reader's JavaScript the block's
// fresh HTML, rendered by the same template as the page.
func (s *Server) afterChange(w http.ResponseWriter, r *http.Request, e *library.Doc, anchor, noteID string, status int) error {
	if !wantsJSON(r) {
		back := readURL(r, e.Slug) + "#" + anchor
		if ref := refererPage(r); ref != nil && isParagraphNotesPath(ref.Path, e.Slug) {
			// The conversation's own form: back to it, at the note.
			q := ref.Query()
			q.Del("from")
			q.Del("note")
			if noteID != "" {
				q.Set("note", noteID)
			}
			back = ref.Path
			if len(q) > 0 {
				back += "?" + q.Encode()
			}
			if noteID != "" {
				back += "#note-" + noteID
			}
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	bv, err := s.blockFor(r, e, anchor)
	if err != nil {
		return err
	}
	var buf strings.Builder
	if err := s.pages.pages["read.html"].ExecuteTemplate(&buf, "block", bv); err != nil {
		return fmt.Errorf("render block: %w", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, status, jsonType, struct {
		ID     string `json:"id,omitempty"`
		Anchor string `json:"anchor"`
		Block  string `json:"block"`
	}{noteID, anchor, buf.String()})
}

// notePage shows one note on its own page, the permalink, with its whole
// thread: a reply's page is its thread's, with the reply marked.
type notePage struct {
	basePage
	Note      noteView // the note asked for
	Thread    noteView // the thread it is in, with every reply
	DocTitle  string
	Label     string
	BlockHTML template.HTML
	Shared    int  // after "share": how many groups got a copy (-1: none asked)
	Flagged   bool // after "flag"
	// Lone: the note is the reader's own reply in a thread no longer open
	// to them; it is shown alone, without the thread's words.
	Lone bool
}

// ownNote loads a note the signed-in reader wrote, for editing or deleting.
// Someone else's note answers 404, like a note that does not exist, unless
// they may see it, when it answers 403.
func (s *Server) ownNote(r *http.Request) (store.Note, *library.Doc, error) {
	u := userFrom(r.Context())
	n, err := s.db.Note(r.Context(), viewerOf(r.Context()), chi.URLParam(r, "id"))
	if err != nil {
		return n, nil, err
	}
	if u == nil || n.Author.ID != u.ID {
		return n, nil, errForbidden("Only the note's author can change it.")
	}
	e, err := s.docs.Doc(n.DocumentSlug)
	return n, e, err
}

// writableNote is ownNote for a form that changes the note: a note the
// reader sees only as its author (noteView.Closed) answers 403 at once,
// rather than after they have typed their change. The store checks the
// same on every write.
func (s *Server) writableNote(r *http.Request) (store.Note, *library.Doc, error) {
	n, e, err := s.ownNote(r)
	if err != nil {
		return n, e, err
	}
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return n, e, err
	}
	if _, member := rc.roles[n.GroupID]; n.GroupID != 0 && !member {
		return n, e, store.ErrNotInAudience
	}
	if _, err := s.threadRoot(r.Context(), rc.viewer, n); errors.Is(err, store.ErrNotFound) {
		return n, e, store.ErrNotInAudience
	} else if err != nil {
		return n, e, err
	}
	return n, e, nil
}

// handleNote serves GET /notes/{id}: the note with its thread.
func (s *Server) handleNote(w http.ResponseWriter, r *http.Request) error {
	viewer := viewerOf(r.Context())
	n, err := s.db.Note(r.Context(), viewer, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return s.renderNotePage(w, r, n, n.ID, http.StatusOK, func(p *notePage) {
		q := r.URL.Query()
		if v, err := strconv.Atoi(q.Get("shared")); err == nil && v >= 0 {
			p.Shared = v
		}
		p.Flagged = q.Get("flagged") == "1"
	})
}

// renderNotePage shows the thread of n with note id marked; edit adjusts
// the page before it is rendered (a failed reply's text and error).
func (s *Server) renderNotePage(w http.ResponseWriter, r *http.Request, n store.Note, id string, status int, edit func(*notePage)) error {
	ctx := r.Context()
	rc, err := s.readerCtxOf(ctx)
	if err != nil {
		return err
	}
	root, err := s.threadRoot(ctx, rc.viewer, n)
	// A reply the reader may see without its thread is their own, in a
	// thread narrowed away from them: it stays theirs, shown alone.
	lone := errors.Is(err, store.ErrNotFound) && n.ParentID != ""
	if lone {
		root, err = n, nil
	}
	if err != nil {
		return err
	}
	e, err := s.docs.Doc(root.DocumentSlug)
	if err != nil {
		return err
	}
	// The thread: the first note and its replies, a page of them at a
	// time (?from=N, or the page with reply id on it).
	replies, err := s.db.Notes(ctx, rc.viewer, store.NoteQuery{DocumentID: e.ID, Parent: root.ID, WithoutBodies: true})
	if err != nil {
		return err
	}
	sortByCreated(replies)
	from := -1
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			return errBadRequest("from must be a reply's place in the thread: a whole number, 0 or more.")
		}
	}
	if from < 0 {
		from = 0
		for i, x := range replies {
			if x.ID == id {
				from = i - i%noteRepliesPage
			}
		}
	}
	from = min(from, len(replies))
	t := &thread{note: root, replies: replies[from:], lone: lone}
	b := newPageBudget()
	b.choose(t, noteRepliesPage, true)
	if err := s.loadBodies(ctx, rc.viewer, []*thread{t}); err != nil {
		return err
	}
	revs := revisionNumbers(e)
	tv := s.threadView(t, rc, e.Slug, revs, true)
	tv.ReplyCount, tv.RepliesFrom = len(replies), from
	tv.RepliesOpen = true
	nv := tv
	for _, rv := range tv.Replies {
		if rv.ID == id {
			nv = rv
		}
	}
	if nv.ID != id {
		nv = s.buildNoteView(n, rc, e.Slug, revs) // a reply on another page of the thread
	}
	title := "Note by " + nv.Author
	if nv.Reply() {
		title = "Reply by " + nv.Author
	}
	p := notePage{basePage: s.base(r, title), Note: nv, Thread: tv, DocTitle: e.Current.Meta.Title, Shared: -1, Lone: lone}
	if b := e.Current.Block(root.Current.Anchor); b != nil && placedNow(e, root) {
		p.Label = blockLabels(e.Current)[b.Index]
		p.BlockHTML = b.HTML()
		if root.Current.Exact != "" && !lone {
			p.BlockHTML = b.Highlight([]content.Mark{markFor(root, root.Current.Target, rc.viewer)})
		}
	}
	if edit != nil {
		edit(&p)
	}
	return s.pages.render(w, status, "note.html", p)
}

// handleEditForm serves GET /notes/{id}/edit.
func (s *Server) handleEditForm(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, r.URL.RequestURI())
		return nil
	}
	n, e, err := s.writableNote(r)
	if err != nil {
		return err
	}
	p, err := s.editPage(r, n, e)
	if err != nil {
		return err
	}
	p.Form = noteForm{Body: n.Body, Audience: audienceValue(n.Audience, n.GroupID), Question: n.Question,
		Tags: strings.Join(n.Tags, ", "), Version: strconv.FormatInt(n.Version, 10)}
	return s.renderEditPage(w, r, http.StatusOK, p, n)
}

func (s *Server) editPage(r *http.Request, n store.Note, e *library.Doc) (annotatePage, error) {
	p := annotatePage{basePage: s.base(r, "Edit note"), Slug: e.Slug, DocTitle: e.Current.Meta.Title,
		Anchor: n.Current.Anchor, NoteID: n.ID, Exact: n.Current.Exact, Reply: n.ParentID != ""}
	if b := e.Current.Block(n.Current.Anchor); b != nil {
		p.Label, p.BlockHTML = blockLabels(e.Current)[b.Index], b.HTML()
	}
	if p.Reply {
		p.Title, p.Exact = "Edit reply", ""
	}
	return p, nil
}

// renderEditPage renders the edit form with the author's audiences; the
// note's own audience stays on offer even if its group is no longer theirs.
func (s *Server) renderEditPage(w http.ResponseWriter, r *http.Request, status int, p annotatePage, n store.Note) error {
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return err
	}
	nv := noteView{Audience: n.Audience, GroupName: n.GroupName}
	label := nv.AudienceLabel()
	if p.Form.Audience != audienceValue(n.Audience, n.GroupID) {
		label = p.Form.Audience
	}
	if err := s.withAudiences(r.Context(), &p, rc, label); err != nil {
		return err
	}
	return s.pages.render(w, status, "annotate.html", p)
}

// handleEditNote serves POST /notes/{id}/edit: body and audience change; the
// note stays on its words. The form carries the version it was loaded at,
// so an edit made elsewhere in between is not silently overwritten.
func (s *Server) handleEditNote(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, strings.TrimSuffix(r.URL.Path, "/edit")+"/edit")
		return nil
	}
	n, e, err := s.ownNote(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	form := noteForm{Body: r.PostForm.Get("body"), Audience: r.PostForm.Get("audience"), Version: r.PostForm.Get("version"),
		Question: r.PostForm.Get("question") == "1", Tags: r.PostForm.Get("tags")}
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	body := validateBody(form.Body, fe)
	var tags []string
	if _, sent := r.PostForm["tags"]; sent && n.ParentID == "" {
		tags = parseTags(form.Tags, fe) // a form without the field leaves the tags
	}
	var (
		audience = n.Audience
		group    = n.GroupID
	)
	if n.ParentID == "" {
		// Keeping the audience needs no check here; any change to a note
		// in a group needs its author still in that group, which the
		// store checks (store.ErrNotInAudience).
		if form.Audience != audienceValue(n.Audience, n.GroupID) {
			audience, group = parseAudience(form.Audience, rc.roles, fe)
		}
	} else {
		form.Audience = audienceValue(n.Audience, n.GroupID)
	}
	if n.ParentID == "" && strings.TrimSpace(body) == "" && form.Question {
		fe["question"] = "A question needs words; write it in the note, or untick “This is a question”."
	}
	version, _ := strconv.ParseInt(form.Version, 10, 64)
	stale, widens := false, false
	if len(fe) == 0 {
		_, err = s.db.UpdateNote(r.Context(), n.Author.ID, n.ID, version, store.NoteUpdate{
			Body: body, Audience: audience, GroupID: group, Question: form.Question, Mentions: content.NoteMentions(body),
			Tags: tags,
		})
		switch {
		case errors.Is(err, store.ErrStale):
			stale = true
			fe["body"] = "This note was changed elsewhere since you opened it. Your text is kept below; the note now reads as shown on its page."
			form.Version = strconv.FormatInt(n.Version, 10)
		case errors.Is(err, store.ErrWidens):
			widens = true
			fe["audience"] = widensMessage(n)
		case err != nil:
			return err
		}
	}
	if len(fe) > 0 && wantsJSON(r) {
		switch {
		case stale:
			return &httpError{status: http.StatusConflict, msg: fe["body"]}
		case widens:
			return &httpError{status: http.StatusConflict, msg: fe["audience"], err: fe}
		}
		return fe
	}
	if len(fe) > 0 {
		p, err := s.editPage(r, n, e)
		if err != nil {
			return err
		}
		p.Form, p.Errors = form, fe
		status := http.StatusUnprocessableEntity
		if stale || widens {
			status = http.StatusConflict
		}
		return s.renderEditPage(w, r, status, p, n)
	}
	return s.afterChange(w, r, e, n.Current.Anchor, n.ID, http.StatusOK)
}

// widensMessage says why n's audience may not widen (store.ErrWidens).
func widensMessage(n store.Note) string {
	label := noteView{Audience: n.Audience, GroupName: n.GroupName}.AudienceLabel()
	return fmt.Sprintf("Others have replied to this note, writing for its audience (%s), and replies go wherever their note goes: "+
		"its audience can narrow now, never widen. To say this to more readers, write a new note.", label)
}

type deletePage struct {
	basePage
	Note noteView
}

// handleDeleteForm serves GET /notes/{id}/delete: a confirmation.
func (s *Server) handleDeleteForm(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, r.URL.RequestURI())
		return nil
	}
	n, e, err := s.ownNote(r)
	if err != nil {
		return err
	}
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return err
	}
	p := deletePage{basePage: s.base(r, "Delete note"), Note: s.buildNoteView(n, rc, e.Slug, revisionNumbers(e))}
	return s.pages.render(w, http.StatusOK, "delete.html", p)
}

// handleDeleteNote serves POST /notes/{id}/delete.
func (s *Server) handleDeleteNote(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, r.URL.Path)
		return nil
	}
	n, e, err := s.ownNote(r)
	if err != nil {
		return err
	}
	if err := s.db.DeleteNote(r.Context(), n.Author.ID, n.ID, 0); err != nil {
		return err
	}
	return s.afterChange(w, r, e, n.Current.Anchor, "", http.StatusOK)
}
