package content

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Paragraphs for re-anchoring scenarios: long enough for word bigrams to mean
// something, and free of quotes and apostrophes, which the typographer would
// change.
const (
	pAlliances = "Alliances in the Asia-Pacific have shaped the regional order for seventy years, and they still do."
	pHub       = "The United States built a hub-and-spoke system of bilateral treaties after the war ended in 1945."
	pChina     = "China has grown into the largest trading partner of most states in the region, yet it has few allies."
	pASEAN     = "Multilateral institutions such as ASEAN offer a different path to cooperation among smaller states."
	pFuture    = "The future order will rest on a complex mix of institutional arrangements, not on alliances alone."
	pTypo      = "In 1951 the goverment of Japan signed a security treaty with the United States in San Francisco."
	pBalance   = "Before 1914, statesmen spoke of the balance of power as a law of nature in Europe."
	pAsiaBal   = "In Asia, by contrast, the balance of power was never a doctrine that anyone defended."
	pBalNew    = "Historians have long noted that statesmen spoke of the balance of power as a law of nature, " +
		"and many other things were said about it in the long nineteenth century by diplomats and kings alike."
	pFoes      = "Alliances served for reassuring partners and deterring potential foes. Such moves were never neutral."
	pRewritten = "Something else entirely now stands in this place of the essay, written afresh for a new edition."
)

func md(ps ...string) string { return strings.Join(ps, "\n\n") + "\n" }

// revise parses two revisions and aligns them.
func revise(t testing.TB, oldSrc, newSrc string) (old, next *Document, a *Alignment) {
	t.Helper()
	old, err := Parse("old", []byte(oldSrc))
	if err != nil {
		t.Fatal(err)
	}
	next, err = Parse("new", []byte(newSrc))
	if err != nil {
		t.Fatal(err)
	}
	return old, next, Align(prevOf(old), next.Blocks)
}

// nth returns the code-point range of the n-th (from 0) occurrence of s in
// text, overlapping occurrences counted.
func nth(t testing.TB, text, s string, n int) (int, int) {
	t.Helper()
	from := 0
	for k := 0; ; k++ {
		i := strings.Index(text[from:], s)
		if i < 0 {
			t.Fatalf("occurrence %d of %q not in %q", n, s, text)
		}
		if k == n {
			start := CodePoints(text[:from+i])
			return start, start + CodePoints(s)
		}
		from += i + 1
	}
}

// quoteNote is a note on the n-th occurrence of phrase in block b of d,
// built as the server builds it: offsets, then QuoteContext.
func quoteNote(t testing.TB, d *Document, b int, phrase string, n int) Target {
	t.Helper()
	text := d.Blocks[b].Text
	start, end := nth(t, text, phrase, n)
	exact, prefix, suffix, ok := QuoteContext(text, start, end)
	if !ok || exact != phrase {
		t.Fatalf("QuoteContext(%d, %d) = %q, %v", start, end, exact, ok)
	}
	// FindQuote, given the context, finds the same occurrence back.
	if s, e, ok := FindQuote(text, exact, prefix, suffix); !ok || s != start || e != end {
		t.Fatalf("FindQuote found [%d, %d), not [%d, %d)", s, e, start, end)
	}
	return Target{Anchor: d.Blocks[b].Anchor, Start: start, End: end, Exact: exact, Prefix: prefix, Suffix: suffix}
}

// checkPlacement checks what holds of any placement: a placed note lies on a
// block of the new revision, at offsets that fit its text, with the quote
// and context QuoteContext gives there, and a status that tells the truth;
// an orphan keeps the target it was given.
func checkPlacement(t testing.TB, a *Alignment, next []*Block, note Target, p Placement) {
	t.Helper()
	if !(p.Score >= 0 && p.Score <= 1) {
		t.Errorf("%+v: score %v outside [0, 1]", note, p.Score)
	}
	switch p.Status {
	case StatusOrphan:
		if p.Target != note || p.Score != 0 {
			t.Errorf("orphan changed its target or scored: %+v, was %+v", p, note)
		}
		return
	case StatusExact, StatusMapped, StatusMoved, StatusFuzzy:
	default:
		t.Errorf("%+v: unknown status %q", note, p.Status)
		return
	}
	j := slices.Index(a.Anchors(), p.Anchor)
	if j < 0 {
		t.Errorf("%+v placed on anchor %q, not one of the new revision's", note, p.Anchor)
		return
	}
	if note.Exact == "" {
		if p.Target != (Target{Anchor: p.Anchor}) {
			t.Errorf("whole-block note placed as %+v", p)
		}
		if p.Status != StatusFuzzy && p.Score != 1 {
			t.Errorf("whole-block note %s with score %v", p.Status, p.Score)
		}
		return
	}
	text := next[j].Text
	if p.Start < 0 || p.Start > p.End || p.End > CodePoints(text) || p.Exact == "" {
		t.Errorf("%+v placed at [%d, %d) of a block of %d code points", note, p.Start, p.End, CodePoints(text))
		return
	}
	exact, prefix, suffix, ok := QuoteContext(text, p.Start, p.End)
	if !ok || exact != p.Exact || prefix != p.Prefix || suffix != p.Suffix {
		t.Errorf("placement %+v does not fit block %d: QuoteContext gives %q %q %q", p, j, exact, prefix, suffix)
	}
	switch p.Status {
	case StatusExact:
		if p.Exact != note.Exact || p.Start != note.Start || p.End != note.End || p.Score != 1 {
			t.Errorf("exact placement %+v of %+v", p, note)
		}
	case StatusMapped, StatusMoved:
		if p.Exact != note.Exact {
			t.Errorf("%s placement %q of quote %q", p.Status, p.Exact, note.Exact)
		}
	case StatusFuzzy:
		// At minQuoteSim, or lower for words inserted into the quote (all
		// of its words still there, whole and in order).
		q, quote := similarity([]rune(p.Exact), []rune(note.Exact)), []rune(note.Exact)
		if q < minQuoteSim && !(q >= minInsertSim && wordsKept(quote, []rune(p.Exact))) {
			t.Errorf("fuzzy placement %q of quote %q: similarity %.2f", p.Exact, note.Exact, q)
		}
	}
}

func TestPlaceScenarios(t *testing.T) {
	type note struct {
		block  int    // block of the old revision
		phrase string // the quote; "" for a whole-block note
		n      int    // which occurrence of phrase in the block, from 0

		want    Status
		to      int     // block of the new revision it lands on (not for orphans)
		exact   string  // the quote found there; "" for whole-block notes
		at      int     // which occurrence of exact in that block, from 0
		inherit bool    // the anchor must be the old block's
		score   float64 // the score expected, if not 0
	}
	footnotesOld := "Alpha text makes a first claim here.[^a]\n\nBeta text makes another claim.[^b]\n\n" +
		"[^a]: Footnote about alpha.\n\n[^b]: Footnote about beta.\n"
	footnotesNew := "Alpha text[^new] makes a first claim here.[^a]\n\nBeta text makes another claim.[^b]\n\n" +
		"[^new]: A new footnote.\n\n[^a]: Footnote about alpha.\n\n[^b]: Footnote about beta.\n"
	typoFixed := strings.Replace(pTypo, "goverment", "government", 1)
	punctuated := strings.Replace(pASEAN, "institutions such as ASEAN offer", "institutions, such as ASEAN, offer", 1)
	tests := []struct {
		name     string
		old, new string
		notes    []note
	}{
		{
			name: "paragraph inserted before",
			old:  md(pAlliances, pHub),
			new:  md(pChina, pAlliances, pHub),
			notes: []note{
				{block: 0, phrase: "the regional order", want: StatusExact, to: 1, exact: "the regional order", inherit: true},
				{block: 1, want: StatusExact, to: 2, inherit: true},
			},
		},
		{
			name: "paragraph deleted",
			old:  md(pAlliances, pHub+" It still anchors the regional order today.", pChina),
			new:  md(pAlliances, pChina),
			notes: []note{
				{block: 0, phrase: "the regional order", want: StatusExact, to: 0, exact: "the regional order", inherit: true},
				{block: 2, phrase: "few allies", want: StatusExact, to: 1, exact: "few allies", inherit: true},
				{block: 1, phrase: "hub-and-spoke system", want: StatusOrphan},
				{block: 1, want: StatusOrphan},
				// Its words are still in the essay, elsewhere, but in
				// another sentence: its context says they are not its own.
				{block: 1, phrase: "the regional order", want: StatusOrphan},
				// Too short to follow outside its block without its context.
				{block: 1, phrase: "the", want: StatusOrphan},
			},
		},
		{
			name: "two paragraphs swapped",
			old:  md(pAlliances, pHub, pChina, pASEAN),
			new:  md(pAlliances, pChina, pHub, pASEAN),
			notes: []note{
				{block: 1, phrase: "bilateral treaties", want: StatusExact, to: 2, exact: "bilateral treaties", inherit: true},
				{block: 2, phrase: "trading partner", want: StatusExact, to: 1, exact: "trading partner", inherit: true},
				{block: 2, want: StatusExact, to: 1, inherit: true},
			},
		},
		{
			name: "typo fixed inside a quoted phrase",
			old:  md(pAlliances, pTypo),
			new:  md(pAlliances, typoFixed),
			notes: []note{
				{block: 1, phrase: "the goverment of Japan", want: StatusFuzzy, to: 1, exact: "the government of Japan", inherit: true},
				{block: 1, phrase: "security treaty", want: StatusMapped, to: 1, exact: "security treaty", inherit: true, score: 1},
				{block: 1, phrase: "In 1951", want: StatusMapped, to: 1, exact: "In 1951", inherit: true, score: 1},
				// A whole-block note on an edited paragraph: fuzzy, scored by Dice.
				{block: 1, want: StatusFuzzy, to: 1, inherit: true, score: dice(bigrams(pTypo), bigrams(typoFixed))},
			},
		},
		{
			name: "words inserted before a quote",
			old:  md(pChina, pFuture),
			new:  md(strings.Replace(pChina, "has grown", "has quickly and steadily grown", 1), pFuture),
			notes: []note{
				{block: 0, phrase: "grown into the largest", want: StatusMapped, to: 0, exact: "grown into the largest", inherit: true, score: 1},
				{block: 0, phrase: "China has", want: StatusMapped, to: 0, exact: "China has", inherit: true, score: 1},
				{block: 0, phrase: "has", n: 1, want: StatusMapped, to: 0, exact: "has", at: 1, inherit: true, score: 1},
			},
		},
		{
			name: "only punctuation changed",
			old:  md(pASEAN),
			new:  md(punctuated),
			notes: []note{
				{block: 0, want: StatusMapped, to: 0, inherit: true, score: 1},
				{block: 0, phrase: "such as ASEAN", want: StatusMapped, to: 0, exact: "such as ASEAN", inherit: true, score: 1},
			},
		},
		{
			name: "paragraph split in two",
			old:  md(pAlliances, pHub+" "+pChina, pFuture),
			new:  md(pAlliances, pHub, pChina, pFuture),
			notes: []note{
				// The block keeps its anchor on one half (the other
				// half's notes are relocated, with their context: moved).
				{block: 1, phrase: "bilateral treaties", want: StatusMoved, to: 1, exact: "bilateral treaties"},
				{block: 1, phrase: "trading partner", want: StatusMapped, to: 2, exact: "trading partner", inherit: true},
				{block: 2, phrase: "complex mix", want: StatusExact, to: 3, exact: "complex mix", inherit: true},
			},
		},
		{
			name: "two paragraphs merged",
			old:  md(pAlliances, pHub, pChina, pFuture),
			new:  md(pAlliances, pHub+" "+pChina, pFuture),
			notes: []note{
				{block: 1, phrase: "bilateral treaties", want: StatusMoved, to: 1, exact: "bilateral treaties"},
				{block: 2, phrase: "trading partner", want: StatusMapped, to: 1, exact: "trading partner", inherit: true},
				{block: 3, phrase: "complex mix", want: StatusExact, to: 2, exact: "complex mix", inherit: true},
			},
		},
		{
			name: "line re-wrapped",
			old:  md(pAlliances, pFuture),
			new:  md(pAlliances, strings.Replace(strings.Replace(pFuture, "a complex ", "a\ncomplex ", 1), "arrangements, ", "arrangements,\n  ", 1)),
			notes: []note{
				{block: 1, phrase: "a complex mix", want: StatusExact, to: 1, exact: "a complex mix", inherit: true},
				{block: 1, want: StatusExact, to: 1, inherit: true},
			},
		},
		{
			name: "a quote that occurs twice",
			old:  md(pAlliances, pBalance, pAsiaBal, pFuture),
			new:  md(pAlliances, pAsiaBal, pFuture, pBalNew),
			notes: []note{
				// Its block is gone; the occurrence in the new paragraph
				// shares its context on both sides, as far as "statesmen
				// spoke of" and "as a law of nature": relocated, moved.
				{block: 1, phrase: "the balance of power", want: StatusMoved, to: 3, exact: "the balance of power"},
				{block: 2, phrase: "the balance of power", want: StatusExact, to: 1, exact: "the balance of power", inherit: true},
			},
		},
		{
			name: "a quote that occurs twice in its block",
			old:  md("The order of the day was order, and the order held for a while, said the order of monks."),
			new:  md("Then the order of the day was order, and the order held for a while, said the order of monks."),
			notes: []note{
				{block: 0, phrase: "the order", n: 1, want: StatusMapped, to: 0, exact: "the order", at: 2, inherit: true, score: 1},
				{block: 0, phrase: "order", n: 3, want: StatusMapped, to: 0, exact: "order", at: 3, inherit: true, score: 1},
			},
		},
		{
			name: "heading renamed",
			old:  md("## US Role Remains Potent", pAlliances),
			new:  md("## The US Role Remains Potent", pAlliances),
			notes: []note{
				{block: 0, phrase: "Remains Potent", want: StatusMapped, to: 0, exact: "Remains Potent", inherit: true, score: 1},
				{block: 0, want: StatusFuzzy, to: 0, inherit: true, score: dice(bigrams("US Role Remains Potent"), bigrams("The US Role Remains Potent"))},
			},
		},
		{
			name: "footnotes renumbered",
			old:  footnotesOld,
			new:  footnotesNew,
			notes: []note{
				{block: 0, phrase: "a first claim", want: StatusExact, to: 0, exact: "a first claim", inherit: true},
				{block: 1, phrase: "another claim", want: StatusExact, to: 1, exact: "another claim", inherit: true},
				{block: 2, phrase: "about alpha", want: StatusExact, to: 3, exact: "about alpha", inherit: true},
				{block: 3, want: StatusExact, to: 4, inherit: true},
			},
		},
		{
			name: "paragraph rewritten beyond recognition",
			old:  md(pAlliances, pHub, pChina),
			new:  md(pAlliances, pRewritten, pChina),
			notes: []note{
				{block: 1, phrase: "hub-and-spoke system", want: StatusOrphan},
				{block: 1, phrase: "bilateral treaties after the war", want: StatusOrphan},
				{block: 1, want: StatusOrphan},
				{block: 2, phrase: "few allies", want: StatusExact, to: 2, exact: "few allies", inherit: true},
			},
		},
		{
			name: "a word changed in a quote in a deleted paragraph",
			old:  md(pAlliances, pBalance, pFuture),
			new:  md(pAlliances, pFuture, strings.Replace(pBalNew, "law of nature", "rule of nature", 1)),
			notes: []note{
				// Changed words in another paragraph, and the end of the
				// sentence after them changed too (" in Europe." against
				// ", and many"): not evidence enough.
				{block: 1, phrase: "the balance of power as a law of nature", want: StatusOrphan},
			},
		},
		{
			name: "non-ASCII text",
			old:  md("Le café de la gare — déjà vu, dit-on 🎉 — reste ouvert toute la nuit.", "La crème brulée était parfaite, disait-on au village."),
			new:  md("Oui, le café de la gare — déjà vu, dit-on 🎉 — reste ouvert toute la nuit.", "La crème brûlée était parfaite, disait-on au village."),
			notes: []note{
				{block: 0, phrase: "déjà vu, dit-on 🎉", want: StatusMapped, to: 0, exact: "déjà vu, dit-on 🎉", inherit: true, score: 1},
				{block: 0, phrase: "reste ouvert", want: StatusMapped, to: 0, exact: "reste ouvert", inherit: true, score: 1},
				{block: 1, phrase: "crème brulée était", want: StatusFuzzy, to: 1, exact: "crème brûlée était", inherit: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, next, a := revise(t, tt.old, tt.new)
			anchors := a.Anchors()
			for k, n := range tt.notes {
				var target Target
				if n.phrase == "" {
					target = Target{Anchor: old.Blocks[n.block].Anchor}
				} else {
					target = quoteNote(t, old, n.block, n.phrase, n.n)
				}
				p := a.Place(target, false)
				name := fmt.Sprintf("note %d (%q in block %d)", k, n.phrase, n.block)
				checkPlacement(t, a, next.Blocks, target, p)
				if p.Status != n.want {
					t.Errorf("%s: status %s (%+v), want %s", name, p.Status, p, n.want)
					continue
				}
				if n.want == StatusOrphan {
					continue
				}
				if p.Anchor != anchors[n.to] {
					t.Errorf("%s: on %s, want block %d (%s)", name, p.Anchor, n.to, anchors[n.to])
				}
				if n.inherit && p.Anchor != old.Blocks[n.block].Anchor {
					t.Errorf("%s: anchor %s, want the old block's %s", name, p.Anchor, old.Blocks[n.block].Anchor)
				}
				var start, end int
				if n.exact != "" {
					start, end = nth(t, next.Blocks[n.to].Text, n.exact, n.at)
				}
				if p.Start != start || p.End != end || p.Exact != n.exact {
					t.Errorf("%s: at [%d, %d) %q, want [%d, %d) %q", name, p.Start, p.End, p.Exact, start, end, n.exact)
				}
				if n.score != 0 && math.Abs(p.Score-n.score) > 1e-9 {
					t.Errorf("%s: score %v, want %v", name, p.Score, n.score)
				}
			}
		})
	}
}

func TestPlaceCodePoints(t *testing.T) {
	// Offsets count code points: é is 2 bytes, — 3, 🎉 4 (and 2 UTF-16 units).
	_, _, a := revise(t,
		md("Le café de la gare — déjà vu, dit-on 🎉 — reste ouvert."),
		md("Oui, le café de la gare — déjà vu, dit-on 🎉 — reste ouvert."))
	old, _ := Parse("old", []byte(md("Le café de la gare — déjà vu, dit-on 🎉 — reste ouvert.")))
	note := quoteNote(t, old, 0, "reste ouvert", 0)
	if note.Start != 41 || note.End != 53 {
		t.Fatalf("note at [%d, %d), want [41, 53)", note.Start, note.End)
	}
	p := a.Place(note, false)
	if p.Status != StatusMapped || p.Start != 46 || p.End != 58 || p.Exact != "reste ouvert" {
		t.Errorf("placed %+v, want mapped at [46, 58)", p)
	}
}

func TestPlaceLost(t *testing.T) {
	hub, err := Parse("hub", []byte(md(pHub)))
	if err != nil {
		t.Fatal(err)
	}
	original := quoteNote(t, hub, 0, "hub-and-spoke system", 0)
	original.Anchor = "p-0badf00d" // a block of a revision long gone

	old, next, a := revise(t, md(pAlliances, pChina), md(pAlliances, pHub, pChina))
	tests := []struct {
		name  string
		note  Target
		want  Status
		to    int
		exact string
	}{
		// Found again in another paragraph than its own: moved, or
		// fuzzy when the words differ.
		{"its words come back", original, StatusMoved, 1, "hub-and-spoke system"},
		{"its words come back with a change", func() Target {
			n := original
			n.Exact = "hub-and-spokes system"
			return n
		}(), StatusFuzzy, 1, "hub-and-spoke system"},
		{"its words are still missing", func() Target {
			n := original
			n.Exact = "a network of alliances"
			return n
		}(), StatusOrphan, 0, ""},
		{"a whole-block note stays an orphan", Target{Anchor: "p-0badf00d"}, StatusOrphan, 0, ""},
		{"a whole-block note on a block that exists stays an orphan", Target{Anchor: old.Blocks[0].Anchor}, StatusOrphan, 0, ""},
		// Lost, but on an anchor of prev with offsets that fit: not exact,
		// searched for.
		{"only the quote counts", quoteNote(t, old, 0, "regional order", 0), StatusMapped, 0, "regional order"},
	}
	for _, tt := range tests {
		p := a.Place(tt.note, true)
		checkPlacement(t, a, next.Blocks, tt.note, p)
		if p.Status != tt.want {
			t.Errorf("%s: %+v, want %s", tt.name, p, tt.want)
			continue
		}
		if tt.want == StatusOrphan {
			continue
		}
		start, end := nth(t, next.Blocks[tt.to].Text, tt.exact, 0)
		if p.Anchor != a.Anchors()[tt.to] || p.Start != start || p.End != end || p.Exact != tt.exact {
			t.Errorf("%s: %+v, want %q at [%d, %d) of block %d", tt.name, p, tt.exact, start, end, tt.to)
		}
	}
}

func TestPlaceBadTargets(t *testing.T) {
	old, next, a := revise(t, md(pAlliances, pHub), md(pHub, pAlliances+" Indeed."))
	good := quoteNote(t, old, 0, "regional order", 0)
	for _, note := range []Target{
		{Anchor: "p-nothere0", Exact: "regional order"},                        // unknown anchor: searched for
		{Anchor: old.Blocks[0].Anchor, Start: 3, End: 2, Exact: "regional"},    // bad offsets
		{Anchor: old.Blocks[0].Anchor, Start: 0, End: 500, Exact: "Alliances"}, // past the end
		{Anchor: old.Blocks[0].Anchor, Start: 0, End: 9, Exact: "Something"},   // Exact not there
		{Anchor: "p-nothere0"}, // unknown block
		good,
	} {
		for _, lost := range []bool{false, true} {
			p := a.Place(note, lost)
			checkPlacement(t, a, next.Blocks, note, p)
		}
	}
	if p := a.Place(good, false); p.Status != StatusMapped || p.Exact != good.Exact {
		t.Errorf("good note: %+v", p)
	}
}

func TestAlignmentCounts(t *testing.T) {
	_, _, a := revise(t,
		md(pAlliances, pHub, pChina, pASEAN, pFuture),
		md(pRewritten, pAlliances, pChina+" Indeed.", pFuture, pASEAN))
	want := BlockCounts{Unchanged: 3, Edited: 1, Inserted: 1, Deleted: 1}
	if got := a.Counts(); got != want {
		t.Errorf("Counts() = %+v, want %+v", got, want)
	}
	if got, want := a.Matched(), []int{-1, 0, 2, 4, 3}; !slices.Equal(got, want) {
		t.Errorf("Matched() = %v, want %v", got, want)
	}
	// Callers get copies.
	a.Matched()[0] = 7
	a.Anchors()[0] = "x"
	if a.Matched()[0] != -1 || a.Anchors()[0] == "x" {
		t.Error("Matched or Anchors shares its slice")
	}
}

func TestAlignIdenticalBeatsDice(t *testing.T) {
	// X2 is X with one word more; X moves to the end. In the gap between
	// the skeleton pairs, Dice would pair X with X2; X's identical partner
	// must win, so notes on X stay exact.
	x := pHub
	x2 := strings.Replace(pHub, "bilateral", "many bilateral", 1)
	old, next, a := revise(t, md(pAlliances, x, pChina, pFuture), md(pAlliances, x2, pChina, pFuture, x))
	if got, want := a.Matched(), []int{0, -1, 2, 3, 1}; !slices.Equal(got, want) {
		t.Fatalf("Matched() = %v, want %v", got, want)
	}
	note := quoteNote(t, old, 1, "bilateral treaties", 0)
	p := a.Place(note, false)
	checkPlacement(t, a, next.Blocks, note, p)
	if p.Status != StatusExact || p.Anchor != note.Anchor {
		t.Errorf("note on the moved block: %+v", p)
	}
}

func TestApproxSearch(t *testing.T) {
	tests := []struct {
		pat, text string
		k         int
		want      []string // text[start:end]/distance reported
	}{
		{"colour", "the color red", 1, []string{"color/1"}},
		{"colour", "the colour red and the color blue", 1, []string{"colour/0", "color/1"}},
		{"ab", "xaxbx", 1, []string{"a/1", "xb/1"}}, // one run, all at distance 1: first and last
		{"abc", "xxabxcxx", 1, []string{"ab/1", "abxc/1"}},
		{"hub-and-spoke", "a hub and spoke system", 2, []string{"hub and spoke/2"}},
		{"déjà vu", "c’est du déja vu 🎉", 1, []string{"déja vu/1"}},
		{"abcdefgh", "zzzzzzzzzzzzzz", 2, nil},
		{"ab", "", 0, nil},
	}
	for _, tt := range tests {
		text := []rune(tt.text)
		var got []string
		newMatcher([]rune(tt.pat), tt.k).searchIndexed(newGramIndex(text), func(s, e, d int) {
			got = append(got, fmt.Sprintf("%s/%d", string(text[s:e]), d))
			if l := levenshtein([]rune(tt.pat), text[s:e]); l != d {
				t.Errorf("%q in %q: reported distance %d for %q, levenshtein %d", tt.pat, tt.text, d, string(text[s:e]), l)
			}
		})
		if !slices.Equal(got, tt.want) {
			t.Errorf("search(%q, %q, %d) = %q, want %q", tt.pat, tt.text, tt.k, got, tt.want)
		}
	}
}

// TestApproxSearchAgainstBruteForce checks the cut-off against the full
// table: the best distance of the pattern to any substring.
func TestApproxSearchAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alpha := []rune("abcé🎉 ")
	word := func(n int) []rune {
		w := make([]rune, n)
		for i := range w {
			w[i] = alpha[r.IntN(len(alpha))]
		}
		return w
	}
	for range 2000 {
		pat, text := word(1+r.IntN(8)), word(r.IntN(30))
		k := r.IntN(len(pat) + 1)
		best := math.MaxInt // over the substrings ending after the first code point
		for e := 1; e <= len(text); e++ {
			for s := 0; s <= e; s++ {
				best = min(best, levenshtein(pat, text[s:e]))
			}
		}
		got := math.MaxInt
		newMatcher(pat, k).searchIndexed(newGramIndex(text), func(s, e, d int) {
			if l := levenshtein(pat, text[s:e]); l != d || d > k {
				t.Fatalf("%q in %q, k %d: %q reported at %d, levenshtein %d", string(pat), string(text), k, string(text[s:e]), d, l)
			}
			got = min(got, d)
		})
		if best <= k && got != best || best > k && got != math.MaxInt {
			t.Fatalf("%q in %q, k %d: best found %d, best is %d", string(pat), string(text), k, got, best)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"goverment", "government", 1},
		{"brulée", "brûlée", 1},
		{"🎉a", "a🎉", 2},
	}
	for _, tt := range tests {
		if got := levenshtein([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := levenshtein([]rune(tt.b), []rune(tt.a)); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestMapOffsets(t *testing.T) {
	tests := []struct {
		old, cur string
		s, e     int    // a range of old
		want     string // what it maps to in cur
	}{
		// Words inserted before a range are left out, inside it kept.
		{"The alliance endured.", "The old alliance has endured.", 4, 12, "alliance"},
		{"The alliance endured.", "The old alliance has endured.", 0, 12, "The old alliance"},
		{"The alliance endured.", "The old alliance has endured.", 13, 21, "endured."},
		{"The alliance endured.", "The old alliance has endured.", 4, 21, "alliance has endured."},
		// A word replaced at either end of the range: the new word is in.
		{"the big cat sat", "the huge cat sat", 0, 7, "the huge"},
		{"the big cat sat", "the huge cat sat", 4, 11, "huge cat"},
		// Deleted entirely: an empty range where it was.
		{"one two three", "one three", 4, 7, ""},
		// Code points, not bytes.
		{"café — 🎉 ici", "le café — 🎉 ici", 7, 12, "🎉 ici"},
	}
	for _, tt := range tests {
		a := Align([]PrevBlock{{Anchor: "p-1", Text: tt.old}}, []*Block{{Text: tt.cur}})
		ops := a.diff(0, 0)
		if ops == nil {
			t.Fatalf("no diff of %q and %q", tt.old, tt.cur)
		}
		s, e := mapStart(ops, tt.s), mapEnd(ops, tt.e)
		if s > e || Slice(tt.cur, s, e) != tt.want {
			t.Errorf("%q [%d, %d) %q -> [%d, %d), want %q", tt.old, tt.s, tt.e, Slice(tt.old, tt.s, tt.e), s, e, tt.want)
		}
	}
}

func TestPlaceConcurrent(t *testing.T) {
	old, next, _ := revise(t, md(pAlliances, pTypo, pHub, pBalance), md(pBalNew, strings.Replace(pTypo, "goverment", "government", 1), pAlliances))
	r := rand.New(rand.NewPCG(3, 4))
	var notes []Target
	for range 200 {
		notes = append(notes, randomNote(r, old))
	}
	want := make([]Placement, len(notes))
	seq := Align(prevOf(old), next.Blocks)
	for k, n := range notes {
		want[k] = seq.Place(n, k%7 == 0)
	}
	a := Align(prevOf(old), next.Blocks) // caches filled concurrently
	var wg sync.WaitGroup
	got := make([][]Placement, 4)
	for g := range got {
		wg.Go(func() {
			for k, n := range notes {
				got[g] = append(got[g], a.Place(n, k%7 == 0))
			}
		})
	}
	wg.Wait()
	for g := range got {
		if !slices.Equal(got[g], want) {
			t.Errorf("goroutine %d placed notes differently", g)
		}
	}
}

// ---- Property test over the essay -------------------------------------------

// essayChunks splits a Markdown source into its front matter and its
// blank-line separated chunks.
func essayChunks(src string) (front string, chunks []string) {
	if strings.HasPrefix(src, "---\n") {
		if i := strings.Index(src[4:], "\n---\n"); i >= 0 {
			front, src = src[:4+i+5], src[4+i+5:]
		}
	}
	for _, c := range strings.Split(src, "\n\n") {
		if c = strings.TrimSpace(c); c != "" {
			chunks = append(chunks, c)
		}
	}
	return front, chunks
}

var newWords = strings.Fields("alliance order region security the of and new partner treaty Asia Pacific " +
	"café déjà — 🎉 naïve cooperation institutions balance power economic ties hub spoke")

// editChunks applies one random edit to the chunks: insert, delete, swap,
// split or merge paragraphs; insert, delete or replace words; re-wrap lines.
func editChunks(r *rand.Rand, chunks []string) []string {
	words := func(n int) string {
		var w []string
		for range n {
			w = append(w, newWords[r.IntN(len(newWords))])
		}
		return strings.Join(w, " ")
	}
	if len(chunks) == 0 {
		return []string{words(8) + "."}
	}
	k := r.IntN(len(chunks))
	fields := strings.Split(chunks[k], " ")
	w := r.IntN(len(fields))
	switch r.IntN(9) {
	case 0: // insert a paragraph
		return slices.Insert(chunks, r.IntN(len(chunks)+1), strings.ToUpper(words(1))+" "+words(5+r.IntN(20))+".")
	case 1: // delete a paragraph
		return slices.Delete(chunks, k, k+1)
	case 2: // swap two paragraphs
		l := r.IntN(len(chunks))
		chunks[k], chunks[l] = chunks[l], chunks[k]
	case 3: // insert words
		fields = slices.Insert(fields, w, words(1+r.IntN(4)))
		chunks[k] = strings.Join(fields, " ")
	case 4: // delete words
		fields = slices.Delete(fields, w, min(len(fields), w+1+r.IntN(4)))
		chunks[k] = strings.Join(fields, " ")
	case 5: // replace a word, or make a typo in it
		if f := []rune(fields[w]); len(f) > 1 && r.IntN(2) == 0 {
			i := r.IntN(len(f) - 1)
			f[i], f[i+1] = f[i+1], f[i]
			fields[w] = string(f)
		} else {
			fields[w] = words(1)
		}
		chunks[k] = strings.Join(fields, " ")
	case 6: // split a paragraph
		if w > 0 {
			chunks[k] = strings.Join(fields[:w], " ")
			chunks = slices.Insert(chunks, k+1, strings.Join(fields[w:], " "))
		}
	case 7: // merge two paragraphs
		if k+1 < len(chunks) {
			chunks[k] += " " + chunks[k+1]
			chunks = slices.Delete(chunks, k+1, k+2)
		}
	case 8: // re-wrap lines
		for i := range fields {
			if i > 0 && r.IntN(6) == 0 {
				fields[i] = "\n" + fields[i]
			}
		}
		chunks[k] = strings.ReplaceAll(strings.Join(fields, " "), " \n", "\n")
	}
	return chunks
}

// randomNote is a note on a random phrase (sometimes a random range of code
// points, sometimes the whole block) of a random block of d.
func randomNote(r *rand.Rand, d *Document) Target {
	b := d.Blocks[r.IntN(len(d.Blocks))]
	text := []rune(b.Text)
	if len(text) == 0 || r.IntN(10) == 0 {
		return Target{Anchor: b.Anchor}
	}
	var start, end int
	if r.IntN(3) == 0 {
		start = r.IntN(len(text))
		end = min(len(text), start+1+r.IntN(60))
	} else {
		// Whole words: from a word start, 1 to 10 words.
		var starts []int
		for i := range text {
			if (i == 0 || text[i-1] == ' ') && text[i] != ' ' {
				starts = append(starts, i)
			}
		}
		k := r.IntN(len(starts))
		start = starts[k]
		end = len(text)
		if l := k + 1 + r.IntN(10); l < len(starts) {
			end = starts[l] - 1
		}
	}
	exact, prefix, suffix, ok := QuoteContext(b.Text, start, end)
	if !ok {
		return Target{Anchor: b.Anchor}
	}
	return Target{Anchor: b.Anchor, Start: start, End: end, Exact: exact, Prefix: prefix, Suffix: suffix}
}

// checkRevision places notes of old on next and checks every placement, and
// that notes on unchanged blocks stay exact.
func checkRevision(t testing.TB, old, next *Document, notes []Target, lost []bool) map[Status]int {
	t.Helper()
	prev := prevOf(old)
	a := Align(prev, next.Blocks)
	anchors, matched := a.Anchors(), a.Matched()
	checkAnchors(t, prev, next.Blocks, anchors, matched)

	// An unchanged block whose text occurs once in each revision is paired
	// with its copy, whatever moved around it.
	count := func(d *Document) map[string]int {
		c := map[string]int{}
		for _, b := range d.Blocks {
			c[b.Hash]++
		}
		return c
	}
	inOld, inNew := count(old), count(next)
	for j, b := range next.Blocks {
		if inOld[b.Hash] == 1 && inNew[b.Hash] == 1 {
			if i := matched[j]; i < 0 || prev[i].Hash != b.Hash {
				t.Errorf("unchanged block %d (%.30q) paired with %d", j, b.Text, i)
			}
		}
	}

	partner := map[string]int{} // old anchor -> new block of identical text
	for j, i := range matched {
		if i >= 0 && prev[i].Text == next.Blocks[j].Text {
			partner[prev[i].Anchor] = j
		}
	}
	home := map[string]string{} // old anchor -> the anchor of its successor
	for j, i := range matched {
		if i >= 0 {
			home[prev[i].Anchor] = anchors[j]
		}
	}
	stats := map[Status]int{}
	for k, note := range notes {
		p := a.Place(note, lost[k])
		stats[p.Status]++
		checkPlacement(t, a, next.Blocks, note, p)
		checkContext(t, a, next.Blocks, note, p, home, lost[k])
		if _, ok := partner[note.Anchor]; ok && !lost[k] {
			if p.Status != StatusExact || p.Anchor != note.Anchor || p.Start != note.Start || p.End != note.End {
				t.Errorf("note %+v on an unchanged block placed as %+v", note, p)
			}
		}
	}
	return stats
}

// checkContext checks that a note is placed only where its context does
// not contradict it: never on words with the note's context disagreeing
// wherever it can be compared and agreeing nowhere, save a quote at least
// as long as a side of context (32 code points) in its own paragraph, whose
// words are their own evidence. And a note that moved to another paragraph
// than its own is never called mapped (nor exact). home maps the previous
// revision's anchors to their successors'.
//
// Context is compared here otherwise than Place does it: a side agrees when
// the note's prefix (suffix) matches, within half its length in edits, some
// text among the 96 code points before (after) the placement, so that
// words inserted next to the quote do not hide it. A side says nothing
// when the block has fewer code points there than the note's context;
// where the note has none, the side agrees when the placement is at that
// end of its block too.
func checkContext(t testing.TB, a *Alignment, next []*Block, note Target, p Placement, home map[string]string, lost bool) {
	t.Helper()
	if p.Status == StatusOrphan || note.Exact == "" {
		return
	}
	own := home[note.Anchor]
	if lost || own == "" {
		own = note.Anchor // the block that now carries it, if any
	}
	switch {
	case p.Anchor != own && note.Anchor != "" && (p.Status == StatusMapped || p.Status == StatusExact):
		t.Errorf("note %+v moved to another paragraph, %s, but called %s", note, p.Anchor, p.Status)
	case p.Anchor != own && note.Anchor != "" && p.Exact == note.Exact && p.Status != StatusMoved:
		t.Errorf("note %+v moved with its words to another paragraph, %s, but called %s", note, p.Anchor, p.Status)
	case p.Status == StatusMoved && (p.Anchor == own || note.Anchor == ""):
		t.Errorf("note %+v called moved on %s, its own paragraph %s", note, p.Anchor, own)
	}
	if p.Anchor == own && CodePoints(note.Exact) >= contextLen {
		return
	}
	text := []rune(next[slices.Index(a.Anchors(), p.Anchor)].Text)
	const window = 3 * contextLen
	side := func(ctx []rune, near []rune, atEdge, full bool) (agrees, disagrees bool) {
		switch {
		case len(ctx) == 0:
			return atEdge, false
		case !full:
			return false, false
		}
		return substringSim(ctx, near) >= 0.5, substringSim(ctx, near) < 0.5
	}
	prefix, suffix := []rune(note.Prefix), []rune(note.Suffix)
	pa, pd := side(prefix, text[max(0, p.Start-window):p.Start], p.Start == 0, p.Start >= len(prefix))
	sa, sd := side(suffix, text[p.End:min(len(text), p.End+window)], p.End == len(text), len(text)-p.End >= len(suffix))
	if (pd || sd) && !pa && !sa {
		t.Errorf("note %+v placed %s %.2f on %q, whose context disagrees: %q … %q", note, p.Status, p.Score, p.Exact,
			string(text[max(0, p.Start-contextLen):p.Start]), string(text[p.End:min(len(text), p.End+contextLen)]))
	}
}

// substringSim is 1 - the least edit distance from s to a substring of
// text, over the length of s (Sellers' algorithm, the whole table).
func substringSim(s, text []rune) float64 {
	if len(s) == 0 {
		return 1
	}
	prev, cur := make([]int, len(s)+1), make([]int, len(s)+1)
	for i := range prev {
		prev[i] = i
	}
	best := prev[len(s)]
	for _, c := range text {
		cur[0] = 0
		for i := 1; i <= len(s); i++ {
			v := prev[i-1]
			if s[i-1] != c {
				v = min(prev[i-1], prev[i], cur[i-1]) + 1
			}
			cur[i] = v
		}
		best = min(best, cur[len(s)])
		prev, cur = cur, prev
	}
	return 1 - float64(best)/float64(len(s))
}

func TestPlaceProperties(t *testing.T) {
	src := string(essaySource(t))
	old, err := Parse("essay", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	front, chunks := essayChunks(src)
	total := map[Status]int{}
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 42))
		cs := slices.Clone(chunks)
		for range 1 + r.IntN(6) {
			cs = editChunks(r, cs)
		}
		next, err := Parse("essay", []byte(front+strings.Join(cs, "\n\n")+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		var notes []Target
		var lost []bool
		for range 40 {
			notes = append(notes, randomNote(r, old))
			lost = append(lost, false)
		}
		for range 4 { // notes orphaned long ago, on quotes of this revision
			n := randomNote(r, old)
			n.Anchor = "p-" + fmt.Sprintf("%08x", r.Uint32())
			notes = append(notes, n)
			lost = append(lost, true)
		}
		for s, n := range checkRevision(t, old, next, notes, lost) {
			total[s] += n
		}
		if t.Failed() {
			t.Fatalf("seed %d", seed)
		}
	}
	t.Logf("placements: %v", total)
	for _, s := range []Status{StatusExact, StatusMapped, StatusMoved, StatusFuzzy, StatusOrphan} {
		if total[s] == 0 {
			t.Errorf("no %s placement in 200 revisions: the edits are too tame", s)
		}
	}
}

// ---- Fuzzing -----------------------------------------------------------------

func FuzzReanchor(f *testing.F) {
	f.Add(md(pAlliances, pHub), md(pChina, pAlliances, pHub))
	f.Add(md(pAlliances, pTypo), md(pAlliances, strings.Replace(pTypo, "goverment", "government", 1)))
	f.Add(md(pAlliances, pBalance, pAsiaBal, pFuture), md(pAlliances, pAsiaBal, pFuture, pBalNew))
	f.Add(md(pAlliances, pHub+" "+pChina, pFuture), md(pAlliances, pHub, pChina, pFuture))
	f.Add("## US Role\n\nText[^1] here.\n\n[^1]: Note.\n", "## The US Role\n\nText[^2] here[^1].\n\n[^1]: Note.\n\n[^2]: New.\n")
	f.Add(md("Le café — déjà vu 🎉 ici."), md("Oui, le café — déjà vu 🎉 là."))
	f.Add("a\n\na\n\nb\n", "a\n\nb\n\na\n")
	f.Fuzz(func(t *testing.T, oldSrc, newSrc string) {
		old, err := Parse("old", []byte(oldSrc))
		if err != nil {
			return
		}
		next, err := Parse("new", []byte(newSrc))
		if err != nil {
			return
		}
		var notes []Target
		var lost []bool
		add := func(n Target, l bool) {
			notes = append(notes, n)
			lost = append(lost, l)
		}
		for _, b := range old.Blocks {
			add(Target{Anchor: b.Anchor}, false)
			add(Target{Anchor: b.Anchor}, true)
			n := CodePoints(b.Text)
			for _, r := range [][2]int{{0, min(n, 12)}, {n / 3, 2 * n / 3}, {max(0, n-5), n}, {0, n}, {n / 2, n/2 + 1}} {
				exact, prefix, suffix, ok := QuoteContext(b.Text, r[0], r[1])
				if !ok {
					continue
				}
				note := Target{Anchor: b.Anchor, Start: r[0], End: r[1], Exact: exact, Prefix: prefix, Suffix: suffix}
				add(note, false)
				note.Anchor = "p-lost0000"
				add(note, true)
			}
		}
		checkRevision(t, old, next, notes, lost)
	})
}

// ---- Benchmark ---------------------------------------------------------------

// BenchmarkPlace10000 aligns the essay with a revision of it where three
// paragraphs were edited (a typo, words inserted, one rewritten) and places
// 10,000 notes on random phrases of the old revision.
func BenchmarkPlace10000(b *testing.B) {
	src := string(essaySource(b))
	old, err := Parse("essay", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	edits := []struct{ from, to string }{
		{"relatively high degrees of predictability", "relatively high degrees of predictabilty"},
		{"Alliance adjustments are taking place", "Alliance adjustments, both large and small, are taking place"},
	}
	for _, e := range edits {
		if !strings.Contains(src, e.from) {
			b.Fatalf("%q not in the essay", e.from)
		}
		src = strings.Replace(src, e.from, e.to, 1)
	}
	front, chunks := essayChunks(src)
	for k, c := range chunks {
		if strings.HasPrefix(c, "For this reason, the Asia-Pacific Security Order") {
			chunks[k] = "An entirely new paragraph takes its place: the editors cut the argument " +
				"and wrote instead about trade, climate, migration and the long history of the region's ports."
		}
	}
	next, err := Parse("essay", []byte(front+strings.Join(chunks, "\n\n")+"\n"))
	if err != nil {
		b.Fatal(err)
	}
	prev := prevOf(old)
	r := rand.New(rand.NewPCG(1, 2))
	notes := make([]Target, 10000)
	for k := range notes {
		notes[k] = randomNote(r, old)
	}
	a := Align(prev, next.Blocks)
	if c := a.Counts(); c.Edited != 2 || c.Inserted != 1 || c.Deleted != 1 {
		b.Fatalf("counts %+v", c)
	}
	stats := map[Status]int{}
	for _, n := range notes {
		stats[a.Place(n, false).Status]++
	}
	b.Logf("placements: %v", stats)
	b.ResetTimer()
	for b.Loop() {
		a := Align(prev, next.Blocks)
		for _, n := range notes {
			a.Place(n, false)
		}
	}
}

// ---- Cases from a comparison with Hypothesis's matcher ----------------------

// reviseTexts revises the blocks of d by edit, which gets and returns the
// blocks' canonical texts, and aligns the two revisions.
func reviseTexts(t testing.TB, d *Document, edit func([]string) []string) ([]*Block, *Alignment) {
	t.Helper()
	var texts []string
	for _, b := range d.Blocks {
		texts = append(texts, b.Text)
	}
	var next []*Block
	for k, text := range edit(texts) {
		if Canon(text) != text {
			t.Fatalf("revised block %d is not canonical: %q", k, text)
		}
		next = append(next, &Block{Index: k, Text: text, Hash: hashOf(text)})
	}
	return next, Align(prevOf(d), next)
}

// blockWith is the index of the first block of d whose text has s.
func blockWith(t testing.TB, d *Document, s string) int {
	t.Helper()
	for k, b := range d.Blocks {
		if strings.Contains(b.Text, s) {
			return k
		}
	}
	t.Fatalf("%q not in the essay", s)
	return -1
}

// A short, common quote whose sentence was deleted is an orphan, though
// its words are elsewhere in the essay: their context is not its own.
func TestPlaceCommonQuoteOfDeletedSentence(t *testing.T) {
	old, err := Parse("essay", essaySource(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, phrase := range []string{"North Korea", "the region", "across the region", "East Asia", "Cold War", "the regional order", "the Cold War"} {
		tried := 0
		for b, bl := range old.Blocks {
			text := []rune(bl.Text)
			ss := sentences(text)
			if len(ss) < 2 {
				continue // the paragraph would go with the sentence
			}
			for _, s := range ss {
				sentence := string(text[s.start:s.end])
				at := strings.Index(sentence, phrase)
				if at < 0 {
					continue
				}
				start := s.start + CodePoints(sentence[:at])
				note := Target{Anchor: bl.Anchor, Start: start, End: start + CodePoints(phrase)}
				note.Exact, note.Prefix, note.Suffix, _ = QuoteContext(bl.Text, note.Start, note.End)
				next, a := reviseTexts(t, old, func(texts []string) []string {
					texts[b] = strings.TrimSpace(strings.Replace(strings.Replace(texts[b], sentence+" ", "", 1), " "+sentence, "", 1))
					return texts
				})
				elsewhere := 0
				for _, nb := range next {
					elsewhere += strings.Count(nb.Text, phrase)
				}
				if elsewhere == 0 {
					continue // no other occurrence to be tempted by
				}
				tried++
				p := a.Place(note, false)
				checkPlacement(t, a, next, note, p)
				if p.Status != StatusOrphan {
					t.Errorf("%q: sentence %.50q deleted, but the note was placed %s %.2f on %q (prefix %q, suffix %q)",
						phrase, sentence, p.Status, p.Score, p.Exact, p.Prefix, p.Suffix)
				}
			}
		}
		if tried == 0 {
			t.Errorf("%q: no sentence to delete with the phrase left elsewhere", phrase)
		}
		t.Logf("%q: %d sentences deleted, one at a time", phrase, tried)
	}
}

// One word inserted into a quote whose context survives on both sides
// leaves the note on its words, though similarity falls under 0.75.
func TestPlaceWordInsertedIntoQuote(t *testing.T) {
	old, err := Parse("essay", essaySource(t))
	if err != nil {
		t.Fatal(err)
	}
	const quote, revised = "Yet the old alliances live on", "Yet the old bilateral alliances live on"
	if q := similarity([]rune(quote), []rune(revised)); q >= minQuoteSim {
		t.Fatalf("similarity %.3f: the case needs it under %v", q, minQuoteSim)
	}
	b := blockWith(t, old, quote)
	note := quoteNote(t, old, b, quote, 0)
	next, a := reviseTexts(t, old, func(texts []string) []string {
		texts[b] = strings.Replace(texts[b], quote, revised, 1)
		return texts
	})
	p := a.Place(note, false)
	checkPlacement(t, a, next, note, p)
	start, end := nth(t, next[b].Text, revised, 0)
	if p.Status != StatusFuzzy || p.Anchor != note.Anchor || p.Start != start || p.End != end {
		t.Errorf("placed %+v, want fuzzy on %q at [%d, %d) of its own block", p, revised, start, end)
	}
	// Words inserted into it, but its context gone on both sides: no.
	next, a = reviseTexts(t, old, func(texts []string) []string {
		texts[b] = strings.Replace(texts[b], note.Prefix+quote+note.Suffix,
			"Seen from Beijing, much has changed. "+revised+", as anyone in Tokyo will tell you", 1)
		return texts
	})
	if p := a.Place(note, false); p.Status != StatusOrphan {
		t.Errorf("context rewritten on both sides: placed %+v, want an orphan", p)
	}
}

// A paragraph moved after the next and lightly edited keeps its anchor,
// and its notes follow their words on it.
func TestPlaceMovedAndEditedParagraph(t *testing.T) {
	old, err := Parse("essay", essaySource(t))
	if err != nil {
		t.Fatal(err)
	}
	b := blockWith(t, old, "For the US and its alliance partners, military security remains a key priority")
	edits := []struct{ from, to string }{
		{"key priority", "central priority"},
		{"driven not least", "driven in part"},
		{"remains", "stays"},
		{"disproportionate", "outsized"},
	}
	moved := old.Blocks[b].Text
	for _, e := range edits {
		if !strings.Contains(moved, e.from) {
			t.Fatalf("%q not in the paragraph", e.from)
		}
		moved = strings.Replace(moved, e.from, e.to, 1)
	}
	if d := dice(bigrams(old.Blocks[b].Text), bigrams(moved)); d < 0.8 || d > 0.88 {
		t.Fatalf("Dice %.3f: the case wants a light edit, about 0.84", d)
	} else {
		t.Logf("Dice similarity of the edit: %.3f", d)
	}
	next, a := reviseTexts(t, old, func(texts []string) []string {
		texts[b], texts[b+1] = texts[b+1], moved
		return texts
	})
	anchors := a.Anchors()
	if anchors[b+1] != old.Blocks[b].Anchor || anchors[b] != old.Blocks[b+1].Anchor {
		t.Fatalf("anchors %s, %s; want the moved paragraph's %s after the next's %s",
			anchors[b], anchors[b+1], old.Blocks[b].Anchor, old.Blocks[b+1].Anchor)
	}
	for _, phrase := range []string{"For the US and its alliance partners", "military security", "North Korea"} {
		note := quoteNote(t, old, b, phrase, 0)
		p := a.Place(note, false)
		checkPlacement(t, a, next, note, p)
		start, end := nth(t, moved, phrase, 0)
		if p.Status != StatusMapped || p.Anchor != note.Anchor || p.Start != start || p.End != end {
			t.Errorf("%q placed %+v, want mapped at [%d, %d) of the moved paragraph", phrase, p, start, end)
		}
	}
	whole := a.Place(Target{Anchor: old.Blocks[b].Anchor}, false)
	if whole.Status != StatusFuzzy || whole.Anchor != old.Blocks[b].Anchor {
		t.Errorf("whole-paragraph note placed %+v", whole)
	}
}

// A fuzzy match elsewhere is not taken on the quote's similarity alone:
// "This public and" whose sentence is gone does not go to a new "the
// public and".
func TestPlaceFuzzyMatchNeedsContext(t *testing.T) {
	old, err := Parse("essay", essaySource(t))
	if err != nil {
		t.Fatal(err)
	}
	const sentence = "This public and private latticework often defies the loyalties implicit in alliances."
	b := blockWith(t, old, sentence)
	note := quoteNote(t, old, b, "This public and", 0)
	other := blockWith(t, old, "For the US and its alliance partners")
	next, a := reviseTexts(t, old, func(texts []string) []string {
		texts[b] = strings.Replace(texts[b], " "+sentence, "", 1)
		texts[other] += " Both the public and the private sector will have a say in it."
		return texts
	})
	p := a.Place(note, false)
	checkPlacement(t, a, next, note, p)
	if p.Status != StatusOrphan {
		t.Errorf("placed %+v, want an orphan", p)
	}
}

// The acceptance floor: words at least 0.75 similar to the quote, or the
// quote with words inserted into it. Half-similar words are not its words,
// however well their context fits.
func TestPlaceAcceptanceFloor(t *testing.T) {
	tests := []struct {
		name, old, new string
		block          int
		phrase, now    string // the quote, and what stands in its place
	}{
		{"in its own paragraph", md(pAlliances, pTypo),
			md(pAlliances, strings.Replace(pTypo, "the goverment of Japan", "the cabinet of Japan", 1)),
			1, "the goverment of Japan", "the cabinet of Japan"},
		{"in another paragraph", md(pAlliances, pBalance, pFuture),
			md(pAlliances, pFuture, strings.Replace(pBalance, "the balance of power as a law", "the balance of forces as a rule", 1)+
				" Later generations were taught to doubt it, and the alliances of the twentieth century did the rest."),
			1, "the balance of power as a law", "the balance of forces as a rule"},
		// Every letter of "foes" is in "forces", in order, but the word
		// was replaced, not added to.
		{"a word replaced by one with its letters", md(pAlliances, pFoes),
			md(pAlliances, strings.Replace(pFoes, "potential foes", "potential forces", 1)),
			1, "foes", "forces"},
	}
	for _, tt := range tests {
		q := similarity([]rune(tt.phrase), []rune(tt.now))
		if q < minInsertSim || q >= 0.75 || wordsKept([]rune(tt.phrase), []rune(tt.now)) {
			t.Fatalf("%s: similarity %.3f, want in [0.5, 0.75) and words not only inserted", tt.name, q)
		}
		old, next, a := revise(t, tt.old, tt.new)
		note := quoteNote(t, old, tt.block, tt.phrase, 0)
		p := a.Place(note, false)
		checkPlacement(t, a, next.Blocks, note, p)
		if p.Status != StatusOrphan {
			t.Errorf("%s: %q, now %q (similarity %.2f), placed %+v; want an orphan", tt.name, tt.phrase, tt.now, q, p)
		}
	}
}

// Two sentences deleted after "are intentions.", whose words "are" and
// "intentions" recur in them, and a word inserted before it: the diff keeps
// as many words whichever occurrences it keeps, and it must keep the
// note's, where the writer left them, not the later ones (which would
// leave the note's words inside the deletion, and the note an orphan).
func TestPlaceDeletionAfterRepeatedWords(t *testing.T) {
	old, err := Parse("essay", essaySource(t))
	if err != nil {
		t.Fatal(err)
	}
	const kept, deleted = "confidence than are intentions.",
		" Despite the fact that no state-to-state shooting wars have occurred in East Asia since 1979, security concerns remain rife." +
			" Most of the weapons in East Asia are aimed at other Asian targets while the potentially malign intentions of many countries are difficult to dismiss."
	const revised = "confidence than partners are intentions."
	b := blockWith(t, old, kept+deleted)
	next, a := reviseTexts(t, old, func(texts []string) []string {
		texts[b] = strings.Replace(texts[b], kept+deleted, revised, 1)
		// Elsewhere in the paragraph, a letter mistyped twice and a word
		// inserted (the revision the evaluation's seed 21 made): go-diff
		// then keeps the later "are" and "intentions".
		for _, r := range [][2]string{{"the intentions of", "the ixtentions of"}, {"reinforce", "rsinforce"}, {"is likely", "is still likely"}} {
			texts[b] = strings.Replace(texts[b], r[0], r[1], 1)
		}
		return texts
	})
	for _, tt := range []struct {
		quote, want string
		status      Status
	}{
		{"are intentions.", "are intentions.", StatusMapped},
		{"than are intentions", "than partners are intentions", StatusFuzzy}, // a word inserted into it
		{kept, revised, StatusFuzzy},
	} {
		note := quoteNote(t, old, b, tt.quote, 0)
		p := a.Place(note, false)
		checkPlacement(t, a, next, note, p)
		start, end := nth(t, next[b].Text, tt.want, 0)
		if p.Status != tt.status || p.Anchor != note.Anchor || p.Start != start || p.End != end {
			t.Errorf("%q: placed %s on %q at [%d, %d), want %s on %q at [%d, %d) of its own block",
				tt.quote, p.Status, p.Exact, p.Start, p.End, tt.status, tt.want, start, end)
		}
	}
}

// compact groups the changes of a diff without changing how much it
// keeps: over random texts of few distinct tokens (ties everywhere), the
// tokens it keeps pair equal tokens in order, as many as go-diff kept, and
// each text's changes fall into no more runs than go-diff's did.
func TestCompact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 18))
	text := func() []rune {
		out := make([]rune, r.IntN(40))
		for k := range out {
			out[k] = 'a' + rune(r.IntN(4))
		}
		return out
	}
	runs := func(changed []bool) int {
		n := 0
		for k, c := range changed {
			if c && (k == 0 || !changed[k-1]) {
				n++
			}
		}
		return n
	}
	kept := func(text []rune, changed []bool) string {
		var out []rune
		for k, c := range changed {
			if !c {
				out = append(out, text[k])
			}
		}
		return string(out)
	}
	merged := 0
	for range 5000 {
		old, cur := text(), text()
		changed := tokenChanges(old, cur)
		before := [2]int{runs(changed[0]), runs(changed[1])}
		lcs := kept(old, changed[0])
		compact(old, changed[0], changed[1])
		compact(cur, changed[1], changed[0])
		ko, kc := kept(old, changed[0]), kept(cur, changed[1])
		if ko != kc || len(ko) != len(lcs) {
			t.Fatalf("%q / %q: kept %q and %q, go-diff kept %q", string(old), string(cur), ko, kc, lcs)
		}
		after := [2]int{runs(changed[0]), runs(changed[1])}
		if after[0] > before[0] || after[1] > before[1] {
			t.Fatalf("%q / %q: runs of changes %v, go-diff had %v", string(old), string(cur), after, before)
		}
		if after != before {
			merged++
		}
	}
	if merged == 0 {
		t.Error("no run of changes was ever merged: the texts test nothing")
	}
	t.Logf("%d of 5000 diffs had runs merged", merged)
}

// A paragraph split in two keeps its anchor on its first part; notes on
// the part split off follow their words there, moved. Two rules make that
// so: in the note's own paragraph, similar words long enough to be their
// own evidence are not ("Yet, for the foreseeable future" is 0.75 like
// "continue for the foreseeable future."), only the very words are; and
// a quote that ended its paragraph and now ends the part split off still
// ends one, which is its context agreeing on that side.
func TestPlaceParagraphSplit(t *testing.T) {
	old, err := Parse("essay", essaySource(t))
	if err != nil {
		t.Fatal(err)
	}
	const last = "For this reason, I believe it is more productive to analyze the “Asia-Pacific Order,” rather than simply the “East Asian Order.”"
	b := blockWith(t, old, last)
	for _, tt := range []struct {
		before, quote string // the part split off begins at before
	}{
		{"US influence will continue", "continue for the foreseeable future."},
		{"US influence will continue", "I believe it is more productive"},
		{last, last},
	} {
		note := quoteNote(t, old, b, tt.quote, 0)
		next, a := reviseTexts(t, old, func(texts []string) []string {
			k := strings.Index(texts[b], tt.before)
			head, tail := strings.TrimSpace(texts[b][:k]), texts[b][k:]
			texts[b] = head
			return slices.Insert(texts, b+1, tail)
		})
		p := a.Place(note, false)
		checkPlacement(t, a, next, note, p)
		start, end := nth(t, next[b+1].Text, tt.quote, 0)
		if p.Status != StatusMoved || p.Anchor != a.Anchors()[b+1] || p.Start != start || p.End != end {
			t.Errorf("split before %q: %q placed %s %.2f on %q in %s, want moved on [%d, %d) of the part split off, %s",
				tt.before, tt.quote, p.Status, p.Score, p.Exact, p.Anchor, start, end, a.Anchors()[b+1])
		}
		if a.Anchors()[b] != old.Blocks[b].Anchor {
			t.Errorf("split before %q: the first part has anchor %s, want %s", tt.before, a.Anchors()[b], old.Blocks[b].Anchor)
		}
	}
}
