package content

import (
	"iter"
	"slices"
)

// matcher finds approximate occurrences of a pattern in texts, all in code
// points: the substrings of a text within k edits (insertions, deletions,
// substitutions of one code point) of the pattern.
//
// It is Sellers' algorithm: the edit-distance table of the pattern (rows)
// against the text (columns), computed column by column, where a match may
// start anywhere in the text (row 0 is all zeros), so that cost[m] after
// reading the text up to e is the smallest distance from the pattern to any
// substring ending at e.
//
// With Ukkonen's cut-off, a column is only computed down to the last cell
// that can still be within k ("top"): below it every cell is > k, and since
// a cell is at least its upper-left neighbour and neighbours in a column
// differ by at most 1, a cell of the next column can only be <= k down to
// top + 1. Cells below top keep stale values, all > k, which is all that
// matters: min-plus arithmetic on values > k never yields one <= k. The
// cost is about O(k × len(text)) instead of O(m × len(text)).
//
// The forward pass only finds where matches end and at what distance; where
// one starts is found afterwards, for the few ends reported, by the same
// table computed backwards from the end over at most m + k code points.
//
// searchIndexed first narrows the text down with the pigeonhole principle:
// cut the pattern into k + 2 pieces; an alignment with at most k edits
// leaves at least two pieces without any (an edit touches one piece at
// most). Each of them occurs exactly in the text, found with a gramIndex,
// and puts the pattern's start at the same place give or take k code points
// (the edits between them). So a match lies within k code points of where
// two different pieces, found no more than k apart, put the pattern; only
// those windows of the text go through the table. On the essay this leaves
// about a tenth of the text to the table.
type matcher struct {
	pat    []rune
	k      int32
	pieces []piece
	cost   []int32 // cost[i]: best distance of pat[:i] to a substring ending here
	back   []int32 // the backward table's column
	run    []hit   // the current run of ends within k
	found  []place // where pieces put the pattern's start
}

// place is where an occurrence of a piece puts the pattern's start.
type place struct{ start, piece int32 }

// piece is a piece of the pattern, and where it starts in it.
type piece struct {
	text []rune
	at   int
}

// hit is an end position within k of the pattern, and its distance.
type hit struct{ end, dist int32 }

func newMatcher(pat []rune, k int) *matcher {
	mt := &matcher{
		pat:  pat,
		k:    int32(min(k, len(pat))),
		cost: make([]int32, len(pat)+1),
		back: make([]int32, len(pat)+1),
	}
	n := int(mt.k) + 2
	if n > len(pat) {
		return mt // pieces would be empty: no filter
	}
	for p := range n {
		from, to := p*len(pat)/n, (p+1)*len(pat)/n
		mt.pieces = append(mt.pieces, piece{pat[from:to], from})
	}
	return mt
}

// searchIndexed is search over the windows of ix's text where a match may
// lie (see matcher).
func (mt *matcher) searchIndexed(ix *gramIndex, found func(start, end, dist int)) {
	runes := ix.text
	if mt.pieces == nil {
		mt.search(runes, 0, len(runes), found)
		return
	}
	m, k := len(mt.pat), int32(mt.k)
	places := mt.found[:0]
	for pi, p := range mt.pieces {
		for x := range ix.all(p.text) {
			places = append(places, place{int32(x - p.at), int32(pi)})
		}
	}
	slices.SortFunc(places, func(a, b place) int { return int(a.start - b.start) })
	// Windows from places confirmed by another piece, merged when they
	// overlap or touch; places are sorted, so windows come in order.
	lo, hi := int32(-1), int32(-1)
	for i, p := range places {
		confirmed := false
		for j := i - 1; j >= 0 && p.start-places[j].start <= k && !confirmed; j-- {
			confirmed = places[j].piece != p.piece
		}
		for j := i + 1; j < len(places) && places[j].start-p.start <= k && !confirmed; j++ {
			confirmed = places[j].piece != p.piece
		}
		if !confirmed {
			continue
		}
		wlo, whi := max(0, p.start-k), min(int32(len(runes)), p.start+int32(m)+k)
		if wlo > hi {
			if hi > lo {
				mt.search(runes, int(lo), int(hi), found)
			}
			lo = wlo
		}
		hi = max(hi, whi)
	}
	if hi > lo && lo >= 0 {
		mt.search(runes, int(lo), int(hi), found)
	}
	mt.found = places
}

// search calls found(start, end, dist) for the approximate occurrences of
// the pattern in text: text[start:end] is within dist <= k edits of it.
// End positions within k of the pattern come in runs (around one
// occurrence, a few code points more or less are still within k); of each
// run, only the first and the last end at the run's smallest distance are
// reported, so that the edit distance decides where an occurrence ends and
// the caller (by context) only chooses between occurrences equally close. For each end,
// start is that of the substring ending there at that distance whose length
// is closest to the pattern's (the shorter on ties). Only text[from:to] is
// searched; offsets are into text.
func (mt *matcher) search(text []rune, from, to int, found func(start, end, dist int)) {
	pat, k := mt.pat, mt.k
	m := int32(len(pat))
	if m == 0 {
		return
	}
	cost := mt.cost[:m+1]
	for i := range cost {
		cost[i] = int32(i)
	}
	top := k // cost[i] = i <= k for i <= k
	run := mt.run[:0]
	for e := from; e < to; e++ {
		lim := min(top+1, m)
		column(cost[1:lim+1], pat[:lim], text[e])
		top = lim
		for top > 0 && cost[top] > k {
			top--
		}
		if top == m {
			run = append(run, hit{int32(e + 1), cost[m]})
		} else if len(run) > 0 {
			run = mt.flush(text, run, found)
		}
	}
	mt.run = mt.flush(text, run, found)
}

// column computes the next column of the table, rows 1 to len(pat), for
// the text code point c; rows holds them, from the previous column. diag is
// cell i-1 of the previous column, left cell i-1 of this one (row 0: both
// 0). On a match the cell is diag, which is never more than its other
// neighbours + 1. It is a function of its own so that the compiler keeps
// the loop's variables in registers.
//
//go:noinline
func column(rows []int32, pat []rune, c rune) {
	diag, left := int32(0), int32(0)
	rows = rows[:len(pat)]
	for i, pc := range pat {
		up := rows[i]
		var sub int32
		if pc != c {
			sub = 1
		}
		v := min(diag+sub, up+1, left+1)
		diag, left = up, v
		rows[i] = v
	}
}

// flush reports the first and the last end of a run at its smallest
// distance (at most two: in a repetitive text a run can be long, and each
// report costs a backward pass) and returns the run emptied.
func (mt *matcher) flush(text []rune, run []hit, found func(start, end, dist int)) []hit {
	best := mt.k
	for _, h := range run {
		best = min(best, h.dist)
	}
	if len(run) == 0 {
		return run
	}
	first, last := -1, -1
	for i, h := range run {
		if h.dist == best {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	for i := first; ; i = last {
		h := run[i]
		found(mt.start(text, int(h.end), int(h.dist)), int(h.end), int(h.dist))
		if i == last {
			break
		}
	}
	return run[:0]
}

// start finds where a substring of text ending at end, at distance dist from
// the pattern, starts: the table of the reversed pattern against the text
// read backwards from end (row 0 counting the code points read, since the
// substring must end at end), one column per code point read. Of the starts
// at distance dist, it takes the one whose length is closest to the
// pattern's, the shorter on ties.
func (mt *matcher) start(text []rune, end, dist int) int {
	pat := mt.pat
	m := len(pat)
	col := mt.back[:m+1]
	for i := range col {
		col[i] = int32(i) // the empty substring
	}
	best, bestLen := -1, 0
	consider := func(n int) {
		if int(col[m]) == dist && (best < 0 || abs(n-m) < abs(bestLen-m)) {
			best, bestLen = end-n, n
		}
	}
	consider(0)
	for n := 1; n <= min(end, m+int(mt.k)); n++ {
		c := text[end-n]
		diag := col[0]
		col[0] = int32(n)
		for i := 1; i <= m; i++ {
			up := col[i]
			v := diag
			if pat[m-i] != c {
				v = min(diag, up, col[i-1]) + 1
			}
			diag = up
			col[i] = v
		}
		consider(n)
	}
	if best < 0 {
		return end // cannot happen: dist was reached by the forward pass
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// similarity is 1 - levenshtein(a, b) / max(len(a), len(b)), in code points;
// two empty strings are the same.
func similarity(a, b []rune) float64 {
	n := max(len(a), len(b))
	if n == 0 {
		return 1
	}
	return 1 - float64(levenshtein(a, b))/float64(n)
}

// levenshtein is the edit distance of a and b (insertions, deletions and
// substitutions of one code point), with one row of the table.
func levenshtein(a, b []rune) int {
	// Common ends cost nothing; most pairs compared share a lot.
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(b) == 0 {
		return len(a)
	}
	var buf [65]int
	row := buf[:0]
	if len(b) < len(buf) {
		row = buf[:len(b)+1]
	} else {
		row = make([]int, len(b)+1)
	}
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			v := diag
			if a[i-1] != b[j-1] {
				v = min(diag, row[j], row[j-1]) + 1
			}
			diag, row[j] = row[j], v
		}
	}
	return row[len(b)]
}

// gramIndex lists where each code point and each pair of code points occurs
// in a text, to find the exact occurrences of a string without reading the
// whole text: the positions of its rarest pair, checked.
type gramIndex struct {
	text []rune
	one  map[rune][]int32
	two  map[uint64][]int32
}

func newGramIndex(text []rune) *gramIndex {
	ix := &gramIndex{text: text, one: map[rune][]int32{}, two: map[uint64][]int32{}}
	for i, r := range text {
		ix.one[r] = append(ix.one[r], int32(i))
		if i+1 < len(text) {
			k := pairKey(r, text[i+1])
			ix.two[k] = append(ix.two[k], int32(i))
		}
	}
	return ix
}

func pairKey(a, b rune) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// all yields the code point offsets where s occurs in the text, in
// increasing order, overlapping occurrences included.
func (ix *gramIndex) all(s []rune) iter.Seq[int] {
	return func(yield func(int) bool) {
		if len(s) == 0 {
			return
		}
		list, off := ix.one[s[0]], 0
		if len(s) > 1 {
			list = ix.two[pairKey(s[0], s[1])]
			for i := 1; i+1 < len(s) && len(list) > 0; i++ {
				if l := ix.two[pairKey(s[i], s[i+1])]; len(l) < len(list) {
					list, off = l, i
				}
			}
		}
		for _, y := range list {
			at := int(y) - off
			if at >= 0 && at+len(s) <= len(ix.text) && slices.Equal(ix.text[at:at+len(s)], s) {
				if !yield(at) {
					return
				}
			}
		}
	}
}
