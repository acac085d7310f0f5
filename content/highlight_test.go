package content

import (
	"html/template"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// blockOf parses src and returns its first block.
func blockOf(t testing.TB, src string) *Block {
	t.Helper()
	d, err := Parse("hl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Blocks) == 0 {
		t.Fatalf("no block in %q", src)
	}
	return d.Blocks[0]
}

// span of the first occurrence of s in text, in code points.
func find(t testing.TB, text, s string) (int, int) {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not in %q", s, text)
	}
	start := CodePoints(text[:i])
	return start, start + CodePoints(s)
}

// markedText returns, per note id, the canonical text inside each of its
// <mark>s, and checks that the markup nests properly.
func markedText(t testing.TB, fragment string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	z := html.NewTokenizer(strings.NewReader(fragment))
	var stack []string                   // open elements; "mark:ID" for marks
	cur := map[string]*strings.Builder{} // text of the open marks
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if len(stack) > 0 {
				t.Errorf("unclosed %v in %s", stack, fragment)
			}
			return out
		case html.StartTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tag == "br" || tag == "img" {
				continue
			}
			if tag == "mark" {
				var id string
				for more := true; more; {
					var k, v []byte
					k, v, more = z.TagAttr()
					if string(k) == "data-note" {
						id = string(v)
					}
				}
				tag = "mark:" + id
				if cur[id] != nil {
					t.Errorf("mark %q nested in itself", id)
				}
				cur[id] = &strings.Builder{}
			}
			stack = append(stack, tag)
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 {
				t.Fatalf("stray </%s> in %s", name, fragment)
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if id, ok := strings.CutPrefix(top, "mark:"); ok {
				if string(name) != "mark" {
					t.Fatalf("</%s> closes <mark> in %s", name, fragment)
				}
				out[id] = append(out[id], Canon(cur[id].String()))
				delete(cur, id)
			} else if top != string(name) {
				t.Fatalf("</%s> closes <%s> in %s", name, top, fragment)
			}
		case html.TextToken:
			text := z.Text()
			for _, b := range cur {
				b.Write(text)
			}
		}
	}
}

func TestHighlight(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		marks  []string // quote per mark, ids n0, n1, …
		want   map[string]string
		inHTML []string // substrings the result must contain
	}{
		{
			name:   "one word",
			src:    "The quick brown fox.",
			marks:  []string{"quick"},
			want:   map[string]string{"n0": "quick"},
			inHTML: []string{`The <mark class="hl" data-note="n0">quick</mark> brown`},
		},
		{
			name:   "across inline elements, split at their edges",
			src:    "Some *emph**asis** and* `code` here.",
			marks:  []string{"phasis and code"},
			want:   map[string]string{"n0": "ph|asis|and||code"},
			inHTML: []string{`<em>em<mark class="hl" data-note="n0">ph</mark><strong><mark class="hl" data-note="n0">asis</mark></strong><mark class="hl" data-note="n0"> and</mark></em><mark class="hl" data-note="n0"> </mark><code><mark class="hl" data-note="n0">code</mark></code>`},
		},
		{
			name:   "around a footnote mark, never on it",
			src:    "A claim.[^1] More text.\n\n[^1]: Note.",
			marks:  []string{"claim. More"},
			want:   map[string]string{"n0": "claim.|More"},
			inHTML: []string{`<mark class="hl" data-note="n0">claim.</mark><sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup><mark class="hl" data-note="n0"> More</mark>`},
		},
		{
			name:   "character references stay whole",
			src:    `He said "Asia for Asians" -- and & more.`,
			marks:  []string{"“Asia for Asians” – and &"},
			want:   map[string]string{"n0": "“Asia for Asians” – and &"},
			inHTML: []string{`<mark class="hl" data-note="n0">&ldquo;Asia for Asians&rdquo; &ndash; and &amp;</mark>`},
		},
		{
			name:   "astral characters",
			src:    "Party 🎉 time 𝔸 now.",
			marks:  []string{"🎉 time 𝔸"},
			want:   map[string]string{"n0": "🎉 time 𝔸"},
			inHTML: []string{`Party <mark class="hl" data-note="n0">🎉 time 𝔸</mark> now.`},
		},
		{
			name:   "across a re-wrapped line",
			src:    "first line\nsecond line",
			marks:  []string{"line second"},
			want:   map[string]string{"n0": "line second"},
			inHTML: []string{"first <mark class=\"hl\" data-note=\"n0\">line\nsecond</mark> line"},
		},
		{
			name:  "across a hard break",
			src:   "one  \ntwo",
			marks: []string{"one two"},
			want:  map[string]string{"n0": "one|two"},
		},
		{
			name:   "overlapping marks",
			src:    "alpha beta gamma delta",
			marks:  []string{"alpha beta gamma", "beta gamma delta"},
			want:   map[string]string{"n0": "alpha beta gamma", "n1": "beta gamma|delta"},
			inHTML: []string{`<mark class="hl" data-note="n0">alpha <mark class="hl" data-note="n1">beta gamma</mark></mark><mark class="hl" data-note="n1"> delta</mark>`},
		},
		{
			name:  "nested marks",
			src:   "alpha beta gamma",
			marks: []string{"alpha beta gamma", "beta"},
			want:  map[string]string{"n0": "alpha beta gamma", "n1": "beta"},
		},
		{
			name:   "same range twice",
			src:    "alpha beta gamma",
			marks:  []string{"beta", "beta"},
			want:   map[string]string{"n0": "beta", "n1": "beta"},
			inHTML: []string{`<mark class="hl" data-note="n0"><mark class="hl" data-note="n1">beta</mark></mark>`},
		},
		{
			name:  "whole tight list item",
			src:   "- item with *emphasis*\n- other",
			marks: []string{"item with emphasis"},
			want:  map[string]string{"n0": "item with|emphasis"},
		},
		{
			name:  "combining mark in the source",
			src:   "Cafe&#x301; au lait",
			marks: []string{"Café"},
			want:  map[string]string{"n0": "Café"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := blockOf(t, tt.src)
			var marks []Mark
			for i, q := range tt.marks {
				start, end := find(t, b.Text, q)
				if i > 0 && q == tt.marks[i-1] {
					start, end = marks[i-1].Start, marks[i-1].End
				}
				marks = append(marks, Mark{Start: start, End: end, ID: "n" + string(rune('0'+i))})
			}
			got := string(b.Highlight(marks))
			if CanonicalText(got) != b.Text {
				t.Errorf("text changed: %q, want %q", CanonicalText(got), b.Text)
			}
			marked := markedText(t, got)
			for id, want := range tt.want {
				if got := strings.Join(marked[id], "|"); got != want {
					t.Errorf("mark %s covers %q, want %q\n%s", id, strings.Join(marked[id], "|"), want, got)
				}
			}
			for _, s := range tt.inHTML {
				if !strings.Contains(got, s) {
					t.Errorf("result lacks %q:\n%s", s, got)
				}
			}
		})
	}
}

func TestHighlightEdgeCases(t *testing.T) {
	b := blockOf(t, "Some *text* here.")
	plain := b.HTML()
	n := CodePoints(b.Text)
	for name, marks := range map[string][]Mark{
		"none":     nil,
		"empty":    {{Start: 2, End: 2, ID: "x"}},
		"reversed": {{Start: 3, End: 1, ID: "x"}},
		"negative": {{Start: -1, End: 2, ID: "x"}},
		"too far":  {{Start: 0, End: n + 1, ID: "x"}},
	} {
		if got := b.Highlight(marks); got != plain {
			t.Errorf("%s: %s, want the block unchanged", name, got)
		}
	}
	got := string(b.Highlight([]Mark{{Start: 0, End: 4, ID: `a"<b>&`, Class: `mine "x"`}}))
	if want := `<mark class="hl mine &#34;x&#34;" data-note="a&#34;&lt;b&gt;&amp;">Some</mark>`; !strings.Contains(got, want) {
		t.Errorf("attributes not escaped: %s", got)
	}
	// A mark that ends on a space leaves the space out where it collapses.
	b = blockOf(t, "word   next")
	got = string(b.Highlight([]Mark{{Start: 0, End: 5, ID: "s"}}))
	if CanonicalText(got) != b.Text || !strings.Contains(got, `<mark class="hl" data-note="s">word </mark>  next`) {
		t.Errorf("trailing space: %s", got)
	}
}

func FuzzHighlight(f *testing.F) {
	f.Add("The *quick* brown fox.[^1]\n\n[^1]: Note.", 0, 2, 9, 4, 14)
	f.Add("Party 🎉 time `𝔸` now &amp; \"then\"...", 0, 0, 30, 6, 7)
	f.Add("- item *one*\n  - nested\n- two", 1, 0, 3, 1, 6)
	f.Fuzz(func(t *testing.T, src string, block, s1, e1, s2, e2 int) {
		d, err := Parse("fuzz", []byte(src))
		if err != nil || len(d.Blocks) == 0 {
			return
		}
		if block < 0 {
			block = -block
		}
		b := d.Blocks[block%len(d.Blocks)]
		marks := []Mark{{Start: s1, End: e1, ID: "a"}, {Start: s2, End: e2, ID: "b", Class: "mine"}}
		got := string(b.Highlight(marks))
		if CanonicalText(got) != b.Text {
			t.Fatalf("text changed: %q, want %q", CanonicalText(got), b.Text)
		}
		// With After on each mark, and a point at e1: each After at most
		// once, the text unchanged.
		after := []Mark{{Start: s1, End: e1, ID: "a", After: "<sup data-ui>A</sup>"},
			{Start: s2, End: e2, ID: "b", After: "<sup data-ui>B</sup>"}, {Start: e1, End: e1, After: "<sup data-ui>P</sup>"}}
		withAfter := string(b.Highlight(after))
		if CanonicalText(withAfter) != b.Text {
			t.Fatalf("text changed by After: %q, want %q", CanonicalText(withAfter), b.Text)
		}
		n := CodePoints(b.Text)
		for i, x := range []string{"A", "B", "P"} {
			m := after[i]
			want := 0
			if 0 <= m.Start && m.Start < m.End && m.End <= n || 0 < m.Start && m.Start == m.End && m.End <= n {
				want = 1
			}
			if c := strings.Count(withAfter, "<sup data-ui>"+x+"</sup>"); c != want {
				t.Fatalf("After %s of %+v written %d times, want %d: %s", x, m, c, want, withAfter)
			}
		}
		marked := markedText(t, got)
		for _, m := range marks {
			if m.Start < 0 || m.Start >= m.End || m.End > n {
				if len(marked[m.ID]) > 0 {
					t.Fatalf("invalid mark %+v highlighted %q", m, marked[m.ID])
				}
				continue
			}
			// Everything the mark should cover is inside it (a mark may
			// widen to whole characters, never shrink).
			want := strings.ReplaceAll(Slice(b.Text, m.Start, m.End), " ", "")
			have := strings.ReplaceAll(strings.Join(marked[m.ID], ""), " ", "")
			if !strings.Contains(have, want) {
				t.Fatalf("mark %+v covers %q, want %q", m, marked[m.ID], want)
			}
		}
	})
}

func BenchmarkHighlight(b *testing.B) {
	d, err := Parse("essay", essaySource(b))
	if err != nil {
		b.Fatal(err)
	}
	// The longest block, with three notes on it.
	bl := d.Blocks[0]
	for _, x := range d.Blocks {
		if len(x.Text) > len(bl.Text) {
			bl = x
		}
	}
	n := CodePoints(bl.Text)
	marks := []Mark{
		{Start: n / 10, End: n / 3, ID: "n1"},
		{Start: n / 4, End: n / 2, ID: "n2", Class: "mine"},
		{Start: n - 20, End: n - 2, ID: "n3"},
	}
	b.SetBytes(int64(len(bl.HTML())))
	for b.Loop() {
		bl.Highlight(marks)
	}
}

// TestHighlightAfter: a mark's After (the print edition's note number)
// follows its last piece once, even when the mark is split around markup;
// an empty mark with After is a point after the code point before it; the
// canonical text is unchanged when After carries data-ui.
func TestHighlightAfter(t *testing.T) {
	ref := func(n string) template.HTML { return template.HTML(`<sup data-ui>` + n + `</sup>`) }
	b := blockOf(t, "Some *emphasised text* here, and more.[^1]\n\n[^1]: A footnote.")
	s, e := find(t, b.Text, "emphasised text here")
	n := CodePoints(b.Text)
	got := string(b.Highlight([]Mark{
		{Start: s, End: e, ID: "a", After: ref("1")},
		{Start: n, End: n, ID: "end", After: ref("2")},
		{Start: 0, End: 0, ID: "nowhere", After: ref("3")}, // no code point before it
		{Start: 2, End: 2, ID: "empty"},                    // no After: ignored
	}))
	if CanonicalText(got) != b.Text {
		t.Errorf("canonical text changed: %q, want %q", CanonicalText(got), b.Text)
	}
	if !strings.Contains(got, ` here</mark><sup data-ui>1</sup>, and`) {
		t.Errorf("After does not follow the mark's last piece: %s", got)
	}
	if c := strings.Count(got, "<sup data-ui>1</sup>"); c != 1 {
		t.Errorf("After written %d times, want once: %s", c, got)
	}
	if !strings.Contains(got, `more.<sup data-ui>2</sup><sup id="fnref:1">`) {
		t.Errorf("point at the end is not after the last character, before the footnote mark: %s", got)
	}
	if strings.Contains(got, ">3<") || strings.Count(got, "<mark") != 2 {
		t.Errorf("the invalid point was written, or a point wrapped text: %s", got)
	}
	if m := markedText(t, got); len(m["a"]) != 2 || len(m["end"]) != 0 {
		t.Errorf("marks: %q", m)
	}
	// A mark whose last code point is a line break's space: its After goes
	// where the text resumes.
	b = blockOf(t, "two  \nlines")
	got = string(b.Highlight([]Mark{{Start: 0, End: 4, ID: "a", After: ref("1")}, {Start: 4, End: 4, After: ref("2")}}))
	if want := `<mark class="hl" data-note="a">two</mark><br><sup data-ui>1</sup><sup data-ui>2</sup>`; !strings.Contains(got, want) {
		t.Errorf("after a line break: %s, want %s", got, want)
	}
}
