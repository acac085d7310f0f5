package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"glossa/store"
)

// maxPageBytes is what a test accepts of one page full of the longest
// notes: the essay with its margins capped at 4 MB of notes, and room for
// the chrome around them.
const maxPageBytes = 5 << 20

// boundedPage GETs path as c and checks that the page is bounded.
func boundedPage(t *testing.T, c *client, path string) (*html.Node, int) {
	t.Helper()
	res := c.get(path)
	body := readBody(res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, res.StatusCode, truncate(body, 300))
	}
	if len(body) > maxPageBytes {
		t.Errorf("GET %s: %d bytes, over %d", path, len(body), maxPageBytes)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	checkIDsUnique(t, doc)
	return doc, len(body)
}

// walk follows a continuation from path, page after page (the link
// next picks on each), and returns what ids picks from every page,
// failing if a page is unbounded or an id comes twice.
func walk(t *testing.T, c *client, path string, next func(*html.Node) string, ids func(*html.Node) []string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for pages := 0; path != ""; pages++ {
		if pages > 200 {
			t.Fatalf("more than 200 pages from %s", path)
		}
		doc, _ := boundedPage(t, c, path)
		for _, id := range ids(doc) {
			if seen[id] {
				t.Errorf("%s: %s shown twice", path, id)
			}
			seen[id] = true
		}
		path = next(doc)
	}
	return seen
}

func hrefOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	u, _ := url.Parse(attr(n, "href"))
	return u.RequestURI()
}

// topNotes are the ids of the thread-starting notes on a page.
func topNotes(doc *html.Node) []string {
	var out []string
	for _, n := range queryAll(doc, "article.note:not(.reply)") {
		out = append(out, attr(n, "data-note"))
	}
	return out
}

// TestPagesWithHugeNotesAreBounded: a document with hundreds of the
// longest notes (linkified URLs, as an import could plant them), a thread
// with many replies and notes on an earlier version gives bounded pages,
// and each continuation ("N more notes", "N more replies", the next part
// of the print edition, the notebook's next page) leads to every note
// exactly once.
func TestPagesWithHugeNotesAreBounded(t *testing.T) {
	app := newApp(t, withBaseURL(testBase))
	ann := app.signUp(t, "ann")
	const perParagraph = 60
	notes := plantNotes(t, app, ann, 2*perParagraph, 2)
	p0 := app.paragraph(t, 0).Anchor
	on0 := map[string]bool{}
	for i, n := range notes {
		if i%2 == 0 {
			on0[n.ID] = true
		}
	}
	// A long thread: the first note gets 45 replies.
	root := notes[0]
	replies := map[string]bool{}
	for i := range 45 {
		r, err := app.db.CreateNote(context.Background(), store.NewNote{AuthorID: root.Author.ID, ParentID: root.ID, Body: longLinkBody(1000 + i)})
		if err != nil {
			t.Fatal(err)
		}
		replies[r.ID] = true
	}
	// Notes whose words are not in the essay (imported orphans).
	const lostNotes = 25
	var orphans []any
	for i := range lostNotes {
		orphans = append(orphans, w3cOn(fmt.Sprintf("urn:x:lost-%d", i), p0, fmt.Sprintf("words %d that are nowhere", i), longLinkBody(2000+i)))
	}
	if rep, st := importAs(t, ann, jsonOf(orphans)); st != http.StatusOK || rep.Orphaned != lostNotes {
		t.Fatalf("import of orphans: %d %+v", st, rep)
	}
	anon := app.client(t)

	// The reading page: its margins are summaries, so its size follows
	// the essay, not the notes; each margin counts its notes, shows a few
	// as cards and leads to its conversation, which shows them all, page
	// by page, each once.
	doc, size := boundedPage(t, anon, "/read/"+essaySlug)
	t.Logf("reading page: %d bytes", size)
	if size > 120<<10 {
		t.Errorf("the reading page is %d bytes with %d long notes: it grows with the notes", size, 2*perParagraph+45)
	}
	margin := query(doc, "[data-block='"+p0+"'] .margin")
	open := query(margin, "a.open")
	if got := text(query(open, ".count")); got != fmt.Sprint(perParagraph, " notes") {
		t.Errorf("paragraph 1's margin counts %q, want %d notes", got, perParagraph)
	}
	cards := noteIDs(margin, "a.card")
	if len(cards) == 0 || len(cards) > marginCards {
		t.Errorf("paragraph 1's margin has %d cards", len(cards))
	}
	if got := text(query(margin, ".more")); got != fmt.Sprint(perParagraph-len(cards), " more notes") {
		t.Errorf("the margin says %q; %d notes are not on its cards", got, perParagraph-len(cards))
	}
	for _, id := range cards {
		if !on0[id] {
			t.Errorf("card %s is not a note of paragraph 1", id)
		}
	}
	conv := hrefOf(open)
	got := walk(t, anon, conv, func(d *html.Node) string { return hrefOf(query(d, "a[rel=next]")) }, topNotes)
	if len(got) != len(on0) {
		t.Errorf("the conversation shows %d notes; paragraph 1 has %d", len(got), len(on0))
	}
	for id := range on0 {
		if !got[id] {
			t.Errorf("note %s is on no page", id)
		}
	}
	more := query(must(html.Parse(strings.NewReader(readBody(anon.get(conv))))), "a[rel=next]")

	// A form sent from that page (a reaction, without JavaScript) comes
	// back to it, where the note is.
	page2 := hrefOf(more)
	bob := app.signUp(t, "bob")
	res := bob.do("POST", "/notes/"+topNotes(must(html.Parse(strings.NewReader(readBody(bob.get(page2))))))[0]+"/react",
		strings.NewReader("kind=helpful&on=1"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Referer": {app.ts.URL + page2}})
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, page2+"#note-") {
		t.Errorf("a reaction on the paragraph's page: %d to %q, want back to %s", res.StatusCode, loc, page2)
	}

	// The long thread: its first replies in the conversation, the rest on
	// the note's pages.
	thread := query(must(html.Parse(strings.NewReader(readBody(anon.get(conv))))), "#replies-"+root.ID)
	if thread == nil {
		t.Fatal("the long thread is not in the conversation")
	}
	inMargin := map[string]bool{}
	for _, n := range queryAll(thread, "article.reply") {
		inMargin[attr(n, "data-note")] = true
	}
	moreReplies := query(thread, ".more-replies a")
	if moreReplies == nil || len(inMargin) == 0 || len(inMargin) == len(replies) {
		t.Fatalf("the thread shows %d of %d replies, link %v", len(inMargin), len(replies), moreReplies != nil)
	}
	replyIDs := func(d *html.Node) []string {
		var out []string
		for _, n := range queryAll(d, "article.reply") {
			out = append(out, attr(n, "data-note"))
		}
		return out
	}
	nextReplies := func(d *html.Node) string {
		for _, a := range queryAll(d, ".more-replies a") {
			if strings.Contains(text(a), "more") {
				return hrefOf(a)
			}
		}
		return ""
	}
	gotReplies := walk(t, anon, hrefOf(moreReplies), nextReplies, replyIDs)
	for id := range inMargin {
		gotReplies[id] = true
	}
	if len(gotReplies) != len(replies) {
		t.Errorf("the thread and the note's pages show %d replies of %d", len(gotReplies), len(replies))
	}
	// The note's own page starts at the first reply and goes on too.
	if all := walk(t, anon, "/notes/"+root.ID, nextReplies, replyIDs); len(all) != len(replies) {
		t.Errorf("the note's pages show %d replies of %d", len(all), len(replies))
	}

	// Notes on an earlier version (imported, so ann's own): the first on
	// the reading page, the rest on their own pages.
	annDoc, _ := boundedPage(t, ann, "/read/"+essaySlug)
	earlier := query(annDoc, "#earlier")
	if earlier == nil {
		t.Fatal("no notes on an earlier version on ann's page")
	}
	earlierMore := query(earlier, ".more-notes a")
	if earlierMore == nil {
		t.Fatal("no link to the rest of the notes on an earlier version")
	}
	if n := len(queryAll(earlier, "a.card")); n == 0 || n > earlierCards {
		t.Errorf("%d cards of notes on an earlier version on the reading page", n)
	}
	lost := walk(t, ann, hrefOf(earlierMore), func(d *html.Node) string { return hrefOf(query(d, "a[rel=next]")) }, topNotes)
	if n := len(lost); n != lostNotes {
		t.Errorf("%d notes on an earlier version shown, want %d", n, lostNotes)
	}

	// The print edition, part by part: every note numbered once, 1 to N.
	numbers := map[string]bool{}
	parts := walk(t, ann, "/read/"+essaySlug+"/print?layers=mine&notes=margin",
		func(d *html.Node) string { return hrefOf(query(d, ".edition-parts a[rel=next]")) },
		func(d *html.Node) []string {
			var out []string
			for _, n := range queryAll(d, ".edition-notes .ed-note, .edition-earlier .ed-note") {
				out = append(out, attr(n, "data-note"))
				numbers[attr(n, "data-number")] = true
			}
			return out
		})
	if want := 2*perParagraph + lostNotes; len(parts) != want || len(numbers) != want || !numbers["1"] || !numbers[fmt.Sprint(want)] {
		t.Errorf("the print edition's parts print %d notes numbered %d ways; want %d, 1 to %d", len(parts), len(numbers), want, want)
	}

	// The notebook, page by page.
	nb := walk(t, ann, "/notebook", func(d *html.Node) string { return hrefOf(query(d, ".pager a[rel=next]")) }, topNotes)
	if want := 2*perParagraph + lostNotes; len(nb) != want {
		t.Errorf("the notebook's pages show %d notes of %d", len(nb), want)
	}
}
