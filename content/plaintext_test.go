package content

import "testing"

func TestPlainText(t *testing.T) {
	// The search match markers (store.MarkStart and store.MarkEnd) are
	// these control characters; they pass through as text.
	const m, e = "\x02", "\x03"
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
		{"<script>alert(1)</script>", "<script>alert(1)</script>"}, // text: web's markedSnippet escapes it
		{"---", ""},
		{"", ""},
	} {
		if got := PlainText(tc.in); got != tc.want {
			t.Errorf("PlainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
