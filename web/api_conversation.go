package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

// The conversation API: replies go through the annotation container
// (motivation "replying", target = the parent's IRI, see readIncoming);
// the rest are small JSON endpoints on an annotation, with the same rules
// as the pages (the store enforces them).

// replyParent loads the annotation a reply answers: one the caller may see,
// on document e, not itself a reply.
func (s *Server) replyParent(ctx context.Context, e *library.Doc, id string) (store.Note, error) {
	p, err := s.db.Note(ctx, viewerOf(ctx), id)
	if errors.Is(err, store.ErrNotFound) {
		return p, fieldErrors{"target": fmt.Sprintf("There is no annotation %q that you can see to reply to.", id)}
	}
	if err != nil {
		return p, err
	}
	switch {
	case p.DocumentSlug != e.Slug:
		return p, fieldErrors{"target": fmt.Sprintf("Annotation %q is on another document; post the reply to /api/documents/%s/annotations/.", id, p.DocumentSlug)}
	case p.ParentID != "":
		return p, fieldErrors{"target": fmt.Sprintf("Annotation %q is itself a reply; reply to %q, the first annotation of its thread.", id, p.ParentID)}
	}
	return p, nil
}

// replyBody checks a reply's body (store.ReplyBody).
func replyBody(body string) (string, error) { return store.ReplyBody(body) }

// apiPutReply replaces a reply's body; its target must stay its parent.
func (s *Server) apiPutReply(w http.ResponseWriter, r *http.Request, n store.Note, e *library.Doc, u *store.User, version int64, in noteInput) error {
	if n.ParentID == "" {
		return fieldErrors{"target": "An annotation on the text cannot become a reply; create a new one."}
	}
	if in.Parent != n.ParentID {
		return fieldErrors{"target": fmt.Sprintf("A reply stays in its thread; its target is %s.", s.annotationIRI(r, n.ParentID))}
	}
	body, err := replyBody(in.Body)
	if err != nil {
		return err
	}
	n, err = s.db.UpdateNote(r.Context(), u.ID, n.ID, version, store.NoteUpdate{Body: body, Mentions: content.NoteMentions(body)})
	if err != nil {
		return err
	}
	annotationHeaders(w)
	return s.writeAnnotation(w, r, http.StatusOK, n, e)
}

// readJSON decodes a small JSON request body (up to 16 KB, sent as
// application/json or any +json type) into v. An optional body may be
// empty, leaving v as it was: the conversation calls have defaults.
func readJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if optional && len(strings.TrimSpace(string(raw))) == 0 {
		return nil
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (ct != "application/json" && !strings.HasSuffix(ct, "+json")) {
		return &httpError{status: http.StatusUnsupportedMediaType, msg: "Send the request body as application/json."}
	}
	return decodeJSON(raw, v, "The request body")
}

// annotationAfter answers a conversation call with the annotation as the
// caller now sees it.
func (s *Server) annotationAfter(w http.ResponseWriter, r *http.Request, n store.Note) error {
	e, err := s.docs.Doc(n.DocumentSlug)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.writeAnnotation(w, r, http.StatusOK, n, e)
}

// apiReact serves PUT and DELETE /api/annotations/{id}/reactions/{kind}
// (kind helpful or same): set or clear the caller's reaction; the answer is
// the annotation with its counts.
func (s *Server) apiReact(on bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := requireUser(r)
		if err != nil {
			return err
		}
		kind, err := reactionKind(chi.URLParam(r, "kind"))
		if err != nil {
			return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("There is no reaction %q; use helpful or same.", chi.URLParam(r, "kind"))}
		}
		n, err := s.db.React(r.Context(), u.ID, chi.URLParam(r, "id"), kind, on)
		if err != nil {
			return err
		}
		return s.annotationAfter(w, r, n)
	}
}

// apiHide serves POST /api/annotations/{id}/hide {"reason"}: teachers of
// the annotation's group only.
func (s *Server) apiHide(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return fieldErrors{"reason": "Say why you hide it; its author will read this."}
	}
	n, err := s.db.Hide(r.Context(), u.ID, chi.URLParam(r, "id"), in.Reason)
	if err != nil {
		return err
	}
	return s.annotationAfter(w, r, n)
}

// apiRestore serves POST /api/annotations/{id}/restore.
func (s *Server) apiRestore(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	n, err := s.db.Restore(r.Context(), u.ID, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return s.annotationAfter(w, r, n)
}

// apiFlagAnnotation serves POST /api/annotations/{id}/flag {"reason"}: a member
// reports a group annotation to its teachers; 204.
func (s *Server) apiFlagAnnotation(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return fieldErrors{"reason": "Say why, in a few words."}
	}
	if err := s.db.FlagNote(r.Context(), u.ID, chi.URLParam(r, "id"), in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiResolve serves POST /api/annotations/{id}/resolve {"resolved": bool}
// (true when absent).
func (s *Server) apiResolve(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	in := struct {
		Resolved *bool `json:"resolved"`
	}{}
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	resolved := in.Resolved == nil || *in.Resolved
	n, err := s.db.SetResolved(r.Context(), u.ID, chi.URLParam(r, "id"), resolved)
	if err != nil {
		return err
	}
	return s.annotationAfter(w, r, n)
}

// apiAccept serves POST /api/annotations/{id}/accept {"reply": id or IRI}
// ("" or null clears the accepted answer).
func (s *Server) apiAccept(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	var in struct {
		Reply string `json:"reply"`
	}
	if err := readJSON(w, r, &in, true); err != nil {
		return err
	}
	reply := in.Reply
	if strings.Contains(reply, "/") {
		if reply = parentID(reply); reply == "" {
			return fieldErrors{"reply": fmt.Sprintf("%q is not an annotation's IRI.", in.Reply)}
		}
	}
	n, err := s.db.Accept(r.Context(), u.ID, chi.URLParam(r, "id"), reply)
	if err != nil {
		return err
	}
	return s.annotationAfter(w, r, n)
}

// apiShare serves POST /api/annotations/{id}/share: the author of a guide
// annotation copies it into every other group they teach; the answer lists
// the copies made.
func (s *Server) apiShare(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	copies, err := s.db.ShareGuide(r.Context(), u.ID, chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	out := struct {
		Copies []annotation `json:"copies"`
	}{Copies: []annotation{}}
	for _, c := range copies {
		e, err := s.docs.Doc(c.DocumentSlug)
		if err != nil {
			return err
		}
		out.Copies = append(out.Copies, s.toAnnotation(r, c, e, false))
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, jsonType, out)
}

type apiNotification struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"` // "reply" or "mention"
	Created    string     `json:"created"`
	Read       bool       `json:"read"`
	Annotation annotation `json:"annotation"`
}

// apiNotifications serves GET /api/notifications: replies to the caller's
// annotations and mentions of them, unread first, with the unread count.
func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	list, err := s.db.Notifications(ctx, u.ID, 200)
	if err != nil {
		return err
	}
	unread, err := s.db.UnreadNotifications(ctx, u.ID)
	if err != nil {
		return err
	}
	out := struct {
		Unread int               `json:"unread"`
		Items  []apiNotification `json:"items"`
	}{Unread: unread, Items: []apiNotification{}}
	for _, nt := range list {
		e, err := s.docs.Doc(nt.Note.DocumentSlug)
		if err != nil {
			continue
		}
		out.Items = append(out.Items, apiNotification{
			ID: nt.ID, Kind: nt.Kind, Created: nt.CreatedAt.UTC().Format(time.RFC3339), Read: nt.Read,
			Annotation: s.toAnnotation(r, nt.Note, e, false),
		})
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, jsonType, out)
}

// apiMarkRead serves POST /api/notifications/read: all read; 204.
func (s *Server) apiMarkRead(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	if err := s.db.MarkNotificationsRead(r.Context(), u.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
