package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"glossa/store"
)

// --- helpers (prefixed grp so they meet no other area's) ---------------------

// grpCreate makes a group through the form and returns its id.
func grpCreate(t *testing.T, c *client, name string) int64 {
	t.Helper()
	res := c.postForm("/groups", url.Values{"name": {name}})
	body := readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create group %q: status %d\n%s", name, res.StatusCode, truncate(body, 2000))
	}
	loc := res.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/groups/"), 10, 64)
	if err != nil {
		t.Fatalf("create group: redirect to %q", loc)
	}
	return id
}

// grpInvite reads the invite code from the group page, as a teacher.
func grpInvite(t *testing.T, c *client, id int64) string {
	t.Helper()
	doc := c.page(groupPath(id), http.StatusOK)
	v := attr(query(doc, "#invite-url"), "value")
	_, code, ok := strings.Cut(v, "/join/")
	if !ok || code == "" {
		t.Fatalf("no invite link on the group page: %q", v)
	}
	return code
}

// grpJoin opens the invite link, presses its Join button when not a
// member yet, and expects to land on the group.
func grpJoin(t *testing.T, c *client, code string, id int64) {
	t.Helper()
	res := c.get("/join/" + code)
	if res.StatusCode == http.StatusOK {
		// Not a member yet: the invite page names the group, and its
		// form joins it.
		doc := parsePage(t, res, http.StatusOK)
		form := query(doc, `main form[method="post"]`)
		if attr(form, "action") != "/join/"+code || !strings.HasPrefix(text(query(form, "button")), "Join ") {
			t.Fatalf("invite page: no form to join, or not its own: %q", text(query(doc, "main")))
		}
		res = c.postForm("/join/"+code, nil)
	}
	body := readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != groupPath(id) {
		t.Fatalf("join: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), truncate(body, 1000))
	}
}

// grpClass is a group with an owner and members, made through the pages.
type grpClass struct {
	id      int64
	code    string
	teacher *client
	members []*client
}

func grpNewClass(t *testing.T, a *testApp, teacher string, members ...string) grpClass {
	t.Helper()
	cl := grpClass{teacher: a.signUp(t, teacher)}
	cl.id = grpCreate(t, cl.teacher, "Seminar of "+teacher)
	cl.code = grpInvite(t, cl.teacher, cl.id)
	for _, m := range members {
		c := a.signUp(t, m)
		grpJoin(t, c, cl.code, cl.id)
		cl.members = append(cl.members, c)
	}
	return cl
}

func grpUID(t testing.TB, a *testApp, name string) int64 {
	t.Helper()
	u, _, err := a.db.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// grpNote stores a note of c's in a group audience (or any audience) on a
// whole paragraph.
func grpNote(t testing.TB, a *testApp, c *client, anchor string, aud store.Audience, group int64, body string, question bool) store.Note {
	t.Helper()
	nn := newNoteOn(a.essay(t), anchor, c, a)
	nn.Audience, nn.GroupID, nn.Body, nn.Question = aud, group, body, question
	n, err := a.db.CreateNote(context.Background(), nn)
	if err != nil {
		t.Fatalf("seed note: %v", err)
	}
	return n
}

func grpReply(t testing.TB, a *testApp, c *client, parent, body string) store.Note {
	t.Helper()
	n, err := a.db.CreateNote(context.Background(), store.NewNote{AuthorID: grpUID(t, a, c.name), ParentID: parent, Body: body})
	if err != nil {
		t.Fatalf("seed reply: %v", err)
	}
	return n
}

// grpStatus posts a form and returns the status (and the body, for errors).
func grpPost(c *client, path string, v url.Values) (int, string) {
	res := c.postForm(path, v)
	return res.StatusCode, readBody(res)
}

func grpParse(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	checkIDsUnique(t, doc)
	return doc
}

// grpNoStyle fails on any style attribute or element: the CSP forbids them.
func grpNoStyle(t *testing.T, doc *html.Node) {
	t.Helper()
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if n.Data == "style" || attr(n, "style") != "" {
			t.Errorf("<%s> has inline style (forbidden by the CSP)", n.Data)
		}
	}
}

// --- tests -----------------------------------------------------------------------

// TestGroupCreate: the groups page, its form's errors (kept input, error
// beside the field) and a created group's page.
func TestGroupCreate(t *testing.T) {
	app := newApp(t)
	anon := app.client(t)
	res := anon.get("/groups")
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin?next=%2Fgroups" {
		t.Fatalf("signed out /groups: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if doc := anon.page("/", http.StatusOK); query(doc, `header.site a[href="/groups"]`) != nil {
		t.Error("a signed-out reader has a Groups link")
	}

	ann := app.signUp(t, "ann")
	doc := ann.page("/groups", http.StatusOK)
	if query(doc, `header.site a[href="/groups"]`) == nil {
		t.Error("no Groups link in the header")
	}
	if !strings.Contains(text(query(doc, "main")), "not in a group yet") {
		t.Error("empty groups page does not say so")
	}

	for _, tc := range []struct{ name, want string }{
		{"   ", "Give the group a name"},
		{strings.Repeat("x", 101), "at most 100 characters; this one has 101"},
	} {
		code, body := grpPost(ann, "/groups", url.Values{"name": {tc.name}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("name %q: status %d", tc.name, code)
		}
		doc := grpParse(t, body)
		if got := text(query(doc, "#name-error")); !strings.Contains(got, tc.want) {
			t.Errorf("name %q: error %q, want %q", tc.name, got, tc.want)
		}
		in := query(doc, "input#name")
		if attr(in, "aria-invalid") != "true" || attr(in, "value") != tc.name {
			t.Errorf("name %q: input not marked invalid or lost what was typed: %q", tc.name, attr(in, "value"))
		}
		if query(doc, `.error-summary a[href="#name"]`) == nil {
			t.Error("no error summary linking to the field")
		}
	}

	id := grpCreate(t, ann, "  IR 201 <spring>  ")
	doc = ann.page(groupPath(id), http.StatusOK)
	if got := text(query(doc, "h1")); got != "IR 201 <spring>" {
		t.Errorf("group page h1 %q", got)
	}
	if !strings.Contains(text(query(doc, ".notice")), "Group created") {
		t.Error("no notice after creating")
	}
	if got := text(query(doc, "#members + ul .role-badge")); got != "Teacher (owner)" {
		t.Errorf("owner's role %q", got)
	}
	if v := attr(query(doc, "#invite-url"), "value"); !strings.HasPrefix(v, app.ts.URL+"/join/") {
		t.Errorf("invite link %q", v)
	}
	if query(doc, `form[action$="/leave"]`) != nil {
		t.Error("the owner is offered to leave")
	}
	if query(doc, `a[href="/groups/`+strconv.FormatInt(id, 10)+`/documents/`+essaySlug+`"]`) == nil {
		t.Error("no link to the teacher's view")
	}
	// The notice is shown once.
	doc = ann.page(groupPath(id), http.StatusOK)
	if query(doc, ".notice") != nil {
		t.Error("notice shown twice")
	}
	doc = ann.page("/groups", http.StatusOK)
	if a := query(doc, `.group-list a[href="`+groupPath(id)+`"]`); text(a) != "IR 201 <spring>" {
		t.Errorf("groups list: %q", text(query(doc, ".group-list")))
	}
}

// TestGroupJoin: the invite link, signed in and signed out (sign in, or
// sign up, and come back joined); a stale code says the link is no longer
// valid.
func TestGroupJoin(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo")
	bo := cl.members[0]

	doc := bo.page(groupPath(cl.id), http.StatusOK)
	if !strings.Contains(text(query(doc, ".notice")), "Welcome to") {
		t.Errorf("no welcome notice: %q", text(query(doc, ".notice")))
	}
	if query(doc, "#invite-url") != nil || query(doc, `a[href*="/documents/"]`) != nil || query(doc, `a[href$="/flags"]`) != nil {
		t.Error("a member sees the invite link, the teacher's view or the flags")
	}
	if query(doc, `form[action$="/leave"]`) == nil {
		t.Error("a member cannot leave")
	}
	if query(doc, ".member-actions") != nil {
		t.Error("a member is offered member controls")
	}
	if a := query(doc, `a[href="/read/`+essaySlug+`?group=`+strconv.FormatInt(cl.id, 10)+`"]`); a == nil {
		t.Error("no link to read the document with the group")
	}
	// Joining again changes nothing.
	grpJoin(t, bo, cl.code, cl.id)
	if got := text(query(bo.page(groupPath(cl.id), http.StatusOK), ".notice")); !strings.Contains(got, "already") {
		t.Errorf("second join notice %q", got)
	}
	doc = cl.teacher.page(groupPath(cl.id), http.StatusOK)
	boID := grpUID(t, app, "bo")
	if got := text(query(doc, fmt.Sprintf("#member-%d .role-badge", boID))); got != "Member" {
		t.Errorf("teacher sees bo as %q", got)
	}

	// Signed out: sign in, then joined.
	cy := app.signUp(t, "cy")
	cy.postForm("/signout", nil).Body.Close()
	res := cy.get("/join/" + cl.code)
	readBody(res)
	next := "/join/" + cl.code
	if want := "/signin?next=" + url.QueryEscape(next); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Fatalf("signed-out join: %d → %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	doc = cy.page(res.Header.Get("Location"), http.StatusOK)
	if attr(query(doc, `input[name="next"]`), "value") != next {
		t.Error("sign-in form lost next")
	}
	if u, err := url.Parse(attr(query(doc, `main a[href^="/signup"]`), "href")); err != nil || u.Query().Get("next") != next {
		t.Errorf("sign-up link does not keep next: %v", u)
	}
	res = cy.postForm("/signin", url.Values{"name": {"cy"}, "password": {"correct horse"}, "next": {next}})
	readBody(res)
	if res.Header.Get("Location") != next {
		t.Fatalf("sign in went to %q", res.Header.Get("Location"))
	}
	grpJoin(t, cy, cl.code, cl.id)

	// Signed out, new here: sign up, then joined.
	dee := app.client(t)
	res = dee.postForm("/signup", url.Values{"name": {"dee"}, "password": {"correct horse"}, "password2": {"correct horse"}, "next": {next}})
	readBody(res)
	if res.Header.Get("Location") != next {
		t.Fatalf("sign up went to %q", res.Header.Get("Location"))
	}
	grpJoin(t, dee, cl.code, cl.id)
	dee.page(groupPath(cl.id), http.StatusOK)

	// A stale code.
	res = bo.get("/join/not-a-code")
	doc = parsePage(t, res, http.StatusNotFound)
	if !strings.Contains(text(query(doc, "main")), "no longer valid") {
		t.Errorf("stale link page: %q", text(query(doc, "main")))
	}
}

// A link on another site to /join/{code}, followed, must not put the
// visitor in the group: the GET shows the group and a form; only the
// form's POST, from this site, joins. Before, the GET joined, and
// SameSite=Lax sends the session cookie on such a navigation.
func TestJoinOnlyByConfirmingPost(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann")
	bo := app.signUp(t, "bo")
	boID := grpUID(t, app, "bo")
	member := func() bool {
		_, err := app.db.RoleOf(t.Context(), boID, cl.id)
		return err == nil
	}
	path := "/join/" + cl.code
	for _, site := range []string{"cross-site", "same-site", "none", "same-origin", ""} {
		res := bo.do("GET", path, nil, http.Header{"Sec-Fetch-Site": {site}, "Sec-Fetch-Mode": {"navigate"}})
		doc := parsePage(t, res, http.StatusOK)
		grpNoStyle(t, doc)
		if member() {
			t.Fatalf("a GET of the invite link (Sec-Fetch-Site %q) joined the group", site)
		}
		if got := text(query(doc, "h1")); got != "Join Seminar of ann?" {
			t.Errorf("invite page h1 %q", got)
		}
		if got := text(query(doc, "main")); !strings.Contains(got, "taught by ann") {
			t.Errorf("invite page does not say who teaches the group: %q", got)
		}
		form := query(doc, `main form[method="post"]`)
		if attr(form, "action") != path || text(query(form, `button[type="submit"]`)) != "Join Seminar of ann" {
			t.Errorf("invite page form: action %q, button %q", attr(form, "action"), text(query(form, "button")))
		}
	}
	// The form's POST from another site is refused, like every other.
	res := bo.do("POST", path, nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	readBody(res)
	if res.StatusCode != http.StatusForbidden || member() {
		t.Fatalf("cross-site POST: %d, member %v", res.StatusCode, member())
	}
	// From this site it joins, and says so on the group's page.
	if code, body := grpPost(bo, path, nil); code != http.StatusSeeOther || !member() {
		t.Fatalf("POST join: %d, member %v\n%s", code, member(), truncate(body, 500))
	}
	if got := text(query(bo.page(groupPath(cl.id), http.StatusOK), ".notice")); !strings.HasPrefix(got, "Welcome to Seminar of ann") {
		t.Errorf("notice after joining: %q", got)
	}
	// Once in, the link leads to the group; posting again changes nothing.
	res = bo.get(path)
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != groupPath(cl.id) {
		t.Errorf("member opens the link: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if code, _ := grpPost(bo, path, nil); code != http.StatusSeeOther {
		t.Errorf("member posts again: %d", code)
	}
	// Signed out, the POST too sends to sign in and back to the link.
	anon := app.client(t)
	res = anon.postForm(path, nil)
	readBody(res)
	if want := "/signin?next=" + url.QueryEscape(path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Errorf("signed-out POST: %d → %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	// A stale code: 404 on the page and on the form.
	for _, m := range []string{"GET", "POST"} {
		res := bo.do(m, "/join/not-a-code", nil, nil)
		readBody(res)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s of a stale code: %d", m, res.StatusCode)
		}
	}
}

// Removing someone offers a new invite link in the same step, checked by
// default: the removal record keeps out their account, but with the link
// they had they could come back under a new name. Unchecked, the link
// stays. The API does the same with ?rotate=1.
func TestRemoveMakesNewInviteLink(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee")
	ann := cl.teacher
	g := groupPath(cl.id)
	boID, cyID, deeID := grpUID(t, app, "bo"), grpUID(t, app, "cy"), grpUID(t, app, "dee")

	doc := ann.page(g, http.StatusOK)
	form := query(doc, fmt.Sprintf(`#member-%d form[action$="/remove"]`, boID))
	box := query(form, `input[type="checkbox"][name="rotate"]`)
	if box == nil || attr(box, "value") != "1" || !hasAttr(box, "checked") {
		t.Fatalf("the Remove form has no checked rotate box: %q", text(form))
	}
	if got := text(query(form, "label")); !strings.HasPrefix(got, "also make a new invite link") || !strings.Contains(got, "bo") {
		t.Errorf("rotate box label %q", got)
	}

	// As a browser submits the form: the box checked.
	res := ann.postForm(fmt.Sprintf("%s/members/%d/remove", g, boID), url.Values{"rotate": {"1"}})
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != g+"#invite" {
		t.Fatalf("remove with a new link: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := text(query(ann.page(g, http.StatusOK), ".notice")); !strings.Contains(got, "invite link is new") {
		t.Errorf("notice %q", got)
	}
	fresh := grpInvite(t, ann, cl.id)
	if fresh == cl.code {
		t.Fatal("removing bo with the box checked kept the invite code")
	}
	// bo, back under another name with the old link, finds it dead.
	bo2 := app.signUp(t, "bo2")
	res = bo2.get("/join/" + cl.code)
	readBody(res)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("old link after the removal: %d, want 404", res.StatusCode)
	}

	// Unchecked: the box is not sent, and the link stays.
	if code, _ := grpPost(ann, fmt.Sprintf("%s/members/%d/remove", g, cyID), nil); code != http.StatusSeeOther {
		t.Fatalf("remove cy: %d", code)
	}
	if got := grpInvite(t, ann, cl.id); got != fresh {
		t.Errorf("removing cy without the box changed the link")
	}

	// The API: ?rotate=1 makes a new one; a bad value is refused, nothing done.
	api := fmt.Sprintf("/api/groups/%d/members/%d", cl.id, deeID)
	if res := ann.apiJSON("DELETE", api+"?rotate=maybe", nil, nil, nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("rotate=maybe: %d, want 422", res.StatusCode)
	}
	if _, err := app.db.RoleOf(t.Context(), deeID, cl.id); err != nil {
		t.Fatalf("a refused request removed dee: %v", err)
	}
	if res := ann.apiJSON("DELETE", api+"?rotate=1", nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("API remove with rotate=1: %d", res.StatusCode)
	}
	if got := grpInvite(t, ann, cl.id); got == fresh {
		t.Error("API rotate=1 kept the invite code")
	}
	var removals int
	if err := app.db.SQL().QueryRow(`SELECT count(*) FROM removals WHERE group_id = ?`, cl.id).Scan(&removals); err != nil || removals != 3 {
		t.Errorf("%d removals recorded (%v), want 3", removals, err)
	}
}

// TestGroupRegenerateInvite: a new link stops the old one; members keep
// their place; members cannot make a new link.
func TestGroupRegenerateInvite(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo")
	bo := cl.members[0]
	if code, _ := grpPost(bo, groupPath(cl.id)+"/invite", nil); code != http.StatusForbidden {
		t.Fatalf("member regenerates: %d", code)
	}
	if code, _ := grpPost(cl.teacher, groupPath(cl.id)+"/invite", nil); code != http.StatusSeeOther {
		t.Fatalf("teacher regenerates: %d", code)
	}
	doc := cl.teacher.page(groupPath(cl.id), http.StatusOK)
	if !strings.Contains(text(query(doc, ".notice")), "old link no longer works") {
		t.Error("no notice after regenerating")
	}
	fresh := grpInvite(t, cl.teacher, cl.id)
	if fresh == cl.code {
		t.Fatal("the code did not change")
	}
	cy := app.signUp(t, "cy")
	res := cy.get("/join/" + cl.code)
	doc = parsePage(t, res, http.StatusNotFound)
	if !strings.Contains(text(doc), "no longer valid") {
		t.Error("old link's page does not say it is no longer valid")
	}
	cy.page(groupPath(cl.id), http.StatusNotFound)
	grpJoin(t, cy, fresh, cl.id)
	bo.page(groupPath(cl.id), http.StatusOK) // still in
}

// TestGroupMembershipRules walks the role rules through the page forms:
// teachers remove members and make co-teachers; only the owner removes a
// co-teacher or makes one a member again; nobody touches the owner; the
// owner cannot leave; members do none of it.
func TestGroupMembershipRules(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee", "eve")
	ann, bo, cy, dee, eve := cl.teacher, cl.members[0], cl.members[1], cl.members[2], cl.members[3]
	g := groupPath(cl.id)
	uid := func(name string) string { return strconv.FormatInt(grpUID(t, app, name), 10) }
	role := func(c *client, who, r string) (int, string) {
		return grpPost(c, g+"/members/"+uid(who)+"/role", url.Values{"role": {r}})
	}
	remove := func(c *client, who string) (int, string) { return grpPost(c, g+"/members/"+uid(who)+"/remove", nil) }
	roleOf := func(name string) store.Role {
		r, err := app.db.RoleOf(context.Background(), grpUID(t, app, name), cl.id)
		if err != nil {
			return ""
		}
		return r
	}

	// Members do nothing of the teachers'.
	if code, _ := role(cy, "dee", "teacher"); code != http.StatusForbidden {
		t.Errorf("member promotes: %d", code)
	}
	if code, _ := remove(cy, "dee"); code != http.StatusForbidden {
		t.Errorf("member removes: %d", code)
	}

	// The owner makes bo a co-teacher.
	if code, _ := role(ann, "bo", "teacher"); code != http.StatusSeeOther {
		t.Fatalf("owner promotes: %d", code)
	}
	if roleOf("bo") != store.RoleTeacher {
		t.Fatal("bo is not a teacher")
	}
	doc := ann.page(g, http.StatusOK)
	if !strings.Contains(text(query(doc, ".notice")), "bo is now a co-teacher") {
		t.Errorf("notice %q", text(query(doc, ".notice")))
	}
	if got := text(query(doc, "#member-"+uid("bo")+" .role-badge")); got != "Co-teacher" {
		t.Errorf("bo's badge %q", got)
	}

	// What bo, a co-teacher, is offered: promote and remove members; nothing
	// on the owner; no "make member" anywhere.
	doc = bo.page(g, http.StatusOK)
	if query(doc, "#member-"+uid("ann")+" form") != nil {
		t.Error("a co-teacher is offered controls on the owner")
	}
	if query(doc, "#member-"+uid("cy")+` form[action$="/remove"]`) == nil || query(doc, "#member-"+uid("cy")+` input[value="teacher"]`) == nil {
		t.Error("a co-teacher is not offered to remove or promote a member")
	}
	if query(doc, "#invite-url") == nil {
		t.Error("a co-teacher does not see the invite link")
	}

	// bo makes cy a co-teacher, but may not make cy a member again nor
	// remove cy; bo removes dee, a member.
	if code, _ := role(bo, "cy", "teacher"); code != http.StatusSeeOther {
		t.Fatalf("co-teacher promotes: %d", code)
	}
	doc = bo.page(g, http.StatusOK)
	if query(doc, "#member-"+uid("cy")+" form") != nil {
		t.Error("a co-teacher is offered controls on another co-teacher")
	}
	if code, _ := role(bo, "cy", "member"); code != http.StatusForbidden {
		t.Errorf("co-teacher demotes co-teacher: %d", code)
	}
	if code, _ := remove(bo, "cy"); code != http.StatusForbidden {
		t.Errorf("co-teacher removes co-teacher: %d", code)
	}
	if code, _ := remove(bo, "dee"); code != http.StatusSeeOther {
		t.Errorf("co-teacher removes member: %d", code)
	}
	if roleOf("dee") != "" {
		t.Error("dee is still in")
	}
	dee.page(g, http.StatusNotFound)

	// The owner makes cy a member again, and removes bo.
	if code, _ := role(ann, "cy", "member"); code != http.StatusSeeOther || roleOf("cy") != store.RoleMember {
		t.Errorf("owner demotes: %d, cy is %q", code, roleOf("cy"))
	}
	doc = ann.page(g, http.StatusOK)
	if query(doc, "#member-"+uid("bo")+` input[value="member"]`) == nil {
		t.Error("the owner is not offered to make a co-teacher a member")
	}
	if code, _ := remove(ann, "bo"); code != http.StatusSeeOther || roleOf("bo") != "" {
		t.Errorf("owner removes co-teacher: %d", code)
	}

	// Errors shown beside the form, on the group page, 422.
	promote := func(c *client, who string) {
		if code, _ := role(c, who, "teacher"); code != http.StatusSeeOther {
			t.Fatalf("promote %s: %d", who, code)
		}
	}
	promote(ann, "eve")
	code, body := role(eve, "ann", "member")
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("co-teacher demotes the owner: %d", code)
	}
	doc = grpParse(t, body)
	if got := text(query(doc, "#member-"+uid("ann")+" .field-error")); !strings.Contains(got, "creator") {
		t.Errorf("error beside the owner: %q", got)
	}
	if query(doc, `.error-summary a[href="#member-`+uid("ann")+`"]`) == nil {
		t.Error("no error summary")
	}
	if code, body = role(ann, "cy", "boss"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "not one of: teacher, member") {
		t.Errorf("bad role: %d", code)
	}
	if code, _ = remove(eve, "ann"); code != http.StatusUnprocessableEntity {
		t.Errorf("remove the owner: %d", code)
	}
	code, body = grpPost(ann, g+"/leave", nil)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("owner leaves: %d", code)
	}
	if got := text(query(grpParse(t, body), "#leave")); !strings.Contains(got, "cannot leave") {
		t.Errorf("owner's leave error %q", got)
	}
	if code, _ = remove(ann, "dee"); code != http.StatusNotFound {
		t.Errorf("remove a non-member: %d", code)
	}
	if code, _ = grpPost(ann, g+"/members/abc/remove", nil); code != http.StatusNotFound {
		t.Errorf("remove a malformed id: %d", code)
	}

	// cy leaves, through the form and back to /groups.
	res := cy.postForm(g+"/leave", nil)
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/groups" {
		t.Fatalf("leave: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	doc = cy.page("/groups", http.StatusOK)
	if !strings.Contains(text(query(doc, ".notice")), "You left") || query(doc, ".group-list") != nil {
		t.Error("after leaving: no notice, or the group is still listed")
	}
	cy.page(g, http.StatusNotFound)
	// A co-teacher may leave too (removing oneself is leaving).
	if code, _ := remove(eve, "eve"); code != http.StatusSeeOther || roleOf("eve") != "" {
		t.Errorf("co-teacher leaves through remove: %d", code)
	}
}

// TestGroupOutsiders: a group exists only for its members: outsiders get
// the same 404 as for an id that is no group, on every page and form;
// members get 403 on the teachers' pages and forms; signed-out readers are
// sent to sign in.
func TestGroupOutsiders(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo")
	bo := cl.members[0]
	out := app.signUp(t, "zed")
	anon := app.client(t)
	g := groupPath(cl.id)
	doc := g + "/documents/" + essaySlug
	annID := strconv.FormatInt(grpUID(t, app, "ann"), 10)

	gets := []string{g, g + "/flags", doc, doc + "/heat.csv", doc + "/participation.csv"}
	posts := []string{g + "/invite", g + "/leave", g + "/members/" + annID + "/remove", g + "/members/" + annID + "/role", doc + "/post-first", g + "/flags/1/resolve"}
	notFound := text(query(out.page("/groups/999999", http.StatusNotFound), "main"))
	for _, p := range gets {
		res := out.get(p)
		body := readBody(res)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("outsider GET %s: %d", p, res.StatusCode)
		} else if got := text(query(grpParse(t, body), "main")); got != notFound {
			t.Errorf("outsider GET %s: %q, differs from a missing group's %q", p, got, notFound)
		}
		if strings.Contains(body, "Seminar of ann") {
			t.Errorf("outsider GET %s: the group's name leaks", p)
		}
	}
	for _, p := range posts {
		if code, _ := grpPost(out, p, url.Values{"role": {"teacher"}, "on": {"1"}}); code != http.StatusNotFound {
			t.Errorf("outsider POST %s: %d", p, code)
		}
	}
	for _, p := range gets[1:] {
		if res := bo.get(p); res.StatusCode != http.StatusForbidden {
			t.Errorf("member GET %s: %d", p, res.StatusCode)
		} else {
			readBody(res)
		}
	}
	for _, p := range []string{g + "/invite", g + "/members/" + annID + "/role", doc + "/post-first", g + "/flags/1/resolve"} {
		if code, _ := grpPost(bo, p, url.Values{"role": {"teacher"}, "on": {"1"}}); code != http.StatusForbidden {
			t.Errorf("member POST %s: %d", p, code)
		}
	}
	for _, p := range []string{g, g + "/flags", doc} {
		res := anon.get(p)
		readBody(res)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
			t.Errorf("signed-out GET %s: %d → %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, p := range []string{"/groups/abc", "/groups/0", g + "/documents/no-such-essay"} {
		if res := cl.teacher.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		} else {
			readBody(res)
		}
	}
}

// TestGroupPostFirst toggles post first for a document through the page.
func TestGroupPostFirst(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo")
	g := groupPath(cl.id)
	action := g + "/documents/" + essaySlug + "/post-first"
	docID := app.essay(t).ID
	ctx := context.Background()

	doc := cl.teacher.page(g, http.StatusOK)
	form := query(doc, `form[action="`+action+`"]`)
	if form == nil || attr(query(form, `input[name="on"]`), "value") != "1" || !strings.Contains(text(form), "Turn post first on") {
		t.Fatalf("no form to turn post first on: %q", text(form))
	}
	if code, _ := grpPost(cl.teacher, action, url.Values{"on": {"1"}}); code != http.StatusSeeOther {
		t.Fatalf("turn on: %d", code)
	}
	if on, _ := app.db.PostFirst(ctx, cl.id, docID); !on {
		t.Fatal("post first is not on")
	}
	if locked, _ := app.db.Locked(ctx, grpUID(t, app, "bo"), cl.id, docID); !locked {
		t.Error("bo is not locked out of peers' notes")
	}
	doc = cl.teacher.page(g, http.StatusOK)
	if !strings.Contains(text(query(doc, ".notice")), "Post first is on") {
		t.Error("no notice")
	}
	form = query(doc, `form[action="`+action+`"]`)
	if attr(query(form, `input[name="on"]`), "value") != "0" || !strings.Contains(text(form), "Turn post first off") {
		t.Errorf("form after turning on: %q", text(form))
	}
	if !strings.Contains(text(query(cl.members[0].page(g, http.StatusOK), "#doc-"+essaySlug)), "Post first") {
		t.Error("members are not told post first is on")
	}
	if code, _ := grpPost(cl.teacher, action, url.Values{"on": {"0"}}); code != http.StatusSeeOther {
		t.Fatalf("turn off: %d", code)
	}
	if on, _ := app.db.PostFirst(ctx, cl.id, docID); on {
		t.Fatal("post first is still on")
	}
	code, body := grpPost(cl.teacher, action, url.Values{"on": {"maybe"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad value: %d", code)
	}
	if got := text(query(grpParse(t, body), "#doc-"+essaySlug+" .field-error")); got == "" {
		t.Error("no error beside the document")
	}
	if code, _ := grpPost(cl.members[0], action, url.Values{"on": {"1"}}); code != http.StatusForbidden {
		t.Errorf("member toggles: %d", code)
	}
}

// TestGroupCounts: the group page counts the group's notes each viewer may
// see, replies included.
func TestGroupCounts(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy")
	p := app.paragraph(t, 0).Anchor
	n := grpNote(t, app, cl.members[0], p, store.Members, cl.id, "for the group", false)
	grpReply(t, app, cl.members[1], n.ID, "a reply")
	grpNote(t, app, cl.members[0], p, store.Teachers, cl.id, "for the teachers", false)
	grpNote(t, app, cl.members[0], p, store.Public, 0, "public, not the group's", false)
	for _, tc := range []struct {
		c    *client
		want string
	}{{cl.teacher, "3 notes"}, {cl.members[0], "3 notes"}, {cl.members[1], "2 notes"}} {
		doc := tc.c.page(groupPath(cl.id), http.StatusOK)
		if got := text(query(doc, "#doc-"+essaySlug+" .meta")); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s sees %q, want %q", tc.c.name, got, tc.want)
		}
	}
}

// TestGroupFlags: the teachers' list of open flags and resolving one.
func TestGroupFlags(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy")
	other := grpNewClass(t, app, "olga", "oz")
	ctx := context.Background()
	p := app.paragraph(t, 1).Anchor
	n := grpNote(t, app, cl.members[0], p, store.Members, cl.id, "Something *rude*", false)
	if err := app.db.FlagNote(ctx, grpUID(t, app, "cy"), n.ID, "=HYPERLINK(\"x\") off topic"); err != nil {
		t.Fatal(err)
	}
	on := grpNote(t, app, other.members[0], p, store.Members, other.id, "elsewhere", false)
	if err := app.db.FlagNote(ctx, grpUID(t, app, "olga"), on.ID, "other group's"); err != nil {
		t.Fatal(err)
	}
	flags, _ := app.db.OpenFlags(ctx, grpUID(t, app, "olga"), other.id)
	otherFlag := strconv.FormatInt(flags[0].ID, 10)

	doc := cl.teacher.page(groupPath(cl.id), http.StatusOK)
	if got := text(query(doc, `a[href$="/flags"]`)); got != "1 open flag" {
		t.Errorf("group page flag link %q", got)
	}
	doc = cl.teacher.page(groupPath(cl.id)+"/flags", http.StatusOK)
	items := queryAll(doc, ".flag-list > li")
	if len(items) != 1 {
		t.Fatalf("%d flags listed, want 1", len(items))
	}
	li := items[0]
	if got := text(query(li, ".flag-head")); !strings.Contains(got, "cy flagged a note by bo") {
		t.Errorf("flag head %q", got)
	}
	if got := text(query(li, ".flag-reason")); got != `=HYPERLINK("x") off topic` {
		t.Errorf("reason %q", got)
	}
	if query(li, ".note-body em") == nil {
		t.Error("note body not rendered as Markdown")
	}
	if query(li, `a[href="/notes/`+n.ID+`"]`) == nil {
		t.Error("no link to the note")
	}
	action := attr(query(li, "form"), "action")
	if code, _ := grpPost(cl.teacher, groupPath(cl.id)+"/flags/"+otherFlag+"/resolve", nil); code != http.StatusNotFound {
		t.Errorf("resolve another group's flag: %d", code)
	}
	if code, _ := grpPost(cl.members[0], action, nil); code != http.StatusForbidden {
		t.Errorf("member resolves: %d", code)
	}
	if code, _ := grpPost(cl.teacher, action, nil); code != http.StatusSeeOther {
		t.Fatalf("resolve: %d", code)
	}
	doc = cl.teacher.page(groupPath(cl.id)+"/flags", http.StatusOK)
	if query(doc, ".flag-list") != nil || !strings.Contains(text(query(doc, ".notice")), "Flag resolved") {
		t.Error("after resolving: still listed, or no notice")
	}
	if code, _ := grpPost(cl.teacher, action, nil); code != http.StatusNotFound {
		t.Errorf("resolve twice: %d", code)
	}
}

// TestBrowserGroupScreenshots renders the group pages in Chromium at 1280
// and 390 px: no console errors (the CSP reports inline styles there),
// nothing wider than the screen, and screenshots for a person to look at.
// The group page has someone on its removed list, who then follows the
// invite link to the page saying they were removed.
func TestBrowserGroupScreenshots(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee")
	grpInsightsSeed(t, app, cl)
	if code, _ := grpPost(cl.teacher, groupPath(cl.id)+"/members/"+strconv.FormatInt(grpUID(t, app, "bo"), 10)+"/role", url.Values{"role": {"teacher"}}); code != http.StatusSeeOther {
		t.Fatal("promote bo")
	}
	cl.teacher.page(groupPath(cl.id), http.StatusOK) // the redirect's page shows the notice
	ctx := context.Background()
	flagged := grpNote(t, app, cl.members[1], app.paragraph(t, 3).Anchor, store.Members, cl.id, "This paragraph is **boring** and so is everyone who likes it.", false)
	if err := app.db.FlagNote(ctx, grpUID(t, app, "dee"), flagged.ID, "Rude to the rest of us."); err != nil {
		t.Fatal(err)
	}
	reply := grpReply(t, app, cl.members[2], flagged.ID, "No need for that.")
	if err := app.db.FlagNote(ctx, grpUID(t, app, "cy"), reply.ID, "Piling on."); err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.Hide(ctx, grpUID(t, app, "ann"), flagged.ID, "Be kind."); err != nil {
		t.Fatal(err)
	}
	eve := app.signUp(t, "evangeline.montgomery-whitfield")
	grpJoin(t, eve, cl.code, cl.id)
	if err := app.db.RemoveMember(ctx, grpUID(t, app, "bo"), cl.id, grpUID(t, app, eve.name)); err != nil {
		t.Fatal(err)
	}
	fay := app.signUp(t, "fay") // invited, not in yet
	dir := screenshotDir(t)
	g := groupPath(cl.id)
	pages := []struct{ name, path string }{
		{"groups", "/groups"}, {"group", g}, {"insights", g + "/documents/" + essaySlug}, {"flags", g + "/flags"},
	}
	for _, tc := range []struct {
		name          string
		width, height int
		opts          []browserOption
	}{
		{"1280", 1280, 1000, nil},
		{"390", 390, 844, []browserOption{asPhone()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, app, append(tc.opts, withViewport(tc.width, tc.height))...)
			b.signInAs(cl.teacher)
			for _, p := range pages {
				b.navigate(p.path)
				if w := eval[int](b, `document.documentElement.scrollWidth`); w > tc.width {
					t.Errorf("%s is %d px wide in a %d px window", p.path, w, tc.width)
				}
				saveScreenshot(t, dir, fmt.Sprintf("%s-%s-top.png", p.name, tc.name), run(b, chromedp.CaptureScreenshot()))
				saveScreenshot(t, dir, fmt.Sprintf("%s-%s.png", p.name, tc.name), run(b, chromedp.FullScreenshot(100)))
			}
			b.signInAs(eve)
			b.allowLoadError(http.StatusForbidden, "/join/"+cl.code)
			b.navigate("/join/" + cl.code)
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > tc.width {
				t.Errorf("the removed person's join page is %d px wide in a %d px window", w, tc.width)
			}
			saveScreenshot(t, dir, fmt.Sprintf("join-removed-%s.png", tc.name), run(b, chromedp.FullScreenshot(100)))
			b.signInAs(fay)
			b.navigate("/join/" + cl.code)
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > tc.width {
				t.Errorf("the invite page is %d px wide in a %d px window", w, tc.width)
			}
			saveScreenshot(t, dir, fmt.Sprintf("join-%s.png", tc.name), run(b, chromedp.FullScreenshot(100)))
		})
	}
}
