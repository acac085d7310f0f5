package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseSearch(t *testing.T) {
	word := func(v string) SearchTerm { return SearchTerm{Value: v} }
	tests := []struct {
		in   string
		want []SearchTerm
	}{
		{"realism", []SearchTerm{word("realism")}},
		{"  two   words ", []SearchTerm{word("two"), word("words")}},
		{`"balance of  power"`, []SearchTerm{{Value: "balance of power", Phrase: true}}},
		{`-china -"hub and spoke"`, []SearchTerm{{Value: "china", Negated: true}, {Value: "hub and spoke", Phrase: true, Negated: true}}},
		{`tag:Realism tag:"East  Asia"`, []SearchTerm{{Field: FieldTag, Value: "realism"}, {Field: FieldTag, Value: "east asia", Phrase: true}}},
		{"user:Ann group:7 group:seminar doc:essay", []SearchTerm{
			{Field: FieldUser, Value: "Ann"}, {Field: FieldGroup, Value: "7"},
			{Field: FieldGroup, Value: "seminar"}, {Field: FieldDoc, Value: "essay"}}},
		{`quote:alliance -quote:"two logics"`, []SearchTerm{
			{Field: FieldQuote, Value: "alliance"}, {Field: FieldQuote, Value: "two logics", Phrase: true, Negated: true}}},
		{"TAG:x -User:bob", []SearchTerm{{Field: FieldTag, Value: "x"}, {Field: FieldUser, Value: "bob", Negated: true}}},
		// Unknown filters are text; so are times and abbreviations.
		{"foo:bar 10:30 e.g.", []SearchTerm{word("foo:bar"), word("10:30"), word("e.g.")}},
		// A quote starts a phrase wherever it is.
		{`word"a phrase"`, []SearchTerm{word("word"), {Value: "a phrase", Phrase: true}}},
		// Punctuation alone is left out.
		{"cold - war — !", []SearchTerm{word("cold"), word("war")}},
		{"café", []SearchTerm{word("café")}},
	}
	for _, tt := range tests {
		q, err := ParseSearch(tt.in)
		if err != nil {
			t.Errorf("ParseSearch(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(q.Terms, tt.want) {
			t.Errorf("ParseSearch(%q) =\n %+v\nwant\n %+v", tt.in, q.Terms, tt.want)
		}
		again, err := ParseSearch(q.String())
		if err != nil || !reflect.DeepEqual(again.Terms, q.Terms) {
			t.Errorf("ParseSearch(%q).String() = %q, which reads back as %+v, %v", tt.in, q.String(), again.Terms, err)
		}
	}

	bad := []struct{ in, says string }{
		{"", "empty"},
		{"   ", "empty"},
		{"- — !!", "no words"},
		{`"open phrase`, "closing double quote"},
		{`fine "open`, `"open`},
		{"tag:", "tag: needs a value"},
		{`user:""`, "user: needs a value"},
		{"quote:--", "no words"},
		{"tag:a<b", "tags hold"},
		{strings.Repeat("x", 501), "501 characters; at most 500"},
		{strings.Repeat("w ", 21), "more than 20"},
		{`"` + strings.Repeat("a ", 33) + `"`, "33 words to look for (each word of a phrase counts); at most 32"},
		{`-"` + strings.Repeat("a ", 20) + `" quote:"` + strings.Repeat("a ", 13) + `"`, "33 words"},
		{"bad \xff utf8", "UTF-8"},
	}
	for _, b := range bad {
		_, err := ParseSearch(b.in)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), b.says) {
			t.Errorf("ParseSearch(%q) = %v, want ErrInvalid saying %q", truncateForLog(b.in), err, b.says)
		}
	}
	if _, err := ParseSearch(strings.Repeat("é", 500)); err != nil {
		t.Errorf("500 characters (1,000 bytes): %v", err)
	}
	if _, err := ParseSearch(strings.Repeat("w ", 20)); err != nil {
		t.Errorf("20 terms: %v", err)
	}
	if _, err := ParseSearch(`"` + strings.Repeat("a ", 30) + `" b tag:c user:d`); err != nil {
		t.Errorf("32 words and two filters: %v", err)
	}
}

func truncateForLog(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"realism", `"a b" -c tag:x`, `quote:"two logics" user:ann`, `-"`, "tag:\"\"", "a\"b\"c", "NEAR(a b) OR c*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseSearch(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseSearch(%q): %v is not ErrInvalid", s, err)
			}
			return
		}
		if len(q.Terms) == 0 || len(q.Terms) > MaxSearchTerms {
			t.Fatalf("ParseSearch(%q): %d terms", s, len(q.Terms))
		}
		again, err := ParseSearch(q.String())
		if err != nil || !reflect.DeepEqual(again.Terms, q.Terms) {
			t.Fatalf("ParseSearch(%q) = %+v; String() %q reads back as %+v, %v", s, q.Terms, q.String(), again.Terms, err)
		}
		for _, term := range q.Terms {
			if p := ftsPhrase(term.Value); strings.Count(p, `"`) != 2 || strings.ContainsAny(p, "*^") {
				t.Fatalf("ftsPhrase(%q) = %q", term.Value, p)
			}
		}
	})
}

// search runs a query as v and returns the bodies found, in order.
func search(t testing.TB, db *DB, v Viewer, query string) []string {
	t.Helper()
	res := searchFull(t, db, v, query)
	var bodies []string
	for _, r := range res.Results {
		bodies = append(bodies, r.Note.Body)
	}
	return bodies
}

func searchFull(t testing.TB, db *DB, v Viewer, query string) SearchResults {
	t.Helper()
	q, err := ParseSearch(query)
	if err != nil {
		t.Fatalf("ParseSearch(%q): %v", query, err)
	}
	q.Limit = MaxSearchLimit
	res, err := db.Search(context.Background(), v, q)
	if err != nil {
		t.Fatalf("Search(%q): %v", query, err)
	}
	if res.Total != len(res.Results) {
		t.Errorf("Search(%q): total %d, %d results", query, res.Total, len(res.Results))
	}
	return res
}

func TestSearchRanking(t *testing.T) {
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	mustPublish(t, db, pub("essay", "Alliances in Asia are many.", "The second paragraph."))
	doc := mustDocument(t, db, "essay")
	long := "alliance " + strings.Repeat("and many other words about something else entirely ", 6)
	add := func(body string, tags ...string) {
		t.Helper()
		if _, err := db.CreateNote(context.Background(), NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public,
			Body: body, Tags: tags, Target: quote(doc.Current, 1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	add(long)
	add("an alliance")
	add("alliance, alliance, alliance")
	add("nothing to see")
	add("about something", "alliance")
	add("twin alliance one")
	add("twin alliance two") // the same length and hits as "one", and newer

	got := search(t, db, Viewer{}, "alliance")
	want := []string{
		"about something",              // the word as a tag weighs most
		"alliance, alliance, alliance", // three hits in a short body
		"an alliance",                  // one hit in two words
		"twin alliance two",            // one hit in three words; a tie: newest first
		"twin alliance one",
		long, // one hit in a long body
	}
	if !slices.Equal(got, want) {
		t.Errorf("ranking:\n got %q\nwant %q", got, want)
	}
	res := searchFull(t, db, Viewer{}, "alliance")
	for i := 1; i < len(res.Results); i++ {
		if res.Results[i].Rank > res.Results[i-1].Rank {
			t.Errorf("rank %d (%v) above rank %d (%v)", i, res.Results[i].Rank, i-1, res.Results[i-1].Rank)
		}
	}
	if res.Results[len(res.Results)-1].Rank <= 0 {
		t.Errorf("a match ranks %v, want > 0", res.Results[len(res.Results)-1].Rank)
	}

	// Filters alone: newest first, rank 0.
	res = searchFull(t, db, Viewer{}, "user:ann")
	if len(res.Results) != 7 || res.Results[0].Note.Body != "twin alliance two" || res.Results[6].Note.Body != long {
		t.Errorf("user:ann lists %d, first %q, want 7 newest first", len(res.Results), res.Results[0].Note.Body)
	}
	if res.Results[0].Rank != 0 {
		t.Errorf("filter-only rank %v, want 0", res.Results[0].Rank)
	}

	// Pages: the same order, cut.
	q, _ := ParseSearch("alliance")
	q.Limit, q.Offset = 2, 2
	page, err := db.Search(context.Background(), Viewer{}, q)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 6 || len(page.Results) != 2 || page.Results[0].Note.Body != want[2] || page.Results[1].Note.Body != want[3] {
		t.Errorf("page 2 of 2: total %d, %d results", page.Total, len(page.Results))
	}
	q.Offset = 10
	if page, err = db.Search(context.Background(), Viewer{}, q); err != nil || page.Total != 6 || len(page.Results) != 0 {
		t.Errorf("past the end: %+v, %v", page, err)
	}
	for _, lim := range [][2]int{{-1, 0}, {MaxSearchLimit + 1, 0}, {10, -1}} {
		q.Limit, q.Offset = lim[0], lim[1]
		if _, err := db.Search(context.Background(), Viewer{}, q); !errors.Is(err, ErrInvalid) {
			t.Errorf("limit %d offset %d: %v, want ErrInvalid", lim[0], lim[1], err)
		}
	}
	if _, err := db.Search(context.Background(), Viewer{}, SearchQuery{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty query: %v, want ErrInvalid", err)
	}
}

// filterFixture: ann and bob in a group "Seminar A", on two documents,
// with tags.
type filterFixture struct {
	db       *DB
	ann, bob User
	g        Group
	d1, d2   Document
}

func newFilterFixture(t *testing.T) filterFixture {
	t.Helper()
	ctx := context.Background()
	db := openTestDB(t)
	f := filterFixture{db: db, ann: mustUser(t, db, "ann"), bob: mustUser(t, db, "Bob")}
	mustPublish(t, db, pub("essay", "Two logics of alliance in Asia.", "Hub and spoke, said the author."))
	mustPublish(t, db, pub("other", "Another essay on power.", "Its balance of power paragraph."))
	f.d1, f.d2 = mustDocument(t, db, "essay"), mustDocument(t, db, "other")
	f.g = mustGroup(t, db, f.ann, "Seminar A")
	mustJoin(t, db, f.bob, f.g)
	add := func(by User, d Document, a Audience, body string, target Original, tags ...string) {
		t.Helper()
		n := NewNote{DocumentID: d.ID, AuthorID: by.ID, Audience: a, Body: body, Tags: tags, Target: target}
		if a == Members {
			n.GroupID = f.g.ID
		}
		if _, err := db.CreateNote(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	add(f.ann, f.d1, Public, "n1 realism and power", quote(f.d1.Current, 0, 0, 10), "realism", "east asia")
	add(f.ann, f.d1, Members, "n2 power in the group", quote(f.d1.Current, 1, 0, 13), "realism")
	add(f.bob, f.d1, Public, "n3 liberal power", quote(f.d1.Current, 0, 14, 22), "liberalism")
	add(f.bob, f.d2, Members, "n4 balance of power", quote(f.d2.Current, 1, 4, 20), "realism", "liberalism")
	add(f.ann, f.d2, Public, "n5 power balance, reversed", quote(f.d2.Current, 0, 0, 0))
	return f
}

func TestSearchFilters(t *testing.T) {
	f := newFilterFixture(t)
	ann := vw(f.ann)
	gid := fmt.Sprint(f.g.ID)
	tests := []struct {
		q    string
		want []string // note numbers, any order
	}{
		{"power", []string{"n1", "n2", "n3", "n4", "n5"}},
		{"power realism", []string{"n1", "n2", "n4"}}, // realism is in n1's body and in tags
		{`"balance of power"`, []string{"n4"}},
		{`"power balance"`, []string{"n5"}},
		{"balance power", []string{"n4", "n5"}},
		{"power -balance", []string{"n1", "n2", "n3"}},
		{`power -"balance of power"`, []string{"n1", "n2", "n3", "n5"}},
		{"tag:realism", []string{"n1", "n2", "n4"}},
		{"tag:Realism tag:liberalism", []string{"n4"}}, // every tag
		{`tag:"east asia"`, []string{"n1"}},
		{"tag:east", nil}, // tags match exactly
		{"-tag:realism power", []string{"n3", "n5"}},
		{"user:bob", []string{"n3", "n4"}},
		{"user:BOB power", []string{"n3", "n4"}},
		{"user:ann user:bob", []string{"n1", "n2", "n3", "n4", "n5"}}, // any of the authors
		{"-user:ann", []string{"n3", "n4"}},
		{"user:nobody", nil},
		{"group:" + gid, []string{"n2", "n4"}},
		{`group:"seminar a"`, []string{"n2", "n4"}},
		{"-group:" + gid + " power", []string{"n1", "n3", "n5"}},
		{"group:999", nil},
		{"doc:other", []string{"n4", "n5"}},
		{"doc:essay doc:other tag:liberalism", []string{"n3", "n4"}},
		{"-doc:essay", []string{"n4", "n5"}},
		{"quote:logics", []string{"n1"}}, // n1 sits on "Two logics"
		{"quote:alliance", []string{"n3"}},
		{`quote:"of power"`, []string{"n4"}},
		{`quote:"power of"`, nil},
		{"quote:power", []string{"n4"}}, // not n1..n3, whose bodies say power
		{"-quote:logics power", []string{"n2", "n3", "n4", "n5"}},
		{"logics", []string{"n1"}},           // bare words look in quotes too
		{"liberalism", []string{"n3", "n4"}}, // and in tags
		{"power user:ann tag:realism doc:essay -quote:hub", []string{"n1"}},
		{"-power", nil},
		{"-n1 -n2 -n3 doc:essay", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, b := range search(t, f.db, ann, tt.q) {
			got = append(got, strings.Fields(b)[0])
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.q, got, tt.want)
		}
	}
}

// What a person types is never FTS syntax: operators, prefixes, column
// filters and quotes are words, and nothing reaches the SQL.
func TestSearchInputIsInert(t *testing.T) {
	f := newFilterFixture(t)
	ann := vw(f.ann)
	for q, want := range map[string]int{
		// As operators these would find 4, 4, 1 and 1 notes; as words,
		// none (no note has "or", "not", "and" with "liberal", "near").
		"realism OR liberal":             0,
		"power NOT liberal":              0,
		"liberal AND power":              0,
		"NEAR(realism power)":            0,
		"real*":                          0, // no prefix search
		"^realism":                       3, // "realism": n1's body, and n1, n2, n4's tags
		"body:realism":                   0, // the phrase "body realism", not a column filter
		"tags:liberalism":                0,
		`'; DROP TABLE notes; --`:        0,
		`power' OR '1'='1`:               0,
		"realism\x00":                    3,
		"\x02realism\x03":                3,
		`quote:"logics*"`:                1,
		"-\"\" power":                    5, // an empty negated phrase excludes nothing
		"power -realism* -NEAR(liberal)": 2, // n3 and n5
	} {
		parsed, err := ParseSearch(q)
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		parsed.Limit = MaxSearchLimit
		res, err := f.db.Search(context.Background(), ann, parsed)
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		if res.Total != want {
			t.Errorf("%q: %d results, want %d", q, res.Total, want)
		}
	}
	if n, err := f.db.CountNotes(context.Background(), ann, f.d1.ID); err != nil || n != 3 {
		t.Errorf("notes still there: %d, %v", n, err)
	}
}

func TestSearchSnippets(t *testing.T) {
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	mustPublish(t, db, pub("essay", "The café society of the alliance met daily.", "Other."))
	doc := mustDocument(t, db, "essay")
	long := strings.Repeat("filler words go here ", 20) + "the needle is found here " + strings.Repeat("and more words follow ", 20)
	n := mustNote(t, db, ann, doc, Public, "<script>alert(1)</script> Realism, said the cafe owner.", quote(doc.Current, 0, 4, 16))
	mustNote(t, db, ann, doc, Public, long, quote(doc.Current, 1, 0, 0))
	mustNote(t, db, ann, doc, Public, "a stray \x02sentinel\x03 in a body", quote(doc.Current, 1, 0, 0))

	res := searchFull(t, db, Viewer{}, "cafe realism")
	if len(res.Results) != 1 || res.Results[0].Note.ID != n.ID {
		t.Fatalf("cafe realism: %+v", res.Results)
	}
	r := res.Results[0]
	if want := "<script>alert(1)</script> \x02Realism\x03, said the \x02cafe\x03 owner."; r.BodySnippet != want {
		t.Errorf("body snippet %q, want %q", r.BodySnippet, want)
	}
	// The quote is "café society": the accent-blind match is marked as written.
	if want := "\x02café\x03 society"; r.QuoteSnippet != want {
		t.Errorf("quote snippet %q, want %q", r.QuoteSnippet, want)
	}

	// A long body: a window around the match, with ellipses.
	r = searchFull(t, db, Viewer{}, "needle").Results[0]
	if !strings.Contains(r.BodySnippet, "\x02needle\x03") || !strings.HasPrefix(r.BodySnippet, "…") ||
		!strings.HasSuffix(r.BodySnippet, "…") || len(r.BodySnippet) > len(long)/2 {
		t.Errorf("long body snippet %q", r.BodySnippet)
	}
	if r.QuoteSnippet != "" {
		t.Errorf("whole-paragraph note: quote snippet %q, want empty", r.QuoteSnippet)
	}

	// Sentinels typed into a body are not marks.
	r = searchFull(t, db, Viewer{}, "stray").Results[0]
	if strings.Count(r.BodySnippet, MarkStart) != 1 || !strings.Contains(r.BodySnippet, "\x02stray\x03") {
		t.Errorf("snippet with typed sentinels: %q", r.BodySnippet)
	}

	// Filters alone: the beginning of the body and the quote, unmarked.
	res = searchFull(t, db, Viewer{}, "user:ann")
	for _, r := range res.Results {
		if strings.Contains(r.BodySnippet+r.QuoteSnippet, MarkStart) {
			t.Errorf("filter-only snippet marked: %q %q", r.BodySnippet, r.QuoteSnippet)
		}
		if r.Note.ID == n.ID && (r.BodySnippet != n.Body || r.QuoteSnippet != "café society") {
			t.Errorf("filter-only snippets %q, %q", r.BodySnippet, r.QuoteSnippet)
		}
		if r.Note.Body == long && (!strings.HasSuffix(r.BodySnippet, "…") || len(strings.Fields(r.BodySnippet)) != 30) {
			t.Errorf("filter-only snippet of a long body: %q", r.BodySnippet)
		}
	}
}

// The index follows every write, in the write's own transaction: create,
// edit, tags, re-targeting, publishing, deleting.
func TestSearchFollowsWrites(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	r1 := mustPublish(t, db, pub("essay", "Alpha beta gamma.", "Delta epsilon zeta.", "Eta theta."))
	doc := mustDocument(t, db, "essay")
	v := vw(ann)
	found := func(q string) []string {
		t.Helper()
		var ids []string
		for _, r := range searchFull(t, db, v, q).Results {
			ids = append(ids, r.Note.ID)
		}
		return ids
	}
	only := func(q string, id string) {
		t.Helper()
		if got := found(q); !slices.Equal(got, []string{id}) {
			t.Errorf("%s: found %q, want only %q", q, got, id)
		}
	}
	none := func(q string) {
		t.Helper()
		if got := found(q); len(got) != 0 {
			t.Errorf("%s: found %q, want nothing", q, got)
		}
	}

	n, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Private,
		Body: "first words", Tags: []string{"oldtag"}, Target: quote(r1, 0, 6, 10)})
	if err != nil {
		t.Fatal(err)
	}
	only("first", n.ID)
	only("tag:oldtag", n.ID)
	only("oldtag", n.ID)
	only("quote:beta", n.ID)

	// Body and tags.
	if _, err := db.UpdateNote(ctx, ann.ID, n.ID, 0, NoteUpdate{Body: "second words", Audience: Private,
		Tags: []string{"newtag", "other tag"}}); err != nil {
		t.Fatal(err)
	}
	none("first")
	none("oldtag")
	none("tag:oldtag")
	only("second", n.ID)
	only("newtag", n.ID)
	only(`tag:"other tag"`, n.ID)
	only("quote:beta", n.ID) // no new target: the same quote

	// An edit that leaves the tags alone keeps them indexed.
	if _, err := db.UpdateNote(ctx, ann.ID, n.ID, 0, NoteUpdate{Body: "third words", Audience: Private}); err != nil {
		t.Fatal(err)
	}
	only("newtag", n.ID)

	// Taking every tag off.
	if _, err := db.UpdateNote(ctx, ann.ID, n.ID, 0, NoteUpdate{Body: "third words", Audience: Private, Tags: []string{}}); err != nil {
		t.Fatal(err)
	}
	none("newtag")
	none(`tag:"other tag"`)

	// Re-targeting changes the quote.
	newTarget := quote(r1, 1, 6, 13) // "epsilon"
	if _, err := db.UpdateNote(ctx, ann.ID, n.ID, 0, NoteUpdate{Body: "third words", Audience: Private, Target: &newTarget}); err != nil {
		t.Fatal(err)
	}
	none("quote:beta")
	none("beta")
	only("quote:epsilon", n.ID)

	// A reply takes its parent's quote, and follows it.
	reply, err := db.CreateNote(ctx, NewNote{AuthorID: ann.ID, ParentID: n.ID, Body: "a reply"})
	if err != nil {
		t.Fatal(err)
	}
	if got := found("quote:epsilon"); len(got) != 2 || !slices.Contains(got, reply.ID) {
		t.Errorf("quote:epsilon: %q, want the note and its reply", got)
	}

	// A publish moves the note onto changed words (fuzzy): the index has
	// the words it sits on now.
	p2 := pub("essay", "Alpha beta gamma.", "Delta epsilom zeta.", "Eta theta.")
	p2.Retarget = func(orig Original, cur Current) Current {
		return Current{Target: Target{Anchor: p2.Blocks[1].Anchor, Start: 6, End: 13, Exact: "epsilom",
			Prefix: "Delta ", Suffix: " zeta."}, Status: StatusFuzzy, Score: 0.85}
	}
	mustPublish(t, db, p2)
	none("quote:epsilon")
	if got := found("quote:epsilom"); len(got) != 2 {
		t.Errorf("quote:epsilom after the publish: %q, want the note and its reply", got)
	}

	// Deleting takes the thread out of the index: the tombstones' rows are
	// empty, not merely hidden by the visibility rule.
	if err := db.DeleteNote(ctx, ann.ID, n.ID, 0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"third", "reply", "quote:epsilom", "newtag", "tag:newtag", "user:ann"} {
		none(q)
	}
	var indexed int
	if err := db.sql.QueryRowContext(ctx, `
		SELECT count(*) FROM notes_fts f JOIN note_search s ON s.docid = f.docid
		WHERE s.note_id IN (?, ?) AND (f.body <> '' OR f.quote <> '' OR f.tags <> '')`, n.ID, reply.ID).Scan(&indexed); err != nil {
		t.Fatal(err)
	}
	if indexed != 0 {
		t.Errorf("%d deleted notes still have words in the index", indexed)
	}

	// A note removed outright (its document deleted) leaves no index row.
	m := mustNote(t, db, ann, doc, Public, "gone for good", quote(r1, 2, 0, 0))
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM notes WHERE id = ?`, m.ID); err != nil {
		t.Fatal(err)
	}
	var rows, mapped, notes int
	db.sql.QueryRowContext(ctx, `SELECT count(*) FROM notes_fts`).Scan(&rows)
	db.sql.QueryRowContext(ctx, `SELECT count(*) FROM note_search`).Scan(&mapped)
	db.sql.QueryRowContext(ctx, `SELECT count(*) FROM notes`).Scan(&notes)
	if rows != notes || mapped != notes {
		t.Errorf("%d index rows, %d mapped, for %d notes", rows, mapped, notes)
	}
}

// A write that fails leaves the index as it was: it is written in the
// write's transaction.
func TestSearchIndexRollsBackWithTheWrite(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	r1 := mustPublish(t, db, pub("essay", "Alpha beta gamma."))
	doc := mustDocument(t, db, "essay")
	n := mustNote(t, db, ann, doc, Private, "kept words", quote(r1, 0, 0, 0))
	// A write that changes the body (and so the index, by trigger) and
	// is then rolled back.
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notes SET body = 'lost words' WHERE id = ?`, n.ID); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if got := search(t, db, vw(ann), "kept"); len(got) != 1 {
		t.Errorf("kept: %q", got)
	}
	if got := search(t, db, vw(ann), "lost"); len(got) != 0 {
		t.Errorf("lost: %q", got)
	}
}

// Notes written before the search migration are indexed by it.
func TestSearchMigrationIndexesExistingNotes(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	r1 := mustPublish(t, db, pub("essay", "Alpha beta gamma."))
	doc := mustDocument(t, db, "essay")
	n := mustNote(t, db, ann, doc, Public, "existing words", quote(r1, 0, 6, 10))
	if _, err := db.UpdateNote(ctx, ann.ID, n.ID, 0, NoteUpdate{Body: "existing words", Audience: Public, Tags: []string{"older"}}); err != nil {
		t.Fatal(err)
	}
	gone := mustNote(t, db, ann, doc, Public, "deleted words", quote(r1, 0, 0, 0))
	if err := db.DeleteNote(ctx, ann.ID, gone.ID, 0); err != nil {
		t.Fatal(err)
	}
	// Undo the migration, as if the database predated it, and run it again.
	ms, err := migrations(sqlite)
	if err != nil {
		t.Fatal(err)
	}
	var m5 migration
	for _, m := range ms {
		if m.name == "0005_search.sql" {
			m5 = m
		}
	}
	if m5.sql == "" {
		t.Fatal("no 0005_search.sql")
	}
	for _, stmt := range []string{
		`DROP TRIGGER notes_fts_insert`, `DROP TRIGGER notes_fts_update`, `DROP TRIGGER notes_fts_delete`,
		`DROP TRIGGER notes_fts_tag_insert`, `DROP TRIGGER notes_fts_tag_delete`,
		`DROP TABLE notes_fts`, `DROP TABLE note_search`, `DELETE FROM schema_migrations WHERE version = 5`,
	} {
		if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := applyMigration(ctx, db.sql, m5); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"existing": 1, "older": 1, "tag:older": 1, "quote:beta": 1, "deleted": 0} {
		if got := search(t, db, vw(ann), q); len(got) != want {
			t.Errorf("%s after migrating: %q, want %d", q, got, want)
		}
	}
	var empty int
	db.sql.QueryRowContext(ctx, `SELECT count(*) FROM notes_fts f JOIN note_search s ON s.docid = f.docid
		WHERE s.note_id = ? AND f.body = '' AND f.quote = '' AND f.tags = ''`, gone.ID).Scan(&empty)
	if empty != 1 {
		t.Errorf("the deleted note's index row: %d empty rows, want 1", empty)
	}
}

// No search ever finds a note its searcher may not see. Each note carries
// a unique marker word; every viewer searches for every marker, and finds
// the note exactly when the store lets them read it (Note), which
// store/visibility_test.go checks against its own table.
func TestSearchPrivacy(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	h := mustGroup(t, db, s.outsider, "Otto's own")
	if err := db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d2.ID, true); err != nil {
		t.Fatal(err)
	}
	type fixtureNote struct {
		key, marker string
		note        Note
	}
	var notes []*fixtureNote
	add := func(key string, n NewNote) Note {
		t.Helper()
		fn := &fixtureNote{key: key, marker: fmt.Sprintf("zq%02dmarkerqz", len(notes))}
		n.Body = fn.marker + " " + key
		n.Tags = nil
		if n.ParentID == "" {
			n.Tags = []string{fn.marker + "tag"}
		}
		fn.note = s.create(t, n)
		notes = append(notes, fn)
		return fn.note
	}
	top := func(author User, d Document, a Audience, g int64) NewNote {
		return NewNote{DocumentID: d.ID, AuthorID: author.ID, Audience: a, GroupID: g}
	}
	reply := func(author User, parent Note) NewNote { return NewNote{AuthorID: author.ID, ParentID: parent.ID} }

	private := add("private", top(s.author, s.d1, Private, 0))
	add("reply in a private thread", reply(s.author, private))
	teachers := add("teachers only", top(s.author, s.d1, Teachers, s.g.ID))
	add("teacher's reply to a teachers-only note", reply(s.teacher, teachers))
	group := add("group", top(s.author, s.d1, Members, s.g.ID))
	add("reply to a group note", reply(s.co, group))
	locked := add("post-first locked", top(s.author, s.d2, Members, s.g.ID))
	add("teacher's reply to a locked note", reply(s.teacher, locked))
	add("guide under post first", top(s.teacher, s.d2, Members, s.g.ID))
	hidden := add("hidden by a teacher", top(s.author, s.d1, Members, s.g.ID))
	add("reply to a hidden note", reply(s.co, hidden))
	hiddenReply := add("hidden reply", reply(s.author, group))
	public := add("public", top(s.author, s.d1, Public, 0))
	add("reply to a public note", reply(s.outsider, public))
	deleted := add("deleted", top(s.author, s.d1, Public, 0))
	add("reply to a deleted note", reply(s.member, deleted))
	add("other group", top(s.outsider, s.d1, Members, h.ID))
	s.hide(t, s.teacher, hidden, "off topic")
	s.hide(t, s.teacher, hiddenReply, "off topic too")
	if err := db.DeleteNote(ctx, s.author.ID, deleted.ID, 0); err != nil {
		t.Fatal(err)
	}

	viewers := []struct {
		name string
		v    Viewer
	}{
		{"signed out", Viewer{}}, {"outsider", vw(s.outsider)}, {"member", vw(s.member)},
		{"co-teacher", vw(s.co)}, {"teacher", vw(s.teacher)}, {"author", vw(s.author)},
	}
	all := func(v Viewer, q string) map[string]bool {
		t.Helper()
		got := map[string]bool{}
		for _, r := range searchFull(t, db, v, q).Results {
			got[r.Note.ID] = true
		}
		return got
	}
	for _, vr := range viewers {
		seen, missed := 0, 0
		var wantIDs []string
		for _, fn := range notes {
			may := sees(t, db, vr.v, fn.note.ID)
			if may {
				seen++
				wantIDs = append(wantIDs, fn.note.ID)
			} else {
				missed++
			}
			queries := []string{fn.marker, `"` + fn.marker + ` ` + strings.Fields(fn.key)[0] + `"`}
			if fn.note.ParentID == "" {
				queries = append(queries, "tag:"+fn.marker+"tag", fn.marker+"tag")
			}
			for _, q := range queries {
				got := all(vr.v, q)
				if got[fn.note.ID] != may {
					what := "LEAK"
					if may {
						what = "MISSING"
					}
					t.Errorf("%s: %s searching %q for %q", what, vr.name, q, fn.key)
				}
				for id := range got {
					if id != fn.note.ID {
						t.Errorf("%s searching %q found another note, %s", vr.name, q, id)
					}
				}
			}
		}
		if seen == 0 || missed == 0 {
			t.Errorf("%s sees %d notes and misses %d: the fixture proves nothing", vr.name, seen, missed)
		}
		// Listing and counting: every note the viewer may see, and no other.
		var gotIDs []string
		total := 0
		for _, d := range []string{"essay", "second"} {
			r := searchFull(t, db, vr.v, "doc:"+d)
			total += r.Total
			for _, x := range r.Results {
				gotIDs = append(gotIDs, x.Note.ID)
			}
		}
		slices.Sort(gotIDs)
		slices.Sort(wantIDs)
		if !slices.Equal(gotIDs, wantIDs) || total != len(wantIDs) {
			t.Errorf("%s: doc: lists %d (total %d), want the %d notes Note lets them read", vr.name, len(gotIDs), total, len(wantIDs))
		}
	}
	// And nobody, the author included, finds the deleted thread.
	for _, vr := range viewers {
		for _, q := range []string{"deleted", "reply to a deleted note"} {
			if got := all(vr.v, `"`+q+`"`); len(got) != 0 {
				t.Errorf("%s finds %q", vr.name, q)
			}
		}
	}
}

// The visibility matrix's notes, listed by search per document, are
// exactly those its table says each viewer may see.
func TestSearchVisibilityMatrix(t *testing.T) {
	m := newMatrix(t)
	for _, viewer := range matrixViewers {
		v := m.viewers[viewer]
		for _, d := range []Document{m.d1, m.d2} {
			res := searchFull(t, m.db, v, "doc:"+d.Slug)
			var ids []string
			for _, r := range res.Results {
				ids = append(ids, r.Note.ID)
			}
			want := m.expected(viewer, func(mn matrixNote) bool { return mn.note.DocumentID == d.ID })
			if s := diff(m.keysOf(ids), want); s != "" {
				t.Errorf("%s, doc:%s: %s", viewer, d.Slug, s)
			}
		}
		// Every note's body is its key: searching each key as a phrase
		// finds only notes the viewer may see.
		for _, mn := range m.notes {
			res := searchFull(t, m.db, v, `"`+mn.key+`"`)
			for _, r := range res.Results {
				k := m.keysOf([]string{r.Note.ID})[0]
				if !m.byKey(k).sees[viewer] {
					t.Errorf("LEAK: %s searching %q finds %q", viewer, mn.key, k)
				}
			}
			found := slices.ContainsFunc(res.Results, func(r SearchResult) bool { return r.Note.ID == mn.note.ID })
			if found != mn.sees[viewer] {
				t.Errorf("%s searching %q: found %v, may see %v", viewer, mn.key, found, mn.sees[viewer])
			}
		}
	}
}
