package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabBackTo presses Shift+Tab until the focused element matches sel.
func (b *browser) tabBackTo(sel string, max int) int {
	b.t.Helper()
	for i := 1; i <= max; i++ {
		b.do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(kb.ModifierShift)))
		if eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, sel)) {
			return i
		}
	}
	b.t.Fatalf("%s not reached with %d presses of Shift+Tab; focus is on %s", sel, max,
		eval[string](b, `document.activeElement.outerHTML.slice(0, 200)`))
	return 0
}

// TestKeyboardNoteWorkflow drives the whole note workflow with key events
// alone, no clicks: Tab to a paragraph's Annotate link, open the editor,
// pick a phrase in the paragraph's text with the word picker (arrow keys,
// Shift+arrows, Enter; Escape first, to see it gives focus back), write,
// save; then reply, edit and delete the reply. After each step it checks
// the DOM and where focus is.
func TestKeyboardNoteWorkflow(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	app := newApp(t)
	b := newBrowser(t, app)
	// Delete asks window.confirm; a keyboard user answers it with Enter,
	// which CDP cannot send to a native dialog, so the dialog is accepted
	// through the protocol the moment it opens.
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() {
				_, _ = chromedp.Call(context.WithoutCancel(b.ctx), page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	}); err != nil {
		t.Fatal(err)
	}
	b.signInAs(app.signUp(t, "kay"))
	b.navigate("/read/" + essaySlug)
	anchor := b.thirdParagraph()
	block := blockSel(anchor)
	editor := block + " form.inline-editor"
	focusIs := func(step, sel string) {
		t.Helper()
		if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, sel)) {
			t.Errorf("after %s focus is on %s, want %s", step, eval[string](b, `document.activeElement.outerHTML.slice(0, 160)`), sel)
		}
	}

	// Annotate: reach the link, open the editor, pick the phrase, write, save.
	b.tabTo(block+" a.annotate", 60)
	b.key(kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS(editor)))
	focusIs("opening the editor", editor+` input[name="phrase"]`)
	// The word picker: Escape leaves it without choosing; then words 8 to
	// 11 of the paragraph ("undoubtedly become more dense"), reached by
	// going one word too far and back, and one word too long and back.
	b.key(kb.Tab)
	focusIs("Tab from the phrase", editor+` button[data-pick]`)
	b.key(kb.Enter)
	para := "#" + anchor
	focusIs("starting to pick", para)
	b.key(kb.Escape)
	focusIs("Escape in the picker", editor+` button[data-pick]`)
	if got := eval[string](b, `document.querySelector("[data-reader-status]").textContent`); !strings.Contains(got, "Ties") {
		t.Errorf("the picker announced %q, want the first word, Ties", got)
	}
	b.key(kb.Enter)
	for range 9 {
		b.key(kb.ArrowRight)
	}
	b.key(kb.ArrowLeft)
	for range 4 {
		b.do(chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(kb.ModifierShift)))
	}
	b.do(chromedp.KeyEvent(kb.ArrowLeft, chromedp.KeyModifiers(kb.ModifierShift)))
	phrase := strings.Join(strings.Fields(b.app.paragraphWith(t, "Ties among the nation-states").Text)[8:12], " ")
	if phrase != "undoubtedly become more dense" {
		t.Fatalf("words 8-11 of the paragraph are %q", phrase)
	}
	if got := eval[string](b, `window.getSelection().toString()`); got != phrase {
		t.Errorf("selected while picking: %q, want %q", got, phrase)
	}
	if got := eval[string](b, `document.querySelector("[data-reader-status]").textContent`); got != "Chosen: "+phrase {
		t.Errorf("the picker announced %q", got)
	}
	b.key(kb.Enter)
	focusIs("taking the words", editor+` textarea[name="body"]`)
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).value`, editor+` input[name="phrase"]`)); got != phrase {
		t.Errorf("phrase field says %q after picking, want %q", got, phrase)
	}
	const body = "Written with the keyboard."
	b.key(body)
	b.tabTo(editor+` button[type="submit"]`, 6)
	b.key(kb.Enter)
	// The note is in the paragraph's conversation, open beside it, and
	// on a card in its margin.
	b.do(chromedp.WaitNotPresent(chromedp.CSS(editor)), chromedp.WaitVisible(chromedp.CSS(block+" > .conversation .note")))
	checkNoteInBlock(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, body)
	checkNoteInConversation(t, b.outerHTML(chromedp.CSS(block)), anchor, phrase, body)
	id := eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.note`, block+" > .conversation .note"))
	note := "#note-" + id
	focusIs("saving", note)

	// Reply: open the reply box (a summary) with Enter, write, post.
	b.tabTo(block+" details.reply-box > summary", 20)
	b.key(kb.Enter)
	b.tabTo(block+" details.reply-box textarea", 3)
	b.key("A reply, by keyboard.")
	b.tabTo(block+` details.reply-box button[type="submit"]`, 4)
	b.key(kb.Enter)
	b.waitJS(fmt.Sprintf(`!!document.querySelector(%q)`, block+" .note.reply"))
	reply := "#note-" + eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.note`, block+" .note.reply"))
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, reply)); !strings.Contains(got, "A reply, by keyboard.") {
		t.Errorf("the reply says %q", got)
	}
	focusIs("posting the reply", reply)

	// Edit the note: back to its Edit link, open the editor, add words, save.
	b.tabBackTo(note+` a[data-action="edit"]`, 30)
	b.key(kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS(editor + ` textarea[name="body"]`)))
	focusIs("opening the note's editor", editor+` textarea[name="body"]`)
	b.do(chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(kb.ModifierCtrl)))
	b.key(" Edited too.")
	b.tabTo(editor+` button[type="submit"]`, 6)
	b.key(kb.Enter)
	b.do(chromedp.WaitNotPresent(chromedp.CSS(editor)))
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, note)); !strings.Contains(got, "Edited too.") {
		t.Errorf("the edited note says %q", got)
	}
	focusIs("saving the edit", note)

	// Delete the reply: its Delete link, Enter, the confirmation.
	b.tabTo(reply+` a[data-action="delete"]`, 30)
	b.key(kb.Enter)
	b.waitJS(fmt.Sprintf(`!document.querySelector(%q)`, reply))
	if !eval[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, note)) {
		t.Error("deleting the reply took the note with it")
	}
	focusIs("deleting the reply", block+" .note, "+block+" a.annotate, "+block+" > .conversation")
	if got := eval[string](b, `document.querySelector("[aria-live][data-reader-status]")?.textContent || ""`); got != "Note deleted." {
		t.Errorf("live region says %q after deleting, want %q", got, "Note deleted.")
	}
}
