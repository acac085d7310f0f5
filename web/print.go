package web

// The annotated print edition: GET /read/{slug}/print is the
// current revision of an essay with the notes of the layers the reader
// chose, numbered 1, 2, 3… in reading order, each quote marked in the text
// and each note's number raised where it belongs (after its quote, or at
// the end of its paragraph). The notes sit in a margin column beside their
// paragraph (notes=margin, the default) or follow the text as numbered
// endnotes (notes=end); on paper too narrow for a margin, margin notes
// print as endnotes too (static/css/edition.css). Notes whose words are not
// in the current revision come last. The page is made for the browser's
// Print command and needs no JavaScript.
//
// Layers (?layers=, repeated or comma-separated) choose among the notes
// the reader may see, never beyond them: every note comes from s.db.Notes
// for the reader, so the visibility rule decides what can be printed and
// the layers only filter it.
//
//	mine      the reader's own notes, whatever their audience
//	group:ID  the notes to group ID: its guide, its members' notes, notes
//	          to its teachers (only a group the reader belongs to)
//	public    public notes, anyone's
//
// Without ?layers= a signed-in reader prints their own notes and a
// signed-out one the public notes. The form always sends an empty layers
// value as well, so that ticking nothing prints the essay without notes.
// Asking for a layer that is not the reader's to choose (mine or a group
// when signed out, a group they are not in) answers 403 with a sentence
// saying why, the same for a group that does not exist; an unknown layer
// or mode answers 400. Nothing is silently dropped from a printed edition.
// Notes hidden by a teacher never print, nor their replies.

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

// Where the notes go (?notes=).
const (
	printMargin = "margin" // beside their paragraph (the default)
	printEnd    = "end"    // numbered endnotes after the text
)

// printLayer is one layer of notes to print.
type printLayer struct {
	kind  string // "mine", "group" or "public"
	group int64  // for "group"
}

func (l printLayer) value() string {
	if l.kind == "group" {
		return "group:" + strconv.FormatInt(l.group, 10)
	}
	return l.kind
}

// printLayers is the chosen layers; a note prints if it is in any of them.
type printLayers []printLayer

func (ls printLayers) has(l printLayer) bool { return slices.Contains(ls, l) }

// includes reports whether note n is in one of the layers, for viewer v.
func (ls printLayers) includes(n store.Note, v store.Viewer) bool {
	for _, l := range ls {
		switch {
		case l.kind == "mine" && v.UserID != 0 && n.Author.ID == v.UserID,
			l.kind == "group" && n.GroupID == l.group,
			l.kind == "public" && n.Audience == store.Public:
			return true
		}
	}
	return false
}

// parseLayers reads ?layers= for the reader of rc (see the top of the
// file for the rule).
func parseLayers(q url.Values, rc *readerCtx) (printLayers, error) {
	signedIn := rc.viewer.UserID != 0
	vals, asked := q["layers"]
	if !asked {
		if signedIn {
			return printLayers{{kind: "mine"}}, nil
		}
		return printLayers{{kind: "public"}}, nil
	}
	var ls printLayers
	for _, v := range vals {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			var l printLayer
			kind, id, hasID := strings.Cut(f, ":")
			switch {
			case !hasID && (kind == "mine" || kind == "public"):
				l = printLayer{kind: kind}
			case hasID && kind == "group":
				g, err := strconv.ParseInt(id, 10, 64)
				if err != nil || g <= 0 {
					return nil, errBadRequest(fmt.Sprintf("Layer %q is not one of mine, public or group:ID (a group's number).", f))
				}
				l = printLayer{kind: "group", group: g}
			default:
				return nil, errBadRequest(fmt.Sprintf("Layer %q is not one of mine, public or group:ID (a group's number).", f))
			}
			switch _, member := rc.roles[l.group]; {
			case l.kind == "mine" && !signedIn:
				return nil, errForbidden("Only a signed-in reader can print their own notes: sign in, or print the public notes.")
			case l.kind == "group" && !signedIn:
				return nil, errForbidden("Only a signed-in member of a group can print its notes: sign in, or print the public notes.")
			case l.kind == "group" && !member:
				return nil, errForbidden(fmt.Sprintf("You are not a member of group %d, so you cannot print its notes. Choose among your own groups.", l.group))
			}
			if !ls.has(l) {
				ls = append(ls, l)
			}
		}
	}
	return ls, nil
}

// printPage is the print edition of one document.
type printPage struct {
	basePage
	Slug        string
	Meta        content.Meta
	Standfirst  template.HTML
	Revision    int
	PublishedAt time.Time
	Printed     time.Time
	Mode        string
	Layers      []layerOption // the form's choices
	Chosen      []string      // the chosen layers, named
	Parts       []printPart
	// Endnotes are the notes placed in the text, in number order: the
	// endnotes (notes=end), or in margin mode their copy for narrow paper.
	Endnotes   []printNote
	Earlier    []printNote // notes whose words are not in this revision
	NoteCount  int         // notes in the chosen layers, placed and earlier
	ReplyCount int
	// A long edition prints in parts (bounds.go): this one has notes
	// From to To of NoteCount; NextURL is the next part, FirstURL the
	// first.
	From, To          int
	NextURL, FirstURL string
}

// Parted reports whether the edition is longer than this part.
func (p printPage) Parted() bool { return p.From > 1 || p.To < p.NoteCount }

// NextFrom is the first note of the next part.
func (p printPage) NextFrom() int { return p.To + 1 }

// Margin reports whether the notes go in the margin.
func (p printPage) Margin() bool { return p.Mode == printMargin }

// layerOption is one checkbox of the form.
type layerOption struct {
	Value, Label string
	Checked      bool
}

type printPart struct {
	HTML  template.HTML
	Block *printBlock
}

// printBlock is one block of the text, its quotes marked and its notes'
// numbers raised, with its notes in margin mode.
type printBlock struct {
	Kind  string
	Label string // "paragraph 3", for the margin's name
	HTML  template.HTML
	Notes []printNote
}

func (b *printBlock) Heading() bool  { return len(b.Kind) == 2 && b.Kind[0] == 'h' }
func (b *printBlock) ListItem() bool { return b.Kind == "li" }

// printNote is one numbered note with its replies (in noteView.Replies).
type printNote struct {
	noteView
	Number int
	// ElemID is the note's id on the page (pn-N, where the numbers in the
	// text link to): only the copy shown on screen has it.
	ElemID  string
	Where   string // for endnotes: the block it is on
	Earlier bool   // its words are not in this revision
}

// Quote is the words the note is on: where it was written, for a note
// whose words are gone.
func (n printNote) Quote() string {
	if n.Earlier {
		return n.OrigExact
	}
	return n.Exact
}

// QuoteImported: the quote printed for a note whose words are gone is the
// words an imported file gave, not the essay's.
func (n printNote) QuoteImported() bool { return n.Earlier && n.ImportedQuote && n.OrigExact != "" }

// handlePrint serves GET /read/{slug}/print: the annotated print edition.
func (s *Server) handlePrint(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	rc, err := s.readerCtxOf(ctx)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	mode := cmp.Or(q.Get("notes"), printMargin)
	if mode != printMargin && mode != printEnd {
		return errBadRequest(fmt.Sprintf("Notes %q: choose margin (notes beside their paragraph) or end (numbered endnotes).", q.Get("notes")))
	}
	layers, err := parseLayers(q, rc)
	if err != nil {
		return err
	}
	from := 1
	if v := q.Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 1 {
			return errBadRequest(fmt.Sprintf("From %q: the number of the first note to print, 1 or more.", v))
		}
	}
	notes, err := s.db.Notes(ctx, rc.viewer, store.NoteQuery{DocumentID: e.ID, WithoutBodies: true})
	if err != nil {
		return err
	}
	d := e.Current
	p := printPage{
		basePage: s.base(r, "Print: "+d.Meta.Title), Slug: e.Slug, Meta: d.Meta, Standfirst: d.StandfirstHTML,
		Revision: e.Rev.Number, PublishedAt: e.Rev.PublishedAt, Printed: time.Now(), Mode: mode,
	}
	p.Styles = []string{"css/edition.css"}
	p.Scripts = []string{"js/print.js"}
	p.Layers, p.Chosen = layerOptions(rc, layers)
	if err := s.printNotes(ctx, &p, notes, layers, e, rc, from); err != nil {
		return err
	}
	if p.To < p.NoteCount {
		q.Set("from", strconv.Itoa(p.To+1))
		p.NextURL = "/read/" + e.Slug + "/print?" + q.Encode()
	}
	if p.From > 1 {
		q.Del("from")
		p.FirstURL = "/read/" + e.Slug + "/print?" + q.Encode()
	}
	return s.pages.render(w, http.StatusOK, "print.html", p)
}

// layerOptions lists the layers the reader may choose, those in chosen
// ticked, and names the chosen ones.
func layerOptions(rc *readerCtx, chosen printLayers) (opts []layerOption, names []string) {
	add := func(l printLayer, label string) {
		c := chosen.has(l)
		opts = append(opts, layerOption{Value: l.value(), Label: label, Checked: c})
		if c {
			names = append(names, label)
		}
	}
	if rc.viewer.UserID != 0 {
		add(printLayer{kind: "mine"}, "My notes")
	}
	for _, m := range rc.groups {
		add(printLayer{kind: "group", group: m.Group.ID}, "Group: "+m.Group.Name)
	}
	add(printLayer{kind: "public"}, "Public notes")
	return opts, names
}

// printNotes numbers the notes of the chosen layers (read without their
// bodies) in reading order and lays out those of this part, from note
// number from on, as many as one page may show (bounds.go): marks and
// numbers in the blocks, the margins, the endnotes and the notes on an
// earlier version.
func (s *Server) printNotes(ctx context.Context, p *printPage, notes []store.Note, layers printLayers, e *library.Doc, rc *readerCtx, from int) error {
	d, rev := e.Current, e.Rev
	revNumbers := revisionNumbers(e)
	labels := blockLabels(d)

	// A placed note, and where its number goes: after its quote, or at
	// the end of its block.
	type placed struct {
		t      *thread
		pn     printNote
		block  *content.Block
		start  int
		pos    int
		phrase bool
	}
	var in []placed
	var earlier []*thread
	for _, t := range threadsOf(notes) {
		n := t.note
		if n.Hidden || !layers.includes(n, rc.viewer) {
			continue
		}
		var shown []store.Note
		for _, r := range t.replies {
			if !r.Hidden {
				shown = append(shown, r)
			}
		}
		t.replies = shown
		p.NoteCount++
		p.ReplyCount += len(t.replies)
		c := n.Current.Target
		b := d.Block(c.Anchor)
		if n.Current.RevisionID != rev.ID || n.Current.Status == store.StatusOrphan || b == nil {
			earlier = append(earlier, t)
			continue
		}
		x := placed{t: t, block: b, pos: content.CodePoints(b.Text)}
		if c.Exact != "" && 0 <= c.Start && c.Start < c.End && c.End <= x.pos {
			x.start, x.pos, x.phrase = c.Start, c.End, true
		}
		in = append(in, x)
	}
	// Reading order is the order of the numbers in the text. The store's
	// order (start, then creation) settles ties.
	slices.SortStableFunc(in, func(a, b placed) int {
		return cmp.Or(cmp.Compare(a.block.Index, b.block.Index), cmp.Compare(a.pos, b.pos))
	})
	if from > max(p.NoteCount, 1) {
		return errNotFound
	}

	// This part: the notes numbered from on that one page can hold.
	ordered := make([]*thread, 0, p.NoteCount)
	for _, x := range in {
		ordered = append(ordered, x.t)
	}
	ordered = append(ordered, earlier...)
	b := newPageBudget()
	var chosen []*thread
	for i := from - 1; i < len(ordered); i++ {
		if !b.choose(ordered[i], threadReplies, i == from-1) {
			break
		}
		chosen = append(chosen, ordered[i])
	}
	if err := s.loadBodies(ctx, rc.viewer, chosen); err != nil {
		return err
	}
	copies := 1
	if p.Mode == printMargin {
		copies = 2 // beside the text, and as endnotes for narrow paper
	}
	p.From, p.To = from, from-1
	for i, t := range chosen {
		nv := s.threadView(t, rc, e.Slug, revNumbers, false)
		size := len(nv.Body) + len(nv.Exact) + len(nv.OrigExact)
		for _, r := range nv.Replies {
			size += len(r.Body)
		}
		if !b.fits(copies*size, i == 0) {
			break
		}
		p.To++
		number := from + i
		if number <= len(in) {
			x := &in[number-1]
			x.pn = printNote{noteView: nv, Number: number, Where: labels[x.block.Index]}
			continue
		}
		p.Earlier = append(p.Earlier, printNote{noteView: nv, Earlier: true, Number: number, ElemID: "pn-" + strconv.Itoa(number)})
	}
	byAnchor := map[string][]placed{}
	var shownIn []placed
	for _, x := range in {
		if x.pn.Number != 0 {
			shownIn = append(shownIn, x)
			byAnchor[x.block.Anchor] = append(byAnchor[x.block.Anchor], x)
		}
	}
	in = shownIn

	// The endnotes: with ids when they are the notes (notes=end), without
	// when they are margin notes' copy for narrow paper.
	for _, x := range in {
		en := x.pn
		if p.Mode == printEnd {
			en.ElemID = "pn-" + strconv.Itoa(en.Number)
		}
		p.Endnotes = append(p.Endnotes, en)
	}

	p.Parts = make([]printPart, len(d.Parts))
	for i, part := range d.Parts {
		if part.Block < 0 {
			p.Parts[i] = printPart{HTML: part.HTML}
			continue
		}
		b := d.Blocks[part.Block]
		pb := &printBlock{Kind: b.Kind, Label: labels[b.Index], HTML: b.HTML()}
		if xs := byAnchor[b.Anchor]; len(xs) > 0 {
			var marks []content.Mark
			refs := map[int][]int{} // where a number goes: the numbers there
			var at []int
			for _, x := range xs {
				if x.phrase {
					marks = append(marks, content.Mark{Start: x.start, End: x.pos, ID: x.pn.ID, Class: "hl-print"})
				}
				if _, ok := refs[x.pos]; !ok {
					at = append(at, x.pos)
				}
				refs[x.pos] = append(refs[x.pos], x.pn.Number)
				if p.Mode == printMargin {
					mn := x.pn
					mn.Where, mn.ElemID = "", "pn-"+strconv.Itoa(mn.Number)
					pb.Notes = append(pb.Notes, mn)
				}
			}
			for _, pos := range at {
				ref, err := s.pages.renderBytes("print.html", "note-ref", refs[pos])
				if err != nil {
					return err
				}
				// Several numbers in one place go together ("1, 2"),
				// after the outermost quote ending there, or on their own.
				best := -1
				for j, m := range marks {
					if m.End == pos && (best < 0 || m.Start < marks[best].Start) {
						best = j
					}
				}
				if best >= 0 {
					marks[best].After = template.HTML(ref)
				} else {
					marks = append(marks, content.Mark{Start: pos, End: pos, After: template.HTML(ref)})
				}
			}
			pb.HTML = b.Highlight(marks)
		}
		p.Parts[i] = printPart{Block: pb}
	}
	return nil
}
