package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"glossa/store"
)

// tourFixture: tess teaches Seminar A (rita and mina are members) and is a
// member of otto's Other class. Seminar A's guide has three stops, the
// second with two notes; other notes on the essay make no stop.
type tourFixture struct {
	app                    *testApp
	tess, rita, mina, otto *client
	g1, g2, g3             store.Group
	stops                  []string // Seminar A's anchors in reading order
	guide                  map[string][]string
	otherGuide             store.Note
}

func newTourFixture(t *testing.T) *tourFixture {
	app := newApp(t)
	f := &tourFixture{app: app, guide: map[string][]string{}}
	f.tess, f.rita, f.mina, f.otto = app.signUp(t, "tess"), app.signUp(t, "rita"), app.signUp(t, "mina"), app.signUp(t, "otto")
	f.g1 = app.newGroup(t, "Seminar A", f.tess, f.rita, f.mina)
	f.g2 = app.newGroup(t, "Other class", f.otto, f.tess)
	f.g3 = app.newGroup(t, "Quiet group", f.mina, f.rita)
	p := func(i int) string { return app.paragraph(t, i).Anchor }
	f.stops = []string{p(0), p(2), p(4)}

	// Written out of reading order: the tour follows the text.
	add := func(anchor, body string) store.Note {
		n := liveNote(t, app, f.tess, anchor, store.Members, f.g1.ID, body)
		f.guide[anchor] = append(f.guide[anchor], n.ID)
		return n
	}
	add(p(2), "Second stop, first note")
	first := add(p(0), "First stop")
	add(p(4), "Third stop")
	add(p(2), "Second stop, second note")
	// Not stops: a member's group note, the teacher's public and private
	// notes, a reply to a guide note, and the other class's guide.
	liveNote(t, app, f.mina, p(1), store.Members, f.g1.ID, "a member's note")
	liveNote(t, app, f.tess, p(3), store.Public, 0, "public")
	liveNote(t, app, f.tess, p(3), store.Teachers, f.g1.ID, "teachers only")
	liveReply(t, app, f.tess, first, "a reply")
	f.otherGuide = liveNote(t, app, f.otto, p(1), store.Members, f.g2.ID, "the other class's guide")
	return f
}

func tourPath(g int64, stop string) string {
	p := "/read/" + essaySlug + "/tour?group=" + idText(g)
	if stop != "" {
		p += "&stop=" + stop
	}
	return p
}

func idText(n int64) string { return strconv.FormatInt(n, 10) }

// TestTourPages walks Seminar A's tour as pages, by its links alone: the
// stops in reading order, their guide notes, "Stop k of n", previous and
// next links, the way back to the essay.
func TestTourPages(t *testing.T) {
	f := newTourFixture(t)
	path := tourPath(f.g1.ID, "")
	var walked []string
	for k := 1; path != ""; k++ {
		doc := f.rita.page(path, http.StatusOK)
		anchor := f.stops[k-1]
		if got, want := text(query(doc, "h2.tour-stop")), "Stop "+idText(int64(k))+" of 3"; !strings.HasPrefix(got, want) {
			t.Errorf("stop %d heading %q, want %q…", k, got, want)
		}
		if query(doc, ".tour-text [data-anchor="+anchor+"]") == nil {
			t.Errorf("stop %d does not show paragraph %s", k, anchor)
		}
		var notes []string
		for _, n := range queryAll(doc, ".tour-notes .note[data-note]") {
			notes = append(notes, attr(n, "data-note"))
		}
		if !slices.Equal(notes, f.guide[anchor]) {
			t.Errorf("stop %d notes %v, want %v", k, notes, f.guide[anchor])
		}
		prev, next := query(doc, "a[rel=prev]"), query(doc, "a[rel=next]")
		if (prev != nil) != (k > 1) || (next != nil) != (k < 3) {
			t.Errorf("stop %d: prev %v next %v", k, prev != nil, next != nil)
		}
		if prev != nil && attr(prev, "href") != tourURL(essaySlug, f.g1.ID, k-1)+"#stop" {
			t.Errorf("stop %d: prev href %q", k, attr(prev, "href"))
		}
		if back := attr(query(doc, "a.tour-back"), "href"); back != "/read/"+essaySlug+"?group="+idText(f.g1.ID)+"#"+anchor {
			t.Errorf("stop %d: back to the essay at %q", k, back)
		}
		if cur := queryAll(doc, ".tour-all [aria-current=step]"); len(cur) != 1 {
			t.Errorf("stop %d: %d current stops in the list", k, len(cur))
		}
		if strings.Contains(text(doc), "a member's note") || strings.Contains(text(doc), "the other class's guide") {
			t.Errorf("stop %d shows a note that is not Seminar A's guide", k)
		}
		walked = append(walked, anchor)
		path = ""
		if next != nil {
			path = strings.TrimSuffix(attr(next, "href"), "#stop")
		}
	}
	if !slices.Equal(walked, f.stops) {
		t.Errorf("walked %v, want %v", walked, f.stops)
	}

	// The other class's tour, for tess, who is a member there.
	doc := f.tess.page(tourPath(f.g2.ID, "1"), http.StatusOK)
	if n := query(doc, ".tour-notes .note"); attr(n, "data-note") != f.otherGuide.ID || query(doc, "a[rel=next]") != nil {
		t.Errorf("Other class's tour: %s", truncate(text(query(doc, "main")), 300))
	}

	// A group without a guide has an empty tour.
	doc = f.rita.page(tourPath(f.g3.ID, ""), http.StatusOK)
	if !strings.Contains(text(doc), "have not written a guide") || query(doc, "a[rel=next]") != nil {
		t.Errorf("empty tour: %s", truncate(text(query(doc, "main")), 300))
	}
}

// TestTourRefusals: only members take a group's tour, and only to stops
// that exist.
func TestTourRefusals(t *testing.T) {
	f := newTourFixture(t)
	for _, tc := range []struct {
		who    *client
		path   string
		status int
	}{
		{f.otto, tourPath(f.g1.ID, "1"), http.StatusNotFound}, // not a member
		{f.rita, tourPath(f.g2.ID, "1"), http.StatusNotFound},
		{f.rita, tourPath(9999, "1"), http.StatusNotFound},
		{f.rita, "/read/" + essaySlug + "/tour", http.StatusNotFound},
		{f.rita, "/read/" + essaySlug + "/tour?group=abc", http.StatusNotFound},
		{f.rita, tourPath(f.g1.ID, "4"), http.StatusNotFound},
		{f.rita, tourPath(f.g1.ID, "0"), http.StatusNotFound},
		{f.rita, tourPath(f.g1.ID, "two"), http.StatusNotFound},
		{f.rita, tourPath(f.g3.ID, "2"), http.StatusNotFound},
		{f.rita, "/read/no-such-essay/tour?group=1", http.StatusNotFound},
		{f.app.client(t), tourPath(f.g1.ID, "1"), http.StatusUnauthorized},
	} {
		res := tc.who.get(tc.path)
		body := readBody(res)
		if res.StatusCode != tc.status {
			t.Errorf("%s GET %s: %d, want %d", tc.who.name, tc.path, res.StatusCode, tc.status)
		}
		if strings.Contains(body, "Second stop") {
			t.Errorf("%s GET %s shows a guide note", tc.who.name, tc.path)
		}
	}
}

// TestTourLinksOnTheReadingPage: the reading page offers a tour per group
// of the reader's with guide notes, whose link works without JavaScript
// and carries the stops for tour.js.
func TestTourLinksOnTheReadingPage(t *testing.T) {
	f := newTourFixture(t)
	links := func(c *client) map[string]*html.Node {
		t.Helper()
		m := map[string]*html.Node{}
		for _, a := range queryAll(c.page("/read/"+essaySlug, http.StatusOK), "a.tour-link") {
			m[attr(a, "data-tour")] = a
		}
		return m
	}
	rl := links(f.rita)
	if len(rl) != 1 || rl[idText(f.g1.ID)] == nil {
		t.Fatalf("rita's tours: %v", rl)
	}
	a := rl[idText(f.g1.ID)]
	if attr(a, "href") != tourURL(essaySlug, f.g1.ID, 1) {
		t.Errorf("href %q", attr(a, "href"))
	}
	if got := attr(a, "data-stops"); got != strings.Join(f.stops, " ") {
		t.Errorf("data-stops %q, want %q", got, strings.Join(f.stops, " "))
	}
	if tl := links(f.tess); len(tl) != 2 {
		t.Errorf("tess's tours: %d, want 2", len(tl))
	}
	if ol := links(f.otto); len(ol) != 1 || ol[idText(f.g2.ID)] == nil {
		t.Errorf("otto's tours: %v", ol)
	}
	if doc := f.app.client(t).page("/read/"+essaySlug, http.StatusOK); query(doc, "a.tour-link") != nil {
		t.Error("a signed-out reader is offered a tour")
	} else if query(doc, `script[src*="/js/tour.js"]`) != nil {
		t.Error("a page that offers no tour loads tour.js")
	}
	if query(f.rita.page("/read/"+essaySlug, http.StatusOK), `script[src*="/js/tour.js"]`) == nil {
		t.Error("a page that offers a tour does not load tour.js")
	}

	// A new guide note is a new stop at once (the page cache follows the
	// store's generation).
	extra := f.app.paragraph(t, 6).Anchor
	liveNote(t, f.app, f.tess, extra, store.Members, f.g1.ID, "a fourth stop")
	if got := attr(links(f.rita)[idText(f.g1.ID)], "data-stops"); !strings.HasSuffix(got, " "+extra) {
		t.Errorf("after a new guide note: %q", got)
	}

	// Leaving the group takes the tour away.
	if err := f.app.db.Leave(context.Background(), viewerOfUser(t, f.app, "rita").UserID, f.g1.ID); err != nil {
		t.Fatal(err)
	}
	if rl := links(f.rita); len(rl) != 0 {
		t.Errorf("rita left Seminar A but is offered %d tours", len(rl))
	}
}
