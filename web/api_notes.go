package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-json-experiment/json/jsontext"

	"glossa/content"
	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

// The JSON API follows the W3C Web Annotation Data Model and Protocol:
// annotations live in one container per document,
// /api/documents/{slug}/annotations/ (api_read.go), and each at
// /api/annotations/{id}, whose handlers are here, beside the note pages'
// (notes.go). README.md documents every property, including glossa's
// "audience".

const (
	ldpContext    = "http://www.w3.org/ns/ldp.jsonld"
	annoType      = transfer.AnnoType
	jsonType      = "application/json; charset=utf-8"
	containerPage = 100 // annotations per container page
	maxAPIBody    = 64 << 10
)

// --- JSON shapes -----------------------------------------------------------

// The W3C Web Annotation model is the transfer package's; the handlers
// name its types as they always have.
type (
	annotation = transfer.Annotation
	target     = transfer.Target
	selector   = transfer.Selector
	incoming   = transfer.Incoming
)

// --- conversions -----------------------------------------------------------

func (s *Server) annotationIRI(r *http.Request, id string) string {
	return transfer.AnnotationIRI(s.baseURL(r), id)
}

// An annotation's ETag is "v{version}-{digest}": the note's version in the
// store, which every change to the note itself moves (body, audience,
// target, tags, question, placement, resolved, accepted, hidden), and a
// digest of the representation as this caller is sent it, which moves
// with what others do around the note too (its reactions, the caller's
// own among them, and whether its author teaches the group). A
// conditional GET compares the whole tag, so a 304 never keeps stale
// counts.
//
// If-Match on PUT and DELETE compares the version alone (see ifMatch):
// the precondition is there so that nobody overwrites a change to the
// note they did not see, and a PUT neither sends nor replaces the
// reactions. Failing an author's edit because a classmate pressed
// Helpful since would protect nothing and teach clients to send "*".
// This departs from RFC 9110's strong comparison on purpose, and only in
// what it lets through: a tag whose version is not the note's is refused.
func annotationETag(version int64, body []byte) string {
	sum := sha256.Sum256(body)
	return `"v` + strconv.FormatInt(version, 10) + "-" + hex.EncodeToString(sum[:8]) + `"`
}

// contentETag is the ETag of a representation that has no version of its
// own (the container and its pages): a digest of its bytes.
func contentETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// entityTags splits an If-Match or If-None-Match value into its entity
// tags (weak ones without their W/), or reports "*".
func entityTags(v string) (tags []string, any bool) {
	for _, t := range strings.Split(v, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return nil, true
		}
		if t != "" {
			tags = append(tags, strings.TrimPrefix(t, "W/"))
		}
	}
	return tags, false
}

// notModified reports whether If-None-Match names etag (weak comparison,
// RFC 9110, 13.1.2).
func notModified(r *http.Request, etag string) bool {
	v := r.Header.Get("If-None-Match")
	if v == "" {
		return false
	}
	tags, any := entityTags(v)
	return any || slices.Contains(tags, strings.TrimPrefix(etag, "W/"))
}

// annotationHeaders are the headers every answer about an annotation
// itself carries (W3C Annotation Protocol, "Annotation Retrieval"): its
// LDP type and the methods it takes.
func annotationHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Add("Link", `<http://www.w3.org/ns/ldp#Resource>; rel="type"`)
	h.Add("Link", `<http://www.w3.org/ns/oa#Annotation>; rel="type"`)
	h.Set("Allow", "GET, HEAD, PUT, DELETE, OPTIONS")
}

// writeAnnotation answers with note n as the caller now sees it, and its
// ETag. An answer from another URL (a POST to the container, a reaction)
// names the annotation in Content-Location, so the ETag is known to be
// the annotation's.
func (s *Server) writeAnnotation(w http.ResponseWriter, r *http.Request, status int, n store.Note, e *library.Doc) error {
	b, err := encodeJSON(s.toAnnotation(r, n, e, true))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", annotationETag(n.Version, b))
	if iri := s.annotationIRI(r, n.ID); strings.TrimSuffix(r.URL.Path, "/") != "/api/annotations/"+n.ID {
		w.Header().Set("Content-Location", iri)
	}
	return writeBody(w, status, annoType, b)
}

// toAnnotation renders a note as a W3C annotation (transfer.ToAnnotation).
func (s *Server) toAnnotation(r *http.Request, n store.Note, e *library.Doc, withContext bool) annotation {
	return transfer.ToAnnotation(s.baseURL(r), n, e.Transfer(), withContext)
}

// decodeJSON decodes a request body into v; what names the body in the
// error ("The annotation"). The body is first read with jsontext, which
// refuses what encoding/json would change without a word: invalid UTF-8
// inside a string (encoding/json puts U+FFFD in its place) and escapes of
// unpaired surrogates ("\ud800"); its error says where, as a JSON pointer
// and a byte offset. The decoding itself stays encoding/json's, so the
// API's rules for names (matched regardless of case, the last of two
// alike winning) are what they were: jsontext is told to allow duplicate
// names. jsontext is go-json-experiment/json's, the package that
// encoding/json/jsontext is being made from.
func decodeJSON(raw []byte, v any, what string) error {
	if _, err := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true)).ReadValue(); err != nil {
		return errBadRequest(what + " is not valid JSON: " + strings.TrimPrefix(err.Error(), "jsontext: ") + ".")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return errBadRequest(what + " is not valid JSON: " + err.Error())
	}
	return nil
}

// readIncoming decodes and checks a posted annotation into a noteInput.
func readIncoming(w http.ResponseWriter, r *http.Request, slug string) (noteInput, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "application/ld+json" && ct != "application/json") {
		return noteInput{}, &httpError{status: http.StatusUnsupportedMediaType,
			msg: "Send the annotation as application/ld+json (or application/json)."}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return noteInput{}, err
	}
	var in incoming
	if err := decodeJSON(raw, &in, "The annotation"); err != nil {
		return noteInput{}, err
	}
	fe := fieldErrors{}
	ni := noteInput{Audience: string(in.Audience), Question: in.Motivation == "questioning"}
	if in.Question != nil {
		ni.Question = *in.Question
	}
	transfer.ReadBodies(in, &ni, fe)
	if in.Motivation == "highlighting" && strings.TrimSpace(ni.Body) != "" {
		fe["motivation"] = "A highlighting annotation has no body; use commenting."
	}
	if in.Target == nil {
		fe["target"] = "An annotation needs a target."
		return ni, fe
	}
	// A reply: its target is the annotation it answers, by IRI.
	if in.Target.IRI != "" || in.Motivation == "replying" {
		switch in.Motivation {
		case "", "replying", "commenting":
		default:
			fe["motivation"] = fmt.Sprintf("An annotation whose target is another annotation is a reply; use motivation \"replying\", not %q.", in.Motivation)
		}
		id := parentID(in.Target.IRI)
		if id == "" {
			fe["target"] = "A reply's target is the IRI of the annotation it answers (/api/annotations/{id}), as a string or {\"id\": IRI}."
		}
		ni.Parent = id
		if len(ni.Tags) > 0 {
			fe["body"] = "A reply has no tags; tag the annotation it answers."
		}
		if len(fe) > 0 {
			return ni, fe
		}
		return ni, nil
	}
	if src := in.Target.Source; src != "" && !strings.HasSuffix(strings.TrimRight(src, "/"), "/read/"+slug) {
		fe["target.source"] = fmt.Sprintf("The target source %q is not this document (/read/%s).", src, slug)
	}
	for _, t := range transfer.ReadSelectors(in.Target, &ni, fe) {
		fe["target.selector"] = fmt.Sprintf("Selector type %q is not supported; use a FragmentSelector refined by TextPositionSelector and/or TextQuoteSelector.", t)
	}
	if ni.Anchor == "" && fe["target.selector"] == "" {
		fe["target.selector"] = "The target needs a FragmentSelector whose value is a paragraph anchor (p-…)."
	}
	if len(fe) > 0 {
		return ni, fe
	}
	return ni, nil
}

// parentID is the note id in a reply target's IRI (transfer.ParentID).
func parentID(iri string) string { return transfer.ParentID(iri) }

// newNoteData is a validated new annotation.
type newNoteData struct {
	body     string
	audience store.Audience
	group    int64
	target   store.Original
	tags     []string // normalized; never nil
}

// inputTags normalizes an annotation's tags (store.NormalizeTags), naming
// the problem in fe["tags"]. It never returns nil, so that an update with
// no tags clears them.
func inputTags(tags []string, fe fieldErrors) []string {
	out, err := store.NormalizeTags(tags, store.MaxTagsPerNote)
	if err != nil {
		fe["tags"] = invalidMessage(err)
		return []string{}
	}
	return out
}

// noteFromInput validates a decoded annotation against document e; roles
// are the creator's groups.
func noteFromInput(e *library.Doc, in noteInput, roles map[int64]store.Role) (newNoteData, error) {
	fe := fieldErrors{}
	var d newNoteData
	d.body = validateBody(in.Body, fe)
	d.audience, d.group = parseAudience(in.Audience, roles, fe)
	d.tags = inputTags(in.Tags, fe)
	if in.Question && strings.TrimSpace(d.body) == "" {
		fe["question"] = "A question needs a body."
	}
	t, err := library.Resolve(e, in, fe)
	if err != nil {
		return d, err
	}
	d.target = t
	if len(fe) > 0 {
		return d, fe
	}
	return d, nil
}

// --- handlers --------------------------------------------------------------

// apiCreate serves POST /api/documents/{slug}/annotations/: 201 with
// Location, ETag and the stored annotation, its quote filled in from the
// server's own text.
func (s *Server) apiCreate(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	containerLinks(w)
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	in, err := readIncoming(w, r, e.Slug)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var n store.Note
	if in.Parent != "" {
		parent, err := s.replyParent(ctx, e, in.Parent)
		if err != nil {
			return err
		}
		body, err := replyBody(in.Body)
		if err != nil {
			return err
		}
		n, err = s.db.CreateNote(ctx, store.NewNote{AuthorID: u.ID, ParentID: parent.ID, Body: body, Mentions: content.NoteMentions(body)})
		if err != nil {
			return err
		}
	} else {
		// The caller's groups matter only for an audience naming one;
		// most notes are private or public, and skip the query.
		roles := map[int64]store.Role{}
		if strings.Contains(in.Audience, ":") {
			rc, err := s.readerCtxOf(ctx)
			if err != nil {
				return err
			}
			roles = rc.roles
		}
		d, err := noteFromInput(e, in, roles)
		if err != nil {
			return err
		}
		n, err = s.db.CreateNote(ctx, store.NewNote{
			DocumentID: e.ID, AuthorID: u.ID, Audience: d.audience, GroupID: d.group, Question: in.Question,
			Body: d.body, Target: d.target, Mentions: content.NoteMentions(d.body), Tags: d.tags,
		})
		if err != nil {
			return err
		}
	}
	w.Header().Set("Location", s.annotationIRI(r, n.ID))
	return s.writeAnnotation(w, r, http.StatusCreated, n, e)
}

// apiNote loads the annotation named in the URL, if the caller may see it.
func (s *Server) apiNote(r *http.Request) (store.Note, *library.Doc, error) {
	n, err := s.db.Note(r.Context(), viewerOf(r.Context()), chi.URLParam(r, "id"))
	if err != nil {
		return n, nil, err
	}
	e, err := s.docs.Doc(n.DocumentSlug)
	return n, e, err
}

// apiGet serves GET (and HEAD) /api/annotations/{id}; If-None-Match with
// its current ETag answers 304.
func (s *Server) apiGet(w http.ResponseWriter, r *http.Request) error {
	n, e, err := s.apiNote(r)
	if err != nil {
		return err
	}
	b, err := encodeJSON(s.toAnnotation(r, n, e, true))
	if err != nil {
		return err
	}
	tag := annotationETag(n.Version, b)
	annotationHeaders(w)
	w.Header().Set("ETag", tag)
	if notModified(r, tag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeBody(w, http.StatusOK, annoType, b)
}

// apiOptions serves OPTIONS /api/annotations/{id}: the methods it takes,
// for an annotation the caller may see (404 otherwise, as for GET).
func (s *Server) apiOptions(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.apiNote(r); err != nil {
		return err
	}
	annotationHeaders(w)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// ifMatch checks If-Match against the note's current version: it returns
// 0 for "*" and the version when one of the tags names it (as
// "v{version}-{digest}", or "v{version}" as glossa wrote them before); 428
// when the header is missing, 412 when no tag names the current version.
// Only the version is compared; annotationETag says why.
func ifMatch(r *http.Request, current int64) (int64, error) {
	m := strings.TrimSpace(r.Header.Get("If-Match"))
	if m == "" {
		return 0, &httpError{status: http.StatusPreconditionRequired,
			msg: "Send If-Match with the ETag you read, so a change made since is not overwritten."}
	}
	tags, any := entityTags(m)
	if any {
		return 0, nil
	}
	for _, t := range tags {
		vs, _, _ := strings.Cut(strings.TrimPrefix(strings.Trim(t, `"`), "v"), "-")
		v, err := strconv.ParseInt(vs, 10, 64)
		if err != nil || v < 1 {
			return 0, &httpError{status: http.StatusPreconditionFailed, msg: fmt.Sprintf("If-Match %s is not an ETag of this annotation.", t)}
		}
		if v == current {
			return v, nil
		}
	}
	return 0, &httpError{status: http.StatusPreconditionFailed, err: store.ErrStale,
		msg: "The annotation was changed since you read it (If-Match " + m + "). GET it again and make your change on what it is now."}
}

// ownAPINote loads the caller's own annotation; someone else's that the
// caller can see answers 403.
func (s *Server) ownAPINote(r *http.Request) (store.Note, *library.Doc, *store.User, error) {
	u, err := requireUser(r)
	if err != nil {
		return store.Note{}, nil, nil, err
	}
	n, e, err := s.apiNote(r)
	if err != nil {
		return n, nil, nil, err
	}
	if n.Author.ID != u.ID {
		return n, nil, nil, errForbidden("Only the annotation's creator can change it.")
	}
	return n, e, u, nil
}

// apiPut serves PUT /api/annotations/{id}: replace body, audience and
// target. If-Match is required; a stale ETag gets 412.
func (s *Server) apiPut(w http.ResponseWriter, r *http.Request) error {
	n, e, u, err := s.ownAPINote(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r, n.Version)
	if err != nil {
		return err
	}
	in, err := readIncoming(w, r, e.Slug)
	if err != nil {
		return err
	}
	if n.ParentID != "" || in.Parent != "" {
		return s.apiPutReply(w, r, n, e, u, version, in)
	}
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return err
	}
	upd := store.NoteUpdate{Question: in.Question}
	fe := fieldErrors{}
	upd.Body = validateBody(in.Body, fe)
	upd.Mentions = content.NoteMentions(upd.Body)
	// PUT replaces the annotation: tags not sent are removed.
	upd.Tags = inputTags(in.Tags, fe)
	// Keeping the audience needs no check here; any change to a note in
	// a group needs its author still in that group, which the store
	// checks (store.ErrNotInAudience, 403).
	upd.Audience, upd.GroupID = n.Audience, n.GroupID
	if in.Audience != audienceValue(n.Audience, n.GroupID) {
		upd.Audience, upd.GroupID = parseAudience(in.Audience, rc.roles, fe)
	}
	if in.Question && strings.TrimSpace(upd.Body) == "" {
		fe["question"] = "A question needs a body."
	}
	// A target equal to the current one leaves the note where it is, even
	// when that is on an earlier revision; a new target must be on the
	// current revision.
	if !sameTarget(n.Current.Target, in) {
		t, err := library.Resolve(e, in, fe)
		if err != nil {
			return err
		}
		upd.Target = &t
	}
	if len(fe) > 0 {
		return fe
	}
	old := n
	n, err = s.db.UpdateNote(r.Context(), u.ID, n.ID, version, upd)
	if errors.Is(err, store.ErrWidens) {
		msg := widensMessage(old)
		return &httpError{status: http.StatusConflict, msg: msg, err: fieldErrors{"audience": msg}}
	}
	if err != nil {
		return err
	}
	annotationHeaders(w)
	return s.writeAnnotation(w, r, http.StatusOK, n, e)
}

func sameTarget(t store.Target, in noteInput) bool {
	if in.Anchor != t.Anchor {
		return false
	}
	if in.Start != nil && (*in.Start != t.Start || in.End == nil || *in.End != t.End) {
		return false
	}
	if in.Exact != "" && in.Exact != t.Exact {
		return false
	}
	return (in.Start != nil || in.Exact != "") == (t.Exact != "")
}

// apiDelete serves DELETE /api/annotations/{id}; If-Match is optional here
// and honoured when sent.
func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request) error {
	n, _, u, err := s.ownAPINote(r)
	if err != nil {
		return err
	}
	var version int64
	if r.Header.Get("If-Match") != "" {
		if version, err = ifMatch(r, n.Version); err != nil {
			return err
		}
	}
	if err := s.db.DeleteNote(r.Context(), u.ID, n.ID, version); err != nil {
		if errors.Is(err, store.ErrStale) {
			return &httpError{status: http.StatusPreconditionFailed, msg: "The annotation was changed since you read it.", err: err}
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
