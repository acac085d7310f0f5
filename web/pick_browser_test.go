package web

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// "Pick words in the text" brings the paragraph into view when it starts:
// on a phone the paragraph is above the note's form, and a keyboard user
// who scrolled down to the button would otherwise be choosing words out of
// sight. With reduced motion asked for, the page jumps there at once;
// without, it glides there.
func TestBrowserPickWordsScrollsToTheParagraph(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	app := newApp(t)
	c := app.signUp(t, "kay")
	for _, reduce := range []bool{true, false} {
		t.Run(fmt.Sprintf("reduced motion %v", reduce), func(t *testing.T) {
			b := newBrowser(t, app, asPhone(), withViewport(390, 844))
			if reduce {
				b.call(func(ctx context.Context) error {
					_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
						Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
					})
					return err
				})
				if !eval[bool](b, `matchMedia("(prefers-reduced-motion: reduce)").matches`) {
					t.Fatal("reduced motion is not emulated")
				}
			}
			b.signInAs(c)
			b.navigate("/read/" + essaySlug)
			anchor := b.thirdParagraph()
			editor := blockSel(anchor) + " form.inline-editor"
			b.do(chromedp.Click(chromedp.CSS(blockSel(anchor) + " a.annotate")))
			b.do(chromedp.WaitVisible(chromedp.CSS(editor)))
			// The reader scrolls down until the button is at the top of the
			// window: the paragraph is now above, out of sight.
			pick := editor + " button[data-pick]"
			eval[bool](b, fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: "start"}), true)`, pick))
			para := "#" + anchor
			firstWordIn := fmt.Sprintf(`(() => {
				const r = document.querySelector(%q).getBoundingClientRect();
				const w = document.createRange();
				const text = document.querySelector(%q).firstChild;
				w.setStart(text, 0); w.setEnd(text, 4);
				const f = w.getBoundingClientRect();
				return f.top >= 0 && f.bottom <= innerHeight && r.bottom > 0;
			})()`, para, para)
			if eval[bool](b, firstWordIn) {
				t.Fatal("the paragraph is in view before picking: the test shows nothing")
			}
			b.do(chromedp.Focus(chromedp.CSS(pick)))
			b.key(kb.Enter)
			if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, para)) {
				t.Fatalf("focus is on %s, not the paragraph", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
			}
			if reduce {
				// No waiting: the jump has happened by the time the key is handled.
				if !eval[bool](b, firstWordIn) {
					t.Errorf("with reduced motion the paragraph's first word is not in view at once (scrollY %v)", eval[float64](b, `scrollY`))
				}
				return
			}
			b.waitJS(firstWordIn)
		})
	}
}
