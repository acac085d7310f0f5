package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Full-text search over notes: their bodies, current quotes and tags,
// indexed in the FTS4 table notes_fts (migration 0005, which says why FTS4
// and how the index is kept in step), with filters on tags, authors,
// groups and documents. A search only ever returns, or counts, notes the
// searcher may see: every query ANDs the visibility rule.
//
// The index's MATCH runs over every note before the rule is applied (the
// index knows nothing of audiences), so what one search costs depends on
// notes its searcher may not see, which anyone who writes or imports notes
// can fill with the same word over and over. Each search is therefore
// bounded: in words (MaxSearchWords), in time (SearchTimeout:
// mattn/go-sqlite3 interrupts the statement running when the search's
// context ends; measured here, a phrase search over 30 MB of one word
// repeated returned within about 50 ms of its deadline), and in number,
// so that searches never take every read connection from the pages (see
// searchTurn).

// Limits on a search.
const (
	MaxSearchChars = 500 // code points in the query
	MaxSearchTerms = 20  // words, phrases and filters
	// MaxSearchWords is how many words the index may have to match in one
	// search: its words and every word of its phrases, left-out ones (-)
	// included. The work of a phrase grows with its words in every note
	// that has them all.
	MaxSearchWords = 32
	MaxSearchLimit = 100 // results per page
	// DefaultSearchLimit is the page size when SearchQuery.Limit is 0.
	DefaultSearchLimit = 20
	// SearchTimeout is the longest a search may take, waiting for its turn
	// included. A search of 10,000 notes for a word in 8,673 of them took
	// 65 ms on a quiet 2-core machine, 0.3 s on one loaded twelve times
	// over (BenchmarkSearch).
	SearchTimeout = 2 * time.Second
)

var (
	// ErrSearchTimeout: the search ran out of time (SearchTimeout, or the
	// caller's deadline if that is sooner) and was stopped.
	ErrSearchTimeout = errors.New("the search ran out of time")
	// ErrSearchBusy: as many searches as the store runs at once were
	// running, and none ended before this one's time ran out.
	ErrSearchBusy = errors.New("too many searches at once")
)

// MarkStart and MarkEnd surround the matched words in a SearchResult's
// snippets. They never occur in indexed text (the index blanks them out),
// so whatever lies between them is a match; everything else is plain
// text, to be escaped like any other.
const (
	MarkStart = "\x02"
	MarkEnd   = "\x03"
)

// SearchField is what a search term looks at.
type SearchField string

const (
	FieldText  SearchField = ""      // words in the body, the quote or the tags
	FieldQuote SearchField = "quote" // words in the quote
	FieldTag   SearchField = "tag"   // an exact tag
	FieldUser  SearchField = "user"  // the author's name
	FieldGroup SearchField = "group" // the group's name or id
	FieldDoc   SearchField = "doc"   // the document's slug
)

var searchFields = []SearchField{FieldQuote, FieldTag, FieldUser, FieldGroup, FieldDoc}

// SearchTerm is one word, phrase or filter of a search.
type SearchTerm struct {
	Field   SearchField
	Value   string // without its quotes; a tag as ValidateTag leaves it
	Phrase  bool   // typed in double quotes
	Negated bool   // typed with a leading -
}

// SearchQuery is a parsed search. Every term must hold (AND), except that
// several user:, group: or doc: filters are alternatives (a note has one
// author, group and document); several tag: filters all apply.
type SearchQuery struct {
	Terms  []SearchTerm
	Limit  int // results per page: 0 means DefaultSearchLimit; at most MaxSearchLimit
	Offset int
}

// String writes the query back in the syntax ParseSearch reads.
func (q SearchQuery) String() string {
	parts := make([]string, 0, len(q.Terms))
	for _, t := range q.Terms {
		var b strings.Builder
		if t.Negated {
			b.WriteByte('-')
		}
		if t.Field != FieldText {
			b.WriteString(string(t.Field) + ":")
		}
		if t.Phrase || strings.ContainsFunc(t.Value, unicode.IsSpace) {
			b.WriteString(`"` + t.Value + `"`)
		} else {
			b.WriteString(t.Value)
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, " ")
}

// ParseSearch reads what a person typed into the search box:
//
//	realism                 notes with the word (in body, quote or tags)
//	"balance of power"      the phrase
//	-china  -"hub and spoke"  without the word, without the phrase
//	tag:realism  tag:"east asia"   notes with that exact tag
//	user:ann                notes by ann (any case)
//	group:7  group:seminar  notes in that group (by id or name)
//	quote:alliance  quote:"two logics"   words in the note's quote
//	doc:pempel-2016-alliances-asia-pacific-order   notes on that document
//
// Filters take a - too (-tag:x, -user:ann). Terms are separated by white
// space; a double quote starts a phrase anywhere. A word like foo:bar
// whose prefix is no filter name is searched as text (so "10:30" and
// "e.g." work), and words of punctuation alone are left out. Matching
// ignores case and accents (cafe finds café).
//
// Errors wrap ErrInvalid and name the problem: not UTF-8, more than
// MaxSearchChars characters, MaxSearchTerms terms or MaxSearchWords words
// to match, a phrase left open, a filter without a value, an invalid tag,
// or nothing to search for.
func ParseSearch(s string) (SearchQuery, error) {
	var q SearchQuery
	if !utf8.ValidString(s) {
		return q, invalid("", "the search is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > MaxSearchChars {
		return q, invalid("", "the search has %d characters; at most %d", n, MaxSearchChars)
	}
	i := 0
	for {
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if i == len(s) {
			break
		}
		var t SearchTerm
		if s[i] == '-' {
			t.Negated = true
			i++
		}
		// A filter: letters, a colon, and the filter's name is one we know.
		j := i
		for j < len(s) && ('a' <= s[j]|0x20 && s[j]|0x20 <= 'z') {
			j++
		}
		if j < len(s) && s[j] == ':' && j > i {
			if f := SearchField(strings.ToLower(s[i:j])); slices.Contains(searchFields, f) {
				t.Field = f
				i = j + 1
			}
		}
		if i < len(s) && s[i] == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return SearchQuery{}, invalid("", "the phrase %s has no closing double quote", s[i:])
			}
			t.Value, t.Phrase = s[i+1:i+1+end], true
			i += end + 2
		} else {
			j := i
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(r) || r == '"' {
					break
				}
				j += size
			}
			t.Value = s[i:j]
			i = j
		}
		t.Value = strings.Join(strings.Fields(t.Value), " ")
		switch {
		case t.Field == FieldText && !hasWord(t.Value):
			continue // punctuation alone: nothing to look for
		case t.Value == "":
			return SearchQuery{}, invalid("", "the filter %s: needs a value, as in %s:%s", t.Field, t.Field, fieldExample[t.Field])
		case t.Field == FieldQuote && !hasWord(t.Value):
			return SearchQuery{}, invalid("", "quote:%s has no words to look for", t.Value)
		case t.Field == FieldTag:
			tag, err := ValidateTag(t.Value)
			if err != nil {
				return SearchQuery{}, err
			}
			t.Value = tag
		}
		q.Terms = append(q.Terms, t)
		if len(q.Terms) > MaxSearchTerms {
			return SearchQuery{}, invalid("", "the search has more than %d words, phrases and filters", MaxSearchTerms)
		}
	}
	if len(q.Terms) == 0 {
		if strings.TrimSpace(s) == "" {
			return q, invalid("the search is empty", "type words to find, or a filter such as tag:realism")
		}
		return q, invalid("", "the search has no words to look for, only punctuation")
	}
	if err := checkWords(q); err != nil {
		return SearchQuery{}, err
	}
	return q, nil
}

// checkWords refuses a query with more than MaxSearchWords words to match.
func checkWords(q SearchQuery) error {
	n := 0
	for _, t := range q.Terms {
		if t.Field == FieldText || t.Field == FieldQuote {
			n += len(ftsWords(t.Value))
		}
	}
	if n > MaxSearchWords {
		return invalid("", "the search has %d words to look for (each word of a phrase counts); at most %d", n, MaxSearchWords)
	}
	return nil
}

var fieldExample = map[SearchField]string{
	FieldQuote: "alliance", FieldTag: "realism", FieldUser: "ann", FieldGroup: "seminar", FieldDoc: "the-document-slug",
}

// hasWord: the text has a letter or a digit, which the tokenizer indexes.
func hasWord(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) })
}

// ftsPhrase makes one FTS4 phrase of what a person typed. Everything but
// letters, digits and marks becomes a space, which is what the unicode61
// tokenizer makes of it anyway, so no FTS syntax survives: no quote to end
// the phrase early, no * (prefix) or ^ (first token), no operators.
func ftsPhrase(s string) string {
	return `"` + strings.Join(ftsWords(s), " ") + `"`
}

// ftsWords are the words of s as the index matches them.
func ftsWords(s string) []string {
	return strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r) {
			return r
		}
		return ' '
	}, s))
}

// SearchResult is a note found, with its snippets: a few words of the body
// and of the quote around the matches, each match between MarkStart and
// MarkEnd. A query of filters only has no matches to show: its snippets
// are the beginning of the body and of the quote.
type SearchResult struct {
	Note         Note
	BodySnippet  string
	QuoteSnippet string
	// Rank is the note's score (higher is better; see rank); 0 for
	// filter-only queries.
	Rank float64
}

// SearchResults is one page of a search and how many results there are in
// all.
type SearchResults struct {
	Results []SearchResult
	Total   int
}

// The rank's parameters: BM25's k1 and b, the weight of each indexed
// column (a word in a tag says most about what a note is about, then its
// body; the quote is the essay's words, which many notes share), and the
// length in words each column's length is weighed against (about a short
// note's body, a quoted phrase, a few tags).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

var (
	columnWeights   = [3]float64{1.0, 0.75, 1.5} // body, quote, tags
	referenceLength = [3]float64{40, 12, 3}
)

// Search finds the notes v may see that match q: ranked (see rank; ties:
// newest first) when q has words or phrases, else newest first.
//
// It takes at most SearchTimeout, or until ctx's deadline if that is
// sooner: past it the search is stopped and the error is ErrSearchTimeout,
// or ErrSearchBusy if it was still waiting for its turn (searchTurn).
func (db *DB) Search(ctx context.Context, v Viewer, q SearchQuery) (SearchResults, error) {
	var out SearchResults
	if len(q.Terms) == 0 || len(q.Terms) > MaxSearchTerms {
		return out, fmt.Errorf("search: %w", invalid("", "%d terms; a search has 1 to %d", len(q.Terms), MaxSearchTerms))
	}
	if err := checkWords(q); err != nil {
		return out, fmt.Errorf("search: %w", err)
	}
	if q.Offset < 0 || q.Limit < 0 || q.Limit > MaxSearchLimit {
		return out, fmt.Errorf("search: %w", invalid("", "offset %d and limit %d: neither may be negative, and the limit is at most %d",
			q.Offset, q.Limit, MaxSearchLimit))
	}
	b, err := buildSearch(v, q, db.dialect)
	if err != nil {
		return out, fmt.Errorf("search: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, db.searchTimeout)
	defer cancel()
	if err := db.searchTurn(ctx); err != nil {
		return out, fmt.Errorf("search: %w", err)
	}
	defer func() { <-db.searchSlots }()
	out, err = db.search(ctx, q, b)
	if err != nil && ctx.Err() != nil {
		// Stopped: mattn/go-sqlite3 interrupts the statement running when
		// ctx ends, which then fails with ctx's error or SQLite's
		// "interrupted".
		return SearchResults{}, fmt.Errorf("search: %w", stopped(ctx, ErrSearchTimeout))
	}
	if err != nil {
		return SearchResults{}, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// searchTurn waits until fewer than cap(db.searchSlots) searches run, and
// takes a slot; the caller gives it back. There are fewer slots than read
// connections (see Open), so however many searches are asked for, and
// however costly, pages always find a connection free; searches beyond
// the slots wait for one until their time runs out.
func (db *DB) searchTurn(ctx context.Context) error {
	select {
	case db.searchSlots <- struct{}{}:
		return nil
	default:
	}
	select {
	case db.searchSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return stopped(ctx, ErrSearchBusy)
	}
}

// stopped says why a search's context ended: its time ran out (the
// error given), or its caller gave up (the context's error).
func stopped(ctx context.Context, timedOut error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return timedOut
	}
	return ctx.Err()
}

// search runs a built query, its limits checked, in one read transaction.
func (db *DB) search(ctx context.Context, q SearchQuery, b *searchSQL) (SearchResults, error) {
	var out SearchResults
	limit := q.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	conn, err := db.ro.Conn(ctx)
	if err != nil {
		return out, err
	}
	defer conn.Close()
	// The transaction is not bound to ctx, only its statements are: when
	// ctx ends, the statement running is interrupted and fails, and the
	// deferred Rollback ends the transaction here, before Search gives its
	// slot back. A transaction bound to ctx would be rolled back by a
	// goroutine of database/sql's, after Search returned, and would close
	// the connection (mattn/go-sqlite3 cannot reset one) rather than give
	// it back.
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return out, err
	}
	defer tx.Rollback()

	// First every match, with what ranking needs; then the page's notes
	// and snippets. Both in one read transaction, so they agree.
	hits, err := b.hits(ctx, tx)
	if err != nil {
		return out, err
	}
	out.Total = len(hits)
	if q.Offset >= len(hits) {
		return out, nil
	}
	page := hits[q.Offset:min(len(hits), q.Offset+limit)]
	notes, err := b.notes(ctx, tx, page)
	if err != nil {
		return out, err
	}
	var snips map[string][2]string
	if b.match != "" {
		if snips, err = b.snippets(ctx, tx, page); err != nil {
			return out, err
		}
	}
	for _, h := range page {
		n, ok := notes[h.id]
		if !ok {
			continue // cannot happen in one transaction; never show what the rule did not return
		}
		r := SearchResult{Note: n, Rank: h.rank}
		if s, ok := snips[h.id]; ok {
			r.BodySnippet, r.QuoteSnippet = s[0], s[1]
		} else {
			r.BodySnippet, r.QuoteSnippet = excerpt(n.Body), excerpt(n.Current.Exact)
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}

// searchSQL is a query turned into SQL: the FTS MATCH expression (empty
// for filter-only queries), the other conditions on notes n and note_search
// s, and the named arguments of both. Nothing a person typed is ever part
// of the SQL text; it arrives as arguments.
type searchSQL struct {
	viewer Viewer
	// dialect: on PostgreSQL the index is a tsvector (search_postgres.go);
	// match is then a tsquery expression, and phrases its phrases' words.
	dialect dialect
	phrases []string
	match   string
	// quoteOnly[i]: the i-th phrase of match came from quote:, so only
	// its hits in the quote column count towards the rank.
	quoteOnly []bool
	conds     []string
	args      []any
}

func (b *searchSQL) arg(v any) string {
	name := "a" + strconv.Itoa(len(b.args))
	b.args = append(b.args, sql.Named(name, v))
	return ":" + name
}

func buildSearch(v Viewer, q SearchQuery, d dialect) (*searchSQL, error) {
	b, err := searchTerms(q, d)
	if err != nil {
		return nil, err
	}
	b.viewer = v
	vis, vargs := visibleTo(v)
	b.conds = append(b.conds, vis)
	b.args = append(b.args, vargs...)
	return b, nil
}

// searchTerms turns q's terms into SQL, without the visibility rule:
// buildSearch adds it, and the notebook (notebook.go) applies it to the
// notes it lists.
func searchTerms(q SearchQuery, d dialect) (*searchSQL, error) {
	b := &searchSQL{dialect: d}
	var phrases []string
	alternatives := map[SearchField][]string{} // positive user:, group:, doc:
	for _, t := range q.Terms {
		switch t.Field {
		case FieldText, FieldQuote:
			if d == postgres {
				b.pgPhrase(t)
				continue
			}
			p := ftsPhrase(t.Value)
			if t.Negated {
				on := "notes_fts"
				if t.Field == FieldQuote {
					on = "quote"
				}
				b.conds = append(b.conds, `s.docid NOT IN (SELECT docid FROM notes_fts WHERE `+on+` MATCH `+b.arg(p)+`)`)
				continue
			}
			phrases = append(phrases, p)
			b.quoteOnly = append(b.quoteOnly, t.Field == FieldQuote)
			if t.Field == FieldQuote {
				// FTS4's syntax cannot restrict a phrase to a column (its
				// "quote:" takes one word), but a MATCH whose left side is
				// a column can.
				b.conds = append(b.conds, `s.docid IN (SELECT docid FROM notes_fts WHERE quote MATCH `+b.arg(p)+`)`)
			}
		case FieldTag:
			// IN rather than EXISTS: the planner may then start from the
			// tag's index instead of testing every note.
			c := `n.id IN (SELECT note_id FROM note_tags WHERE tag = ` + b.arg(t.Value) + `)`
			if t.Negated {
				c = `n.id NOT IN (SELECT note_id FROM note_tags WHERE tag = ` + b.arg(t.Value) + `)`
			}
			b.conds = append(b.conds, c)
		case FieldUser, FieldGroup, FieldDoc:
			set := b.setOf(t.Field, t.Value)
			if t.Negated {
				// A note in no group is not in the group named.
				b.conds = append(b.conds, `coalesce(`+set.column+`, 0) NOT IN (`+set.sql+`)`)
				continue
			}
			alternatives[t.Field] = append(alternatives[t.Field], set.column+` IN (`+set.sql+`)`)
		default:
			return nil, invalid("", "unknown search field %q", t.Field)
		}
	}
	for _, f := range []SearchField{FieldUser, FieldGroup, FieldDoc} {
		if alts := alternatives[f]; len(alts) > 0 {
			b.conds = append(b.conds, "("+strings.Join(alts, " OR ")+")")
		}
	}
	if len(phrases) > 0 {
		b.match = strings.Join(phrases, " ")
		b.args = append(b.args, sql.Named("match", b.match))
	}
	if d == postgres {
		b.pgMatch()
	}
	return b, nil
}

// matching is a subquery of the ids of the notes that match, whoever may
// see them: the caller applies the visibility rule.
func (b *searchSQL) matching() string {
	where := "1 = 1"
	if len(b.conds) > 0 {
		where = strings.Join(b.conds, "\n\t  AND ")
	}
	if b.match == "" {
		return `SELECT n.id FROM notes n JOIN note_search s ON s.note_id = n.id WHERE ` + where
	}
	if b.dialect == postgres {
		return `SELECT n.id FROM notes_fts
		JOIN note_search s ON s.docid = notes_fts.docid
		JOIN notes n ON n.id = s.note_id
		WHERE notes_fts.words @@ ` + b.match + ` AND ` + where
	}
	return `SELECT n.id FROM notes_fts
		JOIN note_search s ON s.docid = notes_fts.docid
		JOIN notes n ON n.id = s.note_id
		WHERE notes_fts MATCH :match AND ` + where
}

type idSet struct{ column, sql string }

// setOf is the ids a user:, group: or doc: filter names, as a subquery.
func (b *searchSQL) setOf(f SearchField, value string) idSet {
	switch f {
	case FieldUser:
		// By key (NameKey), or the exact name (users.name is COLLATE NOCASE).
		return idSet{"n.author_id", `SELECT id FROM users WHERE name_key = ` + b.arg(NameKey(value)) + ` OR name = ` + b.arg(value)}
	case FieldGroup:
		set := `SELECT id FROM groups WHERE name = ` + b.arg(value) + ` COLLATE NOCASE`
		if id, err := strconv.ParseInt(value, 10, 64); err == nil {
			set += ` OR id = ` + b.arg(id)
		}
		return idSet{"n.group_id", set}
	default:
		return idSet{"n.document_id", `SELECT id FROM documents WHERE slug = ` + b.arg(value)}
	}
}

// searchHit is a match before its note is read.
type searchHit struct {
	id, created string
	docid       int64
	rank        float64
	texts       [3]string // on PostgreSQL: body, quote, tags as indexed, for snippets
}

// hits returns every match v may see, in result order.
func (b *searchSQL) hits(ctx context.Context, tx *sql.Tx) ([]searchHit, error) {
	where := strings.Join(b.conds, "\n\t  AND ")
	if b.match == "" {
		rows, err := tx.QueryContext(ctx, `
			SELECT n.id, n.created_at FROM notes n JOIN note_search s ON s.note_id = n.id
			WHERE `+where+`
			ORDER BY n.created_at DESC, n.id DESC`, b.args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var hits []searchHit
		for rows.Next() {
			var h searchHit
			if err := rows.Scan(&h.id, &h.created); err != nil {
				return nil, err
			}
			hits = append(hits, h)
		}
		return hits, rows.Err()
	}
	if b.dialect == postgres {
		return b.pgHits(ctx, tx, where)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT n.id, n.created_at, s.docid, matchinfo(notes_fts, 'pcly')
		FROM notes_fts
		JOIN note_search s ON s.docid = notes_fts.docid
		JOIN notes n ON n.id = s.note_id
		WHERE notes_fts MATCH :match
		  AND `+where, b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []searchHit
	for rows.Next() {
		var (
			h  searchHit
			mi []byte
		)
		if err := rows.Scan(&h.id, &h.created, &h.docid, &mi); err != nil {
			return nil, err
		}
		if h.rank, err = rank(mi, b.quoteOnly); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortHits(hits)
	return hits, nil
}

// sortHits puts hits in result order: rank, then newest first.
func sortHits(hits []searchHit) {
	slices.SortFunc(hits, func(x, y searchHit) int {
		if x.rank != y.rank {
			if x.rank > y.rank {
				return -1
			}
			return 1
		}
		if c := strings.Compare(y.created, x.created); c != 0 {
			return c
		}
		return strings.Compare(y.id, x.id)
	})
}

// rank scores one note from FTS4's matchinfo(…, 'pcly'): p phrases, c
// columns, l (this row's words per column), then per phrase and column y:
// the phrase's hits in this row's column. (SQLite's FTS3/FTS4
// documentation, "matchinfo".)
//
// Each phrase adds, for each column j it may match in, BM25's term part,
// weight[j] × tf·(k1+1) / (tf + k1·(1 − b + b·l/referenceLength[j])):
// more hits count, each less than the one before, and the same hits count
// more in a shorter text.
//
// It uses the note alone. BM25 proper also weighs each phrase by how many
// notes have it (IDF) and each length against the average, but those are
// counted over every note in the index, private ones included, so the
// rank a reader is shown would move as others write notes that reader may
// not see: a probe word's rank would tell how many private notes hold it,
// and a control word's how many notes there are. Counting them over what
// the reader may see instead would run the visibility rule over every note
// on every search; and among the results of a search, which must all
// match every phrase, a phrase's IDF says nothing.
func rank(mi []byte, quoteOnly []bool) (float64, error) {
	u := make([]uint32, len(mi)/4)
	for i := range u {
		u[i] = binary.NativeEndian.Uint32(mi[4*i:])
	}
	if len(u) < 2 {
		return 0, errors.New("matchinfo: too short")
	}
	p, c := int(u[0]), int(u[1])
	if c != len(columnWeights) || len(u) != 2+c+p*c || p != len(quoteOnly) {
		return 0, fmt.Errorf("matchinfo: %d values for %d phrases and %d columns", len(u), p, c)
	}
	lens, y := u[2:2+c], u[2+c:]
	score := 0.0
	for i := range p {
		for j := range c {
			if quoteOnly[i] && j != 1 {
				continue
			}
			tf := float64(y[i*c+j])
			if tf == 0 {
				continue
			}
			norm := 1 - bm25B + bm25B*float64(lens[j])/referenceLength[j]
			score += columnWeights[j] * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
		}
	}
	return score, nil
}

// notes reads the page's notes, through the visibility rule again.
func (b *searchSQL) notes(ctx context.Context, tx *sql.Tx, page []searchHit) (map[string]Note, error) {
	vis, args := visibleTo(b.viewer)
	in := make([]string, len(page))
	for i, h := range page {
		in[i] = ":id" + strconv.Itoa(i)
		args = append(args, sql.Named("id"+strconv.Itoa(i), h.id))
	}
	rows, err := tx.QueryContext(ctx, noteSelect+`
		WHERE n.id IN (`+strings.Join(in, ", ")+`) AND `+vis, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]Note, len(page))
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, err
		}
		out[n.ID] = n
	}
	return out, rows.Err()
}

// snippets returns, by note id, the body's and the quote's snippet.
func (b *searchSQL) snippets(ctx context.Context, tx *sql.Tx, page []searchHit) (map[string][2]string, error) {
	if b.dialect == postgres {
		return b.pgSnippets(page), nil
	}
	// The page's rows are picked by docid, a plain comparison on each
	// match, rather than by a join that every match would go through.
	args := []any{sql.Named("match", b.match)}
	in := make([]string, len(page))
	for i, h := range page {
		in[i] = ":d" + strconv.Itoa(i)
		args = append(args, sql.Named("d"+strconv.Itoa(i), h.docid))
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT s.note_id,
		       snippet(notes_fts, char(2), char(3), '…', 0, 24),
		       snippet(notes_fts, char(2), char(3), '…', 1, 32)
		FROM notes_fts JOIN note_search s ON s.docid = notes_fts.docid
		WHERE notes_fts MATCH :match AND +notes_fts.docid IN (`+strings.Join(in, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string][2]string, len(page))
	for rows.Next() {
		var (
			id   string
			body string
			quot string
		)
		if err := rows.Scan(&id, &body, &quot); err != nil {
			return nil, err
		}
		out[id] = [2]string{body, quot}
	}
	return out, rows.Err()
}

// excerpt is the beginning of a text, for results without matches: its
// first 30 words, the sentinels blanked out as the index does.
func excerpt(s string) string {
	s = strings.NewReplacer(MarkStart, " ", MarkEnd, " ").Replace(s)
	words := strings.Fields(s)
	if len(words) <= 30 {
		return strings.Join(words, " ")
	}
	return strings.Join(words[:30], " ") + "…"
}
