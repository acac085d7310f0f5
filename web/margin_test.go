package web

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"glossa/content"
	"glossa/store"
)

// A margin is chosen by the store (store.DB.Margins) apart from the
// conversation, which reads the paragraph's notes and orders them in Go
// (paragraph.go): the two must agree. For a class's teacher, a student
// and a reader signed out, in each of the three orders, every margin
// counts the threads its conversation lists, its guide card is the
// conversation's first thread, its other cards the threads after the
// guide's, in order, each with the replies the conversation shows, and
// its highlights are the quotes of the conversation's first marginMarks
// quoted threads, no more.
func TestMarginIsTheStartOfItsConversation(t *testing.T) {
	ctx := context.Background()
	app := newApp(t)
	c := newClassOf(t, app, 160)
	// More quoted threads on the busy paragraph than it marks.
	e := app.essay(t)
	words := wordSpans(c.busy.Text)
	for i := range 2 * marginMarks {
		o := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: c.busy.Anchor}, BlockHash: c.busy.Hash}
		o.Start, o.End = words[i][0], words[i+1][1]
		o.Exact, o.Prefix, o.Suffix, _ = content.QuoteContext(c.busy.Text, o.Start, o.End)
		must(app.db.CreateNote(ctx, store.NewNote{DocumentID: e.ID, AuthorID: c.students[i%len(c.students)],
			Audience: store.Members, GroupID: c.group.ID, Body: fmt.Sprintf("On these words, %d.", i), Target: o}))
	}
	// Reactions, for the order by reactions: each student finds a few
	// notes helpful.
	all := must(app.db.Notes(ctx, store.Viewer{UserID: c.students[0]}, store.NoteQuery{DocumentID: e.ID}))
	for i, n := range all {
		if n.ParentID == "" && i%3 == 0 {
			for _, s := range c.students[:1+i%7] {
				if s != n.Author.ID {
					must(app.db.React(ctx, s, n.ID, store.Helpful, true))
				}
			}
		}
	}
	readers := []struct {
		name   string
		client *client
		viewer store.Viewer
	}{
		{"teacher", c.teacher, viewerOfUser(t, app, "tess")},
		{"student", c.student, viewerOfUser(t, app, "sam")},
		{"signed out", app.client(t), store.Viewer{}},
	}
	checked := 0
	for _, r := range readers {
		// Which notes quote words: read apart from both, for this reader.
		quoted := map[string]bool{}
		for _, n := range must(app.db.Notes(ctx, r.viewer, store.NoteQuery{DocumentID: e.ID})) {
			quoted[n.ID] = n.ParentID == "" && n.Current.Exact != ""
		}
		for _, sort := range []string{"", sortTime, sortReactions} {
			path := fmt.Sprintf("/read/%s?group=%d", essaySlug, c.group.ID)
			if sort != "" {
				path += "&sort=" + sort
			}
			page := r.client.page(path, 200)
			for _, blk := range queryAll(page, "div[data-block]") {
				where := fmt.Sprintf("%s, %q, %s", r.name, sort, attr(blk, "data-block"))
				open := query(blk, ".margin a.open")
				count := 0
				if n := query(open, ".count"); n != nil {
					count = mxLeading(text(n))
				}
				conv := r.client.page(hrefOf(open), 200)
				threads := conversationThreads(conv)
				total := seeTotal.FindStringSubmatch(text(query(conv, ".paragraph-notes > p")))
				if total == nil || total[1] != fmt.Sprint(count) {
					t.Errorf("%s: the margin counts %d threads, the conversation says %q", where, count, total)
				}
				if count == 0 {
					continue
				}
				checked++
				var cards []string
				for _, a := range queryAll(blk, ".margin a.card") {
					cards = append(cards, attr(a, "data-note"))
				}
				var want []string
				if query(blk, ".margin li.guide-thread") != nil {
					guides := 1 + mxLeading(attr(query(blk, ".margin li.guide-thread"), "data-more"))
					want = append(want, threads[0].id)
					for _, th := range threads[guides:min(len(threads), guides+len(cards)-1)] {
						want = append(want, th.id)
					}
				} else {
					// No guide card: the first cards may follow guide
					// threads the margin counts in "N more".
					first := 0
					for first < len(threads) && threads[first].guide {
						first++
					}
					for _, th := range threads[first:min(len(threads), first+len(cards))] {
						want = append(want, th.id)
					}
				}
				if !slices.Equal(cards, want) {
					t.Errorf("%s: cards %q, want the conversation's %q", where, cards, want)
				}
				for _, a := range queryAll(blk, ".margin a.card") {
					id := attr(a, "data-note")
					replies := 0
					if n := query(a, ".card-replies"); n != nil {
						replies = mxLeading(text(n))
					}
					for _, th := range threads {
						if th.id == id && th.replies != replies {
							t.Errorf("%s: card %s counts %d replies, the conversation shows %d", where, id, replies, th.replies)
						}
					}
				}
				var marks []string
				for _, m := range queryAll(blk, "mark.hl") {
					if id := attr(m, "data-note"); !slices.Contains(marks, id) {
						marks = append(marks, id)
					}
				}
				var wantMarks []string
				for _, th := range threads {
					if len(wantMarks) < marginMarks && quoted[th.id] && !th.lone {
						wantMarks = append(wantMarks, th.id)
					}
				}
				if len(wantMarks) < marginMarks && len(threads) < count {
					continue // the rest are on the conversation's next page
				}
				slices.Sort(marks)
				slices.Sort(wantMarks)
				if !slices.Equal(marks, wantMarks) {
					t.Errorf("%s: highlights %q, want the conversation's first quoted threads %q", where, marks, wantMarks)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d margins with notes checked", checked)
	}
}

var seeTotal = regexp.MustCompile(`(\d+) notes? you can see`)

// convThread is a thread of a conversation page, as it shows it.
type convThread struct {
	id      string
	guide   bool
	lone    bool // a reply shown alone
	replies int
}

// conversationThreads lists the threads of a paragraph's conversation
// page, in its order.
func conversationThreads(doc *html.Node) []convThread {
	var out []convThread
	for _, a := range queryAll(doc, "article.note") {
		parent := attr(a, "data-parent")
		if parent != "" && query(doc, `article.note[data-note="`+parent+`"]`) != nil {
			continue // a reply in its thread
		}
		th := convThread{id: attr(a, "data-note"), guide: hasClass(a, "guide"), lone: parent != ""}
		if d := query(doc, "#replies-"+th.id+" summary"); d != nil {
			th.replies = mxLeading(text(d))
		}
		out = append(out, th)
	}
	return out
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}
