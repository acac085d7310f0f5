package content

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TestBodyLinksAndImages: every link in a note carries rel="nofollow
// noreferrer" (and "noopener" with target=_blank when it leaves the site),
// and no image survives: each becomes a link to it, so rendering a note
// never makes the reader's browser fetch anything.
func TestBodyLinksAndImages(t *testing.T) {
	out := string(NoteHTML("See http://example.com/a, [here](/read/x), ![a *chart*](http://example.invalid/x.png) and ![](http://example.invalid/y.png)."))
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if imgs := elements(doc, "img"); len(imgs) != 0 {
		t.Errorf("%d <img> in %s", len(imgs), out)
	}
	links := elements(doc, "a")
	if len(links) != 4 {
		t.Fatalf("%d links in %s, want 4", len(links), out)
	}
	for _, a := range links {
		rel := strings.Fields(attrOf(a, "rel"))
		want := []string{"nofollow", "noreferrer"}
		if strings.HasPrefix(attrOf(a, "href"), "http") {
			want = append(want, "noopener")
			if attrOf(a, "target") != "_blank" {
				t.Errorf("%s: target %q, want _blank", attrOf(a, "href"), attrOf(a, "target"))
			}
		}
		for _, w := range want {
			if !strings.Contains(" "+strings.Join(rel, " ")+" ", " "+w+" ") {
				t.Errorf("%s: rel %q lacks %s", attrOf(a, "href"), attrOf(a, "rel"), w)
			}
		}
	}
	if got := textOf(links[2]); got != "a chart" {
		t.Errorf("image link text %q, want its alt text", got)
	}
	if got := textOf(links[3]); got != "image" {
		t.Errorf("image without alt text: link text %q, want %q", got, "image")
	}
}

// elements returns the elements named tag under n, in document order.
func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.Data == tag {
			out = append(out, d)
		}
	}
	return out
}

// attrOf is n's attribute key, or "".
func attrOf(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// checkSafeHTML reports the first dangerous thing in a fragment of note
// HTML: an element that can run or load something, an event-handler
// attribute, a style attribute, or a URL with a scheme other than http,
// https or mailto.
func checkSafeHTML(frag string) string {
	nodes, err := html.ParseFragment(strings.NewReader(frag), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "unparseable: " + err.Error()
	}
	for _, top := range nodes {
		for n := range top.Descendants() {
			if p := unsafeNode(n); p != "" {
				return p
			}
		}
		if p := unsafeNode(top); p != "" {
			return p
		}
	}
	return ""
}

func unsafeNode(n *html.Node) string {
	if n.Type != html.ElementNode {
		return ""
	}
	switch n.Data {
	case "script", "iframe", "object", "embed", "style", "svg", "math", "img", "link", "meta", "base", "form", "frame", "video", "audio", "source":
		return "<" + n.Data + "> element"
	}
	for _, a := range n.Attr {
		k := strings.ToLower(a.Key)
		if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" || k == "formaction" {
			return "attribute " + a.Key + "=" + a.Val + " on <" + n.Data + ">"
		}
		if k == "href" || k == "src" || k == "action" || k == "xlink:href" {
			v := strings.ToLower(strings.Map(func(r rune) rune {
				if r <= ' ' || r == 0x7f {
					return -1
				}
				return r
			}, a.Val))
			if i := strings.IndexByte(v, ':'); i >= 0 && !strings.ContainsAny(v[:i], "/?#") {
				switch v[:i] {
				case "http", "https", "mailto":
				default:
					return "URL " + a.Val + " on <" + n.Data + ">"
				}
			}
		}
	}
	return ""
}

// FuzzNoteBody renders and sanitizes arbitrary Markdown as a note body and
// checks nothing dangerous comes out: no script, iframe or image element,
// no on* or style attribute, no javascript:, data: or other non-web URL.
func FuzzNoteBody(f *testing.F) {
	for _, s := range []string{
		"plain *text* with a [link](http://example.com) and @ann",
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"[x](javascript:alert(1))",
		"[x](JaVaScRiPt&#58;alert(1))",
		"![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
		"<svg><script>alert(1)</script></svg>",
		"[x](<javascript:alert(1)>)",
		"<a href=\"javascript:alert(1)\">x</a>",
		"> > > > > deep",
		"- a\n  - b\n    - c",
		"<style>*{}</style><iframe src=//x>",
		"[a]: javascript:alert(1)\n\n[a]",
		"http://x.test/<script>",
		"\x00\u202e\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		out := string(NoteHTML(body))
		if p := checkSafeHTML(out); p != "" {
			t.Fatalf("rendering %q gave %s in %q", body, p, out)
		}
		if body != "" && !utf8.ValidString(out) {
			// Not a safety matter, but the page is UTF-8.
			t.Logf("invalid UTF-8 out of %q", body)
		}
	})
}
