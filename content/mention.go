package content

import (
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	gtext "github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Mentions: "@name" in a note body names a person. The names follow
// store.ValidateName's rules (letters, digits, '-', '_', '.', starting with a
// letter or digit, at most maxMentionLen), so a mention is found by the same goldmark
// parse that renders the body: never inside code, never inside an e-mail
// address (an '@' right after a name character is not a mention). A
// trailing '.' ends a sentence, not the name.
//
// The parser adds a Mention node; the renderer writes it as
// <span class="mention">@name</span>, which the sanitizer lets through
// (raw HTML from the author never reaches it: goldmark drops it).

// maxMentionLen is store.MaxNameLen (content does not import store;
// web's TestMentionsParsed checks that the two agree).
const maxMentionLen = 32

var kindMention = ast.NewNodeKind("Mention")

type mentionNode struct {
	ast.BaseInline
	Name string
}

func (n *mentionNode) Kind() ast.NodeKind { return kindMention }

func (n *mentionNode) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Name": n.Name}, nil)
}

// isNameRune reports whether c may appear in a name after its first rune.
func isNameRune(c rune) bool {
	return unicode.IsLetter(c) || unicode.IsDigit(c) || c == '-' || c == '_' || c == '.'
}

// scanName reads a name at the start of b (after the '@'), returning it and
// its length in bytes, or "" when there is none.
func scanName(b []byte) (string, int) {
	n, runes := 0, 0
	for n < len(b) && runes < maxMentionLen {
		c, size := utf8.DecodeRune(b[n:])
		if c == utf8.RuneError && size <= 1 {
			break
		}
		if runes == 0 && !(unicode.IsLetter(c) || unicode.IsDigit(c)) {
			return "", 0
		}
		if !isNameRune(c) {
			break
		}
		n += size
		runes++
	}
	// A name longer than the limit is not a name: leave it as text.
	if runes == maxMentionLen && n < len(b) {
		if c, _ := utf8.DecodeRune(b[n:]); isNameRune(c) {
			return "", 0
		}
	}
	for n > 0 && b[n-1] == '.' {
		n--
	}
	if n == 0 {
		return "", 0
	}
	return string(b[:n]), n
}

type mentionParser struct{}

func (mentionParser) Trigger() []byte { return []byte{'@'} }

func (mentionParser) Parse(parent ast.Node, block gtext.Reader, pc parser.Context) ast.Node {
	if prev := block.PrecendingCharacter(); isNameRune(prev) || prev == '@' {
		return nil // an e-mail address, or "@@"
	}
	line, _ := block.PeekLine()
	if len(line) < 2 || line[0] != '@' {
		return nil
	}
	name, n := scanName(line[1:])
	if name == "" {
		return nil
	}
	block.Advance(1 + n)
	return &mentionNode{Name: name}
}

type mentionRenderer struct{}

func (mentionRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindMention, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString(`<span class="mention">@`)
			_, _ = w.Write(util.EscapeHTML([]byte(n.(*mentionNode).Name)))
			_, _ = w.WriteString(`</span>`)
		}
		return ast.WalkSkipChildren, nil
	})
}

// mentionExtension adds @mentions to a goldmark.Markdown.
type mentionExtension struct{}

func (mentionExtension) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parser.WithInlineParsers(util.Prioritized(mentionParser{}, 500)))
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(mentionRenderer{}, 500)))
}

// NoteMentions returns the names @mentioned in a note body, each once, in
// order of appearance.
func NoteMentions(body string) []string {
	if body == "" {
		return nil
	}
	src := []byte(body)
	doc := noteMarkdown.Parser().Parse(gtext.NewReader(src))
	var names []string
	seen := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if m, ok := n.(*mentionNode); ok && entering && !seen[m.Name] {
			seen[m.Name] = true
			names = append(names, m.Name)
		}
		return ast.WalkContinue, nil
	})
	return names
}
