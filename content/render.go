package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.abhg.dev/goldmark/frontmatter"
	"golang.org/x/text/unicode/norm"
)

// markdown is the one goldmark set-up, built once: goldmark instances are
// safe for concurrent use. Raw HTML in an essay is dropped (no
// html.WithUnsafe), so the only attributes in the output are goldmark's and
// ours: an essay cannot forge data-anchor or data-ui.
var markdown = newMarkdown()

func newMarkdown() goldmark.Markdown {
	anchors := &anchorTransformer{}
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.Table,
			extension.Strikethrough,
			extension.Footnote,
			extension.Typographer,
			&frontmatter.Extender{},
		),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			// Transformers run in increasing priority order; the footnote
			// transformer (999) must first move the footnotes to the end of
			// the document and add their back-links.
			parser.WithASTTransformers(util.Prioritized(anchors, 10000)),
		),
		goldmark.WithRendererOptions(
			// Lower values win: this replaces html.Renderer (1000) for the
			// kinds it registers.
			renderer.WithNodeRenderers(util.Prioritized(blockRenderer{}, 100)),
		),
	)
	anchors.renderer = md.Renderer()
	return md
}

// jobKey holds the *parseJob of a Parse call in the parser.Context. Renders
// without one (the standfirst) get no anchors.
var jobKey = parser.NewContextKey()

// parseJob carries one Parse call's input to the anchor transformer and its
// findings back.
type parseJob struct {
	anchors []string // given anchors, or nil for content ids

	blocks []*Block
	slots  map[ast.Node]int // node whose rendering is the block's slot -> index
	err    error
}

// anchorTransformer finds the anchorable blocks, computes their canonical
// text and sets their id and data-anchor attributes.
type anchorTransformer struct {
	renderer renderer.Renderer
}

func (t *anchorTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	job, _ := pc.Get(jobKey).(*parseJob)
	if job == nil {
		return
	}
	src := reader.Source()
	var nodes []ast.Node // the element carrying the anchor, per block
	job.slots = map[ast.Node]int{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var kind string
		slot := n
		switch n := n.(type) {
		case *ast.Paragraph:
			kind = "p"
		case *ast.Heading:
			kind = "h" + strconv.Itoa(n.Level)
		case *ast.ListItem:
			tb, ok := n.FirstChild().(*ast.TextBlock)
			if !ok || leaks(n, tb) {
				// A loose item, or one the browser could not read as one
				// block: its paragraphs are the blocks.
				promoteTextBlocks(n, nil)
				return ast.WalkContinue, nil
			}
			promoteTextBlocks(n, tb)
			kind, slot = "li", tb
		default:
			return ast.WalkContinue, nil
		}
		job.slots[slot] = len(job.blocks)
		job.blocks = append(job.blocks, &Block{Index: len(job.blocks), Kind: kind, Footnote: inFootnote(n)})
		nodes = append(nodes, n)
		return ast.WalkContinue, nil
	})

	// Canonical text comes from what is rendered (after the typographer),
	// not from the source. Attributes are not set yet, but they carry no text.
	var buf bufWriter
	for i, b := range job.blocks {
		buf.Reset()
		slot := nodes[i]
		if b.Kind == "li" {
			slot = slot.FirstChild()
		}
		if err := t.renderer.Render(&buf, src, slot); err != nil {
			job.err = err
			return
		}
		b.Text = CanonicalText(buf.String())
		sum := sha256.Sum256([]byte(b.Text))
		b.Hash = hex.EncodeToString(sum[:])
	}

	if job.anchors == nil {
		seen := map[string]int{}
		for _, b := range job.blocks {
			id := contentID(b.Hash)
			seen[id]++
			if k := seen[id]; k > 1 {
				id += "-" + strconv.Itoa(k)
			}
			b.Anchor = id
		}
	} else {
		if len(job.anchors) != len(job.blocks) {
			job.err = fmt.Errorf("%d anchors for %d blocks", len(job.anchors), len(job.blocks))
			return
		}
		for i, b := range job.blocks {
			b.Anchor = job.anchors[i]
		}
	}

	ids := map[string]bool{} // element ids taken by anchors
	for i, b := range job.blocks {
		n := nodes[i]
		if _, ok := n.(*ast.Heading); !ok {
			n.SetAttributeString("id", []byte(b.Anchor))
			ids[b.Anchor] = true
		}
		n.SetAttributeString("data-anchor", []byte(b.Anchor))
	}
	for i, b := range job.blocks {
		h, ok := nodes[i].(*ast.Heading)
		if !ok {
			continue
		}
		// A heading reading like an anchor ("P-1a2b3c4d") would get the
		// same slug: keep ids unique by giving the heading another one.
		id, _ := h.AttributeString("id")
		slug, _ := id.([]byte)
		for ids[string(slug)] {
			slug = pc.IDs().Generate(slug, ast.KindHeading)
			h.SetAttributeString("id", slug)
		}
		b.HeadingID = string(slug)
	}
}

// promoteTextBlocks turns the text blocks of a tight item, except keep, into
// paragraphs, so that each is a block of its own. Only the item's leading
// text can share the <li>'s anchor; text further down ("- text\n  # heading\n
// more text") would otherwise have no anchor at all.
func promoteTextBlocks(li *ast.ListItem, keep *ast.TextBlock) {
	for c := li.FirstChild(); c != nil; c = c.NextSibling() {
		tb, ok := c.(*ast.TextBlock)
		if !ok || tb == keep {
			continue
		}
		p := ast.NewParagraph()
		p.SetLines(tb.Lines())
		for gc := tb.FirstChild(); gc != nil; {
			next := gc.NextSibling()
			p.AppendChild(p, gc)
			gc = next
		}
		li.ReplaceChild(li, tb, p)
		c = p
	}
}

// leaks reports whether the children of an item, other than its leading text
// block, hold text outside any block of their own (a code block, a table, at
// any depth). The browser reads an anchored <li> as all its text except
// nested anchored blocks, so such an item cannot be one block: it must be
// read as the server reads it, its own inline content.
func leaks(li *ast.ListItem, lead *ast.TextBlock) bool {
	var bare func(n ast.Node) bool
	bare = func(n ast.Node) bool {
		switch n.(type) {
		case *ast.Paragraph, *ast.Heading, *ast.TextBlock:
			return false // a block, or about to be one
		case *ast.ThematicBreak, *ast.HTMLBlock:
			return false // no text (raw HTML is dropped)
		case *ast.List, *ast.ListItem, *ast.Blockquote:
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				if bare(c) {
					return true
				}
			}
			return false
		}
		return true
	}
	for c := li.FirstChild(); c != nil; c = c.NextSibling() {
		if c != ast.Node(lead) && bare(c) {
			return true
		}
	}
	return false
}

func contentID(hash string) string { return "p-" + hash[:8] }

// blockRenderer renders the anchorable kinds exactly as html.Renderer does,
// and tells a segWriter where each block's slot starts and ends.
type blockRenderer struct{}

func (blockRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindParagraph, renderParagraph)
	reg.Register(ast.KindHeading, renderHeading)
	reg.Register(ast.KindTextBlock, renderTextBlock)
}

func renderParagraph(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		startSlot(w, n)
		if n.Attributes() != nil {
			_, _ = w.WriteString("<p")
			html.RenderAttributes(w, n, html.ParagraphAttributeFilter)
			_ = w.WriteByte('>')
		} else {
			_, _ = w.WriteString("<p>")
		}
	} else {
		_, _ = w.WriteString("</p>")
		endSlot(w, n)
		_ = w.WriteByte('\n')
	}
	return ast.WalkContinue, nil
}

func renderHeading(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	if entering {
		startSlot(w, n)
		_, _ = w.WriteString("<h")
		_ = w.WriteByte("0123456"[n.Level])
		if n.Attributes() != nil {
			html.RenderAttributes(w, n, html.HeadingAttributeFilter)
		}
		_ = w.WriteByte('>')
	} else {
		_, _ = w.WriteString("</h")
		_ = w.WriteByte("0123456"[n.Level])
		_ = w.WriteByte('>')
		endSlot(w, n)
		_ = w.WriteByte('\n')
	}
	return ast.WalkContinue, nil
}

func renderTextBlock(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		startSlot(w, n)
	} else {
		endSlot(w, n)
		if n.NextSibling() != nil && n.FirstChild() != nil {
			_ = w.WriteByte('\n')
		}
	}
	return ast.WalkContinue, nil
}

func startSlot(w util.BufWriter, n ast.Node) {
	if sw, ok := w.(*segWriter); ok {
		if i, ok := sw.slots[n]; ok {
			sw.cut(-1)
			sw.open = i
		}
	}
}

func endSlot(w util.BufWriter, n ast.Node) {
	if sw, ok := w.(*segWriter); ok {
		if i, ok := sw.slots[n]; ok && sw.open == i {
			sw.cut(i)
			sw.open = -1
		}
	}
}

// bufWriter is a util.BufWriter over a bytes.Buffer, so goldmark writes to it
// directly instead of through a bufio.Writer of its own.
type bufWriter struct{ bytes.Buffer }

func (b *bufWriter) Buffered() int { return b.Len() }
func (b *bufWriter) Flush() error  { return nil }

// segWriter records, while a document renders, where its block slots start
// and end, and so splits the output into Parts.
type segWriter struct {
	bufWriter
	slots map[ast.Node]int
	open  int // block whose slot is being written, or -1
	last  int // end of the last part, in bytes
	parts []Part
}

// cut ends the current part at the current position; block is the slot's
// block, or -1 for static HTML. Empty static parts are skipped.
func (w *segWriter) cut(block int) {
	s := string(w.Bytes()[w.last:])
	w.last = w.Len()
	if s == "" && block < 0 {
		return
	}
	w.parts = append(w.parts, Part{HTML: template.HTML(s), Block: block})
}

// Parse renders one Markdown source (front matter, footnotes, typographer,
// heading ids) into a Document whose blocks carry content ids:
// "p-" + first 8 hex digits of SHA-256(canonical text), the k-th duplicate
// (k >= 2) in document order getting "-k". The source is NFC-normalised first.
// slug is the file name without ".md".
//
// Document.Source keeps src as given; SourceHash is its SHA-256.
func Parse(slug string, src []byte) (*Document, error) {
	return parse(slug, src, nil)
}

// WithAnchors renders the same source again with the given anchors, one per
// block in order (len(anchors) == len(d.Blocks), all distinct, each matching
// ^[a-z0-9][a-z0-9-]{0,63}$), and returns the new Document. Used when a
// revision inherits anchors from the previous one, and to render a stored
// revision with its stored anchors.
func (d *Document) WithAnchors(anchors []string) (*Document, error) {
	if len(anchors) != len(d.Blocks) {
		return nil, fmt.Errorf("content: %s: %d anchors for %d blocks", d.Slug, len(anchors), len(d.Blocks))
	}
	seen := make(map[string]bool, len(anchors))
	for i, a := range anchors {
		if !anchorRE.MatchString(a) {
			return nil, fmt.Errorf("content: %s: anchor %d %q does not match %s", d.Slug, i, a, anchorRE)
		}
		if seen[a] {
			return nil, fmt.Errorf("content: %s: anchor %q given twice", d.Slug, a)
		}
		seen[a] = true
	}
	return parse(d.Slug, d.Source, anchors)
}

var anchorRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Block returns the block with the given anchor, or nil.
func (d *Document) Block(anchor string) *Block {
	return d.byAnchor[anchor]
}

func parse(slug string, src []byte, anchors []string) (*Document, error) {
	d, err := parseDocument(slug, src, anchors)
	if err != nil {
		return nil, fmt.Errorf("content: parsing %s: %w", slug, err)
	}
	return d, nil
}

// parsed is a source parsed into an AST, its anchors set, ready to render.
type parsed struct {
	source []byte // NFC-normalised
	root   ast.Node
	job    *parseJob
	meta   Meta
}

func parseAST(src []byte, anchors []string) (*parsed, error) {
	if !utf8.Valid(src) {
		return nil, errors.New("source is not valid UTF-8")
	}
	normalized := norm.NFC.Bytes(src)
	job := &parseJob{anchors: anchors}
	pc := parser.NewContext()
	pc.Set(jobKey, job)
	root := markdown.Parser().Parse(text.NewReader(normalized), parser.WithContext(pc))
	if job.err != nil {
		return nil, job.err
	}
	var meta Meta
	if fm := frontmatter.Get(pc); fm != nil {
		if err := fm.Decode(&meta); err != nil {
			return nil, fmt.Errorf("front matter: %w", err)
		}
		var src struct {
			Source any `yaml:"source" toml:"source"`
		}
		if err := fm.Decode(&src); err != nil {
			return nil, fmt.Errorf("front matter: %w", err)
		}
		var err error
		if meta.Source, err = sourceURLs(src.Source); err != nil {
			return nil, fmt.Errorf("front matter: source: %w", err)
		}
	}
	return &parsed{source: normalized, root: root, job: job, meta: meta}, nil
}

// sourceURLs reads the front matter's source: one URL, or a list of them.
func sourceURLs(v any) ([]string, error) {
	var out []string
	add := func(v any) error {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a URL or a list of URLs, got %v", v)
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
		return nil
	}
	switch v := v.(type) {
	case nil:
	case []any:
		for _, u := range v {
			if err := add(u); err != nil {
				return nil, err
			}
		}
	default:
		if err := add(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseDocument(slug string, src []byte, anchors []string) (*Document, error) {
	source := bytes.Clone(src) // the caller may reuse src; a Document is immutable
	p, err := parseAST(source, anchors)
	if err != nil {
		return nil, err
	}
	standfirst, err := renderStandfirst(p.meta.Standfirst)
	if err != nil {
		return nil, fmt.Errorf("standfirst: %w", err)
	}

	w := &segWriter{slots: p.job.slots, open: -1}
	if err := markdown.Renderer().Render(w, p.source, p.root); err != nil {
		return nil, err
	}
	w.cut(-1)

	blocks := p.job.blocks
	for _, part := range w.parts {
		if part.Block >= 0 {
			b := blocks[part.Block]
			b.html = part.HTML
			b.toks = analyze(string(part.HTML), true).toks
		}
	}
	byAnchor := make(map[string]*Block, len(blocks))
	for _, b := range blocks {
		byAnchor[b.Anchor] = b
	}

	sum := sha256.Sum256(source)
	return &Document{
		Slug:           slug,
		Meta:           p.meta,
		Source:         source,
		SourceHash:     hex.EncodeToString(sum[:]),
		StandfirstHTML: standfirst,
		Blocks:         blocks,
		Parts:          w.parts,
		byAnchor:       byAnchor,
	}, nil
}

// renderStandfirst renders the front matter's standfirst as Markdown, with
// the typographer but without anchors: it is not annotatable. The result is
// inline HTML, without a <p>, so that a template can wrap it in its own
// element (<p class="standfirst">); should the standfirst hold several
// blocks, their inline content is joined with spaces. Footnotes are dropped.
func renderStandfirst(s string) (template.HTML, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	src := []byte(s)
	root := markdown.Parser().Parse(text.NewReader(src))
	// Footnote marks would point nowhere (and repeat the body's ids).
	var refs []ast.Node
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && n.Kind() == east.KindFootnoteLink {
			refs = append(refs, n)
		}
		return ast.WalkContinue, nil
	})
	for _, n := range refs {
		n.Parent().RemoveChild(n.Parent(), n)
	}
	var buf bufWriter
	err := ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case east.KindFootnoteList:
			return ast.WalkSkipChildren, nil
		case ast.KindParagraph, ast.KindTextBlock, ast.KindHeading:
			if buf.Len() > 0 {
				buf.WriteByte(' ')
			}
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				if err := markdown.Renderer().Render(&buf, src, c); err != nil {
					return ast.WalkStop, err
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return "", err
	}
	return template.HTML(strings.TrimSpace(buf.String())), nil
}

// Load parses every *.md file at the top of fsys, sorted by slug.
func Load(fsys fs.FS) ([]*Document, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	var docs []*Document
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".md") {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("content: %w", err)
		}
		d, err := parseDocument(strings.TrimSuffix(name, ".md"), src, nil)
		if err != nil {
			return nil, fmt.Errorf("content: %s: %w", name, err)
		}
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Slug < docs[j].Slug })
	return docs, nil
}

// inFootnote reports whether n is inside a footnote's text.
func inFootnote(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == east.KindFootnote {
			return true
		}
	}
	return false
}
