package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

// Conversation in the margin: audiences with groups, the guide
// layer, threads of replies, reactions, discussion questions, moderation,
// mentions and notifications. The pages here answer forms without
// JavaScript (Post/Redirect/Get) and, for the reader's JavaScript, with
// the block's fresh HTML (afterChange's JSON); api_conversation.go is the
// JSON API beside them, and readerctx.go the reader's context they share.

// repliesShownOpen: a thread with more replies than this starts folded.
const repliesShownOpen = 3

// --- audiences -----------------------------------------------------------

// audienceValue names an audience as forms and the API do: "private",
// "public", "teachers:ID", "group:ID".
func audienceValue(a store.Audience, groupID int64) string { return store.AudienceValue(a, groupID) }

// parseAudience maps a form's or the API's audience to the store's
// (store.ParseAudience).
func parseAudience(v string, roles map[int64]store.Role, fe fieldErrors) (store.Audience, int64) {
	return store.ParseAudience(v, roles, fe)
}

// audienceOption is one choice of the note form's audience select.
type audienceOption struct {
	Value, Label string
	Selected     bool
	Tags         []string // to complete the tags field from (withTagLists)
}

// audienceOptions lists the audiences the reader may choose: only me, for
// each of their groups the group's teachers and the whole group, and
// everyone. selected is kept even if it is no longer on offer (a note in a
// group its author left), so editing the body does not move the note.
func audienceOptions(groups []store.Membership, selected, selectedLabel string) []audienceOption {
	opts := []audienceOption{{Value: string(store.Private), Label: "Only me"}}
	for _, m := range groups {
		opts = append(opts,
			audienceOption{Value: audienceValue(store.Teachers, m.Group.ID), Label: "Me and the teachers of " + m.Group.Name},
			audienceOption{Value: audienceValue(store.Members, m.Group.ID), Label: "Everyone in " + m.Group.Name})
	}
	opts = append(opts, audienceOption{Value: string(store.Public), Label: "Everyone (public)"})
	found := false
	for i := range opts {
		if opts[i].Value == selected {
			opts[i].Selected, found = true, true
		}
	}
	if !found && selected != "" {
		opts = append(opts, audienceOption{Value: selected, Label: selectedLabel, Selected: true})
	}
	return opts
}

// defaultAudience is the form's audience before the reader picks one: the
// group of ?group= when there is one, else only me.
func defaultAudience(rc *readerCtx) string {
	if rc.group != 0 {
		return audienceValue(store.Members, rc.group)
	}
	return string(store.Private)
}

// --- threads and the margin's order ----------------------------------------

// sortByCreated orders replies oldest first; the store's order (by
// creation, then id) settles ties.
func sortByCreated(ns []store.Note) {
	slices.SortStableFunc(ns, func(a, b store.Note) int { return a.CreatedAt.Compare(b.CreatedAt) })
}

// sortMargin orders one block's threads: guide notes first, in reading
// order; then the rest in the reader's order. The store's order is the
// reading order, so a stable sort keeps it among equals.
func sortMargin(ts []*thread, mode string) {
	slices.SortStableFunc(ts, func(x, y *thread) int {
		a, b := &x.note, &y.note
		if a.Guide != b.Guide {
			if a.Guide {
				return -1
			}
			return 1
		}
		if a.Guide {
			return 0
		}
		switch mode {
		case sortTime:
			return b.CreatedAt.Compare(a.CreatedAt)
		case sortReactions:
			return cmp.Compare(b.Helpful+b.Same, a.Helpful+a.Same)
		}
		return 0
	})
}

// sortLink is one of the reading page's "order notes by" links.
type sortLink struct {
	Label, URL string
	Current    bool
}

// conversationView fills in the reading page's conversation parts.
func (s *Server) conversationView(r *http.Request, p *readPage, e *library.Doc, rc *readerCtx, m margins) error {
	p.Sort, p.GuideOff, p.GuideCount, p.GuideToggle = rc.sort, rc.guideOff, m.guides, "/prefs/guide"
	base := url.Values{}
	if rc.group != 0 {
		base.Set("group", strconv.FormatInt(rc.group, 10))
	}
	for _, o := range []struct{ mode, label string }{
		{sortPosition, "reading order"}, {sortTime, "newest first"}, {sortReactions, "most reactions"},
	} {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		if o.mode != sortPosition {
			q.Set("sort", o.mode)
		}
		u := "/read/" + e.Slug
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		p.SortLinks = append(p.SortLinks, sortLink{Label: o.label, URL: u, Current: rc.sort == o.mode})
	}
	for i := range rc.groups {
		if rc.groups[i].Group.ID == rc.group {
			p.Group = &rc.groups[i]
		}
	}
	if p.Group != nil && !p.Old {
		locked, err := s.db.Locked(r.Context(), rc.viewer.UserID, rc.group, e.ID)
		if err != nil {
			return err
		}
		p.Locked = locked
	}
	if rc.viewer.UserID != 0 && !p.Old {
		aud, err := s.writingTo(r.Context(), rc, e)
		if err != nil {
			return err
		}
		p.Audiences = audienceOptions(rc.groups, aud, "")
		p.WritingTo = &writingToView{Action: "/read/" + e.Slug + "/writing-to", Audiences: p.Audiences}
		return s.withTagLists(r.Context(), rc, p.Audiences)
	}
	return nil
}

// --- after a conversation action ---------------------------------------------

// placedNow reports whether n sits in the current revision's text (else it
// is listed under "Notes on an earlier version").
func placedNow(e *library.Doc, n store.Note) bool {
	return n.Current.RevisionID == e.Rev.ID && n.Current.Status != store.StatusOrphan && e.Current.Block(n.Current.Anchor) != nil
}

// afterConversation answers a successful conversation form about thread
// root: back to the page it came from (the reading page or the note's
// page), at note focusID; for the reader's JavaScript, the block's HTML.
func (s *Server) afterConversation(w http.ResponseWriter, r *http.Request, root store.Note, focusID string, status int) error {
	e, err := s.docs.Doc(root.DocumentSlug)
	if err != nil {
		return err
	}
	if wantsJSON(r) {
		if !placedNow(e, root) {
			// Not in the text: the page lists it below; the script reloads.
			w.Header().Set("Cache-Control", "no-store")
			return writeJSON(w, status, jsonType, struct {
				ID     string `json:"id,omitempty"`
				Anchor string `json:"anchor"`
				Block  string `json:"block"`
			}{ID: focusID})
		}
		return s.afterChange(w, r, e, root.Current.Anchor, focusID, status)
	}
	back := "/notes/" + root.ID
	if placedNow(e, root) {
		back = conversationURL(r, e, root.Current.Anchor, focusID)
	}
	if ref := refererPage(r); ref != nil && (strings.HasPrefix(ref.Path, "/notes/") && strings.Count(ref.Path, "/") == 2 ||
		isParagraphNotesPath(ref.Path, e.Slug)) {
		// The note's page or the paragraph's notes page, at the page of
		// them it was on.
		back = ref.Path
		if ref.RawQuery != "" {
			back += "?" + ref.RawQuery
		}
	}
	http.Redirect(w, r, back+"#note-"+focusID, http.StatusSeeOther)
	return nil
}

// threadRoot returns the first note of n's thread as viewer sees it.
func (s *Server) threadRoot(ctx context.Context, viewer store.Viewer, n store.Note) (store.Note, error) {
	if n.ParentID == "" {
		return n, nil
	}
	return s.db.Note(ctx, viewer, n.ParentID)
}

// --- handlers ----------------------------------------------------------------

// handleGuidePref serves POST /prefs/guide: show=1 shows the guide layer,
// show=0 hides it; the choice is kept in a cookie for a year (signed in or
// not, and never in the database), then back to next.
func (s *Server) handleGuidePref(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	off := r.PostForm.Get("show") != "1"
	http.SetCookie(w, &http.Cookie{
		Name: guideCookie, Value: map[bool]string{true: "off", false: "on"}[off],
		Path: "/", MaxAge: 365 * 24 * 60 * 60, HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	// The old place, so it cannot speak again: Remove writes nothing when
	// the key is absent (always, for a reader who is not signed in).
	s.sessions.Remove(r.Context(), sessionGuideOff)
	if wantsJSON(r) {
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, jsonType, struct {
			Guide string `json:"guide"`
		}{map[bool]string{true: "off", false: "on"}[off]})
	}
	next := localNext(r.PostForm.Get("next"))
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// handleReply serves POST /notes/{id}/replies: a reply in the note's
// thread (a reply to a reply goes to the thread's first note). An empty
// reply comes back on the note's page with the problem beside the field.
func (s *Server) handleReply(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	u, done := s.signedInFor(w, r, "/notes/"+id)
	if done {
		return nil
	}
	ctx, viewer := r.Context(), viewerOf(r.Context())
	n, err := s.db.Note(ctx, viewer, id)
	if err != nil {
		return err
	}
	root, err := s.threadRoot(ctx, viewer, n)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	fe := fieldErrors{}
	body := validateBody(r.PostForm.Get("body"), fe)
	if strings.TrimSpace(body) == "" && fe["body"] == "" {
		fe["body"] = "Write your reply before posting it."
	}
	if len(fe) > 0 {
		if wantsJSON(r) {
			return fe
		}
		return s.renderNotePage(w, r, root, root.ID, http.StatusUnprocessableEntity, func(p *notePage) {
			p.Thread.ReplyBody, p.Thread.ReplyError = r.PostForm.Get("body"), fe["body"]
		})
	}
	reply, err := s.db.CreateNote(ctx, store.NewNote{
		AuthorID: u.ID, ParentID: root.ID, Body: body, Mentions: content.NoteMentions(body),
	})
	if err != nil {
		return err
	}
	return s.afterConversation(w, r, root, reply.ID, http.StatusCreated)
}

// reactionKind maps a form's or the URL's kind to the store's.
func reactionKind(kind string) (store.Reaction, error) {
	switch kind {
	case "helpful":
		return store.Helpful, nil
	case "same", "same-question":
		return store.SameQuestion, nil
	}
	return "", fieldErrors{"kind": fmt.Sprintf("Reaction %q is not one of: helpful, same.", kind)}
}

// handleReact serves POST /notes/{id}/react (kind=helpful|same, on=1|0).
func (s *Server) handleReact(w http.ResponseWriter, r *http.Request) error {
	return s.noteAction(w, r, func(ctx context.Context, actor int64, id string) (store.Note, error) {
		kind, err := reactionKind(r.PostForm.Get("kind"))
		if err != nil {
			return store.Note{}, err
		}
		return s.db.React(ctx, actor, id, kind, r.PostForm.Get("on") == "1")
	})
}

// handleResolve serves POST /notes/{id}/resolve (resolved=1|0): teachers of
// the note's group mark its thread resolved, or reopen it.
func (s *Server) handleResolve(w http.ResponseWriter, r *http.Request) error {
	return s.noteAction(w, r, func(ctx context.Context, actor int64, id string) (store.Note, error) {
		return s.db.SetResolved(ctx, actor, id, r.PostForm.Get("resolved") == "1")
	})
}

// handleAccept serves POST /notes/{id}/accept (reply=ID, or empty to
// clear): teachers of the question's group accept one reply as its answer.
func (s *Server) handleAccept(w http.ResponseWriter, r *http.Request) error {
	reply := ""
	return s.noteAction(w, r, func(ctx context.Context, actor int64, id string) (store.Note, error) {
		reply = r.PostForm.Get("reply")
		return s.db.Accept(ctx, actor, id, reply)
	}, func() string { return reply })
}

// handleRestore serves POST /notes/{id}/restore: teachers show a hidden
// note again.
func (s *Server) handleRestore(w http.ResponseWriter, r *http.Request) error {
	return s.noteAction(w, r, func(ctx context.Context, actor int64, id string) (store.Note, error) {
		return s.db.Restore(ctx, actor, id)
	})
}

// noteAction runs a signed-in reader's form action on note {id} (a
// reaction, or a teacher's resolve, accept or restore; the store checks who
// may) and answers it; focus, if given, names the note to go back to
// (default: the note).
func (s *Server) noteAction(w http.ResponseWriter, r *http.Request, act func(context.Context, int64, string) (store.Note, error), focus ...func() string) error {
	id := chi.URLParam(r, "id")
	u, done := s.signedInFor(w, r, "/notes/"+id)
	if done {
		return nil
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	n, err := act(r.Context(), u.ID, id)
	if err != nil {
		return err
	}
	root, err := s.threadRoot(r.Context(), viewerOf(r.Context()), n)
	if err != nil {
		return err
	}
	f := n.ID
	if len(focus) > 0 {
		if v := focus[0](); v != "" {
			f = v
		}
	}
	return s.afterConversation(w, r, root, f, http.StatusOK)
}

// reasonPage asks a teacher why a note is hidden, or a member why they
// flag it.
type reasonPage struct {
	basePage
	Action  string // "hide" or "flag"
	Note    noteView
	Reason  string
	Errors  fieldErrors
	BackURL string
}

// moderationTarget loads note {id} for the hide or flag form and checks
// that the reader may do that to it.
func (s *Server) moderationTarget(r *http.Request, action string) (store.Note, noteView, error) {
	ctx := r.Context()
	rc, err := s.readerCtxOf(ctx)
	if err != nil {
		return store.Note{}, noteView{}, err
	}
	n, err := s.db.Note(ctx, rc.viewer, chi.URLParam(r, "id"))
	if err != nil {
		return n, noteView{}, err
	}
	e, err := s.docs.Doc(n.DocumentSlug)
	if err != nil {
		return n, noteView{}, err
	}
	nv := s.buildNoteView(n, rc, e.Slug, revisionNumbers(e))
	switch {
	case action == "hide" && !nv.CanHide():
		return n, nv, errForbidden("Only the teachers of the note's group can hide it, and not their own notes.")
	case action == "flag" && !nv.CanFlag():
		return n, nv, errForbidden("Members of the note's group can flag others' notes to its teachers.")
	}
	nv.HTML = s.notes.html(nv)
	return n, nv, nil
}

func (s *Server) reasonForm(w http.ResponseWriter, r *http.Request, action string, status int, n store.Note, nv noteView, reason string, fe fieldErrors) error {
	title := "Hide a note"
	if action == "flag" {
		title = "Flag a note"
	}
	e, err := s.docs.Doc(n.DocumentSlug)
	if err != nil {
		return err
	}
	back := "/notes/" + n.ID
	if placedNow(e, n) {
		back = conversationURL(r, e, n.Current.Anchor, n.ID) + "#note-" + n.ID
	}
	p := reasonPage{basePage: s.base(r, title), Action: action, Note: nv, Reason: reason, Errors: fe, BackURL: back}
	return s.pages.render(w, status, "reason.html", p)
}

// handleHideForm serves GET /notes/{id}/hide: the reason form.
func (s *Server) handleHideForm(w http.ResponseWriter, r *http.Request) error {
	return s.handleReasonForm(w, r, "hide")
}

// handleFlagForm serves GET /notes/{id}/flag: the reason form.
func (s *Server) handleFlagForm(w http.ResponseWriter, r *http.Request) error {
	return s.handleReasonForm(w, r, "flag")
}

func (s *Server) handleReasonForm(w http.ResponseWriter, r *http.Request, action string) error {
	if _, done := s.signedInFor(w, r, r.URL.RequestURI()); done {
		return nil
	}
	n, nv, err := s.moderationTarget(r, action)
	if err != nil {
		return err
	}
	return s.reasonForm(w, r, action, http.StatusOK, n, nv, "", nil)
}

// handleHide serves POST /notes/{id}/hide (reason): a teacher hides a note
// of their group; its author sees why, the rest of the group no longer
// sees it.
func (s *Server) handleHide(w http.ResponseWriter, r *http.Request) error {
	return s.handleReasoned(w, r, "hide")
}

// handleFlag serves POST /notes/{id}/flag (reason): a member reports a
// note of their group to its teachers.
func (s *Server) handleFlag(w http.ResponseWriter, r *http.Request) error {
	return s.handleReasoned(w, r, "flag")
}

func (s *Server) handleReasoned(w http.ResponseWriter, r *http.Request, action string) error {
	u, done := s.signedInFor(w, r, r.URL.Path)
	if done {
		return nil
	}
	n, nv, err := s.moderationTarget(r, action)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	reason := r.PostForm.Get("reason")
	if strings.TrimSpace(reason) == "" {
		fe := fieldErrors{"reason": "Say why, in a few words."}
		if action == "hide" {
			fe["reason"] = "Say why you hide it; its author will read this."
		}
		if wantsJSON(r) {
			return fe
		}
		return s.reasonForm(w, r, action, http.StatusUnprocessableEntity, n, nv, reason, fe)
	}
	ctx := r.Context()
	if action == "hide" {
		if n, err = s.db.Hide(ctx, u.ID, n.ID, reason); err != nil {
			return s.reasonError(w, r, action, n, nv, reason, err)
		}
	} else {
		if err := s.db.FlagNote(ctx, u.ID, n.ID, reason); err != nil {
			return s.reasonError(w, r, action, n, nv, reason, err)
		}
		if !wantsJSON(r) {
			http.Redirect(w, r, "/notes/"+n.ID+"?flagged=1", http.StatusSeeOther)
			return nil
		}
	}
	root, err := s.threadRoot(ctx, viewerOf(ctx), n)
	if err != nil {
		return err
	}
	return s.afterConversation(w, r, root, n.ID, http.StatusOK)
}

// reasonError shows a store's validation error (a reason too long) beside
// the reason field; other errors go to the error page.
func (s *Server) reasonError(w http.ResponseWriter, r *http.Request, action string, n store.Note, nv noteView, reason string, err error) error {
	if !errors.Is(err, store.ErrInvalid) || wantsJSON(r) {
		return err
	}
	return s.reasonForm(w, r, action, http.StatusUnprocessableEntity, n, nv, reason, fieldErrors{"reason": invalidMessage(err)})
}

// handleShare serves POST /notes/{id}/share: the author of a guide note
// copies it into every other group they teach; then to the note's page,
// which says how many groups got it.
func (s *Server) handleShare(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	u, done := s.signedInFor(w, r, "/notes/"+id)
	if done {
		return nil
	}
	copies, err := s.db.ShareGuide(r.Context(), u.ID, id)
	if err != nil {
		return err
	}
	if wantsJSON(r) {
		ids := make([]string, 0, len(copies))
		for _, c := range copies {
			ids = append(ids, c.ID)
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, jsonType, struct {
			Copies []string `json:"copies"`
		}{ids})
	}
	http.Redirect(w, r, "/notes/"+id+"?shared="+strconv.Itoa(len(copies)), http.StatusSeeOther)
	return nil
}

// --- notifications -------------------------------------------------------------

type notificationsPage struct {
	basePage
	Items []notificationView
}

type notificationView struct {
	ID       int64
	Kind     string // "reply" or "mention"
	Unread   bool
	Note     noteView
	DocTitle string
}

// Says is the notification in words. (A reply that also mentions the
// reader is one "reply": the store tells the parent's author once.)
func (n notificationView) Says() string {
	if n.Kind == "reply" {
		return n.Note.Author + " replied to your note"
	}
	return n.Note.Author + " mentioned you"
}

// handleNotifications serves GET /notifications: replies to my notes and
// mentions of me, unread first.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) error {
	u, done := s.signedInFor(w, r, "/notifications")
	if done {
		return nil
	}
	ctx := r.Context()
	list, err := s.db.Notifications(ctx, u.ID, 200)
	if err != nil {
		return err
	}
	rc, err := s.readerCtxOf(ctx)
	if err != nil {
		return err
	}
	p := notificationsPage{basePage: s.base(r, "Notifications")}
	room := pageNoteBytes // the newest first, as many as one page holds (bounds.go)
	for _, nt := range list {
		e, err := s.docs.Doc(nt.Note.DocumentSlug)
		if err != nil {
			continue // a document no longer published
		}
		nv := s.buildNoteView(nt.Note, rc, e.Slug, nil)
		if room -= len(nv.Body); len(p.Items) > 0 && room < 0 {
			break
		}
		p.Items = append(p.Items, notificationView{ID: nt.ID, Kind: nt.Kind, Unread: !nt.Read, Note: nv, DocTitle: e.Current.Meta.Title})
	}
	return s.pages.render(w, http.StatusOK, "notifications.html", p)
}

// handleMarkRead serves POST /notifications/read: all read, then back.
func (s *Server) handleMarkRead(w http.ResponseWriter, r *http.Request) error {
	u, done := s.signedInFor(w, r, "/notifications")
	if done {
		return nil
	}
	if err := s.db.MarkNotificationsRead(r.Context(), u.ID); err != nil {
		return err
	}
	if wantsJSON(r) {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}
