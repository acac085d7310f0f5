package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"glossa/content"
	"glossa/store"
)

// nbEntries are the bodies of a notebook page's entries, in order.
func nbEntries(doc *html.Node) []string {
	var out []string
	for _, li := range queryAll(doc, ".notebook-entry") {
		out = append(out, text(query(li, ".note-body")))
	}
	return out
}

// nbFacet is one checkbox of a notebook page's facets.
type nbFacet struct {
	count   int // -1: no count shown
	checked bool
	label   string
}

// nbFacets reads a notebook page's facets, by "name=value" (the tag,
// the group's id, the essay's slug; "question=1", "private=1"), and
// its two scopes, as "scope=yours" and "scope=all".
func nbFacets(t *testing.T, doc *html.Node) map[string]nbFacet {
	t.Helper()
	out := map[string]nbFacet{}
	for _, in := range queryAll(doc, `.nb-facets fieldset input[type="checkbox"]`) {
		if attr(in, "form") != "nb-form" {
			t.Errorf("checkbox %s is not part of the notebook's form", attr(in, "id"))
		}
		label := query(doc, `label[for="`+attr(in, "id")+`"]`)
		if label == nil {
			t.Fatalf("checkbox %s has no label", attr(in, "id"))
		}
		f := nbFacet{count: -1, label: text(query(label, ".nb-label"))}
		if c := query(label, ".nb-count"); c != nil {
			f.count = mxLeading(text(c))
		}
		f.checked = hasAttr(in, "checked")
		out[attr(in, "name")+"="+attr(in, "value")] = f
	}
	for i, a := range queryAll(doc, ".nb-scopes a") {
		f := nbFacet{count: mxLeading(text(query(a, ".nb-count"))), checked: attr(a, "aria-current") == "page"}
		out[[]string{"scope=yours", "scope=all"}[i]] = f
	}
	return out
}

// The notebook lists, essay by essay in the order of the text, the notes
// and replies a reader wrote, each with where it sits, its tags and how
// many replies it has; everything they may see is a choice; others'
// private notes never show.
func TestNotebook(t *testing.T) {
	s := newSeminar(t)
	first := s.app.paragraphWith(t, "two logics").Anchor
	later := s.p.Anchor // "Ties among the nation-states" comes first in the text
	s.ann.post("/read/"+essaySlug+"/notes", url.Values{"anchor": {first}, "body": {"ann on logics"},
		"audience": {"private"}, "tags": {"method"}}, http.StatusSeeOther)
	s.ann.post("/read/"+essaySlug+"/notes", url.Values{"anchor": {later}, "phrase": {"Asia for Asians"},
		"body": {"ann on Asia"}, "audience": {s.groupAudience()}}, http.StatusSeeOther)
	bo := s.bo.note(later, "bo in the group", s.groupAudience(), false)
	s.bo.note(first, "bo's private aside", "private", false)
	s.ann.reply(bo, "ann answers bo")
	s.bo.reply(bo, "bo answers ann")
	s.app.signUp(t, "zed").note(first, "zed in public", "public", false)

	// Hers, by default: her notes and her reply (straight after the note
	// it answers would be, a whole-paragraph note before phrases).
	doc := s.ann.page("/notebook", http.StatusOK)
	checkIDsUnique(t, doc)
	want := []string{"ann answers bo", "ann on Asia", "ann on logics"}
	if got := nbEntries(doc); !slices.Equal(got, want) {
		t.Errorf("ann's notebook = %q, want %q (her own, in reading order)", got, want)
	}
	entries := queryAll(doc, ".notebook-entry")
	where := query(entries[0], ".where")
	if got := text(where); !strings.HasPrefix(got, "Your reply to bo’s note, on paragraph") {
		t.Errorf("her reply's entry says %q", got)
	}
	if href := attr(query(where, "a"), "href"); href != "/notes/"+bo {
		t.Errorf("her reply links to %q, want bo's note", href)
	}
	if text(query(entries[2], "ul.tags")) != "method" || text(query(entries[1], ".audience")) != "Seminar A" {
		t.Errorf("entries lack tags or audience: %q / %q", text(entries[2]), text(entries[1]))
	}
	f := nbFacets(t, doc)
	if f["scope=yours"] != (nbFacet{count: 3, checked: true}) || f["scope=all"] != (nbFacet{count: 5}) {
		t.Errorf("scopes: yours %+v, all %+v; want 3 (current) and 5", f["scope=yours"], f["scope=all"])
	}

	// Everything she may see: others' notes, each with its replies
	// counted; her own reply still an entry; others' replies and bo's
	// private note nowhere.
	all := s.ann.page(attr(queryAll(doc, ".nb-scopes a")[1], "href"), http.StatusOK)
	want = []string{"bo in the group", "ann answers bo", "ann on Asia", "ann on logics", "zed in public"}
	if got := nbEntries(all); !slices.Equal(got, want) {
		t.Errorf("everything ann sees = %q, want %q", got, want)
	}
	if strings.Contains(text(all), "bo's private aside") || strings.Contains(text(all), "bo answers ann") {
		t.Error("the notebook shows bo's private note, or another's reply as an entry")
	}
	if got := text(query(queryAll(all, ".notebook-entry")[0], ".where")); !strings.Contains(got, "2 replies") {
		t.Errorf("bo's note entry says %q, want its two replies counted", got)
	}
	if href := attr(query(queryAll(all, ".notebook-entry")[0], ".where a"), "href"); href != "/read/"+essaySlug+"#"+later {
		t.Errorf("paragraph link %q", href)
	}
	if attr(query(all, `.nb-scopes a[aria-current="page"]`), "href") != "/notebook?show=all" {
		t.Error("the list of everything is not marked as the current one")
	}

	// A tag links to every note she can see with it.
	tagged := s.ann.page(attr(query(entries[2], "ul.tags a"), "href"), http.StatusOK)
	if got := nbEntries(tagged); !slices.Equal(got, []string{"ann on logics"}) {
		t.Errorf("the tag link shows %q", got)
	}
	if !nbFacets(t, tagged)["tag=method"].checked || attr(query(tagged, `input[name="show"]`), "value") != "all" {
		t.Error("the tag link's page does not show the tag chosen, among everything")
	}
	// Search on the same page, never finding another's private note; a
	// query it cannot read keeps the text, with a 422.
	found := s.bo.page("/notebook?show=all&q=logics", http.StatusOK)
	if got := nbEntries(found); len(got) != 0 {
		t.Errorf("bo's search for logics found %q (ann's private note)", got)
	}
	if got := nbEntries(s.ann.page("/notebook?q=logics", http.StatusOK)); !slices.Equal(got, []string{"ann on logics"}) {
		t.Errorf("ann's search for logics found %q", got)
	}
	bad := parsePage(t, s.ann.get("/notebook?q=%22unclosed"), http.StatusUnprocessableEntity)
	if attr(query(bad, "#search-q"), "value") != `"unclosed` || query(bad, "#search-q-error") == nil {
		t.Error("a bad notebook search does not keep the query or name the problem")
	}
	if len(queryAll(bad, ".notebook-entry")) != 0 {
		t.Error("a search that could not run lists notes")
	}

	// The old "only yours" link is now the default.
	if got := nbEntries(s.ann.page("/notebook?mine=1", http.StatusOK)); len(got) != 3 {
		t.Errorf("?mine=1: %d entries, want ann's 3", len(got))
	}
	res := s.app.client(t).get("/notebook")
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("signed out: %d %s, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
	}
}

// nbClass is a class whose notes exercise every facet, with ann as the
// reader. Keys name the notes:
//
//	P1 ann private, method (R2: ann's reply to it)    P2 ann private, method+realism
//	A1 ann to A, realism, a question (bo replies)      A2 ann to A
//	U1 ann public, realism                             D1 ann public on the second essay, realism
//	B1 bo to A, method, a question (R1: ann's reply)   T1 tess (A's teacher) to A, realism
//	X1 bo private, secret                              O1 olga to her group C, realism
//	B2 bo to A, method, a question (R3: ann's reply), then narrowed by bo to "only me"
//
// Several have the word "lighthouse" (P1, A1, U1, B1, X1, O1).
type nbClass struct {
	app                 *testApp
	ann, bo, tess, olga *client
	A, C                int64
	ids                 map[string]string
	body                map[string]string
}

func newNBClass(t *testing.T) *nbClass {
	t.Helper()
	essay, err := content.Essays.ReadFile(essaySlug + ".md")
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(t, withContent(fstest.MapFS{
		essaySlug + ".md": {Data: essay},
		mxDoc2 + ".md":    {Data: []byte(mxDoc2Source)},
	}))
	k := &nbClass{app: app, ann: app.signUp(t, "ann"), bo: app.signUp(t, "bo"), tess: app.signUp(t, "tess"), olga: app.signUp(t, "olga"),
		ids: map[string]string{}, body: map[string]string{}}
	k.A = grpCreate(t, k.tess, "Seminar A")
	code := grpInvite(t, k.tess, k.A)
	grpJoin(t, k.ann, code, k.A)
	grpJoin(t, k.bo, code, k.A)
	k.C = grpCreate(t, k.olga, "Olga's circle")
	A, C := "group:"+strconv.FormatInt(k.A, 10), "group:"+strconv.FormatInt(k.C, 10)
	for _, n := range []struct {
		key, doc string
		para     int
		by       *client
		audience string
		tags     string
		question bool
		words    string
	}{
		{"P1", essaySlug, 0, k.ann, "private", "method", false, "lighthouse"},
		{"P2", essaySlug, 1, k.ann, "private", "method, realism", false, ""},
		{"A1", essaySlug, 2, k.ann, A, "realism", true, "lighthouse"},
		{"A2", essaySlug, 3, k.ann, A, "", false, ""},
		{"U1", essaySlug, 4, k.ann, "public", "realism", false, "lighthouse"},
		{"B1", essaySlug, 5, k.bo, A, "method", true, "lighthouse"},
		{"T1", essaySlug, 6, k.tess, A, "realism", false, ""},
		{"B2", essaySlug, 7, k.bo, A, "method", true, ""},
		{"D1", mxDoc2, 0, k.ann, "public", "realism", false, ""},
		{"X1", essaySlug, 0, k.bo, "private", "secret", false, "lighthouse"},
		{"O1", essaySlug, 1, k.olga, C, "realism", false, "lighthouse"},
	} {
		e, err := app.srv.docs.Doc(n.doc)
		if err != nil {
			t.Fatal(err)
		}
		var anchor string
		for i, b := 0, 0; b < len(e.Current.Blocks); b++ {
			if e.Current.Blocks[b].Kind == "p" {
				if i == n.para {
					anchor = e.Current.Blocks[b].Anchor
					break
				}
				i++
			}
		}
		body := strings.TrimSpace("note " + n.key + " " + n.words)
		v := url.Values{"anchor": {anchor}, "body": {body}, "audience": {n.audience}, "tags": {n.tags}}
		if n.question {
			v.Set("question", "1")
		}
		k.ids[n.key] = n.by.postJSON("/read/"+n.doc+"/notes", v, http.StatusCreated)["id"].(string)
		k.body[n.key] = body
	}
	for _, r := range []struct {
		key, parent string
		by          *client
	}{{"R1", "B1", k.ann}, {"R2", "P1", k.ann}, {"Z1", "A1", k.bo}, {"R3", "B2", k.ann}} {
		body := "reply " + r.key
		k.ids[r.key] = r.by.reply(k.ids[r.parent], body)
		k.body[r.key] = body
	}
	// Bo narrows B2 to himself: ann's reply stays hers, alone.
	k.bo.post("/notes/"+k.ids["B2"]+"/edit", url.Values{"body": {k.body["B2"]}, "audience": {"private"}, "question": {"1"},
		"tags": {"method"}, "version": {"1"}}, http.StatusSeeOther)
	return k
}

// entries are the keys of a notebook page's entries, in order.
func (k *nbClass) entries(doc *html.Node) []string {
	keys := map[string]string{}
	for key, b := range k.body {
		keys[b] = key
	}
	var out []string
	for _, b := range nbEntries(doc) {
		if key, ok := keys[b]; ok {
			out = append(out, key)
		} else {
			out = append(out, "?"+b)
		}
	}
	return out
}

// Each facet narrows the notebook and counts, beside each value, the notes
// it would show with the other facets as chosen; they combine, with the
// scope and with a search; nothing the reader may not see is counted or
// listed (bo's private note, olga's group), and replies follow their
// thread.
func TestNotebookFacets(t *testing.T) {
	k := newNBClass(t)
	A := strconv.FormatInt(k.A, 10)
	type want struct {
		entries []string
		facets  map[string]int // a checkbox or scope's count; -1: not listed
		checked []string
	}
	for _, tc := range []struct {
		name, path string
		want       want
	}{
		{"yours", "/notebook", want{
			entries: []string{"P1", "R2", "P2", "A1", "A2", "U1", "R1", "R3", "D1"},
			facets: map[string]int{"scope=yours": 9, "scope=all": 11, "essay=" + essaySlug: 8, "essay=" + mxDoc2: 1,
				"group=" + A: 3, "tag=method": 4, "tag=realism": 4, "question=1": 2, "private=1": 3,
				"tag=secret": -1, "group=" + strconv.FormatInt(k.C, 10): -1},
			checked: []string{"scope=yours"},
		}},
		{"everything", "/notebook?show=all", want{
			entries: []string{"P1", "R2", "P2", "A1", "A2", "U1", "B1", "R1", "T1", "R3", "D1"},
			facets: map[string]int{"scope=yours": 9, "scope=all": 11, "essay=" + essaySlug: 10, "essay=" + mxDoc2: 1,
				"group=" + A: 5, "tag=method": 5, "tag=realism": 5, "question=1": 3, "private=1": 3,
				"tag=secret": -1, "group=" + strconv.FormatInt(k.C, 10): -1},
			checked: []string{"scope=all"},
		}},
		{"group", "/notebook?group=" + A, want{
			entries: []string{"A1", "A2", "R1"},
			facets: map[string]int{"scope=yours": 3, "scope=all": 5, "essay=" + essaySlug: 3, "essay=" + mxDoc2: -1,
				"group=" + A: 3, "tag=method": 1, "tag=realism": 1, "question=1": 2, "private=1": 0},
			checked: []string{"scope=yours", "group=" + A},
		}},
		{"private", "/notebook?private=1", want{
			entries: []string{"P1", "R2", "P2"},
			facets:  map[string]int{"scope=yours": 3, "scope=all": 3, "private=1": 3, "question=1": 0, "tag=method": 3, "tag=realism": 1, "group=" + A: -1},
			checked: []string{"private=1"},
		}},
		{"questions and a tag, everything", "/notebook?show=all&tag=method&question=1", want{
			entries: []string{"B1", "R1"},
			facets: map[string]int{"scope=yours": 1, "scope=all": 2, "essay=" + essaySlug: 2, "group=" + A: 2,
				"tag=method": 2, "tag=realism": 1, "question=1": 2, "private=1": 0},
			checked: []string{"scope=all", "tag=method", "question=1"},
		}},
		{"two tags are alternatives", "/notebook?tag=method&tag=realism", want{
			entries: []string{"P1", "R2", "P2", "A1", "U1", "R1", "D1"},
			facets:  map[string]int{"scope=yours": 7, "scope=all": 9, "tag=method": 4, "tag=realism": 4},
			checked: []string{"tag=method", "tag=realism"},
		}},
		{"essay and tag", "/notebook?show=all&essay=" + mxDoc2 + "&tag=realism", want{
			entries: []string{"D1"},
			facets:  map[string]int{"essay=" + essaySlug: 4, "essay=" + mxDoc2: 1, "tag=realism": 1, "tag=method": -1, "scope=all": 1},
			checked: []string{"essay=" + mxDoc2, "tag=realism"},
		}},
		{"search and a group", "/notebook?show=all&q=lighthouse&group=" + A, want{
			entries: []string{"A1", "B1"},
			facets: map[string]int{"scope=yours": 1, "scope=all": 2, "group=" + A: 2, "tag=method": 1, "tag=realism": 1,
				"question=1": 2, "private=1": 0, "essay=" + mxDoc2: -1},
			checked: []string{"scope=all", "group=" + A},
		}},
		{"search alone", "/notebook?show=all&q=lighthouse", want{
			entries: []string{"P1", "A1", "U1", "B1"},
			facets:  map[string]int{"scope=all": 4, "group=" + A: 2, "private=1": 1, "tag=secret": -1, "group=" + strconv.FormatInt(k.C, 10): -1},
		}},
		{"a chosen tag with nothing", "/notebook?tag=nothing+here", want{
			entries: nil,
			facets:  map[string]int{"tag=nothing here": 0, "scope=yours": 0, "scope=all": 0},
			checked: []string{"tag=nothing here"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := k.ann.page(tc.path, http.StatusOK)
			checkIDsUnique(t, doc)
			if got := k.entries(doc); !slices.Equal(got, tc.want.entries) {
				t.Errorf("entries %q, want %q", got, tc.want.entries)
			}
			f := nbFacets(t, doc)
			for key, n := range tc.want.facets {
				got, listed := f[key]
				switch {
				case n < 0 && listed:
					t.Errorf("%s listed (count %d), want it absent", key, got.count)
				case n >= 0 && !listed:
					t.Errorf("%s not listed, want count %d", key, n)
				case n >= 0 && got.count != n:
					t.Errorf("%s counts %d, want %d", key, got.count, n)
				}
			}
			scoped := slices.ContainsFunc(tc.want.checked, func(s string) bool { return strings.HasPrefix(s, "scope=") })
			for key, x := range f {
				if strings.HasPrefix(key, "scope=") && !scoped {
					continue
				}
				if want := slices.Contains(tc.want.checked, key); x.checked != want {
					t.Errorf("%s checked %v, want %v", key, x.checked, want)
				}
			}
			if strings.Contains(text(doc), "Olga") || strings.Contains(text(doc), "secret") {
				t.Error("the page names olga's group or bo's private tag")
			}
			if got := text(query(doc, "h2.nb-summary")); !strings.HasPrefix(got, fmt.Sprint(len(tc.want.entries))) && len(tc.want.entries) > 0 {
				t.Errorf("summary %q, want %d notes", got, len(tc.want.entries))
			}
			// The form keeps the scope and the search; the scope links
			// keep the facets and the search.
			u, _ := url.Parse(tc.path)
			if u.Query().Get("show") == "all" && attr(query(doc, `#nb-form input[name="show"]`), "value") != "all" {
				t.Error("the form drops show=all")
			}
			if q := u.Query().Get("q"); attr(query(doc, "#search-q"), "value") != q {
				t.Errorf("the search box holds %q, want %q", attr(query(doc, "#search-q"), "value"), q)
			}
			for _, a := range queryAll(doc, ".nb-scopes a") {
				su, _ := url.Parse(attr(a, "href"))
				for _, p := range []string{"q", "essay", "group", "tag", "question", "private"} {
					if !slices.Equal(su.Query()[p], u.Query()[p]) {
						t.Errorf("scope link %s drops %s=%q", su, p, u.Query()[p])
					}
				}
			}
		})
	}
	// Ann's reply in the thread bo narrowed away from her: hers, alone,
	// and filed with nothing of the thread she can no longer see: not
	// its group, tag or question, and not private (bo sees it too).
	doc := k.ann.page("/notebook?show=all&q=R3", http.StatusOK)
	if got := text(query(doc, ".notebook-entry .where")); !strings.HasPrefix(got, "Your reply to a thread no longer open to you, on paragraph") ||
		query(doc, ".notebook-entry .note-closed") == nil {
		t.Errorf("ann's reply in a closed thread says %q", got)
	}
	if f := nbFacets(t, doc); f["scope=all"].count != 1 || len(f) != 5 || f["question=1"].count != 0 || f["private=1"].count != 0 {
		t.Errorf("ann's reply in a closed thread is filed under %+v; want only its essay", f)
	}
	// Bo's own: his reply to ann's question is his, and a question's.
	bo := k.bo.page("/notebook", http.StatusOK)
	if got := k.entries(bo); !slices.Equal(got, []string{"X1", "Z1", "B1", "B2"}) {
		t.Errorf("bo's own: %q", got)
	}
	if f := nbFacets(t, bo); f["question=1"].count != 3 || f["private=1"].count != 2 || f["tag=realism"].count != 1 || f["scope=all"].count != 9 {
		t.Errorf("bo's facets: %+v", f)
	}
}

// The notebook pages through its entries 20 at a time with every choice
// kept: the pager's links keep the facets and search, the next page shows
// them chosen, and the pages together list each entry once.
func TestNotebookPagesKeepFacets(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0).Anchor
	for i := range 27 {
		tags := "many"
		if i%9 == 0 {
			tags = "other"
		}
		ann.postJSON("/read/"+essaySlug+"/notes", url.Values{"anchor": {p}, "body": {fmt.Sprintf("word%d lighthouse", i)},
			"audience": {"private"}, "tags": {tags}}, http.StatusCreated)
	}
	start := "/notebook?q=lighthouse&tag=many&private=1"
	seen := map[string]bool{}
	path := start
	for page := 1; path != ""; page++ {
		doc := ann.page(path, http.StatusOK)
		f := nbFacets(t, doc)
		if !f["tag=many"].checked || !f["private=1"].checked || attr(query(doc, "#search-q"), "value") != "lighthouse" {
			t.Errorf("page %d (%s) does not keep its choices: %+v", page, path, f)
		}
		if f["tag=many"].count != 24 || f["scope=yours"].count != 24 {
			t.Errorf("page %d counts %d, %d; want 24", page, f["tag=many"].count, f["scope=yours"].count)
		}
		for _, b := range nbEntries(doc) {
			if seen[b] {
				t.Errorf("%q on two pages", b)
			}
			seen[b] = true
		}
		if page == 1 && len(nbEntries(doc)) != listThreads {
			t.Errorf("the first page shows %d, want %d", len(nbEntries(doc)), listThreads)
		}
		next := attr(query(doc, ".pager a[rel=next]"), "href")
		if page == 2 {
			prev := attr(query(doc, ".pager a[rel=prev]"), "href")
			pu, _ := url.Parse(prev)
			if pu.Query().Get("tag") != "many" || pu.Query().Get("q") != "lighthouse" || pu.Query().Get("private") != "1" {
				t.Errorf("previous page link %q drops the choices", prev)
			}
			if text(query(doc, ".meta")) != "Notes 21 to 24 of 24." {
				t.Errorf("page 2 says %q", text(query(doc, ".meta")))
			}
		}
		if page > 3 {
			t.Fatal("more pages than notes")
		}
		path = next
	}
	if len(seen) != 24 {
		t.Errorf("the pages list %d notes, want the 24 tagged many", len(seen))
	}
	// Past the end: a way back to the first page, with the choices.
	doc := ann.page(start+"&from=400", http.StatusOK)
	if href := attr(query(doc, `a[href*="tag=many"]`), "href"); !strings.Contains(text(doc), "Back to the first page") || href == "" {
		t.Error("a page past the end does not lead back to the first with the choices")
	}
}

// A choice that names nothing, or too many choices, is a 400 that says
// which; the search box's bad query a 422 with the choices kept.
func TestNotebookBadChoices(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	many := strings.Repeat("&tag=t", store.MaxNotebookChoices+1)
	for _, tc := range []struct{ path, says string }{
		{"/notebook?essay=no-such-essay", `no essay "no-such-essay"`},
		{"/notebook?group=seminar", `"seminar" is not one`},
		{"/notebook?group=0", `"0" is not one`},
		{"/notebook?tag=" + strings.Repeat("x", 41), "tag"},
		{"/notebook?show=everything", `show must be "all"`},
		{"/notebook?question=yes", "question must be 1"},
		{"/notebook?private=on", "private must be 1"},
		{"/notebook?from=-1", "from must be"},
		{"/notebook?x=1" + many, "at most 20"},
	} {
		doc := parsePage(t, ann.get(tc.path), http.StatusBadRequest)
		if got := text(query(doc, "main")); !strings.Contains(got, tc.says) {
			t.Errorf("%s: the page says %q, want %q", tc.path, truncate(got, 200), tc.says)
		}
	}
	doc := parsePage(t, ann.get("/notebook?show=all&tag=method&q=%22open"), http.StatusUnprocessableEntity)
	if !nbFacets(t, doc)["tag=method"].checked || attr(query(doc, `#nb-form input[name="show"]`), "value") != "all" {
		t.Error("a bad search loses the choices beside it")
	}
	if nbFacets(t, doc)["tag=method"].count != -1 {
		t.Error("a search that could not run shows counts")
	}
}

// In a browser without JavaScript, as a reader with a keyboard: tick a
// facet with Space, press the form's button, and the notebook shows the
// notes chosen, the facet still ticked and the search kept; at 390 px
// nothing scrolls sideways. Screenshots of both widths.
func TestNotebookInBrowser(t *testing.T) {
	chromiumPath(t)
	k := newNBClass(t)
	dir := screenshotDir(t)
	for _, tc := range []struct {
		name          string
		width, height int
		opts          []browserOption
	}{
		{"1280", 1280, 900, nil},
		{"390", 390, 844, []browserOption{asPhone()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, k.app, append(tc.opts, withViewport(tc.width, tc.height), withoutJavaScript())...)
			b.signInAs(k.ann)
			b.navigate("/notebook?show=all&q=lighthouse")
			b.do(chromedp.Focus(chromedp.CSS(`input[name="tag"][value="method"]`)))
			b.key(" ")
			b.clickAndWait(`.nb-apply button`)
			u, err := url.Parse(b.location())
			if err != nil {
				t.Fatal(err)
			}
			if q := u.Query(); q.Get("tag") != "method" || q.Get("q") != "lighthouse" || q.Get("show") != "all" {
				t.Errorf("the form went to %s, want the tag, the search and the scope", u.RequestURI())
			}
			if got := eval[[]string](b, `[...document.querySelectorAll(".notebook-entry .note-body")].map(e => e.textContent.trim())`); !slices.Equal(got, []string{k.body["P1"], k.body["B1"]}) {
				t.Errorf("the notebook shows %q, want P1 and B1", got)
			}
			if !eval[bool](b, `document.querySelector('input[name="tag"][value="method"]').checked`) {
				t.Error("the tag is not ticked on the page it chose")
			}
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > tc.width {
				t.Errorf("the notebook is %d px wide in a %d px window", w, tc.width)
			}
			if tc.width == 1280 {
				// Beside the list, not above it.
				side := eval[[]float64](b, `[document.querySelector(".nb-facets").getBoundingClientRect().right, document.querySelector(".nb-results").getBoundingClientRect().left]`)
				if side[0] > side[1] {
					t.Errorf("the facets (right edge %.0f) are not beside the list (left edge %.0f)", side[0], side[1])
				}
			}
			saveScreenshot(t, dir, "notebook-"+tc.name+".png", run(b, chromedp.CaptureScreenshot()))
			saveScreenshot(t, dir, "notebook-"+tc.name+"-full.png", run(b, chromedp.FullScreenshot(100)))
			b.navigate("/notebook")
			saveScreenshot(t, dir, "notebook-"+tc.name+"-yours.png", run(b, chromedp.FullScreenshot(100)))
		})
	}
}
