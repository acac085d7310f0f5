package content

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

// isSpace reports whether r is white space for canonical text. The set is
// explicit, not unicode.IsSpace, because static/js/canon.js must use exactly
// the same one: U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680,
// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
func isSpace(r rune) bool {
	switch {
	case r <= 0x20:
		return r == ' ' || '\t' <= r && r <= '\r'
	case r < 0x85:
		return false
	}
	switch r {
	case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}

// CanonicalText computes the canonical text of an HTML fragment holding one
// block: its visible text without footnote reference marks (.footnote-ref)
// and back-links (.footnote-backref), without [data-ui] subtrees and without
// descendant [data-anchor] subtrees (nested blocks), <br> as one space, NFC,
// every run of white space collapsed to one space, trimmed.
//
// Character references are decoded, as in the DOM. The content of script,
// style and template elements is not visible text and is skipped too. The
// fragment is read with a tokenizer and a stack of open elements, which is
// exact for well-formed markup (all goldmark produces); malformed markup
// that the HTML tree builder would repair may give a different text than a
// browser, but never a panic.
func CanonicalText(fragment string) string {
	a := analyze(fragment, false)
	return a.text
}

// Canon applies the string half of canonicalisation to plain text: NFC,
// white-space runs collapsed to one space, trimmed.
//
// NFC is applied segment by segment (norm.NextBoundary), which equals
// norm.NFC except that it never inserts U+034F into runs of more than 30
// combining marks: String.prototype.normalize does not either.
func Canon(s string) string {
	text, _ := canonicalize(s, nil)
	return text
}

// CodePoints counts the code points of s.
func CodePoints(s string) int { return utf8.RuneCountInString(s) }

// Slice returns the code points [start, end) of s; it panics on bad bounds.
func Slice(s string, start, end int) string {
	if start < 0 || end < start {
		panic(fmt.Sprintf("content.Slice: bad bounds [%d, %d)", start, end))
	}
	from, _ := byteOffset(s, start)
	to, ok := byteOffset(s, end)
	if !ok {
		panic(fmt.Sprintf("content.Slice: [%d, %d) out of range [0, %d)", start, end, CodePoints(s)))
	}
	return s[from:to]
}

// span is a range of code points of a canonical text. An empty span (lo == hi)
// is a position: the source piece it belongs to was dropped (collapsed or
// trimmed white space, a dropped NUL) and sits just before code point lo.
type span struct{ lo, hi int32 }

// canonicalize computes trim(collapse(NFC(d))) and, when ends is not nil,
// where each piece of d went. The pieces partition d: piece i is
// d[ends[i-1]:ends[i]] (ends[-1] being 0). A piece's span covers every code
// point that came from it; pieces merged by NFC composition share the code
// point. A collapsed run of white space yields its one space from the run's
// first piece; the other pieces get empty spans.
func canonicalize(d string, ends []int) (string, []span) {
	w := canonWriter{out: make([]byte, 0, len(d))}
	if ends != nil {
		w.segs = make([]seg, 0, len(ends)+8)
	}
	var nfc []byte
	for pos := 0; pos < len(d); {
		var n int
		if d[pos] < utf8.RuneSelf && (pos+1 == len(d) || d[pos+1] < utf8.RuneSelf) {
			n = 1 // an ASCII character before another is a segment of its own
		} else if n = norm.NFC.NextBoundaryInString(d[pos:], true); n <= 0 {
			n = len(d) - pos // cannot happen at EOF; be safe anyway
		}
		s := d[pos : pos+n]
		pos += n
		cur := int32(-1)
		if w.segs != nil {
			w.segs = append(w.segs, seg{end: pos, lo: -1, hi: -1})
			cur = int32(len(w.segs) - 1)
		}
		if n == 1 && s[0] < utf8.RuneSelf {
			w.put(rune(s[0]), cur) // ASCII is its own NFC
			continue
		}
		nfc = norm.NFC.AppendString(nfc[:0], s)
		for i := 0; i < len(nfc); {
			r, size := utf8.DecodeRune(nfc[i:])
			i += size
			w.put(r, cur)
		}
	}
	if ends == nil {
		return string(w.out), nil
	}

	// A segment that produced nothing sits before the next code point written.
	segs, next := w.segs, w.c
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i].lo < 0 {
			segs[i].lo, segs[i].hi = next, next
		} else {
			next = segs[i].lo
		}
	}

	// A piece's span is the union of the spans of the segments it overlaps;
	// when they produced nothing, the position of the first one. Segment and
	// piece boundaries both increase, so one forward walk does it.
	spans := make([]span, len(ends))
	k, start := 0, 0
	for i, end := range ends {
		for k < len(segs) && segs[k].end <= start {
			k++
		}
		sp := span{lo: w.c, hi: w.c}
		if k < len(segs) {
			sp = span{lo: segs[k].lo, hi: segs[k].lo}
		}
		if end > start {
			found := false
			for j := k; j < len(segs); j++ {
				if segs[j].hi > segs[j].lo {
					if !found {
						sp.lo, found = segs[j].lo, true
					}
					sp.hi = segs[j].hi
				}
				if segs[j].end >= end {
					break
				}
			}
		}
		spans[i] = sp
		start = end
	}
	return string(w.out), spans
}

// seg is an NFC segment of canonicalize's input and the code points it
// produced (lo < 0 while none).
type seg struct {
	end    int // byte offset in the input
	lo, hi int32
}

// canonWriter writes canonical text one normalised code point at a time.
type canonWriter struct {
	out     []byte
	c       int32 // code points written
	pending bool  // a white-space run waits to be written as one space
	owner   int32 // the segment the pending space is attributed to
	segs    []seg // nil unless tracking where code points come from
}

// put writes r, which came from segment cur.
func (w *canonWriter) put(r rune, cur int32) {
	if isSpace(r) {
		if w.c > 0 && !w.pending {
			w.pending, w.owner = true, cur
		}
		return
	}
	if w.pending {
		w.out = append(w.out, ' ')
		if w.segs != nil {
			w.segs[w.owner].lo, w.segs[w.owner].hi = w.c, w.c+1
		}
		w.c++
		w.pending = false
	}
	if r < utf8.RuneSelf {
		w.out = append(w.out, byte(r))
	} else {
		w.out = utf8.AppendRune(w.out, r)
	}
	if w.segs != nil {
		if w.segs[cur].lo < 0 {
			w.segs[cur].lo = w.c
		}
		w.segs[cur].hi = w.c + 1
	}
	w.c++
}

// analysis is what a block's HTML becomes once read: its canonical text and,
// for Highlight, its tokens with the text mapped to canonical code points.
type analysis struct {
	text string
	toks []hlTok
}

// hlTok is one token of a block's HTML. Tags, comments and excluded text have
// no units and are copied verbatim; a mark never spans them.
type hlTok struct {
	raw    string
	units  []hlUnit
	lo, hi int32 // smallest and largest position any unit touches
}

// hlUnit is the smallest piece of a text token Highlight may wrap: one
// character or one character reference, as written in raw.
type hlUnit struct {
	end int32 // byte offset in raw where the unit ends
	span
}

// voidElements have no end tag and so never go on the stack.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true,
	"hr": true, "img": true, "input": true, "link": true, "meta": true,
	"source": true, "track": true, "wbr": true,
}

// hiddenElements hold no visible text.
var hiddenElements = map[string]bool{"script": true, "style": true, "template": true}

// rawTextElements keep their text verbatim: character references are not
// decoded there (the tokenizer reads it as raw text, as a browser does).
var rawTextElements = map[string]bool{
	"iframe": true, "noembed": true, "noframes": true, "noscript": true,
	"plaintext": true, "xmp": true,
}

// unitRef names a unit by token and position (tok < 0: a piece of text
// with no unit of its own, such as a <br>).
type unitRef struct{ tok, unit int32 }

type openElement struct {
	name     string
	excluded bool // this element or an ancestor is left out of the text
	anchored bool // this element or an ancestor carries data-anchor
}

// analyze reads fragment once. With keepTokens it also records the tokens
// and, per text unit, its span in the canonical text.
func analyze(fragment string, keepTokens bool) analysis {
	var (
		z     = html.NewTokenizer(strings.NewReader(fragment))
		stack []openElement
		open  = map[string]int{}               // open elements by name
		d     = make([]byte, 0, len(fragment)) // the visible text, decoded, before canonicalisation
		ends  []int                            // piece boundaries in d: one piece per text unit or <br>
		toks  []hlTok
		units []unitRef // per piece, the unit it came from
	)
	if keepTokens {
		ends = make([]int, 0, len(fragment))
		units = make([]unitRef, 0, len(fragment))
	}
	top := func() openElement {
		if len(stack) == 0 {
			return openElement{}
		}
		return stack[len(stack)-1]
	}
	addToken := func(raw string) {
		if keepTokens {
			toks = append(toks, hlTok{raw: raw})
		}
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			// A tag cut off by the end of input is dropped, as browsers do;
			// Highlight must still copy its bytes.
			if raw := z.Raw(); len(raw) > 0 {
				addToken(string(raw))
			}
			break
		}
		// Copy now: TagName and TagAttr lower-case and unescape in place.
		raw := string(z.Raw())
		switch tt {
		case html.TextToken:
			parent := top()
			if parent.excluded {
				addToken(raw)
				continue
			}
			decode := !rawTextElements[parent.name]
			// Markup written into raw text or RCDATA would be read as text:
			// Highlight must leave those tokens alone.
			markable := decode && parent.name != "textarea" && parent.name != "title"
			var tu []hlUnit
			if keepTokens && markable {
				tu = make([]hlUnit, 0, len(raw))
			}
			for i := 0; i < len(raw); {
				var n int
				d, n = appendUnit(d, raw[i:], decode)
				i += n
				if !keepTokens {
					continue
				}
				ends = append(ends, len(d))
				ref := unitRef{tok: -1}
				if markable {
					ref = unitRef{tok: int32(len(toks)), unit: int32(len(tu))}
					tu = append(tu, hlUnit{end: int32(i)})
				}
				units = append(units, ref)
			}
			if keepTokens {
				toks = append(toks, hlTok{raw: raw, units: tu})
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			addToken(raw)
			name, hasAttr := z.TagName()
			tag := string(name)
			parent := top()
			if tt == html.EndTagToken && tag != "br" {
				// Close up to the matching open element, if there is one.
				// (The count keeps stray end tags from costing a search.)
				if open[tag] > 0 {
					for {
						top := stack[len(stack)-1]
						stack = stack[:len(stack)-1]
						open[top.name]--
						if top.name == tag {
							break
						}
					}
				}
				continue
			}
			el := openElement{
				name:     tag,
				excluded: parent.excluded || hiddenElements[tag],
				anchored: parent.anchored,
			}
			for hasAttr {
				var key, val []byte
				key, val, hasAttr = z.TagAttr()
				switch string(key) {
				case "class":
					for _, c := range bytes.Fields(val) {
						if string(c) == "footnote-ref" || string(c) == "footnote-backref" {
							el.excluded = true
						}
					}
				case "data-ui":
					el.excluded = true
				case "data-anchor":
					if parent.anchored {
						el.excluded = true // a nested block has its own text
					}
					el.anchored = true
				}
			}
			// "</br>" is read as "<br>" by browsers; so it is here.
			if tag == "br" && !el.excluded {
				d = append(d, ' ')
				if keepTokens {
					ends = append(ends, len(d))
					units = append(units, unitRef{tok: -1})
				}
			}
			// A self-closing flag on a non-void HTML element is ignored by
			// browsers: the element stays open.
			if !voidElements[tag] {
				stack = append(stack, el)
				open[tag]++
			}
		default: // comments, doctypes
			addToken(raw)
		}
	}

	text, spans := canonicalize(string(d), ends)
	if !keepTokens {
		return analysis{text: text}
	}
	for i, u := range units {
		if u.tok >= 0 {
			toks[u.tok].units[u.unit].span = spans[i]
		}
	}
	for i := range toks {
		t := &toks[i]
		if len(t.units) > 0 {
			t.lo, t.hi = t.units[0].lo, t.units[len(t.units)-1].hi
		}
	}
	return analysis{text: text, toks: toks}
}

// appendUnit reads one unit off the front of raw text and appends its decoded
// text to d. A unit is a character reference ("&" + optional "#" + letters
// and digits + optional ";": this contains any reference the HTML decoder
// would match there, so decoding unit by unit equals decoding the whole) or
// one character. Invalid UTF-8 becomes U+FFFD; NUL is dropped, as the HTML
// tree builder drops it from body text. It returns the bytes of raw read.
func appendUnit(d []byte, raw string, decode bool) ([]byte, int) {
	switch c := raw[0]; {
	case c == '&' && decode:
		i := 1
		if i < len(raw) && raw[i] == '#' {
			i++
		}
		for i < len(raw) && isAlnum(raw[i]) {
			i++
		}
		if i < len(raw) && raw[i] == ';' {
			i++
		}
		if i == 1 {
			return append(d, '&'), 1
		}
		return append(d, html.UnescapeString(raw[:i])...), i
	case c == '\r':
		// "\r\n" and "\r" are "\n" in the DOM; all are white space here.
		if len(raw) > 1 && raw[1] == '\n' {
			return append(d, '\n'), 2
		}
		return append(d, '\n'), 1
	case c == 0:
		return d, 1
	case c < utf8.RuneSelf:
		return append(d, c), 1
	}
	r, n := utf8.DecodeRuneInString(raw)
	if r == utf8.RuneError && n <= 1 {
		return utf8.AppendRune(d, utf8.RuneError), 1
	}
	return append(d, raw[:n]...), n
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
