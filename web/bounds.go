package web

import (
	"context"
	"strconv"

	"glossa/store"
)

// What one response may render. A document's notes have no upper bound
// (three imports of long linkified notes made one reading page 310 MB and
// its print edition 603 MB), so every page that lists notes shows a
// bounded part of them and links to the rest: a margin shows its first
// threads and "N more notes on paragraph 3", which opens that paragraph's
// notes page by page (paragraphNotes); a thread shows its first replies
// and "N more replies" on the note's page; the notebook and the print
// edition go on at ?from=N.
//
// Pages choose their notes before reading any body (store.NoteQuery's
// WithoutBodies), within the limits below, then read only the bodies they
// show, and stop when the notes' HTML reaches pageNoteBytes. One note's
// HTML is at most about maxBodyHTML (content/body.go) plus its quote, so
// a thread of threadReplies replies always fits a page: every page shows
// at least one thread, and "next" always moves on.
const (
	// marginThreads: guide notes a tour shows at one stop (a reading
	// page's margin has its own bounds: marginCards, marginMarks).
	marginThreads = 20
	// threadReplies: replies shown under a thread in a margin or a list;
	// the note's page shows them all, noteRepliesPage at a time.
	threadReplies = 20
	// listThreads: threads per page of a paragraph's notes and of the
	// notebook.
	listThreads = 20
	// noteRepliesPage: replies per page of a note's page.
	noteRepliesPage = 30
	// pageNotes: notes and replies on one page, all margins together.
	pageNotes = 1000
	// pageNoteBytes: bytes of notes on one page, as Markdown before and
	// as HTML after rendering.
	pageNoteBytes = 4 << 20
)

// thread is a top-level note and the replies to it that the reader may
// see, oldest first, before anything is rendered. A lone thread is a
// reply whose note the reader may not see: their own, in a thread
// narrowed away from them, shown alone where the thread was, closed, and
// marking no words.
type thread struct {
	note    store.Note
	replies []store.Note
	shown   int // replies chosen to show
	lone    bool
}

// threadsOf groups notes, in the store's order, into threads in that
// order. A reply whose note is not among them (not visible) makes a lone
// thread of its own.
func threadsOf(notes []store.Note) []*thread {
	top := map[string]bool{}
	for _, n := range notes {
		if n.ParentID == "" {
			top[n.ID] = true
		}
	}
	var out []*thread
	by := map[string]*thread{}
	for _, n := range notes {
		switch {
		case n.ParentID == "":
			t := &thread{note: n}
			by[n.ID] = t
			out = append(out, t)
		case !top[n.ParentID]:
			out = append(out, &thread{note: n, lone: true})
		}
	}
	for _, n := range notes {
		if t := by[n.ParentID]; n.ParentID != "" && t != nil {
			t.replies = append(t.replies, n)
		}
	}
	for _, t := range out {
		sortByCreated(t.replies)
	}
	return out
}

// pageBudget is what one response may still render.
type pageBudget struct {
	notes    int // notes and replies
	markdown int // bytes of bodies to read
	html     int // bytes of notes' HTML
}

func newPageBudget() *pageBudget {
	return &pageBudget{notes: pageNotes, markdown: pageNoteBytes, html: pageNoteBytes}
}

// choose takes thread t with up to maxReplies of its replies, if the
// budget has room for them; the first thread of a page is always taken.
func (b *pageBudget) choose(t *thread, maxReplies int, first bool) bool {
	t.shown = min(len(t.replies), maxReplies)
	n, size := 1+t.shown, t.note.BodySize
	for _, r := range t.replies[:t.shown] {
		size += r.BodySize
	}
	if !first && (n > b.notes || size > b.markdown) {
		t.shown = 0
		return false
	}
	b.notes -= n
	b.markdown -= size
	return true
}

// htmlSize is the HTML of a rendered thread.
func htmlSize(nv noteView) int {
	size := len(nv.HTML)
	for _, r := range nv.Replies {
		size += len(r.HTML)
	}
	return size
}

// fits charges size bytes of a rendered thread to the budget, and reports
// whether it had room (the first thread of a page always has).
func (b *pageBudget) fits(size int, first bool) bool {
	if !first && size > b.html {
		b.html = 0 // nothing after it either: pages keep their order
		return false
	}
	b.html -= size
	return true
}

// loadBodies reads the bodies of the chosen threads' notes and chosen
// replies, which a WithoutBodies query left out.
func (s *Server) loadBodies(ctx context.Context, v store.Viewer, ts []*thread) error {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.note.ID)
		for _, r := range t.replies[:t.shown] {
			ids = append(ids, r.ID)
		}
	}
	bodies, err := s.db.NoteBodies(ctx, v, ids)
	if err != nil {
		return err
	}
	for _, t := range ts {
		t.note.Body = bodies[t.note.ID]
		for i := range t.replies[:t.shown] {
			t.replies[i].Body = bodies[t.replies[i].ID]
		}
	}
	return nil
}

// threadView renders a chosen thread: the note's view and (with html)
// its margin HTML, its shown replies with theirs, and how many more
// replies it has.
func (s *Server) threadView(t *thread, rc *readerCtx, slug string, revNumbers map[int64]int, html bool) noteView {
	nv := s.buildNoteView(t.note, rc, slug, revNumbers)
	nv.Closed = nv.Closed || t.lone
	if html {
		nv.HTML = s.notes.html(nv)
	}
	for _, r := range t.replies[:t.shown] {
		rv := s.buildNoteView(r, rc, slug, revNumbers)
		rv.ParentQuestion, rv.Accepted = t.note.Question, t.note.AcceptedID == r.ID
		if html {
			rv.HTML = s.notes.html(rv)
		}
		nv.Replies = append(nv.Replies, rv)
	}
	nv.ReplyCount = len(t.replies)
	nv.RepliesOpen = nv.ReplyCount <= repliesShownOpen
	return nv
}

// paragraphNotesURL is the page of the notes on a paragraph (anchor, or
// "earlier" for the notes whose words are not in the text) of revision
// rev (0: the current one), from thread from on, keeping the reader's
// order and group.
func paragraphNotesURL(slug string, rev int, anchor string, from int, rc *readerCtx) string {
	u := "/read/" + slug
	if rev != 0 {
		u += "/rev/" + strconv.Itoa(rev)
	}
	u += "/notes/" + anchor
	q := readQuery(rc)
	if from > 0 {
		if q != "" {
			q += "&"
		}
		q += "from=" + strconv.Itoa(from)
	}
	if q != "" {
		u += "?" + q
	}
	return u
}
