package web

// The authorization matrix, at the HTTP level: every
// role times every audience cell times every route that shows, counts,
// lists, streams or notifies notes. The store has its own matrix
// (store/visibility_test.go); this one checks that no route goes around
// the rule, or applies it to the wrong viewer, thread or document.
//
// The class: tess owns group G and teaches it, cora is G's co-teacher, ann
// (the author) and milo are members; milo has written nothing (post first
// keeps peers' notes from him); otto is an outsider who teaches his own
// group H; and a reader who is not signed in. rex joined G and tess removed
// him: G's teachers, and only they, see him on G's removed list and may
// let him back in.
//
// Post first is per group and document, so the locked cells live on a
// second document (second-reading.md, served beside the essay through
// withContent) with post first on for G; the essay's cells are unaffected.
//
// Each note's body carries a unique secret marker word and mentions every
// user by @name. Expectations come from the explicit tables in
// TestAuthorizationMatrix (mxSeen, mxNotified, ...), never from the code
// under test. On failure the test prints the failed rows of the matrix,
// route by route: LEAK where something was shown (or counted, or answered
// 200, or 403 instead of 404) to a role that may not see it, MISSING where
// something the role may see was withheld.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/net/html"

	"glossa/content"
	"glossa/store"
)

type mxRole int

const (
	mxSignedOut mxRole = iota
	mxOutsider
	mxMember
	mxCoTeacher
	mxTeacher
	mxAuthor
	mxRoles // how many
)

var (
	mxRoleNames = [mxRoles]string{"signed out", "outsider", "member", "co-teacher", "teacher", "author"}
	mxUserNames = [mxRoles]string{"", "otto", "milo", "cora", "tess", "ann"}
)

// mxDoc2 is the second document, where post first is on for G.
const mxDoc2 = "second-reading"

const mxDoc2Source = `---
title: A Second Reading
author: A. Tester
---

The first paragraph of the second reading asks who may see what.

The second paragraph answers that post first hides peers until one writes.

The third paragraph is where the last note of this document goes.

The fourth paragraph has nothing on it.
`

// mxNote is one note of the fixture.
type mxNote struct {
	key      string
	doc      string // slug
	para     int    // the paragraph (0-based) of a thread's first note
	by       mxRole
	audience string // "private", "public", "teachers:G", "group:G", "group:H"
	parent   string // the thread's first note, for replies
	mentions bool   // the body mentions every user
	hide     bool   // the teacher hides it (with a reason) once all is written
	then     string // what happens once it is written: "author leaves", "author removed" (from its group)

	// Filled in when written.
	id, marker, anchor, reason string
}

func (n *mxNote) group() string {
	_, g, _ := strings.Cut(n.audience, ":")
	return g
}

// mxNotes is the fixture, in the order it is written. The hide and the
// flag come after it; "last" and "last/2" are written after everything,
// so the live stream's reader knows when it has seen it all.
func mxNotes() []*mxNote {
	const e, d = essaySlug, mxDoc2
	const ou, me, co, te, au = mxOutsider, mxMember, mxCoTeacher, mxTeacher, mxAuthor
	return []*mxNote{
		{key: "private", doc: e, para: 0, by: au, audience: "private", mentions: true},
		{key: "private/reply", parent: "private", by: au, mentions: true},
		{key: "teachers", doc: e, para: 1, by: au, audience: "teachers:G", mentions: true},
		{key: "teachers/reply", parent: "teachers", by: co, mentions: true},
		{key: "group", doc: e, para: 2, by: au, audience: "group:G", mentions: true},
		{key: "group/reply", parent: "group", by: te, mentions: true},
		{key: "public", doc: e, para: 3, by: au, audience: "public", mentions: true},
		{key: "public/reply", parent: "public", by: ou, mentions: true},
		{key: "hidden", doc: e, para: 4, by: au, audience: "group:G", mentions: true, hide: true},
		{key: "hidden/reply", parent: "hidden", by: co, mentions: true},
		{key: "guide", doc: e, para: 5, by: te, audience: "group:G", mentions: true},
		{key: "guide/reply", parent: "guide", by: au, mentions: true},
		{key: "guide/hidden-reply", parent: "guide", by: au, mentions: true, hide: true},
		{key: "other-group", doc: e, para: 6, by: ou, audience: "group:H", mentions: true},
		{key: "locked", doc: d, para: 0, by: au, audience: "group:G", mentions: true},
		{key: "locked/reply", parent: "locked", by: te, mentions: true},
		{key: "locked-guide", doc: d, para: 1, by: te, audience: "group:G", mentions: true},
		{key: "locked-guide/reply", parent: "locked-guide", by: au, mentions: true},
		// Ann's notes in two more of tess's groups: K, which ann leaves,
		// and R, from which tess removes her. Milo is in K too.
		{key: "left", doc: e, para: 8, by: au, audience: "group:K", mentions: true},
		{key: "left/reply-before", parent: "left", by: me, mentions: true, then: "author leaves"},
		{key: "left/reply", parent: "left", by: te, mentions: true},
		{key: "removed", doc: e, para: 9, by: au, audience: "teachers:R", mentions: true},
		{key: "removed/reply-before", parent: "removed", by: te, mentions: true, then: "author removed"},
		{key: "removed/reply", parent: "removed", by: te, mentions: true},
		{key: "last", doc: e, para: 7, by: te, audience: "public"},
		{key: "last/2", doc: d, para: 2, by: te, audience: "public"},
	}
}

// mxSeen is THE table: who may see each note. Everything else follows
// from it and the few smaller tables beside it.
var mxSeen = func() map[string][]mxRole {
	const so, ou, me, co, te, au = mxSignedOut, mxOutsider, mxMember, mxCoTeacher, mxTeacher, mxAuthor
	all := []mxRole{so, ou, me, co, te, au}
	return map[string][]mxRole{
		"private":       {au},
		"private/reply": {au},
		// Me and the teachers of G: private feedback.
		"teachers":       {co, te, au},
		"teachers/reply": {co, te, au},
		"group":          {me, co, te, au},
		"group/reply":    {me, co, te, au},
		"public":         all,
		"public/reply":   all,
		// Hidden by the teacher: its author and G's teachers only, and its
		// thread with it.
		"hidden":       {co, te, au},
		"hidden/reply": {co, te, au},
		// A teacher's note to G: the guide.
		"guide":       {me, co, te, au},
		"guide/reply": {me, co, te, au},
		// A reply hidden by the teacher, in a thread everyone in G sees.
		"guide/hidden-reply": {co, te, au},
		// Otto's note to his own group H (a guide note there).
		"other-group": {ou},
		// Post first on the second document: milo has not written there,
		// so he sees neither ann's note nor the teacher's reply to it (the
		// thread follows its first note)...
		"locked":       {co, te, au},
		"locked/reply": {co, te, au},
		// ...but the guide is always visible, though not a peer's reply
		// to it.
		"locked-guide":       {me, co, te, au},
		"locked-guide/reply": {co, te, au},
		// Once ann has left K, or been removed from R, she keeps her own
		// note there and nothing more: not the replies written before she
		// went, nor after.
		"left":                 {me, te, au},
		"left/reply-before":    {me, te},
		"left/reply":           {me, te},
		"removed":              {te, au},
		"removed/reply-before": {te},
		"removed/reply":        {te},
		"last":                 all,
		"last/2":               all,
	}
}()

// mxNotified: who finds each note in their notifications. Everyone is
// mentioned in every note (but "last"), but a mention notifies only
// members of the note's group who may see the note now (a public or
// private note has no group); a reply notifies its thread's author; nobody
// is told of their own note.
var mxNotified = func() map[string][]mxRole {
	const me, co, te, au = mxMember, mxCoTeacher, mxTeacher, mxAuthor
	return map[string][]mxRole{
		"teachers":       {co, te}, // milo is mentioned but may not see it
		"teachers/reply": {te, au}, // ann: the reply; tess: the mention
		"group":          {me, co, te},
		"group/reply":    {me, co, au},
		"public/reply":   {au}, // a reply to ann's public note
		// Mentioned when it was written, hidden since: only those who
		// still see it keep the notification.
		"hidden":             {co, te},
		"hidden/reply":       {te, au},
		"guide":              {me, co, au},
		"guide/reply":        {me, co, te},
		"guide/hidden-reply": {co, te},
		"locked":             {co, te},
		"locked/reply":       {co, au},
		"locked-guide":       {me, co, au},
		"locked-guide/reply": {co, te},
		// Ann was told of the replies while she was in the group; gone,
		// she no longer finds them, words and all, in her notifications.
		"left":              {me, te},
		"left/reply-before": {te},
		"left/reply":        {me},
		"removed":           {te},
	}
}()

var (
	// mxInGroupG: G's own notes (audiences "group" and "teachers" of G,
	// replies and hidden notes included), which the teacher's view counts.
	mxInGroupG = []string{"teachers", "teachers/reply", "group", "group/reply", "hidden", "hidden/reply",
		"guide", "guide/reply", "guide/hidden-reply", "locked", "locked/reply", "locked-guide", "locked-guide/reply"}
	// mxTourStop: the guide notes that make a stop of a group's tour.
	mxTourStop = map[string]string{"guide": "G", "locked-guide": "G", "other-group": "H"}
	// mxClosed: notes their author sees only as their author (ann is no
	// longer in their group): she may delete them, not edit or re-attach.
	mxClosed = []string{"left", "removed"}
	// mxFlagged: milo flags ann's group note; G's teachers see the flag.
	mxFlagged = []string{"group"}
	// mxAlsoNamedInStream: the live stream tells those who saw a note that
	// it was hidden (an event with its id, never its words).
	mxAlsoNamedInStream = map[string][]mxRole{"hidden": {mxMember}, "guide/hidden-reply": {mxMember}}
)

// Status codes of the pages that are not about one note, per role.
var mxStatus = map[string][mxRoles]int{
	//                   signed out, outsider, member, co-teacher, teacher, author
	"group page G":      {303, 404, 200, 200, 200, 200},
	"group page H":      {303, 200, 404, 404, 404, 404},
	"API group G":       {401, 404, 200, 200, 200, 200},
	"API group H":       {401, 200, 404, 404, 404, 404},
	"teacher's view":    {303, 404, 403, 200, 200, 403},
	"heat.csv":          {401, 404, 403, 200, 200, 403},
	"participation.csv": {401, 404, 403, 200, 200, 403},
	"API insights":      {401, 404, 403, 200, 200, 403},
	"flags page":        {303, 404, 403, 200, 200, 403},
	"API flags":         {401, 404, 403, 200, 200, 403},
	// Letting rex back in (each teacher's success is undone before the
	// next role asks), and someone who was never removed.
	"let back in":                   {401, 404, 403, 303, 303, 403},
	"API let back in":               {401, 404, 403, 204, 204, 403},
	"let back in (not removed)":     {401, 404, 403, 404, 404, 403},
	"API let back in (not removed)": {401, 404, 403, 404, 404, 403},
	"tour G":                        {401, 404, 200, 200, 200, 200},
	"tour H":                        {401, 200, 404, 404, 404, 404},
	"notifications":                 {303, 200, 200, 200, 200, 200},
	"API notifications":             {401, 200, 200, 200, 200, 200},
	"search page":                   {200, 200, 200, 200, 200, 200},
	"API search":                    {200, 200, 200, 200, 200, 200},

	// The invite link: its page joins nobody (members are sent to the
	// group); its form joins (otto, then undone) or changes nothing; from
	// another site the form is refused.
	"join page":         {303, 200, 303, 303, 303, 303},
	"join":              {303, 303, 303, 303, 303, 303},
	"join (cross-site)": {403, 403, 403, 403, 403, 403},
	"API join":          {401, 200, 200, 200, 200, 200},
}

func mxHas(rs []mxRole, r mxRole) bool { return slices.Contains(rs, r) }

// --- the matrix ----------------------------------------------------------------

// mxMatrix records every assertion as a cell: route × row × role.
type mxMatrix struct {
	routes []string
	rows   map[string][]string
	cells  map[[2]string]*[mxRoles]string // "" not asserted, "ok", or what went wrong
	asked  map[[2]string]int              // assertions per route and row
	n, bad int
}

func newMxMatrix() *mxMatrix {
	return &mxMatrix{rows: map[string][]string{}, cells: map[[2]string]*[mxRoles]string{}, asked: map[[2]string]int{}}
}

func (m *mxMatrix) set(route, row string, r mxRole, outcome string) {
	k := [2]string{route, row}
	c := m.cells[k]
	if c == nil {
		if _, ok := m.rows[route]; !ok {
			m.routes = append(m.routes, route)
		}
		m.rows[route] = append(m.rows[route], row)
		c = new([mxRoles]string)
		m.cells[k] = c
	}
	m.n++
	m.asked[k]++
	if outcome != "ok" {
		m.bad++
	}
	if c[r] == "" || c[r] == "ok" {
		c[r] = outcome
	}
}

// see asserts that a route shows (lists, streams, notifies) something or not.
func (m *mxMatrix) see(route, row string, r mxRole, want, got bool) {
	switch {
	case got == want:
		m.set(route, row, r, "ok")
	case got:
		m.set(route, row, r, "LEAK")
	default:
		m.set(route, row, r, "MISSING")
	}
}

// count asserts a number: more than expected is a leak.
func (m *mxMatrix) count(route, row string, r mxRole, want, got int) {
	switch {
	case got == want:
		m.set(route, row, r, "ok")
	case got > want:
		m.set(route, row, r, fmt.Sprintf("LEAK %d>%d", got, want))
	default:
		m.set(route, row, r, fmt.Sprintf("MISSING %d<%d", got, want))
	}
}

// status asserts a status code: an answer where a refusal was due is a
// leak (and 403 where 404 was due says the thing exists), a refusal where
// an answer was due is missing.
func (m *mxMatrix) status(route, row string, r mxRole, want, got int) {
	refused := func(s int) bool { return s == 303 || s == 401 || s == 403 || s == 404 }
	switch {
	case got == want:
		m.set(route, row, r, "ok")
	case want == 404 && got == 403, refused(want) && !refused(got):
		m.set(route, row, r, fmt.Sprintf("LEAK %d", got))
	case refused(got) && !refused(want):
		m.set(route, row, r, fmt.Sprintf("MISSING %d", got))
	default:
		m.set(route, row, r, fmt.Sprintf("WRONG %d", got))
	}
}

// String prints the failed rows, by route, compactly: "." is a cell that
// passed, "-" one that was not asserted.
func (m *mxMatrix) String() string {
	var b strings.Builder
	failed := func(c *[mxRoles]string) bool {
		for _, x := range c {
			if x != "" && x != "ok" {
				return true
			}
		}
		return false
	}
	for _, route := range m.routes {
		var rows []string
		width := len(route) + 2
		for _, row := range m.rows[route] {
			if failed(m.cells[[2]string{route, row}]) {
				rows = append(rows, row)
				width = max(width, len(row)+4)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%-*s", width, route)
		for _, name := range mxRoleNames {
			fmt.Fprintf(&b, "%-12s", name)
		}
		b.WriteString("\n")
		for _, row := range rows {
			fmt.Fprintf(&b, "  %-*s", width-2, row)
			for _, c := range m.cells[[2]string{route, row}] {
				switch c {
				case "":
					c = "-"
				case "ok":
					c = "."
				}
				fmt.Fprintf(&b, "%-12s", c)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// --- helpers -------------------------------------------------------------------

// mxGet fetches path as c with header; the body read whole (never a stream).
func mxGet(c *client, path string, header http.Header) (int, string) {
	c.t.Helper()
	res := c.do("GET", path, nil, header)
	return res.StatusCode, readBody(res)
}

var mxJSON = http.Header{"Accept": {"application/ld+json"}}

// mxLeading reads the number a text starts with; -1 if none.
func mxLeading(s string) int {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return -1
	}
	n, _ := strconv.Atoi(s[:i])
	return n
}

func mxParse(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// shows reports whether a note is in a route's answer: when it should be,
// its words and its id in its own part (own); when it should not be,
// neither its words, nor its id, nor (hidden notes) the teacher's reason
// anywhere in all the route answered.
func (n *mxNote) shows(want bool, own, all string) bool {
	if want {
		return strings.Contains(own, n.marker) && strings.Contains(own, n.id)
	}
	leak := strings.Contains(all, n.marker) || strings.Contains(all, n.id)
	if n.reason != "" {
		leak = leak || strings.Contains(all, n.reason)
	}
	return leak
}

// --- the test ------------------------------------------------------------------

func TestAuthorizationMatrix(t *testing.T) {
	essay, err := content.Essays.ReadFile(essaySlug + ".md")
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(t, withContent(fstest.MapFS{
		essaySlug + ".md": {Data: essay},
		mxDoc2 + ".md":    {Data: []byte(mxDoc2Source)},
	}))
	docs := []string{essaySlug, mxDoc2}

	// The class, made through the pages and the API.
	var cs [mxRoles]*client
	cs[mxSignedOut] = app.client(t)
	for r := mxOutsider; r < mxRoles; r++ {
		cs[r] = app.signUp(t, mxUserNames[r])
	}
	tess, otto := cs[mxTeacher], cs[mxOutsider]
	gid := grpCreate(t, tess, "Seminar G")
	code := grpInvite(t, tess, gid)
	for _, r := range []mxRole{mxCoTeacher, mxAuthor, mxMember} {
		grpJoin(t, cs[r], code, gid)
	}
	rex := app.signUp(t, "rex")
	grpJoin(t, rex, code, gid)
	rexID := grpUID(t, app, "rex")
	if res := tess.apiJSON("DELETE", fmt.Sprintf("/api/groups/%d/members/%d", gid, rexID), nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("remove rex: %d", res.StatusCode)
	}
	hid := grpCreate(t, otto, "Other class H")
	kid, rid := grpCreate(t, tess, "Seminar K"), grpCreate(t, tess, "Seminar R")
	grpJoin(t, cs[mxAuthor], grpInvite(t, tess, kid), kid)
	grpJoin(t, cs[mxMember], grpInvite(t, tess, kid), kid)
	grpJoin(t, cs[mxAuthor], grpInvite(t, tess, rid), rid)
	groups := map[string]int64{"G": gid, "H": hid, "K": kid, "R": rid}
	G, H := strconv.FormatInt(gid, 10), strconv.FormatInt(hid, 10)
	if res := tess.apiJSON("PUT", fmt.Sprintf("/api/groups/%d/members/%d", gid, grpUID(t, app, "cora")),
		map[string]any{"role": "teacher"}, nil, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("make cora co-teacher: %d", res.StatusCode)
	}
	if res := tess.apiJSON("PUT", fmt.Sprintf("/api/groups/%d/documents/%s", gid, mxDoc2),
		map[string]any{"postFirst": true}, nil, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("post first on: %d", res.StatusCode)
	}

	// The notes, through the forms the reader's JavaScript posts.
	paragraph := func(slug string, i int) string {
		e, err := app.srv.docs.Doc(slug)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range e.Current.Blocks {
			if b.Kind == "p" {
				if i == 0 {
					return b.Anchor
				}
				i--
			}
		}
		t.Fatalf("%s has no such paragraph", slug)
		return ""
	}
	notes := mxNotes()
	byKey := map[string]*mxNote{}
	var mentions []string
	for r := mxOutsider; r < mxRoles; r++ {
		mentions = append(mentions, "@"+mxUserNames[r])
	}
	write := func(n *mxNote) {
		t.Helper()
		n.marker = fmt.Sprintf("zq%02dmarkerqz", len(byKey))
		body := n.marker
		if n.mentions {
			body += " — " + strings.Join(mentions, " ")
		}
		c := cs[n.by]
		if n.parent != "" {
			p := byKey[n.parent]
			n.doc, n.anchor, n.audience = p.doc, p.anchor, p.audience
			n.id = c.postJSON("/notes/"+p.id+"/replies", url.Values{"body": {body}}, http.StatusCreated)["id"].(string)
		} else {
			n.anchor = paragraph(n.doc, n.para)
			aud := n.audience
			if g := n.group(); g != "" {
				aud = strings.Replace(aud, g, strconv.FormatInt(groups[g], 10), 1)
			}
			n.id = c.postJSON("/read/"+n.doc+"/notes", url.Values{"anchor": {n.anchor}, "body": {body}, "audience": {aud}},
				http.StatusCreated)["id"].(string)
		}
		byKey[n.key] = n
	}
	for _, n := range notes {
		if !strings.HasPrefix(n.key, "last") {
			write(n)
		}
		g := groups[n.group()] // a reply has its thread's audience once written
		switch n.then {
		case "author leaves":
			if res := cs[mxAuthor].postForm(fmt.Sprintf("/groups/%d/leave", g), nil); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("ann leaves: %d", res.StatusCode)
			}
		case "author removed":
			if res := tess.apiJSON("DELETE", fmt.Sprintf("/api/groups/%d/members/%d", g, grpUID(t, app, "ann")), nil, nil, nil); res.StatusCode != http.StatusNoContent {
				t.Fatalf("remove ann: %d", res.StatusCode)
			}
		}
	}
	for _, n := range notes {
		if n.hide {
			n.reason = strings.Replace(n.marker, "marker", "reason", 1)
			tess.postJSON("/notes/"+n.id+"/hide", url.Values{"reason": {n.reason}}, http.StatusOK)
		}
	}
	cs[mxMember].postJSON("/notes/"+byKey["group"].id+"/flag", url.Values{"reason": {"off topic, says milo"}}, http.StatusOK)
	write(mxByKey(notes, "last"))
	write(mxByKey(notes, "last/2"))

	// The tables' own sanity: every note has a row, and nobody is told of
	// what they may not see.
	for _, n := range notes {
		seen, ok := mxSeen[n.key]
		if !ok {
			t.Fatalf("mxSeen has no row for %q", n.key)
		}
		for _, r := range mxNotified[n.key] {
			if !mxHas(seen, r) {
				t.Fatalf("the tables notify %s of %q, which they may not see", mxRoleNames[r], n.key)
			}
		}
	}
	visible := func(n *mxNote, r mxRole) bool { return mxHas(mxSeen[n.key], r) }
	// visibleOn counts the notes of doc role r may see, of group g if g != "".
	visibleOn := func(doc string, r mxRole, g string) int {
		k := 0
		for _, n := range notes {
			if n.doc == doc && visible(n, r) && (g == "" || n.group() == g) {
				k++
			}
		}
		return k
	}

	m := newMxMatrix()
	for r := mxSignedOut; r < mxRoles; r++ {
		mxPerRole(t, m, cs[r], r, notes, docs, G, H, visible, visibleOn)
	}
	// Letting rex back in, page and API. A success is undone (rex joins
	// and tess removes him again) so the next role finds him removed.
	removeRex := func() {
		t.Helper()
		ctx := t.Context()
		if _, err := app.db.Join(ctx, rexID, code); err != nil {
			t.Fatalf("rex joins again: %v", err)
		}
		if err := app.db.RemoveMember(ctx, grpUID(t, app, "tess"), gid, rexID); err != nil {
			t.Fatalf("remove rex again: %v", err)
		}
	}
	miloID := strconv.FormatInt(grpUID(t, app, "milo"), 10)
	R := strconv.FormatInt(rexID, 10)
	for r := mxSignedOut; r < mxRoles; r++ {
		c := cs[r]
		for _, tc := range []struct {
			route, method, path string
		}{
			{"let back in", "POST", "/groups/" + G + "/removals/" + R + "/let-back-in"},
			{"API let back in", "DELETE", "/api/groups/" + G + "/removals/" + R},
			{"let back in (not removed)", "POST", "/groups/" + G + "/removals/" + miloID + "/let-back-in"},
			{"API let back in (not removed)", "DELETE", "/api/groups/" + G + "/removals/" + miloID},
		} {
			res := c.do(tc.method, tc.path, nil, nil)
			body := readBody(res)
			m.status(tc.route, "status", r, mxStatus[tc.route][r], res.StatusCode)
			if res.StatusCode == http.StatusSeeOther || res.StatusCode == http.StatusNoContent {
				removeRex()
			}
			for _, n := range notes {
				m.see(tc.route+": words (never)", n.key, r, false, n.shows(false, "", body))
			}
		}
	}
	// The invite link, page and form, and the API's join. Only otto is
	// not in G; whatever joins him is undone before the next request.
	ottoID := grpUID(t, app, "otto")
	inG := func() bool {
		_, err := app.db.RoleOf(t.Context(), ottoID, gid)
		return err == nil
	}
	for r := mxSignedOut; r < mxRoles; r++ {
		c := cs[r]
		for _, tc := range []struct {
			route, method, path string
			header              http.Header
		}{
			{"join page", "GET", "/join/" + code, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}},
			{"join (cross-site)", "POST", "/join/" + code, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
			{"join", "POST", "/join/" + code, nil},
			{"API join", "POST", "/api/join/" + code, nil},
		} {
			res := c.do(tc.method, tc.path, nil, tc.header)
			body := readBody(res)
			m.status(tc.route, "status", r, mxStatus[tc.route][r], res.StatusCode)
			joins := tc.route == "join" || tc.route == "API join"
			m.see(tc.route+": otto joins", "outsider in G", r, joins && r == mxOutsider, inG())
			if inG() {
				if err := app.db.Leave(t.Context(), ottoID, gid); err != nil {
					t.Fatalf("otto leaves G again: %v", err)
				}
			}
			for _, n := range notes {
				m.see(tc.route+": words (never)", n.key, r, false, n.shows(false, "", body))
			}
		}
	}
	// The live stream last, once every page was read.
	for r := mxSignedOut; r < mxRoles; r++ {
		for _, doc := range docs {
			last := byKey["last"]
			if doc == mxDoc2 {
				last = byKey["last/2"]
			}
			s := cs[r].openStream("/read/"+doc+"/events?after=0", nil)
			evs := s.notesUntil(last.id)
			raw := s.rawText()
			s.close()
			created, named := map[string]bool{}, map[string]bool{}
			for _, ev := range evs {
				named[ev.Note], named[ev.Parent] = true, true
				if ev.Kind == store.EventCreated {
					created[ev.Note] = true
				}
			}
			for _, n := range notes {
				if n.doc != doc {
					// Another document's stream never names it.
					m.see("SSE: other document's stream", n.key, r, false, strings.Contains(raw, n.id))
					continue
				}
				m.see("SSE: created event", n.key, r, visible(n, r), created[n.id])
				m.see("SSE: any event names it", n.key, r, visible(n, r) || mxHas(mxAlsoNamedInStream[n.key], r),
					named[n.id] || strings.Contains(raw, n.id))
				m.see("SSE: words (never)", n.key, r, false, strings.Contains(raw, n.marker) || (n.reason != "" && strings.Contains(raw, n.reason)))
			}
		}
	}

	// The dimensions: the routes asked about each note, and the rest
	// (status codes, counts, numbers).
	keys := map[string]bool{}
	for _, n := range notes {
		keys[n.key] = true
	}
	noteRoutes, noteAsserts := 0, 0
	for _, route := range m.routes {
		perNote := false
		for _, row := range m.rows[route] {
			if keys[row] {
				perNote = true
				noteAsserts += m.asked[[2]string{route, row}]
			}
		}
		if perNote {
			noteRoutes++
		}
	}
	t.Logf("authorization matrix: %d roles × %d notes × %d per-note checks = %d assertions (checks of words-never-shown apply to "+
		"invisible notes only), + %d on status codes, counts and the teacher's numbers = %d assertions in %d checks",
		mxRoles, len(notes), noteRoutes, noteAsserts, m.n-noteAsserts, m.n, len(m.routes))
	if m.bad > 0 {
		t.Errorf("%d of %d cells failed (LEAK: shown, counted or answered to a role that may not see it; MISSING: withheld from one that may):%s",
			m.bad, m.n, m)
	}
}

func mxByKey(notes []*mxNote, key string) *mxNote {
	for _, n := range notes {
		if n.key == key {
			return n
		}
	}
	panic("no note " + key)
}

// mxPerRole asks every page and API route as role r and fills in its
// column of the matrix.
func mxPerRole(t *testing.T, m *mxMatrix, c *client, r mxRole, notes []*mxNote, docs []string, G, H string,
	visible func(*mxNote, mxRole) bool, visibleOn func(string, mxRole, string) int) {
	t.Helper()
	signedIn := r != mxSignedOut
	wantStatus := func(route string) int { return mxStatus[route][r] }

	// The reading page of each document, read with the group.
	pages, pageDocs := map[string]string{}, map[string]*html.Node{}
	for _, doc := range docs {
		st, body := mxGet(c, "/read/"+doc+"?group="+G, nil)
		m.status("document page", "status "+doc, r, 200, st)
		pages[doc], pageDocs[doc] = body, mxParse(t, body)
	}
	allPages := pages[essaySlug] + pages[mxDoc2]
	// A margin shows a summary: the first words of the threads that fit
	// beside their paragraph as cards, and counts the rest. It never names
	// a note the reader may not see; its counts are checked below.
	for _, n := range notes {
		if !visible(n, r) {
			m.see("document page: words (never)", n.key, r, false, n.shows(false, "", allPages))
		}
	}
	for _, n := range notes {
		if card := query(pageDocs[n.doc], `a.card[data-note="`+n.id+`"]`); card != nil && n.parent == "" {
			m.see("document page: card", n.key, r, visible(n, r), strings.Contains(text(card), n.marker))
		}
	}
	for _, doc := range docs {
		m.count("document page: note count", doc, r, visibleOn(doc, r, ""),
			mxLeading(text(query(pageDocs[doc], ".doc-meta"))))
	}
	for _, n := range notes {
		if n.parent != "" {
			continue
		}
		want := 0
		if visible(n, r) {
			want = 1
		}
		got := 0 // a margin without notes shows no count
		if c := query(pageDocs[n.doc], `[data-block="`+n.anchor+`"] a.open .count`); c != nil {
			got = mxLeading(text(c))
		}
		m.count("document page: margin count", n.key, r, want, got)
	}
	m.see("document page: post-first banner", mxDoc2+"?group=G", r, r == mxMember,
		query(pageDocs[mxDoc2], ".post-first") != nil)
	// A card counts the replies the reader may see, and no others; a
	// margin counts its threads the same way in the page and in the
	// block fragment the scripts swap in.
	visibleReplies := func(n *mxNote) int {
		k := 0
		for _, x := range notes {
			if x.parent == n.key && visible(x, r) {
				k++
			}
		}
		return k
	}
	cardReplies := func(card *html.Node) int {
		if c := query(card, ".card-replies"); c != nil {
			return mxLeading(text(c))
		}
		return 0
	}
	for _, n := range notes {
		if card := query(pageDocs[n.doc], `a.card[data-note="`+n.id+`"]`); card != nil && n.parent == "" && visible(n, r) {
			m.count("document page: card replies", n.key, r, visibleReplies(n), cardReplies(card))
		}
	}

	// The block fragments the reader's scripts fetch.
	blocks := map[string]string{}
	var allBlocks strings.Builder
	for _, n := range notes {
		if n.parent != "" {
			continue
		}
		st, body := mxGet(c, "/read/"+n.doc+"/blocks/"+n.anchor+"?group="+G, nil)
		m.status("block fragment", "status "+n.key, r, 200, st)
		blocks[n.anchor] = body
		allBlocks.WriteString(body)
	}
	for _, n := range notes {
		if !visible(n, r) {
			m.see("block fragment: words (never)", n.key, r, false, n.shows(false, "", allBlocks.String()))
		}
	}
	for _, n := range notes {
		if n.parent != "" {
			continue
		}
		frag := mxParse(t, blocks[n.anchor])
		want := 0
		if visible(n, r) {
			want = 1
		}
		got := 0
		if c := query(frag, `a.open .count`); c != nil {
			got = mxLeading(text(c))
		}
		m.count("block fragment: margin count", n.key, r, want, got)
		if card := query(frag, `a.card[data-note="`+n.id+`"]`); card != nil && visible(n, r) {
			m.count("block fragment: card replies", n.key, r, visibleReplies(n), cardReplies(card))
		}
	}

	// A paragraph's notes page, where a margin sends the reader for the
	// notes it does not show (bounds.go).
	paragraphs := map[string]string{}
	var allParagraphs strings.Builder
	for _, n := range notes {
		if _, done := paragraphs[n.doc+"#"+n.anchor]; n.parent != "" || done {
			continue
		}
		st, body := mxGet(c, "/read/"+n.doc+"/notes/"+n.anchor+"?group="+G, nil)
		m.status("paragraph notes page", "status "+n.key, r, 200, st)
		paragraphs[n.doc+"#"+n.anchor] = body
		allParagraphs.WriteString(body)
	}
	for _, n := range notes {
		m.see("paragraph notes page", n.key, r, visible(n, r), n.shows(visible(n, r), paragraphs[n.doc+"#"+n.anchor], allParagraphs.String()))
	}
	for _, n := range notes {
		if n.hide {
			// The author sees why it was hidden, and so do the teachers.
			m.see("paragraph notes page: hidden reason", n.key, r, visible(n, r), strings.Contains(allParagraphs.String(), n.reason))
		}
	}
	// The same conversation as the panel beside the paragraph fetches it,
	// and as a highlight opens it: asking for every note of the document
	// by id (?notes=) shows only those the reader may see.
	var allIDs []string
	for _, n := range notes {
		if n.parent == "" {
			allIDs = append(allIDs, n.id)
		}
	}
	panels, filtered := map[string]string{}, map[string]string{}
	var allPanels, allFiltered strings.Builder
	for _, n := range notes {
		key := n.doc + "#" + n.anchor
		if _, done := panels[key]; n.parent != "" || done {
			continue
		}
		st, body := mxGet(c, "/read/"+n.doc+"/notes/"+n.anchor+"?part=conversation&group="+G, nil)
		m.status("conversation panel", "status "+n.key, r, 200, st)
		panels[key] = body
		allPanels.WriteString(body)
		st, body = mxGet(c, "/read/"+n.doc+"/notes/"+n.anchor+"?notes="+strings.Join(allIDs, ","), nil)
		m.status("conversation of a highlight", "status "+n.key, r, 200, st)
		filtered[key] = body
		allFiltered.WriteString(body)
	}
	for _, n := range notes {
		key := n.doc + "#" + n.anchor
		m.see("conversation panel", n.key, r, visible(n, r), n.shows(visible(n, r), panels[key], allPanels.String()))
		// The page echoes its own URL, every id asked for with it (a
		// signed-out reader's "sign in and come back"): the words and the
		// notes' own elements are what count.
		el := `id="note-` + n.id + `"`
		if visible(n, r) {
			m.see("conversation of a highlight", n.key, r, true, strings.Contains(filtered[key], n.marker) && strings.Contains(filtered[key], el))
		} else {
			m.see("conversation of a highlight", n.key, r, false, strings.Contains(allFiltered.String(), n.marker) ||
				strings.Contains(allFiltered.String(), el) || n.reason != "" && strings.Contains(allFiltered.String(), n.reason))
		}
	}

	// Each note's own page, its edit form and its annotation.
	type answer struct {
		status int
		body   string
	}
	notePages, editForms, annots := map[string]answer{}, map[string]answer{}, map[string]answer{}
	var allNotePages, allEdit, allAnnots strings.Builder
	// A page echoes its own URL (a signed-out reader's "sign in and come
	// back" link), so a note's id in the answer about that very id says
	// nothing; the status code does. Other notes' ids still count.
	echo := func(n *mxNote, body string) string { return strings.ReplaceAll(body, n.id, "") }
	for _, n := range notes {
		st, body := mxGet(c, "/notes/"+n.id, nil)
		notePages[n.key] = answer{st, body}
		allNotePages.WriteString(echo(n, body))
		st, body = mxGet(c, "/notes/"+n.id+"/edit", nil)
		editForms[n.key] = answer{st, body}
		allEdit.WriteString(echo(n, body))
		st, body = mxGet(c, "/api/annotations/"+n.id, mxJSON)
		annots[n.key] = answer{st, body}
		allAnnots.WriteString(echo(n, body))
	}
	for _, n := range notes {
		v := visible(n, r)
		np, ed, an := notePages[n.key], editForms[n.key], annots[n.key]
		if v {
			m.see("note page", n.key, r, true, np.status == 200 && n.shows(true, np.body, ""))
			m.see("annotation API", n.key, r, true, an.status == 200 && n.shows(true, an.body, ""))
		} else {
			m.see("note page", n.key, r, false, np.status != 404 || n.shows(false, "", allNotePages.String()))
			m.see("annotation API", n.key, r, false, an.status != 404 || n.shows(false, "", allAnnots.String()))
		}
		want := 404
		switch {
		case !signedIn:
			want = 303
		case n.by == r && slices.Contains(mxClosed, n.key):
			want = 403
		case n.by == r:
			want = 200
		case v:
			want = 403
		}
		m.status("edit form", n.key, r, want, ed.status)
		if !v {
			m.see("edit form: words", n.key, r, false, n.shows(false, "", allEdit.String()))
		}
	}

	// HEAD and OPTIONS on each annotation answer as GET does: 200 to whoever
	// may see it, 404 to anyone else, without a word of it.
	for _, n := range notes {
		want := 404
		if visible(n, r) {
			want = 200
		}
		for _, method := range []string{"HEAD", "OPTIONS"} {
			res := c.do(method, "/api/annotations/"+n.id, nil, mxJSON)
			body := readBody(res)
			m.status("annotation API: "+method, n.key, r, want, res.StatusCode)
			m.see("annotation API: "+method+" words", n.key, r, false, n.shows(false, "", echo(n, body)))
		}
	}

	// The delete, hide and flag forms: the author's, the teachers', the
	// members'; to anyone else a note they may not see does not exist.
	var allForms strings.Builder
	formStatus := map[string]map[string]int{}
	for _, form := range []string{"delete", "hide", "flag"} {
		formStatus[form] = map[string]int{}
		for _, n := range notes {
			st, body := mxGet(c, "/notes/"+n.id+"/"+form, nil)
			formStatus[form][n.key] = st
			allForms.WriteString(echo(n, body))
		}
	}
	for _, n := range notes {
		v := visible(n, r)
		for _, form := range []string{"delete", "hide", "flag"} {
			st := formStatus[form][n.key]
			switch {
			case !signedIn:
				m.status(form+" form", n.key, r, 303, st)
			case form == "delete":
				want := 404
				if n.by == r {
					want = 200
				} else if v {
					want = 403
				}
				m.status(form+" form", n.key, r, want, st)
			default:
				// 200 or 403 by the note's group and role; 404 exactly
				// when the note is not there for this reader.
				m.see(form+" form: found", n.key, r, v, st != 404)
			}
		}
		if !v {
			m.see("delete, hide, flag forms: words", n.key, r, false, n.shows(false, "", allForms.String()))
		}
	}

	// The annotation container of each document.
	var allContainers strings.Builder
	ids := map[string]bool{}
	for _, doc := range docs {
		var coll struct {
			Total int `json:"total"`
			First struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			} `json:"first"`
		}
		st, body := mxGet(c, "/api/documents/"+doc+"/annotations/", mxJSON)
		m.status("annotation container", "status "+doc, r, 200, st)
		if err := json.Unmarshal([]byte(body), &coll); err != nil {
			t.Fatalf("container of %s as %s: %v", doc, mxRoleNames[r], err)
		}
		allContainers.WriteString(body)
		m.count("annotation container: total", doc, r, visibleOn(doc, r, ""), coll.Total)
		m.count("annotation container: items", doc, r, visibleOn(doc, r, ""), len(coll.First.Items))
		for _, it := range coll.First.Items {
			ids[it.ID[strings.LastIndex(it.ID, "/")+1:]] = true
		}
	}
	for _, n := range notes {
		v := visible(n, r)
		got := ids[n.id] && n.shows(true, allContainers.String(), "")
		if !v {
			got = ids[n.id] || n.shows(false, "", allContainers.String())
		}
		m.see("annotation container", n.key, r, v, got)
	}

	// Each revision as it stood, through the API: here the
	// current one, so every note has its target on it.
	var allRevs strings.Builder
	revIDs := map[string]bool{}
	for _, doc := range docs {
		var rev struct {
			Annotations []struct {
				ID string `json:"id"`
			} `json:"annotations"`
		}
		st, body := mxGet(c, "/api/documents/"+doc+"/revisions/1", mxJSON)
		m.status("revision API", "status "+doc, r, 200, st)
		if err := json.Unmarshal([]byte(body), &rev); err != nil {
			t.Fatalf("revision 1 of %s as %s: %v", doc, mxRoleNames[r], err)
		}
		allRevs.WriteString(body)
		m.count("revision API: annotations", doc, r, visibleOn(doc, r, ""), len(rev.Annotations))
		for _, a := range rev.Annotations {
			revIDs[a.ID[strings.LastIndex(a.ID, "/")+1:]] = true
		}
	}
	for _, n := range notes {
		v := visible(n, r)
		got := revIDs[n.id] && n.shows(true, allRevs.String(), "")
		if !v {
			got = revIDs[n.id] || n.shows(false, "", allRevs.String())
		}
		m.see("revision API", n.key, r, v, got)
	}

	// The re-attach form: the author's own notes only (a reply sits with
	// its note: 400); to anyone else 403 or, unseen, 404.
	var allReattach strings.Builder
	for _, n := range notes {
		st, body := mxGet(c, "/notes/"+n.id+"/reattach", nil)
		allReattach.WriteString(echo(n, body))
		want := 404
		switch {
		case !signedIn:
			want = 303
		case n.by == r && n.parent != "":
			want = 400
		case n.by == r && slices.Contains(mxClosed, n.key):
			want = 403
		case n.by == r:
			want = 200
		case visible(n, r):
			want = 403
		}
		m.status("re-attach form", n.key, r, want, st)
	}
	for _, n := range notes {
		if !visible(n, r) {
			m.see("re-attach form: words", n.key, r, false, n.shows(false, "", allReattach.String()))
		}
	}

	// The notebook: every note the reader may see, across the
	// documents; others' replies are only counted there, never shown.
	st, nb := mxGet(c, "/notebook?show=all", nil)
	if !signedIn {
		m.status("notebook", "status", r, 303, st)
	} else {
		m.status("notebook", "status", r, 200, st)
		for _, n := range notes {
			v := visible(n, r)
			if n.parent == "" || n.by == r {
				m.see("notebook", n.key, r, v, n.shows(v, nb, nb))
			} else if !v {
				m.see("notebook", n.key, r, false, n.shows(false, "", nb))
			}
		}
		mxNotebook(t, m, c, r, notes, visible, G, H)
	}

	// Exports: "mine" holds exactly the notes this role wrote
	// (and still sees); a group's export is its teachers' alone and holds
	// the group's notes they may see.
	for _, doc := range docs {
		st, mine := mxGet(c, "/read/"+doc+"/export?format=jsonld&scope=mine", nil)
		stG, group := mxGet(c, "/read/"+doc+"/export?format=jsonld&scope=group:"+G, nil)
		teacher := r == mxTeacher || r == mxCoTeacher
		switch {
		case !signedIn:
			m.status("export", "status mine "+doc, r, 303, st)
			m.status("export", "status group "+doc, r, 303, stG)
		default:
			m.status("export", "status mine "+doc, r, 200, st)
			want := 404
			if teacher {
				want = 200
			} else if r == mxMember || r == mxAuthor {
				want = 403
			}
			m.status("export", "status group "+doc, r, want, stG)
		}
		for _, n := range notes {
			if n.doc != doc {
				continue
			}
			// My reply names the note it answers by its IRI, never its
			// words: another's note I may see can have its id in my
			// export, not its marker.
			wantMine := signedIn && n.by == r && visible(n, r)
			got := n.shows(wantMine, mine, mine)
			if !wantMine && visible(n, r) {
				got = strings.Contains(mine, n.marker)
			}
			m.see("export: mine", n.key, r, wantMine, got)
			wantGroup := teacher && visible(n, r) && slices.Contains(mxInGroupG, n.key)
			m.see("export: group", n.key, r, wantGroup, n.shows(wantGroup, group, group))
		}
	}

	// Counts: the library, the documents API, the group pages.
	st, body := mxGet(c, "/", nil)
	m.status("library", "status", r, 200, st)
	lib := mxParse(t, body)
	for _, doc := range docs {
		got := -1
		for _, li := range queryAll(lib, "ul.library > li") {
			if query(li, `a[href="/read/`+doc+`"]`) != nil {
				got = mxLeading(text(query(li, ".meta")))
			}
		}
		m.count("library: note count", doc, r, visibleOn(doc, r, ""), got)
	}
	header := 0
	if u := query(lib, ".unread-count"); u != nil {
		header = mxLeading(text(u))
	}
	var apiDocs struct {
		Documents []struct {
			Slug  string `json:"slug"`
			Notes int    `json:"notes"`
		} `json:"documents"`
	}
	c.apiJSON("GET", "/api/documents", nil, nil, &apiDocs)
	for _, doc := range docs {
		got := -1
		for _, d := range apiDocs.Documents {
			if d.Slug == doc {
				got = d.Notes
			}
		}
		m.count("API documents: note count", doc, r, visibleOn(doc, r, ""), got)
		var one struct {
			Notes int `json:"notes"`
		}
		c.apiJSON("GET", "/api/documents/"+doc, nil, nil, &one)
		m.count("API document: note count", doc, r, visibleOn(doc, r, ""), one.Notes)
	}
	for _, g := range []struct{ name, id string }{{"G", G}, {"H", H}} {
		st, body := mxGet(c, "/groups/"+g.id, nil)
		m.status("group page", "status "+g.name, r, wantStatus("group page "+g.name), st)
		var apiG struct {
			Documents []struct {
				Slug  string `json:"slug"`
				Notes int    `json:"notes"`
			} `json:"documents"`
			Removed *[]struct {
				Name string `json:"name"`
			} `json:"removed"`
		}
		ast, abody := mxGet(c, "/api/groups/"+g.id, mxJSON)
		m.status("API group", "status "+g.name, r, wantStatus("API group "+g.name), ast)
		if ast == 200 {
			if err := json.Unmarshal([]byte(abody), &apiG); err != nil {
				t.Fatal(err)
			}
		}
		gp := mxParse(t, body)
		// G's removed list (rex): its teachers' alone, on the page and in
		// the JSON, where nobody else even has the key.
		teachesG := g.name == "G" && (r == mxTeacher || r == mxCoTeacher)
		teachesThis := teachesG || g.name == "H" && r == mxOutsider
		rexListed := false
		for _, li := range queryAll(gp, "ul.removed-list > li") {
			rexListed = rexListed || text(query(li, ".member-name")) == "rex"
		}
		m.see("group page: removed list", g.name, r, teachesG, rexListed || query(gp, `form[action*="/removals/"]`) != nil)
		if ast == 200 {
			m.see("API group: removed key", g.name, r, teachesThis, apiG.Removed != nil)
			apiRex := false
			if apiG.Removed != nil {
				for _, x := range *apiG.Removed {
					apiRex = apiRex || x.Name == "rex"
				}
			}
			m.see("API group: removed list", g.name, r, teachesG, apiRex)
		}
		for _, doc := range docs {
			if st == 200 {
				m.count("group page: note count", g.name+" "+doc, r, visibleOn(doc, r, g.name),
					mxLeading(text(query(gp, "#doc-"+doc+" .meta"))))
			}
			if ast == 200 {
				got := -1
				for _, d := range apiG.Documents {
					if d.Slug == doc {
						got = d.Notes
					}
				}
				m.count("API group: note count", g.name+" "+doc, r, visibleOn(doc, r, g.name), got)
			}
		}
		for _, n := range notes {
			m.see("group pages: words (never)", n.key, r, false, n.shows(false, "", body+abody))
		}
	}

	// The teacher's view of G on each document: pages, CSV, JSON.
	var allInsights strings.Builder
	teacher := r == mxTeacher || r == mxCoTeacher
	for _, doc := range docs {
		base := "/groups/" + G + "/documents/" + doc
		pst, pbody := mxGet(c, base, nil)
		hst, hbody := mxGet(c, base+"/heat.csv", nil)
		cst, cbody := mxGet(c, base+"/participation.csv", nil)
		ist, ibody := mxGet(c, "/api"+base+"/insights", mxJSON)
		m.status("teacher's view", "page "+doc, r, wantStatus("teacher's view"), pst)
		m.status("teacher's view", "heat.csv "+doc, r, wantStatus("heat.csv"), hst)
		m.status("teacher's view", "participation.csv "+doc, r, wantStatus("participation.csv"), cst)
		m.status("teacher's view", "API insights "+doc, r, wantStatus("API insights"), ist)
		allInsights.WriteString(pbody + hbody + cbody + ibody)
		if !teacher {
			// No numbers: none of the paragraphs' anchors, no member rows.
			leak := false
			for _, n := range notes {
				leak = leak || strings.Contains(pbody+hbody+cbody+ibody, n.anchor)
			}
			leak = leak || strings.Contains(hbody+cbody, "same_question") || strings.Contains(cbody, "last_activity") ||
				strings.Contains(ibody, "participation")
			m.see("teacher's view: numbers", doc, r, false, leak)
			continue
		}
		// Heat: per paragraph, G's notes there (both documents' cells
		// each have their own paragraph).
		heatCSV := map[string]int{}
		if rows, err := csv.NewReader(strings.NewReader(hbody)).ReadAll(); err == nil {
			for _, row := range rows[1:] {
				heatCSV[row[1]], _ = strconv.Atoi(row[3])
			}
		}
		var ins struct {
			Heat []struct {
				Anchor string `json:"anchor"`
				Notes  int    `json:"notes"`
			} `json:"heat"`
			Participation []struct {
				Member struct {
					Name string `json:"name"`
				} `json:"member"`
				Notes   int `json:"notes"`
				Replies int `json:"replies"`
			} `json:"participation"`
		}
		_ = json.Unmarshal([]byte(ibody), &ins)
		heatAPI := map[string]int{}
		for _, h := range ins.Heat {
			heatAPI[h.Anchor] = h.Notes
		}
		heatPage := map[string]int{}
		page := mxParse(t, pbody)
		for _, tr := range queryAll(page, "table.heat tbody tr") {
			href := attr(query(tr, "th a"), "href")
			heatPage[href[strings.LastIndex(href, "#")+1:]] = mxLeading(text(query(tr, ".num")))
		}
		for _, n := range notes {
			if n.parent != "" || n.doc != doc {
				continue
			}
			want := 0
			for _, x := range notes {
				if x.anchor == n.anchor && x.doc == doc && slices.Contains(mxInGroupG, x.key) {
					want++
				}
			}
			m.count("teacher's view: heat (page)", n.key, r, want, heatPage[n.anchor])
			m.count("teacher's view: heat (CSV)", n.key, r, want, heatCSV[n.anchor])
			m.count("teacher's view: heat (API)", n.key, r, want, heatAPI[n.anchor])
		}
		// Participation: every member of G, with G's notes and replies.
		partCSV := map[string][2]int{}
		if rows, err := csv.NewReader(strings.NewReader(cbody)).ReadAll(); err == nil {
			for _, row := range rows[1:] {
				a, _ := strconv.Atoi(row[2])
				b, _ := strconv.Atoi(row[3])
				partCSV[row[0]] = [2]int{a, b}
			}
		}
		partAPI := map[string][2]int{}
		for _, p := range ins.Participation {
			partAPI[p.Member.Name] = [2]int{p.Notes, p.Replies}
		}
		partPage := map[string][2]int{}
		for _, tr := range queryAll(page, "table.participation tbody tr") {
			tds := queryAll(tr, "td.n")
			if len(tds) >= 2 {
				partPage[text(query(tr, "th"))] = [2]int{mxLeading(text(tds[0])), mxLeading(text(tds[1]))}
			}
		}
		for who := mxOutsider; who < mxRoles; who++ {
			var want [2]int
			for _, x := range notes {
				if x.doc == doc && x.by == who && slices.Contains(mxInGroupG, x.key) {
					if x.parent == "" {
						want[0]++
					} else {
						want[1]++
					}
				}
			}
			name := mxUserNames[who]
			for _, src := range []struct {
				what string
				got  map[string][2]int
			}{{"page", partPage}, {"CSV", partCSV}, {"API", partAPI}} {
				got, listed := src.got[name]
				if who == mxOutsider {
					m.see("teacher's view: participation ("+src.what+")", "outsider listed", r, false, listed)
					continue
				}
				m.count("teacher's view: participation ("+src.what+")", mxRoleNames[who]+" notes "+doc, r, want[0], got[0])
				m.count("teacher's view: participation ("+src.what+")", mxRoleNames[who]+" replies "+doc, r, want[1], got[1])
			}
		}
	}
	for _, n := range notes {
		m.see("teacher's view: words (never)", n.key, r, false, n.shows(false, "", allInsights.String()))
	}

	// Open flags: G's teachers see the flagged note.
	fst, fbody := mxGet(c, "/groups/"+G+"/flags", nil)
	ast, abody := mxGet(c, "/api/groups/"+G+"/flags", mxJSON)
	m.status("flags", "page", r, wantStatus("flags page"), fst)
	m.status("flags", "API", r, wantStatus("API flags"), ast)
	for _, n := range notes {
		want := teacher && slices.Contains(mxFlagged, n.key)
		m.see("flags (page)", n.key, r, want, n.shows(want, fbody, fbody))
		m.see("flags (API)", n.key, r, want, n.shows(want, abody, abody))
	}

	// Notifications: the page, the API, the unread counts.
	nst, nbody := mxGet(c, "/notifications", nil)
	m.status("notifications", "page", r, wantStatus("notifications"), nst)
	var api struct {
		Unread int `json:"unread"`
		Items  []struct {
			Kind       string `json:"kind"`
			Annotation struct {
				ID string `json:"id"`
			} `json:"annotation"`
		} `json:"items"`
	}
	res := c.apiJSON("GET", "/api/notifications", nil, nil, &api)
	m.status("notifications", "API", r, wantStatus("API notifications"), res.StatusCode)
	kinds := map[string]string{}
	for _, it := range api.Items {
		kinds[it.Annotation.ID[strings.LastIndex(it.Annotation.ID, "/")+1:]] = it.Kind
	}
	unread := 0
	for _, n := range notes {
		want := mxHas(mxNotified[n.key], r)
		if want {
			unread++
		}
		m.see("notifications (page)", n.key, r, want, n.shows(want, nbody, nbody))
		_, listed := kinds[n.id]
		m.see("notifications (API)", n.key, r, want, listed)
		if want && listed {
			wantKind := "mention"
			if n.parent != "" && mxByKey(notes, n.parent).by == r {
				wantKind = "reply"
			}
			if kinds[n.id] == wantKind {
				m.set("notifications (API): kind", n.key, r, "ok")
			} else {
				m.set("notifications (API): kind", n.key, r, "WRONG "+kinds[n.id])
			}
		}
	}
	m.count("notifications: unread", "header", r, unread, header)
	if signedIn {
		m.count("notifications: unread", "API", r, unread, api.Unread)
	}

	// Guided tours: G's on both documents, H's on the essay.
	tours := []struct{ group, id, doc string }{{"G", G, essaySlug}, {"G", G, mxDoc2}, {"H", H, essaySlug}}
	var allTours strings.Builder
	tourBody := map[string]string{}
	for _, tr := range tours {
		st, body := mxGet(c, "/read/"+tr.doc+"/tour?group="+tr.id+"&stop=1", nil)
		m.status("tour", tr.group+" "+tr.doc, r, wantStatus("tour "+tr.group), st)
		tourBody[tr.group+tr.doc] = body
		allTours.WriteString(body)
	}
	for _, n := range notes {
		g, stop := mxTourStop[n.key]
		want := stop && visible(n, r)
		m.see("tour", n.key, r, want, n.shows(want, tourBody[g+n.doc], allTours.String()))
	}
	// The reading page offers a tour by its stops (data-stops): the
	// paragraphs of the guide notes the reader may see, and no others.
	groupIDs := map[string]string{"G": G, "H": H}
	for _, n := range notes {
		g, stop := mxTourStop[n.key]
		if !stop {
			continue
		}
		link := query(pageDocs[n.doc], `a.tour-link[data-tour="`+groupIDs[g]+`"]`)
		m.see("document page: tour stops", n.key, r, visible(n, r),
			link != nil && slices.Contains(strings.Fields(attr(link, "data-stops")), n.anchor))
	}

	// Search: each note's marker word, on the page and through
	// the API. Only the results count (the list, the items): both echo
	// the query, the page in its search box, the API as "query".
	searchPage, searchAPI := map[string]string{}, map[string]string{}
	var allSearchPages, allSearchAPI strings.Builder
	searchTotal := map[string]int{}
	for _, n := range notes {
		st, body := mxGet(c, "/search?q="+n.marker, nil)
		m.status("search page", "status "+n.key, r, wantStatus("search page"), st)
		if ol := query(mxParse(t, body), "ol.search-results"); ol != nil {
			var b strings.Builder
			if err := html.Render(&b, ol); err != nil {
				t.Fatal(err)
			}
			searchPage[n.key] = b.String()
		}
		allSearchPages.WriteString(searchPage[n.key])
		st, body = mxGet(c, "/api/search?q="+n.marker, mxJSON)
		m.status("API search", "status "+n.key, r, wantStatus("API search"), st)
		var out struct {
			Total int             `json:"total"`
			Items json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("search %s as %s: %v", n.marker, mxRoleNames[r], err)
		}
		searchAPI[n.key], searchTotal[n.key] = string(out.Items), out.Total
		allSearchAPI.WriteString(searchAPI[n.key])
	}
	for _, n := range notes {
		v := visible(n, r)
		m.see("search page", n.key, r, v, n.shows(v, searchPage[n.key], allSearchPages.String()))
		m.see("search API", n.key, r, v, n.shows(v, searchAPI[n.key], allSearchAPI.String()))
		want := 0
		if v {
			want = 1
		}
		m.count("search API: total", n.key, r, want, searchTotal[n.key])
	}
	// A filter alone lists and counts a document's notes.
	for _, doc := range docs {
		var out struct {
			Total int `json:"total"`
		}
		c.apiJSON("GET", "/api/search?perPage=100&q=doc:"+doc, nil, nil, &out)
		m.count("search API: doc: total", doc, r, visibleOn(doc, r, ""), out.Total)
		_, body := mxGet(c, "/search?q=doc:"+doc, nil)
		m.count("search page: doc: results", doc, r, visibleOn(doc, r, ""), len(queryAll(mxParse(t, body), "ol.search-results > li")))
	}
}

// mxNotebook checks the notebook's lists and the counts of its facets
// (web/notebook.go) as role r: the reader's own list, everything, and
// everything in group G (whose id is G), with each essay's and each
// group's count and the private one. Its entries are the notes r may see
// and r's own replies; a reply is in its thread's group, and private
// when its thread is r's own "only me" note. A count is never of what r
// may not see, and a group r may see nothing of is not even named:
// another's private notes, otto's group H, and ann's own view of K, which
// she left, and of R, which she was removed from (her notes there,
// nobody's replies). An attacker's parameters learn nothing either:
// choosing group H (whose id is H), which only otto is in, lists and
// counts nothing for anyone else, and a page far past the end lists
// nothing and counts as everything does.
func mxNotebook(t *testing.T, m *mxMatrix, c *client, r mxRole, notes []*mxNote, visible func(*mxNote, mxRole) bool, G, H string) {
	t.Helper()
	byKey := map[string]*mxNote{}
	for _, n := range notes {
		byKey[n.key] = n
	}
	entry := func(n *mxNote) bool { return visible(n, r) && (n.parent == "" || n.by == r) }
	mine := func(n *mxNote) bool { return entry(n) && n.by == r }
	inG := func(n *mxNote) bool { return entry(n) && n.group() == "G" }
	inH := func(n *mxNote) bool { return entry(n) && n.group() == "H" }
	none := func(*mxNote) bool { return false }
	private := func(n *mxNote) bool {
		thread := n
		if n.parent != "" {
			thread = byKey[n.parent]
		}
		return n.audience == "private" && thread.by == r
	}
	groupNames := map[string]string{"G": "Seminar G", "H": "Other class H", "K": "Seminar K", "R": "Seminar R"}
	for _, list := range []struct {
		route, path string
		in          func(*mxNote) bool // the list's entries
		byGroup     func(*mxNote) bool // what the group facet counts: the list but for its group
		counted     func(*mxNote) bool // what the other facets count, when not the list (a page past its end)
	}{
		{"notebook (everything)", "/notebook?show=all", entry, entry, nil},
		{"notebook (yours)", "/notebook", mine, mine, nil},
		{"notebook (group G chosen)", "/notebook?show=all&group=" + G, inG, entry, nil},
		{"notebook (group H chosen)", "/notebook?show=all&group=" + H, inH, entry, nil},
		{"notebook (far past the end)", "/notebook?show=all&from=9223372036854775807", none, entry, entry},
	} {
		if list.counted == nil {
			list.counted = list.in
		}
		st, body := mxGet(c, list.path, nil)
		m.status(list.route, "status", r, 200, st)
		for _, n := range notes {
			switch {
			case list.in(n):
				m.see(list.route, n.key, r, true, n.shows(true, body, body))
			case !visible(n, r):
				m.see(list.route, n.key, r, false, n.shows(false, "", body))
			default:
				// Seen elsewhere (a reply's entry links to its thread's
				// note), but never its words here.
				m.see(list.route, n.key, r, false, strings.Contains(body, n.marker))
			}
		}
		doc := mxParse(t, body)
		facets := mxFacets(doc)
		for _, slug := range []string{essaySlug, mxDoc2} {
			want := 0
			for _, n := range notes {
				if n.doc == slug && list.counted(n) {
					want++
				}
			}
			got, listed := facets["essay="+slug]
			m.count(list.route+": essay count", slug, r, want, got)
			m.see(list.route+": essay listed", slug, r, want > 0, listed)
		}
		for g, name := range groupNames {
			want := 0
			for _, n := range notes {
				if n.group() == g && list.byGroup(n) {
					want++
				}
			}
			got, listed := facets["group="+name]
			m.count(list.route+": group count", g, r, want, got)
			m.see(list.route+": group named", g, r, want > 0, listed || strings.Contains(text(query(doc, "main")), name))
		}
		want := 0
		for _, n := range notes {
			if list.counted(n) && private(n) {
				want++
			}
		}
		m.count(list.route+": private count", "private", r, want, facets["private=1"])
		m.count(list.route+": questions count", "questions", r, 0, facets["question=1"])
	}
	// A page no number can name is refused, not wrapped round.
	st, _ := mxGet(c, "/notebook?show=all&from=99999999999999999999", nil)
	m.status("notebook (a page beyond any number)", "status", r, 400, st)
}

// mxFacets reads a notebook page's facet counts: "essay=" and the slug,
// "group=" and the group's name, "private=1", "question=1".
func mxFacets(doc *html.Node) map[string]int {
	out := map[string]int{}
	for _, in := range queryAll(doc, `.nb-facets input[type="checkbox"]`) {
		label := query(doc, `label[for="`+attr(in, "id")+`"]`)
		key := attr(in, "name") + "=" + attr(in, "value")
		if attr(in, "name") == "group" {
			key = "group=" + text(query(label, ".nb-label"))
		}
		out[key] = mxLeading(text(query(label, ".nb-count")))
	}
	return out
}
