package content

import (
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	gtext "github.com/yuin/goldmark/text"
)

// plainMarkdown parses note bodies for PlainText: NoteHTML's
// syntax (strikethrough, bare links) without the typographer, so the words
// come back as typed.
var plainMarkdown = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Linkify))

// PlainText is Markdown's words without its syntax: emphasis marks,
// link destinations, heading and list markers and the like are dropped,
// a link keeps its text, an image its description, code its characters;
// paragraphs and lines are joined by single spaces. Search shows a note's
// snippet through it: the snippet is a cut of the Markdown source (the
// index holds the source, so that search finds what the author typed),
// and "**dense**" or "[a report](https://…)" read badly in a results list.
// A cut can split a construct ("…](https://"); what goldmark does not
// recognise stays as text. The search match markers, which are control
// characters, pass through as text.
func PlainText(md string) string {
	src := []byte(md)
	doc := plainMarkdown.Parser().Parse(gtext.NewReader(src))
	var b strings.Builder
	space := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
	}
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if n.Type() == ast.TypeBlock {
			space() // a block starts or ends: keep words apart
			if entering && (n.Kind() == ast.KindFencedCodeBlock || n.Kind() == ast.KindCodeBlock || n.Kind() == ast.KindHTMLBlock) {
				lines := n.Lines()
				for i := range lines.Len() {
					seg := lines.At(i)
					b.Write(seg.Value(src))
				}
				return ast.WalkSkipChildren, nil
			}
			return ast.WalkContinue, nil
		}
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				space()
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.URL(src))
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			for i := range n.Segments.Len() {
				seg := n.Segments.At(i)
				b.Write(seg.Value(src))
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(strings.Fields(b.String()), " ")
}
