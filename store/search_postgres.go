package store

import (
	"context"
	"database/sql"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Search on PostgreSQL: the same query language, filters, visibility rule
// and ranking as on SQLite (search.go), over notes_fts's tsvector (the
// PostgreSQL schema: the glossa_search configuration folds accents with
// unaccent and case, and does not stem).
//
// The index finds the notes, with a GIN index: each phrase is a
// phraseto_tsquery, all of them ANDed. What FTS4's matchinfo() gives on
// SQLite, each phrase's hits in each column and each column's length in
// words, is counted here in Go from the three indexed texts of each match,
// so the rank is the same BM25 as on SQLite's (rank), and the snippets are
// cut in Go too. PostgreSQL's ts_rank_cd weighs neither saturation nor
// length the way the ranking tests ask, and ts_headline neither folds
// accents nor marks where a snippet was cut.

// pgPhrase adds a text: or quote: term, as SQL on notes_fts.
func (b *searchSQL) pgPhrase(t SearchTerm) {
	words := strings.Join(ftsWords(t.Value), " ")
	q := `phraseto_tsquery('glossa_search', ` + b.arg(words) + `)`
	// A quote: phrase counts in the quote only: the index finds the
	// notes with the words anywhere, the quote's own vector decides.
	inQuote := `glossa_words(quote) @@ ` + q
	switch {
	case t.Negated && t.Field == FieldQuote:
		b.conds = append(b.conds, `s.docid NOT IN (SELECT docid FROM notes_fts WHERE words @@ `+q+` AND `+inQuote+`)`)
	case t.Negated:
		b.conds = append(b.conds, `s.docid NOT IN (SELECT docid FROM notes_fts WHERE words @@ `+q+`)`)
	default:
		b.phrases = append(b.phrases, words)
		b.quoteOnly = append(b.quoteOnly, t.Field == FieldQuote)
		if t.Field == FieldQuote {
			b.conds = append(b.conds, `s.docid IN (SELECT docid FROM notes_fts WHERE words @@ `+q+` AND `+inQuote+`)`)
		}
	}
}

// pgMatch sets match to the tsquery of every positive phrase, ANDed.
func (b *searchSQL) pgMatch() {
	if len(b.phrases) == 0 {
		return
	}
	qs := make([]string, len(b.phrases))
	for i, p := range b.phrases {
		qs[i] = `phraseto_tsquery('glossa_search', ` + b.arg(p) + `)`
	}
	b.match = "(" + strings.Join(qs, " && ") + ")"
}

// pgHits returns every match the conditions where allow, ranked.
func (b *searchSQL) pgHits(ctx context.Context, tx *sql.Tx, where string) ([]searchHit, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT n.id, n.created_at, s.docid, notes_fts.body, notes_fts.quote, notes_fts.tags
		FROM notes_fts
		JOIN note_search s ON s.docid = notes_fts.docid
		JOIN notes n ON n.id = s.note_id
		WHERE notes_fts.words @@ `+b.match+`
		  AND `+where, b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	phrases := make([][]string, len(b.phrases))
	for i, p := range b.phrases {
		phrases[i] = foldWords(p)
	}
	var hits []searchHit
	for rows.Next() {
		var h searchHit
		if err := rows.Scan(&h.id, &h.created, &h.docid, &h.texts[0], &h.texts[1], &h.texts[2]); err != nil {
			return nil, err
		}
		h.rank = pgRank(h.texts, phrases, b.quoteOnly)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortHits(hits)
	return hits, nil
}

// pgRank is rank's BM25 from the texts themselves: for each phrase and
// column, its hits there, and each column's length in words.
func pgRank(texts [3]string, phrases [][]string, quoteOnly []bool) float64 {
	score := 0.0
	for j, text := range texts {
		words := foldWords(text)
		norm := 1 - bm25B + bm25B*float64(len(words))/referenceLength[j]
		for i, p := range phrases {
			if quoteOnly[i] && j != 1 {
				continue
			}
			tf := float64(countPhrase(words, p))
			if tf == 0 {
				continue
			}
			score += columnWeights[j] * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
		}
	}
	return score
}

// countPhrase counts where the words of p follow one another in words.
func countPhrase(words, p []string) int {
	if len(p) == 0 {
		return 0
	}
	n := 0
	for i := 0; i+len(p) <= len(words); i++ {
		match := true
		for k, w := range p {
			if words[i+k] != w {
				match = false
				break
			}
		}
		if match {
			n++
		}
	}
	return n
}

// fold is a word as the index compares it: lower case, without accents.
func fold(w string) string {
	d := norm.NFD.String(strings.ToLower(w))
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
}

func foldWords(s string) []string {
	ws := ftsWords(s)
	for i, w := range ws {
		ws[i] = fold(w)
	}
	return ws
}

// Snippet sizes in words, as FTS4's snippet() is asked for on SQLite.
const (
	bodySnippetWords  = 24
	quoteSnippetWords = 32
)

// pgSnippets cuts the page's snippets from the texts pgHits read.
func (b *searchSQL) pgSnippets(page []searchHit) map[string][2]string {
	all, quote := map[string]bool{}, map[string]bool{}
	for i, p := range b.phrases {
		for _, w := range foldWords(p) {
			quote[w] = true
			if !b.quoteOnly[i] {
				all[w] = true
			}
		}
	}
	out := make(map[string][2]string, len(page))
	for _, h := range page {
		out[h.id] = [2]string{snippet(h.texts[0], all, bodySnippetWords), snippet(h.texts[1], quote, quoteSnippetWords)}
	}
	return out
}

// snippet is up to n words of text around the most words in match, each
// match between MarkStart and MarkEnd, and … where the text was cut. The
// text is as indexed, the sentinels already blanked out.
func snippet(text string, match map[string]bool, n int) string {
	type word struct {
		start, end int
		hit        bool
	}
	var words []word
	start := -1
	flush := func(end int) {
		if start >= 0 {
			w := text[start:end]
			words = append(words, word{start, end, match[fold(w)]})
			start = -1
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	if len(words) == 0 {
		return text
	}
	// The window of n words with the most hits, the first such.
	from, best := 0, -1
	for i := 0; i == 0 || i+n <= len(words); i++ {
		hits := 0
		for _, w := range words[i:min(len(words), i+n)] {
			if w.hit {
				hits++
			}
		}
		if hits > best {
			from, best = i, hits
		}
	}
	to := min(len(words), from+n)
	var sb strings.Builder
	begin, end := words[from].start, words[to-1].end
	if from == 0 {
		begin = 0
	} else {
		sb.WriteString("…")
	}
	if to == len(words) {
		end = len(text)
	}
	at := begin
	for _, w := range words[from:to] {
		if !w.hit {
			continue
		}
		sb.WriteString(text[at:w.start])
		sb.WriteString(MarkStart + text[w.start:w.end] + MarkEnd)
		at = w.end
	}
	sb.WriteString(text[at:end])
	if to < len(words) {
		sb.WriteString("…")
	}
	return sb.String()
}
