package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// contextLen is the length of a quote's prefix and suffix, in code points.
const contextLen = 32

// TrimContext cuts a quote's context from elsewhere (an imported file) to
// what QuoteContext gives: the last 32 code points of prefix, the first 32
// of suffix, the ones nearest the quote.
func TrimContext(prefix, suffix string) (string, string) {
	if n := utf8.RuneCountInString(prefix); n > contextLen {
		for range n - contextLen {
			_, size := utf8.DecodeRuneInString(prefix)
			prefix = prefix[size:]
		}
	}
	if utf8.RuneCountInString(suffix) > contextLen {
		i, n := 0, 0
		for i = range suffix {
			if n == contextLen {
				break
			}
			n++
		}
		suffix = suffix[:i]
	}
	return prefix, suffix
}

// QuoteContext returns the exact text at [start, end) of text (code points)
// and up to 32 code points before (prefix) and after (suffix) it, clipped to
// the text. ok is false when the bounds are outside the text or start >= end.
func QuoteContext(text string, start, end int) (exact, prefix, suffix string, ok bool) {
	if start < 0 || start >= end {
		return "", "", "", false
	}
	// One walk finds the byte offsets of the four code point offsets, in
	// increasing order: prefix start, start, end, suffix end.
	at := [4]int{max(0, start-contextLen), start, end, end + contextLen}
	var off [4]int
	k, n := 0, 0
	for b := range text {
		for k < len(at) && at[k] == n {
			off[k] = b
			k++
		}
		if k == len(at) {
			break
		}
		n++
	}
	for k < len(at) && at[k] == n {
		off[k] = len(text)
		k++
	}
	switch k {
	case 4:
	case 3:
		off[3] = len(text) // the suffix is clipped
	default:
		return "", "", "", false // end is past the text
	}
	return text[off[1]:off[2]], text[off[0]:off[1]], text[off[2]:off[3]], true
}

// TrimSpan narrows the span [start, end) of code points of a canonical
// text to leave out white space at either end, by the rule Canon trims
// with. A selection often takes the space beside its words (a
// double-click takes a word and the space after it), and a quote never
// begins or ends with white space. An all-space span comes back empty
// (start == end).
func TrimSpan(text string, start, end int) (int, int) {
	runes := []rune(text)
	end = min(end, len(runes))
	for start < end && isSpace(runes[start]) {
		start++
	}
	for end > start && isSpace(runes[end-1]) {
		end--
	}
	return start, end
}

// byteOffset returns the byte offset of code point i of s (len(s) for the
// end); ok is false when s is shorter than that.
func byteOffset(s string, i int) (int, bool) {
	if i < 0 {
		return 0, false
	}
	n := 0
	for b := range s {
		if n == i {
			return b, true
		}
		n++
	}
	return len(s), n == i
}

// FindPhrase finds phrase in text leniently: both are canonicalised, then
// compared case-insensitively with typographic quotes, apostrophes and dashes
// folded to their plain forms (so a reader can type "Asia for Asians" with
// straight quotes). It returns the code-point range of the first match in
// text and the number of non-overlapping matches (0 when none).
//
// The range counts code points of Canon(text), which is text itself for a
// block's canonical text. Case is folded code point by code point (simple
// case folding). Runs of dashes fold to one "-", so "--" finds an en dash,
// and "…" folds to "...".
func FindPhrase(text, phrase string) (start, end, count int) {
	ft, origin := fold(Canon(text))
	fp, _ := fold(Canon(phrase))
	if fp == "" {
		return 0, 0, 0
	}
	n := utf8.RuneCountInString(fp)
	runes := 0 // code points of ft before pos
	for pos := 0; ; {
		k := strings.Index(ft[pos:], fp)
		if k < 0 {
			break
		}
		runes += utf8.RuneCountInString(ft[pos : pos+k])
		if count == 0 {
			start, end = origin[runes].lo, origin[runes+n-1].hi
		}
		count++
		runes += n
		pos += k + len(fp)
	}
	return start, end, count
}

// fold maps s to its folded form for FindPhrase and, per code point of the
// result, the code points of s it stands for.
func fold(s string) (string, []pos) {
	var b strings.Builder
	b.Grow(len(s))
	origin := make([]pos, 0, len(s))
	i := 0
	prevDash := false
	for _, r := range s {
		f := foldRune(r)
		switch {
		case f == '-' && prevDash:
			origin[len(origin)-1].hi = i + 1 // the run folds to its first dash
		case f == '…':
			b.WriteString("...")
			origin = append(origin, pos{i, i + 1}, pos{i, i + 1}, pos{i, i + 1})
		default:
			b.WriteRune(f)
			origin = append(origin, pos{i, i + 1})
		}
		prevDash = f == '-'
		i++
	}
	return b.String(), origin
}

// pos is a range of code points, [lo, hi).
type pos struct{ lo, hi int }

// foldRune folds one code point: typographic quotes, apostrophes and dashes
// to their ASCII forms, everything else to the smallest member of its simple
// case-folding orbit (so "K", "k" and the Kelvin sign are all one).
func foldRune(r rune) rune {
	switch r {
	case '‘', '’', '‚', '‛', '′', 'ʼ', '‹', '›', '＇':
		return '\''
	case '“', '”', '„', '‟', '″', '«', '»', '＂':
		return '"'
	case '‐', '‑', '‒', '–', '—', '―', '−', '﹘', '﹣', '－':
		return '-'
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}

// FindQuote finds an exact quote in text, using prefix and suffix (either may
// be empty) to choose between several occurrences: the occurrence whose
// surrounding text best matches them wins, ties to the earliest. ok is false
// when exact does not occur.
//
// An occurrence scores the number of code points of prefix that agree with
// the text just before it, counted back from the quote, plus the number of
// code points of suffix that agree with the text just after it, counted on
// from the quote. Overlapping occurrences count.
func FindQuote(text, exact, prefix, suffix string) (start, end int, ok bool) {
	if exact == "" {
		return 0, 0, false
	}
	pre, suf := []rune(prefix), []rune(suffix)
	n := utf8.RuneCountInString(exact)
	best := -1
	runes, pos := 0, 0 // code point index and byte offset of the search start
	for {
		k := strings.Index(text[pos:], exact)
		if k < 0 {
			break
		}
		runes += utf8.RuneCountInString(text[pos : pos+k])
		at := pos + k
		score := commonSuffix(text[:at], pre) + commonPrefix(text[at+len(exact):], suf)
		if score > best {
			best, start = score, runes
		}
		// Step one code point on, so overlapping occurrences are seen too.
		_, size := utf8.DecodeRuneInString(text[at:])
		pos = at + size
		runes++
	}
	if best < 0 {
		return 0, 0, false
	}
	return start, start + n, true
}

// commonSuffix counts the code points at the end of s that equal the end of p.
func commonSuffix(s string, p []rune) int {
	n := 0
	for j := len(p) - 1; j >= 0 && s != ""; j-- {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != p[j] {
			break
		}
		s = s[:len(s)-size]
		n++
	}
	return n
}

// commonPrefix counts the code points at the start of s that equal the start
// of p.
func commonPrefix(s string, p []rune) int {
	n := 0
	for _, r := range s {
		if n == len(p) || r != p[n] {
			break
		}
		n++
	}
	return n
}
