package library

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"glossa/content"
	"glossa/store"
	"glossa/transfer"
)

// QuoteError says that a client's quote is not what the text holds at its
// offsets, or is not in the paragraph at all: the conflict of
// docs/anchoring.md, which web answers 409.
type QuoteError struct{ Msg string }

func (e *QuoteError) Error() string { return e.Msg }

func quoteError(format string, args ...any) error {
	return &QuoteError{Msg: fmt.Sprintf(format, args...)}
}

// Resolve checks where a note goes on the current revision of e and
// computes its quote from the server's own canonical text: the client's
// offsets are trusted only as offsets, and a client's quote must match.
// What the reader can correct is named in fe, by field; a quote that is
// not the text is a *QuoteError.
func Resolve(e *Doc, in transfer.NoteInput, fe store.FieldErrors) (store.Original, error) {
	if !utf8.ValidString(in.Anchor + in.Phrase + in.Exact + in.Prefix + in.Suffix) {
		fe["target"] = "The target is not valid UTF-8 text."
		return store.Original{}, nil
	}
	if in.Anchor == "" {
		fe["anchor"] = "Say which paragraph the note is on."
		return store.Original{}, nil
	}
	b := e.Current.Block(in.Anchor)
	if b == nil {
		fe["anchor"] = fmt.Sprintf("There is no paragraph %q in the current version of this document.", in.Anchor)
		return store.Original{}, nil
	}
	t := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: b.Anchor}, BlockHash: b.Hash}
	n := content.CodePoints(b.Text)
	var start, end int
	switch {
	case in.Start != nil || in.End != nil:
		if in.Start == nil || in.End == nil {
			fe["selector"] = "A text position needs both start and end."
			return t, nil
		}
		start, end = *in.Start, *in.End
		if start < 0 || end > n || start >= end {
			fe["selector"] = fmt.Sprintf("The text position %d–%d is outside this paragraph, which has %d characters.", start, end, n)
			return t, nil
		}
		// White space at either end of a selection is left out, as Canon
		// leaves it out of a quote, so the offsets and the quote agree.
		if s, e := content.TrimSpan(b.Text, start, end); s < e {
			start, end = s, e
		} else {
			fe["selector"] = fmt.Sprintf("The text position %d–%d holds only white space; choose words.", start, end)
			return t, nil
		}
		if in.Exact != "" {
			if want, got := content.Canon(in.Exact), content.Slice(b.Text, start, end); got != want {
				return t, quoteError("The quote %q is not the text at %d–%d of %s, which reads %q: %s.", want, start, end, b.Anchor, got, firstDifference(want, got))
			}
		}
	case in.Exact != "":
		var ok bool
		start, end, ok = content.FindQuote(b.Text, content.Canon(in.Exact), content.Canon(in.Prefix), content.Canon(in.Suffix))
		if !ok {
			return t, quoteError("The quote %q is not in %s.", in.Exact, b.Anchor)
		}
	case strings.TrimSpace(in.Phrase) != "":
		s, e, count := content.FindPhrase(b.Text, in.Phrase)
		switch {
		case count == 0:
			fe["phrase"] = "That phrase is not in this paragraph. Copy it from the text; a note's phrase must lie inside one paragraph."
			return t, nil
		case count > 1:
			fe["phrase"] = fmt.Sprintf("That phrase appears %d times in this paragraph. Add a word or two so it appears once.", count)
			return t, nil
		}
		start, end = s, e
	default:
		return t, nil // the whole paragraph
	}
	t.Start, t.End = start, end
	t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(b.Text, start, end)
	return t, nil
}

// firstDifference says where a quote and the text first differ, each
// side's character quoted with its code point, so that quotes that look
// alike (’ and ', a dash and a hyphen, a letter from another alphabet)
// are told apart in the message.
func firstDifference(quote, text string) string {
	q, t := []rune(quote), []rune(text)
	i := 0
	for i < len(q) && i < len(t) && q[i] == t[i] {
		i++
	}
	side := func(r []rune) string {
		if i >= len(r) {
			return "nothing more"
		}
		return fmt.Sprintf("%q (U+%04X)", r[i], r[i])
	}
	return fmt.Sprintf("they differ at character %d, where the quote has %s and the text %s", i+1, side(q), side(t))
}
