package content

import (
	"slices"
	"strings"
	"testing"
)

// paragraphs for alignment tests: long enough for word bigrams to mean
// something.
var paras = []string{
	"Alliances in the Asia-Pacific have shaped the regional order for seventy years.",
	"The United States built a hub-and-spoke system of bilateral treaties after the war.",
	"China has grown into the largest trading partner of most states in the region.",
	"Multilateral institutions such as ASEAN offer a different path to cooperation.",
	"The future order will rest on a complex mix of institutional arrangements.",
}

// prevOf turns a parsed document into the stored blocks of a revision.
func prevOf(d *Document) []PrevBlock {
	var prev []PrevBlock
	for _, b := range d.Blocks {
		prev = append(prev, PrevBlock{Anchor: b.Anchor, Hash: b.Hash, Text: b.Text})
	}
	return prev
}

func parseParas(t *testing.T, ps ...string) *Document {
	t.Helper()
	d, err := Parse("align", []byte(strings.Join(ps, "\n\n")))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAssignAnchors(t *testing.T) {
	edited := strings.Replace(paras[2], "largest", "biggest", 1)
	edited0 := strings.Replace(paras[0], "seventy", "about seventy", 1)
	rewritten := "Something else entirely now stands in this place of the essay."
	tests := []struct {
		name string
		next []string
		// want, per next block: the index of its partner in paras, or -1
		want []int
	}{
		{"unchanged", paras, []int{0, 1, 2, 3, 4}},
		{"paragraph inserted first", append([]string{"A new opening paragraph."}, paras...), []int{-1, 0, 1, 2, 3, 4}},
		{"paragraph inserted in the middle", slices.Insert(slices.Clone(paras), 2, "Inserted."), []int{0, 1, -1, 2, 3, 4}},
		{"paragraph deleted", slices.Delete(slices.Clone(paras), 1, 2), []int{0, 2, 3, 4}},
		{"paragraph edited", []string{paras[0], paras[1], edited, paras[3], paras[4]}, []int{0, 1, 2, 3, 4}},
		{"paragraph re-wrapped", []string{paras[0], strings.ReplaceAll(paras[1], " ", "\n"), paras[2], paras[3], paras[4]}, []int{0, 1, 2, 3, 4}},
		{"paragraph rewritten", []string{paras[0], paras[1], rewritten, paras[3], paras[4]}, []int{0, 1, -1, 3, 4}},
		{"edited and moved within its gap", []string{paras[0], edited, "Inserted.", paras[4]}, []int{0, 2, -1, 4}},
		{"paragraph moved to the end", []string{paras[1], paras[2], paras[3], paras[4], paras[0]}, []int{1, 2, 3, 4, 0}},
		{"two paragraphs swapped", []string{paras[0], paras[2], paras[1], paras[3], paras[4]}, []int{0, 2, 1, 3, 4}},
		// Out of its gap: the skeleton (0, 2, 3, 4) leaves no gap on the
		// edited paragraph's side.
		{"moved after the next and edited", []string{paras[0], paras[2], strings.Replace(paras[1], "bilateral", "many bilateral", 1), paras[3], paras[4]}, []int{0, 2, 1, 3, 4}},
		{"moved to the end and edited", []string{paras[1], paras[2], paras[3], paras[4], edited0}, []int{1, 2, 3, 4, 0}},
		{"everything new", []string{"One new paragraph.", "Another one."}, []int{-1, -1}},
		{"nothing left", nil, nil},
	}
	prevDoc := parseParas(t, paras...)
	prev := prevOf(prevDoc)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var next []*Block
			if tt.next != nil {
				next = parseParas(t, tt.next...).Blocks
			}
			anchors, matched := AssignAnchors(prev, next)
			if !slices.Equal(matched, tt.want) {
				t.Errorf("matched = %v, want %v", matched, tt.want)
			}
			checkAnchors(t, prev, next, anchors, matched)
		})
	}
}

// checkAnchors checks what must hold whatever the alignment: one anchor per
// block, all distinct, inherited exactly when matched, content ids otherwise.
func checkAnchors(t testing.TB, prev []PrevBlock, next []*Block, anchors []string, matched []int) {
	t.Helper()
	if len(anchors) != len(next) || len(matched) != len(next) {
		t.Fatalf("%d anchors, %d matched, for %d blocks", len(anchors), len(matched), len(next))
	}
	seen := map[string]bool{}
	usedPrev := map[int]bool{}
	for j, a := range anchors {
		if seen[a] {
			t.Errorf("anchor %q given twice", a)
		}
		seen[a] = true
		if !anchorRE.MatchString(a) {
			t.Errorf("anchor %q is not a valid anchor", a)
		}
		if i := matched[j]; i >= 0 {
			if usedPrev[i] {
				t.Errorf("prev block %d matched twice", i)
			}
			usedPrev[i] = true
			if a != prev[i].Anchor {
				t.Errorf("block %d matched prev %d but has anchor %q, not %q", j, i, a, prev[i].Anchor)
			}
		} else if base := contentID(blockHash(next[j])); a != base && !strings.HasPrefix(a, base+"-") {
			t.Errorf("new block %d has anchor %q, not its content id %s", j, a, base)
		}
	}
}

func TestAssignAnchorsDuplicates(t *testing.T) {
	same := "The same short paragraph, repeated in the essay."
	prevDoc := parseParas(t, paras[0], same, same)
	prev := prevOf(prevDoc)
	base := contentID(hashOf(same))
	if prev[1].Anchor != base || prev[2].Anchor != base+"-2" {
		t.Fatalf("prev anchors %s %s", prev[1].Anchor, prev[2].Anchor)
	}

	next := parseParas(t, paras[0], same, same, same).Blocks
	anchors, matched := AssignAnchors(prev, next)
	if want := []string{prev[0].Anchor, base, base + "-2", base + "-3"}; !slices.Equal(anchors, want) {
		t.Errorf("anchors = %q, want %q", anchors, want)
	}
	if want := []int{0, 1, 2, -1}; !slices.Equal(matched, want) {
		t.Errorf("matched = %v, want %v", matched, want)
	}
	checkAnchors(t, prev, next, anchors, matched)

	// The first copy deleted: the k-th copy still pairs with the k-th.
	next = parseParas(t, paras[0], same).Blocks
	anchors, matched = AssignAnchors(prev, next)
	if want := []string{prev[0].Anchor, base}; !slices.Equal(anchors, want) {
		t.Errorf("anchors = %q, want %q", anchors, want)
	}
	checkAnchors(t, prev, next, anchors, matched)
}

func TestAssignAnchorsCollisions(t *testing.T) {
	// Revision 2 edited paragraph Y into X, which kept Y's content id as
	// its anchor. Revision 3 brings Y back as a new paragraph after X: its
	// content id is taken, so it gets "-2".
	y := paras[1]
	x := strings.Replace(y, "bilateral", "many bilateral", 1)
	prev := []PrevBlock{{Anchor: contentID(hashOf(y)), Hash: hashOf(x), Text: x}}
	next := parseParas(t, x, y).Blocks
	anchors, matched := AssignAnchors(prev, next)
	if want := []string{contentID(hashOf(y)), contentID(hashOf(y)) + "-2"}; !slices.Equal(anchors, want) {
		t.Errorf("anchors = %q, want %q", anchors, want)
	}
	if want := []int{0, -1}; !slices.Equal(matched, want) {
		t.Errorf("matched = %v, want %v", matched, want)
	}
	checkAnchors(t, prev, next, anchors, matched)

	// Stored anchors that are not content ids (inherited long ago) are kept;
	// a corrupt prev with a repeated anchor still yields distinct anchors.
	prev = []PrevBlock{
		{Anchor: "p-00000001", Hash: hashOf(paras[0]), Text: paras[0]},
		{Anchor: "p-00000001", Hash: hashOf(paras[1]), Text: paras[1]},
	}
	next = parseParas(t, paras[0], paras[1]).Blocks
	anchors, matched = AssignAnchors(prev, next)
	if anchors[0] != "p-00000001" || anchors[1] == anchors[0] || matched[1] != -1 {
		t.Errorf("anchors = %q, matched = %v", anchors, matched)
	}
	checkAnchors(t, prev, next, anchors, matched)
}

func TestAssignAnchorsThenRender(t *testing.T) {
	// The publishing path: align, then render the new revision with the
	// anchors, and find each old block's anchor on its (edited) text.
	prevDoc := parseParas(t, paras...)
	edited := strings.Replace(paras[3], "different", "rather different", 1)
	nextDoc := parseParas(t, "A new first paragraph.", paras[0], paras[1], paras[2], edited, paras[4])
	anchors, _ := AssignAnchors(prevOf(prevDoc), nextDoc.Blocks)
	d, err := nextDoc.WithAnchors(anchors)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Block(prevDoc.Blocks[3].Anchor); got == nil || got.Text != edited {
		t.Errorf("edited paragraph lost its anchor: %v", got)
	}
	for _, b := range prevDoc.Blocks {
		if d.Block(b.Anchor) == nil {
			t.Errorf("anchor %s lost", b.Anchor)
		}
	}
	checkDocument(t, d, body(d))
}

func TestLongestIncreasing(t *testing.T) {
	tests := []struct {
		prevs []int // prev index per pair, pairs in next order
		want  []int
	}{
		{nil, nil},
		{[]int{0, 1, 2}, []int{0, 1, 2}},
		{[]int{2, 0, 1}, []int{0, 1}},
		{[]int{3, 1, 2, 0, 4}, []int{1, 2, 4}},
		{[]int{4, 3, 2, 1, 0}, []int{0}},
	}
	for _, tt := range tests {
		var pairs []pair
		for j, i := range tt.prevs {
			pairs = append(pairs, pair{prev: i, next: j})
		}
		var got []int
		for _, p := range longestIncreasing(pairs) {
			got = append(got, p.prev)
		}
		if len(got) != len(tt.want) {
			t.Errorf("longestIncreasing(%v) = %v, want length %d", tt.prevs, got, len(tt.want))
		}
		if !slices.IsSorted(got) {
			t.Errorf("longestIncreasing(%v) = %v, not increasing", tt.prevs, got)
		}
	}
}

func TestDice(t *testing.T) {
	tests := []struct {
		a, b string
		min  float64
		max  float64
	}{
		{"the cat sat on the mat", "the cat sat on the mat", 1, 1},
		{"the cat sat on the mat", "The cat sat on the mat!", 1, 1},
		{"the cat sat on the mat", "the cat sat on a mat", 0.5, 0.7},
		{"the cat sat on the mat", "a dog ran in the park", 0, 0},
		{"Introduction", "Introduction", 1, 1},
		{"", "", 0, 0},
	}
	for _, tt := range tests {
		got := dice(bigrams(tt.a), bigrams(tt.b))
		if got < tt.min || got > tt.max {
			t.Errorf("dice(%q, %q) = %.2f, want in [%.2f, %.2f]", tt.a, tt.b, got, tt.min, tt.max)
		}
	}
}

func BenchmarkAssignAnchors(b *testing.B) {
	d, err := Parse("essay", essaySource(b))
	if err != nil {
		b.Fatal(err)
	}
	prev := prevOf(d)
	// Every fifth block edited, one inserted: a typical revision.
	var next []*Block
	for i, bl := range d.Blocks {
		c := *bl
		if i%5 == 0 {
			c.Text += " (revised)"
			c.Hash = hashOf(c.Text)
		}
		next = append(next, &c)
	}
	next = slices.Insert(next, len(next)/2, &Block{Text: "A new paragraph.", Hash: hashOf("A new paragraph.")})
	for b.Loop() {
		AssignAnchors(prev, next)
	}
}
