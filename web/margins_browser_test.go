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
			Notes: w.querySelectorAll(".margin a.card").length};
	})`)
}

// TestBrowserMarginsFlow: on a wide screen a long thread in one margin
// does not push the next paragraph down nor run beside it: each margin
// starts level with its paragraph and ends where its block does (site.css),
// none overlaps another, and the text keeps its rhythm; the thread's
// words are a card, the rest in "N more notes" and the conversation. On a
// phone the margins stay under their paragraphs.
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
	for i := range 20 {
		liveNote(t, app, []*client{ann, bo}[i%2], third.Anchor, store.Public, 0,
			fmt.Sprintf("Another note, %d: %s", i+1, strings.Repeat("a second thought that takes lines, ", 5)))
	}
	// A short note on the paragraph after.
	blocks := app.essay(t).Current.Blocks
	var next string
	for i, bl := range blocks {
		if bl.Anchor == third.Anchor {
			next = blocks[i+1].Anchor
		}
	}
	liveNote(t, app, bo, next, store.Public, 0, "A short note on the next paragraph.")

	byAnchor := func(boxes []marginBox, a string) marginBox {
		for _, bx := range boxes {
			if bx.Anchor == a {
				return bx
			}
		}
		t.Fatalf("no block %s", a)
		return marginBox{}
	}
	for _, js := range []bool{true, false} {
		name := "1280"
		opts := []browserOption{withViewport(1280, 900)}
		if !js {
			name += "-nojs"
			opts = append(opts, withoutJavaScript())
		}
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t, app, opts...)
			b.signInAs(ann)
			b.navigate("/read/" + essaySlug)
			boxes := b.marginBoxes()
			var prev *marginBox
			for i := range boxes {
				bx := &boxes[i]
				if d := bx.MarginTop - bx.TextTop; d < -2 || d > 2 {
					t.Errorf("margin of %s starts %.0f px from its paragraph's top", bx.Anchor, d)
				}
				if bx.MarginLeft < bx.TextRight {
					t.Errorf("margin of %s is not beside its paragraph (left %.0f, text right %.0f)", bx.Anchor, bx.MarginLeft, bx.TextRight)
				}
				if prev != nil && bx.MarginTop < prev.MarginBottom {
					t.Errorf("margin of %s (top %.0f) overlaps the one of %s (bottom %.0f)", bx.Anchor, bx.MarginTop, prev.Anchor, prev.MarginBottom)
				}
				prev = bx
			}
			th, nx := byAnchor(boxes, third.Anchor), byAnchor(boxes, next)
			// The next paragraph follows the third as paragraphs without
			// notes follow each other: the text has no gap.
			if gap := nx.TextTop - th.TextBottom; gap > 40 {
				t.Errorf("the paragraph after the long thread starts %.0f px below the one before it: a gap in the text", gap)
			}
			if th.MarginBottom > nx.TextTop {
				t.Errorf("the busy margin runs to %.0f, past the next paragraph's top %.0f", th.MarginBottom, nx.TextTop)
			}
			more := eval[string](b, fmt.Sprintf(`document.querySelector(%q)?.textContent || ""`, blockSel(third.Anchor)+" .margin .more"))
			if !strings.HasSuffix(more, "more notes") {
				t.Errorf("the busy margin says %q, want N more notes", more)
			}
			eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(third.Anchor)))
			saveScreenshot(t, screenshotDir(t), "margins-"+name+".png", run(b, chromedp.CaptureScreenshot()))
		})
	}

	t.Run("390", func(t *testing.T) {
		b := newBrowser(t, app, withViewport(390, 844), asPhone())
		b.navigate("/read/" + essaySlug)
		for _, bx := range b.marginBoxes() {
			if bx.MarginTop < bx.TextBottom-1 {
				t.Errorf("phone: margin of %s is not under its paragraph", bx.Anchor)
			}
		}
	})
}
