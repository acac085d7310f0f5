package web

// The guided tour: a group's guide notes (notes a teacher of the group
// wrote for the group) in reading order, one stop per paragraph.
//
// GET /read/{slug}/tour?group=ID&stop=N is one page per stop and needs no
// JavaScript. With JavaScript, tour.js walks the same stops on the reading
// page itself, from the list of anchors the "Guided tour" link carries.

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

// tourStop is one paragraph of a tour with its guide notes.
type tourStop struct {
	Anchor string
	Notes  []store.Note
}

// guideStops picks group g's guide notes out of notes (which the store
// returns in reading order, already filtered for the viewer) and groups
// them by paragraph. Replies, notes hidden by moderation and notes whose
// words are not in the current revision make no stop.
func guideStops(notes []store.Note, e *library.Doc, groupID int64) []tourStop {
	var stops []tourStop
	at := map[string]int{}
	for _, n := range notes {
		if !n.Guide || n.GroupID != groupID || n.ParentID != "" || n.Hidden {
			continue
		}
		c := n.Current
		if c.RevisionID != e.Rev.ID || c.Status == store.StatusOrphan || e.Current.Block(c.Anchor) == nil {
			continue
		}
		i, ok := at[c.Anchor]
		if !ok {
			i = len(stops)
			at[c.Anchor] = i
			stops = append(stops, tourStop{Anchor: c.Anchor})
		}
		stops[i].Notes = append(stops[i].Notes, n)
	}
	return stops
}

// tourLink offers one group's tour on the reading page.
type tourLink struct {
	Slug    string
	GroupID int64
	Name    string
	Anchors []string // the stops, for tour.js
}

// URL is the tour's first stop as a page.
func (t tourLink) URL() string { return tourURL(t.Slug, t.GroupID, 1) }

// StopList is data-stops: the anchors, space-separated (anchors have no
// spaces).
func (t tourLink) StopList() string { return strings.Join(t.Anchors, " ") }

func tourURL(slug string, group int64, stop int) string {
	return "/read/" + slug + "/tour?" + url.Values{
		"group": {strconv.FormatInt(group, 10)}, "stop": {strconv.Itoa(stop)},
	}.Encode()
}

// tourLinks lists the tours the viewer can take: one per group of theirs
// with guide notes they may see on this document. The store finds the
// stops from the guide notes alone (store.DB.GuideStops), so the reading
// page does not read every note to offer a tour.
func (s *Server) tourLinks(ctx context.Context, ms []store.Membership, viewer store.Viewer, e *library.Doc) ([]tourLink, error) {
	stops, err := s.db.GuideStops(ctx, viewer, e.ID)
	if err != nil {
		return nil, err
	}
	var out []tourLink
	for _, m := range ms {
		anchors := stops[m.Group.ID]
		if len(anchors) == 0 {
			continue
		}
		out = append(out, tourLink{Slug: e.Slug, GroupID: m.Group.ID, Name: m.Group.Name, Anchors: anchors})
	}
	return out, nil
}

// tourPage is one stop of a guided tour.
type tourPage struct {
	basePage
	Slug     string
	DocTitle string
	Group    store.Group
	Stop     int // from 1
	Total    int
	Label    string        // "paragraph 3"
	Block    template.HTML // the paragraph, its guide notes' words highlighted
	Notes    []noteView    // the guide notes at this stop, as many as a page shows
	More     int           // the guide notes left to the paragraph's page
	MoreURL  string
	Stops    []tourItem // every stop, for the list at the foot
	Prev     string     // URL of the previous stop, "" on the first
	Next     string     // URL of the next stop, "" on the last
	Back     string     // the essay at this paragraph
}

type tourItem struct {
	N       int
	Label   string
	URL     string
	Current bool
}

// handleTour serves GET /read/{slug}/tour?group=ID&stop=N: stop N (from 1)
// of group ID's guided tour of the document, for members of the group.
func (s *Server) handleTour(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	gid, err := strconv.ParseInt(q.Get("group"), 10, 64)
	if err != nil || gid <= 0 {
		return errNotFound
	}
	stop := 1
	if v := q.Get("stop"); v != "" {
		if stop, err = strconv.Atoi(v); err != nil || stop < 1 {
			return errNotFound
		}
	}
	// Not a member: the same answer as a group that does not exist.
	if _, err := s.db.RoleOf(ctx, u.ID, gid); err != nil {
		if errors.Is(err, store.ErrForbidden) {
			return errNotFound
		}
		return err
	}
	g, err := s.db.Group(ctx, gid)
	if err != nil {
		return err
	}
	viewer := viewerOf(ctx)
	notes, err := s.db.Notes(ctx, viewer, store.NoteQuery{DocumentID: e.ID, WithoutBodies: true})
	if err != nil {
		return err
	}
	stops := guideStops(notes, e, gid)
	d := e.Current
	p := tourPage{
		basePage: s.base(r, "Guided tour: "+d.Meta.Title), Slug: e.Slug, DocTitle: d.Meta.Title,
		Group: g, Stop: stop, Total: len(stops),
	}
	if len(stops) == 0 {
		if stop != 1 {
			return errNotFound
		}
		p.Back = "/read/" + e.Slug + "?group=" + strconv.FormatInt(gid, 10)
		return s.pages.render(w, http.StatusOK, "tour.html", p)
	}
	if stop > len(stops) {
		return errNotFound
	}
	labels := blockLabels(d)
	for i, st := range stops {
		p.Stops = append(p.Stops, tourItem{
			N: i + 1, Label: labels[d.Block(st.Anchor).Index], URL: tourURL(e.Slug, gid, i+1), Current: i+1 == stop,
		})
	}
	cur := stops[stop-1]
	b := d.Block(cur.Anchor)
	p.Label = labels[b.Index]
	p.Title = "Stop " + strconv.Itoa(stop) + " of " + strconv.Itoa(len(stops)) + " · Guided tour: " + d.Meta.Title
	rc, err := s.readerCtxOf(ctx)
	if err != nil {
		return err
	}
	// A stop shows as many of its guide notes as a margin does.
	budget := newPageBudget()
	var chosen []*thread
	for i, n := range cur.Notes {
		t := &thread{note: n}
		if i == marginThreads || !budget.choose(t, 0, i == 0) {
			break
		}
		chosen = append(chosen, t)
	}
	if err := s.loadBodies(ctx, viewer, chosen); err != nil {
		return err
	}
	revNumbers := revisionNumbers(e)
	var marks []content.Mark
	for i, t := range chosen {
		nv := s.threadView(t, rc, e.Slug, revNumbers, true)
		if !budget.fits(htmlSize(nv), i == 0) {
			break
		}
		p.Notes = append(p.Notes, nv)
		if n := t.note; n.Current.Exact != "" {
			marks = append(marks, markFor(n, n.Current.Target, viewer))
		}
	}
	if p.More = len(cur.Notes) - len(p.Notes); p.More > 0 {
		rc.group = gid
		p.MoreURL = paragraphNotesURL(e.Slug, 0, cur.Anchor, 0, rc)
	}
	p.Block = b.HTML()
	if len(marks) > 0 {
		p.Block = b.Highlight(marks)
	}
	if stop > 1 {
		p.Prev = tourURL(e.Slug, gid, stop-1)
	}
	if stop < len(stops) {
		p.Next = tourURL(e.Slug, gid, stop+1)
	}
	p.Back = "/read/" + e.Slug + "?group=" + strconv.FormatInt(gid, 10) + "#" + cur.Anchor
	return s.pages.render(w, http.StatusOK, "tour.html", p)
}
