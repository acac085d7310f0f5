package web

// The print edition printed: headless Chromium prints /read/{slug}/print to
// PDF on A4 (and A5), and poppler's pdftotext reads the PDFs back, with
// each word's page and position. The PDFs, their pages as PNG (pdftoppm)
// and screenshots of the page at 1280 and 390 px go to screenshotDir, to
// look at.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"
)

// popplerTool returns the path of a poppler-utils program, or skips the
// test without it (fails it when GLOSSA_REQUIRE_BROWSER=1: the PDF checks
// are part of the browser tests).
func popplerTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("no %s (apt-get install poppler-utils): %v", name, err)
		if os.Getenv("GLOSSA_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + "; GLOSSA_REQUIRE_BROWSER=1 requires the PDF checks to run")
		}
		t.Skip(msg)
	}
	return path
}

// Paper sizes in inches, as Page.printToPDF takes them.
var (
	paperA4 = [2]float64{210 / 25.4, 297 / 25.4}
	paperA5 = [2]float64{148 / 25.4, 210 / 25.4}
)

// printPDF prints the tab's page on paper of size wh as a reader's Print
// command would by default: the page's own margins, no background
// graphics (so marks must show by themselves), no header or footer.
func (b *browser) printPDF(wh [2]float64) []byte {
	b.t.Helper()
	var pdf []byte
	b.call(func(ctx context.Context) error {
		f := false
		res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{
			PaperWidth: wh[0], PaperHeight: wh[1], PrintBackground: &f, DisplayHeaderFooter: &f,
		})
		pdf = res.Data
		return err
	})
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		b.t.Fatalf("Page.printToPDF returned no PDF (%d bytes)", len(pdf))
	}
	return pdf
}

// pdfPage is one page of a PDF as pdftotext -bbox reads it, in points.
type pdfPage struct {
	width, height float64
	words         []pdfWord
}

type pdfWord struct {
	x0, y0, x1, y1 float64
	text           string
}

// pdfHit is where a phrase was found: the page (from 0) and the box of its
// first word.
type pdfHit struct {
	page int
	pdfWord
}

// readPDF reads the words of the PDF at path with their boxes.
func readPDF(t *testing.T, pdftotext, path string) []pdfPage {
	t.Helper()
	out, err := exec.Command(pdftotext, "-bbox", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox %s: %v", path, err)
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	num := func(n *html.Node, k string) float64 {
		f, err := strconv.ParseFloat(attr(n, k), 64)
		if err != nil {
			t.Fatalf("pdftotext -bbox: %s=%q", k, attr(n, k))
		}
		return f
	}
	var pages []pdfPage
	for _, pn := range queryAll(doc, "page") {
		p := pdfPage{width: num(pn, "width"), height: num(pn, "height")}
		for _, w := range queryAll(pn, "word") {
			p.words = append(p.words, pdfWord{num(w, "xmin"), num(w, "ymin"), num(w, "xmax"), num(w, "ymax"), text(w)})
		}
		pages = append(pages, p)
	}
	if len(pages) == 0 {
		t.Fatalf("pdftotext found no pages in %s", path)
	}
	return pages
}

// squeeze drops what line breaking changes (white space, hyphens) from s.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0', '-', '\u00ad', '\u2010', '\u2011':
			return -1
		}
		return r
	}, s)
}

// findInPDF returns every place phrase is printed, across line and column
// breaks within a page, in the order pdftotext reads them.
func findInPDF(pages []pdfPage, phrase string) []pdfHit {
	want := squeeze(phrase)
	var hits []pdfHit
	for i, p := range pages {
		var all strings.Builder
		starts := make([]int, len(p.words))
		for j, w := range p.words {
			starts[j] = all.Len()
			all.WriteString(squeeze(w.text))
		}
		s := all.String()
		for off := 0; want != ""; {
			k := strings.Index(s[off:], want)
			if k < 0 {
				break
			}
			at := sort.Search(len(starts), func(j int) bool { return starts[j] > off+k }) - 1
			hits = append(hits, pdfHit{page: i, pdfWord: p.words[at]})
			off += k + 1
		}
	}
	return hits
}

// savePDF writes pdf to dir/name, renders its pages to PNG beside it for a
// person to look at, and returns its path.
func savePDF(t *testing.T, dir, name string, pdf []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("PDF: %s", path)
	if pdftoppm, err := exec.LookPath("pdftoppm"); err == nil {
		prefix := strings.TrimSuffix(path, ".pdf")
		if out, err := exec.Command(pdftoppm, "-png", "-r", "60", path, prefix).CombinedOutput(); err != nil {
			t.Errorf("pdftoppm %s: %v: %s", path, err, out)
		} else {
			t.Logf("pages as PNG: %s-*.png", prefix)
		}
	}
	return path
}

// TestBrowserPrintPDF prints the annotated edition to PDF on A4 with the
// notes in the margin and as endnotes, and on A5, where the margin is too
// narrow and margin notes print as endnotes. In every PDF each quote and
// each note's body (and reply) is in the text; in the margin PDF each note
// sits to the right of its quote, on the same page; with endnotes every
// note comes after the last page of the essay.
func TestBrowserPrintPDF(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	pdftotext := popplerTool(t, "pdftotext")
	t.Parallel()
	f := newPrintFixture(t)
	app := f.app
	gid := strconv.FormatInt(f.group.ID, 10)
	add := func(c *client, anchor, phrase, body string) {
		t.Helper()
		v := url.Values{"anchor": {anchor}, "phrase": {phrase}, "body": {body}, "audience": {"public"}}
		c.postJSON("/read/"+essaySlug+"/notes", v, http.StatusCreated)
	}
	// A longer note with Markdown, one on a heading and one on a footnote.
	add(f.ann, app.paragraphWith(t, "No single factor").Anchor, "hub-and-spoke alliances",
		"ANN-LONG: the *spokes* matter more than the hub here. Compare the [SCO's charter](https://example.org/sco) with the 1961 treaty: one is an alliance in all but name, the other in name only.")
	var heading, footnote string
	for _, b := range app.essay(t).Current.Blocks {
		switch {
		case b.Kind == "h2" && b.Text == "Alliance Adjustments":
			heading = b.Anchor
		case strings.HasPrefix(b.Text, "E.g. Amitav Acharya"):
			footnote = b.Anchor
		}
	}
	add(f.bo, heading, "", "BO-HEADING: why “adjustments” and not “decline”?")
	add(f.bo, footnote, "Constructing a security community", "BO-FOOTNOTE: Acharya again; see his 2001 edition.")

	// What every PDF must hold: the quotes, and each note's body.
	quotes := []string{"dense and determinative", "abounding uncertainties", "security logic", "hub-and-spoke alliances", "Constructing a security community"}
	bodies := []string{"ANN-PRIVATE: a note.", "ANN-PUBLIC: a note.", "BO-PUBLIC: a note.", "ANN-REPLY: a reply.", "GUIDE: a note.",
		"BO-GROUP: a note.", "TESS-REPLY: a reply.", "ANN-TEACHERS: a note.", "BO-HEADING: why “adjustments” and not “decline”?",
		"BO-FOOTNOTE: Acharya again; see his 2001 edition.", "ANN-LONG: the spokes matter more than the hub here."}
	// Each quote's note, for the margin check.
	quoteNote := map[string]string{
		"dense and determinative": "ANN-PRIVATE", "abounding uncertainties": "BO-PUBLIC", "security logic": "BO-GROUP",
		"hub-and-spoke alliances": "ANN-LONG", "Constructing a security community": "BO-FOOTNOTE",
	}
	const lastWords = "Minxin Pei, “China’s Asia,” Project Syndicate" // the essay's last footnote

	layers := "layers=mine&layers=public&layers=group:" + gid
	dir := screenshotDir(t)
	b := newBrowser(t, app, withViewport(1280, 900))
	b.signInAs(f.ann)

	// Marks show in black and white: an underline and a grey, printed
	// even without background graphics.
	b.navigate(printPath(layers))
	b.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	})
	mark := eval[map[string]string](b, `(() => { const s = getComputedStyle(document.querySelector(".edition-body mark.hl-print"));
		return {line: s.textDecorationLine, bg: s.backgroundColor, adjust: s.printColorAdjust || s.webkitPrintColorAdjust}; })()`)
	if mark["line"] != "underline" || mark["bg"] == "rgba(0, 0, 0, 0)" || mark["adjust"] != "exact" {
		t.Errorf("a mark in print: %v, want underlined, with a background printed exactly", mark)
	}
	if eval[bool](b, `getComputedStyle(document.querySelector(".edition-controls")).display !== "none"`) {
		t.Error("the print settings would print")
	}
	b.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
		return err
	})

	for _, tc := range []struct {
		name  string
		mode  string
		paper [2]float64
		// endnotes: the notes follow the text (on narrow paper even in
		// margin mode).
		endnotes bool
	}{
		{"margin-a4", "margin", paperA4, false},
		{"end-a4", "end", paperA4, true},
		{"margin-a5", "margin", paperA5, true},
	} {
		parent := b.t
		t.Run(tc.name, func(t *testing.T) {
			b.t = t // the harness fails the subtest
			defer func() { b.t = parent }()
			b.navigate(printPath(layers + "&notes=" + tc.mode))
			path := savePDF(t, dir, "edition-"+tc.name+".pdf", b.printPDF(tc.paper))
			pages := readPDF(t, pdftotext, path)
			t.Logf("%s: %d pages of %.0f × %.0f pt", tc.name, len(pages), pages[0].width, pages[0].height)
			for _, s := range append(append([]string{"Alliances and the Future Asia-Pacific Order", "Revision 1", "Seminar A"}, quotes...), bodies...) {
				if len(findInPDF(pages, s)) == 0 {
					t.Errorf("%s: %q is not in the PDF", tc.name, s)
				}
			}
			if hits := findInPDF(pages, "Print settings"); len(hits) > 0 {
				t.Errorf("%s: the settings form printed (page %d)", tc.name, hits[0].page+1)
			}
			end := findInPDF(pages, lastWords)
			if len(end) == 0 {
				t.Fatalf("%s: the essay's last footnote is not in the PDF", tc.name)
			}
			textEnds := end[0].page

			if tc.endnotes {
				// Every note after the essay's last page, in the Notes.
				heading := findInPDF(pages, "Notes")
				notesStart := -1
				for _, h := range heading {
					if h.page > textEnds {
						notesStart = h.page
						break
					}
				}
				if notesStart < 0 {
					t.Fatalf("%s: no Notes heading after page %d, where the text ends (%d pages)", tc.name, textEnds+1, len(pages))
				}
				if len(pages) <= textEnds+1 {
					t.Errorf("%s: %d pages, and the text ends on page %d: no page for the notes", tc.name, len(pages), textEnds+1)
				}
				for _, s := range bodies {
					for _, h := range findInPDF(pages, s) {
						if h.page < notesStart {
							t.Errorf("%s: %q on page %d, before the Notes (page %d)", tc.name, s, h.page+1, notesStart+1)
						}
					}
				}
				return
			}
			// The margin: each note to the right of its quote in the text,
			// on the same page.
			for q, name := range quoteNote {
				qs := findInPDF(pages, q)
				ns := findInPDF(pages, name+":")
				if len(qs) == 0 || len(ns) != 1 {
					t.Errorf("%s: %q found %d times, note %s %d times", tc.name, q, len(qs), name, len(ns))
					continue
				}
				// The note quotes it again: the text's is the leftmost.
				inText, n := qs[0], ns[0]
				for _, h := range qs[1:] {
					if h.x0 < inText.x0 {
						inText = h
					}
				}
				col := pages[n.page].width * 0.55
				if inText.x1 > n.x0 || n.x0 < col || n.page != inText.page {
					t.Errorf("%s: %q at page %d x=%.0f, its note at page %d x=%.0f: want the note in the margin beside it (x ≥ %.0f)",
						tc.name, q, inText.page+1, inText.x0, n.page+1, n.x0, col)
				}
				if d := n.y0 - inText.y0; d < -200 || d > 300 {
					t.Errorf("%s: note %s is %.0f pt from its quote, not beside it", tc.name, name, d)
				}
			}
			if len(pages) != textEnds+1 {
				t.Errorf("%s: %d pages, the text ends on page %d: something prints after it", tc.name, len(pages), textEnds+1)
			}
		})
	}

	// The page on screen, as a preview, at both widths.
	for _, w := range []struct {
		name   string
		width  int
		height int
		opts   []browserOption
	}{
		{"1280", 1280, 900, nil},
		{"390", 390, 844, []browserOption{asPhone()}},
	} {
		sb := newBrowser(t, app, append(w.opts, withViewport(w.width, w.height))...)
		sb.signInAs(f.ann)
		sb.navigate(printPath(layers))
		if !eval[bool](sb, `!document.querySelector("button[data-print]").hidden`) {
			t.Errorf("%s: the Print button is not shown with JavaScript", w.name)
		}
		saveScreenshot(t, dir, "edition-"+w.name+".png", run(sb, chromedp.CaptureScreenshot()))
		saveScreenshot(t, dir, "edition-"+w.name+"-full.png", run(sb, chromedp.FullScreenshot(100)))
		eval[chromedp.Void](sb, `document.querySelector(".edition-body").scrollIntoView()`)
		saveScreenshot(t, dir, "edition-"+w.name+"-text.png", run(sb, chromedp.CaptureScreenshot()))
		if w.width > 1000 {
			// Beside the paragraph on a wide screen, as on the reading page.
			p := sb.box("#" + f.p.Anchor)
			n := sb.box(`.ed-note[data-note="` + f.ids["ANN-PRIVATE"] + `"]`)
			if n.Left < p.Right || n.Top-p.Top > 60 || n.Top-p.Top < -60 {
				t.Errorf("1280: the note at %+v is not beside its paragraph at %+v", n, p)
			}
		} else if sb.box(`.ed-note[data-note="`+f.ids["ANN-PRIVATE"]+`"]`).Top < sb.box("#"+f.p.Anchor).Bottom {
			t.Error("390: the note is not under its paragraph")
		}
		if sw := eval[float64](sb, `document.documentElement.scrollWidth`); sw > float64(w.width) {
			t.Errorf("%s: the page is %.0f px wide", w.name, sw)
		}
	}
}
