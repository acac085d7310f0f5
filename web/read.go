package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

type libraryPage struct {
	basePage
	Docs []libraryDoc
	// Groups are the reader's groups: each document offers "Read with G",
	// the reading page in that group's context.
	Groups []store.Membership
}

type libraryDoc struct {
	Slug       string
	Meta       content.Meta
	Standfirst template.HTML
	Notes      int
	Revision   int
}

// handleLibrary serves GET /: the documents, with the notes the reader may
// see counted.
func (s *Server) handleLibrary(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.db.CountNotesByDocument(r.Context(), viewerOf(r.Context()))
	if err != nil {
		return err
	}
	p := libraryPage{basePage: s.base(r, "Library")}
	if p.User != nil {
		if p.Groups, err = s.db.Memberships(r.Context(), p.User.ID); err != nil {
			return err
		}
	}
	for _, e := range s.docs.All() {
		p.Docs = append(p.Docs, libraryDoc{
			Slug: e.Slug, Meta: e.Current.Meta, Standfirst: e.Current.StandfirstHTML,
			Notes: counts[e.ID], Revision: e.Rev.Number,
		})
	}
	return s.pages.render(w, http.StatusOK, "library.html", p)
}

// readPage is the reading view of one revision.
type readPage struct {
	basePage
	Slug       string
	Meta       content.Meta
	Standfirst template.HTML
	Parts      []partView
	Earlier    []cardView // notes whose words are not in this revision: the first few
	// EarlierTotal counts them all; EarlierMore is their own page.
	EarlierTotal int
	EarlierMore  string
	Revision     int
	Current      int // the current revision's number
	Old          bool
	PublishedAt  time.Time
	NoteCount    int

	// Conversation: the margin's order, the guide layer, the
	// group given by ?group= and the note form's audience choices.
	Sort        string
	SortLinks   []sortLink
	GuideOff    bool // the reader hid the guide layer
	GuideCount  int  // guide notes on the page
	Group       *store.Membership
	Locked      bool // post first hides peers' notes in Group for now
	Audiences   []audienceOption
	GuideToggle string         // where the guide toggle form posts
	WritingTo   *writingToView // signed in, on the current revision

	// Reading together (live.go): where the live stream starts,
	// who is here, the guided tours. Nil on earlier revisions.
	Live *liveView
}

// EarlierMoreCount is how many notes on an earlier version the page
// leaves to their own page.
func (p readPage) EarlierMoreCount() int { return p.EarlierTotal - len(p.Earlier) }

type partView struct {
	HTML  template.HTML
	Block *blockView
}

// blockView is one anchorable block with its controls and its margin's
// summary (margin.go).
type blockView struct {
	Slug      string
	Anchor    string
	Kind      string
	HeadingID string
	Label     string // how the margin names the block to screen readers
	HTML      template.HTML
	Summary   summaryView
	Total     int    // the threads on the block
	Open      string // the block's conversation: its notes page
	ReadOnly  bool   // an old revision: no annotating
	SignedIn  bool
	Group     int64 // ?group= of the page, carried to the annotate form
}

func (b *blockView) Heading() bool  { return len(b.Kind) == 2 && b.Kind[0] == 'h' }
func (b *blockView) ListItem() bool { return b.Kind == "li" }

// AnnotateURL is the no-JavaScript way to annotate this block.
func (b *blockView) AnnotateURL() string {
	u := "/read/" + b.Slug + "/annotate?anchor=" + url.QueryEscape(b.Anchor)
	if b.Group != 0 {
		u += "&group=" + strconv.FormatInt(b.Group, 10)
	}
	if !b.SignedIn {
		return "/signin?next=" + url.QueryEscape(u)
	}
	return u
}

// noteView is a note as the margin and the note page show it.
//
// Every field but Body (which follows Version), HTML, Replies and the
// Reply* fields is part of the note cache's key (notecache.go): add a
// field the "note" template reads, add it to the key.
type noteView struct {
	ID        string
	Slug      string
	Author    string
	Mine      bool
	Audience  store.Audience
	GroupID   int64
	GroupName string
	Body      template.HTML
	Exact     string
	Anchor    string
	Status    store.Status
	Created   time.Time
	Edited    bool
	Version   int64
	// HTML is the note rendered by the "note" template, for the margin.
	HTML template.HTML
	// For notes on an earlier version: where they were written.
	OrigRevision int
	OrigAnchor   string
	OrigExact    string
	// Imported: the note came from a file, so Created is the file's
	// claim, not glossa's. ImportedQuote: OrigExact is the file's words,
	// never found word for word in the essay; QuoteByImporter: so is
	// Exact (store.Note.QuoteByImporter).
	Imported        bool
	ImportedQuote   bool
	QuoteByImporter bool

	// Conversation: the note's own state.
	ParentID     string
	Guide        bool
	Question     bool
	Resolved     bool
	Hidden       bool
	HiddenReason string
	Shared       bool // a copy of a guide note shared from another group
	Helpful      int
	Same         int
	Tags         []string
	// The reader's relation to the note.
	SignedIn  bool
	MyHelpful bool
	MySame    bool
	Teacher   bool // the reader teaches the note's group
	Member    bool // the reader belongs to the note's group (any role)
	CanShare  bool // the reader wrote this guide note and teaches another group
	// Closed: the reader sees the note only because they wrote it; they
	// are no longer in its group, or its thread was narrowed away from
	// their reply. They may delete it, not change it or add to it
	// (store.ErrNotInAudience).
	Closed bool
	// For replies: the thread's question and whether this is its answer.
	ParentQuestion bool
	Accepted       bool

	// The thread, for top-level notes: not in the cached HTML.
	Replies     []noteView // the replies shown, oldest first
	ReplyCount  int        // all the replies the reader may see
	RepliesFrom int        // the first shown reply's place among them (a page of the note's)
	RepliesOpen bool       // show the replies unfolded
	ReplyBody   string     // a reply that failed validation, kept
	ReplyError  string
}

func (n noteView) Highlight() bool { return n.Body == "" && n.ParentID == "" }

// MoreReplies is how many replies come after the ones shown; the note's
// page has them.
func (n noteView) MoreReplies() int { return n.ReplyCount - n.RepliesFrom - len(n.Replies) }

// EarlierRepliesURL is the note's page at the page of replies before the
// ones shown.
func (n noteView) EarlierRepliesURL() string {
	return "/notes/" + n.ID + "?from=" + strconv.Itoa(max(0, n.RepliesFrom-noteRepliesPage)) + "#replies-" + n.ID
}

// MoreRepliesURL is the note's page at the first reply not shown.
func (n noteView) MoreRepliesURL() string {
	return "/notes/" + n.ID + "?from=" + strconv.Itoa(n.RepliesFrom+len(n.Replies)) + "#replies-" + n.ID
}

// WordsChanged: the words the note is on are not those it was written on,
// whether the publish that changed them was the last one (status fuzzy) or
// an earlier one (the quote differs from the original's).
func (n noteView) WordsChanged() bool {
	return n.ParentID == "" && (n.Status == store.StatusFuzzy ||
		n.Status != store.StatusOrphan && n.Exact != "" && n.OrigExact != "" && n.Exact != n.OrigExact)
}

// MovedWithWords: the last publish moved the note, on its very words, to
// another paragraph (status moved). The words did not change, so it says
// so rather than that they did.
func (n noteView) MovedWithWords() bool {
	return n.ParentID == "" && n.Status == store.StatusMoved && !n.WordsChanged()
}

func (n noteView) Public() bool { return n.Audience == store.Public }
func (n noteView) Reply() bool  { return n.ParentID != "" }

// CanReact: signed in, not the author, and still in the note's audience.
func (n noteView) CanReact() bool { return n.SignedIn && !n.Mine && !n.Closed }

// CanEdit: the author, while still in the note's audience.
func (n noteView) CanEdit() bool { return n.Mine && !n.Closed }

// CanReply: top-level notes take replies from anyone signed in who sees
// them through their audience (not only as their author).
func (n noteView) CanReply() bool { return n.SignedIn && n.ParentID == "" && !n.Closed }

// CanHide: teachers of the note's group hide others' notes to the whole
// group (a note for the teachers only has nobody else to hide it from).
func (n noteView) CanHide() bool { return n.Teacher && !n.Mine && n.Audience == store.Members }

// CanRestore: teachers of the note's group show a hidden note again.
func (n noteView) CanRestore() bool { return n.Teacher && n.Hidden }

// CanFlag: members flag others' notes to the whole group to its teachers.
func (n noteView) CanFlag() bool {
	return n.Member && !n.Teacher && !n.Mine && n.Audience == store.Members
}

// CanResolve: teachers resolve and reopen their group's questions.
func (n noteView) CanResolve() bool { return n.Teacher && n.Question && n.ParentID == "" }

// CanAccept: teachers accept a reply to their group's question.
func (n noteView) CanAccept() bool { return n.Teacher && n.ParentQuestion && n.ParentID != "" }

// AudienceLabel says in words who can see the note.
func (n noteView) AudienceLabel() string {
	switch n.Audience {
	case store.Public:
		return "Public"
	case store.Private:
		return "Only me"
	case store.Teachers:
		return "Teachers of " + n.GroupName
	case store.Members:
		return n.GroupName
	}
	return string(n.Audience)
}

// AudienceValue is the note's audience as the note form's select names it.
func (n noteView) AudienceValue() string { return audienceValue(n.Audience, n.GroupID) }

func (s *Server) buildNoteView(n store.Note, rc *readerCtx, slug string, revNumbers map[int64]int) noteView {
	viewer := rc.viewer
	role, member := rc.roles[n.GroupID]
	nv := noteView{
		ID: n.ID, Slug: slug, Author: n.Author.Name, Mine: viewer.UserID != 0 && n.Author.ID == viewer.UserID,
		Audience: n.Audience, GroupID: n.GroupID, GroupName: n.GroupName,
		Body: s.bodies.render(n.Body), Exact: n.Current.Exact, Anchor: n.Current.Anchor,
		Status: n.Current.Status, Created: n.CreatedAt, Edited: n.UpdatedAt.After(n.CreatedAt), Version: n.Version,
		OrigRevision: revNumbers[n.Original.RevisionID], OrigAnchor: n.Original.Anchor, OrigExact: n.Original.Exact,
		Imported: n.Imported, ImportedQuote: n.ImportedQuote, QuoteByImporter: n.QuoteByImporter(),

		ParentID: n.ParentID, Guide: n.Guide, Question: n.Question, Resolved: n.Resolved,
		Hidden: n.Hidden, HiddenReason: n.HiddenReason, Shared: n.SharedFrom != "",
		Helpful: n.Helpful, Same: n.Same, MyHelpful: n.MyHelpful, MySame: n.MySame, Tags: n.Tags,
		SignedIn: viewer.UserID != 0, Teacher: member && role == store.RoleTeacher, Member: member && n.GroupID != 0,
		Closed: n.GroupID != 0 && !member,
	}
	nv.CanShare = nv.Mine && nv.Guide && !nv.Shared && n.ParentID == "" && rc.teachesOtherThan(n.GroupID)
	return nv
}

// revisionNumbers maps each of e's revisions' ids to its number.
func revisionNumbers(e *library.Doc) map[int64]int { return store.RevisionNumbers(e.Rev, e.Revs) }

// handleRead serves GET /read/{slug}: the current revision with the notes the
// reader may see in its margin.
func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	// The generation is read before the notes, so a page is never cached
	// under a generation newer than what it shows.
	// The guide layer's switch lives in the session, not the URL, so it
	// is part of the key too.
	key := pageKey(r, s.db.Generation(), s.guidePref(r), s.presence.cacheKey(e.ID))
	if cp, ok := s.pageCache.get(key); ok {
		return writePage(w, r, cp)
	}
	live, err := s.buildLiveView(r, e) // before the notes: see buildLiveView
	if err != nil {
		return err
	}
	p, err := s.readView(r, e, e.Current, e.Rev, false)
	if err != nil {
		return err
	}
	p.Live = live
	p.Scripts = []string{"js/reader.js", "js/live.js", "js/tags.js", "js/margin.js", "js/conversation.js"}
	if live != nil && len(live.Tours) > 0 {
		// Only a page that offers a tour loads its script.
		p.Scripts = append(p.Scripts, "js/tour.js")
	}
	b, err := s.pages.renderBytes("read.html", "base", p)
	if err != nil {
		return err
	}
	return writePage(w, r, s.pageCache.put(r, key, b))
}

// handleRevision serves GET /read/{slug}/rev/{n}: an earlier revision, read
// only, with the notes as they stood on it.
func (s *Server) handleRevision(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 {
		return errNotFound
	}
	if n == e.Rev.Number {
		http.Redirect(w, r, "/read/"+e.Slug, http.StatusSeeOther)
		return nil
	}
	d, rev, err := s.docs.Revision(r.Context(), e, n)
	if err != nil {
		return err
	}
	p, err := s.readView(r, e, d, rev, true)
	if err != nil {
		return err
	}
	p.Scripts = []string{"js/margin.js", "js/conversation.js"}
	return s.pages.render(w, http.StatusOK, "read.html", p)
}

// readView builds the reading page of revision rev.
func (s *Server) readView(r *http.Request, e *library.Doc, d *content.Document, rev store.Revision, old bool) (readPage, error) {
	ctx := r.Context()
	rc, err := s.buildReaderCtx(r)
	if err != nil {
		return readPage{}, err
	}
	p := readPage{
		basePage: s.base(r, d.Meta.Title), Slug: e.Slug, Meta: d.Meta, Standfirst: d.StandfirstHTML,
		Revision: rev.Number, Current: e.Rev.Number, Old: old, PublishedAt: rev.PublishedAt,
	}
	m, err := s.placeNotes(ctx, e, d, rev, old, rc, "")
	if err != nil {
		return readPage{}, err
	}
	p.Earlier, p.EarlierTotal, p.NoteCount = m.earlier, m.earlierTotal, m.placed
	revNo := 0
	if old {
		revNo = rev.Number
	}
	if p.EarlierTotal > 0 {
		p.EarlierMore = paragraphNotesURL(e.Slug, revNo, earlierAnchor, 0, rc)
	}
	if err := s.conversationView(r, &p, e, rc, m); err != nil {
		return readPage{}, err
	}
	p.Parts = make([]partView, len(d.Parts))
	labels := blockLabels(d)
	for i, part := range d.Parts {
		if part.Block < 0 {
			p.Parts[i] = partView{HTML: part.HTML}
			continue
		}
		b := d.Blocks[part.Block]
		p.Parts[i] = partView{Block: s.buildBlockView(e.Slug, b, labels[b.Index], m, revNo, rc, old)}
	}
	return p, nil
}

// revisionNotes reads the notes of e that v may see, without their bodies:
// on the current revision, or as they stood on rev when old.
func (s *Server) revisionNotes(ctx context.Context, v store.Viewer, e *library.Doc, rev store.Revision, old bool) ([]store.Note, error) {
	q := store.NoteQuery{DocumentID: e.ID, WithoutBodies: true}
	if old {
		q.RevisionID = rev.ID // the notes as they stood on that revision
	}
	return s.db.Notes(ctx, v, q)
}

// margins is where the notes go on one revision's page: each block's
// summary and the words its notes mark, and how many there are.
type margins struct {
	summaries    map[string]summaryView    // by anchor
	total        map[string]int            // by anchor: the threads there
	marks        map[string][]content.Mark // by anchor: quotes marked in the text
	earlier      []cardView                // notes whose words are not on this page: the first few
	earlierTotal int                       // all of those
	placed       int                       // notes and replies placed in the text
	guides       int                       // guide notes placed in the text
}

// earlierAnchor names the notes whose words are not in the text, as a
// paragraph's notes page does a paragraph (anchors begin with "p-").
const earlierAnchor = "earlier"

// placeNotes makes the margins of revision rev of e (old: an earlier
// revision, with the notes as they stood on it), or of block only alone:
// each block's summary (margin.go), the words its notes mark, and the
// first notes whose words are not on rev (orphans included), which the
// page lists as "notes on an earlier version".
//
// The store chooses them (store.DB.Margins): per block its counts, the
// guide's first thread, the first marginCards other threads in the
// reader's order (rc.sort) and the quotes of the first marginMarks
// threads of the margin's order; so a page reads a bounded number of
// notes per paragraph however many the reader may see, and its work
// after the query, and its HTML, follow its paragraphs, not its notes.
// A lone reply (threadsOf) sits alone where its thread was and marks no
// words.
func (s *Server) placeNotes(ctx context.Context, e *library.Doc, d *content.Document, rev store.Revision, old bool, rc *readerCtx, only string) (margins, error) {
	m := margins{summaries: map[string]summaryView{}, total: map[string]int{}, marks: map[string][]content.Mark{}}
	q := store.MarginQuery{DocumentID: e.ID, Anchor: only, Order: marginOrder(rc.sort),
		Cards: marginCards, Marks: marginMarks, Earlier: earlierCards}
	if old {
		q.RevisionID = rev.ID // the notes as they stood on that revision
	}
	sm, err := s.db.Margins(ctx, rc.viewer, q)
	if err != nil {
		return m, err
	}
	m.placed, m.guides, m.earlierTotal = sm.Placed, sm.Guides, sm.EarlierTotal
	for a, bm := range sm.Blocks {
		blk := d.Block(a)
		if blk == nil {
			continue // the store placed it on a block of this revision
		}
		m.total[a] = bm.Threads
		m.summaries[a] = summarize(blk, bm, rc.viewer)
		for _, mk := range bm.Marks {
			m.marks[a] = append(m.marks[a], markOf(mk, rc.viewer))
		}
	}
	revNumbers := revisionNumbers(e)
	for _, t := range sm.Earlier {
		c := card(t, rc.viewer)
		c.Slug, c.OrigRevision, c.OrigAnchor, c.OrigExact = e.Slug, revNumbers[t.Original.RevisionID], t.Original.Anchor, t.Original.Exact
		c.ImportedQuote = t.ImportedQuote
		m.earlier = append(m.earlier, c)
	}
	return m, nil
}

// marginOrder is the store's name for the reader's order.
func marginOrder(sort string) store.MarginOrder {
	switch sort {
	case sortTime:
		return store.MarginNewest
	case sortReactions:
		return store.MarginReactions
	}
	return store.MarginReading
}

func markFor(n store.Note, t store.Target, viewer store.Viewer) content.Mark {
	class := "hl-public"
	if n.Author.ID == viewer.UserID {
		class = "hl-mine"
	}
	return content.Mark{Start: t.Start, End: t.End, ID: n.ID, Class: class}
}

// markOf is markFor for a quote a margin marks.
func markOf(mk store.MarginMark, viewer store.Viewer) content.Mark {
	return markFor(store.Note{ID: mk.NoteID, Author: store.User{ID: mk.AuthorID}},
		store.Target{Start: mk.Start, End: mk.End}, viewer)
}

// buildBlockView is the view of block b of revision rev (its number, 0 for the
// current one) with its margin's summary from m.
func (s *Server) buildBlockView(slug string, b *content.Block, label string, m margins, rev int, rc *readerCtx, old bool) *blockView {
	h := b.HTML()
	if marks := m.marks[b.Anchor]; len(marks) > 0 {
		h = b.Highlight(marks)
	}
	return &blockView{
		Slug: slug, Anchor: b.Anchor, Kind: b.Kind, HeadingID: b.HeadingID, Label: label,
		HTML: h, Summary: m.summaries[b.Anchor], Total: m.total[b.Anchor],
		Open:     paragraphNotesURL(slug, rev, b.Anchor, 0, rc),
		ReadOnly: old, SignedIn: rc.viewer.UserID != 0, Group: rc.group,
	}
}

// blockLabels names each block for screen readers: "paragraph 3", or the
// heading's text.
func blockLabels(d *content.Document) []string {
	labels := make([]string, len(d.Blocks))
	n := 0
	for i, b := range d.Blocks {
		if len(b.Kind) == 2 && b.Kind[0] == 'h' {
			labels[i] = "the heading “" + b.Text + "”"
			continue
		}
		n++
		labels[i] = fmt.Sprintf("paragraph %d", n)
	}
	return labels
}

// handleBlockFragment serves GET /read/{slug}/blocks/{anchor}: one block of
// the current revision with its margin, as an HTML fragment. The reader's
// JavaScript swaps it in after creating or changing a note, so the page
// never needs a reload and the HTML comes from the same template as the page.
func (s *Server) handleBlockFragment(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	bv, err := s.blockFor(r, e, chi.URLParam(r, "anchor"))
	if err != nil {
		return err
	}
	return s.pages.renderTemplate(w, http.StatusOK, "read.html", "block", bv)
}

// blockFor builds the view of one block as request r's reader sees it:
// their sort order and ?group=, taken from the request or, for the reading
// page's own scripts, from the page it came from (see readerCtx).
func (s *Server) blockFor(r *http.Request, e *library.Doc, anchor string) (*blockView, error) {
	rc, err := s.readerCtxFrom(r, contextQuery(r, e.Slug))
	if err != nil {
		return nil, err
	}
	return s.blockWith(r.Context(), e, anchor, rc)
}

func (s *Server) blockWith(ctx context.Context, e *library.Doc, anchor string, rc *readerCtx) (*blockView, error) {
	b := e.Current.Block(anchor)
	if b == nil {
		return nil, errNotFound
	}
	m, err := s.placeNotes(ctx, e, e.Current, e.Rev, false, rc, anchor)
	if err != nil {
		return nil, err
	}
	return s.buildBlockView(e.Slug, b, blockLabels(e.Current)[b.Index], m, 0, rc, false), nil
}
