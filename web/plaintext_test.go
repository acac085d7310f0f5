package web

import (
	"net/http"
	"strings"
	"testing"

	"glossa/store"
)

func TestPlainText(t *testing.T) {
	m, e := store.MarkStart, store.MarkEnd
	for _, tc := range []struct{ in, want string }{
		{"A **dense** and *determinative* claim", "A dense and determinative claim"},
		{"See [the report](https://example.com/r?x=1) and ![a chart](https://example.com/c.png).", "See the report and a chart."},
		{"# A heading\n\nA paragraph\nover two lines.", "A heading A paragraph over two lines."},
		{"- one\n- two\n\n> quoted", "one two quoted"},
		{"Use `code` and ~~not this~~.", "Use code and not this."},
		{"Bare https://example.com/x link", "Bare https://example.com/x link"},
		{"```\nfenced code\n```", "fenced code"},
		{"cut in the middle](https://exam", "cut in the middle](https://exam"},
		{"**" + m + "dense" + e + "** words", m + "dense" + e + " words"},
		{"<script>alert(1)</script>", "<script>alert(1)</script>"}, // text: markedSnippet escapes it
		{"---", ""},
		{"", ""},
	} {
		if got := plainText(tc.in); got != tc.want {
			t.Errorf("plainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// What reaches the page is escaped text with <mark>s, never markup.
	if got := string(markedSnippet(plainText("<img src=x onerror=alert(1)> **" + m + "x" + e + "**"))); strings.Contains(got, "<img") || !strings.Contains(got, "<mark>x</mark>") {
		t.Errorf("markedSnippet(plainText(…)) = %q", got)
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
		out := string(markedSnippet(plainText(snippet)))
		rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(out)
		if strings.ContainsAny(rest, "<>") {
			t.Fatalf("snippet %q shows as %q: a tag other than <mark>", snippet, out)
		}
		if p := checkSafeHTML(out); p != "" {
			t.Fatalf("snippet %q shows as %q: %s", snippet, out, p)
		}
	})
}
