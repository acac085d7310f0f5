package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/store"
)

// paragraphPage is a paragraph's conversation: every note on it that the
// reader may see, a page of threads at a time, with the forms to write,
// reply and react. Without JavaScript it is its own page, where a margin's
// "¶ 12 notes" leads; with JavaScript the same HTML, without the page
// around it (?part=conversation), opens in a panel beside the paragraph.
// The same page lists the notes on an earlier version.
type paragraphPage struct {
	basePage
	Slug     string
	Anchor   string
	DocTitle string
	Revision int  // the revision's number
	Old      bool // an earlier revision than the current one
	Label    string
	Earlier  bool          // the notes whose words are not in the text
	Block    template.HTML // the paragraph, the shown notes' quotes marked
	Threads  []noteView
	Total    int // threads on the paragraph
	Listed   int // threads in this list: Total, or those of ?notes=
	From, To int // this page shows threads From+1 to To
	Prev     string
	Next     string
	Back     string // the reading page at the paragraph
	// Fragment: the panel, not the page (?part=conversation).
	Fragment bool
	// Only: the threads asked for by ?notes= (a highlight's), of Total;
	// All is the conversation without that filter.
	Only []string
	All  string
	// Writing is the new note's form, for a signed-in reader on the
	// current revision.
	Writing *newNoteView
}

// newNoteView is the conversation's form for a new note on a paragraph.
type newNoteView struct {
	Annotate  string // the no-JavaScript annotate page, which the panel's script turns into its editor
	Audiences []audienceOption
}

// First is the place of the page's first thread, from 1.
func (p paragraphPage) First() int { return p.From + 1 }

// Rest is how many threads come after this page.
func (p paragraphPage) Rest() int { return p.Listed - p.To }

// maxOnly bounds ?notes=: a highlight opens at most this many notes (a
// reading page marks at most marginMarks quotes on a paragraph, a
// conversation page those of the listThreads threads it shows).
const maxOnly = listThreads

// handleParagraphNotes serves GET /read/{slug}/notes/{anchor} and
// /read/{slug}/rev/{n}/notes/{anchor}: a paragraph's conversation on the
// current revision (or on revision n): the notes the reader may see, in
// the margin's order (?sort=, guide notes first), listThreads threads and
// as much as one page holds at a time from thread ?from=N, with links to
// the page before and after; ?note=ID opens the page that holds the
// thread of note (or reply) ID. ?notes=ID,ID… shows only those threads
// (the notes of a highlighted phrase). ?part=conversation answers the
// panel's HTML alone. Anchor "earlier" lists the notes whose words are
// not in that revision.
func (s *Server) handleParagraphNotes(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, rev, old := e.Current, e.Rev, false
	if v := chi.URLParam(r, "n"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errNotFound
		}
		if n != e.Rev.Number {
			if d, rev, err = s.docs.Revision(ctx, e, n); err != nil {
				return err
			}
			old = true
		}
	}
	anchor := chi.URLParam(r, "anchor")
	var blk *content.Block
	if anchor != earlierAnchor {
		if blk = d.Block(anchor); blk == nil {
			return errNotFound
		}
	}
	q := r.URL.Query()
	from := -1
	if v := q.Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			return errBadRequest("from must be a note's place in the list: a whole number, 0 or more.")
		}
	}
	var only []string
	if v := q.Get("notes"); v != "" {
		only = strings.Split(v, ",")
		if len(only) > maxOnly {
			return errBadRequest(fmt.Sprintf("notes names at most %d notes, separated by commas.", maxOnly))
		}
	}
	rc, err := s.buildReaderCtx(r)
	if err != nil {
		return err
	}
	notes, err := s.revisionNotes(ctx, rc.viewer, e, rev, old)
	if err != nil {
		return err
	}
	byAnchor, earlier := placeThreads(notes, d, rev)
	ts := earlier
	if blk != nil {
		ts = byAnchor[anchor]
		sortMargin(ts, rc.sort)
	}
	total := len(ts)
	if only != nil {
		ts = onlyThreads(ts, only)
	}
	if from < 0 {
		from = 0
		if id := q.Get("note"); id != "" {
			from = threadPage(ts, notes, id)
		}
	}

	revNo := 0
	if old {
		revNo = rev.Number
	}
	back := "/read/" + e.Slug
	if old {
		back += "/rev/" + strconv.Itoa(rev.Number)
	}
	if q := readQuery(rc); q != "" {
		back += "?" + q
	}
	p := paragraphPage{
		Slug: e.Slug, Anchor: anchor, DocTitle: d.Meta.Title, Revision: rev.Number, Old: old,
		Earlier: blk == nil, Total: total, Listed: len(ts), From: min(from, len(ts)),
		Fragment: q.Get("part") == "conversation",
	}
	if only != nil {
		p.Only = make([]string, 0, len(ts))
		for _, t := range ts {
			p.Only = append(p.Only, t.note.ID)
		}
		p.All = paragraphNotesURL(e.Slug, revNo, anchor, 0, rc)
	}
	if blk != nil {
		p.Label = blockLabels(d)[blk.Index]
		p.Back = back + "#" + anchor
	} else {
		p.Label = "an earlier version"
		p.Back = back + "#earlier"
	}
	p.basePage = s.base(r, "Notes on "+p.Label+": "+d.Meta.Title)
	if blk != nil && !old && rc.viewer.UserID != 0 {
		p.Writing = &newNoteView{Annotate: "/read/" + e.Slug + "/annotate?anchor=" + url.QueryEscape(anchor)}
		if rc.group != 0 {
			p.Writing.Annotate += "&group=" + strconv.FormatInt(rc.group, 10)
		}
		aud, err := s.writingTo(ctx, rc, e)
		if err != nil {
			return err
		}
		p.Writing.Audiences = audienceOptions(rc.groups, aud, "")
		if err := s.withTagLists(ctx, rc, p.Writing.Audiences); err != nil {
			return err
		}
		p.Scripts = []string{"js/tags.js"}
	}

	b := newPageBudget()
	var chosen []*thread
	for i, t := range ts[p.From:] {
		if len(chosen) == listThreads || !b.choose(t, threadReplies, i == 0) {
			break
		}
		chosen = append(chosen, t)
	}
	if err := s.loadBodies(ctx, rc.viewer, chosen); err != nil {
		return err
	}
	revNumbers := revisionNumbers(e)
	var marks []content.Mark
	for i, t := range chosen {
		nv := s.threadView(t, rc, e.Slug, revNumbers, true)
		if !b.fits(htmlSize(nv), i == 0) {
			break
		}
		p.Threads = append(p.Threads, nv)
		if blk != nil && t.note.Current.Exact != "" && !t.lone {
			marks = append(marks, markFor(t.note, t.note.Current.Target, rc.viewer))
		}
	}
	p.To = p.From + len(p.Threads)
	if blk != nil {
		p.Block = blk.HTML()
		if len(marks) > 0 {
			p.Block = blk.Highlight(marks)
		}
	}
	page := func(from int) string {
		u := paragraphNotesURL(e.Slug, revNo, anchor, from, rc)
		if only != nil {
			u += map[bool]string{true: "&", false: "?"}[strings.Contains(u, "?")] + "notes=" + url.QueryEscape(strings.Join(only, ","))
		}
		return u
	}
	if p.From > 0 {
		p.Prev = page(max(0, p.From-listThreads))
	}
	if p.To < len(ts) {
		p.Next = page(p.To)
	}
	if p.Fragment {
		return s.pages.renderTemplate(w, http.StatusOK, "paragraph.html", "conversation", p)
	}
	return s.pages.render(w, http.StatusOK, "paragraph.html", p)
}

// onlyThreads keeps the threads of ts whose first note is one of ids, in
// ts's order. Ids the reader may not see are not among ts, so they are
// never shown nor counted.
func onlyThreads(ts []*thread, ids []string) []*thread {
	var out []*thread
	for _, t := range ts {
		if !t.lone && slices.Contains(ids, t.note.ID) {
			out = append(out, t)
		}
	}
	return out
}

// threadPage is where the page holding note id's thread starts among ts:
// a multiple of listThreads, 0 when the thread is not there. A reply's
// thread is its parent's (notes has every note the reader may see), or
// the reply alone when its thread is not open to the reader.
func threadPage(ts []*thread, notes []store.Note, id string) int {
	parent := ""
	for _, n := range notes {
		if n.ID == id {
			parent = n.ParentID
			break
		}
	}
	for i, t := range ts {
		if t.note.ID == id || parent != "" && t.note.ID == parent {
			return i - i%listThreads
		}
	}
	return 0
}

// placeThreads sorts notes into threads on the blocks of revision rev of
// d (by anchor, in the store's order) and those whose words are not there.
func placeThreads(notes []store.Note, d *content.Document, rev store.Revision) (map[string][]*thread, []*thread) {
	byAnchor := map[string][]*thread{}
	var earlier []*thread
	for _, t := range threadsOf(notes) {
		c := t.note.Current
		if c.RevisionID != rev.ID || c.Status == store.StatusOrphan || d.Block(c.Anchor) == nil {
			earlier = append(earlier, t)
			continue
		}
		byAnchor[c.Anchor] = append(byAnchor[c.Anchor], t)
	}
	return byAnchor, earlier
}

// isParagraphNotesPath reports whether path is a notes page of slug's
// paragraphs (handleParagraphNotes).
func isParagraphNotesPath(path, slug string) bool {
	rest, ok := strings.CutPrefix(path, "/read/"+slug+"/")
	if !ok {
		return false
	}
	if r, ok := strings.CutPrefix(rest, "rev/"); ok {
		n, after, found := strings.Cut(r, "/")
		if _, err := strconv.Atoi(n); err != nil || !found {
			return false
		}
		rest = after
	}
	anchor, ok := strings.CutPrefix(rest, "notes/")
	return ok && anchor != "" && !strings.Contains(anchor, "/")
}

// readQuery is the reading page's ?sort= and ?group= for rc.
func readQuery(rc *readerCtx) string {
	q := url.Values{}
	if rc.sort != sortPosition {
		q.Set("sort", rc.sort)
	}
	if rc.group != 0 {
		q.Set("group", strconv.FormatInt(rc.group, 10))
	}
	return q.Encode()
}
