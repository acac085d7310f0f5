// Package content turns the essays' Markdown into documents: goldmark set-up,
// the anchor transformer, canonical text, quote selection, highlighting, the
// alignment of blocks between revisions and the re-anchoring of notes on a
// new revision (see docs/anchoring.md, and reanchor.go for how notes
// are placed: Align, then Alignment.Place per note).
//
// It owns the essays themselves too: every *.md file in this folder is embedded
// in the binary and served unless -content points elsewhere.
//
// content must not import store or web: anchors and canonical text cross to the
// store as plain values.
package content

import (
	"embed"
	"html/template"
)

// Essays holds the embedded essays, one Markdown file per document.
//
//go:embed *.md
var Essays embed.FS

// Meta is a document's front matter.
type Meta struct {
	Title       string `yaml:"title"`
	Author      string `yaml:"author"`
	Publication string `yaml:"publication"`
	Volume      string `yaml:"volume"`
	Issue       string `yaml:"issue"`
	Published   string `yaml:"published"` // as printed, e.g. "March 2016"
	Date        string `yaml:"date"`      // ISO 8601, e.g. "2016-03"
	// Source is where the text was first published: one URL or a list of
	// them in the front matter (the same text at several addresses),
	// optional. Notes made on these pages can be imported onto it.
	Source     []string `yaml:"-"`
	Standfirst string   `yaml:"standfirst"`
}

// Block is one anchorable block: a paragraph (also inside blockquotes, loose
// list items and footnotes), a heading, or a tight list item. A tight item
// that holds text outside any block (a code block, a table) has its text
// rendered as paragraphs instead, so that a browser reading the <li> finds
// exactly the block's text.
type Block struct {
	Index     int    // position in document order, from 0
	Anchor    string // "p-1a2b3c4d", "p-1a2b3c4d-2", or an inherited anchor
	Kind      string // "p", "h1".."h6" or "li"
	Footnote  bool   // in a footnote's text, set smaller than the essay's
	HeadingID string // the heading's slug id; "" for other kinds
	Text      string // canonical text (docs/anchoring.md)
	Hash      string // hex SHA-256 of Text

	html template.HTML // see HTML
	toks []hlTok       // html as tokens, text mapped to Text: see Highlight
}

// HTML returns the block as rendered. For "p" and "hN" blocks it is the
// whole element (<p id=… data-anchor=…>…</p>); for "li" blocks it is the
// item's own inline content, the <li> tag being part of the static parts.
func (b *Block) HTML() template.HTML { return b.html }

// Mark is a range of a block's canonical text to highlight, in code points.
type Mark struct {
	Start, End int    // [Start, End) in code points of Block.Text
	ID         string // note id, written as data-note on the <mark>
	Class      string // extra class next to "hl", may be ""

	// After, if set, is markup written once, right after the mark's last
	// piece: the print edition's note number. A mark with After may be
	// empty (0 < Start == End): it wraps nothing and After goes right after
	// code point Start-1. Put data-ui on After's element to keep it out of
	// the canonical text.
	After template.HTML
}

// Part is a piece of a document body in reading order: either static HTML
// (Block == -1) or a slot for Blocks[Block], where the web layer writes the
// block (HTML or Highlight) followed by its controls and margin.
type Part struct {
	HTML  template.HTML // the static HTML; for a slot, Blocks[Block].HTML()
	Block int
}

// Document is one revision of an essay, rendered once.
type Document struct {
	Slug           string
	Meta           Meta
	Source         []byte        // as given; it is NFC-normalised only for rendering
	SourceHash     string        // hex SHA-256 of Source
	StandfirstHTML template.HTML // Meta.Standfirst as inline HTML (no <p>), typographer applied
	Blocks         []*Block
	Parts          []Part

	byAnchor map[string]*Block
}
