package content

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// canonVector is one entry of testdata/canon-vectors.json, the test vectors
// shared with static/js/canon.js (a browser test in package web runs the same
// file through canonicalText and rangeToOffsets). The file is a JSON array of
//
//	{"name": "…",          what the case shows
//	 "html": "…",          a block element's outerHTML: parse it (e.g. as the
//	                       innerHTML of a <div>) and take the first element
//	 "canon": "…",         its canonical text: CanonicalText(html) in Go,
//	                       canonicalText(element) in JavaScript
//	 "ranges": [           optional, for rangeToOffsets
//	   {"start": [i, o],   a DOM Range's start: Text node i of the element
//	    "end": [i, o],     (counting every Text node under it in document
//	                       order, white-space-only ones and those inside
//	                       excluded elements too) at offset o in UTF-16 code
//	                       units of that node's data; the same for its end
//	    "want": [s, e],    the expected code-point offsets into "canon", or
//	                       null when rangeToOffsets must return null
//	    "exact": "…"}]}    optional: the expected exact text, "canon"[s:e]
//
// Keep the format this simple and stable: another package's test reads it.
type canonVector struct {
	Name   string `json:"name"`
	HTML   string `json:"html"`
	Canon  string `json:"canon"`
	Ranges []struct {
		Start [2]int  `json:"start"`
		End   [2]int  `json:"end"`
		Want  *[2]int `json:"want"`
		Exact string  `json:"exact"`
	} `json:"ranges"`
}

func readVectors(t testing.TB) []canonVector {
	t.Helper()
	data, err := os.ReadFile("testdata/canon-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []canonVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatalf("canon-vectors.json: %v", err)
	}
	return vs
}

func TestCanonVectors(t *testing.T) {
	vs := readVectors(t)
	if len(vs) < 20 {
		t.Fatalf("only %d vectors", len(vs))
	}
	names := map[string]bool{}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			if names[v.Name] {
				t.Errorf("duplicate vector name")
			}
			names[v.Name] = true
			if got := CanonicalText(v.HTML); got != v.Canon {
				t.Errorf("CanonicalText = %q, want %q", got, v.Canon)
			}
			// The same through the HTML tree builder, as a browser reads it.
			el := parseElement(t, v.HTML)
			if got := Canon(domText(el, nil)); got != v.Canon {
				t.Errorf("from the DOM tree: %q, want %q", got, v.Canon)
			}
			if Canon(v.Canon) != v.Canon {
				t.Errorf("canon %q is not canonical", v.Canon)
			}
			for _, r := range v.Ranges {
				start, end, exact, ok := rangeToOffsets(el, r.Start, r.End)
				switch {
				case r.Want == nil && ok:
					t.Errorf("range %v–%v = [%d, %d) %q, want none", r.Start, r.End, start, end, exact)
				case r.Want != nil && (!ok || start != r.Want[0] || end != r.Want[1]):
					t.Errorf("range %v–%v = [%d, %d) ok=%v, want %v", r.Start, r.End, start, end, ok, *r.Want)
				case r.Want != nil && r.Exact != "" && exact != r.Exact:
					t.Errorf("range %v–%v exact = %q, want %q", r.Start, r.End, exact, r.Exact)
				case r.Want != nil && exact != Slice(v.Canon, r.Want[0], r.Want[1]):
					t.Errorf("range %v–%v exact %q is not canon[%d:%d]", r.Start, r.End, exact, r.Want[0], r.Want[1])
				}
			}
		})
	}
}

// parseElement parses a block's outerHTML as the content of a <div>, the way
// a browser test would, and returns the block element.
func parseElement(t testing.TB, s string) *html.Node {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Type == html.ElementNode {
			return n
		}
	}
	t.Fatalf("no element in %q", s)
	return nil
}

// The functions below are a second, independent implementation of the rules
// over a DOM tree, written the way static/js/canon.js is: they check the
// vectors, and the tokenizer-based CanonicalText against a real tree.

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func domExcluded(n *html.Node, anchored bool) bool {
	if n.Data == "script" || n.Data == "style" || n.Data == "template" {
		return true
	}
	class, _ := attr(n, "class")
	for _, c := range strings.Fields(class) {
		if c == "footnote-ref" || c == "footnote-backref" {
			return true
		}
	}
	_, ui := attr(n, "data-ui")
	_, anchor := attr(n, "data-anchor")
	return ui || anchored && anchor
}

// domPiece is a Text node (or a <br>, as " ") with its place in the raw text.
type domPiece struct {
	node     *html.Node
	start    int // byte offset in the raw text
	included bool
}

// domText returns the raw text of el (before canonicalisation) and, through
// visit, every Text node under el in document order.
func domText(el *html.Node, visit func(domPiece)) string {
	var b strings.Builder
	var walk func(n *html.Node, anchored, excluded bool)
	walk = func(n *html.Node, anchored, excluded bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				if visit != nil {
					visit(domPiece{c, b.Len(), !excluded})
				}
				if !excluded {
					b.WriteString(c.Data)
				}
			case html.ElementNode:
				ex := excluded || domExcluded(c, anchored)
				if c.Data == "br" {
					if !ex {
						b.WriteByte(' ')
					}
					continue
				}
				_, a := attr(c, "data-anchor")
				walk(c, anchored || a, ex)
			}
		}
	}
	if !domExcluded(el, false) {
		_, a := attr(el, "data-anchor")
		walk(el, a, false)
	}
	return b.String()
}

// rangeToOffsets is the Go model of canon.js's rangeToOffsets for ranges
// given as [text node index, UTF-16 offset].
func rangeToOffsets(el *html.Node, from, to [2]int) (start, end int, exact string, ok bool) {
	var pieces []domPiece
	raw := domText(el, func(p domPiece) { pieces = append(pieces, p) })
	text := Canon(raw)
	total := CodePoints(text)
	offset := func(pt [2]int, isEnd bool) int {
		p := pieces[pt[0]]
		if !p.included {
			// Moves on to where the next included text starts.
			for _, q := range pieces[pt[0]+1:] {
				if q.included {
					return q.start
				}
			}
			return len(raw)
		}
		// UTF-16 offset in the node's data to a byte offset; a split
		// surrogate pair widens to the whole character (start back, end on).
		units := utf16.Encode([]rune(p.node.Data))
		o := pt[1]
		if o > 0 && o < len(units) && utf16.IsSurrogate(rune(units[o])) && units[o] >= 0xDC00 {
			if isEnd {
				o++
			} else {
				o--
			}
		}
		return p.start + len(string(utf16.Decode(units[:o])))
	}
	canonOffset := func(at int) int {
		before := norm.NFC.String(raw[:at])
		var b strings.Builder
		space := false
		for _, r := range before {
			if isSpace(r) {
				space = b.Len() > 0
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
		n := CodePoints(b.String())
		if space {
			n++
		}
		return min(n, total)
	}
	start, end = canonOffset(offset(from, false)), canonOffset(offset(to, true))
	cps := []rune(text)
	for start < end && cps[start] == ' ' {
		start++
	}
	for end > start && cps[end-1] == ' ' {
		end--
	}
	if start >= end {
		return 0, 0, "", false
	}
	return start, end, string(cps[start:end]), true
}

func TestCanon(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"plain", "plain"},
		{"  two\n\twords  ", "two words"},
		{"a\u00a0\u2003\u3000b", "a b"},
		{"a\u0085b\u2028c\u2029d\ufeffe", "a b c d e"},
		{"zero\u200bwidth", "zero\u200bwidth"},
		{"Cafe\u0301", "Caf\u00e9"},
		{"\u212b", "\u00c5"},
		{"\u1100\u1161\u11a8", "\uac01"},
		{" \u0301x", "\u0301x"},
		{"🎉  🎉", "🎉 🎉"},
	}
	for _, tt := range tests {
		if got := Canon(tt.in); got != tt.want {
			t.Errorf("Canon(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCodePointsAndSlice(t *testing.T) {
	s := "a🎉é𝔸 z"
	if got := CodePoints(s); got != 6 {
		t.Errorf("CodePoints = %d, want 6", got)
	}
	tests := []struct {
		start, end int
		want       string
	}{
		{0, 0, ""}, {0, 1, "a"}, {1, 2, "🎉"}, {1, 4, "🎉é𝔸"}, {3, 6, "𝔸 z"}, {6, 6, ""}, {0, 6, s},
	}
	for _, tt := range tests {
		if got := Slice(s, tt.start, tt.end); got != tt.want {
			t.Errorf("Slice(%d, %d) = %q, want %q", tt.start, tt.end, got, tt.want)
		}
	}
	for _, bad := range [][2]int{{-1, 1}, {2, 1}, {0, 7}, {7, 7}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Slice(%d, %d) did not panic", bad[0], bad[1])
				}
			}()
			Slice(s, bad[0], bad[1])
		}()
	}
}

func TestCanonicalTextMalformed(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"just text &amp; more", "just text & more"},
		{"<p>unclosed <em>tags", "unclosed tags"},
		{"<p>stray</em> end</p>", "stray end"},
		{"<p>a</br>b</p>", "a b"},
		{"<p>a<span/>b</p>", "ab"},
		{"<p>a\x00b</p>", "ab"},
		{"<p>bad \xff byte</p>", "bad \ufffd byte"},
		{"<p>a<b", "a"},
		{"<p>&#0; &#xD800; &#x110000;</p>", "\ufffd \ufffd \ufffd"},
		{"<xmp>&amp;</xmp>", "&amp;"},
		{"<title>&amp;</title>", "&"},
		{"<p data-ui>all hidden</p>", ""},
		{"<div data-anchor=a>x<div data-anchor=b>y<div data-anchor=c>z</div></div></div>", "x"},
	}
	for _, tt := range tests {
		if got := CanonicalText(tt.in); got != tt.want {
			t.Errorf("CanonicalText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCanonicalizeSpans checks the piece-to-code-point mapping Highlight
// relies on.
func TestCanonicalizeSpans(t *testing.T) {
	tests := []struct {
		pieces []string
		text   string
		spans  []span
	}{
		{[]string{"a", " ", " ", "b"}, "a b", []span{{0, 1}, {1, 2}, {2, 2}, {2, 3}}},
		{[]string{" ", "a", " "}, "a", []span{{0, 0}, {0, 1}, {1, 1}}},
		{[]string{"e", "\u0301", "x"}, "\u00e9x", []span{{0, 1}, {0, 1}, {1, 2}}},
		{[]string{"🎉", "&", "≂̸"}, "🎉&≂̸", []span{{0, 1}, {1, 2}, {2, 4}}},
		{[]string{"a", "", "b"}, "ab", []span{{0, 1}, {1, 1}, {1, 2}}},
		{[]string{"a", "\n", "\u00a0", "\u0301"}, "a \u0301", []span{{0, 1}, {1, 2}, {2, 3}, {2, 3}}},
	}
	for _, tt := range tests {
		var ends []int
		n := 0
		for _, p := range tt.pieces {
			n += len(p)
			ends = append(ends, n)
		}
		text, spans := canonicalize(strings.Join(tt.pieces, ""), ends)
		if text != tt.text || !slices.Equal(spans, tt.spans) {
			t.Errorf("canonicalize(%q) = %q %v, want %q %v", tt.pieces, text, spans, tt.text, tt.spans)
		}
	}
}

func FuzzCanonicalText(f *testing.F) {
	for _, v := range readVectors(f) {
		f.Add(v.HTML)
	}
	f.Add("<p>a<b")
	f.Add("<xmp>a</xmp><title>&amp;</title><plaintext>&lt;")
	f.Fuzz(func(t *testing.T, fragment string) {
		got := CanonicalText(fragment)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
		if Canon(got) != got {
			t.Fatalf("%q is not canonical", got)
		}
		a := analyze(fragment, true)
		if a.text != got {
			t.Fatalf("analyze text %q != %q", a.text, got)
		}
		var raw strings.Builder
		n := int32(CodePoints(got))
		last := int32(0)
		for _, tok := range a.toks {
			raw.WriteString(tok.raw)
			for i, u := range tok.units {
				if u.lo < last || u.lo > u.hi || u.hi > n {
					t.Fatalf("unit %d of %q: bad span %v (last %d, n %d)", i, tok.raw, u.span, last, n)
				}
				last = u.lo
			}
		}
		if raw.String() != fragment {
			t.Fatalf("tokens do not rebuild the input:\n%q\n%q", raw.String(), fragment)
		}
	})
}

// FuzzCanon checks the segment-wise canonicalisation against the plain
// definition, trim(collapse(NFC(s))).
func FuzzCanon(f *testing.F) {
	for _, s := range []string{"", " a  b ", "Cafe\u0301", "\u1100\u1161\u11a8", "a\u0301\u0301 \u0327"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			// Outside input: must not panic, must come out valid.
			if got := Canon(s); !utf8.ValidString(got) {
				t.Fatalf("Canon(%q) = %q, invalid UTF-8", s, got)
			}
			return
		}
		var ends []int
		for i := range s {
			if i > 0 {
				ends = append(ends, i)
			}
		}
		ends = append(ends, len(s))
		text, spans := canonicalize(s, ends)
		if got := Canon(s); got != text {
			t.Fatalf("Canon %q != canonicalize %q", got, text)
		}
		nfc := norm.NFC.String(s)
		if !strings.Contains(nfc, "\u034f") || strings.Contains(s, "\u034f") {
			want := strings.Join(strings.FieldsFunc(nfc, isSpace), " ")
			if text != want {
				t.Fatalf("canonicalize(%q) = %q, want %q", s, text, want)
			}
		}
		n := int32(CodePoints(text))
		var last int32
		for i, sp := range spans {
			if sp.lo < last || sp.lo > sp.hi || sp.hi > n {
				t.Fatalf("piece %d: bad span %v (last %d, n %d)", i, sp, last, n)
			}
			last = sp.lo
		}
	})
}
