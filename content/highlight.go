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
func (b *Block) Highlight(marks []Mark) template.HTML {
	n := utf8.RuneCountInString(b.Text)
	var ms []Mark
	for _, m := range marks {
		if 0 <= m.Start && m.Start < m.End && m.End <= n {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return b.html
	}
	// Longer marks first among those starting together, so that they open
	// outside the shorter ones and the nesting stays stable.
	slices.SortStableFunc(ms, func(a, b Mark) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(b.End, a.End))
	})

	h := highlighter{
		marks:  ms,
		tags:   make([]string, len(ms)),
		isOpen: make([]bool, len(ms)),
	}
	for i, m := range ms {
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
	return template.HTML(h.out.String())
}

type highlighter struct {
	out    strings.Builder
	marks  []Mark   // valid, sorted
	tags   []string // opening tag per mark
	active []int    // marks that may touch the current token
	stack  []int    // open marks, outermost first
	isOpen []bool   // per mark

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
	h.closeFrom(0)
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
		if !covers(h.marks[i], u) {
			h.closeFrom(j)
			break
		}
	}
	for _, i := range h.active {
		if !h.isOpen[i] && covers(h.marks[i], u) {
			h.out.WriteString(h.tags[i])
			h.isOpen[i] = true
			h.stack = append(h.stack, i)
		}
	}
}

// closeFrom closes the open marks from stack position j up.
func (h *highlighter) closeFrom(j int) {
	for len(h.stack) > j {
		i := h.stack[len(h.stack)-1]
		h.stack = h.stack[:len(h.stack)-1]
		h.isOpen[i] = false
		h.out.WriteString("</mark>")
	}
}
