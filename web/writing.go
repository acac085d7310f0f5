package web

import (
	"context"
	"glossa/library"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Writing to: the audience of a reader's new notes is always in sight. The
// reading page's header shows it ("Writing to: Everyone in IR 201") and
// changes it; every editor starts from it. A signed-in reader's choice is
// kept per document in the database (store.SetWritingTo); a reader who is
// not signed in writes nothing, and has no choice to keep.

// writingTo is the audience rc's reader writes to on e before they choose
// another for one note: the one they chose for e, while they may still
// write to it; else the group of ?group= when there is one; else only me.
func (s *Server) writingTo(ctx context.Context, rc *readerCtx, e *library.Doc) (string, error) {
	if rc.viewer.UserID != 0 {
		a, g, ok, err := s.db.WritingTo(ctx, rc.viewer.UserID, e.ID)
		if err != nil {
			return "", err
		}
		if _, member := rc.roles[g]; ok && (g == 0 || member) {
			return audienceValue(a, g), nil
		}
	}
	return defaultAudience(rc), nil
}

// writingToView is the reading page's "Writing to" control.
type writingToView struct {
	Action    string // where it posts
	Audiences []audienceOption
}

// Label names the chosen audience.
func (w writingToView) Label() string {
	for _, o := range w.Audiences {
		if o.Selected {
			return o.Label
		}
	}
	return ""
}

// handleWritingTo serves POST /read/{slug}/writing-to (audience, next):
// the signed-in reader's audience for new notes on the document, then
// back to next (or, for the reader's JavaScript, the choice as JSON).
func (s *Server) handleWritingTo(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	u, done := s.signedInFor(w, r, "/read/"+e.Slug)
	if done {
		return nil
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	a, g := parseAudience(r.PostForm.Get("audience"), rc.roles, fe)
	if len(fe) > 0 {
		return fe
	}
	if err := s.db.SetWritingTo(r.Context(), u.ID, e.ID, a, g); err != nil {
		return err
	}
	if wantsJSON(r) {
		w.Header().Set("Cache-Control", "no-store")
		v := audienceValue(a, g)
		return writeJSON(w, http.StatusOK, jsonType, struct {
			Audience string `json:"audience"`
			Label    string `json:"label"`
		}{v, writingToView{Audiences: audienceOptions(rc.groups, v, "")}.Label()})
	}
	http.Redirect(w, r, localNext(r.PostForm.Get("next")), http.StatusSeeOther)
	return nil
}
