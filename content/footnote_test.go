package content

import "testing"

// TestBlockFootnote: the blocks of a footnote's text say so (the margin
// beside them is measured in their smaller lines); the essay's do not.
func TestBlockFootnote(t *testing.T) {
	d := parseParas(t, "A claim.[^1]", "- an item", "## A heading", "[^1]: A footnote, with a second sentence.")
	got := map[string]bool{}
	for _, b := range d.Blocks {
		got[b.Text] = b.Footnote
	}
	want := map[string]bool{"A claim.": false, "an item": false, "A heading": false, "A footnote, with a second sentence.": true}
	for text, fn := range want {
		if v, ok := got[text]; !ok || v != fn {
			t.Errorf("block %q: Footnote %v (present %v), want %v; blocks %v", text, v, ok, fn, got)
		}
	}
}
