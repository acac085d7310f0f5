package transfer

// Export: a reader's notes on a document, or a group's notes for
// the group's teachers, as Markdown to read, CSV to count, or W3C Web
// Annotation JSON-LD to import again (import.go). The page, the API
// and the command line all make it with Export.
//
// What an export holds. "mine": every note and reply the reader wrote on
// the document, including replies in others' threads (their words are
// the reader's; the note they answer is not in the export, only named by
// its IRI, so nobody else's words ever leave in "my notes"). "group:ID":
// the group's notes (audiences "group" and "teachers"), hidden ones and
// replies included, for the group's teachers only; members' private and
// public notes are theirs, not the class's (as in the teacher's view).
// Both go through the visibility rule as well (store.ExportNotes).

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"glossa/content"
	"glossa/store"
)

// The export formats, as ?format= names them.
const (
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatJSONLD   = "jsonld"
)

// ParseFormat reads an export format (?format=, -format): md, csv or
// jsonld; a few other spellings are accepted.
func ParseFormat(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "md", "markdown":
		return FormatMarkdown, nil
	case "csv":
		return FormatCSV, nil
	case "jsonld", "json-ld", "json", "w3c":
		return FormatJSONLD, nil
	}
	return "", store.FieldErrors{"format": fmt.Sprintf("Format %q is not one of md (Markdown), csv or jsonld (W3C Web Annotation).", v)}
}

// Scope is whose notes an export holds: the reader's (Group nil) or a
// group's.
type Scope struct {
	Group *store.Group
}

func (sc Scope) value() string {
	if sc.Group == nil {
		return "mine"
	}
	return "group:" + strconv.FormatInt(sc.Group.ID, 10)
}

// ParseScope reads a scope (?scope=, -scope) for u: "mine" (the default)
// or "group:ID", which only the group's teachers may ask for. As
// everywhere, a group exists only for its members: anyone else gets
// store.ErrNotFound, a member an *Error of kind Forbidden.
func ParseScope(ctx context.Context, db *store.DB, u *store.User, v string) (Scope, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "mine" {
		return Scope{}, nil
	}
	kind, id, ok := strings.Cut(v, ":")
	gid, err := strconv.ParseInt(id, 10, 64)
	if !ok || kind != "group" || err != nil || gid <= 0 {
		return Scope{}, store.FieldErrors{"scope": fmt.Sprintf("Scope %q is not mine or group:ID.", v)}
	}
	role, err := db.RoleOf(ctx, u.ID, gid)
	if errors.Is(err, store.ErrForbidden) {
		return Scope{}, fmt.Errorf("group %d: %w", gid, store.ErrNotFound)
	}
	if err != nil {
		return Scope{}, err
	}
	if role != store.RoleTeacher {
		return Scope{}, &Error{Kind: Forbidden, Msg: "Only the group's teachers can export its notes; you can export your own."}
	}
	g, err := db.Group(ctx, gid)
	if err != nil {
		return Scope{}, err
	}
	return Scope{Group: &g}, nil
}

// File is an export ready to send.
type File struct {
	Name        string
	ContentType string
	Body        []byte
}

// Export makes the export of document d of db for u, in format (see
// ParseFormat) and scope (ParseScope). Its IRIs and links start with base
// (http://host, no trailing slash).
func Export(ctx context.Context, db *store.DB, base string, u *store.User, d Document, format string, sc Scope) (File, error) {
	q := store.ExportQuery{DocumentID: d.ID}
	if sc.Group != nil {
		q.GroupID = sc.Group.ID
	}
	notes, err := db.ExportNotes(ctx, store.Viewer{UserID: u.ID}, q)
	if err != nil {
		return File{}, err
	}
	threads := exportThreads(d, notes)
	name := d.Slug + "-notes-" + u.Name
	if sc.Group != nil {
		name = d.Slug + "-group-" + strconv.FormatInt(sc.Group.ID, 10)
	}
	switch format {
	case FormatMarkdown:
		return File{name + ".md", "text/markdown; charset=utf-8", exportMarkdown(base, d, u, sc, threads)}, nil
	case FormatCSV:
		b, err := exportCSV(base, d, threads)
		return File{name + ".csv", "text/csv; charset=utf-8", b}, err
	default:
		b, err := exportJSONLD(base, d, u, sc, threads)
		return File{name + ".jsonld", AnnoType, b}, err
	}
}

// exportThread is a note with its replies in the export. A reply whose
// note is not in the export (the reader's reply in another's thread) is a
// thread of its own, placed where that note sits.
type exportThread struct {
	note    store.Note
	block   *content.Block // its block in the current revision; nil: not placed there
	replies []store.Note
}

// exportThreads orders notes as every format lists them: threads in
// reading order (by block, whole-block notes first, then by start, by
// time, by id), those not placed on the current text (orphans) last, each
// thread's replies oldest first. Times are compared to the second, as the
// JSON-LD writes them, so that a file imported elsewhere and exported
// again lists its notes in the same order.
func exportThreads(d Document, notes []store.Note) []exportThread {
	in := make(map[string]bool, len(notes))
	for _, n := range notes {
		in[n.ID] = true
	}
	replies := map[string][]store.Note{}
	var threads []exportThread
	for _, n := range notes {
		if n.ParentID != "" && in[n.ParentID] {
			replies[n.ParentID] = append(replies[n.ParentID], n)
			continue
		}
		t := exportThread{note: n}
		if n.Current.Status != store.StatusOrphan && n.Current.RevisionID == d.Rev.ID {
			t.block = d.Current.Block(n.Current.Anchor)
		}
		threads = append(threads, t)
	}
	second := func(t time.Time) time.Time { return t.Truncate(time.Second) }
	slices.SortFunc(threads, func(a, b exportThread) int {
		if (a.block == nil) != (b.block == nil) {
			if a.block == nil {
				return 1
			}
			return -1
		}
		if a.block != nil {
			if c := a.block.Index - b.block.Index; c != 0 {
				return c
			}
			ca, cb := a.note.Current, b.note.Current
			if wa, wb := ca.Exact == "", cb.Exact == ""; wa != wb {
				if wa {
					return -1
				}
				return 1
			}
			if c := ca.Start - cb.Start; c != 0 {
				return c
			}
		}
		if c := second(a.note.CreatedAt).Compare(second(b.note.CreatedAt)); c != 0 {
			return c
		}
		return strings.Compare(a.note.ID, b.note.ID)
	})
	for i := range threads {
		rs := replies[threads[i].note.ID]
		slices.SortFunc(rs, func(a, b store.Note) int {
			if c := second(a.CreatedAt).Compare(second(b.CreatedAt)); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		threads[i].replies = rs
	}
	return threads
}

// --- W3C Web Annotation JSON-LD ---------------------------------------------

// exportCollection is the JSON-LD export: an AnnotationCollection with all
// its annotations in one embedded AnnotationPage. Each annotation carries
// its own @context too, so that one taken out of the file is still a
// complete Web Annotation.
type exportCollection struct {
	Context string      `json:"@context"`
	ID      string      `json:"id"`
	Type    string      `json:"type"`
	Label   string      `json:"label"`
	Total   int         `json:"total"`
	First   *exportPage `json:"first,omitempty"`
	Last    string      `json:"last,omitempty"`
}

type exportPage struct {
	ID         string       `json:"id"`
	Type       string       `json:"type"`
	PartOf     string       `json:"partOf"`
	StartIndex int          `json:"startIndex"`
	Items      []Annotation `json:"items"`
}

// exportLabel says whose notes an export holds.
func exportLabel(u *store.User, sc Scope) string {
	if sc.Group != nil {
		return "The notes of " + sc.Group.Name
	}
	return u.Name + "’s notes"
}

func exportJSONLD(base string, d Document, u *store.User, sc Scope, threads []exportThread) ([]byte, error) {
	c := exportCollection{
		Context: AnnoContext,
		ID:      base + "/api/documents/" + d.Slug + "/export?format=jsonld&scope=" + sc.value(),
		Type:    "AnnotationCollection",
		Label:   exportLabel(u, sc) + " on " + d.Current.Meta.Title,
	}
	var items []Annotation
	add := func(n store.Note) {
		a := ToAnnotation(base, n, d, true)
		// Reactions are other readers' acts, counted for the one asking:
		// not the note's, and nothing an import could restore.
		a.Reactions = nil
		items = append(items, a)
	}
	for _, t := range threads {
		add(t.note)
		for _, rep := range t.replies {
			add(rep)
		}
	}
	c.Total = len(items)
	if len(items) > 0 {
		page := c.ID + "#page-1"
		c.First = &exportPage{ID: page, Type: "AnnotationPage", PartOf: c.ID, Items: items}
		c.Last = page
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // a file for people to read too
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("export json-ld: %w", err)
	}
	return buf.Bytes(), nil
}

// --- CSV ---------------------------------------------------------------------

// CSVColumns are the export's columns, in order; README.md documents each.
// They are part of the format: add new ones at the end.
var CSVColumns = []string{
	"id", "parent_id", "document", "revision", "anchor", "position",
	"quote", "prefix", "suffix", "start", "end", "status",
	"author", "audience", "group", "tags", "body", "created", "modified", "url",
	"imported", "imported_at", "importer_quote",
}

func exportCSV(base string, d Document, threads []exportThread) ([]byte, error) {
	revs := store.RevisionNumbers(d.Rev, d.Revs)
	rows := [][]string{CSVColumns}
	add := func(n store.Note, b *content.Block) {
		t := n.Current.Target
		var start, end, pos string
		if t.Exact != "" {
			start, end = strconv.Itoa(t.Start), strconv.Itoa(t.End)
		}
		if b != nil {
			// The block's place in reading order, from 1, headings
			// included, as in the teacher's heat.csv.
			pos = strconv.Itoa(b.Index + 1)
		}
		rows = append(rows, []string{
			n.ID, n.ParentID, d.Slug, strconv.Itoa(revs[t.RevisionID]), t.Anchor, pos,
			t.Exact, t.Prefix, t.Suffix, start, end, string(n.Current.Status),
			n.Author.Name, store.AudienceValue(n.Audience, n.GroupID), n.GroupName, strings.Join(n.Tags, "; "), n.Body,
			n.CreatedAt.UTC().Format(time.RFC3339), n.UpdatedAt.UTC().Format(time.RFC3339), base + "/notes/" + n.ID,
			yes(n.Imported), importedAt(n), yes(n.QuoteByImporter()),
		})
	}
	for _, t := range threads {
		add(t.note, t.block)
		for _, rep := range t.replies {
			add(rep, t.block)
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	for _, row := range rows {
		for i := range row {
			row[i] = CSVCell(row[i]) // no formula runs in a spreadsheet
		}
		if err := cw.Write(row); err != nil {
			return nil, fmt.Errorf("export csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, fmt.Errorf("export csv: %w", err)
	}
	return buf.Bytes(), nil
}

// --- Markdown ----------------------------------------------------------------

// exportMarkdown writes the notes as a Markdown document meant to be read
// as it is: the essay's title and source, then for each paragraph with
// notes, in reading order, the paragraph as a block quote and its notes as
// a list (quote, author, audience, date, tags, then the body as written),
// replies nested under their note; the notes whose words are no longer in
// the essay come last, under "Notes on an earlier version".
func exportMarkdown(base string, d Document, u *store.User, sc Scope, threads []exportThread) []byte {
	var b strings.Builder
	m := d.Current.Meta
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(m.Title))
	var src []string
	if m.Author != "" {
		src = append(src, "By "+mdEscape(m.Author))
	}
	if m.Publication != "" {
		p := "*" + mdEscape(m.Publication) + "*"
		if m.Volume != "" {
			p += ", Vol. " + mdEscape(m.Volume)
		}
		if m.Issue != "" {
			p += " No. " + mdEscape(m.Issue)
		}
		if m.Published != "" {
			p += ", " + mdEscape(m.Published)
		}
		src = append(src, p)
	}
	if len(src) > 0 {
		fmt.Fprintf(&b, "%s.\n\n", strings.Join(src, ". "))
	}
	notes, replies := 0, 0
	for _, t := range threads {
		if t.note.ParentID != "" {
			replies++
		} else {
			notes++
		}
		replies += len(t.replies)
	}
	fmt.Fprintf(&b, "%s: %d %s and %d %s, exported from glossa, where the essay reads at <%s/read/%s> (revision %d).\n\n",
		mdEscape(exportLabel(u, sc)), notes, content.Plural(notes, "note", "notes"), replies, content.Plural(replies, "reply", "replies"),
		base, d.Slug, d.Rev.Number)

	labels := exportBlockLabels(d.Current)
	last := -1
	earlier := false
	for _, t := range threads {
		switch {
		case t.block != nil && t.block.Index != last:
			last = t.block.Index
			fmt.Fprintf(&b, "## %s\n\n", labels[last])
			fmt.Fprintf(&b, "> %s\n\n", mdEscape(t.block.Text))
		case t.block == nil && !earlier:
			earlier = true
			b.WriteString("## Notes on an earlier version\n\n")
			b.WriteString("The words these notes were written on are no longer in the essay; each keeps the quote it was on.\n\n")
		}
		writeMarkdownNote(&b, t.note, "", t.block == nil)
		for _, rep := range t.replies {
			writeMarkdownNote(&b, rep, "  ", false)
		}
	}
	return []byte(b.String())
}

// exportBlockLabels names the blocks for the Markdown's headings:
// "Paragraph 3", or "Heading: …" with the heading's text.
func exportBlockLabels(d *content.Document) []string {
	labels := make([]string, len(d.Blocks))
	n := 0
	for i, b := range d.Blocks {
		if len(b.Kind) == 2 && b.Kind[0] == 'h' {
			labels[i] = "Heading: " + mdEscape(b.Text)
			continue
		}
		n++
		labels[i] = "Paragraph " + strconv.Itoa(n)
	}
	return labels
}

// writeMarkdownNote writes one note as a list item indented by indent.
func writeMarkdownNote(b *strings.Builder, n store.Note, indent string, lost bool) {
	var head string
	switch {
	case n.ParentID != "" && indent == "":
		head = "**A reply in another’s thread**"
	case n.ParentID != "":
		head = "**Reply**"
	case n.Current.Exact == "" && lost:
		head = "**Was on a paragraph no longer in the essay**"
	case n.Current.Exact == "":
		head = "**On the whole paragraph**"
	case lost && n.QuoteByImporter():
		head = "**Imported with the quote “" + mdEscape(n.Current.Exact) + "”, the importer’s words, not the essay’s**"
	case lost:
		head = "**Was on “" + mdEscape(n.Current.Exact) + "”**"
	default:
		head = "**On “" + mdEscape(n.Current.Exact) + "”**"
	}
	parts := []string{head, mdEscape(n.Author.Name)}
	if n.ParentID == "" {
		parts = append(parts, exportAudienceLabel(n))
	}
	written := n.CreatedAt.UTC().Format("2 January 2006")
	if n.Imported {
		written = "imported; written " + written // the file's date, not glossa's
	}
	parts = append(parts, written)
	if n.UpdatedAt.Sub(n.CreatedAt) >= time.Second {
		parts = append(parts, "edited "+n.UpdatedAt.UTC().Format("2 January 2006"))
	}
	if n.Guide {
		parts = append(parts, "guide")
	}
	if n.Question {
		parts = append(parts, "question")
	}
	if n.Resolved {
		parts = append(parts, "resolved")
	}
	switch {
	case n.Current.Status == store.StatusFuzzy && n.ImportedQuote:
		parts = append(parts, "imported on words the essay does not have: its file quoted “"+mdEscape(n.Original.Exact)+"”")
	case n.Current.Status == store.StatusFuzzy:
		parts = append(parts, "the words changed since it was written")
	case n.Current.Status == store.StatusMoved:
		parts = append(parts, "moved with its words from another paragraph")
	}
	if len(n.Tags) > 0 {
		parts = append(parts, "tags: "+mdEscape(strings.Join(n.Tags, ", ")))
	}
	if n.Hidden {
		parts = append(parts, "hidden by a teacher: "+mdEscape(n.HiddenReason))
	}
	fmt.Fprintf(b, "%s- %s\n\n", indent, strings.Join(parts, " · "))
	// Raw HTML is never shown by glossa: here it is made literal text, so
	// that no Markdown viewer runs it either.
	body := htmlTag.ReplaceAllStringFunc(strings.TrimSpace(n.Body), func(tag string) string { return `\` + tag })
	if body == "" {
		body = "*Highlight*"
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == "" {
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(b, "%s  %s\n", indent, line)
	}
	b.WriteString("\n")
}

// exportAudienceLabel says in words who can see a note.
func exportAudienceLabel(n store.Note) string {
	switch n.Audience {
	case store.Public:
		return "public"
	case store.Teachers:
		return "for the teachers of " + mdEscape(n.GroupName)
	case store.Members:
		return "for " + mdEscape(n.GroupName)
	}
	return "only me"
}

// mdEscape makes text (a title, a name, a quote, a paragraph) literal in
// Markdown, on the one line it is written on: the characters that would
// start emphasis, strikethrough, code, links or HTML get a backslash, as
// do those that would start a heading, list or quote, and a line break
// becomes a space (a group name with a newline in it would otherwise
// start a heading or a list of its own).
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		if strings.ContainsRune("\\`*_~[]<>", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out != "" && strings.ContainsRune("#-+=|", rune(out[0])) {
		out = "\\" + out
	}
	if i := strings.IndexAny(out, ".)"); i > 0 && strings.Trim(out[:i], "0123456789") == "" {
		out = out[:i] + "\\" + out[i:]
	}
	return out
}

// importedAt is when n was imported, for the CSV: "" when it was written
// here or its import date was not recorded.
func importedAt(n store.Note) string {
	if n.ImportedAt.IsZero() {
		return ""
	}
	return n.ImportedAt.UTC().Format(time.RFC3339)
}

// yes is a CSV flag: "yes" or "".
func yes(v bool) string {
	if v {
		return "yes"
	}
	return ""
}

// CSVCell guards against CSV formula injection (OWASP): a cell starting
// with = + - @ (or a tab or carriage return, which some spreadsheets skip
// before looking) is taken as a formula by spreadsheets, so it gets a
// leading single quote, which they show as text.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
