package web

import (
	"net/http"
	"strings"
	"testing"

	"glossa/content"
	"glossa/store"
)

// A snippet shows as the note's words (content.PlainText), escaped, with
// <mark>s for the search matches, never as markup.
func TestSnippetIsMarkedPlainText(t *testing.T) {
	m, e := store.MarkStart, store.MarkEnd
	if got := string(markedSnippet(content.PlainText("<img src=x onerror=alert(1)> **" + m + "x" + e + "**"))); strings.Contains(got, "<img") || !strings.Contains(got, "<mark>x</mark>") {
		t.Errorf("markedSnippet(content.PlainText(…)) = %q", got)
	}
}

// Search results show a note's words, not its Markdown, on the page and in
// the API.
func TestSearchSnippetsArePlainText(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraphWith(t, "two logics")
	ann.createNote(p.Anchor, "", "A **realist** view: see [the paper](https://example.com/p) and `code`.", "public")
	const want = "A <mark>realist</mark> view: see the paper and code."
	if st, out := ann.apiSearch("realist"); st != http.StatusOK || len(out.Items) != 1 || out.Items[0].Snippets.Body != want {
		t.Errorf("API: %d %+v", st, out)
	}
	doc := ann.page("/search?q=realist", http.StatusOK)
	marks := queryAll(doc, "mark")
	if len(marks) != 1 || text(marks[0]) != "realist" {
		t.Errorf("page: %d marks", len(marks))
	}
	if body := readBody(ann.get("/search?q=realist")); strings.Contains(body, "**realist") || strings.Contains(body, "](https://example.com/p)") {
		t.Error("the search page shows the note's Markdown")
	}
}

// FuzzSearchSnippet: whatever a note body's snippet holds, what search
// shows of it is escaped text in which only the match markers became
// tags: <mark> and nothing else.
func FuzzSearchSnippet(f *testing.F) {
	m, e := store.MarkStart, store.MarkEnd
	for _, s := range []string{
		"A **" + m + "dense" + e + "** claim",
		"[" + m + "x" + e + "](javascript:alert(1))",
		"<img src=x onerror=alert(1)>" + m + "y" + e,
		"```\n<script>" + m + "z" + e + "</script>\n```",
		"…](https://exa" + e + "mple" + m,
		"> > > > " + m + "deep" + e,
		"\x00\u202e\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, snippet string) {
		out := string(markedSnippet(content.PlainText(snippet)))
		rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(out)
		// No '<' or '>' besides the bare <mark> tags: so no other
		// element, no attribute and no URL.
		if strings.ContainsAny(rest, "<>") {
			t.Fatalf("snippet %q shows as %q: a tag other than <mark>", snippet, out)
		}
	})
}
