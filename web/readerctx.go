package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"glossa/library"
	"glossa/store"
)

// The reader's context: who reads, in which groups, in what order and
// with the guide layer on or off, read from a request's URL, cookie and
// session, and the URLs that keep it (readURL, conversationURL).

// Orders of the margin (?sort=).
const (
	sortPosition  = "position"  // reading order (the default)
	sortTime      = "time"      // newest first
	sortReactions = "reactions" // most helpful + same-question first
)

// guideCookie keeps the reader's "hide the guide layer" in the browser:
// "off" or "on". It is a plain cookie, not part of the session, because a
// reader who is not signed in may set it too, and a session for them
// would be a row in the database per request (see handleGuidePref).
const guideCookie = "glossa_guide"

// sessionGuideOff is where the switch lived before, in the session; a
// signed-in reader's old choice is still read when the browser has no
// cookie yet.
const sessionGuideOff = "guide_off"

// readerCtx is what a margin depends on besides the notes: who reads, the
// groups they are in, and how they asked for the page.
type readerCtx struct {
	viewer   store.Viewer
	groups   []store.Membership
	roles    map[int64]store.Role
	sort     string
	group    int64 // ?group=, when the reader belongs to it
	guideOff bool
}

// teachesOtherThan reports whether the reader teaches a group besides g.
func (rc *readerCtx) teachesOtherThan(g int64) bool {
	for _, m := range rc.groups {
		if m.Role == store.RoleTeacher && m.Group.ID != g {
			return true
		}
	}
	return false
}

// readerCtxOf is the context of ctx's viewer with the defaults: reading
// order, no group, guide layer on.
func (s *Server) readerCtxOf(ctx context.Context) (*readerCtx, error) {
	rc := &readerCtx{viewer: viewerOf(ctx), roles: map[int64]store.Role{}, sort: sortPosition}
	if rc.viewer.UserID == 0 {
		return rc, nil
	}
	ms, err := s.db.Memberships(ctx, rc.viewer.UserID)
	if err != nil {
		return nil, err
	}
	rc.groups = ms
	for _, m := range ms {
		rc.roles[m.Group.ID] = m.Role
	}
	return rc, nil
}

// buildReaderCtx is the context of a reading page: ?sort= and ?group= from its
// URL, the guide layer's switch from the session.
func (s *Server) buildReaderCtx(r *http.Request) (*readerCtx, error) {
	return s.readerCtxFrom(r, r.URL.Query())
}

func (s *Server) readerCtxFrom(r *http.Request, q url.Values) (*readerCtx, error) {
	rc, err := s.readerCtxOf(r.Context())
	if err != nil {
		return nil, err
	}
	switch q.Get("sort") {
	case sortTime, sortReactions:
		rc.sort = q.Get("sort")
	}
	if g, err := strconv.ParseInt(q.Get("group"), 10, 64); err == nil {
		if _, ok := rc.roles[g]; ok {
			rc.group = g
		}
	}
	rc.guideOff = s.guideOff(r)
	return rc, nil
}

// guideOff reports whether the reader hid the guide layer.
func (s *Server) guideOff(r *http.Request) bool {
	if c, err := r.Cookie(guideCookie); err == nil {
		return c.Value == "off"
	}
	return s.sessions.GetBool(r.Context(), sessionGuideOff)
}

// guidePref names the guide layer's switch for the page cache's key.
func (s *Server) guidePref(r *http.Request) string {
	if s.guideOff(r) {
		return "guide-off"
	}
	return "guide-on"
}

// refererPage returns the path and query of the page r came from when it
// is one of ours (same host), else nil. Forms and the reader's scripts post
// from a reading or note page; going back there keeps its ?sort= and
// ?group= without a hidden field in every cached form.
func refererPage(r *http.Request) *url.URL {
	ref := r.Header.Get("Referer")
	if ref == "" {
		return nil
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host != r.Host {
		return nil
	}
	// Callers redirect to it: the same check as every "next".
	back, ok := localPath((&url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}).String())
	if !ok {
		return nil
	}
	if u, err = url.Parse(back); err != nil {
		return nil
	}
	return u
}

// contextQuery is the ?sort= and ?group= of a request for part of a
// reading page: its own query when it has them, else the page it came from.
func contextQuery(r *http.Request, slug string) url.Values {
	q := r.URL.Query()
	if q.Has("sort") || q.Has("group") {
		return q
	}
	if ref := refererPage(r); ref != nil && (ref.Path == "/read/"+slug || ref.Path == "/read/"+slug+"/annotate") {
		return ref.Query()
	}
	return q
}

// conversationURL is the conversation of paragraph anchor at the page
// holding note (when given), with the context of the page r came from.
func conversationURL(r *http.Request, e *library.Doc, anchor, note string) string {
	q := contextQuery(r, e.Slug)
	keep := url.Values{}
	for _, k := range []string{"group", "sort"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if note != "" {
		keep.Set("note", note)
	}
	u := "/read/" + e.Slug + "/notes/" + anchor
	if len(keep) > 0 {
		u += "?" + keep.Encode()
	}
	return u
}

// readURL is the reading page with the context of the page r came from.
func readURL(r *http.Request, slug string) string {
	q := contextQuery(r, slug)
	keep := url.Values{}
	for _, k := range []string{"group", "sort"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	u := "/read/" + slug
	if len(keep) > 0 {
		u += "?" + keep.Encode()
	}
	return u
}
