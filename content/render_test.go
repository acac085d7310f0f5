package content

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html")

// testDocs parses the essays (whatever content/*.md holds right now) and the
// test documents in testdata/.
func testDocs(t testing.TB) []*Document {
	t.Helper()
	var docs []*Document
	for _, dir := range []string{".", "testdata"} {
		ds, err := Load(os.DirFS(dir))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, ds...)
	}
	if len(docs) < 2 {
		t.Fatalf("only %d documents", len(docs))
	}
	return docs
}

// body joins a document's parts, each slot filled with its block's HTML, as
// the web layer does when a block has nothing to add.
func body(d *Document) string {
	var b strings.Builder
	for _, p := range d.Parts {
		if p.Block >= 0 {
			b.WriteString(string(d.Blocks[p.Block].HTML()))
		} else {
			b.WriteString(string(p.HTML))
		}
	}
	return b.String()
}

// plainRender renders d's source again, with its anchors, without a
// segmenting writer: a normal goldmark render.
func plainRender(t testing.TB, d *Document) string {
	t.Helper()
	var anchors []string
	for _, b := range d.Blocks {
		anchors = append(anchors, b.Anchor)
	}
	p, err := parseAST(d.Source, anchors)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, p.source, p.root); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	for _, d := range testDocs(t) {
		t.Run(d.Slug, func(t *testing.T) {
			got := fmt.Sprintf("<!-- standfirst -->\n%s\n<!-- body -->\n%s", d.StandfirstHTML, body(d))
			path := filepath.Join("testdata", d.Slug+".golden.html")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the render (go test -update rewrites it); first difference at byte %d:\n got: %q\nwant: %q",
					path, firstDiff(got, string(want)), around(got, firstDiff(got, string(want))), around(string(want), firstDiff(got, string(want))))
			}
		})
	}
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func around(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}

// TestRenderedDocument checks each document's HTML as a browser sees it: no
// duplicate ids, and every block's element carrying its anchor and, by the
// browser's rules, its canonical text.
func TestRenderedDocument(t *testing.T) {
	for _, d := range testDocs(t) {
		t.Run(d.Slug, func(t *testing.T) {
			full := body(d)
			if got := plainRender(t, d); got != full {
				t.Fatalf("parts do not add up to the full render:\n%s\n----\n%s", full, got)
			}
			checkDocument(t, d, full)
		})
	}
}

// checkDocument is shared with FuzzParse.
func checkDocument(t *testing.T, d *Document, full string) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	byAnchor := map[string]*html.Node{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if id, ok := attr(n, "id"); ok {
				if ids[id] {
					t.Errorf("duplicate id %q", id)
				}
				ids[id] = true
			}
			if a, ok := attr(n, "data-anchor"); ok {
				if byAnchor[a] != nil {
					t.Errorf("duplicate data-anchor %q", a)
				}
				byAnchor[a] = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	if len(byAnchor) != len(d.Blocks) {
		t.Errorf("%d elements with data-anchor, %d blocks", len(byAnchor), len(d.Blocks))
	}
	slots := 0
	for _, p := range d.Parts {
		if p.Block >= 0 {
			if p.Block != slots {
				t.Errorf("slot %d is for block %d", slots, p.Block)
			}
			if p.HTML != d.Blocks[p.Block].HTML() {
				t.Errorf("slot %d: part HTML differs from the block's", slots)
			}
			slots++
		}
	}
	if slots != len(d.Blocks) {
		t.Errorf("%d slots for %d blocks", slots, len(d.Blocks))
	}
	for i, b := range d.Blocks {
		if b.Index != i {
			t.Errorf("block %d has Index %d", i, b.Index)
		}
		if d.Block(b.Anchor) != b {
			t.Errorf("Block(%q) does not find block %d", b.Anchor, i)
		}
		if got := CanonicalText(string(b.HTML())); got != b.Text {
			t.Errorf("block %s: CanonicalText(HTML) = %q, Text = %q", b.Anchor, got, b.Text)
		}
		if hashOf(b.Text) != b.Hash {
			t.Errorf("block %s: Hash is not SHA-256(Text)", b.Anchor)
		}
		el := byAnchor[b.Anchor]
		if el == nil {
			t.Errorf("no element for block %s", b.Anchor)
			continue
		}
		wantID := b.Anchor
		if b.Kind[0] == 'h' {
			wantID = b.HeadingID
		}
		if id, _ := attr(el, "id"); id != wantID || el.Data != b.Kind {
			t.Errorf("block %s: element <%s id=%q>, want <%s id=%q>", b.Anchor, el.Data, id, b.Kind, wantID)
		}
		if got := Canon(domText(el, nil)); got != b.Text {
			t.Errorf("block %s: the browser would read %q, Text is %q", b.Anchor, got, b.Text)
		}
	}
	if d.Block("no-such-anchor") != nil {
		t.Errorf("Block found a missing anchor")
	}
}

func hashOf(s string) string {
	return blockHash(&Block{Text: s})
}

const sampleSource = `---
title: Sample
---

# A Title

First paragraph, with a note.[^n]

## Section

- tight *one*
- tight two
  - nested
- tight three

1. loose one

   loose one, part two

2. loose two

> Quoted paragraph.

Same words.

Same words.

Same words.

[^n]: The note.
`

func TestBlocks(t *testing.T) {
	d, err := Parse("sample", []byte(sampleSource))
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ kind, text, html string }
	wants := []want{
		{"h1", "A Title", `<h1 id="a-title" data-anchor="` + contentID(hashOf("A Title")) + `">A Title</h1>`},
		{"p", "First paragraph, with a note.", ""},
		{"h2", "Section", ""},
		{"li", "tight one", "tight <em>one</em>"},
		{"li", "tight two", "tight two"},
		{"li", "nested", "nested"},
		{"li", "tight three", "tight three"},
		{"p", "loose one", ""},
		{"p", "loose one, part two", ""},
		{"p", "loose two", ""},
		{"p", "Quoted paragraph.", ""},
		{"p", "Same words.", ""},
		{"p", "Same words.", ""},
		{"p", "Same words.", ""},
		{"p", "The note.", ""},
	}
	if len(d.Blocks) != len(wants) {
		for _, b := range d.Blocks {
			t.Logf("%s %q", b.Kind, b.Text)
		}
		t.Fatalf("%d blocks, want %d", len(d.Blocks), len(wants))
	}
	for i, w := range wants {
		b := d.Blocks[i]
		if b.Kind != w.kind || b.Text != w.text {
			t.Errorf("block %d = %s %q, want %s %q", i, b.Kind, b.Text, w.kind, w.text)
		}
		if w.html != "" && string(b.HTML()) != w.html {
			t.Errorf("block %d HTML = %q, want %q", i, b.HTML(), w.html)
		}
	}
	same := contentID(hashOf("Same words."))
	for i, want := range []string{same, same + "-2", same + "-3"} {
		if got := d.Blocks[11+i].Anchor; got != want {
			t.Errorf("duplicate %d: anchor %q, want %q", i+1, got, want)
		}
	}
	if got := d.Blocks[2].HeadingID; got != "section" {
		t.Errorf("HeadingID = %q, want section", got)
	}
	p := d.Blocks[1]
	if want := `<p id="` + p.Anchor + `" data-anchor="` + p.Anchor + `">First paragraph, with a note.<sup id="fnref:1">`; !strings.HasPrefix(string(p.HTML()), want) {
		t.Errorf("paragraph HTML = %q, want prefix %q", p.HTML(), want)
	}
	// The tight item's <li> tag is static, just before its slot.
	li := d.Blocks[3]
	for i, part := range d.Parts {
		if part.Block == li.Index {
			if prev := string(d.Parts[i-1].HTML); !strings.HasSuffix(prev, `<li id="`+li.Anchor+`" data-anchor="`+li.Anchor+`">`) {
				t.Errorf("part before the li slot = %q", prev)
			}
		}
	}
	if d.Meta.Title != "Sample" {
		t.Errorf("Meta.Title = %q", d.Meta.Title)
	}
}

func TestContentIDsFollowText(t *testing.T) {
	base := "# Heading\n\nAlpha paragraph\nwith two lines.\n\nBeta paragraph.\n\nGamma paragraph.\n"
	tests := []struct {
		name string
		src  string
	}{
		{"unchanged", base},
		{"paragraph inserted first", "New opening.\n\n" + base},
		{"paragraph inserted in the middle", strings.Replace(base, "Beta", "Inserted.\n\nBeta", 1)},
		{"paragraph deleted", strings.Replace(base, "Beta paragraph.\n\n", "", 1)},
		{"lines re-wrapped", strings.Replace(base, "Alpha paragraph\nwith two lines.", "Alpha\nparagraph with\ntwo   lines.", 1)},
		{"trailing spaces and CRLF", strings.ReplaceAll(base, "\n", " \r\n")},
	}
	d0, err := Parse("base", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("base", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			for _, b0 := range d0.Blocks {
				b := d.Block(b0.Anchor)
				deleted := tt.name == "paragraph deleted" && strings.HasPrefix(b0.Text, "Beta")
				switch {
				case deleted && b != nil:
					t.Errorf("deleted block %q still there", b0.Text)
				case !deleted && b == nil:
					t.Errorf("block %q lost its anchor %s", b0.Text, b0.Anchor)
				case !deleted && b.Text != b0.Text:
					t.Errorf("anchor %s now on %q, was %q", b0.Anchor, b.Text, b0.Text)
				}
			}
		})
	}
	nfd, err := Parse("nfd", []byte("Cafe\u0301."))
	if err != nil {
		t.Fatal(err)
	}
	nfc, err := Parse("nfc", []byte("Caf\u00e9."))
	if err != nil {
		t.Fatal(err)
	}
	if nfd.Blocks[0].Anchor != nfc.Blocks[0].Anchor || nfd.Blocks[0].Text != "Caf\u00e9." {
		t.Errorf("NFD source: %q %s; NFC: %s", nfd.Blocks[0].Text, nfd.Blocks[0].Anchor, nfc.Blocks[0].Anchor)
	}
}

func TestTypographerAndRewrap(t *testing.T) {
	one, err := Parse("a", []byte("He said \"Asia for Asians\" -- it's the 'order'... and\n\"more\"."))
	if err != nil {
		t.Fatal(err)
	}
	two, err := Parse("a", []byte("He said \"Asia for\nAsians\" --\nit's the 'order'...\nand \"more\"."))
	if err != nil {
		t.Fatal(err)
	}
	want := "He said “Asia for Asians” – it’s the ‘order’… and “more”."
	for _, d := range []*Document{one, two} {
		if got := d.Blocks[0].Text; got != want {
			t.Errorf("Text = %q, want %q", got, want)
		}
	}
	if one.Blocks[0].Anchor != two.Blocks[0].Anchor {
		t.Errorf("re-wrapping changed the anchor")
	}
}

func TestHeadingIDCollision(t *testing.T) {
	id := contentID(hashOf("Some paragraph."))
	src := "Some paragraph.\n\n# " + id + "\n\n# " + id + "\n"
	d, err := Parse("c", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Blocks) != 3 || d.Blocks[0].Anchor != id {
		t.Fatalf("blocks: %+v", d.Blocks)
	}
	for _, h := range d.Blocks[1:] {
		if h.HeadingID == id {
			t.Errorf("heading id %q collides with the paragraph's anchor", h.HeadingID)
		}
	}
	if d.Blocks[1].HeadingID == d.Blocks[2].HeadingID {
		t.Errorf("two headings share id %q", d.Blocks[1].HeadingID)
	}
	checkDocument(t, d, body(d))
}

func TestRawHTMLDropped(t *testing.T) {
	d, err := Parse("x", []byte("Text <span data-anchor=\"evil\" data-ui>inline</span> here.\n\n<div id=\"p-00000000\">block</div>\n\n<script>alert(1)</script>\n"))
	if err != nil {
		t.Fatal(err)
	}
	full := body(d)
	for _, bad := range []string{"evil", "data-ui", "<script", "<div", "p-00000000"} {
		if strings.Contains(full, bad) {
			t.Errorf("raw HTML came through: %q in %s", bad, full)
		}
	}
	if got := d.Blocks[0].Text; got != "Text inline here." {
		t.Errorf("Text = %q", got)
	}
}

func TestTightListItems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // kind:text per block
	}{
		{"tight items", "- one\n- two\n  - nested\n", []string{"li:one", "li:two", "li:nested"}},
		{"loose items", "- one\n\n- two\n", []string{"p:one", "p:two"}},
		// Text after a nested block cannot share the item's anchor: it
		// becomes a paragraph of its own.
		{"text after a heading", "- first text\n  ## heading\n  later text\n- second\n",
			[]string{"li:first text", "h2:heading", "p:later text", "li:second"}},
		// An item holding text outside any block (code, a table) would read
		// differently in the browser: its text becomes a paragraph.
		{"code in the item", "- text\n  ```\n  code\n  ```\n- plain\n", []string{"p:text", "li:plain"}},
		{"code in a nested item", "- outer\n  - ```\n    code\n    ```\n", []string{"p:outer"}},
		{"table in the item", "  * 000000\n0\n-|\n0", []string{"p:000000"}},
		{"quote in the item", "- text\n  > quoted\n", []string{"li:text", "p:quoted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("x", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range d.Blocks {
				got = append(got, b.Kind+":"+b.Text)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("blocks = %q, want %q", got, tt.want)
			}
			checkDocument(t, d, body(d))
		})
	}
}

func TestWithAnchors(t *testing.T) {
	d, err := Parse("w", []byte(sampleSource))
	if err != nil {
		t.Fatal(err)
	}
	anchors := make([]string, len(d.Blocks))
	for i := range anchors {
		anchors[i] = fmt.Sprintf("p-old%02d", i)
	}
	d2, err := d.WithAnchors(anchors)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range d2.Blocks {
		if b.Anchor != anchors[i] || b.Text != d.Blocks[i].Text {
			t.Errorf("block %d: %s %q", i, b.Anchor, b.Text)
		}
		if d2.Block(anchors[i]) != b {
			t.Errorf("Block(%q) does not find block %d", anchors[i], i)
		}
	}
	if !strings.Contains(string(d2.Blocks[1].HTML()), `id="p-old01" data-anchor="p-old01"`) {
		t.Errorf("paragraph HTML = %s", d2.Blocks[1].HTML())
	}
	checkDocument(t, d2, body(d2))
	if d2.SourceHash != d.SourceHash || d2.Slug != d.Slug {
		t.Errorf("WithAnchors changed the source or slug")
	}

	dup := slices.Clone(anchors)
	dup[1] = dup[0]
	bad := slices.Clone(anchors)
	bad[2] = "Upper"
	long := slices.Clone(anchors)
	long[3] = strings.Repeat("a", 65)
	dash := slices.Clone(anchors)
	dash[4] = "-lead"
	for name, as := range map[string][]string{
		"too few":   anchors[1:],
		"too many":  append(slices.Clone(anchors), "p-extra"),
		"duplicate": dup,
		"bad chars": bad,
		"too long":  long,
		"dash lead": dash,
		"nil":       nil,
	} {
		if _, err := d.WithAnchors(as); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestStandfirst(t *testing.T) {
	d, err := Parse("s", []byte("---\ntitle: T\nstandfirst: \"It's *new* -- \\\"really\\\"...\"\n---\n\nBody.\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "It&rsquo;s <em>new</em> &ndash; &ldquo;really&rdquo;&hellip;"
	if string(d.StandfirstHTML) != want {
		t.Errorf("StandfirstHTML = %q, want %q", d.StandfirstHTML, want)
	}
	if len(d.Blocks) != 1 {
		t.Errorf("the standfirst must not be a block: %d blocks", len(d.Blocks))
	}
	d, err = Parse("s", []byte("---\nstandfirst: |\n  One [link](https://example.org/).\n\n  Two[^1].\n\n  [^1]: A note.\n---\n\nBody.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `One <a href="https://example.org/">link</a>. Two.`; string(d.StandfirstHTML) != want {
		t.Errorf("StandfirstHTML = %q, want %q", d.StandfirstHTML, want)
	}
	d, err = Parse("s", []byte("No front matter.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.StandfirstHTML != "" || !reflect.DeepEqual(d.Meta, Meta{}) {
		t.Errorf("no front matter: %+v %q", d.Meta, d.StandfirstHTML)
	}
}

// The front matter's source is one URL or a list of them.
func TestSourceURLs(t *testing.T) {
	for src, want := range map[string][]string{
		"---\nsource: https://example.org/essay\n---\n\nBody.\n":                                   {"https://example.org/essay"},
		"---\nsource:\n  - https://example.org/a\n  - \" https://example.org/b \"\n---\n\nBody.\n": {"https://example.org/a", "https://example.org/b"},
		"---\nsource: [https://example.org/a]\n---\n\nBody.\n":                                     {"https://example.org/a"},
		"---\ntitle: T\n---\n\nBody.\n":                                                            nil,
	} {
		d, err := Parse("s", []byte(src))
		if err != nil || !reflect.DeepEqual(d.Meta.Source, want) {
			t.Errorf("%q: source %q (%v), want %q", src, d.Meta.Source, err, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for name, src := range map[string]string{
		"invalid UTF-8":   "bad \xff byte\n",
		"bad YAML":        "---\ntitle: [unclosed\n---\n\nBody.\n",
		"YAML wrong type": "---\ntitle:\n  nested: map\n---\n\nBody.\n",
		"source a number": "---\nsource: 5\n---\n\nBody.\n",
		"source a map":    "---\nsource:\n  url: https://example.org/\n---\n\nBody.\n",
	} {
		if _, err := Parse("bad-doc", []byte(src)); err == nil || !strings.Contains(err.Error(), "bad-doc") {
			t.Errorf("%s: error %v, want one naming the document", name, err)
		}
	}
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"b-essay.md":      {Data: []byte("---\ntitle: B\n---\n\nBee.\n")},
		"a.md":            {Data: []byte("Ay.\n")},
		"a-b.md":          {Data: []byte("Ay bee.\n")},
		"notes.txt":       {Data: []byte("not an essay")},
		"sub/deeper.md":   {Data: []byte("Not at the top.\n")},
		"folder.md/x.txt": {Data: []byte("a folder named .md")},
	}
	docs, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, d := range docs {
		slugs = append(slugs, d.Slug)
	}
	if want := []string{"a", "a-b", "b-essay"}; !slices.Equal(slugs, want) {
		t.Errorf("slugs = %q, want %q", slugs, want)
	}
	if docs[2].Meta.Title != "B" {
		t.Errorf("Meta.Title = %q", docs[2].Meta.Title)
	}

	fsys["broken.md"] = &fstest.MapFile{Data: []byte("---\ntitle: [\n---\n")}
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "broken.md") {
		t.Errorf("Load error %v, want one naming broken.md", err)
	}

	docs, err = Load(Essays)
	if err != nil || len(docs) == 0 {
		t.Fatalf("Load(Essays) = %d docs, %v", len(docs), err)
	}
	if _, err := fs.Stat(Essays, docs[0].Slug+".md"); err != nil {
		t.Errorf("slug %q: %v", docs[0].Slug, err)
	}
}

// essaySource is the first embedded essay, for benchmarks.
func essaySource(b testing.TB) []byte {
	names, err := fs.Glob(Essays, "*.md")
	if err != nil || len(names) == 0 {
		b.Fatal("no essay", err)
	}
	src, err := fs.ReadFile(Essays, names[0])
	if err != nil {
		b.Fatal(err)
	}
	return src
}

func BenchmarkParse(b *testing.B) {
	src := essaySource(b)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("essay", src); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sampleSource)
	f.Add(string(essaySource(f)))
	f.Add("- a\n  # b\n  c\n- d\n\n  e\n")
	f.Add("# p-1a2b3c4d\n\nx\n\nx\n")
	f.Add("Text[^1] and [^2].\n\n[^1]: One.\n[^2]: - list\n  - in note\n")
	f.Add("> - quoted\n>   list\n>\n> | a | b |\n> |---|---|\n> | c | d |\n")
	f.Fuzz(func(t *testing.T, src string) {
		d, err := Parse("fuzz", []byte(src))
		if err != nil {
			return // invalid UTF-8 or front matter: an error, not a panic
		}
		full := body(d)
		if got := plainRender(t, d); got != full {
			t.Fatalf("parts do not add up to the full render")
		}
		checkDocument(t, d, full)
		for _, b := range d.Blocks {
			n := CodePoints(b.Text)
			if got := CanonicalText(string(b.Highlight([]Mark{{Start: 0, End: n, ID: "all"}}))); got != b.Text {
				t.Fatalf("highlighting all of %s changed its text to %q", b.Anchor, got)
			}
		}
		var anchors []string
		for _, b := range d.Blocks {
			anchors = append(anchors, "x"+b.Anchor)
		}
		d2, err := d.WithAnchors(anchors)
		if err != nil {
			t.Fatal(err)
		}
		if len(d2.Blocks) != len(d.Blocks) {
			t.Fatalf("WithAnchors: %d blocks, was %d", len(d2.Blocks), len(d.Blocks))
		}
		checkDocument(t, d2, body(d2))
	})
}
