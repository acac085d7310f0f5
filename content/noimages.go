package content

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	gtext "github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// imagesAsLinks turns every image in a note body into a link to it, its
// alt text becoming the link text. A reader-written ![x](http://host/x.png)
// would otherwise make every visitor's browser ask that host for it (a
// tracking pixel, or a request the CSP blocks with a console error); as a
// link it is fetched only by someone who follows it, and then with
// rel="nofollow noreferrer". It is an AST transformer, so raw HTML strings
// are never edited afterwards.
type imagesAsLinks struct{}

func (imagesAsLinks) Transform(doc *ast.Document, _ gtext.Reader, _ parser.Context) {
	var images []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			images = append(images, img)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range images {
		link := ast.NewLink()
		link.Destination = img.Destination
		link.Title = img.Title
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			link.AppendChild(link, c)
			c = next
		}
		if link.ChildCount() == 0 {
			link.AppendChild(link, ast.NewString([]byte("image")))
		}
		img.Parent().ReplaceChild(img.Parent(), img, link)
	}
}

// imagesAsLinksTransformer runs after goldmark's own transformers.
var imagesAsLinksTransformer = util.Prioritized(imagesAsLinks{}, 999)
