package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// defaultChromium is where Debian's chromium package puts the browser;
// GLOSSA_CHROMIUM overrides it.
const defaultChromium = "/usr/bin/chromium"

// stepTimeout bounds each browser step, so a wait that never ends fails the
// test with a message rather than hanging until go test's own timeout.
const stepTimeout = 20 * time.Second

// browser is one headless Chromium with one tab, driven by a test. It
// collects the page's console errors, uncaught exceptions and browser-log
// errors (CSP violations, failed loads) and fails the test if any appear.
type browser struct {
	t     *testing.T
	app   *testApp
	ctx   context.Context // the tab; has no deadline
	width int

	mu       sync.Mutex
	problems []string
}

type browserOptions struct {
	width, height int
	mobile        bool
	noJS          bool
}

type browserOption func(*browserOptions)

// withViewport sets the window and viewport size in CSS pixels.
func withViewport(w, h int) browserOption {
	return func(o *browserOptions) { o.width, o.height = w, h }
}

// asPhone emulates a phone: mobile viewport rules and touch.
func asPhone() browserOption { return func(o *browserOptions) { o.mobile = true } }

// withoutJavaScript turns script execution off in the tab before the first
// page loads, as a reader who disabled JavaScript.
func withoutJavaScript() browserOption { return func(o *browserOptions) { o.noJS = true } }

// chromiumPath returns the browser to run, or skips the test (fails it when
// GLOSSA_REQUIRE_BROWSER=1) if there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("GLOSSA_CHROMIUM")
	if path == "" {
		path = defaultChromium
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (set GLOSSA_CHROMIUM, or apt-get install chromium): %v", path, err)
		if os.Getenv("GLOSSA_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + "; GLOSSA_REQUIRE_BROWSER=1 requires the browser tests to run")
		}
		t.Skip(msg)
	}
	return path
}

// newBrowser starts a headless Chromium with a fresh profile for app. The
// browser stops when the test ends; any console error seen by then fails
// the test.
func newBrowser(t *testing.T, app *testApp, opts ...browserOption) *browser {
	t.Helper()
	if testDialect != "sqlite" {
		t.Skip("browser tests run on SQLite only (web/db_test.go)")
	}
	o := browserOptions{width: 1280, height: 900}
	for _, f := range opts {
		f(&o)
	}
	exec := chromiumPath(t)
	allocOpts := slices.Concat(chromedp.DefaultExecAllocatorOptions[:], []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exec),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(o.width, o.height),
	})
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	b := &browser{t: t, app: app, ctx: ctx, width: o.width}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a deadline, or the
	// deadline would stop the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", exec, err)
	}
	if err := chromedp.Listen(ctx, b.onEvent); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.checkConsole) // runs before the browser stops
	var vp []chromedp.EmulateViewportOption
	if o.mobile {
		vp = append(vp, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.do(chromedp.EmulateViewport(int64(o.width), int64(o.height), vp...))
	// The reader asked for reduced motion: the page's scrolls land at once,
	// so a check measures where the page stops, not a frame on the way
	// there (axe once found a margin link half under a fixed button
	// mid-scroll on a loaded machine).
	b.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
		})
		return err
	})
	if o.noJS {
		b.call(func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		})
	}
	return b
}

// onEvent runs in the tab's message loop: it must return fast and run no
// command.
func (b *browser) onEvent(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = "uncaught exception: " + d.Text
		if d.Exception != nil {
			p += " " + d.Exception.Description
		}
		p += fmt.Sprintf(" (%s:%d:%d)", d.URL, d.LineNumber+1, d.ColumnNumber+1)
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var args []string
		for _, a := range ev.Args {
			var str string
			if a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &str) == nil {
				args = append(args, str)
			} else if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		p = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
	case *log.EventEntryAdded:
		// The browser's own log: CSP violations, failed loads, mixed
		// content, deprecated features. Errors fail the test.
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		p = fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
	default:
		return
	}
	b.mu.Lock()
	b.problems = append(b.problems, p)
	b.mu.Unlock()
}

// checkConsole fails the test for each console error collected so far.
func (b *browser) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("browser console: %s", p)
	}
	b.problems = nil
}

// step returns a context for one browser step, with a deadline.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions in the tab and fails the test on error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// call runs f with a step context in which chromedp.Call works.
func (b *browser) call(f func(ctx context.Context) error) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := f(ctx); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// run runs one action and returns its value, failing the test on error.
func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	return run(b, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// navigate loads path on the test app and waits for the load event.
func (b *browser) navigate(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.app.ts.URL + path))
}

// clickAndWait clicks the element (a real mouse click at its centre) and
// waits for the page that the click loads.
func (b *browser) clickAndWait(sel chromedp.CSS) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	if res != nil && res.Status >= 400 {
		b.t.Fatalf("click %s: %s answered %d", sel, res.URL, res.Status)
	}
}

// location is the address of the page in the tab. It reads the navigation
// history, so it works with JavaScript off too.
func (b *browser) location() string {
	b.t.Helper()
	h := run(b, chromedp.NavigationEntries())
	return h.Entries[h.CurrentIndex].URL
}

// outerHTML reads an element's markup through the DOM domain (no page
// JavaScript), waiting for it to exist.
func (b *browser) outerHTML(sel chromedp.CSS) string {
	b.t.Helper()
	return run(b, chromedp.OuterHTML(sel))
}

// key presses keys (see package kb) in the focused element.
func (b *browser) key(keys string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(keys))
}

// signUpForm makes an account through the real sign-up form.
func (b *browser) signUpForm(name string) {
	b.t.Helper()
	b.navigate("/signup")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse"),
		chromedp.SendKeys(chromedp.CSS("#password2"), "correct horse"),
	)
	b.clickAndWait(`form button[type="submit"]`)
	if loc := b.location(); strings.Contains(loc, "/signup") {
		b.t.Fatalf("sign up did not leave the form: %s\n%s", loc, truncate(b.outerHTML("main"), 2000))
	}
}

// signInAs gives the browser the session of an HTTP test client, so a test
// that is not about signing in can skip the forms.
func (b *browser) signInAs(c *client) {
	b.t.Helper()
	u, err := url.Parse(b.app.ts.URL)
	if err != nil {
		b.t.Fatal(err)
	}
	var cookies []*network.CookieParam
	for _, ck := range c.http.Jar.Cookies(u) {
		cookies = append(cookies, &network.CookieParam{Name: ck.Name, Value: ck.Value, URL: b.app.ts.URL + "/", HTTPOnly: true})
	}
	if len(cookies) == 0 {
		b.t.Fatal("client has no cookies")
	}
	b.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, network.SetCookies, network.SetCookiesParams{Cookies: cookies})
		return err
	})
}

// rect is an element's box in CSS pixels relative to the viewport.
type rect struct {
	Top    float64 `json:"top"`
	Bottom float64 `json:"bottom"`
	Left   float64 `json:"left"`
	Right  float64 `json:"right"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// box returns the bounding box of the first element matching a CSS selector.
func (b *browser) box(sel string) rect {
	b.t.Helper()
	return eval[rect](b, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) throw new Error("no element " + %q);
		const r = el.getBoundingClientRect();
		return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height};
	})()`, sel, sel))
}

// dragSelect selects phrase inside the element matching sel the way a
// person does: press the mouse before its first character, drag, release
// after its last. It returns the text the browser selected.
func (b *browser) dragSelect(sel, phrase string) string {
	b.t.Helper()
	type pt struct {
		X0 float64 `json:"x0"`
		Y0 float64 `json:"y0"`
		X1 float64 `json:"x1"`
		Y1 float64 `json:"y1"`
	}
	p := eval[pt](b, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q), phrase = %q;
		const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
		for (let n; (n = walk.nextNode()); ) {
			const i = n.data.indexOf(phrase);
			if (i < 0) continue;
			const r = document.createRange();
			r.setStart(n, i);
			r.setEnd(n, i + phrase.length);
			n.parentElement.scrollIntoView({block: "center"});
			const rects = r.getClientRects();
			const a = rects[0], z = rects[rects.length - 1];
			// Just inside the first and the last character, at mid-line.
			return {x0: a.left + 1, y0: (a.top + a.bottom) / 2, x1: z.right - 1, y1: (z.top + z.bottom) / 2};
		}
		throw new Error("phrase not in one text node of " + %q);
	})()`, sel, phrase, sel))
	const steps = 8
	b.call(func(ctx context.Context) error {
		mouse := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) error {
			prm := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1}
			if typ == input.DispatchMouseEventTypeMouseMoved {
				prm.ClickCount = 0
				if buttons == 0 {
					prm.Button = input.MouseButtonNone
				}
			}
			_, err := chromedp.Call(ctx, input.DispatchMouseEvent, prm)
			return err
		}
		if err := mouse(input.DispatchMouseEventTypeMouseMoved, p.X0, p.Y0, 0); err != nil {
			return err
		}
		if err := mouse(input.DispatchMouseEventTypeMousePressed, p.X0, p.Y0, 1); err != nil {
			return err
		}
		for i := 1; i <= steps; i++ {
			f := float64(i) / steps
			if err := mouse(input.DispatchMouseEventTypeMouseMoved, p.X0+(p.X1-p.X0)*f, p.Y0+(p.Y1-p.Y0)*f, 1); err != nil {
				return err
			}
		}
		return mouse(input.DispatchMouseEventTypeMouseReleased, p.X1, p.Y1, 0)
	})
	return eval[string](b, `window.getSelection().toString()`)
}

// tabTo presses Tab until the focused element matches sel, as a keyboard
// user would, and fails if it takes more than max presses.
func (b *browser) tabTo(sel string, max int) int {
	b.t.Helper()
	for i := 1; i <= max; i++ {
		b.key(kb.Tab)
		if eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, sel)) {
			return i
		}
	}
	b.t.Fatalf("%s not reached with %d presses of Tab; focus is on %s", sel, max,
		eval[string](b, `document.activeElement.outerHTML.slice(0, 200)`))
	return 0
}

// screenshotDir is where screenshots go: GLOSSA_SCREENSHOT_DIR, or a new
// folder under the system temporary folder that outlives the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("GLOSSA_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "glossa-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// saveScreenshot writes png to dir/name and logs the path.
func saveScreenshot(t *testing.T, dir, name string, png []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
