package web

// The teacher's view of a group reading a document: a heat map of the essay
// (per paragraph, the group's notes, questions and "I have this question
// too" reactions) and a participation table per member, as a page, as CSV
// and as JSON (api_groups.go). Teachers of the group only; the numbers come
// from store.Heat and store.Participation, which count the group's own
// notes (audiences "group" and "teachers"), replies included.

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/content"
	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

// heatRow is one block of the essay in the heat map.
type heatRow struct {
	Anchor    string
	Label     string // "Paragraph 3", "Heading"
	Excerpt   string
	Heading   bool
	URL       string // the block in the reader, in the group's context
	Notes     int
	Questions int
	Same      int
	// Bar lengths, 0–100, on one scale shared by the three columns so
	// that bars can be compared across them.
	NotesW, QuestionsW, SameW int
}

// Busy is true for a block with any activity.
func (h heatRow) Busy() bool { return h.Notes+h.Same > 0 }

// memberRow is one member in the participation table.
type memberRow struct {
	ID        int64
	Name      string
	Role      store.Role
	Owner     bool
	RoleLabel string
	Notes     int
	Replies   int
	Words     int
	Last      time.Time // zero: nothing written
	Joined    time.Time
}

// LastText is the last activity for people; LastISO for machines.
func (m memberRow) LastText() string {
	if m.Last.IsZero() {
		return ""
	}
	return m.Last.UTC().Format("2 Jan 2006, 15:04 UTC")
}

func (m memberRow) LastISO() string {
	if m.Last.IsZero() {
		return ""
	}
	return m.Last.UTC().Format(time.RFC3339)
}

// insights is what the page, the CSV files and the API share.
type insights struct {
	Rows      []heatRow
	Scale     int // the count a full-length bar stands for
	Members   []memberRow
	Notes     int
	Questions int
	Same      int
	Active    int // members who wrote at least one note or reply
	Busiest   *heatRow
}

// loadInsights computes the teacher's view of group a on document e.
func (s *Server) loadInsights(r *http.Request, a groupAccess, e *library.Doc) (insights, error) {
	ctx := r.Context()
	heat, err := s.db.Heat(ctx, a.user.ID, a.group.ID, e.ID)
	if err != nil {
		return insights{}, err
	}
	parts, err := s.db.Participation(ctx, a.user.ID, a.group.ID, e.ID)
	if err != nil {
		return insights{}, err
	}
	var in insights
	gid := strconv.FormatInt(a.group.ID, 10)
	n := 0
	for _, b := range e.Current.Blocks {
		row := heatRow{Anchor: b.Anchor, Excerpt: content.Excerpt(b.Text, 90), URL: "/read/" + e.Slug + "?group=" + gid + "#" + b.Anchor}
		if len(b.Kind) == 2 && b.Kind[0] == 'h' {
			row.Heading, row.Label = true, "Heading"
		} else {
			n++
			row.Label = fmt.Sprintf("Paragraph %d", n)
		}
		st := heat[b.Anchor]
		row.Notes, row.Questions, row.Same = st.Notes, st.Questions, st.Same
		in.Notes += st.Notes
		in.Questions += st.Questions
		in.Same += st.Same
		in.Scale = max(in.Scale, st.Notes, st.Questions, st.Same)
		in.Rows = append(in.Rows, row)
	}
	for i := range in.Rows {
		row := &in.Rows[i]
		row.NotesW, row.QuestionsW, row.SameW = barLength(row.Notes, in.Scale), barLength(row.Questions, in.Scale), barLength(row.Same, in.Scale)
		if row.Busy() && (in.Busiest == nil || row.Notes+row.Same > in.Busiest.Notes+in.Busiest.Same) {
			in.Busiest = row
		}
	}
	for _, p := range parts {
		m := memberRow{
			ID: p.Member.User.ID, Name: p.Member.User.Name, Role: p.Member.Role, Owner: p.Member.Owner,
			RoleLabel: roleLabel(p.Member.Role, p.Member.Owner),
			Notes:     p.Notes, Replies: p.Replies, Words: p.Words, Last: p.LastActivity,
			Joined: p.Member.JoinedAt,
		}
		if m.Notes+m.Replies > 0 {
			in.Active++
		}
		in.Members = append(in.Members, m)
	}
	return in, nil
}

// barLength maps n onto 0–100 of scale; any activity gets a visible bar.
func barLength(n, scale int) int {
	if n <= 0 || scale <= 0 {
		return 0
	}
	return max(2, (n*100+scale/2)/scale)
}

// insightsFor loads the group and document in the URL for a teacher.
func (s *Server) insightsFor(w http.ResponseWriter, r *http.Request, page bool) (groupAccess, *library.Doc, bool, error) {
	var (
		a    groupAccess
		done bool
		err  error
	)
	if page {
		a, done, err = s.pageGroup(w, r, r.URL.Path, true)
	} else {
		a, err = s.teacherOf(r)
	}
	if done || err != nil {
		return a, nil, done, err
	}
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	return a, e, false, err
}

type insightsPage struct {
	basePage
	Group     store.Group
	Slug      string
	DocTitle  string
	ReadURL   string
	PostFirst bool
	BasePath  string // /groups/{id}/documents/{slug}
	insights
}

// handleInsights serves GET /groups/{id}/documents/{slug}: the teacher's
// view. Teachers only.
func (s *Server) handleInsights(w http.ResponseWriter, r *http.Request) error {
	a, e, done, err := s.insightsFor(w, r, true)
	if done || err != nil {
		return err
	}
	in, err := s.loadInsights(r, a, e)
	if err != nil {
		return err
	}
	on, err := s.db.PostFirst(r.Context(), a.group.ID, e.ID)
	if err != nil {
		return err
	}
	title := e.Current.Meta.Title
	p := insightsPage{
		basePage: s.base(r, "Teacher's view · "+title+" · "+a.group.Name), Group: a.group,
		Slug: e.Slug, DocTitle: title, ReadURL: "/read/" + e.Slug + "?group=" + strconv.FormatInt(a.group.ID, 10),
		PostFirst: on, BasePath: groupPath(a.group.ID) + "/documents/" + e.Slug, insights: in,
	}
	return s.pages.render(w, http.StatusOK, "insights.html", p)
}

// handleHeatCSV serves GET /groups/{id}/documents/{slug}/heat.csv: one row
// per block of the essay. Teachers only.
func (s *Server) handleHeatCSV(w http.ResponseWriter, r *http.Request) error {
	a, e, _, err := s.insightsFor(w, r, false)
	if err != nil {
		return err
	}
	in, err := s.loadInsights(r, a, e)
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	rows := [][]string{{"position", "anchor", "block", "notes", "questions", "same_question", "excerpt", "url"}}
	for i, h := range in.Rows {
		rows = append(rows, []string{strconv.Itoa(i + 1), h.Anchor, h.Label,
			strconv.Itoa(h.Notes), strconv.Itoa(h.Questions), strconv.Itoa(h.Same), h.Excerpt, base + h.URL})
	}
	return writeCSV(w, csvName(a.group.ID, e.Slug, "heat"), rows)
}

// handleParticipationCSV serves GET
// /groups/{id}/documents/{slug}/participation.csv: one row per member.
// Teachers only.
func (s *Server) handleParticipationCSV(w http.ResponseWriter, r *http.Request) error {
	a, e, _, err := s.insightsFor(w, r, false)
	if err != nil {
		return err
	}
	in, err := s.loadInsights(r, a, e)
	if err != nil {
		return err
	}
	rows := [][]string{{"member", "role", "notes", "replies", "words", "last_activity"}}
	for _, m := range in.Members {
		rows = append(rows, []string{m.Name, m.RoleLabel,
			strconv.Itoa(m.Notes), strconv.Itoa(m.Replies), strconv.Itoa(m.Words), m.LastISO()})
	}
	return writeCSV(w, csvName(a.group.ID, e.Slug, "participation"), rows)
}

func csvName(groupID int64, slug, what string) string {
	return fmt.Sprintf("group-%d-%s-%s.csv", groupID, slug, what)
}

// writeCSV writes rows as an RFC 4180 attachment. Every cell goes through
// csvCell, so a spreadsheet never runs a formula that a reader typed.
func writeCSV(w http.ResponseWriter, filename string, rows [][]string) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	for _, row := range rows {
		safe := make([]string, len(row))
		for i, c := range row {
			safe[i] = csvCell(c)
		}
		if err := cw.Write(safe); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

// csvCell guards against CSV formula injection (transfer.CSVCell).
func csvCell(s string) string { return transfer.CSVCell(s) }
