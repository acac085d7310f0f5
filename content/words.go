package content

import "strings"

// Excerpt is the start of text, at most n code points, cut at a word when
// a space falls in its second half, without the punctuation the cut left
// at its end, and with "…" when anything was cut. Pages and reports show
// it where a whole paragraph or quote would be too long.
func Excerpt(text string, n int) string {
	if CodePoints(text) <= n {
		return text
	}
	cut := Slice(text, 0, n)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

// Plural is one or many, as n says.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
