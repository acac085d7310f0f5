package web

import (
	"strings"
	"unicode/utf8"

	"glossa/content"
	"glossa/store"
)

// The margin. Beside each paragraph of the reading page sits a summary of
// its notes, never the notes themselves: the guide's first note, then
// "n more from your teachers", then a few threads as compact cards
// (author, the first words of the note, its replies, whether it asks a
// question and has its answer), then "N more notes". Everything else is
// in the paragraph's conversation (paragraph.go): a panel beside the
// paragraph with JavaScript, its own page without. So the page's HTML
// grows with the paragraphs, not with the notes: at most 1+marginCards
// cards a paragraph, whatever a class writes.
//
// The summary must also fit beside its paragraph: on a wide screen the
// margin is a box as tall as the paragraph's row (the paragraph and the
// space under it, the allowance: a margin ends where the next block
// begins), level with the paragraph's first line, with JavaScript on or
// off (site.css). The server chooses how many cards to send from the
// paragraph's length (cardRoom), erring low; the stylesheet wraps a card
// that would not fit whole out of sight, and margin.js hides such cards
// and counts them in "N more".

const (
	// marginCards: the most threads a margin shows as cards, besides
	// the guide's first note.
	marginCards = 4
	// marginMarks: the most quotes a paragraph marks in the text, those
	// of the first threads of its margin's order.
	marginMarks = 10
	// earlierCards: cards in the reading page's "notes on an earlier
	// version", whose full list is their own page.
	earlierCards = 5
	// cardChars: the most characters of a note's first words on a card.
	cardChars = 160
	// cardSource: the most bytes of a body read to make a card's words.
	cardSource = 600
)

// The estimate of a paragraph's height, in CSS pixels of site.css on a
// wide screen, and of what a margin's parts take. A line of the 36rem
// measure holds 55 to 75 characters, as the reader's fonts have it; the
// estimate takes 60. A card too many wraps out of sight whole (site.css)
// and margin.js counts it in "N more"; without JavaScript "N more" then
// counts one card short.
const (
	roomCharsPerLine = 60
	roomLine         = 27 // 1.0625rem × 1.6
	roomFootLine     = 24 // a footnote's line (content.Block.Footnote): 0.9375rem × 1.6
	roomGap          = 17 // the space under a paragraph: the allowance
	roomHead         = 30 // the margin's first line: ¶, the count, Annotate
	roomCard         = 68 // a card: its author line, two lines of words, the gap
	roomMore         = 22 // "N more notes" or "n more from your teachers"
)

// marginRoom is the height, in CSS pixels, a margin beside block b has
// under its first line.
func marginRoom(b *content.Block) int {
	lines := 1
	if !(len(b.Kind) == 2 && b.Kind[0] == 'h') {
		lines = max(1, (utf8.RuneCountInString(b.Text)+roomCharsPerLine-1)/roomCharsPerLine)
	}
	line := roomLine
	if b.Footnote {
		line = roomFootLine
	}
	return lines*line + roomGap - roomHead
}

// cardsIn is how many of threads fit as cards in room pixels, with
// "N more notes" under them when some do not.
func cardsIn(room, threads int) int {
	k := room / roomCard
	if k < threads {
		k = (room - roomMore) / roomCard // "N more notes" takes a line
	}
	return max(0, min(k, threads, marginCards))
}

// cardView is one thread as a margin's card: what a reader needs to
// decide whether to open it. It links to the note's page.
type cardView struct {
	ID        string
	Author    string
	Words     string // the first words of the body, as plain text
	Exact     string // the quoted words, for a highlight (no body)
	Replies   int
	Guide     bool
	Question  bool
	Answered  bool // resolved, or a reply accepted
	Mine      bool
	Hidden    bool
	Lone      bool  // the reader's reply in a thread no longer open to them
	Version   int64 // for re-attaching an orphan in place (reader.js)
	CanEdit   bool
	Highlight bool

	// For a note on an earlier version: where it was written.
	Slug          string
	OrigRevision  int
	OrigAnchor    string
	OrigExact     string
	ImportedQuote bool
}

// summaryView is what a paragraph's margin shows.
type summaryView struct {
	Guide     *cardView  // the first guide note, when there is one
	GuideMore int        // the other guide notes
	Cards     []cardView // the first other threads, in the margin's order
	More      int        // threads in neither
}

// summarize chooses, from one block's margin as the store chose it
// (guide threads first), the guide's first thread and as many other
// threads as fit beside b as cards. A margin too short for the guide's
// card counts the guide's notes among the others in "N more notes".
func summarize(b *content.Block, bm *store.BlockMargin, viewer store.Viewer) summaryView {
	room := marginRoom(b)
	need := roomCard
	if bm.Guides > 1 {
		need += roomMore // "n more from your teachers"
	}
	showGuide := bm.Guide != nil && room >= need
	if showGuide {
		room -= need
	}
	others := bm.Threads - bm.Guides
	k := min(cardsIn(room, others), len(bm.Cards))
	sv := summaryView{More: others - k}
	if showGuide {
		g := card(*bm.Guide, viewer)
		sv.Guide, sv.GuideMore = &g, bm.Guides-1
	} else {
		sv.More += bm.Guides
	}
	for _, t := range bm.Cards[:k] {
		sv.Cards = append(sv.Cards, card(t, viewer))
	}
	return sv
}

// card makes the card of thread t.
func card(t store.MarginThread, viewer store.Viewer) cardView {
	c := cardView{
		ID: t.ID, Author: t.Author.Name, Replies: t.Replies, Guide: t.Guide && !t.Lone,
		Question: t.Question, Answered: t.Answered,
		Mine: viewer.UserID != 0 && t.Author.ID == viewer.UserID, Hidden: t.Hidden, Lone: t.Lone,
		Version: t.Version, Highlight: t.WholeBody && strings.TrimSpace(t.Words) == "" && t.ParentID == "",
	}
	c.CanEdit = c.Mine && !t.Lone
	c.Words = firstWords(t.Words)
	if c.Highlight {
		c.Exact = clip(t.Exact, cardChars)
	}
	return c
}

// firstWords is the start of a Markdown body as plain text, at most
// cardChars characters, cut at a word with an ellipsis.
func firstWords(md string) string {
	if len(md) > cardSource {
		cut := cardSource
		for cut > 0 && !utf8.RuneStart(md[cut]) {
			cut--
		}
		md = md[:cut]
	}
	return clip(content.PlainText(md), cardChars)
}

// clip shortens s to at most n characters, at a space when there is one
// near the end, and marks the cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}
