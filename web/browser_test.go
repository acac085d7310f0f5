package web

// Browser tests: a real glossa behind httptest, driven by headless Chromium
// through chromedp. They check what the HTML tests cannot: that reader.js
// turns a person's selection into a note without a reload, that the forms
// still work with JavaScript off, that the margin sits where the CSS says,
// and that canon.js agrees with the Go canonical text. See
// browser_helpers_test.go for the browser harness; each test starts its own
// app and browser.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/net/html"

	"glossa/content"
)

// thirdParagraph is the anchor of the third paragraph of the essay's body
// ("Ties among the nation-states…"), read from the page.
func (b *browser) thirdParagraph() string {
	b.t.Helper()
	anchor := eval[string](b, `document.querySelectorAll(".doc-body p[data-anchor]")[2].dataset.anchor`)
	if want := b.app.paragraphWith(b.t, "Ties among the nation-states").Anchor; anchor != want {
		b.t.Fatalf("third paragraph on the page is %s, want %s (Ties among…)", anchor, want)
	}
	return anchor
}

// blockSel selects the wrapper of the block with anchor.
func blockSel(anchor string) string { return fmt.Sprintf(`[data-block=%q]`, anchor) }

// parseFragment parses markup read from the browser for the html helpers.
func parseFragment(t *testing.T, markup string) *html.Node {
	t.Helper()
	n, err := html.Parse(strings.NewReader(markup))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkNoteInBlock checks, in a block's markup as the browser has it, that it holds
// one note whose body contains body and that phrase is highlighted in the
// text.
func checkNoteInBlock(t *testing.T, markup, anchor, phrase, body string) {
	t.Helper()
	wrap := query(parseFragment(t, markup), blockSel(anchor))
	if wrap == nil {
		t.Fatalf("no block %s in %s", anchor, truncate(markup, 500))
	}
	notes := queryAll(wrap, ".margin .note")
	if len(notes) != 1 {
		t.Fatalf("%d notes in the margin of %s, want 1", len(notes), anchor)
	}
	if got := text(query(notes[0], ".note-body")); !strings.Contains(got, body) {
		t.Errorf("note body = %q, want it to contain %q", got, body)
	}
	if got := text(query(wrap, "#"+anchor+" mark.hl")); got != phrase {
		t.Errorf("highlight in the text = %q, want %q", got, phrase)
	}
	if got := text(query(notes[0], "blockquote.quote")); got != phrase {
		t.Errorf("note quotes %q, want %q", got, phrase)
	}
}

// TestBrowserAnnotateWithJavaScript is the enhanced path: sign up through
// the form, select words with the mouse, press the floating Annotate
// button, write and save; the note lands in the paragraph's margin without
// a reload, beside the paragraph at 1280 px, and is there after a reload.
func TestBrowserAnnotateWithJavaScript(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	t.Parallel()
	app := newApp(t)
	b := newBrowser(t, app, withViewport(1280, 900))
	b.signUpForm("ann")
	b.navigate("/read/" + essaySlug)
	anchor := b.thirdParagraph()
	block := blockSel(anchor)

	// A page that reloads loses this.
	eval[chromedp.Void](b, `window.glossaNoReload = "still here"`)

	const phrase = "dense and determinative"
	if got := b.dragSelect("#"+anchor, phrase); got != phrase {
		t.Fatalf("dragging selected %q, want %q", got, phrase)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("button.float-annotate")))
	// The button appears just under the selection.
	sel := eval[rect](b, `(() => { const r = getSelection().getRangeAt(0).getBoundingClientRect();
		return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })()`)
	btn := b.box("button.float-annotate")
	if btn.Top < sel.Bottom || btn.Top > sel.Bottom+40 || btn.Right < sel.Left || btn.Left > sel.Right {
		t.Errorf("float button at %+v, selection at %+v", btn, sel)
	}

	b.do(chromedp.Click(chromedp.CSS("button.float-annotate")))
	editor := block + " .margin form.inline-editor"
	textarea := editor + ` textarea[name="body"]`
	b.do(chromedp.WaitVisible(chromedp.CSS(textarea)))
	if got := run(b, chromedp.Text(chromedp.CSS(editor+" q"))); got != phrase {
		t.Errorf("editor quotes %q, want %q", got, phrase)
	}
	if !eval[bool](b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, textarea)) {
		t.Error("the editor did not put focus in the note field")
	}
	const body = "How *dense*, and measured how?"
	b.do(
		chromedp.SendKeys(chromedp.CSS(textarea), body),
		chromedp.SetValue(chromedp.CSS(editor+` select[name="audience"]`), "public"),
		chromedp.Click(chromedp.CSS(editor+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(block+" .margin .note")),
		chromedp.WaitNotPresent(chromedp.CSS(editor)),
	)
	b.do(chromedp.WaitNotVisible(chromedp.CSS("button.float-annotate")))
	if got := eval[string](b, `String(window.glossaNoReload)`); got != "still here" {
		t.Fatalf("the page reloaded to save the note (marker = %q)", got)
	}
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, "How dense, and measured how?")
	if got := text(query(parseFragment(t, b.outerHTML(chromedp.CSS(block))), ".note-body em")); got != "dense" {
		t.Errorf("Markdown not rendered in the note: <em> = %q", got)
	}
	if got := text(query(parseFragment(t, b.outerHTML(chromedp.CSS(block))), ".audience")); !strings.Contains(strings.ToLower(got), "public") {
		t.Errorf("audience badge = %q, want public", got)
	}
	if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, block+" .margin .note")) {
		t.Errorf("focus is not on the new note after saving: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}

	// At 1280 px the note is in the margin, level with its paragraph.
	checkBeside(t, b, anchor)

	b.do(chromedp.Reload())
	if eval[bool](b, `"glossaNoReload" in window`) {
		t.Fatal("reload did not reload")
	}
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, "How dense, and measured how?")
	checkBeside(t, b, anchor)
}

// checkBeside checks the wide layout: the block's first note is to the
// right of its paragraph and its top is level with the paragraph's.
func checkBeside(t *testing.T, b *browser, anchor string) {
	t.Helper()
	p := b.box("#" + anchor)
	n := b.box(blockSel(anchor) + " .margin .note")
	if d := n.Top - p.Top; d < -60 || d > 60 {
		t.Errorf("wide layout: note top %.0f, paragraph top %.0f: not level", n.Top, p.Top)
	}
	if n.Left < p.Right {
		t.Errorf("wide layout: note starts at x=%.0f, inside its paragraph (which ends at x=%.0f)", n.Left, p.Right)
	}
	if n.Right > float64(b.width) {
		t.Errorf("wide layout: note ends at x=%.0f, past the %d px window", n.Right, b.width)
	}
}

// checkUnder checks the narrow layout: the block's margin starts below its
// paragraph.
func checkUnder(t *testing.T, b *browser, anchor string) {
	t.Helper()
	p := b.box("#" + anchor)
	n := b.box(blockSel(anchor) + " .margin .note")
	if n.Top <= p.Bottom {
		t.Errorf("narrow layout: note top %.0f is not under its paragraph (bottom %.0f)", n.Top, p.Bottom)
	}
	if n.Left < 0 || n.Right > float64(b.width) {
		t.Errorf("narrow layout: note spans x=%.0f..%.0f, outside the %d px window", n.Left, n.Right, b.width)
	}
}

// TestBrowserAnnotateWithoutJavaScript is the same flow through the forms
// alone: sign up, the Annotate link, the annotate page, Post/Redirect/Get
// back to the paragraph.
func TestBrowserAnnotateWithoutJavaScript(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	t.Parallel()
	app := newApp(t)
	b := newBrowser(t, app, withoutJavaScript())
	b.signUpForm("bo")
	b.navigate("/read/" + essaySlug)
	// reader.js adds the floating button as soon as it runs.
	if n := eval[int](b, `document.querySelectorAll("button.float-annotate").length`); n != 0 {
		t.Fatal("reader.js ran: JavaScript is not off")
	}
	anchor := b.thirdParagraph()
	block := blockSel(anchor)

	b.clickAndWait(chromedp.CSS(block + " a.annotate"))
	if loc := b.location(); !strings.HasSuffix(loc, "/read/"+essaySlug+"/annotate?anchor="+anchor) {
		t.Fatalf("Annotate link led to %s", loc)
	}
	const phrase, body = "Asia for Asians", "Whose slogan was this?"
	b.do(
		chromedp.SendKeys(chromedp.CSS("#phrase"), phrase),
		chromedp.SendKeys(chromedp.CSS("#body"), body),
		chromedp.SetValue(chromedp.CSS(`select[name="audience"]`), "public"),
	)
	b.clickAndWait(`form.note-form button[type="submit"]`)
	if loc, want := b.location(), app.ts.URL+"/read/"+essaySlug+"#"+anchor; loc != want {
		t.Fatalf("after saving, at %s, want %s", loc, want)
	}
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, body)
	// The fragment brought the paragraph into view.
	if top := b.box("#" + anchor).Top; top < -1 || top > 100 {
		t.Errorf("paragraph top at %.0f px after the redirect, want it at the top of the window", top)
	}

	b.do(chromedp.Reload())
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, body)
}

// TestBrowserKeyboardAnnotate: a keyboard user tabs to a paragraph's
// Annotate link, opens the inline editor with Enter (Escape closes it and
// returns focus), writes, saves with the keyboard and ends up on the new
// note.
func TestBrowserKeyboardAnnotate(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	t.Parallel()
	app := newApp(t)
	b := newBrowser(t, app)
	b.signInAs(app.signUp(t, "cy"))
	b.navigate("/read/" + essaySlug)
	anchor := b.thirdParagraph()
	block := blockSel(anchor)
	link := block + " a.annotate"
	editor := block + " form.inline-editor"

	presses := b.tabTo(link, 60)
	t.Logf("Annotate link of the third paragraph reached with %d presses of Tab", presses)
	b.key(kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS(editor)))
	focused := func(sel string) bool {
		return eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, sel))
	}
	if !focused(editor + ` input[name="phrase"]`) {
		t.Fatalf("the editor did not focus its first field: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	// The Enter that opened the editor must not also submit it (its
	// keypress lands in the phrase field).
	if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, block+" .note")); n != 0 {
		t.Fatalf("opening the editor with Enter saved %d empty note(s)", n)
	}
	b.key(kb.Escape)
	b.do(chromedp.WaitNotPresent(chromedp.CSS(editor)))
	if !focused(link) {
		t.Error("Escape did not return focus to the Annotate link")
	}
	b.key(kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS(editor)))

	const phrase, body = "Asia for Asians", "Typed without a mouse."
	b.key(phrase)
	b.key(kb.Tab) // to "Pick words in the text", which TestKeyboardNoteWorkflow uses
	b.key(kb.Tab)
	if !focused(editor + ` textarea[name="body"]`) {
		t.Fatalf("Tab from the phrase and the word picker did not reach the note field: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	b.key(body)
	b.tabTo(editor+` button[type="submit"]`, 4)
	b.key(kb.Enter)
	b.do(
		chromedp.WaitVisible(chromedp.CSS(block+" .margin .note")),
		chromedp.WaitNotPresent(chromedp.CSS(editor)),
	)
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, body)
	// Focus moves to the new note, so the next Tab continues from there.
	if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, block+" .margin .note")) {
		t.Errorf("focus is not on the new note after saving: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	if got := eval[string](b, `document.querySelector("[aria-live][data-reader-status]")?.textContent || ""`); got != "Note saved." {
		t.Errorf("live region says %q, want %q", got, "Note saved.")
	}
}

// TestBrowserScreenshots renders the annotated essay at 1280 and 390 px,
// checks the margin is beside the paragraph on the wide screen and under it
// on the phone with nothing wider than the screen, and saves screenshots
// for a person to look at.
func TestBrowserScreenshots(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	t.Parallel()
	app := newApp(t)
	ann := app.signUp(t, "ann")
	bo := app.signUp(t, "bo")
	third := app.paragraphWith(t, "Ties among the nation-states")
	logics := app.paragraphWith(t, "two logics")
	ann.createNote(third.Anchor, "dense and determinative", "A claim worth testing: *how* dense, and by which measure — trade, travel, treaties?", "public")
	bo.createNote(third.Anchor, "Asia for Asians", "Whose slogan? It has a long history, from the 1930s to Xi Jinping's 2014 CICA speech.", "public")
	ann.createNote(logics.Anchor, "", "The second logic (path dependence) comes three paragraphs later.", "private")
	dir := screenshotDir(t)

	for _, tc := range []struct {
		name          string
		width, height int
		opts          []browserOption
		check         func(*testing.T, *browser, string)
	}{
		{"1280", 1280, 900, nil, checkBeside},
		{"390", 390, 844, []browserOption{asPhone()}, checkUnder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, app, append(tc.opts, withViewport(tc.width, tc.height))...)
			b.signInAs(ann)
			b.navigate("/read/" + essaySlug)
			for _, a := range []string{third.Anchor, logics.Anchor} {
				tc.check(t, b, a)
			}
			if n := eval[int](b, `document.querySelectorAll(".doc-body .note").length`); n != 3 {
				t.Errorf("%d notes on the page, want 3", n)
			}
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > tc.width {
				wide := eval[string](b, fmt.Sprintf(`[...document.querySelectorAll("body *")]
					.filter(e => e.getBoundingClientRect().right > %d + 0.5)
					.slice(0, 5).map(e => e.tagName + "." + e.className).join(", ")`, tc.width))
				t.Errorf("page is %d px wide in a %d px window; too wide: %s", w, tc.width, wide)
			}
			// A footnote mark must not push its line away from the others:
			// the paragraph is a whole number of lines tall.
			lines := eval[float64](b, fmt.Sprintf(`(() => { const p = document.getElementById(%q);
				return p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight); })()`, third.Anchor))
			if math.Abs(lines-math.Round(lines)) > 0.05 {
				t.Errorf("third paragraph is %.2f lines tall: a line is taller than the others (footnote mark?)", lines)
			}
			saveScreenshot(t, dir, fmt.Sprintf("read-%s-top.png", tc.name), run(b, chromedp.CaptureScreenshot()))
			eval[chromedp.Void](b, fmt.Sprintf(`document.getElementById(%q).closest("[data-block]").scrollIntoView({block: "start"})`, third.Anchor))
			saveScreenshot(t, dir, fmt.Sprintf("read-%s.png", tc.name), run(b, chromedp.CaptureScreenshot()))
			saveScreenshot(t, dir, fmt.Sprintf("read-%s-full.png", tc.name), run(b, chromedp.FullScreenshot(100)))
		})
	}
}

// canonVector is one case of content/testdata/canon-vectors.json, shared by
// the Go and the JavaScript canonical text.
type canonVector struct {
	Name   string       `json:"name"`
	HTML   string       `json:"html"`
	Canon  string       `json:"canon"`
	Ranges []canonRange `json:"ranges"`
}

// canonRange is a DOM range inside a vector's element: each end is
// [index of a text node among the element's text nodes in document order,
// offset in UTF-16 units]; want is [start, end] in code points of the
// canonical text, or null when the range selects no text.
type canonRange struct {
	Start [2]int  `json:"start"`
	End   [2]int  `json:"end"`
	Want  *[2]int `json:"want"`
	Exact string  `json:"exact"`
}

// TestBrowserCanonJSVectors checks static/js/canon.js, in Chromium, against
// the shared vectors that the Go canonical text is also checked against, so
// that server and browser agree on every offset.
func TestBrowserCanonJSVectors(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "content", "testdata", "canon-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vectors []canonVector
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) < 10 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	// The Go half, here too, so a disagreement shows up side by side.
	goCanon := map[string]string{}
	for _, v := range vectors {
		goCanon[v.Name] = content.CanonicalText(v.HTML)
	}

	app := newApp(t)
	b := newBrowser(t, app)
	b.navigate("/")
	type jsRange struct {
		Start int    `json:"start"`
		End   int    `json:"end"`
		Exact string `json:"exact"`
		Null  bool   `json:"null"`
		Error string `json:"error"`
	}
	type jsResult struct {
		Name   string    `json:"name"`
		Canon  string    `json:"canon"`
		Error  string    `json:"error"`
		Ranges []jsRange `json:"ranges"`
		Words  []string  `json:"words"`
	}
	results := eval[[]jsResult](b, `(async (vectors) => {
		const canon = await import("/static/js/canon.js");
		// An inert document: a vector's <style> must not be applied (the
		// page's CSP would rightly refuse it) nor its <script> run.
		const host = document.implementation.createHTMLDocument("").createElement("div");
		const out = [];
		for (const v of vectors) {
			const r = {name: v.name, ranges: []};
			out.push(r);
			try {
				host.innerHTML = v.html;
				const el = host.firstElementChild;
				r.canon = canon.canonicalText(el);
				// The keyboard picker's words, each read back through
				// rangeToOffsets: they must be the canonical text's words.
				r.words = canon.words(el).map((w) => {
					const range = el.ownerDocument.createRange();
					range.setStart(w.startNode, w.startOffset);
					range.setEnd(w.endNode, w.endOffset);
					const got = canon.rangeToOffsets(el, range);
					return got ? got.exact : "(null)";
				});
				const texts = [];
				const walk = el.ownerDocument.createTreeWalker(el, NodeFilter.SHOW_TEXT);
				for (let n; (n = walk.nextNode()); ) texts.push(n);
				for (const c of v.ranges || []) {
					try {
						const range = el.ownerDocument.createRange();
						range.setStart(texts[c.start[0]], c.start[1]);
						range.setEnd(texts[c.end[0]], c.end[1]);
						const got = canon.rangeToOffsets(el, range);
						r.ranges.push(got ? {start: got.start, end: got.end, exact: got.exact} : {null: true});
					} catch (e) {
						r.ranges.push({error: String(e)});
					}
				}
			} catch (e) {
				r.error = String(e);
			}
		}
		return out;
	})(`+string(raw)+`)`)
	if len(results) != len(vectors) {
		t.Fatalf("%d results for %d vectors", len(results), len(vectors))
	}
	for i, v := range vectors {
		got := results[i]
		if got.Error != "" {
			t.Errorf("%s: canon.js threw %s", v.Name, got.Error)
			continue
		}
		if got.Canon != v.Canon {
			t.Errorf("%s: canonicalText = %q, want %q", v.Name, got.Canon, v.Canon)
		}
		if want := strings.Fields(v.Canon); !slices.Equal(got.Words, want) && (len(want) > 0 || len(got.Words) > 0) {
			t.Errorf("%s: words = %q, want the canonical text's words %q", v.Name, got.Words, want)
		}
		if goCanon[v.Name] != v.Canon {
			t.Errorf("%s: content.CanonicalText = %q, want %q", v.Name, goCanon[v.Name], v.Canon)
		}
		for j, c := range v.Ranges {
			r := got.Ranges[j]
			switch {
			case r.Error != "":
				t.Errorf("%s: range %d %v–%v: %s", v.Name, j, c.Start, c.End, r.Error)
			case c.Want == nil && !r.Null:
				t.Errorf("%s: range %d %v–%v: rangeToOffsets = [%d, %d) %q, want null", v.Name, j, c.Start, c.End, r.Start, r.End, r.Exact)
			case c.Want != nil && r.Null:
				t.Errorf("%s: range %d %v–%v: rangeToOffsets = null, want %v %q", v.Name, j, c.Start, c.End, *c.Want, c.Exact)
			case c.Want != nil && (r.Start != c.Want[0] || r.End != c.Want[1] || r.Exact != c.Exact):
				t.Errorf("%s: range %d %v–%v: rangeToOffsets = [%d, %d) %q, want %v %q", v.Name, j, c.Start, c.End, r.Start, r.End, r.Exact, *c.Want, c.Exact)
			}
		}
	}
}

// TestBrowserHarnessSeesConsoleErrors checks the harness itself: a
// console.error, an uncaught exception and a CSP violation in the page are
// each collected (and would fail the test that caused them).
func TestBrowserHarnessSeesConsoleErrors(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	app := newApp(t)
	b := newBrowser(t, app)
	b.navigate("/")
	eval[chromedp.Void](b, `(() => {
		console.error("harness check: console.error");
		setTimeout(() => { throw new Error("harness check: uncaught"); });
		const s = document.createElement("style"); // refused by style-src 'self'
		s.textContent = "body { color: red }";
		document.head.append(s);
	})()`)
	want := []string{"console.error: harness check: console.error", "uncaught exception", "Content Security Policy"}
	found := func() []string {
		b.mu.Lock()
		defer b.mu.Unlock()
		var missing []string
		for _, w := range want {
			if !strings.Contains(strings.Join(b.problems, "\n"), w) {
				missing = append(missing, w)
			}
		}
		return missing
	}
	// The events arrive on their own; wait for them, with a deadline.
	deadline := time.Now().Add(stepTimeout)
	for missing := found(); len(missing) > 0; missing = found() {
		if time.Now().After(deadline) {
			t.Fatalf("harness did not see %q; saw %q", missing, b.problems)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.mu.Lock()
	b.problems = nil // expected here; do not fail the test for them
	b.mu.Unlock()
}
