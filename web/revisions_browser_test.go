package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// With JavaScript, the author of a note that lost its words chooses
// "Re-attach to new words", selects them in the text, and the note is back
// in that paragraph's margin. The fuzzy note's quiet mark is on screen, and
// screenshots at desktop and phone widths are kept for a look.
func TestBrowserReattachBySelecting(t *testing.T) {
	app, anchors := revisedApp(t, func(app *testApp, anchors []string) {
		ann := app.signUp(t, "ann")
		postNote(t, ann, anchors[1], "hub and spkes network", "on hub", "public")
		postNote(t, ann, anchors[2], "cut entirely", "on the cut", "public")
	})
	ann := app.signIn(t, "ann")
	dir := screenshotDir(t)
	for _, width := range []int{1280, 390} {
		opts := []browserOption{withViewport(width, 900)}
		if width < 600 {
			opts = append(opts, asPhone())
		}
		b := newBrowser(t, app, opts...)
		b.signInAs(ann)
		b.navigate("/read/t")
		name := "phone"
		if width > 600 {
			name = "desktop"
		}
		// The fuzzy note's conversation, opened from its margin.
		b.do(chromedp.Click(`.doc-body .blk.has-notes > .margin a.open`))
		b.do(chromedp.WaitVisible(`.conversation .note`))
		saveScreenshot(t, dir, "revised-"+name+".png", run(b, chromedp.FullScreenshot(100)))
		if !eval[bool](b, `(() => { const m = document.querySelector(".conversation .note .words-changed"); return !!m && m.getBoundingClientRect().height > 0 })()`) {
			t.Errorf("at %d px the fuzzy note's mark is not visible", width)
		}
	}

	b := newBrowser(t, app)
	b.signInAs(ann)
	b.navigate("/read/t")
	b.do(chromedp.Click(`#earlier a[data-action="reattach"]`))
	if !eval[bool](b, `document.activeElement.classList.contains("reattach-bar") && !document.querySelector(".reattach-bar").hidden`) {
		t.Fatal("re-attach mode did not show and focus its instructions")
	}
	// Escape leaves the mode and gives focus back to the link.
	b.key(kb.Escape)
	if !eval[bool](b, `document.querySelector(".reattach-bar").hidden && document.activeElement.matches('a[data-action="reattach"]')`) {
		t.Error("Escape did not leave re-attach mode")
	}
	b.do(chromedp.Click(`#earlier a[data-action="reattach"]`))
	got := b.dragSelect(`[data-anchor="`+anchors[3]+`"]`, "Closing words")
	if got != "Closing words" {
		t.Fatalf("selected %q", got)
	}
	b.do(chromedp.WaitVisible(`button.float-annotate`))
	if label := eval[string](b, `document.querySelector("button.float-annotate").textContent`); label != "Attach here" {
		t.Errorf("the selection button says %q in re-attach mode", label)
	}
	b.do(chromedp.Click(`button.float-annotate`))
	// The page reloads with the note in its new paragraph.
	b.do(chromedp.WaitVisible(`[data-block="` + anchors[3] + `"] mark.hl`))
	deadline := time.Now().Add(5 * time.Second)
	for eval[bool](b, `!!document.querySelector("#earlier")`) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := eval[string](b, `document.querySelector('[data-block="`+anchors[3]+`"] mark.hl').textContent`); got != "Closing words" {
		t.Errorf("re-attached note marks %q", got)
	}
	// The server's page counts it in its new paragraph's margin, whose
	// conversation shows it.
	doc := ann.page("/read/t", http.StatusOK)
	if query(doc, "#earlier") != nil || text(query(doc, `[data-block="`+anchors[3]+`"] a.open .count`)) != "1 note" {
		t.Error("after re-attaching, the server's page still lists the note as lost")
	}
	if conv := ann.page("/read/t/notes/"+anchors[3], http.StatusOK); !strings.Contains(text(query(conv, ".note-list")), "on the cut") {
		t.Error("after re-attaching, the note is not in its new paragraph's conversation")
	}
}
