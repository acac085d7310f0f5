package web

// Accessibility tests: axe-core run in headless Chromium, with JavaScript
// on, on every kind of page glossa serves, at 1280 px and as a 390 px
// phone. A violation of impact "serious" or "critical" fails the test;
// "moderate" and "minor" ones are logged. Each page is also checked for one
// h1, a lang attribute, a skip link that moves focus to the main content,
// and a visible focus indicator on the first stops of the tab order.
//
// axe-core is not part of the repository: .ci/run installs it with npm and
// names its axe.min.js in GLOSSA_AXE_JS. Without it the test skips (fails
// under GLOSSA_REQUIRE_BROWSER=1). To run it locally:
//
//	npm install --no-save --no-audit --no-fund --prefix /tmp/axe axe-core@4.14.1 &&
//	GLOSSA_AXE_JS=/tmp/axe/node_modules/axe-core/axe.min.js go test ./web/ -run A11y -v

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"glossa/content"
)

// axeSource returns axe-core's script, named by GLOSSA_AXE_JS, or skips the
// test (fails it when GLOSSA_REQUIRE_BROWSER=1) if there is none.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("GLOSSA_AXE_JS")
	var src []byte
	err := errors.New("GLOSSA_AXE_JS is not set")
	if path != "" {
		src, err = os.ReadFile(path)
	}
	if err != nil {
		msg := fmt.Sprintf("no axe-core (npm install --prefix /tmp/axe axe-core@4.14.1 and set GLOSSA_AXE_JS=/tmp/axe/node_modules/axe-core/axe.min.js): %v", err)
		if os.Getenv("GLOSSA_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + "; GLOSSA_REQUIRE_BROWSER=1 requires the accessibility tests to run")
		}
		t.Skip(msg)
	}
	return string(src)
}

// withAxe makes every document the tab loads from now on carry axe-core.
// A script added through DevTools is not subject to the page's CSP.
func (b *browser) withAxe(src string) {
	b.t.Helper()
	b.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	})
}

// axeRule is one rule's result, as much of it as a report needs.
type axeRule struct {
	ID      string    `json:"id"`
	Tags    []string  `json:"tags"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  json.RawMessage `json:"target"`
	HTML    string          `json:"html"`
	Summary string          `json:"failureSummary"`
}

type axeResults struct {
	Version    string    `json:"version"`
	Violations []axeRule `json:"violations"`
	Incomplete []axeRule `json:"incomplete"`
}

// axeRun runs axe-core on the whole document with its default rules (WCAG
// 2.x A and AA plus best practices; not the experimental ones).
func (b *browser) axeRun() axeResults {
	b.t.Helper()
	return eval[axeResults](b, `(async () => {
		if (typeof axe === "undefined") throw new Error("axe-core is not in the page");
		const r = await axe.run(document, {resultTypes: ["violations", "incomplete"], rules: {
			"target-size": {enabled: true},  // WCAG 2.2 AA, off by default in axe-core 4.14
			"duplicate-id": {enabled: true}, // ids reader.js adds must not clash either
		}});
		const slim = (rules) => rules.map(v => ({id: v.id, tags: v.tags, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary || ""}))}));
		return {version: axe.version, violations: slim(r.violations), incomplete: slim(r.incomplete)};
	})()`)
}

// wcagLevels are axe-core's tags for the WCAG 2.0, 2.1 and 2.2 A and AA
// success criteria.
var wcagLevels = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// wcag reports whether the rule checks a WCAG 2.2 A or AA criterion.
func (v axeRule) wcag() bool {
	for _, tag := range v.Tags {
		if slices.Contains(wcagLevels, tag) {
			return true
		}
	}
	return false
}

// report fails t for each violation of a WCAG 2.2 A or AA rule, and for
// each serious or critical one of the best practices; it logs the rest.
// Nodes that fail the same way are grouped, with a few examples each, so a
// rule broken on every paragraph reads as one finding.
func (r axeResults) report(t *testing.T, page string) {
	t.Helper()
	for _, v := range r.Violations {
		var msg strings.Builder
		fmt.Fprintf(&msg, "%s: axe %s %s: %s (%s)", page, v.Impact, v.ID, v.Help, v.HelpURL)
		var order []string
		groups := map[string][]axeNode{}
		for _, n := range v.Nodes {
			if _, ok := groups[n.Summary]; !ok {
				order = append(order, n.Summary)
			}
			groups[n.Summary] = append(groups[n.Summary], n)
		}
		for _, sum := range order {
			nodes := groups[sum]
			fmt.Fprintf(&msg, "\n\t%d node(s): %s", len(nodes), strings.ReplaceAll(sum, "\n", "\n\t\t"))
			for i, n := range nodes {
				if i == 3 {
					fmt.Fprintf(&msg, "\n\t\t… and %d more", len(nodes)-i)
					break
				}
				fmt.Fprintf(&msg, "\n\t\t%s  %s", n.Target, truncate(n.HTML, 200))
			}
		}
		if v.Impact == "serious" || v.Impact == "critical" || v.wcag() {
			t.Error(msg.String())
		} else {
			t.Log(msg.String())
		}
	}
	if len(r.Incomplete) > 0 {
		var ids []string
		for _, v := range r.Incomplete {
			ids = append(ids, fmt.Sprintf("%s×%d", v.ID, len(v.Nodes)))
		}
		t.Logf("%s: axe could not decide (needs review): %s", page, strings.Join(ids, ", "))
	}
}

// pageFacts are checks axe does not make the way glossa wants them.
type pageFacts struct {
	Lang       string   `json:"lang"`
	H1         []string `json:"h1"`
	Skip       string   `json:"skip"`
	SkipTarget string   `json:"skipTarget"`
}

// checkStructure checks one h1, a lang attribute and a skip link whose
// target is the main landmark and can take focus.
func (b *browser) checkStructure(t *testing.T, page string) {
	t.Helper()
	f := eval[pageFacts](b, `(() => {
		const skip = document.querySelector("a.skip");
		const href = skip ? skip.getAttribute("href") : "";
		const target = href.startsWith("#") ? document.getElementById(href.slice(1)) : null;
		return {
			lang: document.documentElement.lang,
			h1: [...document.querySelectorAll("h1")].map(h => h.textContent.trim()),
			skip: href,
			skipTarget: target ? target.tagName.toLowerCase() + (target.tabIndex < 0 && target.hasAttribute("tabindex") ? "[tabindex=-1]" : "") : "",
		};
	})()`)
	if f.Lang == "" {
		t.Errorf("%s: <html> has no lang", page)
	}
	if len(f.H1) != 1 {
		t.Errorf("%s: %d h1 elements %q, want exactly 1", page, len(f.H1), f.H1)
	}
	if f.SkipTarget != "main[tabindex=-1]" {
		t.Errorf("%s: skip link %q leads to %q, want the <main> element with tabindex=-1", page, f.Skip, f.SkipTarget)
	}
}

// checkTargets fails for each control smaller than 24 × 24 CSS px (WCAG
// 2.2's target size, 2.5.8), at any width, measured directly: axe-core's
// own rule accepts a small target when nothing else is within 24 px of it,
// so whether it passes depends on the fonts that lay the page out. Links
// inside a sentence are exempt, as WCAG exempts them: the essay's text and
// footnotes, a note's body, and a link in a paragraph of prose.
func (b *browser) checkTargets(t *testing.T, page string) {
	t.Helper()
	small := eval[[]string](b, `(() => {
		const inSentence = (el) => {
			if (el.closest(".note-body, .doc-body [data-anchor], .footnotes, sup")) return true;
			if (el.tagName !== "A") return false;
			const block = el.closest("p, li, dd, td");
			if (!block) return false;
			let prose = "";
			for (const n of block.childNodes) if (n.nodeType === Node.TEXT_NODE) prose += n.textContent;
			return (prose.match(/\p{L}/gu) || []).length >= 12;
		};
		const out = [];
		for (const el of document.querySelectorAll("a[href], button, summary, input:not([type=hidden]), select, textarea")) {
			const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
			if (r.width <= 1 || r.height <= 1 || cs.visibility === "hidden") continue; // not shown (or visually hidden until focused)
			if (el.type === "checkbox" || el.type === "radio") { // its label is the target
				const l = el.labels && el.labels[0];
				if (l) { const lr = l.getBoundingClientRect(); if (lr.height >= 24 && lr.width + r.width >= 24) continue; }
			}
			if (r.width + 0.5 >= 24 && r.height + 0.5 >= 24) continue;
			if (inSentence(el)) continue;
			out.push(el.outerHTML.slice(0, 90).replace(/\s+/g, " ") + " (" + r.width.toFixed(1) + " × " + r.height.toFixed(1) + ")");
		}
		return out;
	})()`)
	if len(small) > 0 {
		seen := map[string]bool{}
		var uniq []string
		for _, s := range small {
			if !seen[s] {
				seen[s] = true
				uniq = append(uniq, s)
			}
		}
		if len(uniq) > 6 {
			uniq = append(uniq[:6], fmt.Sprintf("and %d more", len(uniq)-6))
		}
		t.Errorf("%s: %d control(s) smaller than 24 × 24 px:\n\t%s", page, len(small), strings.Join(uniq, "\n\t"))
	}
}

// focusStop is the focused element and how its focus shows.
type focusStop struct {
	Desc       string  `json:"desc"`
	Outline    string  `json:"outline"`
	OutlineW   float64 `json:"outlineW"`
	Shadow     string  `json:"shadow"`
	InViewport bool    `json:"inViewport"`
	Width      float64 `json:"width"`
	Height     float64 `json:"height"`
}

const focusStopJS = `(() => {
	const el = document.activeElement;
	const cs = getComputedStyle(el);
	const r = el.getBoundingClientRect();
	return {
		desc: el.outerHTML.slice(0, 120),
		outline: cs.outlineStyle, outlineW: parseFloat(cs.outlineWidth) || 0, shadow: cs.boxShadow,
		inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
		width: r.width, height: r.height,
	};
})()`

// visible reports whether a focused element shows where focus is: a
// visible outline of at least 2 px (or a box shadow), on screen.
func (s focusStop) visible() bool {
	ring := (s.Outline != "none" && s.OutlineW >= 2) || (s.Shadow != "" && s.Shadow != "none")
	return ring && s.InViewport && s.Width > 0 && s.Height > 0
}

// checkKeyboard runs on a freshly loaded page: the first Tab reaches the
// skip link, which is then on screen; Enter on it moves focus to <main>;
// the next stops of the tab order each show a focus indicator.
func (b *browser) checkKeyboard(t *testing.T, page string, stops int) {
	t.Helper()
	b.key(kb.Tab)
	first := eval[focusStop](b, focusStopJS)
	if !eval[bool](b, `document.activeElement.matches("a.skip")`) {
		t.Errorf("%s: first Tab reached %s, want the skip link", page, first.Desc)
		return
	}
	if !first.visible() {
		t.Errorf("%s: focused skip link does not show: %+v", page, first)
	}
	b.key(kb.Enter)
	if !eval[bool](b, `document.activeElement === document.querySelector("main")`) {
		t.Errorf("%s: Enter on the skip link left focus on %s, want <main>", page, eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		return
	}
	for i := 1; i <= stops; i++ {
		b.key(kb.Tab)
		s := eval[focusStop](b, focusStopJS)
		if strings.HasPrefix(s.Desc, "<body") {
			break // the end of the page
		}
		if !s.visible() {
			t.Errorf("%s: Tab stop %d after the skip link has no visible focus indicator: %+v", page, i, s)
		}
	}
}

// submitForm clicks a submit button and waits for the page it loads,
// whatever its status, which it returns.
func (b *browser) submitForm(sel chromedp.CSS) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	if err != nil {
		b.t.Fatalf("submit %s: %v", sel, err)
	}
	if res == nil {
		b.t.Fatalf("submit %s: no page loaded", sel)
	}
	return res.Status
}

// allowLoadError keeps the browser's "Failed to load resource … status of
// N" log entry for path from failing the test: glossa answered with that
// status on purpose. The entry can arrive after the page has changed, so
// the filter runs when the test ends, just before the console check.
func (b *browser) allowLoadError(status int, path string) {
	want := fmt.Sprintf("status of %d", status)
	url := " " + b.app.ts.URL + path
	b.t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		kept := b.problems[:0]
		for _, p := range b.problems {
			if !strings.Contains(p, want) || !strings.HasSuffix(p, url) {
				kept = append(kept, p)
			}
		}
		b.problems = kept
	})
}

// signIn signs an existing account in through the form (no browser).
func (a *testApp) signIn(t testing.TB, name string) *client {
	t.Helper()
	c := a.client(t)
	res := c.postForm("/signin", url.Values{"name": {name}, "password": {"correct horse"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d: %s", name, res.StatusCode, truncate(readBody(res), 500))
	}
	res.Body.Close()
	c.name = name
	return c
}

// a11yFixture is a glossa whose essay has two revisions and whose pages hold
// every kind of note.
type a11yFixture struct {
	app *testApp
	ann *client // the reader whose pages are checked

	third, logics, adjust string // anchors of paragraphs with notes
	private, public       string // ann's notes
	others                string // bo's public note
	highlight             string // ann's highlight
	orphan                string // ann's note on words revision 2 deleted
}

// newA11yFixture publishes the essay, lets ann write a note on a paragraph,
// then publishes a second revision without that paragraph (so the note
// moves to "notes on an earlier version" and revision 1 is readable), and
// adds notes of each kind to the current revision.
func newA11yFixture(t *testing.T) *a11yFixture {
	t.Helper()
	src, err := content.Essays.ReadFile(essaySlug + ".md")
	if err != nil {
		t.Fatal(err)
	}
	const gone = "Planning to cope with unforeseen challenges"
	i := strings.Index(string(src), "\n\n"+gone)
	if i < 0 {
		t.Fatalf("the essay no longer has a paragraph starting %q", gone)
	}
	j := strings.Index(string(src)[i+2:], "\n\n")
	v2 := string(src[:i]) + string(src[i+2+j:])

	dbPath := filepath.Join(t.TempDir(), "glossa.db")
	app1 := newAppAt(t, dbPath, withContent(fstest.MapFS{essaySlug + ".md": {Data: src}}))
	app1.signUp(t, "ann").createNote(app1.paragraphWith(t, gone).Anchor, "unforeseen challenges",
		"Which challenges does he have in mind? The essay never lists them.", "public")
	app1.signUp(t, "bo")
	app1.close()

	app := newAppAt(t, dbPath, withContent(fstest.MapFS{essaySlug + ".md": {Data: []byte(v2)}}))
	if n := app.essay(t).Rev.Number; n != 2 {
		t.Fatalf("essay at revision %d, want 2", n)
	}
	f := &a11yFixture{app: app, ann: app.signIn(t, "ann")}
	bo := app.signIn(t, "bo")
	f.third = app.paragraphWith(t, "Ties among the nation-states").Anchor
	f.logics = app.paragraphWith(t, "two logics").Anchor
	f.adjust = app.paragraphWith(t, "simple path dependence").Anchor
	f.ann.createNote(f.third, "dense and determinative", "A claim worth testing: *how* dense, and by which measure?", "private")
	bo.createNote(f.third, "Asia for Asians", "Whose slogan? It has a long history, from the 1930s to 2014.", "public")
	f.ann.createNote(f.logics, "", "The second logic (path dependence) comes two paragraphs later.", "public")
	f.ann.createNote(f.adjust, "simple path dependence", "", "private")

	notes, err := app.db.Notes(context.Background(), viewerOfUser(t, app, "ann"), noteQuery(app))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		switch {
		case n.Author.Name == "bo":
			f.others = n.ID
		case n.Body == "":
			f.highlight = n.ID
		case strings.HasPrefix(n.Body, "Which challenges"):
			f.orphan = n.ID
		case n.Audience == "private":
			f.private = n.ID
		default:
			f.public = n.ID
		}
	}
	for name, id := range map[string]string{"bo's": f.others, "highlight": f.highlight, "orphan": f.orphan, "private": f.private, "public": f.public} {
		if id == "" {
			t.Fatalf("no %s note among %d", name, len(notes))
		}
	}
	return f
}

// TestA11yAxe runs axe-core on every page, signed out and signed in, with
// the JavaScript editor open and with form errors shown, at two widths.
func TestA11yAxe(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	axe := axeSource(t)
	t.Parallel()
	slug := "/read/" + essaySlug

	for _, tc := range []struct {
		name          string
		width, height int
		opts          []browserOption
	}{
		{"1280", 1280, 900, nil},
		{"390", 390, 844, []browserOption{asPhone()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Each width has its own glossa, so that saving a note in
			// one does not change what the other sees.
			f := newA11yFixture(t)
			b := newBrowser(t, f.app, append(tc.opts, withViewport(tc.width, tc.height))...)
			b.withAxe(axe)
			a := &axePass{t: t, b: b, width: tc.name}
			check, visit, form := a.check, a.visit, a.form

			// Signed out.
			visit("library, signed out", "/", http.StatusOK)
			visit("reading page, signed out", slug, http.StatusOK)
			visit("bo's public note, signed out", "/notes/"+f.others, http.StatusOK)
			visit("print edition, signed out", slug+"/print", http.StatusOK)
			visit("sign in", "/signin", http.StatusOK)
			form("sign in, wrong password", "/signin", "/signin", [][2]string{{"#name", "ann"}, {"#password", "wrong horse"}},
				`form button[type="submit"]`, http.StatusUnauthorized)
			visit("sign up", "/signup", http.StatusOK)
			form("sign up, errors", "/signup", "/signup", [][2]string{{"#password", "short"}, {"#password2", "different"}},
				`form button[type="submit"]`, http.StatusUnprocessableEntity)
			visit("404", "/no/such/page", http.StatusNotFound)

			// Signed in as ann.
			b.signInAs(f.ann)
			visit("library", "/", http.StatusOK)
			visit("reading page", slug, http.StatusOK)
			if n := eval[int](b, `document.querySelectorAll(".doc-body .margin a.card").length`); n != 4 {
				t.Errorf("%d cards in the margins, want 4 (private, public, bo's, highlight)", n)
			}
			if n := eval[int](b, `document.querySelectorAll("#earlier a.card").length`); n != 1 {
				t.Errorf("%d notes on an earlier version, want 1", n)
			}
			// A paragraph's conversation, open beside it.
			b.do(chromedp.Click(chromedp.CSS(blockSel(f.third)+" .margin a.open")),
				chromedp.WaitVisible(chromedp.CSS(blockSel(f.third)+" > .conversation .note")))
			check("conversation")

			// The inline editor (reader.js), opened from an Annotate link.
			block := blockSel(f.logics)
			editor := block + " form.inline-editor"
			b.do(chromedp.Click(chromedp.CSS(block+" a.annotate")), chromedp.WaitVisible(chromedp.CSS(editor)))
			check("inline editor")
			// …with a server error shown in it.
			b.do(
				chromedp.SendKeys(chromedp.CSS(editor+` input[name="phrase"]`), "words that are not there"),
				chromedp.Click(chromedp.CSS(editor+` button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(editor+" .form-error")),
			)
			b.allowLoadError(http.StatusUnprocessableEntity, slug+"/notes")
			check("inline editor, error")
			// …and after saving, with the live region announcing it.
			eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).value = ""`, editor+` input[name="phrase"]`))
			b.do(
				chromedp.SendKeys(chromedp.CSS(editor+` textarea[name="body"]`), "Saved in place."),
				chromedp.Click(chromedp.CSS(editor+` button[type="submit"]`)),
				chromedp.WaitNotPresent(chromedp.CSS(editor)),
			)
			if got := eval[string](b, `document.querySelector("[aria-live][data-reader-status]")?.textContent || ""`); got != "Note saved." {
				t.Errorf("live region says %q after saving, want %q", got, "Note saved.")
			}
			check("inline editor, note saved")
			// …editing one's own note in place.
			b.navigate(slug + "#" + f.logics) // its conversation open
			b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#note-%s a[data-action="edit"]`, f.public))),
				chromedp.WaitVisible(chromedp.CSS(editor+` textarea[name="body"]`)))
			check("inline editor, editing a note")
			// …and from a selection, with the floating button first. A
			// phone selects by touch, which the harness does not do.
			if tc.width > 400 {
				b.navigate(slug)
				const phrase = "credible threats"
				first := paragraphOnPage(b, "A major contributing factor")
				if got := b.dragSelect("#"+first, phrase); got != phrase {
					t.Fatalf("dragging selected %q, want %q", got, phrase)
				}
				b.do(chromedp.WaitVisible(chromedp.CSS("button.float-annotate")))
				check("floating Annotate button")
				b.do(chromedp.Click(chromedp.CSS("button.float-annotate")),
					chromedp.WaitVisible(chromedp.CSS(blockSel(first)+" form.inline-editor textarea")))
				check("inline editor, from a selection")
			}

			annotate := slug + "/annotate?anchor=" + f.third
			visit("annotate page", annotate, http.StatusOK)
			form("annotate page, errors", annotate, slug+"/notes", [][2]string{{"#phrase", "words that are not there"}, {"#body", "A note."}},
				`form.note-form button[type="submit"]`, http.StatusUnprocessableEntity)
			visit("own private note", "/notes/"+f.private, http.StatusOK)
			visit("highlight", "/notes/"+f.highlight, http.StatusOK)
			visit("bo's public note", "/notes/"+f.others, http.StatusOK)
			visit("note on an earlier version", "/notes/"+f.orphan, http.StatusOK)
			visit("edit page", "/notes/"+f.public+"/edit", http.StatusOK)
			visit("delete page", "/notes/"+f.public+"/delete", http.StatusOK)
			visit("revision 1", slug+"/rev/1", http.StatusOK)
			visit("revisions", slug+"/revisions", http.StatusOK)
			// The notebook and its facets, with a group, tags and a
			// question to count; with choices made; with a bad search.
			gid := grpCreate(t, f.ann, "Reading seminar")
			f.ann.postJSON(slug+"/notes", url.Values{"anchor": {f.adjust}, "body": {"Does path dependence explain the alliances?"},
				"audience": {fmt.Sprintf("group:%d", gid)}, "tags": {"method, path dependence"}, "question": {"1"}}, http.StatusCreated)
			visit("notebook", "/notebook", http.StatusOK)
			visit("notebook, everything, facets and a search chosen", "/notebook?show=all&tag=method&question=1&q=path", http.StatusOK)
			visit("notebook, a search it cannot read", "/notebook?show=all&tag=method&q=%22path", http.StatusUnprocessableEntity)
			visit("a paragraph's notes", slug+"/notes/"+f.third, http.StatusOK)
			visit("notes on an earlier version", slug+"/notes/earlier", http.StatusOK)
			visit("print edition", slug+"/print?layers=mine&layers=public", http.StatusOK)
			visit("print edition, endnotes", slug+"/print?layers=mine&layers=public&notes=end", http.StatusOK)
			visit("print edition, refused layer", slug+"/print?layers=group:999", http.StatusForbidden)
			visit("search results", "/search?q=dense+-nothing", http.StatusOK)
			visit("search, a query it cannot read", "/search?q=%22dense", http.StatusUnprocessableEntity)
			reattach := "/notes/" + f.orphan + "/reattach"
			visit("re-attach page", reattach, http.StatusOK)
			form("re-attach page, errors", reattach, reattach, [][2]string{{"#anchor", "Paragraph 3"}, {"#phrase", "words that are not there"}},
				`form.note-form button[type="submit"]`, http.StatusUnprocessableEntity)
			// Export and import, and an import's report.
			visit("export and import", slug+"/export", http.StatusOK)
			upload, err := filepath.Abs("testdata/hypothesis-export.json")
			if err != nil {
				t.Fatal(err)
			}
			b.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{upload}),
				chromedp.Click(chromedp.CSS(`form[enctype] button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(".import-report")))
			check("import report")
			visit("404, signed in", "/notes/no-such-note", http.StatusNotFound)
			t.Logf("%d page states checked with axe-core", a.checked)
		})
	}
}

// axePass checks pages in one browser at one width.
type axePass struct {
	t       *testing.T
	b       *browser
	width   string // names the width in messages
	checked int
}

// check runs axe and the structure checks on the page as it is.
func (a *axePass) check(name string) {
	a.t.Helper()
	name = a.width + " " + name
	a.b.waitScrolled() // axe checks the page at rest, not a frame of its layout
	r := a.b.axeRun()
	if a.checked == 0 {
		a.t.Logf("axe-core %s", r.Version)
	}
	a.checked++
	r.report(a.t, name)
	a.b.checkStructure(a.t, name)
	a.b.checkTargets(a.t, name)
	// At a phone's width no page may scroll sideways (WCAG 1.4.10).
	if a.b.width <= 400 {
		if w := eval[[]int](a.b, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); w[0] > w[1] {
			a.t.Errorf("%s: the page is %d px wide in a %d px window: it scrolls sideways (widest: %s)", name, w[0], w[1],
				eval[string](a.b, `(() => {
					const cw = document.documentElement.clientWidth; let out = [];
					for (const el of document.querySelectorAll("body *")) {
						const r = el.getBoundingClientRect();
						if (r.right > cw + 1) out.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " " + Math.round(r.right));
					}
					return out.slice(0, 5).join(", ");
				})()`))
		}
	}
}

// visit loads path, checks it, then checks the keyboard path through its
// first tab stops.
func (a *axePass) visit(name, path string, status int) {
	a.t.Helper()
	a.b.navigate(path)
	if status != http.StatusOK {
		a.b.allowLoadError(status, path)
	}
	a.check(name)
	a.b.checkKeyboard(a.t, a.width+" "+name, 12)
}

// form fills fields by CSS selector, submits to action and checks the page
// that comes back with its errors.
func (a *axePass) form(name, path, action string, fields [][2]string, submit chromedp.CSS, status int) {
	a.t.Helper()
	a.b.navigate(path)
	for _, kv := range fields {
		a.b.do(chromedp.SendKeys(chromedp.CSS(kv[0]), kv[1]))
	}
	if got := a.b.submitForm(submit); got != int64(status) {
		a.t.Fatalf("%s: submitting answered %d, want %d", name, got, status)
	}
	a.b.allowLoadError(status, action)
	a.check(name)
}

// paragraphOnPage returns the anchor of the paragraph on the page whose text
// starts with prefix.
func paragraphOnPage(b *browser, prefix string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => {
		for (const p of document.querySelectorAll(".doc-body p[data-anchor]"))
			if (p.textContent.startsWith(%q)) return p.dataset.anchor;
		throw new Error("no paragraph starts with " + %q);
	})()`, prefix, prefix))
}

// TestA11yAxeSeminar runs axe-core on the pages of groups, the teacher's
// guide, the conversation and reading together, at two widths:
// the groups page (also with a form error), a group's page as its teacher
// (with someone on its removed list) and as a member, open flags, the teacher's view, the hide and flag reason
// forms (also with errors), notifications with items, the tour as pages,
// the invite link's error pages (stale; removed from the group), a
// thread's page, and the reading page with
// a guide question, replies and reactions, then with the "1 new note"
// button, then in tour mode, then with the news shown.
func TestA11yAxeSeminar(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	axe := axeSource(t)
	t.Parallel()

	for _, tc := range []struct {
		name          string
		width, height int
		opts          []browserOption
	}{
		{"1280", 1280, 900, nil},
		{"390", 390, 844, []browserOption{asPhone()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSeminar(t)
			guide, member := seedConversation(t, s)
			gid := strconv.FormatInt(s.group.ID, 10)
			// A second stop on the tour, and a note a member flagged and
			// the teacher hid.
			s.teacher.note(s.app.paragraph(t, 0).Anchor, "Start here: the thesis is in the last sentence.", s.groupAudience(), false)
			aside := s.bo.note(s.app.paragraph(t, 4).Anchor, "Off topic: who is bringing lunch on Friday?", s.groupAudience(), false)
			s.ann.post("/notes/"+aside+"/flag", url.Values{"reason": {"Not about the essay."}}, http.StatusSeeOther)
			s.teacher.post("/notes/"+aside+"/hide", url.Values{"reason": {"Off topic; ask in the group chat."}}, http.StatusSeeOther)
			// Someone the teacher removed, on the group page's removed list.
			rex := s.app.signUp(t, "rex")
			ctx := context.Background()
			must(s.app.db.Join(ctx, s.userID(t, rex), s.group.InviteCode))
			if err := s.app.db.RemoveMember(ctx, s.userID(t, s.teacher), s.group.ID, s.userID(t, rex)); err != nil {
				t.Fatal(err)
			}

			b := newBrowser(t, s.app, append(tc.opts, withViewport(tc.width, tc.height))...)
			b.withAxe(axe)
			a := &axePass{t: t, b: b, width: tc.name}
			count := func(page, sel string, min int) {
				t.Helper()
				if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)); n < min {
					t.Errorf("%s %s: %d of %s, want at least %d: the page is not in the state to check", tc.name, page, n, sel, min)
				}
			}

			// A reader in no group yet.
			b.signInAs(s.outside)
			a.visit("groups, none yet", "/groups", http.StatusOK)
			a.visit("join, the invite page", "/join/"+s.group.InviteCode, http.StatusOK)
			count("join, the invite page", `main form[method="post"] button[type="submit"]`, 1)

			// The teacher.
			b.signInAs(s.teacher)
			a.visit("groups", "/groups", http.StatusOK)
			a.form("groups, error", "/groups", "/groups", nil, `form[action="/groups"] button[type="submit"]`, http.StatusUnprocessableEntity)
			count("groups, error", "#name[aria-invalid=true]", 1)
			a.visit("group page, teacher", "/groups/"+gid, http.StatusOK)
			count("group page, teacher", "#invite-url", 1)
			count("group page, teacher", `ul.removed-list > li form[action$="/let-back-in"]`, 1)
			a.visit("open flags", "/groups/"+gid+"/flags", http.StatusOK)
			count("open flags", ".flag-list > li", 1)
			a.visit("teacher's view", "/groups/"+gid+"/documents/"+essaySlug, http.StatusOK)
			count("teacher's view", "table.heat tbody tr", 10)
			// The heat map's wrapper is no keyboard-scrollable region (the
			// participation table's is): it must fit the window.
			if w := eval[[]int](b, `(w => [w.scrollWidth, w.clientWidth])(document.querySelector("table.heat").closest(".table-wrap"))`); w[0] > w[1] {
				t.Errorf("%s teacher's view: the heat map is %d px wide in a %d px wrapper", tc.name, w[0], w[1])
			}
			hide := "/notes/" + member + "/hide"
			a.visit("hide form", hide, http.StatusOK)
			a.form("hide form, error", hide, hide, [][2]string{{"#reason", "  "}}, `main form.stack button[type="submit"]`, http.StatusUnprocessableEntity)
			count("hide form, error", "#reason[aria-invalid=true]", 1)
			a.visit("notifications, teacher", "/notifications", http.StatusOK)
			count("notifications, teacher", ".notification.unread", 1)
			a.visit("reading page, teacher", s.groupReadPath(), http.StatusOK)
			count("reading page, teacher", "a.card.is-hidden", 1)
			asideAt := s.app.paragraph(t, 4).Anchor
			b.navigate(s.groupReadPath() + "#" + asideAt) // its conversation open
			b.do(chromedp.WaitVisible(chromedp.CSS(blockSel(asideAt) + " > .conversation .note")))
			a.check("conversation, teacher")
			count("conversation, teacher", ".conversation .note.is-hidden", 1)
			a.visit("thread page, teacher", "/notes/"+guide, http.StatusOK)
			count("thread page, teacher", ".note.reply.accepted", 1)
			a.visit("tour page, first stop", tourURL(essaySlug, s.group.ID, 1), http.StatusOK)
			a.visit("tour page, last stop", tourURL(essaySlug, s.group.ID, 2), http.StatusOK)
			count("tour page, last stop", ".tour-notes .note.guide.question", 1)

			// A member.
			b.signInAs(s.ann)
			a.visit("groups, member", "/groups", http.StatusOK)
			a.visit("group page, member", "/groups/"+gid, http.StatusOK)
			count("group page, member", ".members > li", 3)
			flag := "/notes/" + member + "/flag"
			a.visit("flag form", flag, http.StatusOK)
			a.form("flag form, error", flag, flag, [][2]string{{"#reason", "  "}}, `main form.stack button[type="submit"]`, http.StatusUnprocessableEntity)
			a.form("flag sent", flag, flag, [][2]string{{"#reason", "It needs a source."}}, `main form.stack button[type="submit"]`, http.StatusOK)
			a.visit("notifications, member", "/notifications", http.StatusOK)
			count("notifications, member", ".notification .mention", 1)
			a.visit("join, stale invite link", "/join/no-such-code", http.StatusNotFound)
			b.signInAs(rex)
			a.visit("join, removed from the group", "/join/"+s.group.InviteCode, http.StatusForbidden)
			b.signInAs(s.ann)

			// The reading page as the seminar goes on.
			a.visit("print edition, group layer", "/read/"+essaySlug+"/print?layers=group:"+gid, http.StatusOK)
			count("print edition, group layer", ".ed-note.ed-guide .ed-replies", 1)
			a.visit("reading page, member", s.groupReadPath(), http.StatusOK)
			count("reading page, member", "a.card.guide", 1)
			b.navigate(s.groupReadPath() + "#" + s.p.Anchor) // its conversation open
			b.do(chromedp.WaitVisible(chromedp.CSS(blockSel(s.p.Anchor) + " > .conversation .note")))
			a.check("conversation, member")
			count("conversation, member", ".conversation .note.guide.question", 1)
			count("conversation, member", ".conversation .note.reply", 2)
			count("conversation, member", `.conversation button.react[aria-pressed="true"]`, 1)
			s.teacher.note(s.app.paragraph(t, 6).Anchor, "And here: which logic wins?", s.groupAudience(), true)
			b.waitJS(`document.querySelector(".live-news[aria-live=polite] .live-button")?.textContent === "1 new note"`)
			a.check("reading page, 1 new note")
			// On a phone the reading tools are folded behind one line.
			eval[chromedp.Void](b, `document.querySelector("details.reading-tools").open = true`)
			b.do(chromedp.Click(chromedp.CSS("a.tour-link")))
			b.waitJS(`document.querySelector(".tour-bar [role=status]")?.textContent === "Stop 1 of 2"`)
			a.check("reading page, tour mode and the news button")
			b.key(kb.Escape)
			b.waitJS(`!document.querySelector(".tour-bar")`)
			b.do(chromedp.Click(chromedp.CSS(".live-news .live-button")))
			// The new guide note's card; on a phone, where cards fold
			// under the count, its paragraph's way in.
			b.waitJS(`document.activeElement?.matches(".margin a.card.guide, [data-block].has-notes > .margin a.open")`)
			a.check("reading page, news shown")
			t.Logf("%d page states checked with axe-core", a.checked)
		})
	}
}
