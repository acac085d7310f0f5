package web

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// seedConversation gives the seminar's paragraph a guide question with an
// accepted answer and reactions, a member's note and a public one.
func seedConversation(t *testing.T, s *seminar) (guide, member string) {
	t.Helper()
	guide = s.teacher.note(s.p.Anchor, "Which of the two logics does this paragraph lean on? Answer with a phrase from the text.", s.groupAudience(), true)
	a1 := s.ann.reply(guide, "The *ideational* one: “Asia for Asians” is an idea, not a treaty.")
	s.bo.reply(guide, "Both, I think. @ann, see the next paragraph.")
	s.teacher.post("/notes/"+guide+"/accept", url.Values{"reply": {a1}}, 303)
	member = s.bo.note(s.p.Anchor, "How dense, and by which measure: trade, travel, treaties?", s.groupAudience(), true)
	s.ann.postJSON("/notes/"+member+"/react", url.Values{"kind": {"same"}, "on": {"1"}}, 200)
	s.teacher.postJSON("/notes/"+member+"/react", url.Values{"kind": {"helpful"}, "on": {"1"}}, 200)
	s.outside.note(s.p.Anchor, "A public aside on the slogan's history.", "public", false)
	return guide, member
}

// TestBrowserConversation: with JavaScript, a paragraph's conversation
// opens beside it; a reply and a reaction in it go in without a reload,
// focus stays on what the reader acted on, the margin's summary follows,
// and the guide layer's switch hides and shows guide notes in place.
func TestBrowserConversation(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	s := newSeminar(t)
	guide, member := seedConversation(t, s)
	b := newBrowser(t, s.app, withViewport(1280, 900))
	b.signInAs(s.ann)
	b.navigate(s.groupReadPath())
	eval[chromedp.Void](b, `window.glossaNoReload = "still here"`)
	block := blockSel(s.p.Anchor)
	b.do(chromedp.Click(chromedp.CSS(block + " .margin a.open")))
	b.do(chromedp.WaitVisible(chromedp.CSS("#note-" + member)))

	// A reaction: the button is pressed, its count goes up, focus stays.
	btn := fmt.Sprintf(`#note-%s form.react-form:first-of-type button`, member)
	b.do(chromedp.Focus(chromedp.CSS(btn)))
	b.key(kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS(btn + `[aria-pressed="true"]`)))
	if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, btn)) {
		t.Errorf("focus left the reaction button: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, btn)); got != "Helpful 2" {
		t.Errorf("button after pressing: %q", got)
	}

	// A reply: open the thread's reply box, type, send; the reply appears
	// and has focus.
	box := fmt.Sprintf(`%s > .conversation details.reply-box:has(form[action="/notes/%s/replies"])`, block, member)
	b.do(chromedp.Click(chromedp.CSS(box + " > summary")))
	b.do(
		chromedp.SendKeys(chromedp.CSS(box+" textarea"), "Trade, I would say; @bo, see footnote 2."),
		chromedp.Click(chromedp.CSS(box+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`%s li.thread:has(#note-%s) .note.reply`, block, member))),
	)
	if !eval[bool](b, `document.activeElement.matches(".note.reply")`) {
		t.Errorf("focus is not on the new reply: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	if got := eval[string](b, `document.activeElement.querySelector(".mention")?.textContent || ""`); got != "@bo" {
		t.Errorf("mention in the new reply: %q", got)
	}
	// The margin's card counts it.
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, block+` .margin a.card[data-note="`+member+`"] .card-replies`)); got != "1 reply" {
		t.Errorf("the note's card says %q after the reply", got)
	}

	// Editing a reply in place: no audience or question fields (a reply
	// has its thread's), the new words in place.
	mine := eval[string](b, fmt.Sprintf(`document.querySelector("#note-%s ~ details.replies .note.reply.mine").dataset.note`, guide))
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#note-%s a[data-action="edit"]`, mine))))
	editor := block + " form.inline-editor"
	b.do(chromedp.WaitVisible(chromedp.CSS(editor + " textarea")))
	if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, editor+` select[name="audience"], `+editor+` input[name="question"]`)); n != 0 {
		t.Errorf("the reply's editor offers %d audience or question fields", n)
	}
	b.do(
		chromedp.SetValue(chromedp.CSS(editor+" textarea"), "The ideational one, on reflection."),
		chromedp.Click(chromedp.CSS(editor+` button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(editor)),
	)
	if got := eval[string](b, fmt.Sprintf(`document.querySelector("#note-%s .note-body").textContent.trim()`, mine)); got != "The ideational one, on reflection." {
		t.Errorf("edited reply reads %q", got)
	}

	// Editing a note in place offers its audiences, its own chosen.
	b.do(chromedp.Click(chromedp.CSS(blockSel(s.p.Anchor) + ` a[data-annotate]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(editor + ` select[name="audience"]`)))
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).value`, editor+` select[name="audience"]`)); got != s.groupAudience() {
		t.Errorf("new note's default audience with ?group=: %q", got)
	}
	if !eval[bool](b, fmt.Sprintf(`!!document.querySelector(%q).labels.length`, editor+` select[name="audience"]`)) {
		t.Error("the editor's audience select has no label")
	}
	b.key(kb.Escape)
	b.do(chromedp.WaitNotPresent(chromedp.CSS(editor)))

	// The guide layer's switch.
	guideSel := "#note-" + guide
	b.do(chromedp.Click(chromedp.CSS(`form.guide-toggle button`)))
	b.do(chromedp.WaitNotVisible(chromedp.CSS(guideSel)))
	if got := eval[string](b, `document.querySelector("form.guide-toggle button").getAttribute("aria-pressed")`); got != "false" {
		t.Errorf("switch aria-pressed %q after hiding", got)
	}
	if got := eval[string](b, `String(window.glossaNoReload)`); got != "still here" {
		t.Fatalf("the page reloaded (marker = %q)", got)
	}
	// The choice is kept: a reload (which opens the paragraph's
	// conversation again, its address being the paragraph's) keeps it.
	b.do(chromedp.Reload())
	b.do(chromedp.WaitReady(chromedp.CSS(guideSel)))
	if eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, guideSel)) {
		t.Error("guide notes shown again after a reload")
	}
	b.do(chromedp.Click(chromedp.CSS(`form.guide-toggle button`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(guideSel)))
}

// TestBrowserConversationScreenshots renders a margin with a guide question,
// a thread with an accepted answer, reactions and a reply form at 1280 and
// 390 px, checks nothing is wider than the window, and saves screenshots.
func TestBrowserConversationScreenshots(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	s := newSeminar(t)
	guide, _ := seedConversation(t, s)
	dir := screenshotDir(t)
	for _, tc := range []struct {
		name          string
		width, height int
		opts          []browserOption
	}{
		{"1280", 1280, 900, nil},
		{"390", 390, 844, []browserOption{asPhone()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, s.app, append(tc.opts, withViewport(tc.width, tc.height))...)
			b.signInAs(s.ann)
			b.navigate(s.groupReadPath())
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > tc.width {
				wide := eval[string](b, fmt.Sprintf(`[...document.querySelectorAll("body *")]
					.filter(e => e.getBoundingClientRect().right > %d + 0.5)
					.slice(0, 5).map(e => e.tagName + "." + e.className).join(", ")`, tc.width))
				t.Errorf("page is %d px wide in a %d px window; too wide: %s", w, tc.width, wide)
			}
			// The guide note is first beside its paragraph, labelled, and
			// first in its conversation.
			first := eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.note`, blockSel(s.p.Anchor)+" .margin a.card"))
			if first != guide {
				t.Errorf("first card in the margin is %s, want the guide %s", first, guide)
			}
			if tc.width == 1280 {
				checkLevel(t, b, s.p.Anchor)
			} else {
				checkUnder(t, b, s.p.Anchor)
			}
			b.do(chromedp.Click(chromedp.CSS(blockSel(s.p.Anchor) + " .margin a.open")))
			b.do(chromedp.WaitVisible(chromedp.CSS(blockSel(s.p.Anchor) + " > .conversation .note")))
			first = eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.note`, blockSel(s.p.Anchor)+" > .conversation .note-list > li > .note"))
			if first != guide {
				t.Errorf("first note in the conversation is %s, want the guide %s", first, guide)
			}
			if tc.width == 1280 {
				checkBeside(t, b, s.p.Anchor)
			}
			eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(s.p.Anchor)))
			saveScreenshot(t, dir, fmt.Sprintf("conversation-%s.png", tc.name), run(b, chromedp.CaptureScreenshot()))
			// The header and the controls above the text.
			eval[chromedp.Void](b, `window.scrollTo(0, 0)`)
			saveScreenshot(t, dir, fmt.Sprintf("conversation-%s-top.png", tc.name), run(b, chromedp.CaptureScreenshot()))
			// The teacher's view of the same margin.
			tb := newBrowser(t, s.app, append(tc.opts, withViewport(tc.width, tc.height))...)
			tb.signInAs(s.teacher)
			tb.navigate(s.groupReadPath() + "#" + s.p.Anchor)
			tb.do(chromedp.WaitVisible(chromedp.CSS(blockSel(s.p.Anchor) + " > .conversation .note")))
			eval[chromedp.Void](tb, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(s.p.Anchor)))
			saveScreenshot(t, dir, fmt.Sprintf("conversation-%s-teacher.png", tc.name), run(tb, chromedp.CaptureScreenshot()))
			tb.navigate("/notifications")
			b.navigate("/notifications")
			saveScreenshot(t, dir, fmt.Sprintf("notifications-%s.png", tc.name), run(b, chromedp.CaptureScreenshot()))
		})
	}
}
