package content

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	gtext "github.com/yuin/goldmark/text"
)

// Note bodies are untrusted Markdown written by readers. NoteHTML turns
// one into safe HTML: goldmark without unsafe HTML (raw HTML is dropped)
// and with images turned into links (noimages.go) and @mentions marked
// (mention.go), then bluemonday's user-generated-content policy, which also
// forces rel="nofollow noreferrer" on every link and adds target="_blank"
// with "noopener" to links that leave the site: a reader's link earns the
// target no ranking and learns nothing of the page it was on, and the
// opened page cannot reach back through window.opener.
//
// The same text always renders the same way, so a caller may keep the
// results keyed by the body (web keeps them in a cache bounded by bytes).
// Both the goldmark set-up and the policy are safe for concurrent use.
var (
	noteMarkdown = goldmark.New(
		goldmark.WithExtensions(extension.Strikethrough, extension.Linkify, extension.Typographer, mentionExtension{}),
		goldmark.WithParserOptions(parser.WithASTTransformers(imagesAsLinksTransformer)),
		goldmark.WithRendererOptions(html.WithHardWraps()),
	)
	notePolicy = newNotePolicy()
)

func newNotePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// @mentions (mention.go) are spans of this one class; authors cannot
	// write raw HTML, so only the mention renderer makes them.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^mention$`)).OnElements("span")
	return p
}

// maxBodyHTML is the most HTML one note's body may render to before it is
// shown as plain text instead: some twenty times a long note of prose, a
// bound on what any one note adds to a page.
const maxBodyHTML = 128 << 10

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

// NoteHTML returns the safe HTML of a note body (untrusted Markdown).
func NoteHTML(body string) template.HTML {
	if body == "" {
		return ""
	}
	var buf bytes.Buffer
	src := []byte(body)
	doc := noteMarkdown.Parser().Parse(gtext.NewReader(src))
	if nestingDepth(doc, maxBodyDepth) > maxBodyDepth {
		// Blockquotes or lists thousands deep would make thousands of
		// nested elements: HTML parsers (Chromium's, x/net/html's) stop
		// nesting at 512 and pile the rest of the page into the note. No
		// note means that; show its text as written.
		buf.WriteString("<p>")
		template.HTMLEscape(&buf, src)
		buf.WriteString("</p>")
	} else if err := noteMarkdown.Renderer().Render(&buf, src, doc); err != nil {
		// goldmark does not fail on any input; if it ever does, show the
		// text escaped rather than nothing.
		buf.Reset()
		template.HTMLEscape(&buf, src)
	}
	out := notePolicy.SanitizeBytes(buf.Bytes())
	if len(out) > maxBodyHTML {
		// A short body can render to megabytes: one long link
		// definition used a thousand times, or a thousand bare URLs
		// each made a link. No note needs that much HTML; show its
		// text as written, which is at most a few times its length.
		buf.Reset()
		buf.WriteString("<p>")
		template.HTMLEscape(&buf, src)
		buf.WriteString("</p>")
		out = buf.Bytes()
	}
	return template.HTML(out)
}
