package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"glossa/store"
)

// marginBox is where a block's paragraph and margin lie on the page.
type marginBox struct {
	Anchor                       string
	TextTop, TextBottom          float64
	MarginTop, MarginBottom      float64
	MarginLeft, TextRight, Notes float64
}

func (b *browser) marginBoxes() []marginBox {
	b.t.Helper()
	return eval[[]marginBox](b, `[...document.querySelectorAll(".doc-body .blk")].filter((w) => w.querySelector(":scope > .margin")).map((w) => {
		const t = w.firstElementChild.getBoundingClientRect(), m = w.querySelector(":scope > .margin").getBoundingClientRect();
		return {Anchor: w.dataset.block, TextTop: t.top + scrollY, TextBottom: t.bottom + scrollY,
			MarginTop: m.top + scrollY, MarginBottom: m.bottom + scrollY, MarginLeft: m.left, TextRight: t.right,
			Notes: w.querySelectorAll(".note").length};
	})`)
}

// TestBrowserMarginsFlow: on a wide screen a long thread in one margin
// does not push the next paragraph down (margins.js): the text keeps its
// rhythm, each margin starts level with its paragraph or below the margin
// before it, none overlaps another or runs past the page, and a margin
// that grows (an editor opening) moves the ones after it. On a phone the
// margins stay under their paragraphs.
func TestBrowserMarginsFlow(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	app := newApp(t)
	ann, bo := app.signUp(t, "ann"), app.signUp(t, "bo")
	third := app.paragraphWith(t, "Ties among the nation-states")
	n := liveNote(t, app, ann, third.Anchor, store.Public, 0, "Dense by which measure? "+strings.Repeat("Trade, travel, treaties, talks. ", 8))
	for i := range 8 {
		liveReply(t, app, []*client{ann, bo}[i%2], n, fmt.Sprintf("Reply %d: %s", i+1, strings.Repeat("a longer answer that takes lines, ", 6)))
	}
	// A short note on the paragraph after, whose margin the thread above
	// runs into.
	blocks := app.essay(t).current.Blocks
	var next string
	for i, bl := range blocks {
		if bl.Anchor == third.Anchor {
			next = blocks[i+1].Anchor
		}
	}
	liveNote(t, app, bo, next, store.Public, 0, "A short note on the next paragraph.")

	check := func(t *testing.T, b *browser, what string) []marginBox {
		t.Helper()
		boxes := b.marginBoxes()
		var prev *marginBox
		for i := range boxes {
			bx := &boxes[i]
			if bx.MarginTop < bx.TextTop-1 {
				t.Errorf("%s: margin of %s starts %.0f px above its paragraph", what, bx.Anchor, bx.TextTop-bx.MarginTop)
			}
			if bx.MarginLeft < bx.TextRight {
				t.Errorf("%s: margin of %s is not beside its paragraph (left %.0f, text right %.0f)", what, bx.Anchor, bx.MarginLeft, bx.TextRight)
			}
			if prev != nil && bx.MarginTop < prev.MarginBottom {
				t.Errorf("%s: margin of %s (top %.0f) overlaps the one of %s (bottom %.0f)", what, bx.Anchor, bx.MarginTop, prev.Anchor, prev.MarginBottom)
			}
			prev = bx
		}
		if bottom := eval[float64](b, `document.querySelector(".doc-body").getBoundingClientRect().bottom + scrollY`); prev != nil && prev.MarginBottom > bottom+1 {
			t.Errorf("%s: the last margin runs %.0f px past the text", what, prev.MarginBottom-bottom)
		}
		return boxes
	}
	byAnchor := func(boxes []marginBox, a string) marginBox {
		for _, bx := range boxes {
			if bx.Anchor == a {
				return bx
			}
		}
		t.Fatalf("no block %s", a)
		return marginBox{}
	}

	t.Run("1280", func(t *testing.T) {
		b := newBrowser(t, app, withViewport(1280, 900))
		b.signInAs(ann)
		// The test needs a margin that runs past the next paragraph's top.
		// How tall a thread is depends on the fonts installed, so the
		// margin is grown, note by note, until it does.
		var boxes []marginBox
		var th, nx marginBox
		for extra := 0; ; extra++ {
			b.navigate("/read/" + essaySlug)
			b.waitJS(`document.querySelector(".doc-body").classList.contains("margins-flow")`)
			boxes = check(t, b, "loaded")
			th, nx = byAnchor(boxes, third.Anchor), byAnchor(boxes, next)
			if th.MarginBottom >= nx.TextTop+50 {
				break
			}
			if extra == 20 {
				t.Fatalf("20 more notes and the thread's margin still ends at %.0f, above the next paragraph's %.0f", th.MarginBottom, nx.TextTop)
			}
			liveNote(t, app, []*client{ann, bo}[extra%2], third.Anchor, store.Public, 0,
				fmt.Sprintf("Another note, %d: %s", extra+1, strings.Repeat("a second thought that takes lines, ", 5)))
		}
		// The next paragraph follows the third as paragraphs without notes
		// follow each other: the text has no gap.
		if gap := nx.TextTop - th.TextBottom; gap > 40 {
			t.Errorf("the paragraph after the long thread starts %.0f px below the one before it: a gap in the text", gap)
		}
		if nx.MarginTop < th.MarginBottom {
			t.Errorf("the next margin does not wait for the thread")
		}
		// The end of the thread runs past its row, over the next block's:
		// it must still take the clicks (a real mouse click, at its place).
		last := blockSel(third.Anchor) + " > .margin details.reply-box > summary"
		eval[chromedp.Void](b, fmt.Sprintf(`document.querySelectorAll(%q).item(0).scrollIntoView({block: "center"})`, last))
		if !eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelectorAll(%q).item(document.querySelectorAll(%[1]q).length - 1);
			const r = e.getBoundingClientRect(); return e.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)); })()`, last)) {
			t.Error("the thread's last reply box, past its row, is covered by the next block")
		}
		eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(third.Anchor)))
		saveScreenshot(t, screenshotDir(t), "margins-flow-1280.png", run(b, chromedp.CaptureScreenshot()))

		// A margin that grows moves the ones after it.
		eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).click()`, blockSel(third.Anchor)+" a.annotate"))
		b.waitJS(fmt.Sprintf(`!!document.querySelector(%q)`, blockSel(third.Anchor)+" form.inline-editor"))
		before := nx.MarginTop
		b.waitJS(fmt.Sprintf(`(() => { const m = document.querySelector(%q).getBoundingClientRect(); return m.top + scrollY > %f; })()`,
			blockSel(next)+" > .margin", before+50))
		check(t, b, "with an editor open")
	})

	t.Run("390", func(t *testing.T) {
		b := newBrowser(t, app, withViewport(390, 844), asPhone())
		b.navigate("/read/" + essaySlug)
		for _, bx := range b.marginBoxes() {
			if bx.MarginTop < bx.TextBottom-1 {
				t.Errorf("phone: margin of %s is not under its paragraph", bx.Anchor)
			}
		}
		if eval[bool](b, `document.querySelector(".doc-body").classList.contains("margins-flow")`) {
			t.Error("phone: margins.js laid the margins out as on a wide screen")
		}
	})
}
