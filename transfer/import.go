package transfer

// Import: notes brought in from a file, onto one document.
//
// Two formats are read. W3C Web Annotation JSON-LD: one Annotation, an
// array of them, an AnnotationPage, or an AnnotationCollection whose first
// page is embedded (glossa's own export is one); annotations are read as
// the API reads them (ReadBodies, ReadSelectors). And a Hypothesis export:
// an array of its annotations, {"rows": [...]} (its API) or
// {"annotations": [...]} (its client's export).
//
// The rules, in the order they are applied:
//
//   - The file as a whole: at most MaxBytes, valid JSON, one of the
//     shapes above, at most MaxAnnotations. Otherwise nothing is
//     imported and the answer says why (400, 413 or 422).
//   - Each annotation is then checked on its own, and one that fails is
//     rejected with a report line naming it (its place in the file and its
//     id) and the reason; the others are imported: a type that is not
//     Annotation, fields of the wrong JSON type, a target on another
//     document, an id used twice in the file, a body over the limit, a
//     reply to nothing that can be found, nothing to place it by.
//   - Imported notes are the importer's: the creator named in the file is
//     never taken over. A note someone else wrote comes in private (only
//     the importer sees it), and so does every Hypothesis annotation (its
//     groups mean nothing here); a glossa audience is kept when the
//     importer may use it (a group they belong to), else it becomes
//     private, with a report line.
//   - Each note is placed on the current revision (importTarget, placeImported): where
//     its target says when the words are there (exact), else by searching
//     its quote with its context (mapped in the paragraph it names, moved
//     in another, or fuzzy when the words differ a little), else it is
//     kept as an orphan, listed under "Notes on an
//     earlier version" with its quote. Nothing is dropped for want of a
//     place. Replies follow the note they answer.
//   - Everything goes into the database in one transaction
//     (store.ImportNotes): an error there leaves nothing written. A note
//     imported before from the same source by the same reader, or one
//     that never left this database, is skipped: importing twice changes
//     nothing the second time.
//   - A glossa note keeps its id (the last segment of its IRI) when the id
//     is free here, and its created and modified times, so a glossa export
//     imported into a fresh database exports again byte for byte.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"glossa/content"
	"glossa/store"
)

// Limits on an import.
const (
	MaxBytes       = 10 << 20 // 10 MB: a glossa export of about 7,000 notes
	MaxAnnotations = 10000
)

// The formats an import reads, as the report names them.
const (
	FormatW3C        = "W3C Web Annotation"
	FormatHypothesis = "Hypothesis"
)

// Report says what an import did: how many annotations the file
// held and what became of them, with a line for each that was not simply
// placed where it said (rejected, skipped, orphaned, fuzzy, moved) or that came in
// changed (a tag dropped, an audience made private).
type Report struct {
	Document    string       `json:"document"`
	Format      string       `json:"format"`
	Annotations int          `json:"annotations"` // in the file
	Imported    int          `json:"imported"`    // exact + mapped + moved + fuzzy + orphaned + replies
	Exact       int          `json:"exact"`       // where the file said
	Mapped      int          `json:"mapped"`      // the same words, elsewhere in the paragraph it named
	Moved       int          `json:"moved"`       // the same words, in another paragraph than it named
	Fuzzy       int          `json:"fuzzy"`       // close words
	Orphaned    int          `json:"orphaned"`    // kept without a place in the text
	Replies     int          `json:"replies"`     // in their thread
	Skipped     int          `json:"skipped"`     // here already
	Rejected    int          `json:"rejected"`
	Lines       []ReportLine `json:"lines"`
}

// ReportLine is one annotation's line in the report.
type ReportLine struct {
	// Index is the annotation's place in the file, from 1; 0 is the file
	// as a whole.
	Index   int    `json:"index"`
	ID      string `json:"id,omitempty"`   // as the file names it
	Outcome string `json:"outcome"`        // rejected, skipped, orphaned, fuzzy, moved or note
	Note    string `json:"note,omitempty"` // the glossa note it is now
	Reason  string `json:"reason"`
}

// Summary is the report in one sentence.
func (r Report) Summary() string {
	return fmt.Sprintf("%d of %d %s imported from a %s file: %d exact, %d mapped, %d moved, %d fuzzy, %d orphaned, %d %s; %d skipped, %d rejected.",
		r.Imported, r.Annotations, content.Plural(r.Annotations, "annotation", "annotations"), r.Format,
		r.Exact, r.Mapped, r.Moved, r.Fuzzy, r.Orphaned, r.Replies, content.Plural(r.Replies, "reply", "replies"), r.Skipped, r.Rejected)
}

// String is the line as the command line prints it.
func (l ReportLine) String() string {
	where := "the file"
	if l.Index > 0 {
		where = "annotation " + strconv.Itoa(l.Index)
		if l.ID != "" {
			where += " (" + l.ID + ")"
		}
	}
	return where + ": " + l.Outcome + ": " + l.Reason
}

// importItem is one annotation of the file on its way in.
type importItem struct {
	index   int
	id      string // as the file names it
	source  string // recorded as imported_from
	keepID  string // the glossa id to keep, when free
	creator string // the name the file gives its creator
	reply   bool
	parent  string // a reply's parent as the file names it
	in      NoteInput
	created time.Time
	changed time.Time

	reject  string              // why it is not imported
	skipped *store.ImportResult // here already, found before any work
	notes   []string            // how it came in changed
	state   int                 // of checkReply: unchecked, checking, checked
	// elsewhere is the page it was made on, when that is not this essay
	// and the reader said its notes belong here (Options.anySource).
	elsewhere string

	// Filled in once it is checked.
	audience  store.Audience
	group     int64
	tags      []string
	parentKey string
	parentID  string
	thread    store.Audience // a reply's thread's
	target    content.Target // where the file says it is (importTarget)
	orig      store.Original
	cur       store.Current
}

func (it *importItem) key() string { return strconv.Itoa(it.index) }

// The states of checkReply (an item starts unchecked, the zero value).
const (
	unchecked = iota
	checking
	checked
)

// Options are the reader's choices for one import.
type Options struct {
	// AnySource: the file's notes belong to this essay whatever page
	// they were made on (?source=any): each annotation on another page
	// is placed by its quote alone.
	AnySource bool
	// Allowance is what the importer may still import (zero: no limit,
	// for the command line).
	Allowance store.ImportAllowance
	// Placed, if set, counts the annotations placed on the text: the
	// work an import does per note, which skipping the notes here
	// already must spare.
	Placed *atomic.Int64
}

// Import imports data into document d of db as u, by the rules in the
// comment at the top of this file, within opt.Allowance. A problem with
// the file as a whole is an *Error, and nothing is imported.
//
// The work is ordered so that what costs least decides first: the file
// is read, annotations already here are found in one query and left
// out, every other is checked, the allowance is asked whether what is
// left fits, and only then is each note placed on the text (most of an
// import's time). Sending the same file again places nothing.
func Import(ctx context.Context, db *store.DB, u *store.User, d Document, data []byte, opt Options) (Report, error) {
	allow := opt.Allowance
	rep := Report{Document: d.Slug, Lines: []ReportLine{}}
	format, raws, fileNotes, err := decodeImportFile(data)
	if err != nil {
		return rep, err
	}
	rep.Format, rep.Annotations = format, len(raws)
	for _, n := range fileNotes {
		rep.Lines = append(rep.Lines, ReportLine{Outcome: "note", Reason: n})
	}
	items := make([]*importItem, len(raws))
	for i, raw := range raws {
		if format == FormatHypothesis {
			items[i] = hypothesisItem(raw, d, i+1, opt)
		} else {
			items[i] = w3cItem(raw, d, i+1, opt)
		}
	}

	// A file's dates are its claim, kept and marked as imported; a date
	// still to come is no claim at all (and would keep a note first in
	// "newest first" for ever): it comes in dated now, as the store has it.
	now := time.Now()
	for _, it := range items {
		if it.reject == "" && it.created.After(now) {
			it.notes = append(it.notes, fmt.Sprintf("its date, %s, is later than this import: it comes in dated now",
				it.created.UTC().Format(time.RFC3339)))
		}
	}

	// The same id twice: the first one counts.
	bySource := map[string]*importItem{}
	byID := map[string]*importItem{}
	for _, it := range items {
		if it.reject != "" {
			continue
		}
		if first, dup := bySource[it.source]; dup {
			it.reject = fmt.Sprintf("it has the same id as annotation %d; an id names one annotation", first.index)
			continue
		}
		bySource[it.source] = it
		if it.id != "" {
			byID[it.id] = it
		}
	}

	// What is here already is left out before anything else is done
	// with it.
	var asked []store.ImportNote
	for _, it := range items {
		if it.reject == "" {
			asked = append(asked, store.ImportNote{Key: it.key(), ID: it.keepID, Source: it.source})
		}
	}
	here, err := db.ImportedBefore(ctx, u.ID, d.ID, asked)
	if err != nil {
		return rep, err
	}
	for _, it := range items {
		if r, ok := here[it.key()]; ok {
			it.skipped = &r
		}
	}

	memberships, err := db.Memberships(ctx, u.ID)
	if err != nil {
		return rep, err
	}
	roles := map[int64]store.Role{}
	for _, m := range memberships {
		roles[m.Group.ID] = m.Role
	}
	others := map[string]bool{}
	elsewhere := map[string]bool{}
	for _, it := range items {
		if it.reject != "" || it.skipped != nil {
			continue
		}
		if it.creator != "" && it.creator != u.Name {
			others[it.creator] = true
		}
		if it.elsewhere != "" {
			elsewhere[it.elsewhere] = true
		}
		if !it.reply {
			checkNote(it, u, d, roles, format)
		}
	}
	for _, it := range items {
		if it.reject != "" || it.skipped != nil || !it.reply {
			continue
		}
		checkReply(ctx, db, it, u, d, byID, roles, format)
	}
	if len(others) > 0 {
		rep.Lines = append(rep.Lines, ReportLine{Outcome: "note", Reason: fmt.Sprintf(
			"some annotations were written by others (%s): they come in as your notes, and private ones, so that nobody reads their words under your name "+
				"(their replies in threads others can see are rejected for the same reason)",
			strings.Join(slices.Sorted(maps.Keys(others)), ", "))})
	}
	if len(elsewhere) > 0 {
		pages := slices.Sorted(maps.Keys(elsewhere))
		more := ""
		if len(pages) > 3 {
			pages, more = pages[:3], fmt.Sprintf(" and %d more", len(elsewhere)-3)
		}
		rep.Lines = append(rep.Lines, ReportLine{Outcome: "note", Reason: fmt.Sprintf(
			"some annotations were made on other pages (%s%s): as you asked, each was placed on this essay by its quote alone",
			strings.Join(pages, ", "), more)})
	}

	want := 0
	for _, it := range items {
		if it.reject == "" && it.skipped == nil {
			want++
		}
	}
	if err := db.CheckImportAllowance(ctx, u.ID, want, allow); err != nil {
		return rep, allowanceError(err)
	}

	var align *content.Alignment
	for _, it := range items {
		if it.reject != "" || it.skipped != nil || it.reply {
			continue
		}
		if align == nil {
			var prev []content.PrevBlock
			for _, b := range d.Current.Blocks {
				prev = append(prev, content.PrevBlock{Anchor: b.Anchor, Hash: b.Hash, Text: b.Text})
			}
			align = content.Align(prev, d.Current.Blocks)
		}
		if opt.Placed != nil {
			opt.Placed.Add(1)
		}
		it.orig, it.cur = placeImported(d, align, it.target, it.in.Anchor)
	}

	var notes []store.ImportNote
	var kept []*importItem
	for _, it := range items {
		switch {
		case it.reject != "":
			rep.Rejected++
			rep.Lines = append(rep.Lines, ReportLine{Index: it.index, ID: it.id, Outcome: "rejected", Reason: it.reject})
			continue
		case it.skipped != nil:
			rep.Skipped++
			rep.Lines = append(rep.Lines, ReportLine{Index: it.index, ID: it.id, Outcome: "skipped", Note: it.skipped.ID, Reason: it.skipped.Reason})
			continue
		}
		n := store.ImportNote{
			Key: it.key(), ID: it.keepID, Source: it.source, ParentKey: it.parentKey, ParentID: it.parentID,
			Audience: it.audience, GroupID: it.group, Question: it.in.Question, Body: it.in.Body, Tags: it.tags,
			Original: it.orig, Current: it.cur, Created: it.created, Modified: it.changed,
			// Words the essay does not have word for word are the file's.
			QuoteImported: it.cur.Status == store.StatusOrphan || it.cur.Status == store.StatusFuzzy,
		}
		notes = append(notes, n)
		kept = append(kept, it)
	}
	results, err := db.ImportNotes(ctx, u.ID, d.ID, notes, allow)
	if err != nil {
		return rep, allowanceError(err)
	}
	for i, res := range results {
		it := kept[i]
		line := func(outcome, reason string) {
			rep.Lines = append(rep.Lines, ReportLine{Index: it.index, ID: it.id, Outcome: outcome, Note: res.ID, Reason: reason})
		}
		if res.Skipped {
			rep.Skipped++
			line("skipped", res.Reason)
			continue
		}
		rep.Imported++
		switch {
		case it.reply:
			rep.Replies++
		case it.cur.Status == store.StatusExact:
			rep.Exact++
		case it.cur.Status == store.StatusMapped:
			rep.Mapped++
		case it.cur.Status == store.StatusMoved:
			rep.Moved++
			line("moved", fmt.Sprintf("its quote “%s” is not in the paragraph it names (%s); it is on the same words in another paragraph (%s), where the words around them agree",
				content.Excerpt(it.cur.Exact, 80), it.in.Anchor, it.cur.Anchor))
		case it.cur.Status == store.StatusFuzzy:
			rep.Fuzzy++
			line("fuzzy", fmt.Sprintf("its quote “%s” is not in the essay word for word; it is on the closest words, “%s” (similarity score %.2f)",
				content.Excerpt(it.orig.Exact, 80), content.Excerpt(it.cur.Exact, 80), it.cur.Score))
		default:
			rep.Orphaned++
			if it.cur.Exact != "" {
				line("orphaned", fmt.Sprintf("its quote “%s” is not in the essay; it is kept under Notes on an earlier version, its quote marked as the file’s words", content.Excerpt(it.cur.Exact, 80)))
			} else {
				line("orphaned", fmt.Sprintf("its paragraph (%s) is not in the essay; it is kept under Notes on an earlier version", it.cur.Anchor))
			}
		}
		for _, n := range it.notes {
			line("note", n)
		}
	}
	slices.SortStableFunc(rep.Lines, func(a, b ReportLine) int { return a.Index - b.Index })
	return rep, nil
}

// allowanceError says why an import over its allowance imported
// nothing (a *store.AllowanceError); other errors pass through.
func allowanceError(err error) error {
	var ae *store.AllowanceError
	if !errors.As(err, &ae) {
		return err
	}
	a := ae.Allowance
	per := "day"
	if a.Per != 24*time.Hour {
		per = a.Per.String()
	}
	if ae.RetryAt.IsZero() {
		return errorf(Unprocessable,
			"The file would add %d notes, and a reader may import at most %d a %s. Split it into smaller files. Nothing was imported.",
			ae.Want, a.Notes, per)
	}
	return &Error{Kind: OverAllowance, Msg: fmt.Sprintf(
		"The file would add %d notes, and you have imported %d in the last %s: %d more fit now, of the %d a reader may import a %s. "+
			"Import a smaller file, or this one after %s. Nothing was imported.",
		ae.Want, ae.Used, per, ae.Left(), a.Notes, per, ae.RetryAt.UTC().Format("2 January 15:04 UTC")),
		RetryAt: ae.RetryAt}
}

// checkNote checks a note (not a reply), or rejects it. It does not
// place it (placeImported does, once the import is known to fit its
// allowance), but rejects what cannot be placed at all.
func checkNote(it *importItem, u *store.User, d Document, roles map[int64]store.Role, format string) {
	fe := store.FieldErrors{}
	it.in.Body = store.ValidateBody(it.in.Body, fe)
	if fe["body"] != "" {
		it.reject = fe["body"]
		return
	}
	it.noteHTML()
	it.tags = it.cleanTags()
	it.audience = store.Private
	switch {
	case format == FormatHypothesis:
	case it.creator != "" && it.creator != u.Name:
		if a := strings.TrimSpace(it.in.Audience); a != "" && a != string(store.Private) {
			it.notes = append(it.notes, fmt.Sprintf("written by %s for the audience %q: imported as a private note of yours", it.creator, a))
		}
	default:
		a, g := store.ParseAudience(it.in.Audience, roles, fe)
		if msg := fe["audience"]; msg != "" {
			it.notes = append(it.notes, strings.TrimSuffix(msg, "; choose another audience.")+": imported as a private note")
		} else {
			it.audience, it.group = a, g
		}
	}
	if it.in.Question && strings.TrimSpace(it.in.Body) == "" {
		it.in.Question = false
		it.notes = append(it.notes, "a question needs words: imported as a highlight")
	}
	t, reject := importTarget(d, it.in)
	if reject != "" {
		it.reject = reject
		return
	}
	it.target = t
}

// checkReply finds the thread a reply belongs to, or rejects it: its
// parent in the file (a reply to a reply joins its parent's thread, as
// glossa's threads are flat), else a note imported before from that
// source, else (W3C) a note of this database the importer can see.
// Someone else's words come in only where nobody but the importer reads
// them: their reply in a thread others can see is rejected. A reply to a
// note in a group the importer has left is rejected too.
func checkReply(ctx context.Context, db *store.DB, it *importItem, u *store.User, d Document, byID map[string]*importItem, roles map[int64]store.Role, format string) {
	switch it.state {
	case checked:
		return
	case checking:
		it.reject = "it is one of a circle of replies that never reaches an annotation on the text"
		return
	}
	it.state = checking
	defer func() { it.state = checked }()
	if it.reject != "" {
		return
	}
	body, err := store.ReplyBody(it.in.Body)
	if err != nil {
		var fe store.FieldErrors
		if errors.As(err, &fe) {
			it.reject = fe["body"]
		} else {
			it.reject = err.Error()
		}
		return
	}
	it.in.Body, it.in.Question = body, false
	it.noteHTML()
	if len(it.in.Tags) > 0 {
		it.notes = append(it.notes, "a reply has no tags: its tags were left out")
	}
	if theirs := it.creator != "" && it.creator != u.Name; theirs {
		defer func() {
			if it.reject == "" && it.thread != store.Private {
				it.reject = fmt.Sprintf("written by %s in a thread others can see: glossa will not show %s’s words under your name", it.creator, it.creator)
			}
		}()
	}
	// A parent in the file that is here already is found below, as a
	// note of this database.
	if p := byID[it.parent]; p != nil && p.skipped == nil {
		if p.reply {
			checkReply(ctx, db, p, u, d, byID, roles, format)
		}
		switch {
		case p.reject != "":
			it.reject = fmt.Sprintf("the annotation it answers (annotation %d) was rejected", p.index)
		case p.reply:
			it.parentKey, it.parentID, it.thread = p.parentKey, p.parentID, p.thread
		default:
			it.parentKey, it.thread = p.key(), p.audience
		}
		return
	}
	viewer := store.Viewer{UserID: u.ID}
	src := it.parent
	if format == FormatHypothesis {
		src = hypothesisIRI(it.parent)
	}
	id, err := db.ImportedFrom(ctx, u.ID, src)
	imported := err == nil
	if !imported && format == FormatW3C {
		id = ParentID(it.parent)
	}
	if id != "" {
		n, err := db.Note(ctx, viewer, id)
		if err == nil && n.ParentID != "" {
			n, err = db.Note(ctx, viewer, n.ParentID)
		}
		_, member := roles[n.GroupID]
		switch {
		case err == nil && n.DocumentID == d.ID && n.GroupID != 0 && !member:
			// Their own note, in a group they have left: they no longer
			// write there (store.ErrNotInAudience).
			it.reject = fmt.Sprintf("it answers a note in %s, a group you are no longer a member of", n.GroupName)
			return
		case err == nil && n.DocumentID == d.ID:
			it.parentID, it.thread = n.ID, n.Audience
			return
		case imported && errors.Is(err, store.ErrNotFound):
			// The importer deleted it since: ImportNotes skips the reply.
			it.parentID, it.thread = id, store.Private
			return
		}
	}
	it.reject = fmt.Sprintf("it answers %s, which is neither in this file nor a note you can see on this essay", it.parent)
}

// htmlTag finds an HTML tag in a body.
var htmlTag = regexp.MustCompile(`(?i)</?([a-z][a-z0-9-]*)(\s[^>]*)?/?>`)

// noteHTML notes that a body holds HTML: glossa keeps it as written but
// never shows or runs it (raw HTML is dropped when a body is rendered, and
// what remains is sanitized).
func (it *importItem) noteHTML() {
	if m := htmlTag.FindStringSubmatch(it.in.Body); m != nil {
		it.notes = append(it.notes, fmt.Sprintf("its body holds HTML (<%s>), which glossa never shows or runs: the text is kept as written and shown without it",
			strings.ToLower(m[1])))
	}
}

// cleanTags validates the item's tags, keeping the good ones (at most
// store.MaxTagsPerNote) and noting the others.
func (it *importItem) cleanTags() []string {
	out := []string{}
	for _, t := range it.in.Tags {
		v, err := store.ValidateTag(t)
		var fe *store.FieldError
		if errors.As(err, &fe) {
			it.notes = append(it.notes, "a tag was left out: "+fe.Sentence())
			continue
		}
		if err != nil {
			it.notes = append(it.notes, "a tag was left out: "+err.Error())
			continue
		}
		out = append(out, v)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > store.MaxTagsPerNote {
		it.notes = append(it.notes, fmt.Sprintf("it has %d tags and a note has at most %d: %s left out",
			len(out), store.MaxTagsPerNote, strings.Join(out[store.MaxTagsPerNote:], ", ")))
		out = out[:store.MaxTagsPerNote]
	}
	return out
}

// importTarget reads where an imported note says it is, on the current
// revision of e: the block and offsets given, when its quote is there,
// else its quote (with its context) to search for. It rejects a note
// that names neither a paragraph nor a quote, or only a position that is
// not in the text: nothing to place it by.
func importTarget(d Document, in NoteInput) (content.Target, string) {
	exact := content.Canon(in.Exact)
	// A file's context may be longer than a note keeps: the words nearest
	// the quote are the ones that place it.
	prefix, suffix := content.TrimContext(squashSpace(in.Prefix), squashSpace(in.Suffix))
	b := d.Current.Block(in.Anchor)
	t := content.Target{Anchor: in.Anchor, Exact: exact, Prefix: prefix, Suffix: suffix}
	n := utf8.RuneCountInString(exact)
	if n > 0 {
		// No note's words are longer than a paragraph: refused before
		// the search, which such a quote would keep busy for seconds.
		longest := 0
		for _, b := range d.Current.Blocks {
			longest = max(longest, content.CodePoints(b.Text))
		}
		if n > longest {
			return t, fmt.Sprintf("its quote is %d characters, longer than any paragraph of the essay (at most %d)", n, longest)
		}
	}
	switch {
	case exact == "" && in.Start != nil && in.End != nil:
		// A position alone: the quote is what the block holds there.
		if b == nil || *in.Start < 0 || *in.Start >= *in.End || *in.End > content.CodePoints(b.Text) {
			return t, "its text position is not inside a paragraph of the essay, and it has no quote to search for"
		}
		t.Start, t.End = *in.Start, *in.End
		t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(b.Text, t.Start, t.End)
	case exact == "":
	case in.Start != nil && in.End != nil && *in.End-*in.Start == n && *in.Start >= 0:
		t.Start, t.End = *in.Start, *in.End
	case b != nil:
		if s, end, ok := content.FindQuote(b.Text, exact, prefix, suffix); ok {
			t.Start, t.End = s, end
		} else {
			t.End = n
		}
	default:
		t.End = n
	}
	if t.Exact == "" && in.Anchor == "" {
		return t, "it names neither a paragraph nor a quote, so glossa cannot place it"
	}
	return t, ""
}

// placeImported places an imported note's target t (importTarget; anchor
// is the paragraph the file named, if any) on the current revision of e
// with the re-anchoring of a publish (content.Alignment.Place, aligned
// here with the current revision itself): where it says, when its quote
// is there (exact); else its quote searched with its context, first word
// for word anywhere in the essay (mapped in the paragraph it names, moved
// in another; exact when the file named no paragraph, as Hypothesis does
// not), then approximately (fuzzy); else an orphan. An orphan keeps the target the file gave it as its current
// target; its original target must name a block, so it names the one it
// was on if that still exists, else the essay's first block, with its
// quote.
func placeImported(d Document, align *content.Alignment, t content.Target, anchor string) (store.Original, store.Current) {
	rev := d.Rev.ID
	p := align.Place(t, false)
	if p.Status == content.StatusMapped && anchor == "" {
		// Its very words, found where they are: with no paragraph named
		// (a Hypothesis annotation), nothing was moved.
		p.Status, p.Score = content.StatusExact, 1
	}
	if p.Status != content.StatusOrphan {
		cur := store.Current{
			Target: store.Target{RevisionID: rev, Anchor: p.Anchor, Start: p.Start, End: p.End, Exact: p.Exact, Prefix: p.Prefix, Suffix: p.Suffix},
			Status: store.Status(p.Status), Score: p.Score,
		}
		orig := store.Original{Target: cur.Target}
		if p.Status == content.StatusFuzzy {
			// It was written on other words: they are its original quote,
			// as after a publish that changed them.
			orig.Exact, orig.Prefix, orig.Suffix = t.Exact, t.Prefix, t.Suffix
			orig.End = orig.Start + utf8.RuneCountInString(t.Exact)
		}
		return orig, cur
	}
	first := d.Current.Blocks[0].Anchor
	lost := store.Target{RevisionID: rev, Anchor: t.Anchor, Start: t.Start, End: t.End, Exact: t.Exact, Prefix: t.Prefix, Suffix: t.Suffix}
	if lost.Anchor == "" {
		lost.Anchor = first
	}
	orig := store.Original{Target: lost}
	if d.Current.Block(t.Anchor) == nil {
		orig.Anchor = first
	}
	return orig, store.Current{Target: lost, Status: store.StatusOrphan, Score: 0}
}

// squashSpace is Canon without the trimming, for a quote's prefix and
// suffix: the space between them and the quote is part of the context.
func squashSpace(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == '\u00a0' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// --- reading the file ------------------------------------------------------

// decodeImportFile finds the annotations in a file and its format.
// fileNotes are lines for the report about the file as a whole.
func decodeImportFile(data []byte) (format string, raws []json.RawMessage, fileNotes []string, err error) {
	if len(data) > MaxBytes {
		return "", nil, nil, errorf(TooLarge,
			"The file is %s; glossa imports files of at most %s. Split it, or export fewer notes at a time.", ByteSize(len(data)), ByteSize(MaxBytes))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte order mark
	if !utf8.Valid(data) {
		return "", nil, nil, errorf(Malformed, "The file is not UTF-8 text, so it is not JSON.")
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return "", nil, nil, errorf(Malformed, "The file is empty.")
	}
	var probe any
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return "", nil, nil, errorf(Malformed, "The file is not valid JSON: %s.", jsonSyntax(trimmed, err))
	}
	notAnnotations := errorf(Unprocessable,
		"The file is JSON but holds no annotations glossa knows: it reads W3C Web Annotations (an Annotation, an array of them, "+
			"an AnnotationPage or an AnnotationCollection with its first page in the file) and Hypothesis exports "+
			`(an array of annotations, {"rows": [...]} or {"annotations": [...]}).`)
	switch trimmed[0] {
	case '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return "", nil, nil, notAnnotations
		}
		format = sniffFormat(raws)
	case '{':
		var top struct {
			Type        json.RawMessage `json:"type"`
			First       json.RawMessage `json:"first"`
			Items       json.RawMessage `json:"items"`
			Total       json.RawMessage `json:"total"`
			Rows        json.RawMessage `json:"rows"`
			Annotations json.RawMessage `json:"annotations"`
			URI         json.RawMessage `json:"uri"`
		}
		if err := json.Unmarshal(trimmed, &top); err != nil {
			return "", nil, nil, notAnnotations
		}
		types := jsonStrings(top.Type)
		list := func(raw json.RawMessage, what string) error {
			if len(raw) == 0 || string(raw) == "null" {
				return nil
			}
			if err := json.Unmarshal(raw, &raws); err != nil {
				return errorf(Unprocessable, "The file’s %s is not an array of annotations.", what)
			}
			return nil
		}
		switch {
		case slices.Contains(types, "AnnotationCollection"):
			format = FormatW3C
			first := bytes.TrimSpace(top.First)
			if len(first) > 0 && first[0] == '"' {
				return "", nil, nil, errorf(Unprocessable,
					"The collection’s annotations are not in the file, only the address of its first page (%s). Export them with the annotations in the file.", first)
			}
			var page struct {
				Items json.RawMessage `json:"items"`
				Next  json.RawMessage `json:"next"`
			}
			if len(first) > 0 {
				if err := json.Unmarshal(first, &page); err != nil {
					return "", nil, nil, errorf(Unprocessable, "The collection’s first page is not an AnnotationPage.")
				}
			} else {
				page.Items = top.Items
			}
			if err := list(page.Items, "first page’s items"); err != nil {
				return "", nil, nil, err
			}
			var total int
			if json.Unmarshal(top.Total, &total) == nil && total > len(raws) || len(page.Next) > 0 && string(page.Next) != "null" {
				fileNotes = append(fileNotes, fmt.Sprintf("the collection has more annotations than the %d on its first page; only those in the file are imported", len(raws)))
			}
		case slices.Contains(types, "AnnotationPage"):
			format = FormatW3C
			if err := list(top.Items, "items"); err != nil {
				return "", nil, nil, err
			}
		case slices.Contains(types, "Annotation"):
			format, raws = FormatW3C, []json.RawMessage{trimmed}
		case len(top.Rows) > 0:
			format = FormatHypothesis
			if err := list(top.Rows, "rows"); err != nil {
				return "", nil, nil, err
			}
		case len(top.Annotations) > 0:
			format = FormatHypothesis
			if err := list(top.Annotations, "annotations"); err != nil {
				return "", nil, nil, err
			}
		case len(top.URI) > 0:
			format, raws = FormatHypothesis, []json.RawMessage{trimmed}
		default:
			return "", nil, nil, notAnnotations
		}
	default:
		return "", nil, nil, notAnnotations
	}
	if len(raws) > MaxAnnotations {
		return "", nil, nil, errorf(Unprocessable,
			"The file holds %d annotations; glossa imports at most %d at a time. Split it.", len(raws), MaxAnnotations)
	}
	if format == FormatHypothesis {
		fileNotes = append(fileNotes, "Hypothesis annotations come in as private notes (only you see them): choose who may see each one from its edit form")
	}
	return format, raws, fileNotes, nil
}

// sniffFormat tells W3C annotations from Hypothesis rows by the first one.
func sniffFormat(raws []json.RawMessage) string {
	for _, raw := range raws {
		var keys map[string]json.RawMessage
		if json.Unmarshal(raw, &keys) != nil {
			continue
		}
		_, typed := keys["type"]
		_, ctx := keys["@context"]
		if typed || ctx {
			return FormatW3C
		}
		for _, k := range []string{"uri", "user", "references", "text"} {
			if _, ok := keys[k]; ok {
				return FormatHypothesis
			}
		}
		break
	}
	return FormatW3C
}

// jsonSyntax says where JSON is broken, as a line and column.
func jsonSyntax(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	at := max(min(int(se.Offset), len(data))-1, 0) // the offending byte
	line := 1 + bytes.Count(data[:at], []byte("\n"))
	col := at - bytes.LastIndexByte(data[:at], '\n')
	return fmt.Sprintf("%s (line %d, column %d)", se.Error(), line, col)
}

// jsonProblem says in words why an annotation did not decode.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return fmt.Sprintf("it is a JSON %s, not an object", te.Value)
		}
		return fmt.Sprintf("its %q is a JSON %s, which is the wrong type there", field, te.Value)
	}
	return "it could not be read: " + err.Error()
}

// jsonStrings reads a JSON string or array of strings; anything else is
// none.
func jsonStrings(raw json.RawMessage) []string {
	var many OneOrMany[string]
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	return many
}

// ByteSize writes a size for people: "10.0 MB", "64 KB".
func ByteSize(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}

// sameDocument reports whether src, a target source or a Hypothesis uri,
// is document e: its reading page on any host (/read/{slug}, or one of its
// revisions), or a page where the essay was first published (a URL of
// its front matter's source: the same host, any case, and path; the
// scheme, query and fragment do not matter).
func sameDocument(src string, d Document) bool {
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil {
		return false
	}
	p := strings.TrimSuffix(u.Path, "/")
	if strings.HasSuffix(p, "/read/"+d.Slug) || strings.Contains(p+"/", "/read/"+d.Slug+"/rev/") {
		return true
	}
	for _, orig := range d.Current.Meta.Source {
		o, err := url.Parse(orig)
		if err == nil && o.Host != "" && strings.EqualFold(o.Host, u.Host) && strings.TrimSuffix(o.Path, "/") == p {
			return true
		}
	}
	return false
}

// timeOf reads an annotation's date and time (xsd:dateTime, RFC 3339).
func timeOf(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("its %s, %q, is not a date and time (xsd:dateTime, such as 2016-03-01T12:00:00Z)", field, v)
	}
	return t.UTC(), nil
}

// --- W3C Web Annotations ---------------------------------------------------

// w3cAnnotation is an annotation of a W3C file: what the API reads, with
// what an import also keeps. target and motivation may be arrays here.
type w3cAnnotation struct {
	Incoming
	ID         string                     `json:"id"`
	Type       json.RawMessage            `json:"type"`
	Motivation OneOrMany[string]          `json:"motivation"`
	Created    string                     `json:"created"`
	Modified   string                     `json:"modified"`
	Creator    json.RawMessage            `json:"creator"`
	Target     OneOrMany[json.RawMessage] `json:"target"`
}

// w3cItem reads one W3C annotation of the file.
func w3cItem(raw json.RawMessage, d Document, index int, opt Options) *importItem {
	it := &importItem{index: index}
	var a w3cAnnotation
	if err := json.Unmarshal(raw, &a); err != nil {
		it.reject = jsonProblem(err)
		return it
	}
	it.id = a.ID
	if types := jsonStrings(a.Type); !slices.Contains(types, "Annotation") {
		it.reject = fmt.Sprintf("its type is %s, not Annotation", strings.TrimSpace(string(a.Type)))
		if len(a.Type) == 0 {
			it.reject = "it has no type; an annotation’s type is Annotation"
		}
		return it
	}
	it.source, it.keepID = a.ID, path.Base(a.ID)
	if a.ID == "" {
		// No id: the annotation's own content names it, so that the same
		// file imported twice still finds it.
		var buf bytes.Buffer
		_ = json.Compact(&buf, raw)
		sum := sha256.Sum256(buf.Bytes())
		it.source, it.keepID = "urn:sha256:"+hex.EncodeToString(sum[:]), ""
	}
	var err error
	if it.created, err = timeOf("created", a.Created); err != nil {
		it.reject = err.Error()
		return it
	}
	if it.changed, err = timeOf("modified", a.Modified); err != nil {
		it.reject = err.Error()
		return it
	}
	it.creator = creatorName(a.Creator)
	in := a.Incoming
	for i, m := range a.Motivation {
		if i == 0 || m == "replying" {
			in.Motivation = m // several: replying decides, else the first
		}
	}
	fe := store.FieldErrors{}
	ni := NoteInput{Audience: string(in.Audience), Question: in.Motivation == "questioning"}
	if in.Question != nil {
		ni.Question = *in.Question
	}
	ReadBodies(in, &ni, fe)
	switch len(a.Target) {
	case 0:
		it.reject = "it has no target"
		return it
	case 1:
	default:
		it.reject = fmt.Sprintf("it has %d targets, and a glossa note has one", len(a.Target))
		return it
	}
	var t Target
	if err := json.Unmarshal(a.Target[0], &t); err != nil {
		it.reject = "its target is neither an annotation’s IRI nor a resource with selectors"
		return it
	}
	switch {
	case t.IRI != "" || in.Motivation == "replying":
		if t.IRI == "" {
			it.reject = "it is a reply (motivation replying) but its target is not the IRI of the annotation it answers"
			return it
		}
		it.reply, it.parent = true, t.IRI
	default:
		if t.Source != "" && !sameDocument(t.Source, d) {
			if !opt.AnySource {
				it.reject = fmt.Sprintf("it is on another page (%s), not on /read/%s or a page the essay names as its source; "+
					"if its notes belong to this essay, import it saying so (source=any)", t.Source, d.Slug)
				return it
			}
			it.elsewhere = t.Source
		}
		unknown := ReadSelectors(&t, &ni, fe)
		ni.Anchor = strings.TrimPrefix(ni.Anchor, "#")
		if it.elsewhere != "" {
			// Another page's paragraphs and offsets mean nothing here:
			// its quote alone places it.
			ni.Anchor, ni.Start, ni.End = "", nil, nil
			if ni.Exact == "" && fe["target.selector"] == "" {
				it.reject = fmt.Sprintf("it was made on another page (%s) and has no TextQuoteSelector, so there are no words to place it by here", t.Source)
				return it
			}
		}
		if ni.Anchor == "" && ni.Exact == "" && fe["target.selector"] == "" {
			it.reject = "its target has no FragmentSelector naming a paragraph and no TextQuoteSelector, so glossa cannot place it"
			if len(unknown) > 0 {
				it.reject += fmt.Sprintf(" (it has %s, which glossa does not read)", strings.Join(unknown, ", "))
			}
			return it
		}
	}
	if len(fe) > 0 {
		it.reject = fe.Error()
		return it
	}
	it.in = ni
	return it
}

// creatorName is the name of an annotation's creator: an Agent's name, or
// the last segment of its IRI.
func creatorName(raw json.RawMessage) string {
	var many OneOrMany[json.RawMessage]
	if json.Unmarshal(raw, &many) != nil || len(many) == 0 {
		return ""
	}
	var ag struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if json.Unmarshal(many[0], &ag) != nil {
		var iri string
		if json.Unmarshal(many[0], &iri) != nil {
			return ""
		}
		ag.ID = iri
	}
	if ag.Name != "" {
		return ag.Name
	}
	if ag.ID != "" {
		return path.Base(ag.ID)
	}
	return ""
}

// --- Hypothesis -------------------------------------------------------------

// hypothesisAnnotation is an annotation of Hypothesis's API and exports.
type hypothesisAnnotation struct {
	ID         string   `json:"id"`
	Created    string   `json:"created"`
	Updated    string   `json:"updated"`
	User       string   `json:"user"`
	URI        string   `json:"uri"`
	Text       string   `json:"text"`
	Tags       []string `json:"tags"`
	References []string `json:"references"`
	Target     []struct {
		Source   string `json:"source"`
		Selector []struct {
			Type   string `json:"type"`
			Exact  string `json:"exact"`
			Prefix string `json:"prefix"`
			Suffix string `json:"suffix"`
		} `json:"selector"`
	} `json:"target"`
}

// hypothesisIRI is an annotation's address at Hypothesis, which an import
// records as where it came from.
func hypothesisIRI(id string) string { return "https://hypothes.is/a/" + id }

// hypothesisItem reads one Hypothesis annotation: placed by its
// TextQuoteSelector (its other selectors are about Hypothesis's view of
// the page), a reply by the first of its references (the thread's first
// annotation; glossa's threads are flat).
func hypothesisItem(raw json.RawMessage, d Document, index int, opt Options) *importItem {
	it := &importItem{index: index}
	var h hypothesisAnnotation
	if err := json.Unmarshal(raw, &h); err != nil {
		it.reject = jsonProblem(err)
		return it
	}
	it.id = h.ID
	if h.ID == "" {
		it.reject = "it has no id"
		return it
	}
	it.source = hypothesisIRI(h.ID)
	var err error
	if it.created, err = timeOf("created", h.Created); err != nil {
		it.reject = err.Error()
		return it
	}
	if it.changed, err = timeOf("updated", h.Updated); err != nil {
		it.reject = err.Error()
		return it
	}
	if name, ok := strings.CutPrefix(h.User, "acct:"); ok {
		name, _, _ = strings.Cut(name, "@")
		it.creator = name
	}
	src := h.URI
	if src == "" && len(h.Target) > 0 {
		src = h.Target[0].Source
	}
	switch {
	case sameDocument(src, d):
	case opt.AnySource:
		// It is placed by its quote in any case.
		it.elsewhere = src
		if src == "" {
			it.elsewhere = "a page it does not name"
		}
	case src == "":
		it.reject = "it names no page (uri); if its notes belong to this essay, import it saying so (source=any)"
		return it
	default:
		it.reject = fmt.Sprintf("it is on another page (%s), not on /read/%s or a page the essay names as its source; "+
			"if its notes belong to this essay, import it saying so (source=any)", src, d.Slug)
		return it
	}
	it.in = NoteInput{Body: h.Text, Tags: h.Tags}
	if len(h.References) > 0 {
		it.reply, it.parent = true, h.References[0]
		return it
	}
	for _, t := range h.Target {
		for _, sel := range t.Selector {
			if sel.Type == "TextQuoteSelector" && sel.Exact != "" {
				it.in.Exact, it.in.Prefix, it.in.Suffix = sel.Exact, sel.Prefix, sel.Suffix
				return it
			}
		}
	}
	it.reject = "it is a page note, on the page as a whole with no quote; a glossa note is on a paragraph or a phrase"
	return it
}

// CheckFile says why data cannot be imported at all, as Import would (an
// *Error), or nil.
func CheckFile(data []byte) error {
	_, _, _, err := decodeImportFile(data)
	return err
}
