package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserSeminar runs a seminar end to end in real browsers, each with
// its own profile (so its own cookies), through the pages alone:
//
//   - tess signs up, creates a group through the form, copies the invite
//     link from the group page and writes two guide notes on the essay;
//   - sam (JavaScript on) and nora (JavaScript off) open the invite link
//     signed out, sign up from the sign-in page and land in the group;
//   - all three open the essay in the group (?group=ID); tess writes a
//     guide note marked as a question through the inline editor; sam's page
//     offers "1 new note" in a polite live region, and pressing it shows
//     the question, labelled Guide and Question, first beside its
//     paragraph; sam replies in the margin; tess's page offers the reply
//     the same way and shows it;
//   - nora's page, without JavaScript, is complete after a reload (the
//     question and sam's reply); her reply, through the plain form, reaches
//     tess live too;
//   - tess accepts sam's reply as the answer and resolves the thread; sam's
//     page offers the news and shows it;
//   - sam walks the guided tour with the keyboard alone; nora walks it as
//     pages.
//
// Nobody's page reloads unless the test says so. Screenshots of the
// student's and the teacher's pages at 1280 and 390 px go to
// GLOSSA_SCREENSHOT_DIR (or a temporary folder); their paths are logged.
func TestBrowserSeminar(t *testing.T) {
	chromiumPath(t) // skip (or fail) before any work if there is no browser
	t.Parallel()
	app := newApp(t)
	app.srv.presence.setDebounce(10 * time.Millisecond)
	dir := screenshotDir(t)
	p0, p2, p6 := app.paragraph(t, 0).Anchor, app.paragraph(t, 2).Anchor, app.paragraph(t, 6).Anchor
	if want := app.paragraphWith(t, "Ties among the nation-states").Anchor; p2 != want {
		t.Fatalf("third paragraph is %s, want %s (Ties among…)", p2, want)
	}
	const groupName = "IR 201, spring seminar"

	// --- The teacher: a group, its invite link, the first guide notes. ---
	tb := newBrowser(t, app)
	tb.signUpForm("tess")
	tb.clickAndWait(`header.site a[href="/groups"]`)
	tb.do(chromedp.SendKeys(chromedp.CSS("#name"), groupName))
	tb.clickAndWait(`form[action="/groups"] button[type="submit"]`)
	groupURL := tb.location()
	u, err := url.Parse(groupURL)
	if err != nil {
		t.Fatal(err)
	}
	gid, err := strconv.ParseInt(strings.TrimPrefix(u.Path, "/groups/"), 10, 64)
	if err != nil || !strings.HasPrefix(u.Path, "/groups/") {
		t.Fatalf("creating the group led to %s, want its page /groups/ID", groupURL)
	}
	groupPath := u.Path
	readPath := "/read/" + essaySlug + "?group=" + strconv.FormatInt(gid, 10)
	audience := "group:" + strconv.FormatInt(gid, 10)
	if got := eval[string](tb, `document.querySelector("h1").textContent`); got != groupName {
		t.Errorf("group page h1 %q, want %q", got, groupName)
	}
	if got := eval[string](tb, `document.querySelector("main .meta").textContent`); !strings.HasPrefix(got, "You are its teacher and owner") {
		t.Errorf("group page says %q to its creator", got)
	}
	if got := eval[string](tb, `document.querySelector("main .notice[role=status]")?.textContent || ""`); !strings.Contains(got, "Group created") {
		t.Errorf("no notice that the group was created: %q", got)
	}
	// Copying the invite link: what the teacher selects in its read-only
	// field is the whole address.
	invite := eval[string](tb, `(() => {
		const f = document.querySelector("#invite-url");
		f.focus();
		f.select();
		return f.readOnly && f.labels.length ? f.value.slice(f.selectionStart, f.selectionEnd) : "";
	})()`)
	if !strings.HasPrefix(invite, app.ts.URL+"/join/") || len(invite) <= len(app.ts.URL+"/join/") {
		t.Fatalf("invite link %q: want a labelled, read-only %s/join/CODE", invite, app.ts.URL)
	}
	shot(t, tb, dir, "seminar-1280-teacher-group.png")

	// Two guide notes, written out of reading order.
	tb.clickAndWait(chromedp.CSS(fmt.Sprintf(`#doc-%s .doc-links a[href=%q]`, essaySlug, readPath)))
	writeInline(tb, p6, "Stop here: what would falsify the argument so far?", audience, false)
	writeInline(tb, p0, "Read this paragraph twice: the thesis is in its last sentence.", audience, false)
	if n := eval[int](tb, `document.querySelectorAll(".doc-body .margin a.card.guide .guide-mark").length`); n != 2 {
		t.Errorf("%d guide notes labelled Guide on the teacher's page, want 2", n)
	}
	tb.navigate(groupPath)
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector("#doc-%s .meta").textContent`, essaySlug)); !strings.HasPrefix(got, "2 notes") {
		t.Errorf("group page counts %q for the essay, want 2 notes", got)
	}

	// --- The students join through the invite link. ---
	sb := newBrowser(t, app)
	joinBySignUp(t, sb, invite, "sam", groupPath)
	nb := newBrowser(t, app, withoutJavaScript())
	joinBySignUp(t, nb, invite, "nora", groupPath)

	// sam reads with the group and writes a note of his own on the
	// paragraph the question will be about.
	sb.clickAndWait(chromedp.CSS(fmt.Sprintf(`#doc-%s .doc-links a[href=%q]`, essaySlug, readPath)))
	if got := sb.location(); got != app.ts.URL+readPath {
		t.Fatalf("Read with the group led to %s, want %s", got, readPath)
	}
	own := writeInline(sb, p2, "Dense by which measure: trade, travel or treaties?", audience, false)
	eval[chromedp.Void](sb, `window.__seminar = "no reload"`)
	nb.clickAndWait(chromedp.CSS(fmt.Sprintf(`#doc-%s .doc-links a[href=%q]`, essaySlug, readPath)))

	// The teacher opens the essay in the group too; both JavaScript pages
	// see each other (nora's page, without JavaScript, has no stream).
	tb.clickAndWait(chromedp.CSS(fmt.Sprintf(`#doc-%s .doc-links a[href=%q]`, essaySlug, readPath)))
	here := fmt.Sprintf(`document.querySelector('[data-presence] li[data-group="%d"] [data-readers]')?.textContent === "1 other reader here now"`, gid)
	sb.waitJS(here)
	tb.waitJS(here)
	eval[chromedp.Void](tb, `window.__seminar = "no reload"`)

	// --- The teacher asks a question; it reaches sam live. ---
	question := writeInline(tb, p2, "Which of the two logics does this paragraph lean on? Answer with a phrase from the text.", audience, true)
	qSel := "#note-" + question
	for _, label := range []string{"badge-guide", "badge-question"} {
		if !eval[bool](tb, fmt.Sprintf(`!!document.querySelector("%s .%s")`, qSel, label)) {
			t.Errorf("the teacher's question has no %s", label)
		}
	}
	const news = `document.querySelector(".live-news[aria-live=polite] .live-button")?.textContent`
	sb.waitJS(news + ` === "1 new note"`)
	qCard := fmt.Sprintf(`.margin a.card[data-note=%q]`, question)
	if eval[bool](sb, fmt.Sprintf(`!!document.querySelector(%q)`, qCard)) {
		t.Error("the question was pushed into sam's margin before he asked")
	}
	eval[chromedp.Void](sb, `document.querySelector(".live").scrollIntoView({block: "center"})`)
	shot(t, sb, dir, "seminar-1280-student-news.png")
	sb.do(chromedp.Click(chromedp.CSS(".live-news .live-button")))
	// sam's own note left the paragraph's conversation open: the
	// question is shown there, focused.
	sb.waitJS(fmt.Sprintf(`document.activeElement?.matches(%q)`, blockSel(p2)+" > .conversation "+qSel))
	checkGuideQuestion(t, sb, blockSel(p2)+" > .conversation", question, own)
	if got := eval[string](sb, `document.querySelector(".live-news").textContent.trim()`); got != "Showing 1 new note." {
		t.Errorf("live region after showing the news: %q", got)
	}

	// sam answers in the margin.
	samReply := replyInline(sb, p2, question, "The ideational one: “Asia for Asians” is an idea, not a treaty.")

	// --- The reply reaches the teacher live. ---
	tb.waitJS(news + ` === "1 new reply"`)
	tb.do(chromedp.Click(chromedp.CSS(".live-news .live-button")))
	tb.waitJS(fmt.Sprintf(`document.activeElement?.matches("#note-%s.reply")`, samReply))
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector("#note-%s .note-body").textContent.trim()`, samReply)); !strings.HasPrefix(got, "The ideational one") {
		t.Errorf("the reply on the teacher's page reads %q", got)
	}
	if !eval[bool](tb, fmt.Sprintf(`!!document.querySelector("%s ~ details.replies[open] #note-%s")`, qSel, samReply)) {
		t.Error("sam's reply is not shown in the question's open thread on the teacher's page")
	}

	// --- nora, without JavaScript: complete pages, plain forms. ---
	if eval[bool](nb, fmt.Sprintf(`!!document.querySelector(%q)`, qSel)) {
		t.Fatal("nora's page changed without a reload: JavaScript is not off")
	}
	nb.do(chromedp.Reload())
	nb.do(chromedp.WaitReady(chromedp.CSS("article.doc")))
	// The margin's ¶ leads to the paragraph's conversation, a page.
	nb.clickAndWait(chromedp.CSS(blockSel(p2) + " .margin a.open"))
	checkGuideQuestion(t, nb, "main", question, own)
	if !eval[bool](nb, fmt.Sprintf(`!!document.querySelector("%s ~ details.replies #note-%s")`, qSel, samReply)) {
		t.Error("after a reload, nora does not see sam's reply under the question")
	}
	if n := eval[int](nb, `document.querySelectorAll(".live-button").length`); n != 0 {
		t.Errorf("nora's page (no JavaScript) shows %d live buttons", n)
	}
	box := fmt.Sprintf(`main details.reply-box:has(form[action="/notes/%s/replies"])`, question)
	nb.do(chromedp.Click(chromedp.CSS(box + " > summary")))
	nb.do(chromedp.SendKeys(chromedp.CSS(box+" textarea"), "Both, I think; the next paragraph names the second."))
	nb.clickAndWait(chromedp.CSS(box + ` button[type="submit"]`))
	loc := nb.location()
	convPath := "/read/" + essaySlug + "/notes/" + p2
	if !strings.HasPrefix(loc, app.ts.URL+convPath) || !strings.Contains(loc, "#note-") {
		t.Fatalf("nora's reply led to %s, want back to the conversation, %s…#note-…", loc, convPath)
	}
	noraReply := loc[strings.Index(loc, "#note-")+len("#note-"):]
	if !eval[bool](nb, fmt.Sprintf(`!!document.querySelector("%s ~ details.replies #note-%s.reply.mine")`, qSel, noraReply)) {
		t.Errorf("nora's reply %s is not under the question after posting", noraReply)
	}
	eval[chromedp.Void](nb, fmt.Sprintf(`document.querySelector("#note-%s").scrollIntoView({block: "start"})`, question))
	shot(t, nb, dir, "seminar-1280-nojs-thread.png")

	tb.waitJS(news + ` === "1 new reply"`)
	tb.do(chromedp.Click(chromedp.CSS(".live-news .live-button")))
	tb.waitJS(fmt.Sprintf(`document.activeElement?.matches("#note-%s.reply")`, noraReply))

	// --- The teacher accepts sam's answer and resolves the thread. ---
	accept := fmt.Sprintf(`#note-%s form[action="/notes/%s/accept"] button`, samReply, question)
	tb.do(chromedp.Click(chromedp.CSS(accept)))
	tb.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#note-%s.accepted .badge-accepted`, samReply))))
	if !eval[bool](tb, fmt.Sprintf(`document.activeElement.matches(%q)`, accept)) {
		t.Errorf("focus left the accept button: %s", eval[string](tb, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent`, accept)); !strings.HasPrefix(got, "Unaccept answer") {
		t.Errorf("the accept button now says %q", got)
	}
	tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s form[action="/notes/%s/resolve"] button`, qSel, question))))
	tb.do(chromedp.WaitVisible(chromedp.CSS(qSel + " .badge-resolved")))
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector("%s form[action='/notes/%s/resolve'] button").textContent`, qSel, question)); !strings.HasPrefix(got, "Reopen") {
		t.Errorf("the resolve button now says %q", got)
	}
	eval[chromedp.Void](tb, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(p2)))
	shot(t, tb, dir, "seminar-1280-teacher-thread.png")

	// sam's page offers nora's reply (and the teacher's changes, unless
	// they came within a moment of his own reply and were taken for its
	// echo); showing the news fetches the whole block as it is now.
	sb.waitJS(news + `?.startsWith("1 new reply")`)
	sb.do(chromedp.Click(chromedp.CSS(".live-news .live-button")))
	sb.waitJS(fmt.Sprintf(`document.activeElement?.matches("#note-%s.reply")`, noraReply))
	if !eval[bool](sb, fmt.Sprintf(`!!document.querySelector("#note-%s.reply.mine.accepted .badge-accepted")`, samReply)) {
		t.Error("sam's page does not show his reply as the accepted answer")
	}
	if !eval[bool](sb, fmt.Sprintf(`!!document.querySelector("%s .badge-resolved")`, qSel)) {
		t.Error("sam's page does not show the question resolved")
	}
	eval[chromedp.Void](sb, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(p2)))
	shot(t, sb, dir, "seminar-1280-student-thread.png")
	for _, b := range []*browser{sb, tb} {
		if got := eval[string](b, `String(window.__seminar)`); got != "no reload" {
			t.Errorf("a page reloaded (marker %q)", got)
		}
	}

	// --- sam walks the guided tour with the keyboard alone. ---
	// The page he opens now has the question among the tour's stops.
	stops := []string{p0, p2, p6}
	sb.navigate(readPath)
	sb.tabTo("a.tour-link", 40)
	if got := eval[string](sb, `document.activeElement.textContent`); got != "Guided tour for "+groupName {
		t.Errorf("tour link says %q", got)
	}
	sb.key(kb.Enter)
	at := func(k int) {
		t.Helper()
		sb.waitJS(fmt.Sprintf(`document.activeElement?.matches('[data-block=%q].tour-current')`, stops[k]))
		sb.waitScrolled()
		checkStopInView(t, sb, stops[k])
		if got := eval[string](sb, `document.querySelector(".tour-bar [role=status]")?.textContent`); got != fmt.Sprintf("Stop %d of %d", k+1, len(stops)) {
			t.Errorf("tour status %q at stop %d", got, k+1)
		}
		if n := eval[int](sb, `document.querySelectorAll(".tour-current").length`); n != 1 {
			t.Errorf("%d paragraphs marked as the current stop", n)
		}
	}
	at(0)
	if got := sb.location(); got != app.ts.URL+readPath {
		t.Errorf("the tour link navigated: %s", got)
	}
	sb.key("n")
	at(1)
	if !eval[bool](sb, fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, blockSel(p2)+" "+qCard)) {
		t.Error("the question is not shown beside its stop")
	}
	shot(t, sb, dir, "seminar-1280-student-tour.png")
	sb.key(kb.ArrowRight)
	at(2)
	if !eval[bool](sb, `document.querySelector(".tour-bar .tour-next").disabled`) {
		t.Error("Next stop is enabled at the last stop")
	}
	sb.key(kb.ArrowRight) // nowhere to go
	at(2)
	sb.key(kb.ArrowLeft)
	at(1)
	sb.key("p")
	at(0)
	if !eval[bool](sb, `document.querySelector(".tour-bar .tour-prev").disabled`) {
		t.Error("Previous stop is enabled at the first stop")
	}
	sb.key(kb.Escape)
	sb.waitJS(`!document.querySelector(".tour-bar") && document.activeElement.matches("a.tour-link")`)
	if n := eval[int](sb, `document.querySelectorAll(".tour-current").length`); n != 0 {
		t.Errorf("%d stops still marked after leaving the tour", n)
	}

	// --- nora walks the tour as pages. ---
	nb.navigate(readPath)
	if got := eval[string](nb, fmt.Sprintf(`document.querySelector(%q)?.textContent`, qCard+" .question-mark")); got != "Answered" {
		t.Errorf("nora's margin marks the question %q, want Answered", got)
	}
	nb.clickAndWait("a.tour-link")
	stopPage := func(k int) {
		t.Helper()
		if got := eval[string](nb, `document.querySelector("h2.tour-stop").textContent`); !strings.HasPrefix(got, fmt.Sprintf("Stop %d of %d", k+1, len(stops))) {
			t.Errorf("tour page heading %q, want Stop %d of %d", got, k+1, len(stops))
		}
		u, err := url.Parse(nb.location())
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != "/read/"+essaySlug+"/tour" || u.Query().Get("group") != strconv.FormatInt(gid, 10) || u.Query().Get("stop") != strconv.Itoa(k+1) {
			t.Errorf("tour page at %s, want stop %d of group %d", nb.location(), k+1, gid)
		}
		if k < len(stops)-1 != eval[bool](nb, `!!document.querySelector(".tour-nav a[rel=next]")`) {
			t.Errorf("stop %d: a next link is %v", k+1, k < len(stops)-1)
		}
		if k > 0 != eval[bool](nb, `!!document.querySelector(".tour-nav a[rel=prev]")`) {
			t.Errorf("stop %d: a previous link is %v", k+1, k > 0)
		}
	}
	stopPage(0)
	nb.clickAndWait(".tour-nav a[rel=next]")
	stopPage(1)
	if !eval[bool](nb, fmt.Sprintf(`!!document.querySelector(".tour-notes %s .badge-guide") && !!document.querySelector(".tour-notes %s .badge-question")`, qSel, qSel)) {
		t.Error("the tour's second stop does not show the guide question, labelled")
	}
	shot(t, nb, dir, "seminar-1280-nojs-tour.png")
	nb.clickAndWait(".tour-nav a[rel=next]")
	stopPage(2)
	nb.clickAndWait(".tour-nav a[rel=prev]")
	stopPage(1)
	nb.clickAndWait(".tour-nav a.tour-back")
	if got := nb.location(); !strings.HasPrefix(got, app.ts.URL+"/read/"+essaySlug) || !strings.HasSuffix(got, "#"+p2) {
		t.Errorf("Back to the essay led to %s, want the essay at #%s", got, p2)
	}

	// The teacher's own acts were never offered back as news.
	if eval[bool](tb, `!!document.querySelector(".live-button")`) {
		t.Errorf("the teacher is offered %q", eval[string](tb, `document.querySelector(".live-button").textContent`))
	}

	// --- The same pages on a phone. ---
	sp := newBrowser(t, app, asPhone(), withViewport(390, 844))
	sp.signInAs(app.signIn(t, "sam"))
	sp.navigate(readPath)
	shot(t, sp, dir, "seminar-390-student-top.png")
	eval[chromedp.Void](sp, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(p2)))
	sp.do(chromedp.Click(chromedp.CSS(blockSel(p2) + " .margin a.open")))
	sp.do(chromedp.WaitVisible(chromedp.CSS(blockSel(p2) + " > .conversation " + qSel)))
	checkGuideQuestion(t, sp, blockSel(p2)+" > .conversation", question, own)
	shot(t, sp, dir, "seminar-390-student-thread.png")
	// nora's "I have this question too" reaches sam's phone as an update.
	app.signIn(t, "nora").postJSON("/notes/"+question+"/react", url.Values{"kind": {"same"}, "on": {"1"}}, 200)
	sp.waitJS(news + ` === "1 update"`)
	eval[chromedp.Void](sp, `document.querySelector(".live").scrollIntoView({block: "center"})`)
	shot(t, sp, dir, "seminar-390-student-news.png")
	sp.do(chromedp.Click(chromedp.CSS(".live-news .live-button")))
	sp.waitJS(`!document.querySelector(".live-button")`)
	if got := eval[string](sp, fmt.Sprintf(`document.querySelector("%s form.react-form:nth-of-type(2) .react-n").textContent`, qSel)); got != "1" {
		t.Errorf("“I have this question too” count after the update: %q", got)
	}
	// On a phone the reading tools fold behind one line.
	sp.do(chromedp.Click(chromedp.CSS("details.reading-tools > summary")))
	sp.do(chromedp.Click(chromedp.CSS("a.tour-link")))
	sp.waitJS(fmt.Sprintf(`document.activeElement?.matches('[data-block=%q].tour-current')`, p0))
	sp.do(chromedp.Click(chromedp.CSS(".tour-bar .tour-next")))
	sp.waitJS(fmt.Sprintf(`document.activeElement?.matches('[data-block=%q].tour-current')`, p2))
	sp.waitScrolled()
	checkStopInView(t, sp, p2)
	shot(t, sp, dir, "seminar-390-student-tour.png")

	tp := newBrowser(t, app, asPhone(), withViewport(390, 844))
	tp.signInAs(app.signIn(t, "tess"))
	tp.navigate(groupPath)
	shot(t, tp, dir, "seminar-390-teacher-group.png")
	tp.navigate(readPath)
	eval[chromedp.Void](tp, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, blockSel(p2)))
	shot(t, tp, dir, "seminar-390-teacher-thread.png")

	np := newBrowser(t, app, asPhone(), withViewport(390, 844), withoutJavaScript())
	np.signInAs(app.signIn(t, "nora"))
	np.navigate(tourURL(essaySlug, gid, 2))
	shot(t, np, dir, "seminar-390-nojs-tour.png")
}

// joinBySignUp opens an invite link signed out, follows the sign-in page's
// "Sign up" link, signs up as name, presses Join on the invite page it is
// sent back to, and checks that it ends on the group's page as a member.
func joinBySignUp(t *testing.T, b *browser, invite, name, groupPath string) {
	t.Helper()
	b.do(chromedp.Navigate(invite))
	u, err := url.Parse(b.location())
	if err != nil {
		t.Fatal(err)
	}
	code := invite[strings.LastIndex(invite, "/")+1:]
	if u.Path != "/signin" || u.Query().Get("next") != "/join/"+code {
		t.Fatalf("%s opening the invite signed out: at %s, want /signin?next=/join/%s", name, b.location(), code)
	}
	b.clickAndWait(`main a[href^="/signup"]`)
	b.do(
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse"),
		chromedp.SendKeys(chromedp.CSS("#password2"), "correct horse"),
	)
	b.clickAndWait(`main form button[type="submit"]`)
	// Back at the invite link, which names the group and asks first.
	if got := b.location(); got != invite {
		t.Fatalf("%s signing up from the invite: at %s, want back at %s", name, got, invite)
	}
	if got := eval[string](b, `document.querySelector("main form button[type=submit]").textContent`); !strings.HasPrefix(got, "Join ") {
		t.Fatalf("%s: the invite page's button says %q", name, got)
	}
	b.clickAndWait(`main form button[type="submit"]`)
	if got := b.location(); got != b.app.ts.URL+groupPath {
		t.Fatalf("%s signing up from the invite: at %s, want %s\n%s", name, got, groupPath, truncate(b.outerHTML("main"), 1500))
	}
	if got := eval[string](b, `document.querySelector("main .meta").textContent`); !strings.HasPrefix(got, "You are a member") {
		t.Errorf("%s's group page says %q", name, got)
	}
	if got := eval[string](b, `document.querySelector("main .notice")?.textContent || ""`); !strings.HasPrefix(got, "Welcome to") {
		t.Errorf("%s is not welcomed: %q", name, got)
	}
	if eval[bool](b, `!!document.querySelector("#invite-url")`) {
		t.Errorf("%s, a member, is shown the invite link", name)
	}
	if !eval[bool](b, fmt.Sprintf(`[...document.querySelectorAll(".members .member-name")].some(e => e.textContent.startsWith(%q))`, name+" (you)")) {
		t.Errorf("%s is not among the members", name)
	}
}

// writeInline writes a note on a paragraph through its "Annotate" link and
// the inline editor, for audience (checked to be the page's default), as a
// question if asked, and returns the new note's id, which has focus.
func writeInline(b *browser, anchor, body, audience string, question bool) string {
	b.t.Helper()
	block := blockSel(anchor)
	editor := block + " form.inline-editor"
	b.do(chromedp.Click(chromedp.CSS(block+" a.annotate")), chromedp.WaitVisible(chromedp.CSS(editor+" textarea")))
	aud := editor + ` select[name="audience"]`
	if got := run(b, chromedp.Value(chromedp.CSS(aud))); got != audience {
		b.t.Errorf("the editor's audience is %q by default on the group's page, want %q", got, audience)
		b.do(chromedp.SetValue(chromedp.CSS(aud), audience))
	}
	b.do(chromedp.SendKeys(chromedp.CSS(editor+` textarea[name="body"]`), body))
	if question {
		b.do(chromedp.Click(chromedp.CSS(editor + ` input[name="question"]`)))
		if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked && document.querySelector(%q).closest("label").textContent.trim() === "This is a question"`,
			editor+` input[name="question"]`, editor+` input[name="question"]`)) {
			b.t.Fatal("“This is a question” is not checked")
		}
	}
	b.do(chromedp.Click(chromedp.CSS(editor+` button[type="submit"]`)), chromedp.WaitNotPresent(chromedp.CSS(editor)))
	id := eval[string](b, `document.activeElement.matches(".note[data-note]") ? document.activeElement.dataset.note : ""`)
	if id == "" {
		b.t.Fatalf("after saving, focus is on %s, not the new note", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q)?.textContent.trim()`, block+" > .conversation #note-"+id+" .note-body")); got != body {
		b.t.Errorf("the new note beside %s reads %q", anchor, got)
	}
	return id
}

// replyInline answers note parent through its reply form in the paragraph's
// open conversation and
// returns the reply's id, which has focus.
func replyInline(b *browser, anchor, parent, body string) string {
	b.t.Helper()
	box := fmt.Sprintf(`%s details.reply-box:has(form[action="/notes/%s/replies"])`, blockSel(anchor), parent)
	b.do(chromedp.Click(chromedp.CSS(box + " > summary")))
	b.do(
		chromedp.SendKeys(chromedp.CSS(box+" textarea"), body),
		chromedp.Click(chromedp.CSS(box+` button[type="submit"]`)),
	)
	b.waitJS(fmt.Sprintf(`document.activeElement?.matches("#note-%s ~ details.replies .note.reply.mine")`, parent))
	id := eval[string](b, `document.activeElement.dataset.note`)
	if got := eval[string](b, fmt.Sprintf(`document.querySelector("#note-%s .note-body").textContent.trim()`, id)); got != body {
		b.t.Errorf("the reply reads %q", got)
	}
	return id
}

// checkGuideQuestion checks that question is shown in its paragraph's
// conversation (in scope: the panel, or the page), first, above the
// reader's own note there, labelled Guide and Question (words, not colour
// alone) before any other label, and framed.
func checkGuideQuestion(t *testing.T, b *browser, scope, question, own string) {
	t.Helper()
	type facts struct {
		Order   []string `json:"order"`
		Badges  []string `json:"badges"`
		Visible bool     `json:"visible"`
		Border  string   `json:"border"`
	}
	f := eval[facts](b, fmt.Sprintf(`(() => {
		const q = document.querySelector("#note-%s");
		if (!q) return {order: [], badges: [], visible: false, border: ""};
		return {
			order: [...document.querySelectorAll(%q)].map(n => n.dataset.note),
			badges: [...q.querySelectorAll(".note-head .badge")].map(e => e.textContent.trim()),
			visible: q.checkVisibility(),
			border: getComputedStyle(q).borderLeftStyle + " " + getComputedStyle(q).borderTopStyle,
		};
	})()`, question, scope+" .note-list > li > .note"))
	if len(f.Order) != 2 || f.Order[0] != question || f.Order[1] != own {
		t.Errorf("conversation (%s) holds %v, want the question %s first, then %s", scope, f.Order, question, own)
	}
	if len(f.Badges) < 2 || f.Badges[0] != "Guide" || f.Badges[1] != "Question" {
		t.Errorf("the question's labels: %q, want Guide and Question", f.Badges)
	}
	if !f.Visible {
		t.Error("the guide question is not visible")
	}
	if f.Border == "none none" {
		t.Error("the guide question has no border setting it apart")
	}
}

// waitScrolled waits until the page is at rest: the scroll position, the
// page's height and where its notes sit stay put for five frames, so a
// smooth scroll and the margin's layout after a change have ended.
func (b *browser) waitScrolled() {
	b.t.Helper()
	eval[bool](b, `new Promise((done) => {
		const where = () => {
			let s = scrollY + "/" + document.documentElement.scrollHeight;
			for (const n of document.querySelectorAll(".note, form.inline-editor")) s += "/" + Math.round(n.getBoundingClientRect().top);
			return s;
		};
		let last = "", same = 0;
		const tick = () => {
			const now = where();
			if (now === last) {
				if (++same === 5) return done(true);
			} else {
				same = 0;
				last = now;
			}
			requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	})`)
}

// checkStopInView checks that the tour's current paragraph is in the window
// and that its start is not under the tour bar.
func checkStopInView(t *testing.T, b *browser, anchor string) {
	t.Helper()
	type facts struct {
		Top    float64 `json:"top"`
		Bottom float64 `json:"bottom"`
		BarTop float64 `json:"barTop"`
		Height float64 `json:"height"`
	}
	f := eval[facts](b, fmt.Sprintf(`(() => {
		const p = document.getElementById(%q).getBoundingClientRect();
		const bar = document.querySelector(".tour-bar").getBoundingClientRect();
		return {top: p.top, bottom: p.bottom, barTop: bar.top, height: innerHeight};
	})()`, anchor))
	if f.Top < 0 || f.Top >= f.BarTop {
		t.Errorf("stop %s: the paragraph starts at y=%.0f, outside the window above the tour bar (0..%.0f of %.0f)", anchor, f.Top, f.BarTop, f.Height)
	} else if f.Bottom > f.BarTop && f.Bottom-f.Top < f.BarTop {
		t.Errorf("stop %s: the paragraph (y=%.0f..%.0f) would fit above the tour bar (y=%.0f) but runs under it", anchor, f.Top, f.Bottom, f.BarTop)
	}
}

// shot checks that the page is no wider than the window and saves a
// screenshot of what is in view.
func shot(t *testing.T, b *browser, dir, name string) {
	t.Helper()
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > b.width {
		wide := eval[string](b, fmt.Sprintf(`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > %d + 0.5)
			.slice(0, 5).map(e => e.tagName + "." + e.className).join(", ")`, b.width))
		t.Errorf("%s: page is %d px wide in a %d px window; too wide: %s", name, w, b.width, wide)
	}
	saveScreenshot(t, dir, name, run(b, chromedp.CaptureScreenshot()))
}
