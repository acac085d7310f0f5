package content

import (
	"math"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Status says how a note was placed on a new revision.
type Status string

const (
	StatusExact  Status = "exact"  // block unchanged: offsets kept, score 1
	StatusMapped Status = "mapped" // the same words, found at new offsets (diff mapping or search)
	StatusFuzzy  Status = "fuzzy"  // words changed but close: quote similarity >= 0.75
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
	minQuoteSim = 0.75 // quote similarity for fuzzy
	minApprox   = 4    // shortest quote matched approximately, code points
	shortQuote  = 8    // shorter quotes need context away from their block
	minShortCtx = 0.75 // the context they need

	weightQuote  = 50
	weightPrefix = 20
	weightSuffix = 20
	weightPos    = 2

	// diffTimeout bounds one character diff. Past it, go-diff returns a
	// valid but coarser diff: quotes may then fall through to the search.
	diffTimeout = 200 * time.Millisecond
)

// Alignment is the pairing of the blocks of two revisions (Align, step 1 of
// ANCHORING.md "Re-anchoring when a revision is published"), kept to place
// each note on the new revision (Place, steps 2 and 3). Both are pure: they
// read the blocks' canonical texts and hashes and nothing else. Alignment
// copies what it needs of the blocks, so they may change afterwards. Its
// methods are safe for concurrent use; what Place needs beyond the pairing
// (code points, diffs of edited pairs, bigrams, indexes of the new blocks)
// is computed on first use and kept, so that placing many notes costs little
// more than placing one per edited block.
//
// # Placing a note
//
// Let t be the note's target on the previous revision, i its block there
// and j the new block paired with i, if any. Place tries in order:
//
//   - A whole-block note (Exact == "") goes by block alignment only: exact
//     when j is unchanged; mapped, score 1, when i and j have the same word
//     bigrams (only punctuation, case or spacing changed); fuzzy, scored by
//     their Dice similarity, otherwise; orphan when i has no partner.
//   - (a) j unchanged: same offsets, exact, score 1.
//   - (b) j edited: Start and End are mapped through a character diff of
//     the two canonical texts (go-diff over code points, semantic clean-up,
//     so that a word replaced at the edge of a quote is replaced whole). A
//     start inside deleted text maps to where the deletion was, an end inside
//     it to after what was inserted in its place; text inserted just before
//     or after the quote stays out. If the text now there is the quote:
//     mapped, score 1; if its similarity to the quote is >= 0.75: fuzzy,
//     scored as below.
//   - (c) search the quote. First its exact occurrences in the whole new
//     revision, so that context decides between several, even across blocks
//     (mapped). Then approximate matches, within floor(0.25 × quote length)
//     edits, in block j, then in its neighbours, then in the whole revision,
//     stopping at the first of these three that yields a candidate (fuzzy).
//     Candidates are scored like Hypothesis does: (50 quote + 20 prefix + 20
//     suffix + 2 position) / 92, each term a similarity in [0, 1]. Quote,
//     prefix and suffix similarity are 1 - Levenshtein distance / length of
//     the longer string, in code points; the note's prefix and suffix are
//     compared with as many code points before and after the candidate,
//     clipped to its block (an empty one scores 1). Position is 1 - the
//     distance from where the note is expected / the length of the revision,
//     read as its blocks' texts end to end: the note is expected at its
//     mapped start in j or, when i has no partner, just after the new
//     partner of the nearest paired block before i (its neighbours are then
//     the blocks between the partners of i's paired neighbours).
//   - (d) otherwise orphan: the target given is kept, score 0.
//
// A note already orphaned (lost) only has its original quote: it skips (a)
// and (b) and is searched for as in (c), the block that now carries its
// original anchor, if any, taken for j. A whole-block note that is lost, or
// whose anchor is not in the previous revision, stays an orphan; a quote
// whose anchor is not there, or which is not at its offsets, is searched
// for as in (c).
//
// # Deviations from ANCHORING.md, and why
//
//   - Alignment keeps every pair of identical blocks, not only those of the
//     skeleton, before any pairing by Dice (as if identical pairs scored
//     above 1, whichever gap they lie in): an unchanged block always keeps
//     its partner, its anchor and its notes' offsets.
//   - Quotes of fewer than 4 code points are never matched approximately:
//     an edit or two in a three-letter word makes another word.
//   - A quote of fewer than 8 code points found (exactly or not) outside the
//     block where the note is expected must also have its context, the mean
//     of prefix and suffix similarity, at 0.75 or above: a short word occurs
//     all over an essay and would otherwise land on one of its occurrences
//     with no evidence that it is the note's.
//   - Quote similarity >= 0.75 is enforced by the edit budget: a substring
//     within floor(0.25 × quote length) edits has similarity >= 0.75 against
//     the quote's length, and so against the longer of the two.
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

// Align aligns next's blocks with prev (ANCHORING.md "Re-anchoring" step 1):
// identical blocks paired by hash in order, duplicates k-th with k-th; the
// longest increasing run of pairs kept as the skeleton; inside each gap,
// edited blocks paired greedily by Dice similarity on word bigrams, accepted
// at >= 0.5. A matched block inherits its previous anchor; a new block gets
// its content id, suffixed "-k" if that id is already taken.
//
// Every identical pair is kept, even one left out of the skeleton because
// its block moved, and before any Dice pairing: an unchanged block keeps its
// anchor and its notes. Anchors are unique even if prev's were not: a block
// whose inherited anchor is already taken is treated as new.
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

	hint, at := -1, 0 // the new block where the note is expected, and where in it
	if i >= 0 {
		if j := a.partner[i]; j >= 0 {
			hint, at = j, t.Start
			if p, ok := a.follow(t, i, j, &at); ok {
				return p
			}
		}
	} else if k, ok := a.nextAt[t.Anchor]; ok {
		hint = k
	}
	return a.search(t, i, hint, at)
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
	got := a.runes[j][s:e]
	quote := []rune(t.Exact)
	if slices.Equal(got, quote) {
		return a.placed(j, s, e, StatusMapped, 1), true
	}
	// Levenshtein is at least the difference in length: skip hopeless pairs.
	if n := max(len(got), len(quote)); float64(abs(len(got)-len(quote))) > (1-minQuoteSim)*float64(n) {
		return Placement{}, false
	}
	if q := similarity(quote, got); q >= minQuoteSim {
		return a.placed(j, s, e, StatusFuzzy, a.score(t, j, s, e, q)), true
	}
	return Placement{}, false
}

// search does steps (c) and (d). i is the note's block in prev (or -1), hint
// the new block where it is expected (or -1) and at where in that block.
func (a *Alignment) search(t Target, i, hint, at int) Placement {
	if len(a.nextText) == 0 {
		return orphan(t)
	}
	a.doc()
	quote := []rune(t.Exact)
	m := len(quote)
	expect := -1 // where the note is expected in the revision read end to end
	var near []int
	switch {
	case hint >= 0:
		expect = a.offset[hint] + min(max(at, 0), len(a.runes[hint]))
		for _, j := range []int{hint - 1, hint + 1} {
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

	// Exact occurrences, anywhere.
	best := candidate{score: -1}
	index := a.indexes()
	for j := range a.nextText {
		for s := range index[j].all(quote) {
			a.consider(&best, ctx, j, s, s+m, 1, expect, m < shortQuote && j != hint)
		}
	}
	if best.score >= 0 {
		return a.placed(best.block, best.start, best.end, StatusMapped, best.score)
	}

	// Approximate matches: block hint, its neighbours, everything.
	if m < minApprox {
		return orphan(t)
	}
	k := m / 4 // floor(0.25 × m) edits at most
	dp := newMatcher(quote, k)
	searched := make([]bool, len(a.nextText))
	var all []int
	for j := range a.nextText {
		all = append(all, j)
	}
	var tiers [][]int
	if hint >= 0 {
		tiers = append(tiers, []int{hint})
	}
	tiers = append(tiers, near, all)
	for _, tier := range tiers {
		for _, j := range tier {
			if searched[j] {
				continue
			}
			searched[j] = true
			dp.searchIndexed(index[j], func(s, e, d int) {
				q := 1 - float64(d)/float64(max(m, e-s))
				if q < minQuoteSim {
					return
				}
				a.consider(&best, ctx, j, s, e, q, expect, m < shortQuote && j != hint)
			})
		}
		if best.score >= 0 {
			return a.placed(best.block, best.start, best.end, StatusFuzzy, best.score)
		}
	}
	return orphan(t)
}

// candidate is a place for a quote, with its score.
type candidate struct {
	block, start, end int
	score             float64
	prefix, suffix    float64 // similarity of the context
}

// context is the mean similarity of the candidate's context.
func (c candidate) context() float64 { return (c.prefix + c.suffix) / 2 }

// quoteContext is a note's context in code points.
type quoteContext struct{ prefix, suffix []rune }

func contextOf(t Target) quoteContext {
	return quoteContext{[]rune(t.Prefix), []rune(t.Suffix)}
}

// score scores [s, e) of block j, whose quote similarity is q, as a place
// for t, with no position.
func (a *Alignment) score(t Target, j, s, e int, q float64) float64 {
	a.doc()
	best := candidate{score: -1}
	a.consider(&best, contextOf(t), j, s, e, q, -1, false)
	return best.score
}

// consider scores [s, e) of block j, whose quote similarity is q, against a
// note's context and the position expected (expect < 0: none), and makes it
// best if it scores higher. Like Hypothesis, each of the note's prefix and
// suffix is compared with as many code points before and after the
// candidate, clipped to the block; an empty one scores 1. With needContext,
// a candidate whose context scores below minShortCtx is not taken. Bounds
// on the score skip the context of candidates that cannot win.
func (a *Alignment) consider(best *candidate, ctx quoteContext, j, s, e int, q float64, expect int, needContext bool) {
	const total = weightQuote + weightPrefix + weightSuffix + weightPos
	pos := 1.0
	if expect >= 0 && a.total > 0 {
		d := math.Abs(float64(a.offset[j] + s - expect))
		pos = max(0, 1-d/float64(a.total))
	}
	base := weightQuote*q + weightPos*pos
	if (base+weightPrefix+weightSuffix)/total <= best.score {
		return
	}
	text := a.runes[j]
	c := candidate{block: j, start: s, end: e, prefix: 1, suffix: 1}
	if n := len(ctx.prefix); n > 0 {
		c.prefix = similarity(ctx.prefix, text[max(0, s-n):s])
	}
	if needContext && (c.prefix+1)/2 < minShortCtx || (base+weightPrefix*c.prefix+weightSuffix)/total <= best.score {
		return
	}
	if n := len(ctx.suffix); n > 0 {
		c.suffix = similarity(ctx.suffix, text[e:min(len(text), e+n)])
	}
	if needContext && c.context() < minShortCtx {
		return
	}
	c.score = min(max((base+weightPrefix*c.prefix+weightSuffix*c.suffix)/total, 0), 1)
	if c.score > best.score {
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

// diff returns the character diff of prev block i and next block j, computed
// once per pair, or nil if it does not add up (it always should).
func (a *Alignment) diff(i, j int) []diffOp {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ops, ok := a.ops[j]; ok {
		return ops
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = diffTimeout
	// go-diff's strings and helpers count bytes; over runes, and counting
	// the code points of each piece, the offsets are code points.
	old, cur := []rune(a.prevText[i]), []rune(a.nextText[j])
	var ops []diffOp
	nOld, nCur := 0, 0
	// Semantic clean-up turns a word replaced into one deletion and one
	// insertion, rather than a few letters kept by chance ("big" -> "huge"
	// keeping its "g"), so that a quote ending in it ends after the new word.
	for _, d := range dmp.DiffCleanupSemantic(dmp.DiffMainRunes(old, cur, false)) {
		n := utf8.RuneCountInString(d.Text)
		if n == 0 {
			continue
		}
		ops = append(ops, diffOp{d.Type, n})
		if d.Type != diffmatchpatch.DiffInsert {
			nOld += n
		}
		if d.Type != diffmatchpatch.DiffDelete {
			nCur += n
		}
	}
	if nOld != len(old) || nCur != len(cur) {
		ops = nil
	}
	a.ops[j] = ops
	return ops
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
