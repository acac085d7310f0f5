package content

import (
	"cmp"
	"html/template"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Highlight returns the block's HTML with each mark's range wrapped in
// <mark class="hl [Class]" data-note="ID">…</mark>, split where a mark would
// cross an element boundary; overlapping marks nest as separate elements or
// are split, but the text and the other markup are unchanged, and the
// canonical text of the result equals b.Text. Marks outside the text are
// ignored.
//
// It runs per request, so it does no HTML parsing: Parse stored the block's
// tokens with each character's place in b.Text, and this is one pass over
// them. A mark grows to whole characters as written in the HTML (a character
// reference is never cut), it never wraps a footnote mark or back-link, and
// collapsed white space at its edges stays outside it.
//
// A mark's After is written once, right after its last piece. An empty
// mark with After (a point) is handled as a mark without tags over the code
// point before it.
func (b *Block) Highlight(marks []Mark) template.HTML {
	n := utf8.RuneCountInString(b.Text)
	var ms []hlMark
	for _, m := range marks {
		switch {
		case 0 <= m.Start && m.Start < m.End && m.End <= n:
			ms = append(ms, hlMark{Mark: m})
		case m.After != "" && 0 < m.Start && m.Start == m.End && m.End <= n:
			m.Start--
			ms = append(ms, hlMark{Mark: m, point: true})
		}
	}
	if len(ms) == 0 {
		return b.html
	}
	// Longer marks first among those starting together, so that they open
	// outside the shorter ones and the nesting stays stable.
	slices.SortStableFunc(ms, func(a, b hlMark) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(b.End, a.End))
	})

	h := highlighter{
		marks:  ms,
		tags:   make([]string, len(ms)),
		isOpen: make([]bool, len(ms)),
		done:   make([]bool, len(ms)),
	}
	for i, m := range ms {
		if m.After != "" {
			h.pending = append(h.pending, i)
		}
		if m.point {
			continue // no tags: only After
		}
		class := "hl"
		if m.Class != "" {
			class += " " + m.Class
		}
		h.tags[i] = `<mark class="` + template.HTMLEscapeString(class) +
			`" data-note="` + template.HTMLEscapeString(m.ID) + `">`
	}
	h.out.Grow(len(b.html) + 64*len(ms))
	for i := range b.toks {
		h.token(&b.toks[i])
	}
	h.flushAfter(math.MaxInt)
	return template.HTML(h.out.String())
}

// hlMark is a valid mark; a point is an empty mark with After, moved back
// to cover the code point before it, that writes no tags.
type hlMark struct {
	Mark
	point bool
}

type highlighter struct {
	out    strings.Builder
	marks  []hlMark // valid, sorted
	tags   []string // opening tag per mark
	active []int    // marks that may touch the current token
	stack  []int    // open marks, outermost first
	isOpen []bool   // per mark
	done   []bool   // per mark: its After is written
	// pending are the marks with an After not written yet. Most write it
	// as they close; one whose last code point has no text of its own (a
	// <br>'s space) never closes there, and writes it when a later text
	// token starts at or after its End, or at the very end.
	pending []int

	// Until a unit reaches one of these, the marks covering it are the open
	// ones, so most units cost two comparisons: startAt is the first Start
	// of a mark still to open, endAt the first End of an open mark.
	startAt, endAt int
}

// token writes one token, wrapping the runs of its units that marks cover.
// Marks are closed at the end of every text token, so they never cross a tag.
func (h *highlighter) token(t *hlTok) {
	h.active = h.active[:0]
	if t.units != nil {
		for i, m := range h.marks {
			if m.Start < int(t.hi) && int(t.lo) < m.End {
				h.active = append(h.active, i)
			}
		}
	}
	if t.units != nil {
		h.flushAfter(int(t.lo))
	}
	if len(h.active) == 0 {
		h.out.WriteString(t.raw)
		return
	}
	h.thresholds(-1)
	from := 0 // start of the raw text not written yet
	for i, u := range t.units {
		if int(u.hi) <= h.startAt && int(u.lo) < h.endAt {
			continue
		}
		start := 0
		if i > 0 {
			start = int(t.units[i-1].end)
		}
		h.out.WriteString(t.raw[from:start])
		from = start
		h.sync(u)
		h.thresholds(int(u.lo))
	}
	h.out.WriteString(t.raw[from:])
	h.closeFrom(0, int(t.hi))
}

// covers reports whether mark m covers unit u. A unit that produced code
// points is covered when they meet the mark; one that produced none (lo ==
// hi: collapsed white space) only when it lies strictly inside the mark.
// Both come to one test. As units go on, lo and hi only grow: a mark covers
// a run of units, from the first whose hi passes Start to the first whose lo
// reaches End.
func covers(m Mark, u hlUnit) bool {
	return m.Start < int(u.hi) && int(u.lo) < m.End
}

// thresholds recomputes startAt and endAt after a unit starting at lo.
func (h *highlighter) thresholds(lo int) {
	h.startAt, h.endAt = math.MaxInt, math.MaxInt
	for _, i := range h.active {
		m := h.marks[i]
		switch {
		case h.isOpen[i]:
			h.endAt = min(h.endAt, m.End)
		case m.End > lo: // not over yet, so not begun
			h.startAt = min(h.startAt, m.Start)
		}
	}
}

// sync opens and closes marks so that exactly those covering u are open:
// open marks are closed from the first that no longer covers u up, and the
// missing ones opened in mark order.
func (h *highlighter) sync(u hlUnit) {
	for j, i := range h.stack {
		if !covers(h.marks[i].Mark, u) {
			h.closeFrom(j, int(u.lo))
			break
		}
	}
	for _, i := range h.active {
		if !h.isOpen[i] && covers(h.marks[i].Mark, u) {
			h.out.WriteString(h.tags[i])
			h.isOpen[i] = true
			h.stack = append(h.stack, i)
		}
	}
}

// closeFrom closes the open marks from stack position j up, at text
// position pos: a mark that ends there is over (units only move forward),
// so its After follows its closing tag.
func (h *highlighter) closeFrom(j, pos int) {
	for len(h.stack) > j {
		i := h.stack[len(h.stack)-1]
		h.stack = h.stack[:len(h.stack)-1]
		h.isOpen[i] = false
		m := h.marks[i]
		if !m.point {
			h.out.WriteString("</mark>")
		}
		if m.After != "" && !h.done[i] && m.End <= pos {
			h.out.WriteString(string(m.After))
			h.done[i] = true
		}
	}
}

// flushAfter writes the After of each pending mark that ends at or before
// pos and is not written yet.
func (h *highlighter) flushAfter(pos int) {
	kept := h.pending[:0]
	for _, i := range h.pending {
		switch {
		case h.done[i]:
		case h.marks[i].End <= pos:
			h.out.WriteString(string(h.marks[i].After))
			h.done[i] = true
		default:
			kept = append(kept, i)
		}
	}
	h.pending = kept
}
