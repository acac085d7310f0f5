package content

import "testing"

func TestExcerpt(t *testing.T) {
	for _, c := range []struct {
		text string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"alliances in the Asia-Pacific order", 20, "alliances in the…"},
		{"one, two, three and four", 12, "one, two…"},       // the cut's comma goes
		{"unbrokenwordthatgoeson", 8, "unbroken…"},          // no space: cut mid-word
		{"a verylongwordindeed", 10, "a verylong…"},         // the space is in the first half
		{"Ménière’s ear, über alles", 16, "Ménière’s ear…"}, // code points, not bytes
	} {
		if got := Excerpt(c.text, c.n); got != c.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", c.text, c.n, got, c.want)
		}
	}
}

func TestPlural(t *testing.T) {
	if got := Plural(1, "note", "notes"); got != "note" {
		t.Errorf("Plural(1) = %q", got)
	}
	for _, n := range []int{0, 2, 11} {
		if got := Plural(n, "reply", "replies"); got != "replies" {
			t.Errorf("Plural(%d) = %q", n, got)
		}
	}
}
