package content

import (
	"cmp"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// ---- Held-out evaluation -----------------------------------------------------
//
// TestPlaceEvaluation revises the essay with the nine kinds of edit a
// writer makes (paragraphs left alone, moved, moved and lightly edited,
// deleted; sentences deleted, reworded, copied nearly word for word into
// another paragraph; words inserted before a quote; one character fixed
// inside a quote; one word inserted inside a quote), places about 200
// notes on the revision and compares each placement with the truth.
//
// The truth does not come from the placement code: every code point of the
// revision carries where it came from (its block and offset in the old
// text, or nothing for new text), so a note's true place is where its own
// code points went, with any new text between them (a fixed letter, an
// inserted word), and a note none of whose code points survived has none:
// it must be an orphan, even if the same words occur elsewhere. The edits
// and notes are drawn from a seeded random source and several seeds are
// checked, so that no single script is what the placement is tuned to.

// tracked is one code point of a revised block and where it came from: block
// and offset in the old revision, or block -1 for new text.
type tracked struct {
	r     rune
	block int
	at    int
}

// Kinds of note, by what the revision did to its words.
const (
	kindUntouched     = "paragraph untouched"
	kindKept          = "sentence kept in an edited paragraph"
	kindMoved         = "paragraph moved"
	kindMovedEdited   = "paragraph moved and lightly edited"
	kindParaDeleted   = "paragraph deleted"
	kindSentDeleted   = "sentence deleted"
	kindReworded      = "sentence reworded"
	kindInsertBefore  = "words inserted before the quote"
	kindCharFixed     = "one character fixed inside the quote"
	kindWordInside    = "one word inserted inside the quote"
	kindNearDuplicate = "sentence copied nearly word for word elsewhere"
	kindSplitOff      = "sentence in the part of a paragraph split off"
)

// evalNote is a note of the evaluation and its truth on the revision.
type evalNote struct {
	target Target
	block  int    // its block in the old revision
	repeat bool   // its quote occurs more than once in the old revision
	kind   string // what the revision did to its words

	orphan     bool // true: none of its words survived
	to         int  // the new block it belongs on
	start, end int  // and where in it (0, 0 for a whole-block note)
}

// evalRevision is a revision of a document, the notes on the old one and
// what must hold of the new one.
type evalRevision struct {
	old       *Document
	next      []*Block
	notes     []*evalNote
	survivors map[int]int // old block -> the new block that is its revised self
}

// sentences splits a block's text into sentences: a sentence ends at '.',
// '?' or '!' (and any closing quotes or brackets), followed by a space and
// a capital letter or an opening quote, unless it ends an abbreviation (a
// single letter, or a word with a full stop inside). The sentences cover
// the text but for the one space between two of them.
func sentences(text []rune) []cpRange {
	var out []cpRange
	start := 0
	for i := 0; i < len(text); i++ {
		if !strings.ContainsRune(".?!", text[i]) {
			continue
		}
		j := i + 1
		for j < len(text) && strings.ContainsRune("”’)", text[j]) {
			j++
		}
		// Not after an abbreviation: "E.g.", "T.J.", "M." of a name.
		w := i
		for w > 0 && text[w-1] != ' ' {
			w--
		}
		abbrev := i-w < 2 || strings.ContainsRune(string(text[w:i]), '.')
		if !abbrev && j+1 < len(text) && text[j] == ' ' && (unicode.IsUpper(text[j+1]) || text[j+1] == '“') {
			out = append(out, cpRange{start, j})
			start = j + 1
			i = j
		}
	}
	return append(out, cpRange{start, len(text)})
}

// wordsIn returns the words (runs of non-spaces) of text[s.start:s.end].
func wordsIn(text []rune, s cpRange) []cpRange {
	var out []cpRange
	for i := s.start; i < s.end; {
		if text[i] == ' ' {
			i++
			continue
		}
		j := i
		for j < s.end && text[j] != ' ' {
			j++
		}
		out = append(out, cpRange{i, j})
		i = j
	}
	return out
}

// wholeWordsIn reports whether q occurs in text with no letter or digit
// right before or after it.
func wholeWordsIn(text, q []rune) bool {
	for k := 0; k+len(q) <= len(text); k++ {
		if slices.Equal(text[k:k+len(q)], q) &&
			(k == 0 || !isWordRune(text[k-1]) || !isWordRune(q[0])) &&
			(k+len(q) == len(text) || !isWordRune(text[k+len(q)]) || !isWordRune(q[len(q)-1])) {
			return true
		}
	}
	return false
}

// poolWords are the words edits bring in. Some are the essay's own, so
// that rewording makes new occurrences of its phrases, as editing does.
var poolWords = strings.Fields("broader regional region order security partners today still often many " +
	"economic several clearly arrangements states policy choices recent forces Asia critical networks " +
	"greater careful durable newer")

func poolWord(r *rand.Rand) []rune { return []rune(poolWords[r.IntN(len(poolWords))]) }

func fresh(s []rune) []tracked {
	out := make([]tracked, len(s))
	for k, c := range s {
		out[k] = tracked{c, -1, 0}
	}
	return out
}

// repeatedPhrases lists, per block of d, the word n-grams (1 to 4 words, at
// least 6 code points, inside one sentence) that occur more than once in d.
func repeatedPhrases(d *Document) map[int][]cpRange {
	type occ struct{ block, start, end int }
	byText := map[string][]occ{}
	for b, bl := range d.Blocks {
		text := []rune(bl.Text)
		for _, s := range sentences(text) {
			ws := wordsIn(text, s)
			for k := range ws {
				for n := 1; n <= 4 && k+n <= len(ws); n++ {
					st, en := ws[k].start, ws[k+n-1].end
					for en > st && strings.ContainsRune(",.;:”’)", text[en-1]) {
						en--
					}
					if en-st < 6 || strings.ContainsRune("“‘(", text[st]) {
						continue
					}
					p := string(text[st:en])
					byText[p] = append(byText[p], occ{b, st, en})
				}
			}
		}
	}
	count := func(p string) int {
		n := 0
		for _, b := range d.Blocks {
			n += strings.Count(b.Text, p)
		}
		return n
	}
	out := map[int][]cpRange{}
	for p, occs := range byText {
		if len(occs) < 2 && count(p) < 2 {
			continue
		}
		for _, o := range occs {
			out[o.block] = append(out[o.block], cpRange{o.start, o.end})
		}
	}
	for b := range out {
		slices.SortFunc(out[b], func(x, y cpRange) int { return cmp.Or(cmp.Compare(x.start, y.start), cmp.Compare(x.end, y.end)) })
		out[b] = slices.Compact(out[b])
	}
	return out
}

// makeRevision revises old with edits and notes drawn from r (see
// TestPlaceEvaluation).
func makeRevision(t testing.TB, r *rand.Rand, old *Document, nNotes int) *evalRevision {
	t.Helper()
	texts := make([][]rune, len(old.Blocks))
	sents := make([][]cpRange, len(old.Blocks))
	for b, bl := range old.Blocks {
		texts[b] = []rune(bl.Text)
		sents[b] = sentences(texts[b])
	}
	sentenceOf := func(b, at int) int {
		for k, s := range sents[b] {
			if at >= s.start && at < s.end {
				return k
			}
		}
		return -1
	}
	repeats := repeatedPhrases(old)

	// Notes: whole blocks, repeated phrases, whole sentences, runs of words.
	var notes []*evalNote
	seen := map[Target]bool{}
	weights := make([]int, len(old.Blocks))
	total := 0
	for b := range old.Blocks {
		weights[b] = len(texts[b])
		total += weights[b]
	}
	pick := func() int {
		x := r.IntN(total)
		for b, w := range weights {
			if x < w {
				return b
			}
			x -= w
		}
		return len(weights) - 1
	}
	for len(notes) < nNotes {
		b := pick()
		text := texts[b]
		var start, end int
		repeat := false
		switch x := r.IntN(100); {
		case x < 8: // the whole block
		case x < 38 && len(repeats[b]) > 0:
			s := repeats[b][r.IntN(len(repeats[b]))]
			start, end, repeat = s.start, s.end, true
		case x < 48:
			s := sents[b][r.IntN(len(sents[b]))]
			start, end = s.start, s.end
		default:
			s := sents[b][r.IntN(len(sents[b]))]
			ws := wordsIn(text, s)
			k := r.IntN(len(ws))
			l := min(len(ws), k+1+r.IntN(8))
			start, end = ws[k].start, ws[l-1].end
			if r.IntN(2) == 0 {
				for end > start+1 && strings.ContainsRune(",.;:", text[end-1]) {
					end--
				}
			}
		}
		tg := Target{Anchor: old.Blocks[b].Anchor}
		if end > start {
			exact, prefix, suffix, ok := QuoteContext(old.Blocks[b].Text, start, end)
			if !ok {
				t.Fatalf("QuoteContext(%d, %d) failed", start, end)
			}
			tg = Target{Anchor: tg.Anchor, Start: start, End: end, Exact: exact, Prefix: prefix, Suffix: suffix}
			if !repeat {
				n := 0
				for _, bl := range old.Blocks {
					n += strings.Count(bl.Text, exact)
				}
				repeat = n > 1
			}
		}
		if seen[tg] {
			continue
		}
		seen[tg] = true
		notes = append(notes, &evalNote{target: tg, block: b, repeat: repeat})
	}
	quoted := func(n *evalNote) bool { return n.target.Exact != "" }
	// inside reports whether code point at of block b is strictly inside
	// the quote of a note other than skip.
	inside := func(b, at int, skip *evalNote) bool {
		for _, n := range notes {
			if n != skip && n.block == b && quoted(n) && n.target.Start < at && at < n.target.End {
				return true
			}
		}
		return false
	}
	// covers reports whether code point at of block b is in the quote of
	// a note other than skip.
	covers := func(b, at int, skip *evalNote) bool {
		for _, n := range notes {
			if n != skip && n.block == b && quoted(n) && n.target.Start <= at && at < n.target.End {
				return true
			}
		}
		return false
	}

	// Fates of the paragraphs: long "p" blocks only; headings and short
	// blocks stay as they are.
	const (
		untouched = iota
		deleted
		moved
		movedEdited
		sentenceEdited
		split
	)
	fate := make([]int, len(old.Blocks))
	var paras []int
	for b, bl := range old.Blocks {
		if bl.Kind == "p" && len(texts[b]) >= 150 {
			paras = append(paras, b)
		}
	}
	r.Shuffle(len(paras), func(x, y int) { paras[x], paras[y] = paras[y], paras[x] })
	isPara := func(b int) bool { return slices.Contains(paras, b) }
	// A paragraph split in two keeps its first sentences, at least 60 % of
	// it (so that the first part is still itself), and its last ones make
	// a paragraph of their own: splitAt is the first of those.
	splitAt := make([]int, len(old.Blocks))
	splitPoint := func(b int) int {
		for k := 1; k < len(sents[b]); k++ {
			if float64(sents[b][k].start) >= 0.6*float64(len(texts[b])) {
				return k
			}
		}
		return -1
	}
	assigned := 0
	for _, f := range []int{deleted, deleted, moved, movedEdited} {
		for _, b := range paras[assigned:] {
			// A moved paragraph goes after the next block, which stays put.
			if (f == moved || f == movedEdited) && (b+1 >= len(old.Blocks) || fate[b+1] != untouched || !isPara(b+1) || b > 0 && (fate[b-1] == moved || fate[b-1] == movedEdited)) {
				continue
			}
			if fate[b] == untouched {
				fate[b] = f
				assigned++
				break
			}
		}
	}
	for _, b := range paras {
		if fate[b] == untouched && len(sents[b]) >= 2 && r.IntN(5) < 3 {
			fate[b] = sentenceEdited
		}
	}
	// One paragraph left untouched, not next to a moved one, is split. It
	// draws nothing from r, so the other edits are those the seed made
	// before paragraphs were split.
	for _, b := range paras {
		near := func(k int) bool { return k >= 0 && k < len(fate) && (fate[k] == moved || fate[k] == movedEdited) }
		if fate[b] == untouched && !near(b-1) && !near(b+1) {
			if splitAt[b] = splitPoint(b); splitAt[b] > 0 {
				fate[b] = split
				break
			}
		}
	}

	// Per sentence of an edited paragraph: kept, deleted or reworded. At
	// least 60 % of the paragraph stays, so that it is still itself.
	const (
		keep = iota
		drop
		reword
	)
	sentFate := make([][]int, len(old.Blocks))
	for b := range old.Blocks {
		sentFate[b] = make([]int, len(sents[b]))
		if fate[b] != sentenceEdited {
			continue
		}
		kept := len(texts[b])
		for k, s := range sents[b] {
			hasRepeat := false
			for _, n := range notes {
				if n.block == b && n.repeat && quoted(n) && n.target.Start >= s.start && n.target.End <= s.end {
					hasRepeat = true
				}
			}
			f := keep
			switch x := r.IntN(100); {
			case x < 15 || hasRepeat && x < 40:
				f = drop
			case x < 30 || hasRepeat && x < 55:
				f = reword
			}
			if f != keep && float64(kept-(s.end-s.start)) >= 0.6*float64(len(texts[b])) {
				sentFate[b][k] = f
				kept -= s.end - s.start
			}
		}
	}

	// Edits inside kept sentences, each aimed at one note's quote: words
	// inserted before it, a letter fixed inside it, a word inserted inside
	// it. None falls inside another note's quote.
	type edit struct {
		from, to int // old code points replaced
		with     []tracked
	}
	edits := map[int][]edit{}
	busy := func(b, from, to int) bool {
		for _, e := range edits[b] {
			if from <= e.to && e.from <= to {
				return true
			}
		}
		return false
	}
	kindOf := map[*evalNote]string{}
	for _, n := range notes {
		b := n.block
		if !quoted(n) || fate[b] != sentenceEdited {
			continue
		}
		k := sentenceOf(b, n.target.Start)
		if k < 0 || sentFate[b][k] != keep || busy(b, n.target.Start, n.target.End) {
			continue
		}
		text := texts[b]
		ws := wordsIn(text, cpRange{n.target.Start, n.target.End})
		switch x := r.IntN(100); {
		case x < 20: // words inserted before the quote
			at := n.target.Start
			if inside(b, at, nil) {
				continue
			}
			// Not the quote's first word: which of the two would be
			// the note's could not be told.
			first := string(text[ws[0].start:ws[0].end])
			var w []rune
			for len(w) == 0 || slices.ContainsFunc(strings.Fields(string(w)), func(x string) bool { return strings.HasPrefix(first, x) }) {
				w = append(append(poolWord(r), ' '), append(poolWord(r), ' ')...)
			}
			edits[b] = append(edits[b], edit{at, at, fresh(w)})
			kindOf[n] = kindInsertBefore
		case x < 35: // one letter fixed inside the quote
			var cands []int
			for _, w := range ws {
				if w.end-w.start < 4 {
					continue
				}
				for at := w.start + 1; at < w.end-1; at++ {
					if unicode.IsLower(text[at]) && at > n.target.Start && at < n.target.End-1 && !covers(b, at, n) {
						cands = append(cands, at)
					}
				}
			}
			if len(cands) == 0 {
				continue
			}
			at := cands[r.IntN(len(cands))]
			c := text[at]
			for c == text[at] {
				c = rune('a' + r.IntN(26))
			}
			edits[b] = append(edits[b], edit{at, at + 1, fresh([]rune{c})})
			kindOf[n] = kindCharFixed
		case x < 50: // one word inserted inside the quote
			if len(ws) < 3 {
				continue
			}
			at := ws[1+r.IntN(len(ws)-2)].start
			if inside(b, at, n) {
				continue
			}
			edits[b] = append(edits[b], edit{at, at, fresh(append(poolWord(r), ' '))})
			kindOf[n] = kindWordInside
		}
	}

	// Rewording: every word of a note's quote and some others replaced.
	reworded := func(b int, s cpRange) []tracked {
		text := texts[b]
		for tries := 0; ; tries++ {
			var out []tracked
			for k, w := range wordsIn(text, s) {
				if k > 0 {
					out = append(out, tracked{' ', -1, 0})
				}
				hit := r.IntN(10) < 4
				for _, n := range notes {
					if n.block == b && quoted(n) && n.target.Start < w.end && w.start < n.target.End {
						hit = true
					}
				}
				if hit {
					nw := poolWord(r)
					for string(nw) == string(text[w.start:w.end]) {
						nw = poolWord(r)
					}
					if k == 0 {
						nw[0] = unicode.ToUpper(nw[0])
					}
					out = append(out, fresh(nw)...)
				} else {
					for at := w.start; at < w.end; at++ {
						out = append(out, tracked{text[at], b, at})
					}
				}
			}
			if out[len(out)-1].r != '.' {
				out = append(out, tracked{'.', -1, 0})
			}
			str := make([]rune, len(out))
			for k, a := range out {
				str[k] = a.r
			}
			// No quote of the sentence comes back by chance, as whole
			// words (tried a few times: the truth does not depend on it).
			clean := true
			for _, n := range notes {
				if n.block == b && quoted(n) && n.target.Start >= s.start && n.target.End <= s.end &&
					wholeWordsIn(str, []rune(n.target.Exact)) {
					clean = false
				}
			}
			if clean || tries == 20 {
				return out
			}
		}
	}

	// Near-duplicates: a kept sentence copied, one word changed, into
	// another edited paragraph, before one of its kept sentences.
	dupBefore := map[[2]int][]tracked{} // (block, sentence) -> the copy to insert before it
	dupOf := map[[2]int]bool{}          // (block, sentence) copied
	dupInto := map[int]bool{}           // blocks given a copy (one each)
	var editedParas []int
	for _, b := range paras {
		if fate[b] == sentenceEdited {
			editedParas = append(editedParas, b)
		}
	}
	for range 3 {
		if len(editedParas) < 2 {
			break
		}
		src := editedParas[r.IntN(len(editedParas))]
		k := r.IntN(len(sents[src]))
		if sentFate[src][k] != keep || dupOf[[2]int{src, k}] {
			continue
		}
		dst := editedParas[r.IntN(len(editedParas))]
		l := r.IntN(len(sents[dst]))
		if dst == src || sentFate[dst][l] != keep || dupInto[dst] {
			continue
		}
		dupInto[dst] = true
		s := sents[src][k]
		ws := wordsIn(texts[src], s)
		change := ws[r.IntN(len(ws))]
		nw := poolWord(r)
		for string(nw) == string(texts[src][change.start:change.end]) {
			nw = poolWord(r)
		}
		var dup []rune
		for at := s.start; at < s.end; at++ {
			if at == change.start {
				dup = append(dup, nw...)
			}
			if at < change.start || at >= change.end {
				dup = append(dup, texts[src][at])
			}
		}
		dupBefore[[2]int{dst, l}] = fresh(append(dup, ' '))
		dupOf[[2]int{src, k}] = true
	}

	// Light edits of the paragraph moved and edited: two words replaced,
	// outside every quote.
	for b := range old.Blocks {
		if fate[b] != movedEdited {
			continue
		}
		ws := wordsIn(texts[b], cpRange{0, len(texts[b])})
		for tries := 0; len(edits[b]) < 2 && tries < 100; tries++ {
			w := ws[r.IntN(len(ws))]
			free := !busy(b, w.start, w.end)
			for _, n := range notes {
				if n.block == b && quoted(n) && n.target.Start < w.end && w.start < n.target.End {
					free = false
				}
			}
			nw := poolWord(r)
			if free && unicode.IsLower(texts[b][w.start]) && !strings.ContainsAny(string(texts[b][w.start:w.end]), ".,;:") &&
				string(nw) != string(texts[b][w.start:w.end]) {
				edits[b] = append(edits[b], edit{w.start, w.end, fresh(nw)})
			}
		}
	}

	// Build the revised blocks.
	build := func(b int) []tracked {
		text := texts[b]
		es := slices.Clone(edits[b])
		sort.Slice(es, func(x, y int) bool { return es[x].from < es[y].from })
		piece := func(s cpRange) []tracked {
			var out []tracked
			at := s.start
			for _, e := range es {
				if e.from < s.start || e.from > s.end {
					continue
				}
				for ; at < e.from; at++ {
					out = append(out, tracked{text[at], b, at})
				}
				out = append(out, e.with...)
				at = e.to
			}
			for ; at < s.end; at++ {
				out = append(out, tracked{text[at], b, at})
			}
			return out
		}
		if fate[b] != sentenceEdited {
			return piece(cpRange{0, len(text)})
		}
		var out []tracked
		for k, s := range sents[b] {
			var p []tracked
			switch sentFate[b][k] {
			case drop:
				continue
			case reword:
				p = reworded(b, s)
			default:
				p = piece(s)
			}
			if len(out) > 0 {
				out = append(out, tracked{' ', -1, 0})
			}
			out = append(out, dupBefore[[2]int{b, k}]...)
			out = append(out, p...)
		}
		return out
	}
	var blocks [][]tracked
	var order []int
	for b := range old.Blocks {
		if fate[b] != deleted {
			order = append(order, b)
		}
	}
	for k := 0; k+1 < len(order); k++ {
		if f := fate[order[k]]; f == moved || f == movedEdited {
			order[k], order[k+1] = order[k+1], order[k]
			k++
		}
	}
	rev := &evalRevision{old: old, survivors: map[int]int{}}
	j := 0
	add := func(b int, as []tracked) {
		blocks = append(blocks, as)
		text := make([]rune, len(as))
		for k, a := range as {
			text[k] = a.r
		}
		s := string(text)
		if Canon(s) != s {
			t.Fatalf("revised block %d is not canonical: %q", j, s)
		}
		rev.next = append(rev.next, &Block{Index: j, Kind: old.Blocks[b].Kind, Text: s, Hash: hashOf(s)})
		if _, ok := rev.survivors[b]; !ok {
			rev.survivors[b] = j // a split paragraph's first part
		}
		j++
	}
	for _, b := range order {
		as := build(b)
		if fate[b] != split {
			add(b, as)
			continue
		}
		// Its first part, then the rest, without the space between.
		k := sents[b][splitAt[b]].start
		add(b, as[:k-1])
		add(b, as[k:])
	}

	// The truth, from where each note's code points went.
	type loc struct{ block, at int }
	where := map[[2]int]loc{} // (old block, offset) -> where it went
	for j, as := range blocks {
		for k, a := range as {
			if a.block >= 0 {
				where[[2]int{a.block, a.at}] = loc{j, k}
			}
		}
	}
	for _, n := range notes {
		b := n.block
		switch {
		case fate[b] == deleted:
			n.kind = kindParaDeleted
		case fate[b] == moved:
			n.kind = kindMoved
		case fate[b] == movedEdited:
			n.kind = kindMovedEdited
		case fate[b] == untouched:
			n.kind = kindUntouched
		default:
			n.kind = kindKept
		}
		if !quoted(n) {
			j, ok := rev.survivors[b]
			n.orphan, n.to = !ok, j
			continue
		}
		if k := sentenceOf(b, n.target.Start); k >= 0 && fate[b] == split && k >= splitAt[b] {
			n.kind = kindSplitOff
		}
		if k := sentenceOf(b, n.target.Start); k >= 0 && fate[b] == sentenceEdited {
			switch {
			case sentFate[b][k] == drop:
				n.kind = kindSentDeleted
			case sentFate[b][k] == reword:
				n.kind = kindReworded
			case kindOf[n] != "":
				n.kind = kindOf[n]
			case dupOf[[2]int{b, k}]:
				n.kind = kindNearDuplicate
			}
		}
		var got []loc
		for at := n.target.Start; at < n.target.End; at++ {
			if l, ok := where[[2]int{b, at}]; ok {
				got = append(got, l)
			}
		}
		if len(got) == 0 {
			n.orphan = true
			continue
		}
		j, first, last := got[0].block, got[0].at, got[len(got)-1].at
		for _, l := range got {
			if l.block != j {
				t.Fatalf("note %+v: its words went to two blocks", n.target)
			}
		}
		for _, a := range blocks[j][first : last+1] {
			if a.block >= 0 && (a.block != b || a.at < n.target.Start || a.at >= n.target.End) {
				t.Fatalf("note %+v: other words came inside it", n.target)
			}
		}
		// Letters fixed inside may be new; its first and last are its own.
		if where[[2]int{b, n.target.Start}] != got[0] || where[[2]int{b, n.target.End - 1}] != got[len(got)-1] {
			t.Fatalf("note %+v: its ends were lost", n.target)
		}
		n.to, n.start, n.end = j, first, last+1
	}
	rev.notes = notes
	return rev
}

// evalTally counts the outcomes of an evaluation.
type evalTally struct {
	placed, orphaned int // correct: on the true words, or orphans rightly
	moved            int // of placed, in another paragraph
	wrong            int // placed on other words (or another block)
	lost             int // orphaned though its words survive
}

func (c evalTally) correct() int { return c.placed + c.orphaned }

func (c *evalTally) add(o evalTally) {
	c.placed += o.placed
	c.moved += o.moved
	c.orphaned += o.orphaned
	c.wrong += o.wrong
	c.lost += o.lost
}

func (c evalTally) String() string {
	return fmt.Sprintf("%d correct (%d placed, %d of them moved; %d orphaned), %d on wrong words, %d wrongly orphaned",
		c.correct(), c.placed, c.moved, c.orphaned, c.wrong, c.lost)
}

// evaluate places the revision's notes and compares them with the truth;
// it reports every mistake with log and checks every placement.
func evaluate(t testing.TB, rev *evalRevision, log func(format string, args ...any)) (total evalTally, byKind map[string]*evalTally) {
	t.Helper()
	prev := prevOf(rev.old)
	a := Align(prev, rev.next)
	anchors, matched := a.Anchors(), a.Matched()
	checkAnchors(t, prev, rev.next, anchors, matched)
	for b, j := range rev.survivors {
		if anchors[j] != prev[b].Anchor {
			t.Errorf("paragraph %d (%.40q) survives as block %d but lost its anchor %s (now %s)", b, prev[b].Text, j, prev[b].Anchor, anchors[j])
		}
	}
	byKind = map[string]*evalTally{}
	for _, n := range rev.notes {
		p := a.Place(n.target, false)
		checkPlacement(t, a, rev.next, n.target, p)
		// The status says what happened: the note's very words in its
		// paragraph's successor are exact or mapped, in another paragraph
		// moved; other words are fuzzy.
		if p.Status != StatusOrphan {
			j := slices.Index(anchors, p.Anchor)
			own, same := matched[j] == n.block, p.Exact == n.target.Exact
			switch {
			case (p.Status == StatusMapped || p.Status == StatusExact) && !own:
				t.Errorf("note %+v: %s, but moved to block %d, not its paragraph's successor", n.target, p.Status, j)
			case p.Status == StatusMoved && (own || !same):
				t.Errorf("note %+v: moved onto %q in block %d, its paragraph's successor: %v", n.target, p.Exact, j, own)
			case !own && same && p.Status != StatusMoved:
				t.Errorf("note %+v: its words found in block %d, another paragraph, but %s, not moved", n.target, j, p.Status)
			}
		}
		c := byKind[n.kind]
		if c == nil {
			c = &evalTally{}
			byKind[n.kind] = c
		}
		what := ""
		switch {
		case n.orphan && p.Status == StatusOrphan:
			c.orphaned++
		case n.orphan:
			c.wrong++
			what = "placed, but its words are gone"
		case p.Status == StatusOrphan:
			c.lost++
			what = fmt.Sprintf("orphaned, but its words are at [%d, %d) of block %d: %q", n.start, n.end, n.to, Slice(rev.next[n.to].Text, n.start, n.end))
		case p.Anchor == anchors[n.to] && p.Start == n.start && p.End == n.end:
			c.placed++
			if p.Status == StatusMoved {
				c.moved++
			}
		default:
			c.wrong++
			what = fmt.Sprintf("on the wrong words; its words are at [%d, %d) of block %d: %q", n.start, n.end, n.to, Slice(rev.next[n.to].Text, n.start, n.end))
		}
		if what != "" {
			log("%s: quote %q (prefix %q, suffix %q) %s; placed %s %.2f on %q at [%d, %d) of block %d",
				n.kind, n.target.Exact, n.target.Prefix, n.target.Suffix, what, p.Status, p.Score, p.Exact, p.Start, p.End, slices.Index(anchors, p.Anchor))
		}
	}
	for _, c := range byKind {
		total.add(*c)
	}
	return total, byKind
}

// evalSeeds is how many revisions TestPlaceEvaluation makes, from seeds 0,
// 1, …: go test ./content -run TestPlaceEvaluation -evalseeds 60 -v checks
// more of them (12,000 notes) and logs every mistake.
var evalSeeds = flag.Int("evalseeds", 10, "revisions of the essay TestPlaceEvaluation makes")

func TestPlaceEvaluation(t *testing.T) {
	old, err := Parse("essay", essaySource(t))
	if err != nil {
		t.Fatal(err)
	}
	var all evalTally
	kinds := map[string]*evalTally{}
	for seed := range uint64(*evalSeeds) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rev := makeRevision(t, rand.New(rand.NewPCG(seed, 18)), old, 200)
			total, byKind := evaluate(t, rev, t.Logf)
			t.Logf("%d notes: %v", len(rev.notes), total)
			if total.wrong > 0 {
				t.Errorf("%d notes placed on wrong words", total.wrong)
			}
			if total.lost > 1 {
				t.Errorf("%d notes orphaned whose words survive, want at most 1", total.lost)
			}
			all.add(total)
			for k, c := range byKind {
				if kinds[k] == nil {
					kinds[k] = &evalTally{}
				}
				kinds[k].add(*c)
			}
		})
	}
	t.Logf("all seeds: %v", all)
	var names []string
	for k := range kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		t.Logf("  %-48s %v", k, *kinds[k])
	}
	// Every kind of edit was made, and reached notes.
	for _, k := range []string{kindUntouched, kindKept, kindMoved, kindMovedEdited, kindParaDeleted, kindSentDeleted,
		kindReworded, kindInsertBefore, kindCharFixed, kindWordInside, kindNearDuplicate, kindSplitOff} {
		if kinds[k] == nil || kinds[k].correct()+kinds[k].wrong+kinds[k].lost < 5 {
			t.Errorf("fewer than 5 notes of kind %q over all seeds: the edits are too tame", k)
		}
	}
}
