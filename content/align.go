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

// AssignAnchors aligns next's blocks with prev (ANCHORING.md "Re-anchoring"
// step 1: identical blocks paired by hash in order, duplicates k-th with
// k-th; the longest increasing run of pairs kept as the skeleton; inside each
// gap, edited blocks paired greedily by Dice similarity on word bigrams,
// accepted at >= 0.5) and returns one anchor per block of next: a matched
// block inherits its previous anchor, a new block keeps its content id,
// suffixed "-k" if that id is already taken. Matched reports, per block of
// next, the index into prev of its partner or -1.
//
// One addition: a block paired by hash but left out of the skeleton because
// it moved, and not paired inside its gap, is still matched to its identical
// partner at the end, so a moved paragraph keeps its anchor and its notes.
// Anchors are unique even if prev's were not: a block whose inherited anchor
// is already taken is treated as new.
func AssignAnchors(prev []PrevBlock, next []*Block) (anchors []string, matched []int) {
	matched = make([]int, len(next))
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
	for i, p := range prev {
		byHash[p.Hash] = append(byHash[p.Hash], i)
	}
	var pairs []pair
	for j, b := range next {
		if list := byHash[b.Hash]; len(list) > 0 {
			pairs = append(pairs, pair{prev: list[0], next: j})
			byHash[b.Hash] = list[1:]
		}
	}

	// The skeleton, then the gaps around it.
	skeleton := longestIncreasing(pairs)
	for _, p := range skeleton {
		match(p.prev, p.next)
	}
	g := gapMatcher{prev: prev, next: next, prevBigrams: map[int][]uint64{}}
	last := pair{prev: -1, next: -1}
	for _, p := range append(skeleton, pair{prev: len(prev), next: len(next)}) {
		for _, m := range g.pairs(last.prev+1, p.prev, last.next+1, p.next) {
			match(m.prev, m.next)
		}
		last = p
	}
	for _, p := range pairs {
		if matched[p.next] < 0 && !prevUsed[p.prev] {
			match(p.prev, p.next)
		}
	}

	anchors = make([]string, len(next))
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
	for j, b := range next {
		if matched[j] >= 0 {
			continue
		}
		base := contentID(blockHash(b))
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
func blockHash(b *Block) string {
	if len(b.Hash) >= 8 {
		return b.Hash
	}
	sum := sha256.Sum256([]byte(b.Text))
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

// gapMatcher pairs the edited blocks of one gap between skeleton pairs.
type gapMatcher struct {
	prev        []PrevBlock
	next        []*Block
	prevBigrams map[int][]uint64
}

// pairs pairs prev[p0:p1] with next[n0:n1] greedily by Dice similarity,
// best first; ties go to the earlier block of next, then of prev.
func (g *gapMatcher) pairs(p0, p1, n0, n1 int) []pair {
	if p0 >= p1 || n0 >= n1 {
		return nil
	}
	type candidate struct {
		pair
		score float64
	}
	var cands []candidate
	for j := n0; j < n1; j++ {
		nb := bigrams(g.next[j].Text)
		for i := p0; i < p1; i++ {
			pb, ok := g.prevBigrams[i]
			if !ok {
				pb = bigrams(g.prev[i].Text)
				g.prevBigrams[i] = pb
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
