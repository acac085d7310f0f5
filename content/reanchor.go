package content

import (
	"math"
	"slices"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Status says how a note was placed on a new revision.
type Status string

const (
	StatusExact  Status = "exact"  // block unchanged: the words did not move; offsets kept, score 1
	StatusMapped Status = "mapped" // the same words in the note's own paragraph, at new offsets
	StatusMoved  Status = "moved"  // the same words, found in another paragraph, its context agreeing
	StatusFuzzy  Status = "fuzzy"  // close but different words, in its own paragraph or another
	StatusOrphan Status = "orphan" // could not be placed; keeps the target it was given
)

// Target is a note's target on one revision: a block anchor and, for a
// phrase, code-point offsets [Start, End) into the block's canonical text,
// with Exact the text there and Prefix and Suffix up to 32 code points
// around it, clipped to the block (exactly what QuoteContext returns). Exact
// == "" (Start = End = 0) means the whole block.
type Target struct {
	Anchor                string
	Start, End            int
	Exact, Prefix, Suffix string
}

// Placement is where a note lies on a new revision. Score is in [0, 1].
// For any status but orphan, Anchor is one of the new revision's anchors and
// Exact, Prefix and Suffix are what QuoteContext gives for Start and End on
// that block's text (all empty for a whole-block note). An orphan keeps the
// target it was given.
type Placement struct {
	Target
	Status Status
	Score  float64
}

// BlockCounts sums up an alignment: Unchanged blocks are paired with an
// identical one, Edited blocks with a different one; Inserted blocks of the
// new revision have no partner, nor do Deleted blocks of the previous one.
type BlockCounts struct {
	Unchanged, Edited, Inserted, Deleted int
}

// Tuning of Place.
const (
	minQuoteSim  = 0.75 // quote similarity for fuzzy
	minInsertSim = 0.5  // for a quote that only gained words, its context intact on both sides
	minApprox    = 4    // shortest quote matched approximately, code points
	shortQuote   = 8    // shorter quotes found by search need context on both sides
	minShortCtx  = 0.75 // the context they need: the mean of prefix and suffix similarity
	minSideCtx   = 0.75 // a side of context that agrees: prefix or suffix similarity
	minBothCtx   = 0.6  // or both sides, each at this
	maxDisagree  = 0.5  // a side of context below it disagrees

	weightQuote  = 50
	weightPrefix = 20
	weightSuffix = 20
	weightPos    = 2

	// diffTimeout bounds one character diff. Past it, go-diff returns a
	// valid but coarser diff: quotes may then fall through to the search.
	diffTimeout = 200 * time.Millisecond
)

// Alignment is the pairing of the blocks of two revisions (Align), kept to
// place each note on the new revision (Place); docs/anchoring.md describes
// both. Both are pure: they read the blocks' canonical texts and hashes and
// nothing else. Alignment copies what it needs of the blocks, so they may
// change afterwards. Its methods are safe for concurrent use; what Place
// needs beyond the pairing (code points, diffs of edited pairs, bigrams,
// indexes of the new blocks) is computed on first use and kept, so that
// placing many notes costs little more than placing one per edited block.
//
// # Placing a note
//
// Let t be the note's target on the previous revision, i its block there
// and j the new block paired with i, if any: the note's own paragraph on
// the new revision (its home). Place tries in order:
//
//   - A whole-block note (Exact == "") goes by block alignment only: exact
//     when j is unchanged; mapped, score 1, when i and j have the same word
//     bigrams (only punctuation, case or spacing changed); fuzzy, scored by
//     their Dice similarity, otherwise; orphan when i has no partner.
//   - (a) j unchanged: same offsets, exact, score 1.
//   - (b) j edited: Start and End are mapped through a word diff of the two
//     texts (wordDiff): a start inside deleted text maps to where the
//     deletion was, an end inside it to after what was inserted in its
//     place; text inserted just before or after the quote stays out; ends
//     that cut a word go to its edges (snap). The context is weighed
//     through the same diff: a side agrees when the diff kept 75 % of it
//     (or both sides 60 %), disagrees when it kept under half. The quote
//     itself there: mapped, score 1, unless it is shorter than a side of
//     context (32 code points) and its context disagrees with no side
//     agreeing (a short word of a deleted sentence, paired by the diff with
//     the same word nearby). Changed words: fuzzy at quote similarity 0.75
//     when the quote is 32 code points or more or its context agrees; or
//     at 0.5 when the quote only gained words (all of its words still
//     there, whole and in order) and its context agrees.
//   - (c) search the quote, where the note stood first: its home (or, when
//     i has no partner or the note was lost, the block carrying its
//     anchor), then the neighbours, then everything; in each, exact
//     occurrences, then approximate ones within floor(0.25 × length)
//     edits, stopping at the first that yields a candidate. A candidate
//     needs its context to say it is the note's (candidate.evident): one
//     side agreeing, neither disagreeing, both sides for a quote under 8
//     code points; in the home, a quote of 32 code points or more, or a
//     note that came with no context, needs none. The best candidate by
//     Hypothesis's score (quote 50, prefix 20, suffix 20, position 2, over
//     92) is taken: the quote itself is mapped in the home (or anywhere
//     for a note that names no paragraph, as an imported quote may) and
//     moved in another paragraph, which is never called mapped; other
//     words are fuzzy.
//   - (d) otherwise orphan: the target given is kept, score 0.
//
// A note already orphaned (lost) only has its original quote: it skips (a)
// and (b) and is searched for as in (c), the block that now carries its
// original anchor, if any, taken for its home. A whole-block note that is
// lost, or whose anchor is not in the previous revision, stays an orphan;
// a quote whose anchor is not there, or which is not at its offsets, is
// searched for as in (c). docs/anchoring.md says why each rule is there.
type Alignment struct {
	prevText []string
	nextText []string
	prevHash []string
	nextHash []string

	anchors []string
	matched []int          // per next block: its partner in prev, or -1
	partner []int          // per prev block: its partner in next, or -1
	prevAt  map[string]int // prev anchor -> its first block
	nextAt  map[string]int // anchors -> block

	mu  sync.Mutex
	g   gapMatcher       // bigrams, under mu
	ops map[int][]diffOp // per edited next block, under mu

	docOnce sync.Once
	runes   [][]rune // per next block
	offset  []int    // per next block, where it starts in the revision read end to end
	total   int      // length of the revision read end to end

	indexOnce sync.Once
	index     []*gramIndex // per next block
}

// Align aligns next's blocks with prev (see alignBlocks and
// docs/anchoring.md): identical blocks by hash, edited ones by Dice
// similarity on word bigrams at >= 0.5, first inside the gaps between
// unchanged blocks kept in order, then wherever they moved. A matched block
// inherits its previous anchor; a new block gets its content id, suffixed
// "-k" if that id is already taken. Anchors are unique even if prev's were
// not.
//
// Only the Text and Hash of next's blocks are read (a Hash shorter than 8
// characters is computed from Text); their Anchor may be stale.
func Align(prev []PrevBlock, next []*Block) *Alignment {
	a := &Alignment{
		prevText: make([]string, len(prev)),
		prevHash: make([]string, len(prev)),
		nextText: make([]string, len(next)),
		nextHash: make([]string, len(next)),
		prevAt:   make(map[string]int, len(prev)),
		nextAt:   make(map[string]int, len(next)),
		ops:      map[int][]diffOp{},
	}
	for i, p := range prev {
		a.prevText[i], a.prevHash[i] = p.Text, hashOr(p.Hash, p.Text)
		if _, dup := a.prevAt[p.Anchor]; !dup {
			a.prevAt[p.Anchor] = i
		}
	}
	for j, b := range next {
		a.nextText[j], a.nextHash[j] = b.Text, blockHash(b)
	}
	a.g = gapMatcher{
		prevText:    a.prevText,
		nextText:    a.nextText,
		prevBigrams: map[int][]uint64{},
		nextBigrams: map[int][]uint64{},
	}
	a.anchors, a.matched = alignBlocks(prev, a.prevHash, a.nextHash, &a.g)
	a.partner = make([]int, len(prev))
	for i := range a.partner {
		a.partner[i] = -1
	}
	for j, i := range a.matched {
		if i >= 0 {
			a.partner[i] = j
		}
	}
	for j, anchor := range a.anchors {
		a.nextAt[anchor] = j
	}
	return a
}

// Anchors returns one anchor per block of next: inherited from its partner
// in prev, or new.
func (a *Alignment) Anchors() []string { return slices.Clone(a.anchors) }

// Matched returns, per block of next, the index into prev of its partner,
// or -1.
func (a *Alignment) Matched() []int { return slices.Clone(a.matched) }

// Counts counts the blocks unchanged, edited, inserted and deleted.
func (a *Alignment) Counts() BlockCounts {
	var c BlockCounts
	for j, i := range a.matched {
		switch {
		case i < 0:
			c.Inserted++
		case a.prevHash[i] == a.nextHash[j]:
			c.Unchanged++
		default:
			c.Edited++
		}
	}
	for _, j := range a.partner {
		if j < 0 {
			c.Deleted++
		}
	}
	return c
}

// Place finds where a note whose target on the previous revision is t lies
// on the next revision (see Alignment for how).
//
// lost means the note was already an orphan before this revision: t is then
// its original target (its Anchor may not be in prev) and only its quote
// (Exact, with Prefix and Suffix) is searched for; a lost whole-block note
// stays an orphan. A target that does not fit its block (Exact not at
// [Start, End)) is searched for by its quote too.
func (a *Alignment) Place(t Target, lost bool) Placement {
	i := -1
	if k, ok := a.prevAt[t.Anchor]; ok && !lost {
		i = k
	}
	if t.Exact == "" {
		return a.placeBlock(t, i)
	}

	home, at := -1, 0 // the note's paragraph on the new revision, if any, and where in it
	if i >= 0 {
		if j := a.partner[i]; j >= 0 {
			home, at = j, t.Start
			if p, ok := a.follow(t, i, j, &at); ok {
				return p
			}
		}
	} else if k, ok := a.nextAt[t.Anchor]; ok {
		home = k
	}
	return a.search(t, i, home, at)
}

// placeBlock places a whole-block note on the partner of block i.
func (a *Alignment) placeBlock(t Target, i int) Placement {
	if i < 0 || a.partner[i] < 0 {
		return orphan(t)
	}
	j := a.partner[i]
	p := Placement{Target: Target{Anchor: a.anchors[j]}, Status: StatusExact, Score: 1}
	if a.prevText[i] == a.nextText[j] {
		return p
	}
	a.mu.Lock()
	d := dice(a.g.prevBi(i), a.g.nextBi(j))
	a.mu.Unlock()
	if d == 1 {
		p.Status = StatusMapped
	} else {
		p.Status, p.Score = StatusFuzzy, d
	}
	return p
}

// follow does steps (a) and (b): t on block i, paired with block j. at is
// set to the mapped start, for the search's position score.
func (a *Alignment) follow(t Target, i, j int, at *int) (Placement, bool) {
	exact, prefix, suffix, ok := QuoteContext(a.prevText[i], t.Start, t.End)
	if !ok || exact != t.Exact {
		return Placement{}, false // the target does not fit its block: search
	}
	if a.prevText[i] == a.nextText[j] {
		return Placement{
			Target: Target{Anchor: a.anchors[j], Start: t.Start, End: t.End, Exact: exact, Prefix: prefix, Suffix: suffix},
			Status: StatusExact,
			Score:  1,
		}, true
	}
	ops := a.diff(i, j)
	if ops == nil {
		return Placement{}, false
	}
	s, e := mapStart(ops, t.Start), mapEnd(ops, t.End)
	*at = s
	if s >= e {
		return Placement{}, false
	}
	a.doc()
	quote := []rune(t.Exact)
	ctx := contextOf(t)
	s, e = snap(quote, ctx, a.runes[j], s, e)
	got := a.runes[j][s:e]
	c := kept(ops, ctx, j, s, e, t.Start, t.End, len(a.runes[j]))
	if slices.Equal(got, quote) {
		// The diff may keep a short word of a deleted sentence by pairing
		// it with the same word elsewhere: its context tells.
		if len(quote) >= contextLen || !c.contradicted(ctx) {
			return a.placed(j, s, e, StatusMapped, 1), true
		}
		return Placement{}, false
	}
	// Levenshtein is at least the difference in length: skip hopeless pairs.
	n := max(len(got), len(quote))
	if float64(abs(len(got)-len(quote))) > (1-minInsertSim)*float64(n) {
		return Placement{}, false
	}
	q := similarity(quote, got)
	if q >= minQuoteSim && (len(quote) >= contextLen || c.agrees(ctx)) ||
		q >= minInsertSim && c.agrees(ctx) && wordsKept(quote, got) {
		return a.placed(j, s, e, StatusFuzzy, c.scored(q, 1)), true
	}
	return Placement{}, false
}

// kept is the candidate [s, e) of block j (of length n) for a note on
// [start, end) of the old text, followed through the diff ops: its context
// is compared through the diff, each side's similarity being the share of
// the note's prefix (suffix) that the diff kept. Words inserted next to the
// quote then leave its context whole, where comparing as many code points
// before (after) it, as the search does, would find it shifted.
func kept(ops []diffOp, ctx quoteContext, j, s, e, start, end, n int) candidate {
	c := candidate{block: j, start: s, end: e, prefix: 1, suffix: 1, atStart: s == 0, atEnd: e == n}
	if k := len(ctx.prefix); k > 0 {
		c.prefix = keptShare(ops, start-k, start)
		c.prefixOff = c.prefix < maxDisagree
	}
	if k := len(ctx.suffix); k > 0 {
		c.suffix = keptShare(ops, end, end+k)
		c.suffixOff = c.suffix < maxDisagree
	}
	return c
}

// keptShare is the share of the old text's code points [from, to) that
// the diff ops keep.
func keptShare(ops []diffOp, from, to int) float64 {
	if to <= from {
		return 1
	}
	o, n := 0, 0
	for _, d := range ops {
		if d.op == diffmatchpatch.DiffInsert {
			continue
		}
		if d.op == diffmatchpatch.DiffEqual {
			n += max(0, min(to, o+d.n)-max(from, o))
		}
		if o += d.n; o >= to {
			break
		}
	}
	return float64(n) / float64(to-from)
}

// snap moves the ends of [s, e), where a quote was mapped or found in
// text, out to the edges of the words they cut, when the quote began (or
// ended) at a word's edge: its context says so, or its first (last) code
// point is no letter or digit. An approximate match may begin or end inside
// a word; the note is on whole words or none. Then, if the quote begins
// (ends) with a letter or digit, so does the place.
func snap(quote []rune, ctx quoteContext, text []rune, s, e int) (int, int) {
	if len(quote) == 0 || s >= e {
		return s, e
	}
	n := len(ctx.prefix)
	if n == 0 || !isWordRune(ctx.prefix[n-1]) || !isWordRune(quote[0]) {
		for s > 0 && s < len(text) && isWordRune(text[s-1]) && isWordRune(text[s]) {
			s--
		}
	}
	if len(ctx.suffix) == 0 || !isWordRune(ctx.suffix[0]) || !isWordRune(quote[len(quote)-1]) {
		for e > 0 && e < len(text) && isWordRune(text[e-1]) && isWordRune(text[e]) {
			e++
		}
	}
	// A quote that begins (ends) with a letter or digit does not begin
	// (end) with a space or a comma: an approximate match may leave out a
	// word changed at its edge, and keep the space next to it.
	if isWordRune(quote[0]) {
		for s < e-1 && !isWordRune(text[s]) {
			s++
		}
	}
	if isWordRune(quote[len(quote)-1]) {
		for e > s+1 && !isWordRune(text[e-1]) {
			e--
		}
	}
	return s, e
}

// wordsKept reports whether every token of quote (a word, or any other
// code point; see tokens) is in got, whole and in order: got is the quote
// with words inserted into it. Code points alone would not do: the letters
// of "ever" are all in "several", in order, and those of "foes" in
// "forces", but neither word is there.
func wordsKept(quote, got []rune) bool {
	gt := tokens(got)
	k := 0
	for _, q := range tokens(quote) {
		for k < len(gt) && !slices.Equal(got[gt[k].start:gt[k].end], quote[q.start:q.end]) {
			k++
		}
		if k == len(gt) {
			return false
		}
		k++
	}
	return true
}

// search does steps (c) and (d). i is the note's block in prev (or -1),
// home the new block that is its paragraph (or -1) and at where in it.
func (a *Alignment) search(t Target, i, home, at int) Placement {
	if len(a.nextText) == 0 {
		return orphan(t)
	}
	a.doc()
	quote := []rune(t.Exact)
	m := len(quote)
	expect := -1 // where the note is expected in the revision read end to end
	var near []int
	switch {
	case home >= 0:
		expect = a.offset[home] + min(max(at, 0), len(a.runes[home]))
		for _, j := range []int{home - 1, home + 1} {
			if j >= 0 && j < len(a.nextText) {
				near = append(near, j)
			}
		}
	case i >= 0:
		// Between the new partners of the nearest paired blocks around i.
		lo, hi := 0, len(a.nextText)-1
		found := false
		for k := i - 1; k >= 0; k-- {
			if j := a.partner[k]; j >= 0 {
				lo, found = j, true
				expect = a.offset[j] + len(a.runes[j]) + 1
				break
			}
		}
		for k := i + 1; k < len(a.partner); k++ {
			if j := a.partner[k]; j >= 0 {
				hi = j
				if !found {
					expect = a.offset[j]
				}
				break
			}
		}
		lo, hi = min(lo, hi), max(lo, hi)
		for j := lo; j <= hi; j++ {
			near = append(near, j)
		}
	}
	ctx := contextOf(t)
	ctx.home = home
	// placed places the note on the best candidate. Its very words
	// elsewhere than in its paragraph are a relocation, moved: only a note
	// that names no paragraph (an imported quote) is mapped wherever they
	// are. Other words are fuzzy, wherever they are.
	placed := func(c candidate) Placement {
		status := StatusFuzzy
		if slices.Equal(a.runes[c.block][c.start:c.end], quote) {
			status = StatusMoved
			if c.block == home || t.Anchor == "" {
				status = StatusMapped
			}
		}
		return a.placed(c.block, c.start, c.end, status, c.score)
	}

	// Where the note stood first: its paragraph, its neighbours, then
	// everything; in each, exact occurrences first, then approximate ones.
	var tiers [][]int
	if home >= 0 {
		tiers = append(tiers, []int{home})
	}
	all := make([]int, len(a.nextText))
	for j := range all {
		all[j] = j
	}
	tiers = append(tiers, near, all)
	index := a.indexes()
	var dp *matcher
	if m >= minApprox {
		dp = newMatcher(quote, int((1-minQuoteSim)*float64(m))) // the edits quote similarity minQuoteSim allows
	}
	searched := make([]bool, len(a.nextText))
	for _, tier := range tiers {
		tier = slices.DeleteFunc(slices.Clone(tier), func(j int) bool { return searched[j] })
		best := candidate{score: -1}
		for _, j := range tier {
			searched[j] = true
			for s := range index[j].all(quote) {
				a.consider(&best, ctx, j, s, s+m, 1, expect)
			}
		}
		if best.score < 0 && dp != nil {
			for _, j := range tier {
				dp.searchIndexed(index[j], func(s, e, d int) {
					if q := 1 - float64(d)/float64(max(m, e-s)); q >= minQuoteSim {
						a.consider(&best, ctx, j, s, e, q, expect)
					}
				})
			}
		}
		if best.score >= 0 {
			return placed(best)
		}
	}
	return orphan(t)
}

// candidate is a place for a quote, with its score.
type candidate struct {
	block, start, end int
	score             float64
	prefix, suffix    float64 // similarity of the context (an empty side of the note's: 1)
	atStart, atEnd    bool    // the place begins, ends its block
	// The side of the note's context disagrees with the text there, as
	// far as the block goes (a block that ends there says nothing).
	prefixOff, suffixOff bool
}

// context is the mean similarity of the candidate's context.
func (c candidate) context() float64 { return (c.prefix + c.suffix) / 2 }

// scored is Hypothesis's score for the candidate, with quote similarity q
// and position pos, both in [0, 1].
func (c candidate) scored(q, pos float64) float64 {
	const total = weightQuote + weightPrefix + weightSuffix + weightPos
	return min(max((weightQuote*q+weightPrefix*c.prefix+weightSuffix*c.suffix+weightPos*pos)/total, 0), 1)
}

// agrees reports whether the note's context agrees with the text next to
// the candidate: one side of it (prefix or suffix) at minSideCtx, or both
// at minBothCtx. A side where the note has no context (its quote began, or
// ended, its paragraph) agrees when the candidate begins (ends) its block
// too, as in contradicted: a sentence that ended its paragraph and now
// makes one of its own (the paragraph split there) still ends one.
func (c candidate) agrees(ctx quoteContext) bool {
	hasPrefix, hasSuffix := len(ctx.prefix) > 0, len(ctx.suffix) > 0
	if !hasPrefix && c.atStart || !hasSuffix && c.atEnd {
		return true
	}
	return hasPrefix && c.prefix >= minSideCtx || hasSuffix && c.suffix >= minSideCtx ||
		hasPrefix && hasSuffix && c.prefix >= minBothCtx && c.suffix >= minBothCtx
}

// contradicted reports whether the note's context disagrees with the text
// around the candidate on some side and agrees on none. A side where the
// note has no context agrees when the candidate is at that end of its
// block too (the quote began, or ended, its paragraph and still does), and
// otherwise says nothing.
func (c candidate) contradicted(ctx quoteContext) bool {
	side := func(ctx []rune, off, atEdge bool) (agrees, disagrees bool) {
		if len(ctx) == 0 {
			return atEdge, false
		}
		return !off, off
	}
	pa, pd := side(ctx.prefix, c.prefixOff, c.atStart)
	sa, sd := side(ctx.suffix, c.suffixOff, c.atEnd)
	return (pd || sd) && !pa && !sa
}

// evident reports whether the text around a candidate found by search is
// evidence that it is the note's place: its context agrees (see agrees)
// and neither side disagrees (maxDisagree), and a quote shorter than
// shortQuote has its context on both sides (their mean similarity at
// minShortCtx). In the note's own paragraph (home), its very words (same,
// not merely similar) are evidence enough when they are at least as long as
// a side of context: similar words that long may be another sentence that
// shares a phrase with the note's, its own having gone to another
// paragraph. A note that comes with no context at all (an imported quote)
// has nothing but its quote to go by in its own paragraph, or anywhere
// when it names none.
func (c candidate) evident(ctx quoteContext, m int, home, same bool) bool {
	if home && same && m >= contextLen {
		return true
	}
	if len(ctx.prefix) == 0 && len(ctx.suffix) == 0 && (home || !ctx.named) {
		return true // nothing to weigh but the quote
	}
	if m < shortQuote && c.context() < minShortCtx {
		return false
	}
	return c.agrees(ctx) && !c.prefixOff && !c.suffixOff
}

// quoteContext is a note's quote and context in code points, its
// paragraph on the new revision (home, or -1), and whether it names one.
type quoteContext struct {
	quote, prefix, suffix []rune
	home                  int
	named                 bool // the note names a paragraph
}

func contextOf(t Target) quoteContext {
	return quoteContext{[]rune(t.Exact), []rune(t.Prefix), []rune(t.Suffix), -1, t.Anchor != ""}
}

// around compares the note's context with the text around [s, e) of block
// j. Like Hypothesis, each of the note's prefix and suffix is compared with
// as many code points before and after, clipped to the block (an empty one
// scores 1). Whether a side disagrees is judged on what the block has
// there: below maxDisagree; where the block has fewer code points than the
// note's side, the end of the prefix (the start of the suffix) next to the
// quote is compared with them and must agree (minSideCtx), a few code
// points being easily alike by chance; where the block has none, nothing
// disagrees (a paragraph split or merged there).
func (a *Alignment) around(ctx quoteContext, j, s, e int) candidate {
	text := a.runes[j]
	c := candidate{block: j, start: s, end: e, prefix: 1, suffix: 1, atStart: s == 0, atEnd: e == len(text)}
	if n := len(ctx.prefix); n > 0 {
		have := text[max(0, s-n):s]
		c.prefix = similarity(ctx.prefix, have)
		if k := len(have); k == n {
			c.prefixOff = c.prefix < maxDisagree
		} else if k > 0 {
			c.prefixOff = similarity(ctx.prefix[n-k:], have) < minSideCtx
		}
	}
	if n := len(ctx.suffix); n > 0 {
		have := text[e:min(len(text), e+n)]
		c.suffix = similarity(ctx.suffix, have)
		if k := len(have); k == n {
			c.suffixOff = c.suffix < maxDisagree
		} else if k > 0 {
			c.suffixOff = similarity(ctx.suffix[:k], have) < minSideCtx
		}
	}
	return c
}

// consider scores [s, e) of block j, found by search with quote similarity
// q, against a note's context and the position expected (expect < 0:
// none), and makes it best if its context is evidence enough and it scores
// higher. The ends are snapped to words first, as the quote's were (an
// exact occurrence inside a longer word is then an approximate one). Bounds
// on the score skip the context of candidates that cannot win.
func (a *Alignment) consider(best *candidate, ctx quoteContext, j, s, e int, q float64, expect int) {
	const total = weightQuote + weightPrefix + weightSuffix + weightPos
	text := a.runes[j]
	if s2, e2 := snap(ctx.quote, ctx, text, s, e); s2 != s || e2 != e {
		s, e = s2, e2
		if q = similarity(ctx.quote, text[s:e]); q < minQuoteSim {
			return
		}
	}
	pos := 1.0
	if expect >= 0 && a.total > 0 {
		d := math.Abs(float64(a.offset[j] + s - expect))
		pos = max(0, 1-d/float64(a.total))
	}
	if (weightQuote*q+weightPrefix+weightSuffix+weightPos*pos)/total <= best.score {
		return
	}
	c := a.around(ctx, j, s, e)
	if !c.evident(ctx, len(ctx.quote), j == ctx.home, q == 1) {
		return
	}
	if c.score = c.scored(q, pos); c.score > best.score {
		*best = c
	}
}

// placed is a placement on [s, e) of block j.
func (a *Alignment) placed(j, s, e int, status Status, score float64) Placement {
	exact, prefix, suffix, _ := QuoteContext(a.nextText[j], s, e)
	return Placement{
		Target: Target{Anchor: a.anchors[j], Start: s, End: e, Exact: exact, Prefix: prefix, Suffix: suffix},
		Status: status,
		Score:  score,
	}
}

func orphan(t Target) Placement {
	return Placement{Target: t, Status: StatusOrphan}
}

// doc computes, once, the code points of the new blocks and where each
// starts in the revision read end to end (blocks joined by one separator).
func (a *Alignment) doc() {
	a.docOnce.Do(func() {
		a.runes = make([][]rune, len(a.nextText))
		a.offset = make([]int, len(a.nextText))
		n := 0
		for j, text := range a.nextText {
			a.runes[j] = []rune(text)
			a.offset[j] = n
			n += len(a.runes[j]) + 1
		}
		a.total = max(0, n-1)
	})
}

// indexes builds, once, the gram index of each new block.
func (a *Alignment) indexes() []*gramIndex {
	a.indexOnce.Do(func() {
		a.doc()
		a.index = make([]*gramIndex, len(a.runes))
		for j, r := range a.runes {
			a.index[j] = newGramIndex(r)
		}
	})
	return a.index
}

// diffOp is one operation of a character diff, its length in code points.
type diffOp struct {
	op diffmatchpatch.Operation
	n  int
}

// diff returns the word diff of prev block i and next block j, in code
// points, computed once per pair, or nil if it does not add up (it always
// should). See wordDiff.
func (a *Alignment) diff(i, j int) []diffOp {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ops, ok := a.ops[j]; ok {
		return ops
	}
	old, cur := []rune(a.prevText[i]), []rune(a.nextText[j])
	ops := wordDiff(old, cur)
	nOld, nCur := 0, 0
	for _, d := range ops {
		if d.op != diffmatchpatch.DiffInsert {
			nOld += d.n
		}
		if d.op != diffmatchpatch.DiffDelete {
			nCur += d.n
		}
	}
	if nOld != len(old) || nCur != len(cur) {
		ops = nil
	}
	a.ops[j] = ops
	return ops
}

// wordDiff diffs two texts by their words (runs of letters, digits and
// marks): go-diff finds the longest run of words kept in order, each word
// standing for one rune, as go-diff's own line mode does with lines. What
// lies between two kept words (spaces, punctuation, words changed) is then
// diffed the same way token by token, a token being a word or any other
// code point; what is not kept is deleted and inserted.
//
// A writer replaces, inserts and deletes words. A character diff instead
// keeps letters that happen to match ("big" -> "huge" keeping its "g", a
// new word before a quote keeping the quote's first letter), and its
// semantic clean-up, which removes such matches, also removes a short
// quote kept between two edits; a diff of words and punctuation alike
// lets spaces and full stops, which are everywhere, decide which words are
// kept. Here a word replaced is deleted and inserted whole, so a quote
// ending in it ends after the new word, and a word kept is kept, however
// short.
func wordDiff(old, cur []rune) []diffOp {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = diffTimeout
	var ops []diffOp
	add := func(op diffmatchpatch.Operation, n int) {
		if n == 0 {
			return
		}
		if k := len(ops) - 1; k >= 0 && ops[k].op == op {
			ops[k].n += n
			return
		}
		ops = append(ops, diffOp{op, n})
	}
	// replace adds old[o0:o1] replaced by cur[c0:c1]. Words of the two
	// that are alike (a letter fixed) are paired, in order, and diffed by
	// characters, so that such a word keeps its place among the words
	// inserted next to it; the rest is deleted and inserted.
	replace := func(o0, o1, c0, c1 int) {
		for _, m := range alikeWords(old[o0:o1], cur[c0:c1]) {
			add(diffmatchpatch.DiffDelete, m[0].start)
			add(diffmatchpatch.DiffInsert, m[1].start)
			for _, d := range dmp.DiffCleanupSemantic(dmp.DiffMainRunes(old[o0+m[0].start:o0+m[0].end], cur[c0+m[1].start:c0+m[1].end], false)) {
				add(d.Type, utf8.RuneCountInString(d.Text))
			}
			o0, c0 = o0+m[0].end, c0+m[1].end
		}
		add(diffmatchpatch.DiffDelete, o1-o0)
		add(diffmatchpatch.DiffInsert, c1-c0)
	}
	// emit adds old[o0:o1] and cur[c0:c1], whose tokens ot and ct are kept
	// as far as matched pairs say, and replaced between them.
	emit := func(o0, o1, c0, c1 int, ot, ct []cpRange, matched [][2]int) {
		for _, m := range matched {
			x, y := ot[m[0]], ct[m[1]]
			replace(o0, x.start, c0, y.start)
			add(diffmatchpatch.DiffEqual, x.end-x.start)
			o0, c0 = x.end, y.end
		}
		replace(o0, o1, c0, c1)
	}
	ow := slices.DeleteFunc(tokens(old), func(t cpRange) bool { return !isWordRune(old[t.start]) })
	cw := slices.DeleteFunc(tokens(cur), func(t cpRange) bool { return !isWordRune(cur[t.start]) })
	o0, c0 := 0, 0
	gap := func(o1, c1 int) {
		ot, ct := tokens(old[o0:o1]), tokens(cur[c0:c1])
		shift(ot, o0)
		shift(ct, c0)
		emit(o0, o1, c0, c1, ot, ct, matchTokens(old, cur, ot, ct))
		o0, c0 = o1, c1
	}
	for _, m := range matchTokens(old, cur, ow, cw) {
		x, y := ow[m[0]], cw[m[1]]
		gap(x.start, y.start)
		add(diffmatchpatch.DiffEqual, x.end-x.start)
		o0, c0 = x.end, y.end
	}
	gap(len(old), len(cur))

	// Where a deleted or inserted run could slide along the same text (a
	// sentence cut between two that begin with "The"), go-diff's lossless
	// clean-up puts it at the best boundary: a sentence's end rather than
	// a word's.
	diffs := make([]diffmatchpatch.Diff, len(ops))
	o, c := 0, 0
	for k, d := range ops {
		switch d.op {
		case diffmatchpatch.DiffInsert:
			diffs[k] = diffmatchpatch.Diff{Type: d.op, Text: string(cur[c : c+d.n])}
			c += d.n
		default:
			diffs[k] = diffmatchpatch.Diff{Type: d.op, Text: string(old[o : o+d.n])}
			o += d.n
			if d.op == diffmatchpatch.DiffEqual {
				c += d.n
			}
		}
	}
	ops = ops[:0]
	for _, d := range dmp.DiffCleanupSemanticLossless(diffs) {
		add(d.Type, utf8.RuneCountInString(d.Text))
	}
	return ops
}

// alikeWords pairs the words of old and cur that are alike (similarity at
// least minQuoteSim, both of at least minApprox code points), keeping the
// most pairs in order (a longest common subsequence of alike words). Each
// pair is the two words' ranges, each relative to the end of the previous
// pair's (the first's to the start of the text).
func alikeWords(old, cur []rune) [][2]cpRange {
	isWord := func(text []rune) func(cpRange) bool {
		return func(t cpRange) bool { return t.end-t.start < minApprox || !isWordRune(text[t.start]) }
	}
	ow := slices.DeleteFunc(tokens(old), isWord(old))
	cw := slices.DeleteFunc(tokens(cur), isWord(cur))
	if len(ow) == 0 || len(cw) == 0 || len(ow)*len(cw) > 10000 {
		return nil
	}
	// best[x][y]: most pairs among ow[x:] and cw[y:].
	best := make([][]int, len(ow)+1)
	for x := range best {
		best[x] = make([]int, len(cw)+1)
	}
	alike := func(x, y int) bool {
		return similarity(old[ow[x].start:ow[x].end], cur[cw[y].start:cw[y].end]) >= minQuoteSim
	}
	for x := len(ow) - 1; x >= 0; x-- {
		for y := len(cw) - 1; y >= 0; y-- {
			best[x][y] = max(best[x+1][y], best[x][y+1])
			if alike(x, y) {
				best[x][y] = max(best[x][y], 1+best[x+1][y+1])
			}
		}
	}
	var out [][2]cpRange
	o, c := 0, 0 // ends of the previous pair
	for x, y := 0, 0; x < len(ow) && y < len(cw); {
		switch {
		case best[x][y] == best[x+1][y]:
			x++
		case best[x][y] == best[x][y+1]:
			y++
		default:
			out = append(out, [2]cpRange{
				{ow[x].start - o, ow[x].end - o},
				{cw[y].start - c, cw[y].end - c},
			})
			o, c = ow[x].end, cw[y].end
			x, y = x+1, y+1
		}
	}
	return out
}

// shift moves ranges by d code points.
func shift(rs []cpRange, d int) {
	for k := range rs {
		rs[k].start += d
		rs[k].end += d
	}
}

// matchTokens returns the pairs (index into ot, index into ct) of the
// longest run of equal tokens in order that go-diff finds, each distinct
// token standing for one rune, with its changes then grouped (compact).
// The runes are valid code points, never surrogates, so that go-diff's
// strings keep them.
func matchTokens(old, cur []rune, ot, ct []cpRange) [][2]int {
	if len(ot) == 0 || len(ct) == 0 {
		return nil
	}
	ids := map[string]rune{}
	runes := func(text []rune, ts []cpRange) []rune {
		out := make([]rune, len(ts))
		for k, t := range ts {
			w := string(text[t.start:t.end])
			id, ok := ids[w]
			if !ok {
				id = rune(len(ids))
				if id >= 0xD800 {
					id += 0x800 // past the surrogates
				}
				ids[w] = id
			}
			out[k] = id
		}
		return out
	}
	ro, rc := runes(old, ot), runes(cur, ct)
	changed := tokenChanges(ro, rc)
	compact(ro, changed[0], changed[1])
	compact(rc, changed[1], changed[0])
	var out [][2]int
	for x, y := 0, 0; x < len(ot) && y < len(ct); x, y = x+1, y+1 {
		for x < len(ot) && changed[0][x] {
			x++
		}
		for y < len(ct) && changed[1][y] {
			y++
		}
		if x < len(ot) && y < len(ct) {
			out = append(out, [2]int{x, y})
		}
	}
	return out
}

// tokenChanges diffs two texts of tokens, one rune each, with go-diff:
// changed[0][x] (changed[1][y]) says that token x of old (y of cur) is not
// kept.
func tokenChanges(old, cur []rune) [2][]bool {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = diffTimeout
	changed := [2][]bool{make([]bool, len(old)), make([]bool, len(cur))}
	x, y := 0, 0
	for _, d := range dmp.DiffMainRunes(old, cur, false) {
		k := utf8.RuneCountInString(d.Text) // one rune per token
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			for ; k > 0 && x < len(old); k-- {
				changed[0][x] = true
				x++
			}
		case diffmatchpatch.DiffInsert:
			for ; k > 0 && y < len(cur); k-- {
				changed[1][y] = true
				y++
			}
		default:
			x, y = x+k, y+k
		}
	}
	return changed
}

// compact slides the runs of changed tokens of one text (ids, changed)
// along equal tokens, as git diff does with lines, so that runs that can
// meet become one. Of the alignments that keep as many tokens, go-diff
// returns any: deleting "are intentions. Despite … East Asia are aimed …
// malign intentions of … dismiss" down to "are intentions", it may keep
// the later "are" and "intentions", leaving three deletions between them,
// where the writer deleted one run after "are intentions" and a note on
// those words must stay on them. Sliding each run down as far as the
// tokens allow merges such runs. A run that can face a change of the other
// text (other: its changed tokens) is left at the last place where it
// does, so that a word replaced stays replaced; any other run goes down
// as far as it can (where exactly is for the lossless clean-up that
// wordDiff ends with: a single edit between two kept runs is placed at
// the best boundary there).
//
// Runs are kept in step on both texts: the k-th run of each lies between
// the same two kept tokens, and sliding a run past a kept token moves to
// the next run of the other text.
func compact(ids []rune, changed, other []bool) {
	type run struct{ start, end int } // [start, end): changed tokens, end at a kept token or the end
	first := func(chg []bool) run {
		r := run{}
		for r.end < len(chg) && chg[r.end] {
			r.end++
		}
		return r
	}
	next := func(chg []bool, r *run) bool {
		if r.end >= len(chg) {
			return false
		}
		r.start = r.end + 1
		for r.end = r.start; r.end < len(chg) && chg[r.end]; r.end++ {
		}
		return true
	}
	prev := func(chg []bool, r *run) bool {
		if r.start == 0 {
			return false
		}
		r.end = r.start - 1
		for r.start = r.end; r.start > 0 && chg[r.start-1]; r.start-- {
		}
		return true
	}
	// down moves r past the kept token after it, if that token equals
	// r's first, and takes in the run that then touches it.
	down := func(r *run) bool {
		if r.end >= len(ids) || ids[r.start] != ids[r.end] {
			return false
		}
		changed[r.start], changed[r.end] = false, true
		r.start++
		for r.end++; r.end < len(changed) && changed[r.end]; r.end++ {
		}
		return true
	}
	// up moves r before the kept token before it, if that token equals
	// r's last, and takes in the run that then touches it.
	up := func(r *run) bool {
		if r.start == 0 || ids[r.start-1] != ids[r.end-1] {
			return false
		}
		r.end--
		changed[r.start-1], changed[r.end] = true, false
		for r.start--; r.start > 0 && changed[r.start-1]; r.start-- {
		}
		return true
	}
	g, o := first(changed), first(other)
	for {
		if g.end > g.start {
			var earliest, facing int
			for {
				size := g.end - g.start
				facing = -1
				for up(&g) {
					prev(other, &o)
				}
				earliest = g.end
				if o.end > o.start {
					facing = g.end
				}
				for down(&g) {
					next(other, &o)
					if o.end > o.start {
						facing = g.end
					}
				}
				if g.end-g.start == size {
					break
				}
			}
			if g.end != earliest && facing >= 0 {
				for o.end == o.start && up(&g) {
					prev(other, &o)
				}
			}
		}
		if !next(changed, &g) || !next(other, &o) {
			return
		}
	}
}

// cpRange is a range of code points, [start, end).
type cpRange struct{ start, end int }

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// tokens cuts text into words and single other code points.
func tokens(text []rune) []cpRange {
	var out []cpRange
	for k := 0; k < len(text); {
		e := k + 1
		if isWordRune(text[k]) {
			for e < len(text) && isWordRune(text[e]) {
				e++
			}
		}
		out = append(out, cpRange{k, e})
		k = e
	}
	return out
}

// mapStart maps the start of a range, the code point p of the old text,
// through a diff: into its new place if it survived, or to where it was
// deleted (so that the text replacing it, inserted there, is included).
// Text inserted just before p is left out.
func mapStart(ops []diffOp, p int) int {
	o, n := 0, 0
	for _, d := range ops {
		switch d.op {
		case diffmatchpatch.DiffEqual:
			if p < o+d.n {
				return n + p - o
			}
			o += d.n
			n += d.n
		case diffmatchpatch.DiffDelete:
			if p < o+d.n {
				return n
			}
			o += d.n
		case diffmatchpatch.DiffInsert:
			n += d.n
		}
	}
	return n
}

// mapEnd maps the end of a range, after code point p-1 of the old text,
// through a diff: after p-1's new place if it survived, or, if it was
// deleted, after the text inserted in its place. Text inserted just after
// p-1 is left out. p must be > 0.
func mapEnd(ops []diffOp, p int) int {
	o, n := 0, 0
	for k, d := range ops {
		switch d.op {
		case diffmatchpatch.DiffEqual:
			if p <= o+d.n {
				return n + p - o
			}
			o += d.n
			n += d.n
		case diffmatchpatch.DiffDelete:
			if p <= o+d.n {
				for _, next := range ops[k+1:] {
					if next.op != diffmatchpatch.DiffInsert {
						break
					}
					n += next.n
				}
				return n
			}
			o += d.n
		case diffmatchpatch.DiffInsert:
			n += d.n
		}
	}
	return n
}
