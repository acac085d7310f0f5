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

// checkNoteInBlock checks, in a block's markup as the browser has it, that
// its margin has one card whose words contain body and that phrase is
// highlighted in the text.
func checkNoteInBlock(t *testing.T, markup, anchor, phrase, body string) {
	t.Helper()
	wrap := query(parseFragment(t, markup), blockSel(anchor))
	if wrap == nil {
		t.Fatalf("no block %s in %s", anchor, truncate(markup, 500))
	}
	cards := queryAll(wrap, ".margin a.card")
	if len(cards) != 1 {
		t.Fatalf("%d cards in the margin of %s, want 1", len(cards), anchor)
	}
	if got := text(query(cards[0], ".card-words")); !strings.Contains(got, body) {
		t.Errorf("card words = %q, want them to contain %q", got, body)
	}
	if got := text(query(wrap, "#"+anchor+" mark.hl")); got != phrase {
		t.Errorf("highlight in the text = %q, want %q", got, phrase)
	}
}

// checkNoteInConversation checks, in a block's markup, that its open
// conversation holds one note whose body contains body, quoting phrase,
// and returns the note.
func checkNoteInConversation(t *testing.T, markup, anchor, phrase, body string) *html.Node {
	t.Helper()
	panel := query(parseFragment(t, markup), blockSel(anchor)+" > .conversation")
	if panel == nil {
		t.Fatalf("the conversation of %s is not open", anchor)
	}
	notes := queryAll(panel, ".note-list > li > .note")
	if len(notes) != 1 {
		t.Fatalf("%d notes in the conversation of %s, want 1", len(notes), anchor)
	}
	if got := text(query(notes[0], ".note-body")); !strings.Contains(got, body) {
		t.Errorf("note body = %q, want it to contain %q", got, body)
	}
	if got := text(query(notes[0], "blockquote.quote")); got != phrase {
		t.Errorf("note quotes %q, want %q", got, phrase)
	}
	return notes[0]
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
	// The editor opens at the top of the paragraph's conversation, beside
	// the paragraph.
	editor := block + " > .conversation form.inline-editor"
	textarea := editor + ` textarea[name="body"]`
	b.do(chromedp.WaitVisible(chromedp.CSS(textarea)))
	if got := run(b, chromedp.Text(chromedp.CSS(editor+" q"))); got != phrase {
		t.Errorf("editor quotes %q, want %q", got, phrase)
	}
	if !eval[bool](b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, textarea)) {
		t.Error("the editor did not put focus in the note field")
	}
	checkBeside(t, b, anchor)
	const body = "How *dense*, and measured how?"
	b.do(
		chromedp.SendKeys(chromedp.CSS(textarea), body),
		chromedp.SetValue(chromedp.CSS(editor+` select[name="audience"]`), "public"),
		chromedp.Click(chromedp.CSS(editor+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(block+" > .conversation .note")),
		chromedp.WaitNotPresent(chromedp.CSS(editor)),
	)
	b.do(chromedp.WaitNotVisible(chromedp.CSS("button.float-annotate")))
	if got := eval[string](b, `String(window.glossaNoReload)`); got != "still here" {
		t.Fatalf("the page reloaded to save the note (marker = %q)", got)
	}
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, "How dense, and measured how?")
	note := checkNoteInConversation(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, "How dense, and measured how?")
	if got := text(query(note, ".note-body em")); got != "dense" {
		t.Errorf("Markdown not rendered in the note: <em> = %q", got)
	}
	if got := text(query(note, ".audience")); !strings.Contains(strings.ToLower(got), "public") {
		t.Errorf("audience badge = %q, want public", got)
	}
	if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, block+" > .conversation .note")) {
		t.Errorf("focus is not on the new note after saving: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}

	// At 1280 px the conversation is beside its paragraph, level with it.
	checkBeside(t, b, anchor)

	// The address names the paragraph: a reload opens it with its
	// conversation.
	if loc := b.location(); !strings.HasSuffix(loc, "#"+anchor) {
		t.Errorf("with its conversation open the address is %s, not the paragraph's", loc)
	}
	b.do(chromedp.Reload())
	if eval[bool](b, `"glossaNoReload" in window`) {
		t.Fatal("reload did not reload")
	}
	b.do(chromedp.WaitVisible(chromedp.CSS(block + " > .conversation .note")))
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, "How dense, and measured how?")
	checkNoteInConversation(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, "How dense, and measured how?")
	checkBeside(t, b, anchor)
}

// checkBeside checks the wide layout: the block's margin is level with
// its paragraph and its open conversation is to the right of the
// paragraph, just under the margin's first line (¶, which closes it).
func checkBeside(t *testing.T, b *browser, anchor string) {
	t.Helper()
	p := b.box("#" + anchor)
	if m := b.box(blockSel(anchor) + " > .margin"); m.Top-p.Top < -2 || m.Top-p.Top > 2 {
		t.Errorf("wide layout: margin top %.0f, paragraph top %.0f: not level", m.Top, p.Top)
	}
	tools := b.box(blockSel(anchor) + " > .margin .tools")
	n := b.box(blockSel(anchor) + " > .conversation")
	if n.Top < tools.Bottom-1 || n.Top > p.Top+40 {
		t.Errorf("wide layout: conversation top %.0f, paragraph top %.0f, margin's first line ends at %.0f: not beside the paragraph", n.Top, p.Top, tools.Bottom)
	}
	if n.Left < p.Right {
		t.Errorf("wide layout: conversation starts at x=%.0f, inside its paragraph (which ends at x=%.0f)", n.Left, p.Right)
	}
	if n.Right > float64(b.width) {
		t.Errorf("wide layout: conversation ends at x=%.0f, past the %d px window", n.Right, b.width)
	}
}

// checkUnder checks the narrow layout: the block's margin starts below its
// paragraph, and fits the window.
func checkUnder(t *testing.T, b *browser, anchor string) {
	t.Helper()
	p := b.box("#" + anchor)
	n := b.box(blockSel(anchor) + " > .margin")
	if n.Top < p.Bottom-1 {
		t.Errorf("narrow layout: margin top %.0f is not under its paragraph (bottom %.0f)", n.Top, p.Bottom)
	}
	if n.Left < 0 || n.Right > float64(b.width) {
		t.Errorf("narrow layout: margin spans x=%.0f..%.0f, outside the %d px window", n.Left, n.Right, b.width)
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

	// "¶ 1 note" opens the paragraph's conversation as a page.
	b.clickAndWait(chromedp.CSS(block + " .margin a.open"))
	if loc, want := b.location(), app.ts.URL+"/read/"+essaySlug+"/notes/"+anchor; loc != want {
		t.Fatalf("¶ led to %s, want %s", loc, want)
	}
	if got := text(query(parseFragment(t, b.outerHTML("main")), ".note-list .note .note-body")); got != body {
		t.Errorf("the conversation's note says %q", got)
	}
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
		chromedp.WaitVisible(chromedp.CSS(block+" > .conversation .note")),
		chromedp.WaitNotPresent(chromedp.CSS(editor)),
	)
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, body)
	checkNoteInConversation(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, body)
	// Focus moves to the new note, so the next Tab continues from there.
	if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, block+" > .conversation .note")) {
		t.Errorf("focus is not on the new note after saving: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	if got := eval[string](b, `document.querySelector("[aria-live][data-reader-status]")?.textContent || ""`); got != "Note saved." {
		t.Errorf("live region says %q, want %q", got, "Note saved.")
	}
}

// TestBrowserScreenshots renders the essay as a class has annotated it
// (newClass: twenty students, about two hundred notes and replies) at 1280
// and 390 px, checks the margin is beside the paragraph on the wide screen
// and under it on the phone with nothing wider than the screen, opens a
// paragraph's conversation, and saves screenshots for a person to look at
// (the README's come from here).
func TestBrowserScreenshots(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	t.Parallel()
	app := newApp(t)
	c := newClass(t, app)
	third := c.busy
	logics := app.paragraphWith(t, "two logics")
	dir := screenshotDir(t)

	for _, tc := range []struct {
		name          string
		width, height int
		opts          []browserOption
		check         func(*testing.T, *browser, string)
	}{
		{"1280", 1280, 900, nil, checkLevel},
		{"390", 390, 844, []browserOption{asPhone()}, checkUnder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, app, append(tc.opts, withViewport(tc.width, tc.height))...)
			b.signInAs(c.student)
			b.navigate(c.path())
			for _, a := range []string{third.Anchor, logics.Anchor} {
				tc.check(t, b, a)
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
			eval[chromedp.Void](b, fmt.Sprintf(`document.getElementById(%q).closest("[data-block]").previousElementSibling.scrollIntoView({block: "start"})`, third.Anchor))
			saveScreenshot(t, dir, fmt.Sprintf("read-%s.png", tc.name), run(b, chromedp.CaptureScreenshot()))
			saveScreenshot(t, dir, fmt.Sprintf("read-%s-full.png", tc.name), run(b, chromedp.FullScreenshot(100)))

			// The busy paragraph's conversation, opened in place.
			b.do(chromedp.Click(chromedp.CSS(blockSel(third.Anchor) + " .margin a.open")))
			b.do(chromedp.WaitVisible(chromedp.CSS(blockSel(third.Anchor) + " > .conversation .note")))
			if tc.width > 1000 {
				checkBeside(t, b, third.Anchor)
			}
			eval[chromedp.Void](b, fmt.Sprintf(`document.getElementById(%q).scrollIntoView({block: "start"}); scrollBy(0, -16)`, third.Anchor))
			saveScreenshot(t, dir, fmt.Sprintf("read-%s-conversation.png", tc.name), run(b, chromedp.CaptureScreenshot()))
		})
	}
}

// checkLevel checks the wide layout: the block's margin is to the right of
// its paragraph, its top level with the paragraph's, and it ends where the
// block does (the allowance: the space under the paragraph).
func checkLevel(t *testing.T, b *browser, anchor string) {
	t.Helper()
	p := b.box("#" + anchor)
	m := b.box(blockSel(anchor) + " > .margin")
	w := b.box(blockSel(anchor))
	if d := m.Top - p.Top; d < -2 || d > 2 {
		t.Errorf("wide layout: margin top %.0f, paragraph top %.0f: not level", m.Top, p.Top)
	}
	if m.Bottom > w.Bottom+0.5 {
		t.Errorf("wide layout: margin ends at %.0f, past its block (%.0f)", m.Bottom, w.Bottom)
	}
	if m.Left < p.Right {
		t.Errorf("wide layout: margin starts at x=%.0f, inside its paragraph (which ends at x=%.0f)", m.Left, p.Right)
	}
	if m.Right > float64(b.width) {
		t.Errorf("wide layout: margin ends at x=%.0f, past the %d px window", m.Right, b.width)
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
