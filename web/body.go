package web

import (
	"bytes"
	"html/template"
	"regexp"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	gtext "github.com/yuin/goldmark/text"
)

// bodyRenderer turns note bodies (untrusted Markdown) into safe HTML:
// goldmark without unsafe HTML (raw HTML is dropped) and with images turned
// into links (noimages.go), then bluemonday's user-generated-content policy,
// which also forces rel="nofollow noreferrer" on every link and adds
// target="_blank" with "noopener" to links that leave the site: a reader's
// link earns the target no ranking and learns nothing of the page it was
// on, and the opened page cannot reach back through window.opener.
//
// A page with a thousand notes must not run goldmark a thousand times, so
// results are kept in a bounded map keyed by the body itself: the same text
// always renders the same way, so there is nothing to invalidate.
type bodyRenderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy

	mu    sync.RWMutex
	cache map[string]template.HTML
}

const bodyCacheSize = 20000

// maxBodyDepth is how deeply a note's Markdown may nest (blockquotes, lists,
// emphasis and links count alike) before it is shown as plain text.
const maxBodyDepth = 64

// nestingDepth is the depth of the deepest node under n, counting no
// further than limit+1.
func nestingDepth(n ast.Node, limit int) int {
	deepest := 0
	var walk func(n ast.Node, d int)
	walk = func(n ast.Node, d int) {
		if d > deepest {
			deepest = d
		}
		if deepest > limit {
			return
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			walk(c, d+1)
		}
	}
	walk(n, 0)
	return deepest
}

func newBodyRenderer() *bodyRenderer {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// @mentions (mention.go) are spans of this one class; authors cannot
	// write raw HTML, so only the mention renderer makes them.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^mention$`)).OnElements("span")
	return &bodyRenderer{
		md: goldmark.New(
			goldmark.WithExtensions(extension.Strikethrough, extension.Linkify, extension.Typographer, mentionExtension{}),
			goldmark.WithParserOptions(parser.WithASTTransformers(imagesAsLinksTransformer)),
			goldmark.WithRendererOptions(html.WithHardWraps()),
		),
		policy: p,
		cache:  map[string]template.HTML{},
	}
}

// render returns the safe HTML of a Markdown body.
func (br *bodyRenderer) render(body string) template.HTML {
	if body == "" {
		return ""
	}
	br.mu.RLock()
	h, ok := br.cache[body]
	br.mu.RUnlock()
	if ok {
		return h
	}
	var buf bytes.Buffer
	src := []byte(body)
	doc := br.md.Parser().Parse(gtext.NewReader(src))
	if nestingDepth(doc, maxBodyDepth) > maxBodyDepth {
		// Blockquotes or lists thousands deep would make thousands of
		// nested elements: HTML parsers (Chromium's, x/net/html's) stop
		// nesting at 512 and pile the rest of the page into the note. No
		// note means that; show its text as written.
		buf.WriteString("<p>")
		template.HTMLEscape(&buf, src)
		buf.WriteString("</p>")
	} else if err := br.md.Renderer().Render(&buf, src, doc); err != nil {
		// goldmark does not fail on any input; if it ever does, show the
		// text escaped rather than nothing.
		buf.Reset()
		template.HTMLEscape(&buf, src)
	}
	h = template.HTML(br.policy.SanitizeBytes(buf.Bytes()))
	br.mu.Lock()
	if len(br.cache) >= bodyCacheSize {
		clear(br.cache) // crude but bounded; a full cache is rare
	}
	br.cache[body] = h
	br.mu.Unlock()
	return h
}
