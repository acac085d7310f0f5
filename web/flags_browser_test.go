package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"glossa/store"
)

// On a phone the flags page fits its width whatever the teacher wrote as a
// hiding reason: a long reason wraps under its "Hidden" label instead of
// stretching the page sideways, and so does a long unbroken word (a
// pasted link) in the reason, the flag's reason or the note.
func TestBrowserFlagsPageFitsAPhone(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy")
	ctx := context.Background()
	link := "https://example.org/" + strings.Repeat("a-long-path-without-a-break-", 4)
	n := grpNote(t, app, cl.members[0], app.paragraph(t, 2).Anchor, store.Members, cl.id,
		"A note with a link nobody can break: "+link, false)
	if err := app.db.FlagNote(ctx, grpUID(t, app, "cy"), n.ID, "It links to "+link); err != nil {
		t.Fatal(err)
	}
	reason := "This note names a classmate and makes fun of how they read aloud in the last seminar; " +
		"write it again without the name, and see " + link
	if _, err := app.db.Hide(ctx, grpUID(t, app, "ann"), n.ID, reason); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app, asPhone(), withViewport(390, 844))
	b.signInAs(cl.teacher)
	b.navigate(groupPath(cl.id) + "/flags")
	if got := eval[string](b, `document.querySelector(".flagged-note").textContent`); !strings.Contains(got, "Hidden") || !strings.Contains(got, "makes fun of") {
		t.Fatalf("the flagged note does not show it is hidden and why: %q", got)
	}
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the flags page is %d px wide on a 390 px phone", w)
	}
	saveScreenshot(t, screenshotDir(t), "flags-long-reason-390.png", run(b, chromedp.FullScreenshot(100)))
}
