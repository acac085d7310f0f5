package content

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// PrevBlock is a block of the previous revision, as stored.
type PrevBlock struct {
	Anchor string
	Hash   string
	Text   string
}

// minDice is the similarity at which an edited block is taken for the old one.
const minDice = 0.5

// AssignAnchors aligns next's blocks with prev and returns one anchor per
// block of next and, per block of next, the index into prev of its partner
// or -1. It is Align(prev, next).Anchors() and .Matched(); see Align for the
// algorithm.
func AssignAnchors(prev []PrevBlock, next []*Block) (anchors []string, matched []int) {
	a := Align(prev, next)
	return a.anchors, a.matched
}

// alignBlocks pairs the blocks of two revisions (docs/anchoring.md, "Block
// alignment"): identical blocks paired by hash in order, duplicates k-th
// with k-th; the longest increasing run of pairs kept as the skeleton;
// inside each gap, edited blocks paired greedily by Dice similarity on
// word bigrams, accepted at >= 0.5; then the edited blocks left over,
// wherever they are, the same way. A matched block inherits its previous
// anchor, a new block keeps its content id, suffixed "-k" if that id is
// already taken. prevHash and nextHash are the blocks' hashes; g holds the
// blocks' texts and keeps the bigrams it computes, for later use.
//
// Every pair of identical blocks is kept, not only those of the skeleton.
// A block left out of the skeleton because it moved still goes with its
// identical partner, and no Dice pairing may take either of them first (as
// if identical pairs scored above 1, whichever gap they lie in): an
// unchanged block always keeps its partner, its anchor and its notes'
// offsets. Likewise an edited block that moved out of its gap (after the
// next paragraph, say) is paired with its old self by the last pass, so
// that it keeps its anchor and every link to it; the gaps come first so
// that, of two like blocks, the one in place wins. Anchors are unique even
// if prev's were not: a block whose inherited anchor is already taken (or
// empty) is treated as new.
func alignBlocks(prev []PrevBlock, prevHash, nextHash []string, g *gapMatcher) (anchors []string, matched []int) {
	matched = make([]int, len(nextHash))
	for j := range matched {
		matched[j] = -1
	}
	prevUsed := make([]bool, len(prev))
	match := func(i, j int) {
		matched[j] = i
		prevUsed[i] = true
	}

	// Identical blocks, k-th with k-th, in next's order.
	byHash := map[string][]int{}
	for i, h := range prevHash {
		byHash[h] = append(byHash[h], i)
	}
	var pairs []pair
	for j, h := range nextHash {
		if list := byHash[h]; len(list) > 0 {
			pairs = append(pairs, pair{prev: list[0], next: j})
			byHash[h] = list[1:]
		}
	}

	// All identical pairs, then the gaps around the skeleton.
	skeleton := longestIncreasing(pairs)
	for _, p := range pairs {
		match(p.prev, p.next)
	}
	last := pair{prev: -1, next: -1}
	for _, p := range append(skeleton, pair{prev: len(prev), next: len(nextHash)}) {
		for _, m := range g.pairs(last.prev+1, p.prev, last.next+1, p.next, prevUsed, matched) {
			match(m.prev, m.next)
		}
		last = p
	}
	// Then the edited blocks that moved out of their gap, wherever they went.
	for _, m := range g.pairs(0, len(prev), 0, len(nextHash), prevUsed, matched) {
		match(m.prev, m.next)
	}

	anchors = make([]string, len(nextHash))
	taken := map[string]bool{}
	for j, i := range matched {
		if i < 0 {
			continue
		}
		if a := prev[i].Anchor; a != "" && !taken[a] {
			anchors[j], taken[a] = a, true
		} else {
			matched[j] = -1
		}
	}
	for j := range nextHash {
		if matched[j] >= 0 {
			continue
		}
		base := contentID(nextHash[j])
		a := base
		for k := 2; taken[a]; k++ {
			a = base + "-" + strconv.Itoa(k)
		}
		anchors[j], taken[a] = a, true
	}
	return anchors, matched
}

type pair struct{ prev, next int }

// blockHash is b.Hash, or computed if the caller left it out.
func blockHash(b *Block) string { return hashOr(b.Hash, b.Text) }

// hashOr is hash, or the hex SHA-256 of text if hash is too short to be one.
func hashOr(hash, text string) string {
	if len(hash) >= 8 {
		return hash
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// longestIncreasing returns the longest subsequence of pairs (ordered by
// next) whose prev indices increase, by patience sorting: O(P log P).
func longestIncreasing(pairs []pair) []pair {
	var tails []int                 // tails[k]: index into pairs ending a run of length k+1
	back := make([]int, len(pairs)) // predecessor in the best run ending here
	for i, p := range pairs {
		k, _ := slices.BinarySearchFunc(tails, p.prev, func(t, prev int) int {
			return cmp.Compare(pairs[t].prev, prev)
		})
		back[i] = -1
		if k > 0 {
			back[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	run := make([]pair, len(tails))
	for k, i := len(tails)-1, -1; k >= 0; k-- {
		if i < 0 {
			i = tails[k]
		} else {
			i = back[i]
		}
		run[k] = pairs[i]
	}
	return run
}

// gapMatcher pairs the edited blocks of one gap between skeleton pairs. It
// keeps the bigrams it computes, per block, for whole-block notes.
type gapMatcher struct {
	prevText    []string
	nextText    []string
	prevBigrams map[int][]uint64
	nextBigrams map[int][]uint64
}

func (g *gapMatcher) prevBi(i int) []uint64 {
	b, ok := g.prevBigrams[i]
	if !ok {
		b = bigrams(g.prevText[i])
		g.prevBigrams[i] = b
	}
	return b
}

func (g *gapMatcher) nextBi(j int) []uint64 {
	b, ok := g.nextBigrams[j]
	if !ok {
		b = bigrams(g.nextText[j])
		g.nextBigrams[j] = b
	}
	return b
}

// pairs pairs the blocks of prev[p0:p1] and next[n0:n1] not already
// matched (prevUsed, matched) greedily by Dice similarity, best first; ties
// go to the earlier block of next, then of prev.
func (g *gapMatcher) pairs(p0, p1, n0, n1 int, prevUsed []bool, matched []int) []pair {
	if p0 >= p1 || n0 >= n1 {
		return nil
	}
	type candidate struct {
		pair
		score float64
	}
	var cands []candidate
	for j := n0; j < n1; j++ {
		if matched[j] >= 0 {
			continue
		}
		nb := g.nextBi(j)
		for i := p0; i < p1; i++ {
			if prevUsed[i] {
				continue
			}
			// Dice is at most 2 min / (min + max) of the two counts of
			// bigrams: skip pairs too unequal in length to reach minDice.
			pb := g.prevBi(i)
			if lo, hi := min(len(pb), len(nb)), max(len(pb), len(nb)); 2*float64(lo) < minDice*float64(lo+hi) {
				continue
			}
			if s := dice(pb, nb); s >= minDice {
				cands = append(cands, candidate{pair{i, j}, s})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		return cmp.Compare(b.score, a.score) // stable: ties keep (next, prev) order
	})
	var out []pair
	usedPrev, usedNext := map[int]bool{}, map[int]bool{}
	for _, c := range cands {
		if !usedPrev[c.prev] && !usedNext[c.next] {
			usedPrev[c.prev], usedNext[c.next] = true, true
			out = append(out, c.pair)
		}
	}
	return out
}

// bigrams returns the word bigrams of text as sorted hashes. Words are runs of
// letters and digits, lower-cased. A text of one word gives that word alone,
// so that one-word headings can still be compared.
func bigrams(text string) []uint64 {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	h := fnv.New64a()
	sum := func(parts ...string) uint64 {
		h.Reset()
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		return h.Sum64()
	}
	var out []uint64
	switch len(words) {
	case 0:
	case 1:
		out = append(out, sum(words[0]))
	default:
		for i := 1; i < len(words); i++ {
			out = append(out, sum(words[i-1], words[i]))
		}
	}
	slices.Sort(out)
	return out
}

// dice is the Sørensen–Dice coefficient of two sorted multisets.
func dice(a, b []uint64) float64 {
	if len(a)+len(b) == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}
