package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// printFixture: tess teaches Seminar A, where ann and bo are members; olga
// is in no group. Each note's body names it, so a test can look for it.
type printFixture struct {
	*seminar
	ids map[string]string // body's name → note id
}

func newPrintFixture(t *testing.T) *printFixture {
	t.Helper()
	s := newSeminar(t)
	f := &printFixture{seminar: s, ids: map[string]string{}}
	third := s.p.Anchor // "Ties among the nation-states…"
	logics := s.app.paragraphWith(t, "two logics").Anchor
	first := s.app.paragraph(t, 0).Anchor
	add := func(c *client, name, anchor, phrase, audience string) {
		t.Helper()
		v := url.Values{"anchor": {anchor}, "phrase": {phrase}, "body": {name + ": a note."}, "audience": {audience}}
		f.ids[name] = c.postJSON("/read/"+essaySlug+"/notes", v, http.StatusCreated)["id"].(string)
	}
	add(s.ann, "ANN-PRIVATE", third, "dense and determinative", "private")
	add(s.ann, "ANN-PUBLIC", first, "", "public")
	add(s.bo, "BO-PUBLIC", first, "abounding uncertainties", "public")
	add(s.teacher, "GUIDE", logics, "", s.groupAudience())
	add(s.bo, "BO-GROUP", logics, "security logic", s.groupAudience())
	add(s.ann, "ANN-TEACHERS", logics, "", "teachers:"+strconv.FormatInt(s.group.ID, 10))
	add(s.bo, "BO-HIDDEN", third, "", s.groupAudience())
	add(s.outside, "OLGA-PRIVATE", third, "", "private")
	f.ids["ANN-REPLY"] = s.ann.reply(f.ids["BO-PUBLIC"], "ANN-REPLY: a reply.")
	f.ids["TESS-REPLY"] = s.teacher.reply(f.ids["BO-GROUP"], "TESS-REPLY: a reply.")
	s.teacher.post("/notes/"+f.ids["BO-HIDDEN"]+"/hide", url.Values{"reason": {"Off topic."}}, http.StatusSeeOther)
	return f
}

func printPath(query string) string {
	p := "/read/" + essaySlug + "/print"
	if query != "" {
		p += "?" + query
	}
	return p
}

// printedNames lists the names of the notes and replies printed on the
// page, in the order the page has them (margin or endnotes, then the
// notes on an earlier version), each once.
func printedNames(doc *html.Node) []string {
	var names []string
	for _, b := range queryAll(doc, ".edition-body .ed-body, .edition-notes:not(.edition-notes-copy) .ed-body, .edition-earlier .ed-body") {
		name, _, _ := strings.Cut(text(b), ":")
		names = append(names, name)
	}
	return names
}

// TestPrintLayers: each layer prints exactly the notes in it that the
// reader may see; hidden notes never print; replies print under their
// note; a layer that is not the reader's is refused with a reason.
func TestPrintLayers(t *testing.T) {
	t.Parallel()
	f := newPrintFixture(t)
	gid := strconv.FormatInt(f.group.ID, 10)
	anon := f.app.client(t)
	for _, tc := range []struct {
		who   *client
		query string
		want  []string // in reading order
	}{
		// The default: my notes, signed in; public ones, signed out.
		{f.ann, "", []string{"ANN-PUBLIC", "ANN-PRIVATE", "ANN-TEACHERS"}},
		{f.ann, "layers=mine", []string{"ANN-PUBLIC", "ANN-PRIVATE", "ANN-TEACHERS"}},
		// bo's quote ends before the paragraph does, where ann's
		// whole-paragraph note has its number.
		{f.ann, "layers=public", []string{"BO-PUBLIC", "ANN-REPLY", "ANN-PUBLIC"}},
		// The group layer holds its guide, its members' notes and what
		// ann wrote to its teachers; never bo's hidden note.
		{f.ann, "layers=group:" + gid, []string{"BO-GROUP", "TESS-REPLY", "GUIDE", "ANN-TEACHERS"}},
		{f.ann, "layers=mine&layers=public", []string{"BO-PUBLIC", "ANN-REPLY", "ANN-PUBLIC", "ANN-PRIVATE", "ANN-TEACHERS"}},
		{f.ann, "layers=", nil}, // the form with nothing ticked
		// bo's own note hidden by a teacher does not print for him either.
		{f.bo, "layers=mine", []string{"BO-PUBLIC", "ANN-REPLY", "BO-GROUP", "TESS-REPLY"}},
		// bo does not see ann's note to the teachers; the teacher does,
		// and not the note she hid.
		{f.bo, "layers=group:" + gid, []string{"BO-GROUP", "TESS-REPLY", "GUIDE"}},
		{f.teacher, "layers=group:" + gid, []string{"BO-GROUP", "TESS-REPLY", "GUIDE", "ANN-TEACHERS"}},
		// Comma-separated works as well as repeated.
		{f.outside, "layers=mine,public", []string{"BO-PUBLIC", "ANN-REPLY", "ANN-PUBLIC", "OLGA-PRIVATE"}},
		{anon, "", []string{"BO-PUBLIC", "ANN-REPLY", "ANN-PUBLIC"}},
		{anon, "layers=public&notes=end", []string{"BO-PUBLIC", "ANN-REPLY", "ANN-PUBLIC"}},
	} {
		who := cmpName(tc.who)
		doc := tc.who.page(printPath(tc.query), http.StatusOK)
		if got := printedNames(doc); !slices.Equal(got, tc.want) {
			t.Errorf("%s, ?%s: printed %q, want %q", who, tc.query, got, tc.want)
		}
	}

	// Replies sit under their note, in the margin and in the endnotes.
	for _, mode := range []string{"margin", "end"} {
		doc := f.ann.page(printPath("layers=public&notes="+mode), http.StatusOK)
		scope := ".edition-body"
		if mode == "end" {
			scope = ".edition-notes"
		}
		note := query(doc, scope+` .ed-note[data-note="`+f.ids["BO-PUBLIC"]+`"]`)
		if got := text(query(note, ".ed-replies .ed-body")); got != "ANN-REPLY: a reply." {
			t.Errorf("%s: reply under bo's note = %q", mode, got)
		}
	}

	// Layers that are not the reader's to choose, and nonsense.
	for _, tc := range []struct {
		who    *client
		query  string
		status int
		says   string
	}{
		{anon, "layers=mine", http.StatusForbidden, "signed-in reader"},
		{anon, "layers=public,mine", http.StatusForbidden, "signed-in reader"},
		{anon, "layers=group:" + gid, http.StatusForbidden, "signed-in member"},
		{f.outside, "layers=group:" + gid, http.StatusForbidden, "not a member of group " + gid},
		// A group that does not exist answers as one she is not in.
		{f.outside, "layers=group:999999", http.StatusForbidden, "not a member of group 999999"},
		{f.ann, "layers=everything", http.StatusBadRequest, `"everything"`},
		{f.ann, "layers=group:seminar", http.StatusBadRequest, `"group:seminar"`},
		{f.ann, "notes=sideways", http.StatusBadRequest, "margin"},
	} {
		doc := tc.who.page(printPath(tc.query), tc.status)
		if got := text(query(doc, ".error-message")); !strings.Contains(got, tc.says) {
			t.Errorf("%s, ?%s: says %q, want it to mention %q", cmpName(tc.who), tc.query, got, tc.says)
		}
		if strings.Contains(text(doc), "a note.") {
			t.Errorf("%s, ?%s: the refusal shows a note", cmpName(tc.who), tc.query)
		}
	}
}

func cmpName(c *client) string {
	if c.name == "" {
		return "signed out"
	}
	return c.name
}

// TestPrintNumbersInReadingOrder: notes written in any order are numbered
// in the order their numbers appear in the text; each number follows its
// quote (or ends its paragraph), and the margin, the endnotes and the
// numbers in the text agree.
func TestPrintNumbersInReadingOrder(t *testing.T) {
	t.Parallel()
	app := newApp(t)
	ann := app.signUp(t, "ann")
	first := app.paragraph(t, 0)
	second := app.paragraph(t, 1)
	ids := map[string]string{}
	add := func(name string, b string, phrase string) {
		t.Helper()
		v := url.Values{"anchor": {b}, "phrase": {phrase}, "body": {name + ": a note."}, "audience": {"private"}}
		ids[name] = ann.postJSON("/read/"+essaySlug+"/notes", v, http.StatusCreated)["id"].(string)
	}
	// Written backwards; the numbers follow the text.
	add("E-second-whole", second.Anchor, "")
	add("D-second-phrase", second.Anchor, "credible threats")
	add("C-first-whole", first.Anchor, "")
	add("B-first-late", first.Anchor, "abounding uncertainties")
	add("A-first-early", first.Anchor, "The phrasing of this essay’s headline")
	add("A2-same-end", first.Anchor, "this essay’s headline") // ends with A: one place, "1,2"
	want := []string{"A-first-early", "A2-same-end", "B-first-late", "C-first-whole", "D-second-phrase", "E-second-whole"}

	for _, mode := range []string{"margin", "end"} {
		doc := ann.page(printPath("notes="+mode), http.StatusOK)
		// The numbers in the text, in document order.
		var refs []int
		for _, a := range queryAll(doc, ".edition-body sup.note-ref a") {
			n, err := strconv.Atoi(strings.TrimPrefix(text(a), "note "))
			if err != nil {
				t.Fatalf("%s: number %q", mode, text(a))
			}
			refs = append(refs, n)
			if attr(a, "href") != "#pn-"+strconv.Itoa(n) {
				t.Errorf("%s: number %d links to %q", mode, n, attr(a, "href"))
			}
		}
		if !slices.Equal(refs, []int{1, 2, 3, 4, 5, 6}) {
			t.Errorf("%s: numbers in the text %v, want 1…6 in order", mode, refs)
		}
		// Each number's note is the one it should be, where the link goes.
		for i, name := range want {
			n := strconv.Itoa(i + 1)
			note := query(doc, "#pn-"+n)
			if note == nil {
				t.Errorf("%s: no note #pn-%s", mode, n)
				continue
			}
			if attr(note, "data-note") != ids[name] || attr(note, "data-number") != n {
				t.Errorf("%s: #pn-%s is %s (number %s), want %s", mode, n, text(query(note, ".ed-body")), attr(note, "data-number"), name)
			}
			if got := text(query(note, ".ed-num")); got != "Note "+n {
				t.Errorf("%s: note %s is numbered %q", mode, name, got)
			}
		}
		// The marks: each quote marked, its number right after the
		// outermost mark that ends there.
		checkMark := func(name, phrase, ref string) {
			t.Helper()
			marks := queryAll(doc, `.edition-body mark.hl-print[data-note="`+ids[name]+`"]`)
			var got string
			for _, m := range marks {
				got += text(m)
			}
			if got != phrase {
				t.Errorf("%s: %s marked %q, want %q", mode, name, got, phrase)
			}
			if ref == "" {
				return
			}
			last := marks[len(marks)-1]
			next := last.NextSibling
			if next == nil || next.Data != "sup" || text(next) != ref {
				t.Errorf("%s: after %s's mark comes %q, want the number %q", mode, name, text(next), ref)
			}
		}
		checkMark("A-first-early", "The phrasing of this essay’s headline", "note 1,note 2")
		checkMark("A2-same-end", "this essay’s headline", "")
		checkMark("B-first-late", "abounding uncertainties", "note 3")
		checkMark("D-second-phrase", "credible threats", "note 5")
		// A whole-paragraph note's number ends its paragraph.
		p := query(doc, "#"+first.Anchor)
		var lastSup *html.Node
		for _, s := range queryAll(p, "sup.note-ref") {
			lastSup = s
		}
		if got := text(lastSup); got != "note 4" {
			t.Errorf("%s: the first paragraph's last number is %q, want note 4", mode, got)
		}
		// Marks and numbers are in the text only; the text is still the
		// essay's.
		if n := len(queryAll(doc, ".edition-body mark.hl-print")); n < 4 {
			t.Errorf("%s: %d marks in the text", mode, n)
		}

		margins, endnotes := queryAll(doc, ".edition-body .ed-margin .ed-note"), queryAll(doc, ".edition-notes .ed-note")
		var endNames []string
		for _, n := range endnotes {
			name, _, _ := strings.Cut(text(query(n, ".ed-body")), ":")
			endNames = append(endNames, name)
		}
		// Endnotes come in number order, in both modes (in margin mode as
		// the copy for narrow paper, without ids).
		if !slices.Equal(endNames, want) {
			t.Errorf("%s: endnotes %q, want %q", mode, endNames, want)
		}
		switch mode {
		case "margin":
			if len(margins) != 6 {
				t.Errorf("margin: %d notes in the margins, want 6", len(margins))
			}
			if query(doc, ".edition-notes.edition-notes-copy") == nil || query(doc, ".edition-notes [id^=pn-]") != nil {
				t.Error("margin: the endnotes are not the id-less copy for narrow paper")
			}
			// The first paragraph's margin holds its notes, in number order.
			var got []string
			for _, n := range queryAll(doc, ".ed-blk:has(#"+first.Anchor+") .ed-margin .ed-note") {
				got = append(got, attr(n, "data-number"))
			}
			if !slices.Equal(got, []string{"1", "2", "3", "4"}) {
				t.Errorf("margin of the first paragraph: notes %v, want 1…4", got)
			}
		case "end":
			if len(margins) != 0 {
				t.Errorf("end: %d notes in margins, want none", len(margins))
			}
			if query(doc, ".edition-notes-copy") != nil {
				t.Error("end: the endnotes are marked as a copy")
			}
			// The notes come after the text.
			if query(doc, ".edition-body ~ .edition-notes") == nil {
				t.Error("end: the Notes section does not follow the text")
			}
			if got := text(query(doc, ".edition-notes .ed-note .ed-where")); got != "On paragraph 1" {
				t.Errorf("end: the first endnote says %q, want On paragraph 1", got)
			}
		}
	}
}

// TestPrintPage: the edition names the document, its revision, the date
// and the layers; its form offers the reader's own layers only; the
// reading page links to it; notes on an earlier version come last.
func TestPrintPage(t *testing.T) {
	t.Parallel()
	f := newA11yFixture(t) // revision 2, with ann's orphan
	doc := f.ann.page(printPath("layers=mine,public"), http.StatusOK)
	head := text(query(doc, ".edition-head"))
	for _, want := range []string{"Alliances and the Future Asia-Pacific Order", "By T.J. Pempel", "Global Asia",
		"Revision 2", "for ann", "My notes, Public notes", "Printed"} {
		if !strings.Contains(head, want) {
			t.Errorf("the head lacks %q: %s", want, head)
		}
	}
	if got := attr(query(doc, ".colophon time"), "datetime"); len(got) != len("2006-01-02") {
		t.Errorf("date printed: datetime %q", got)
	}
	// The form: ann's layers, the chosen ones ticked, both modes.
	var boxes []string
	for _, in := range queryAll(doc, `.edition-controls input[type=checkbox][name=layers]`) {
		v := attr(in, "value")
		if _, ok := attrOK(in, "checked"); ok {
			v += "*"
		}
		boxes = append(boxes, v)
	}
	if !slices.Equal(boxes, []string{"mine*", "public*"}) {
		t.Errorf("layer boxes %v", boxes)
	}
	for _, in := range queryAll(doc, ".edition-controls input") {
		if attr(in, "type") == "hidden" {
			continue
		}
		if lab := text(closest(in, "label")); lab == "" {
			t.Errorf("input %s=%s has no label", attr(in, "name"), attr(in, "value"))
		}
	}
	if query(doc, `.edition-controls input[type=radio][value=margin][checked]`) == nil || query(doc, `.edition-controls input[type=radio][value=end]`) == nil {
		t.Error("the mode radios are missing, or margin is not the default")
	}
	if b := query(doc, "button[data-print]"); b == nil || !hasAttr(b, "hidden") {
		t.Error("the Print button is missing, or shown without JavaScript")
	}
	// The orphan comes last, numbered after the rest, with its words.
	earlier := queryAll(doc, ".edition-earlier .ed-note")
	if len(earlier) != 1 || attr(earlier[0], "data-note") != f.orphan {
		t.Fatalf("notes on an earlier version: %d", len(earlier))
	}
	placed := len(queryAll(doc, ".edition-body .ed-margin .ed-note"))
	if got := attr(earlier[0], "data-number"); got != strconv.Itoa(placed+1) {
		t.Errorf("the orphan is number %s, want %d", got, placed+1)
	}
	if got := text(query(earlier[0], ".ed-quote")); got != "unforeseen challenges" {
		t.Errorf("the orphan quotes %q", got)
	}
	// Headings in order: the title, the settings, the essay's, Notes.
	var hs []string
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6' {
			hs = append(hs, n.Data)
		}
	}
	if len(hs) < 3 || hs[0] != "h1" || hs[1] != "h2" || slices.Contains(hs[1:], "h1") {
		t.Errorf("headings %v", hs)
	}

	// The reading page links here; an earlier revision does not.
	read := f.ann.page("/read/"+essaySlug, http.StatusOK)
	if a := query(read, `.doc-meta a[href="/read/`+essaySlug+`/print"]`); text(a) != "Print with notes" {
		t.Errorf("reading page's print link: %q", text(a))
	}
	if query(f.ann.page("/read/"+essaySlug+"/rev/1", http.StatusOK), `a[href$="/print"]`) != nil {
		t.Error("an earlier revision links to the print edition")
	}
	f.app.client(t).page("/read/no-such-essay/print", http.StatusNotFound)
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasAttr(n *html.Node, key string) bool { _, ok := attrOK(n, key); return ok }

func closest(n *html.Node, tag string) *html.Node {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode && n.Data == tag {
			return n
		}
	}
	return nil
}
