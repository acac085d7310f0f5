package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"glossa/content"
	"glossa/store"
)

// class is a seminar at the scale of a real one: a teacher and twenty
// students in one group, and about two hundred notes and replies on the
// essay, as a class writes them over a week: guide questions, notes to
// the group on phrases and on whole paragraphs, private notes and
// highlights, notes to the teacher, public ones, threads of replies, a
// dozen threads on one paragraph (busy).
type class struct {
	app      *testApp
	teacher  *client
	student  *client // the first student, signed in as a client
	students []int64 // every student's user id, the first included
	group    store.Group
	busy     *content.Block
	notes    int // notes and replies written
}

// newClass seeds a class into app through the store (the first student and
// the teacher sign up through the form, to have sessions): about 200
// notes and replies.
func newClass(t testing.TB, app *testApp) *class { return newClassOf(t, app, 200) }

// newClassOf seeds a class that has written total notes and replies (at
// least the guide's and the busy paragraph's dozen, about 22).
func newClassOf(t testing.TB, app *testApp, total int) *class {
	t.Helper()
	ctx := context.Background()
	c := &class{app: app, teacher: app.signUp(t, "tess"), student: app.signUp(t, "sam")}
	teacher := viewerOfUser(t, app, "tess").UserID
	c.group = must(app.db.CreateGroup(ctx, teacher, "IR 201"))
	c.students = append(c.students, viewerOfUser(t, app, "sam").UserID)
	for i := 2; i <= 20; i++ {
		u, err := app.db.CreateUser(ctx, fmt.Sprintf("student%02d", i), []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		c.students = append(c.students, u.ID)
	}
	for _, id := range c.students {
		must(app.db.Join(ctx, id, c.group.InviteCode))
	}
	e := app.essay(t)
	c.busy = app.paragraphWith(t, "Ties among the nation-states")
	var paras []*content.Block
	for _, b := range e.Current.Blocks {
		if b.Kind == "p" {
			paras = append(paras, b)
		}
	}
	rng := rand.New(rand.NewPCG(12, 2016))
	bodies := []string{
		"How dense, and by which measure: trade, travel, treaties?",
		"This is the essay's thesis in one sentence.",
		"Compare the argument two paragraphs on: the same claim, put more carefully.",
		"Who says so? The footnote cites a speech, not a study.",
		"I read this as a claim about credibility, not capability. **Credibility** is what allies buy.",
		"Is this still true after 2016? Several of these alliances changed since.",
		"The word *order* carries the whole paragraph; the introduction defines it.",
		"Good example for the exam question on hedging.",
		"I disagree: path dependence explains the persistence, not the adjustment.",
		"See [the treaty text](https://example.org/treaty) for the exact commitment.",
		"Asia for Asians — whose slogan, and since when?",
		"A useful distinction between security architecture and regional architecture.",
	}
	replies := []string{
		"Agreed, and the next section says why.",
		"I am not sure: the data only go to 2014.",
		"Both, I think; see footnote 2.",
		"Good point. @sam, what do you make of it?",
		"The lecture put it the other way round.",
	}
	phrase := func(b *content.Block) store.Original {
		o := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: b.Anchor}, BlockHash: b.Hash}
		words := wordSpans(b.Text)
		if len(words) < 4 || rng.IntN(3) == 0 {
			return o // the whole paragraph
		}
		i := rng.IntN(len(words) - 3)
		j := i + 1 + rng.IntN(3)
		o.Start, o.End = words[i][0], words[j][1]
		o.Exact, o.Prefix, o.Suffix, _ = content.QuoteContext(b.Text, o.Start, o.End)
		return o
	}
	var threads []store.Note
	write := func(n store.NewNote) store.Note {
		t.Helper()
		n.DocumentID = e.ID
		note, err := app.db.CreateNote(ctx, n)
		if err != nil {
			t.Fatalf("seed a class: %v", err)
		}
		c.notes++
		return note
	}
	// The teacher's guide: a question on every third paragraph.
	for i := 0; i < len(paras); i += 3 {
		threads = append(threads, write(store.NewNote{AuthorID: teacher, Audience: store.Members, GroupID: c.group.ID,
			Question: true, Body: "Guide question: what does this paragraph add to the argument? Answer with a phrase from the text.",
			Target: phrase(paras[i])}))
	}
	// A dozen threads on the busy paragraph.
	for i := range 12 {
		threads = append(threads, write(store.NewNote{AuthorID: c.students[i%len(c.students)], Audience: store.Members,
			GroupID: c.group.ID, Question: i%4 == 0, Body: bodies[i%len(bodies)], Target: phrase(c.busy)}))
	}
	// The rest of the class's notes, all over the essay.
	for len(threads) < total*3/5 {
		author := c.students[rng.IntN(len(c.students))]
		p := paras[rng.IntN(len(paras))]
		n := store.NewNote{AuthorID: author, Audience: store.Members, GroupID: c.group.ID, Body: bodies[rng.IntN(len(bodies))], Target: phrase(p)}
		switch k := rng.IntN(10); {
		case k == 0:
			n.Audience, n.GroupID = store.Private, 0
			n.Body = "" // a highlight, for oneself
		case k == 1:
			n.Audience, n.GroupID = store.Private, 0
		case k == 2:
			n.Audience = store.Teachers
		case k == 3:
			n.Audience, n.GroupID = store.Public, 0
		case k == 4:
			n.Question = true
		}
		if n.Body == "" && n.Target.Exact == "" {
			n.Body = "A note on the whole paragraph."
		}
		threads = append(threads, write(n))
	}
	// Replies: the group's threads gather them.
	for c.notes < total {
		root := threads[rng.IntN(len(threads))]
		if root.Audience == store.Private || root.Body == "" {
			continue
		}
		by := c.students[rng.IntN(len(c.students))]
		if root.Audience == store.Public || root.Audience == store.Teachers {
			by = root.Author.ID // their own thread: the others may not see it
			if root.Audience == store.Teachers && rng.IntN(2) == 0 {
				by = teacher
			}
		}
		write(store.NewNote{AuthorID: by, ParentID: root.ID, Body: replies[rng.IntN(len(replies))]})
	}
	return c
}

// wordSpans lists the code-point offsets [start, end) of text's words.
func wordSpans(text string) [][2]int {
	var out [][2]int
	start := -1
	i := 0
	for _, r := range text {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
		i++
	}
	if start >= 0 {
		out = append(out, [2]int{start, i})
	}
	return out
}

// classPath is the reading page as the class reads it, from the group.
func (c *class) path() string {
	return "/read/" + essaySlug + "?group=" + fmt.Sprint(c.group.ID)
}

// marginFacts measures, on the reading page in the tab, each block's
// margin against its paragraph (its first element): how far the margin's
// top is from the paragraph's, and how far what the margin shows (its
// first line, the cards in sight, "N more") runs past the paragraph's
// bottom. Cards wrapped out of sight (site.css) or hidden (margin.js)
// are not shown, so they do not count.
type marginFacts struct {
	Blocks    int     `json:"blocks"`
	Drift     float64 `json:"drift"` // the largest |margin top − paragraph top|
	DriftAt   string  `json:"driftAt"`
	Over      float64 `json:"over"` // the largest run past the paragraph's bottom
	OverAt    string  `json:"overAt"`
	Clipped   string  `json:"clipped"` // a card (or line) cut by its margin's edge
	Cards     int     `json:"cards"`   // cards in sight
	PageH     float64 `json:"pageH"`
	TextH     float64 `json:"textH"`
	Under     string  `json:"under"` // narrow: a margin not under its paragraph
	Unfolded  string  `json:"unfolded"`
	PhoneHead float64 `json:"phoneHead"` // the first paragraph's top
}

const marginFactsJS = `(() => {
	const f = {blocks: 0, drift: 0, driftAt: "", over: 0, overAt: "", clipped: "", cards: 0, under: "", unfolded: ""};
	for (const w of document.querySelectorAll(".doc-body .blk")) {
		const m = w.querySelector(":scope > .margin");
		if (!m) continue;
		f.blocks++;
		const p = w.firstElementChild.getBoundingClientRect(), mr = m.getBoundingClientRect();
		if (innerWidth < 1024) {
			if (mr.top < p.bottom - 1 && !f.under) f.under = w.dataset.block;
			for (const c of m.querySelectorAll("a.card")) if (c.checkVisibility() && !f.unfolded) f.unfolded = w.dataset.block;
			continue;
		}
		const d = Math.abs(mr.top - p.top);
		if (d > f.drift) { f.drift = d; f.driftAt = w.dataset.block; }
		let bottom = mr.top;
		for (const el of m.querySelectorAll(":scope > .tools, :scope > ul.cards > li, :scope > .more")) {
			if (!el.checkVisibility({visibilityProperty: true})) continue;
			const r = el.getBoundingClientRect();
			if (r.height === 0 || r.left >= mr.right - 1) continue; // wrapped out of sight
			if (el.matches("li")) f.cards++;
			if (r.bottom > mr.bottom + 0.5 && !f.clipped) {
				f.clipped = w.dataset.block + " (" + JSON.stringify(w.firstElementChild.textContent.slice(0, 40)) + "): " +
					(el.className || el.tagName) + " " + Math.round(r.top - mr.top) + " to " + Math.round(r.bottom - mr.top) + " px in a margin " + Math.round(mr.height) + " px tall";
			}
			bottom = Math.max(bottom, Math.min(r.bottom, mr.bottom));
		}
		if (bottom - p.bottom > f.over) { f.over = bottom - p.bottom; f.overAt = w.dataset.block; }
	}
	f.pageH = document.documentElement.scrollHeight;
	const body = document.querySelector(".doc-body").getBoundingClientRect();
	f.textH = body.height;
	const first = document.querySelector(".doc-body p");
	f.phoneHead = first ? first.getBoundingClientRect().top + scrollY : 0;
	return f;
})()`

// stopFacts counts the reading page's tab stops: in the header, and in
// each block those glossa adds (the margin's, the highlights') apart from
// the essay's own links.
type stopFacts struct {
	Header   int    `json:"header"`
	Total    int    `json:"total"`
	Blocks   int    `json:"blocks"`
	MaxUI    int    `json:"maxUI"`
	MaxUIAt  string `json:"maxUIAt"`
	EssayOwn int    `json:"essayOwn"`
}

const stopFactsJS = `(() => {
	const tabbable = [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]")]
		.filter(el => el.tabIndex >= 0 && !el.disabled && !el.closest("[hidden], [inert]") &&
			el.checkVisibility({visibilityProperty: true}) && !el.closest("details:not([open]) > :not(summary)"));
	const f = {header: 0, total: tabbable.length, blocks: 0, maxUI: 0, maxUIAt: "", essayOwn: 0};
	const per = new Map();
	for (const el of tabbable) {
		const w = el.closest(".doc-body .blk");
		if (!w) { if (!el.closest(".doc-body, .earlier")) f.header++; continue; }
		const ui = el.closest(".margin") || el.matches("mark.hl");
		if (!ui) { f.essayOwn++; continue; }
		per.set(w, (per.get(w) || 0) + 1);
	}
	f.blocks = document.querySelectorAll(".doc-body .blk").length;
	for (const [w, n] of per) if (n > f.maxUI) { f.maxUI = n; f.maxUIAt = w.dataset.block; }
	return f;
})()`

// TestBrowserClass: the reading page at a class's scale. At 1280 px, with
// JavaScript and without, every block's margin starts level with its
// paragraph and what it shows ends within the allowance (the space under
// the paragraph: 1rem, 16 px, plus a pixel of rounding); tab stops grow
// with the paragraphs, not the notes; at 390 px the notes sit under their
// paragraph, folded to a count, and the essay starts on the first screen.
// With JavaScript a highlight opens its notes, the conversation opens and
// closes by keyboard with focus returned, "Writing to" shows and changes
// the default, and an empty note to the group asks first. axe-core checks
// the open conversation and the paragraph's page at both widths.
func TestBrowserClass(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	app := newApp(t)
	c := newClass(t, app)
	dir := screenshotDir(t)
	const allowance = 16 + 1

	wide := func(t *testing.T, name string, app *testApp, c *class, opts ...browserOption) {
		b := newBrowser(t, app, append(opts, withViewport(1280, 900))...)
		b.signInAs(c.student)
		b.navigate(c.path())
		f := eval[marginFacts](b, marginFactsJS)
		t.Logf("%s, %d notes and replies: %d blocks, margin drift %.1f px (at %s), furthest past a paragraph %.1f px (at %s), %d cards in sight, page %.0f px for %.0f px of text",
			name, c.notes, f.Blocks, f.Drift, f.DriftAt, f.Over, f.OverAt, f.Cards, f.PageH, f.TextH)
		if f.Drift > 2 {
			t.Errorf("%s: a margin starts %.1f px from its paragraph (%s); want level (2 px of rounding)", name, f.Drift, f.DriftAt)
		}
		if f.Over > allowance {
			t.Errorf("%s: a margin runs %.1f px past its paragraph (%s); the allowance is %d px", name, f.Over, f.OverAt, allowance)
		}
		if f.Clipped != "" {
			t.Errorf("%s: a card is cut by its margin's edge: %s", name, f.Clipped)
		}
		if f.Cards == 0 {
			t.Errorf("%s: no cards in sight", name)
		}
		s := eval[stopFacts](b, stopFactsJS)
		t.Logf("%s: %d tab stops: %d in the header, at most %d a block beside the essay's own links (%d in all), over %d blocks",
			name, s.Total, s.Header, s.MaxUI, s.EssayOwn, s.Blocks)
		if s.MaxUI > 3 {
			t.Errorf("%s: %d tab stops in block %s; want at most 3 a paragraph", name, s.MaxUI, s.MaxUIAt)
		}
		// The busy paragraph: its count says every thread.
		busy := blockSel(c.busy.Anchor)
		if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, busy+" .margin a.open .count")); !strings.HasPrefix(got, "1") {
			t.Errorf("%s: the busy paragraph's count says %q", name, got)
		}
		eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"}); scrollBy(0, -40)`, busy))
		saveScreenshot(t, dir, "class-"+name+".png", run(b, chromedp.CaptureScreenshot()))
	}
	t.Run("wide", func(t *testing.T) {
		t.Parallel()
		wide(t, "wide", app, c)
	})
	t.Run("wide-nojs", func(t *testing.T) {
		t.Parallel()
		wide(t, "wide-nojs", app, c, withoutJavaScript())
	})
	// A smaller class's first week: 33 notes and replies.
	t.Run("wide-33", func(t *testing.T) {
		t.Parallel()
		small := newApp(t)
		sc := newClassOf(t, small, 33)
		wide(t, "wide-33", small, sc)
		wide(t, "wide-33-nojs", small, sc, withoutJavaScript())
	})

	t.Run("phone", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, app, withViewport(390, 844), asPhone())
		b.signInAs(c.student)
		b.navigate(c.path())
		f := eval[marginFacts](b, marginFactsJS)
		if f.Under != "" {
			t.Errorf("phone: the notes of %s are not under it", f.Under)
		}
		if f.Unfolded != "" {
			t.Errorf("phone: the notes of %s are not folded", f.Unfolded)
		}
		t.Logf("phone: the first paragraph starts at %.0f px; page %.0f px", f.PhoneHead, f.PageH)
		if f.PhoneHead >= 844 {
			t.Errorf("phone: the essay's first paragraph starts at %.0f px, below the first screen (844 px)", f.PhoneHead)
		}
		if eval[bool](b, `[...document.querySelectorAll(".key-hints, .tour-keys")].some(e => e.checkVisibility())`) {
			t.Error("phone: key hints on a touch screen")
		}
		b.checkTargets(t, "class reading page, phone")
		saveScreenshot(t, dir, "class-phone.png", run(b, chromedp.CaptureScreenshot()))
		// The busy paragraph's conversation opens under it.
		busy := blockSel(c.busy.Anchor)
		eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"})`, busy))
		b.do(chromedp.Click(chromedp.CSS(busy + " .margin a.open")))
		b.do(chromedp.WaitVisible(chromedp.CSS(busy + " > .conversation .note")))
		checkUnder(t, b, c.busy.Anchor)
		b.checkTargets(t, "class conversation, phone")
		saveScreenshot(t, dir, "class-phone-conversation.png", run(b, chromedp.CaptureScreenshot()))
	})

	t.Run("conversation", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, app, withViewport(1280, 900))
		b.signInAs(c.student)
		b.navigate(c.path())
		busy := blockSel(c.busy.Anchor)
		open := busy + " .margin a.open"
		// Where the paragraph is on the page (not in the window, which
		// scrolls to show the conversation).
		where := func() []float64 {
			return eval[[]float64](b, fmt.Sprintf(`(r => [r.top + scrollY, r.height])(document.getElementById(%q).getBoundingClientRect())`, c.busy.Anchor))
		}
		before := where()

		// By keyboard: focus the way in, Enter opens, Escape closes and
		// focus comes back.
		eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).focus()`, open))
		b.key(kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS(busy + " > .conversation .note")))
		if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).contains(document.activeElement)`, busy+" > .conversation")) {
			t.Errorf("focus after opening the conversation: %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}
		if after := where(); !slices.Equal(after, before) {
			t.Errorf("opening the conversation moved the text: the paragraph's top and height %v, were %v", after, before)
		}
		checkBeside(t, b, c.busy.Anchor)
		if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, busy+" > .conversation .note-list > li")); n < 10 {
			t.Errorf("the busy paragraph's conversation lists %d threads", n)
		}
		saveScreenshot(t, dir, "class-conversation.png", run(b, chromedp.CaptureScreenshot()))
		b.key(kb.Escape)
		b.do(chromedp.WaitNotPresent(chromedp.CSS(busy + " > .conversation")))
		if !eval[bool](b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, open)) {
			t.Errorf("focus after Escape: %s, want the paragraph's ¶", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}

		// A highlight is a way in: Enter on it opens the notes on its
		// words, all of those that overlap there.
		mark := busy + " mark.hl[role=button]"
		ids := eval[[]string](b, fmt.Sprintf(`(() => {
			const m = document.querySelector(%q); m.focus();
			const ids = new Set([m.dataset.note]);
			for (let x = m.parentElement.closest("mark.hl"); x; x = x.parentElement.closest("mark.hl")) ids.add(x.dataset.note);
			for (const x of m.querySelectorAll("mark.hl")) ids.add(x.dataset.note);
			return [...ids];
		})()`, mark))
		if !eval[bool](b, fmt.Sprintf(`document.activeElement.matches(%q)`, mark)) {
			t.Fatal("a highlight does not take focus")
		}
		b.key(kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS(busy + " > .conversation .note")))
		got := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(li => li.querySelector("article.note").dataset.note)`, busy+" > .conversation .note-list > li"))
		slices.Sort(got)
		slices.Sort(ids)
		if !slices.Equal(got, ids) {
			t.Errorf("Enter on a highlight opened notes %v, want those on its words %v", got, ids)
		}
		b.key(kb.Escape)
		b.do(chromedp.WaitNotPresent(chromedp.CSS(busy + " > .conversation")))
		// And a click.
		b.do(chromedp.Click(chromedp.CSS(mark)))
		b.do(chromedp.WaitVisible(chromedp.CSS(busy + " > .conversation .note")))
		if !eval[bool](b, fmt.Sprintf(`!!document.querySelector(%q)`, busy+` > .conversation .note[data-note="`+ids[0]+`"]`)) {
			t.Error("a click on a highlight did not open its note")
		}
		b.key(kb.Escape)

		// Keys between paragraphs and notes.
		eval[chromedp.Void](b, `document.activeElement.blur(); scrollTo(0, 0)`)
		b.key("j")
		if !eval[bool](b, `document.activeElement.matches(".margin a.open")`) {
			t.Errorf("j: focus on %s, want a paragraph's way in", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}
		first := eval[string](b, `document.activeElement.dataset.open`)
		b.key("j")
		if second := eval[string](b, `document.activeElement.dataset.open || ""`); second == "" || second == first {
			t.Errorf("j again: %q after %q", second, first)
		}
		b.key("n")
		if !eval[bool](b, `document.activeElement.matches(".margin a.card")`) {
			t.Errorf("n: focus on %s, want a note's card", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}

		// A note's page links into the essay, its conversation open at the
		// note, in focus.
		b.navigate(c.path())
		b.do(chromedp.Click(chromedp.CSS(open)), chromedp.WaitVisible(chromedp.CSS(busy+" > .conversation .note")))
		last := eval[string](b, fmt.Sprintf(`[...document.querySelectorAll(%q)].at(-1).dataset.note`, busy+" > .conversation .note-list > li > article.note"))
		b.navigate("/notes/" + last)
		at := busy + ` > .conversation .note[data-note="` + last + `"]`
		b.do(chromedp.Click(chromedp.CSS(`a[href*="?note=`+last+`#"]`)), chromedp.WaitVisible(chromedp.CSS(at)))
		if !eval[bool](b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, at)) {
			t.Errorf("after following a note's link into the essay, focus is on %s, want the note", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}

		// axe on the open conversation, at 1280 px and as a phone.
		src := axeSource(t)
		for _, w := range []struct {
			name string
			opts []browserOption
		}{{"wide", []browserOption{withViewport(1280, 900)}}, {"phone", []browserOption{withViewport(390, 844), asPhone()}}} {
			ab := newBrowser(t, app, w.opts...)
			ab.withAxe(src)
			ab.signInAs(c.student)
			ab.navigate(c.path() + "#" + c.busy.Anchor)
			ab.do(chromedp.WaitVisible(chromedp.CSS(busy + " > .conversation .note")))
			ab.axeRun().report(t, "class conversation panel, "+w.name)
			ab.checkTargets(t, "class conversation panel, "+w.name)
			ab.navigate("/read/" + essaySlug + "/notes/" + c.busy.Anchor + "?group=" + fmt.Sprint(c.group.ID))
			ab.axeRun().report(t, "class paragraph page, "+w.name)
			ab.checkTargets(t, "class paragraph page, "+w.name)
		}
	})

	t.Run("writing-to", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := app.essay(t)
		// A member of the class of their own, so the others' choices
		// and notes are untouched.
		cl := app.signUp(t, "wren")
		wren := viewerOfUser(t, app, "wren").UserID
		must(app.db.Join(ctx, wren, c.group.InviteCode))
		b := newBrowser(t, app, withViewport(1280, 900))
		b.signInAs(cl)
		group := audienceValue(store.Members, c.group.ID)

		// From the group, the group is the default, and it says so.
		b.navigate(c.path())
		if got := eval[string](b, `document.querySelector("#writing-to").value`); got != group {
			t.Errorf("Writing to, from the group: %q, want %q", got, group)
		}
		label := eval[string](b, `document.querySelector("#writing-to").selectedOptions[0].textContent`)
		if label != "Everyone in IR 201" {
			t.Errorf("Writing to shows %q", label)
		}

		// An empty note to the group asks first; nothing is saved.
		p := app.paragraph(t, 2)
		count := func() int {
			ns := must(app.db.Notes(ctx, store.Viewer{UserID: wren}, store.NoteQuery{DocumentID: e.ID}))
			n := 0
			for _, x := range ns {
				if x.Author.ID == wren {
					n++
				}
			}
			return n
		}
		eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%q).click()`, blockSel(p.Anchor)+" .margin a.annotate"))
		b.do(chromedp.WaitVisible(chromedp.CSS("form.inline-editor textarea")))
		if got := eval[string](b, `document.querySelector("form.inline-editor select[name=audience]").value`); got != group {
			t.Errorf("the editor starts writing to %q, want %q", got, group)
		}
		b.allowLoadError(http.StatusUnprocessableEntity, "/read/"+essaySlug+"/notes") // the question
		b.do(chromedp.Click(chromedp.CSS(`form.inline-editor button[type=submit]`)))
		b.do(chromedp.WaitVisible(chromedp.CSS("form.inline-editor .confirm")))
		if n := count(); n != 0 {
			t.Errorf("an empty note to the group was saved before the reader said so (%d notes)", n)
		}
		b.do(chromedp.Click(chromedp.CSS("form.inline-editor .confirm [data-keep]")))
		b.do(chromedp.WaitNotPresent(chromedp.CSS("form.inline-editor")))
		ns := must(app.db.Notes(ctx, store.Viewer{UserID: wren}, store.NoteQuery{DocumentID: e.ID}))
		saved := 0
		for _, n := range ns {
			if n.Author.ID == wren {
				saved++
				if n.Audience != store.Private {
					t.Errorf("the highlight kept to oneself went to %s", n.Audience)
				}
			}
		}
		if saved != 1 {
			t.Errorf("%d notes saved, want the one highlight", saved)
		}

		// Changing "Writing to" is kept for this essay: the page opened
		// from the library now starts there too.
		b.do(chromedp.SetValue(chromedp.CSS("#writing-to"), "private"))
		eval[chromedp.Void](b, `document.querySelector("#writing-to").dispatchEvent(new Event("change"))`)
		b.waitJS(`document.querySelector("[data-reader-status]")?.textContent === "Writing to Only me."`)
		b.navigate(c.path())
		if got := eval[string](b, `document.querySelector("#writing-to").value`); got != "private" {
			t.Errorf("Writing to after choosing only me: %q", got)
		}
		b.navigate("/")
		if n := eval[int](b, `document.querySelectorAll("ul.read-with a").length`); n == 0 {
			t.Error("the library offers no Read with IR 201")
		}
	})
}
