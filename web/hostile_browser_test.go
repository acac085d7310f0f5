package web

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// sentinelHook runs in every page before glossa's own scripts: it defines
// a sentinel a payload would change, and replaces alert, confirm and prompt
// (what the corpus calls) with functions that only record the call.
const sentinelHook = `(() => {
	window.__glossaSentinel = "untouched";
	window.__glossaFired = [];
	for (const k of ["alert", "confirm", "prompt", "print"]) {
		window[k] = function () { window.__glossaFired.push(k + "(" + Array.from(arguments).join(",") + ")"); };
	}
})()`

// TestHostileInBrowser loads the pages that show the accepted hostile
// inputs in Chromium, signed in as a member and as the teacher, with the
// sentinel hook installed and dialogs watched: no dialog opens, nothing is
// recorded, the sentinel is untouched, the page makes no request to
// another host (a note's ![x](http://example.invalid/x.png) is a link, not
// an image), and the console stays clean (a CSP violation would mean a
// script or style reached the page).
func TestHostileInBrowser(t *testing.T) {
	chromiumPath(t)
	if testing.Short() {
		t.Skip("the hostile corpus takes a while")
	}
	f := sendHostile(t)
	s := f.s
	b := newBrowser(t, s.app)
	b.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: sentinelHook})
		return err
	})
	own, err := url.Parse(s.app.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		dialogs []string
		remote  []string
	)
	if err := chromedp.Listen(b.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			mu.Lock()
			dialogs = append(dialogs, string(ev.Type)+": "+ev.Message)
			mu.Unlock()
			// Close it, or the page would wait for it forever; a command
			// cannot run inside the listener.
			go func() {
				_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != own.Host {
				mu.Lock()
				remote = append(remote, ev.Request.URL)
				mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}

	gid := strconv.FormatInt(s.group.ID, 10)
	pages := []string{s.groupReadPath(), s.readPath(), "/notebook", "/groups", "/groups/" + gid, "/groups/" + gid + "/flags",
		"/groups/" + gid + "/documents/" + essaySlug, "/notifications", "/search?q=alert", "/search?q=script"}
	// Every accepted note is on the reading page or, past the margin's
	// first threads, on its paragraph's notes pages (walked below); its
	// own page is a second way to show it, checked for a sample to keep
	// the test short.
	for i, id := range f.notes {
		if i%3 == 0 {
			pages = append(pages, "/notes/"+id)
		}
	}
	for _, g := range f.groups {
		pages = append(pages, "/groups/"+g)
	}
	b.signInAs(s.teacher)
	for _, p := range pages {
		b.navigate(p)
		if fired := eval[[]string](b, `window.__glossaFired`); len(fired) > 0 {
			t.Errorf("%s: script ran: %v", p, fired)
		}
		if got := eval[string](b, `window.__glossaSentinel + " " + (window.__glossaPwned ?? "")`); got != "untouched " {
			t.Errorf("%s: sentinel %q, want untouched", p, got)
		}
	}
	// The reading page again with the members' and their JavaScript at
	// work (live updates, the reader's editor), then every page of the
	// paragraph's conversation, following "more".
	b.signInAs(s.ann)
	images := 0
	next := s.groupReadPath()
	for walked := 0; next != ""; walked++ {
		if walked > 100 {
			t.Fatal("the paragraph's notes pages do not end")
		}
		b.navigate(next)
		pages = append(pages, next)
		if fired := eval[[]string](b, `window.__glossaFired`); len(fired) > 0 {
			t.Errorf("%s: script ran: %v", next, fired)
		}
		images += eval[int](b, `document.querySelectorAll(".note a[href='http://example.invalid/x.png']").length`)
		if n := eval[int](b, `document.querySelectorAll(".note img").length`); n != 0 {
			t.Errorf("%s: %d images in notes", next, n)
		}
		// From the reading page, the paragraph's conversation as a page.
		next = eval[string](b, `(document.querySelector("[data-block='`+s.p.Anchor+`'] .margin a.open:not([aria-expanded=true]), main > section a[rel=next]") || {}).getAttribute?.("href") ?? ""`)
	}
	if images == 0 {
		t.Error("the remote image's note shows no link to the image")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dialogs) > 0 {
		t.Errorf("dialogs opened: %v", dialogs)
	}
	if len(remote) > 0 {
		t.Errorf("requests to other hosts: %v", remote)
	}
	t.Logf("%d pages checked in Chromium", len(pages))
}
