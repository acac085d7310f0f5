package content

import (
	"strings"
	"testing"
)

func TestQuoteContext(t *testing.T) {
	long := strings.Repeat("a", 40) + "QUOTE" + strings.Repeat("z", 40)
	tests := []struct {
		name                  string
		text                  string
		start, end            int
		exact, prefix, suffix string
		ok                    bool
	}{
		{"middle", "The quick brown fox", 4, 9, "quick", "The ", " brown fox", true},
		{"whole", "abc", 0, 3, "abc", "", "", true},
		{"clipped to 32", long, 40, 45, "QUOTE", strings.Repeat("a", 32), strings.Repeat("z", 32), true},
		{"astral", "🎉 party 𝔸 time", 2, 7, "party", "🎉 ", " 𝔸 time", true},
		{"astral quote", "a🎉b", 1, 2, "🎉", "a", "b", true},
		{"astral context counted in code points", strings.Repeat("🎉", 40) + "x" + strings.Repeat("𝔸", 40), 40, 41, "x", strings.Repeat("🎉", 32), strings.Repeat("𝔸", 32), true},
		{"combining marks are code points", "e\u0301x", 1, 3, "\u0301x", "e", "", true},
		{"empty range", "abc", 1, 1, "", "", "", false},
		{"reversed", "abc", 2, 1, "", "", "", false},
		{"negative", "abc", -1, 2, "", "", "", false},
		{"past the end", "abc", 1, 4, "", "", "", false},
		{"empty text", "", 0, 1, "", "", "", false},
	}
	for _, tt := range tests {
		exact, prefix, suffix, ok := QuoteContext(tt.text, tt.start, tt.end)
		if exact != tt.exact || prefix != tt.prefix || suffix != tt.suffix || ok != tt.ok {
			t.Errorf("%s: QuoteContext(%d, %d) = %q %q %q %v, want %q %q %q %v", tt.name, tt.start, tt.end,
				exact, prefix, suffix, ok, tt.exact, tt.prefix, tt.suffix, tt.ok)
		}
	}
}

func TestFindPhrase(t *testing.T) {
	const essay = "It could be characterized as “Asia for Asians,” i.e. one devoid of US " +
		"and other “outside” influences. America’s mesh of hub-and-spoke alliances — " +
		"the 1961 Sino–North Korean Treaty… The ASIA for asians idea."
	tests := []struct {
		name       string
		text       string
		phrase     string
		want       string // the text found, "" for none
		count      int
		start, end int // checked when want is not ""
	}{
		{"straight quotes find curly ones", essay, `"Asia for Asians,"`, "“Asia for Asians,”", 1, 29, 47},
		{"case-insensitive, several matches", essay, "asia for asians", "Asia for Asians", 2, 30, 45},
		{"apostrophe", essay, "America's mesh", "America’s mesh", 1, -1, -1},
		{"hyphen finds em dash", essay, "alliances - the", "alliances — the", 1, -1, -1},
		{"double hyphen finds en dash", essay, "Sino--North", "Sino–North", 1, -1, -1},
		{"dots find an ellipsis", essay, "Treaty...", "Treaty…", 1, -1, -1},
		{"white space is canonicalised", essay, "  devoid\n of\tUS ", "devoid of US", 1, -1, -1},
		{"typed curly finds curly", essay, "“outside”", "“outside”", 1, -1, -1},
		{"no match", essay, "Europe", "", 0, 0, 0},
		{"empty phrase", essay, "   ", "", 0, 0, 0},
		{"astral offsets are code points", "🎉🎉 Hello “World” 🎉", `hello "world"`, "Hello “World”", 1, 3, 16},
		{"a dot finds an ellipsis, widened to the whole character", "wait… what", ".", "…", 3, 4, 5},
		{"simple case folding beyond ASCII, final sigma too", "the λόγος of it", "ΛΌΓΟΣ", "λόγος", 1, 4, 9},
		{"non-overlapping count", "aaaa", "aa", "aa", 2, 0, 2},
		{"phrase longer than text", "ab", "abc", "", 0, 0, 0},
	}
	for _, tt := range tests {
		start, end, count := FindPhrase(tt.text, tt.phrase)
		text := Canon(tt.text)
		if count != tt.count {
			t.Errorf("%s: count = %d, want %d", tt.name, count, tt.count)
			continue
		}
		if tt.want == "" {
			if start != 0 || end != 0 {
				t.Errorf("%s: no match but [%d, %d)", tt.name, start, end)
			}
			continue
		}
		if got := Slice(text, start, end); got != tt.want {
			t.Errorf("%s: found %q at [%d, %d), want %q", tt.name, got, start, end, tt.want)
		}
		if tt.start >= 0 && (start != tt.start || end != tt.end) {
			t.Errorf("%s: [%d, %d), want [%d, %d)", tt.name, start, end, tt.start, tt.end)
		}
	}
}

func TestFindQuote(t *testing.T) {
	const text = "the cat sat. the cat ran. the 🐱 cat sat."
	tests := []struct {
		name                  string
		text                  string
		exact, prefix, suffix string
		start, end            int
		ok                    bool
	}{
		{"first by default", text, "the cat", "", "", 0, 7, true},
		{"suffix chooses", text, "the cat", "", " ran.", 13, 20, true},
		{"prefix chooses", text, "cat sat", "🐱 ", "", 32, 39, true},
		{"prefix and suffix together", text, "cat", "sat. the ", " ran", 17, 20, true},
		{"context after an astral character", text, "cat", "the 🐱 ", "", 32, 35, true},
		{"partial context still helps", text, "cat", "XXXX the ", " raX", 17, 20, true},
		{"ties go to the earliest", text, "cat", "zzz", "zzz", 4, 7, true},
		{"overlapping occurrences", "aaa", "aa", "a", "", 1, 3, true},
		{"absent", text, "dog", "", "", 0, 0, false},
		{"empty quote", text, "", "", "", 0, 0, false},
		{"exact means exact", "Asia’s order", "Asia's", "", "", 0, 0, false},
	}
	for _, tt := range tests {
		start, end, ok := FindQuote(tt.text, tt.exact, tt.prefix, tt.suffix)
		if start != tt.start || end != tt.end || ok != tt.ok {
			t.Errorf("%s: FindQuote = [%d, %d) %v, want [%d, %d) %v", tt.name, start, end, ok, tt.start, tt.end, tt.ok)
			continue
		}
		if ok && Slice(tt.text, start, end) != tt.exact {
			t.Errorf("%s: [%d, %d) is %q", tt.name, start, end, Slice(tt.text, start, end))
		}
	}
}

func TestTrimSpan(t *testing.T) {
	const text = "At least two logics reinforce"
	for _, tc := range []struct{ start, end, wantStart, wantEnd int }{
		{9, 19, 9, 19},   // "two logics"
		{9, 20, 9, 19},   // "two logics "
		{8, 20, 9, 19},   // " two logics "
		{8, 9, 9, 9},     // " ": only white space
		{0, 100, 0, 29},  // past the end: clipped
		{19, 20, 20, 20}, // " " at the end
	} {
		s, e := TrimSpan(text, tc.start, tc.end)
		if s != tc.wantStart || e != tc.wantEnd {
			t.Errorf("TrimSpan(%d, %d) = %d, %d, want %d, %d", tc.start, tc.end, s, e, tc.wantStart, tc.wantEnd)
		}
	}
}
