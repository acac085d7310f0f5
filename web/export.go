package web

// Export (issue 5): a reader's notes on a document, or a group's notes for
// the group's teachers, as Markdown to read, CSV to count, or W3C Web
// Annotation JSON-LD to import again (import.go). The page and the API
// share exportFile; the command line reaches it through ExportFile.
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
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"glossa/content"
	"glossa/store"
)

// The export formats, as ?format= names them.
const (
	formatMarkdown = "md"
	formatCSV      = "csv"
	formatJSONLD   = "jsonld"
)

// exportFormat reads ?format=; a few other spellings are accepted.
func exportFormat(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "md", "markdown":
		return formatMarkdown, nil
	case "csv":
		return formatCSV, nil
	case "jsonld", "json-ld", "json", "w3c":
		return formatJSONLD, nil
	}
	return "", fieldErrors{"format": fmt.Sprintf("Format %q is not one of md (Markdown), csv or jsonld (W3C Web Annotation).", v)}
}

// exportScope is whose notes an export holds: the reader's (group nil) or
// a group's.
type exportScope struct {
	group *store.Group
}

func (sc exportScope) value() string {
	if sc.group == nil {
		return "mine"
	}
	return "group:" + strconv.FormatInt(sc.group.ID, 10)
}

// exportScopeOf reads ?scope= for u: "mine" (the default) or "group:ID",
// which only the group's teachers may ask for. As everywhere, a group
// exists only for its members: anyone else gets 404, a member 403.
func (s *Server) exportScopeOf(ctx context.Context, u *store.User, v string) (exportScope, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "mine" {
		return exportScope{}, nil
	}
	kind, id, ok := strings.Cut(v, ":")
	gid, err := strconv.ParseInt(id, 10, 64)
	if !ok || kind != "group" || err != nil || gid <= 0 {
		return exportScope{}, fieldErrors{"scope": fmt.Sprintf("Scope %q is not mine or group:ID.", v)}
	}
	role, err := s.db.RoleOf(ctx, u.ID, gid)
	if errors.Is(err, store.ErrForbidden) {
		return exportScope{}, errNotFound
	}
	if err != nil {
		return exportScope{}, err
	}
	if role != store.RoleTeacher {
		return exportScope{}, errForbidden("Only the group's teachers can export its notes; you can export your own.")
	}
	g, err := s.db.Group(ctx, gid)
	if err != nil {
		return exportScope{}, err
	}
	return exportScope{group: &g}, nil
}

// exportFile is an export ready to send.
type exportFile struct {
	name        string
	contentType string
	body        []byte
}

func (f exportFile) write(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(f.body)
	return err
}

// exportFile makes the export of document e for u. r gives the base URL of
// the IRIs and links (see baseURL).
func (s *Server) exportFile(r *http.Request, u *store.User, e *docEntry, format string, sc exportScope) (exportFile, error) {
	q := store.ExportQuery{DocumentID: e.id}
	if sc.group != nil {
		q.GroupID = sc.group.ID
	}
	notes, err := s.db.ExportNotes(r.Context(), store.Viewer{UserID: u.ID}, q)
	if err != nil {
		return exportFile{}, err
	}
	threads := exportThreads(e, notes)
	name := e.slug + "-notes-" + u.Name
	if sc.group != nil {
		name = e.slug + "-group-" + strconv.FormatInt(sc.group.ID, 10)
	}
	switch format {
	case formatMarkdown:
		return exportFile{name + ".md", "text/markdown; charset=utf-8", s.exportMarkdown(r, e, u, sc, threads)}, nil
	case formatCSV:
		b, err := s.exportCSV(r, e, threads)
		return exportFile{name + ".csv", "text/csv; charset=utf-8", b}, err
	default:
		b, err := s.exportJSONLD(r, e, u, sc, threads)
		return exportFile{name + ".jsonld", annoType, b}, err
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
func exportThreads(e *docEntry, notes []store.Note) []exportThread {
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
		if n.Current.Status != store.StatusOrphan && n.Current.RevisionID == e.rev.ID {
			t.block = e.current.Block(n.Current.Anchor)
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
	Items      []annotation `json:"items"`
}

// exportLabel says whose notes an export holds.
func exportLabel(u *store.User, sc exportScope) string {
	if sc.group != nil {
		return "The notes of " + sc.group.Name
	}
	return u.Name + "’s notes"
}

func (s *Server) exportJSONLD(r *http.Request, e *docEntry, u *store.User, sc exportScope, threads []exportThread) ([]byte, error) {
	base := s.baseURL(r)
	c := exportCollection{
		Context: annoContext,
		ID:      base + "/api/documents/" + e.slug + "/export?format=jsonld&scope=" + sc.value(),
		Type:    "AnnotationCollection",
		Label:   exportLabel(u, sc) + " on " + e.current.Meta.Title,
	}
	var items []annotation
	add := func(n store.Note) {
		a := s.toAnnotation(r, n, e, true)
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

// csvColumns are the export's columns, in order; README.md documents each.
// They are part of the format: add new ones at the end.
var csvColumns = []string{
	"id", "parent_id", "document", "revision", "anchor", "position",
	"quote", "prefix", "suffix", "start", "end", "status",
	"author", "audience", "group", "tags", "body", "created", "modified", "url",
	"imported", "imported_at", "importer_quote",
}

func (s *Server) exportCSV(r *http.Request, e *docEntry, threads []exportThread) ([]byte, error) {
	base := s.baseURL(r)
	revs := revisionNumbers(e)
	rows := [][]string{csvColumns}
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
			n.ID, n.ParentID, e.slug, strconv.Itoa(revs[t.RevisionID]), t.Anchor, pos,
			t.Exact, t.Prefix, t.Suffix, start, end, string(n.Current.Status),
			n.Author.Name, audienceValue(n.Audience, n.GroupID), n.GroupName, strings.Join(n.Tags, "; "), n.Body,
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
			row[i] = csvCell(row[i]) // insights.go: no formula runs in a spreadsheet
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
func (s *Server) exportMarkdown(r *http.Request, e *docEntry, u *store.User, sc exportScope, threads []exportThread) []byte {
	var b strings.Builder
	m := e.current.Meta
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
		mdEscape(exportLabel(u, sc)), notes, plural(notes, "note", "notes"), replies, plural(replies, "reply", "replies"),
		s.baseURL(r), e.slug, e.rev.Number)

	labels := exportBlockLabels(e.current)
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
