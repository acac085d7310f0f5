package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/net/html"

	"glossa/store"
)

// grpSeeded is what grpInsightsSeed wrote, and the numbers the teacher's
// view must show for it.
type grpSeeded struct {
	p1, p2 string // anchors
}

// grpInsightsSeed gives a class (teacher ann; members bo, cy, dee) activity
// on the essay, with notes that must not count beside those that must:
//
//	P1: bo's question (group, 6 words), cy's reply (4), ann's reply (2),
//	    ann's guide note (5); "same question" from cy and dee on the
//	    question and from cy on the guide note; bo's "helpful" on the guide.
//	P2: cy's question for the teachers (5), bo's group note (2) that ann
//	    hid.
//	Not counted: bo's private note, cy's public note, bo's note in another
//	group, all on P1.
func grpInsightsSeed(t *testing.T, a *testApp, cl grpClass) grpSeeded {
	t.Helper()
	ctx := context.Background()
	ann, bo, cy := cl.teacher, cl.members[0], cl.members[1]
	dee := cl.members[2]
	s := grpSeeded{p1: a.paragraph(t, 0).Anchor, p2: a.paragraph(t, 2).Anchor}
	q := grpNote(t, a, bo, s.p1, store.Members, cl.id, "Why does order mean values here?", true)
	grpReply(t, a, cy, q.ID, "Because norms regulate states.")
	grpReply(t, a, ann, q.ID, "Read on.")
	guide := grpNote(t, a, ann, s.p1, store.Members, cl.id, "Note the definition of order.", false)
	react := func(c *client, id string, kind store.Reaction) {
		if _, err := a.db.React(ctx, grpUID(t, a, c.name), id, kind, true); err != nil {
			t.Fatal(err)
		}
	}
	react(cy, q.ID, store.SameQuestion)
	react(dee, q.ID, store.SameQuestion)
	react(cy, guide.ID, store.SameQuestion)
	react(bo, guide.ID, store.Helpful)
	grpNote(t, a, cy, s.p2, store.Teachers, cl.id, "Private question for the teacher", true)
	spam := grpNote(t, a, bo, s.p2, store.Members, cl.id, "spam spam", false)
	if _, err := a.db.Hide(ctx, grpUID(t, a, ann.name), spam.ID, "off topic"); err != nil {
		t.Fatal(err)
	}
	grpNote(t, a, bo, s.p1, store.Private, 0, "mine alone", false)
	grpNote(t, a, cy, s.p1, store.Public, 0, "for the world", false)
	other := a.newGroup(t, "Other section", ann, bo)
	grpNote(t, a, bo, s.p1, store.Members, other.ID, "in the other section", true)
	return s
}

type grpWantRow struct {
	notes, questions, same int
}

type grpWantMember struct {
	name, role            string
	notes, replies, words int
}

var grpWantMembers = []grpWantMember{
	{"ann", "Teacher (owner)", 1, 1, 7},
	{"bo", "Member", 2, 0, 8},
	{"cy", "Member", 1, 1, 9},
	{"dee", "Member", 0, 0, 0},
}

// TestInsightsPage checks the teacher's view's numbers for a seeded class,
// the bars (lengths on one shared scale, drawn by SVG width attributes, no
// inline style) and the participation table.
func TestInsightsPage(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee")
	s := grpInsightsSeed(t, app, cl)
	path := groupPath(cl.id) + "/documents/" + essaySlug
	doc := cl.teacher.page(path, http.StatusOK)
	grpNoStyle(t, doc)

	want := "6 notes and replies, 2 questions, 3 “I have this question too” reactions; 3 of 4 members have written. Most active: Paragraph 1."
	if got := text(query(doc, ".summary")); got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
	if query(doc, "table.heat caption") == nil || query(doc, "#heat-legend") == nil {
		t.Error("the heat map has no caption or legend")
	}
	rows := queryAll(doc, "table.heat tbody tr")
	if n := len(app.essay(t).Current.Blocks); len(rows) != n {
		t.Errorf("%d heat rows, want one per block (%d)", len(rows), n)
	}
	gid := strconv.FormatInt(cl.id, 10)
	for _, tc := range []struct {
		anchor string
		want   grpWantRow
		widths []string
	}{
		{s.p1, grpWantRow{4, 1, 3}, []string{"100", "25", "75"}},
		{s.p2, grpWantRow{2, 1, 0}, []string{"50", "25", "0"}},
		{app.paragraph(t, 1).Anchor, grpWantRow{0, 0, 0}, []string{"0", "0", "0"}},
	} {
		link := query(doc, `table.heat a[href="/read/`+essaySlug+`?group=`+gid+`#`+tc.anchor+`"]`)
		if link == nil {
			t.Errorf("no row links to %s", tc.anchor)
			continue
		}
		tr := link.Parent.Parent
		var nums, widths []string
		for _, n := range queryAll(tr, "td .num") {
			nums = append(nums, text(n))
		}
		for _, n := range queryAll(tr, "svg.bar rect.fill") {
			widths = append(widths, attr(n, "width"))
		}
		if got, w := strings.Join(nums, " "), fmt.Sprintf("%d %d %d", tc.want.notes, tc.want.questions, tc.want.same); got != w {
			t.Errorf("%s: counts %q, want %q", tc.anchor, got, w)
		}
		if got, w := strings.Join(widths, " "), strings.Join(tc.widths, " "); got != w {
			t.Errorf("%s: bar widths %q, want %q", tc.anchor, got, w)
		}
	}

	people := queryAll(doc, "table.participation tbody tr")
	if len(people) != len(grpWantMembers) {
		t.Fatalf("%d participation rows, want %d", len(people), len(grpWantMembers))
	}
	for i, w := range grpWantMembers {
		var cells []string
		for c := people[i].FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				cells = append(cells, text(c))
			}
		}
		wantStart := fmt.Sprintf("%s|%s|%d|%d|%d", w.name, w.role, w.notes, w.replies, w.words)
		if got := strings.Join(cells[:5], "|"); got != wantStart {
			t.Errorf("participation row %d: %q, want %q", i, got, wantStart)
		}
		last := query(people[i], "time")
		if w.notes+w.replies == 0 {
			if last != nil || cells[5] != "Nothing yet" {
				t.Errorf("%s: last activity %q for no activity", w.name, cells[5])
			}
		} else if ts, err := time.Parse(time.RFC3339, attr(last, "datetime")); err != nil || time.Since(ts) > time.Hour {
			t.Errorf("%s: last activity %q", w.name, attr(last, "datetime"))
		}
	}
	for _, href := range []string{path + "/heat.csv", path + "/participation.csv"} {
		if query(doc, `a[href="`+href+`"]`) == nil {
			t.Errorf("no download link %s", href)
		}
	}
	// A co-teacher sees it too; a member does not.
	if code, _ := grpPost(cl.teacher, groupPath(cl.id)+"/members/"+strconv.FormatInt(grpUID(t, app, "cy"), 10)+"/role", url.Values{"role": {"teacher"}}); code != http.StatusSeeOther {
		t.Fatal("promote cy")
	}
	cl.members[1].page(path, http.StatusOK)
	cl.members[0].page(path, http.StatusForbidden)
}

// grpCSV fetches a CSV download and parses it.
func grpCSV(t *testing.T, c *client, path, filename string) [][]string {
	t.Helper()
	res := c.get(path)
	body := readBody(res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, truncate(body, 500))
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="`+filename+`"` {
		t.Errorf("%s: Content-Disposition %q", path, cd)
	}
	if !strings.HasSuffix(body, "\r\n") {
		t.Errorf("%s: lines do not end in CRLF", path)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", path, err)
	}
	return rows
}

// TestInsightsCSV checks both downloads for the seeded class.
func TestInsightsCSV(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee")
	s := grpInsightsSeed(t, app, cl)
	path := groupPath(cl.id) + "/documents/" + essaySlug
	gid := strconv.FormatInt(cl.id, 10)

	heat := grpCSV(t, cl.teacher, path+"/heat.csv", "group-"+gid+"-"+essaySlug+"-heat.csv")
	if got := strings.Join(heat[0], ","); got != "position,anchor,block,notes,questions,same_question,excerpt,url" {
		t.Errorf("heat header %q", got)
	}
	blocks := app.essay(t).Current.Blocks
	if len(heat) != len(blocks)+1 {
		t.Errorf("%d heat rows, want %d", len(heat)-1, len(blocks))
	}
	byAnchor := map[string][]string{}
	for _, r := range heat[1:] {
		byAnchor[r[1]] = r
	}
	for anchor, w := range map[string]string{s.p1: "4 1 3", s.p2: "2 1 0"} {
		r := byAnchor[anchor]
		if r == nil {
			t.Fatalf("no row for %s", anchor)
		}
		if got := strings.Join(r[3:6], " "); got != w {
			t.Errorf("%s: %q, want %q", anchor, got, w)
		}
		if r[7] != app.ts.URL+"/read/"+essaySlug+"?group="+gid+"#"+anchor {
			t.Errorf("%s: url %q", anchor, r[7])
		}
	}
	if r := heat[1]; r[0] != "1" || r[1] != blocks[0].Anchor || r[2] != "Paragraph 1" || !strings.HasPrefix(blocks[0].Text, strings.TrimSuffix(r[6], "…")) {
		t.Errorf("first heat row %q", r)
	}

	part := grpCSV(t, cl.teacher, path+"/participation.csv", "group-"+gid+"-"+essaySlug+"-participation.csv")
	if got := strings.Join(part[0], ","); got != "member,role,notes,replies,words,last_activity" {
		t.Errorf("participation header %q", got)
	}
	if len(part) != len(grpWantMembers)+1 {
		t.Fatalf("%d participation rows", len(part)-1)
	}
	for i, w := range grpWantMembers {
		r := part[i+1]
		if got, want := strings.Join(r[:5], "|"), fmt.Sprintf("%s|%s|%d|%d|%d", w.name, w.role, w.notes, w.replies, w.words); got != want {
			t.Errorf("row %d: %q, want %q", i, got, want)
		}
		if _, err := time.Parse(time.RFC3339, r[5]); (err == nil) != (w.notes+w.replies > 0) {
			t.Errorf("%s: last_activity %q", w.name, r[5])
		}
	}

	// Members get 403, outsiders 404, for both files.
	out := app.signUp(t, "zed")
	for _, f := range []string{"/heat.csv", "/participation.csv"} {
		if res := cl.members[0].get(path + f); res.StatusCode != http.StatusForbidden {
			t.Errorf("member %s: %d", f, res.StatusCode)
		} else {
			readBody(res)
		}
		if res := out.get(path + f); res.StatusCode != http.StatusNotFound {
			t.Errorf("outsider %s: %d", f, res.StatusCode)
		} else {
			readBody(res)
		}
	}
}

// TestInsightsCSVFormulaGuard: cells that a spreadsheet would take for a
// formula are exported as text.
func TestInsightsCSVFormulaGuard(t *testing.T) {
	essay := "---\ntitle: Formulae\n---\n\n" +
		"=HYPERLINK(A1) starts this one.\n\n" +
		"+1 and then more.\n\n" +
		"-2 also.\n\n" +
		"@SUM(A1:A2) too.\n\n" +
		"A plain paragraph.\n"
	app := newApp(t, withContent(fstest.MapFS{"t.md": {Data: []byte(essay)}}))
	cl := grpNewClass(t, app, "ann", "bo")
	rows := grpCSV(t, cl.teacher, groupPath(cl.id)+"/documents/t/heat.csv", fmt.Sprintf("group-%d-t-heat.csv", cl.id))
	var excerpts []string
	for _, r := range rows[1:] {
		excerpts = append(excerpts, r[6])
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("cell %q would run as a formula", c)
			}
		}
	}
	want := []string{"'=HYPERLINK(A1) starts this one.", "'+1 and then more.", "'-2 also.", "'@SUM(A1:A2) too.", "A plain paragraph."}
	if strings.Join(excerpts, "\n") != strings.Join(want, "\n") {
		t.Errorf("excerpts\n%q\nwant\n%q", excerpts, want)
	}

	for in, want := range map[string]string{
		"": "", "plain": "plain", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x",
		"\t=1": "'\t=1", "\r=1": "'\r=1", "a=1": "a=1", "'=1": "'=1",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInsightsAPI: the teacher's view as JSON, with the same numbers and
// the same authorization.
func TestInsightsAPI(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee")
	s := grpInsightsSeed(t, app, cl)
	path := "/api" + groupPath(cl.id) + "/documents/" + essaySlug + "/insights"
	var out struct {
		Group    int64  `json:"group"`
		Document string `json:"document"`
		Heat     []struct {
			Anchor    string `json:"anchor"`
			Block     string `json:"block"`
			Notes     int    `json:"notes"`
			Questions int    `json:"questions"`
			Same      int    `json:"sameQuestion"`
			URL       string `json:"url"`
		} `json:"heat"`
		Participation []struct {
			Member struct {
				ID    int64  `json:"id"`
				Name  string `json:"name"`
				Role  string `json:"role"`
				Owner bool   `json:"owner"`
			} `json:"member"`
			Notes        int    `json:"notes"`
			Replies      int    `json:"replies"`
			Words        int    `json:"words"`
			LastActivity string `json:"lastActivity"`
		} `json:"participation"`
	}
	res := cl.teacher.apiJSON("GET", path, nil, nil, &out)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("insights: %d", res.StatusCode)
	}
	if out.Group != cl.id || out.Document != essaySlug || len(out.Heat) != len(app.essay(t).Current.Blocks) {
		t.Errorf("insights: group %d, document %q, %d heat rows", out.Group, out.Document, len(out.Heat))
	}
	for _, h := range out.Heat {
		got := fmt.Sprint(h.Notes, h.Questions, h.Same)
		switch h.Anchor {
		case s.p1:
			if got != "4 1 3" {
				t.Errorf("P1 %s", got)
			}
		case s.p2:
			if got != "2 1 0" {
				t.Errorf("P2 %s", got)
			}
		default:
			if got != "0 0 0" {
				t.Errorf("%s: %s", h.Anchor, got)
			}
		}
	}
	for i, w := range grpWantMembers {
		p := out.Participation[i]
		if p.Member.Name != w.name || p.Notes != w.notes || p.Replies != w.replies || p.Words != w.words || (p.LastActivity == "") != (w.notes+w.replies == 0) {
			t.Errorf("participation %d: %+v, want %+v", i, p, w)
		}
	}
	if !out.Participation[0].Member.Owner || out.Participation[0].Member.Role != "teacher" {
		t.Error("ann is not the owning teacher")
	}
	if res := cl.members[0].apiJSON("GET", path, nil, nil, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("member: %d", res.StatusCode)
	}
	if res := app.signUp(t, "zed").apiJSON("GET", path, nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider: %d", res.StatusCode)
	}
	if res := app.client(t).apiJSON("GET", path, nil, nil, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d", res.StatusCode)
	}
}

// Each member in the insights API says when they joined, as the group
// API does, not "".
func TestInsightsAPIMembersJoined(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy")
	type member struct {
		ID     int64  `json:"id"`
		Joined string `json:"joined"`
	}
	var group struct {
		Members []member `json:"members"`
	}
	cl.teacher.apiJSON("GET", "/api"+groupPath(cl.id), nil, nil, &group)
	joined := map[int64]string{}
	for _, m := range group.Members {
		joined[m.ID] = m.Joined
	}
	var out struct {
		Participation []struct {
			Member member `json:"member"`
		} `json:"participation"`
	}
	res := cl.teacher.apiJSON("GET", "/api"+groupPath(cl.id)+"/documents/"+essaySlug+"/insights", nil, nil, &out)
	if res.StatusCode != http.StatusOK || len(out.Participation) != 3 {
		t.Fatalf("insights: %d, %d members", res.StatusCode, len(out.Participation))
	}
	for _, p := range out.Participation {
		if _, err := time.Parse(time.RFC3339, p.Member.Joined); err != nil || p.Member.Joined != joined[p.Member.ID] {
			t.Errorf("member %d joined %q in the insights, %q in the group", p.Member.ID, p.Member.Joined, joined[p.Member.ID])
		}
	}
}
