package web

// Removals: someone a teacher removed stays out of the group; the invite
// link answers them 403 until a teacher lets them back in.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// grpRemovedPageSaysOnlyThat checks the join page a removed person gets:
// 403, the message, and nothing of the group.
func grpRemovedPageSaysOnlyThat(t *testing.T, res *http.Response, cl grpClass, secrets ...string) {
	t.Helper()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("removed person's join: %d (location %q), want 403", res.StatusCode, res.Header.Get("Location"))
	}
	body := readBody(res)
	doc := grpParse(t, body)
	main := text(query(doc, "main"))
	for _, want := range []string{"A teacher removed you from this group", "invite link no longer lets you in", "ask one of its teachers"} {
		if !strings.Contains(main, want) {
			t.Errorf("join page does not say %q: %q", want, main)
		}
	}
	if got := text(query(doc, "h1")); !strings.Contains(got, "403") || !strings.Contains(got, "removed") {
		t.Errorf("join page h1 %q", got)
	}
	for _, s := range append([]string{"Seminar of", groupPath(cl.id), "?group=", "Let back in"}, secrets...) {
		if strings.Contains(body, s) {
			t.Errorf("the removed person's join page shows %q", s)
		}
	}
	// Links: only the site's own (library, groups, sign out...), none into
	// the group.
	for _, a := range queryAll(doc, "main a") {
		if href := attr(a, "href"); href != "/" {
			t.Errorf("join page links to %q", href)
		}
	}
}

// TestGroupRemovalKeepsOut walks the whole flow through the pages, as
// readers without JavaScript: a teacher removes bo; bo's invite link (and
// a new one) answers 403 saying why and nothing more, signed in or after
// signing in; the teachers see bo under Removed; members see no list and
// may not use the form; outsiders get 404; a co-teacher lets bo back in;
// bo joins with the link.
func TestGroupRemovalKeepsOut(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee")
	ann, bo, cy, dee := cl.teacher, cl.members[0], cl.members[1], cl.members[2]
	zed := app.signUp(t, "zed")
	anon := app.client(t)
	g := groupPath(cl.id)
	boID := strconv.FormatInt(grpUID(t, app, "bo"), 10)
	deeID := strconv.FormatInt(grpUID(t, app, "dee"), 10)
	letBack := func(id string) string { return g + "/removals/" + id + "/let-back-in" }
	if code, _ := grpPost(ann, g+"/members/"+grpUIDs(t, app, "cy")+"/role", url.Values{"role": {"teacher"}}); code != http.StatusSeeOther {
		t.Fatalf("make cy a co-teacher: %d", code)
	}
	secret := "Rubric only the group sees"
	if code, _ := grpPost(ann, g+"/tags", url.Values{"tags": {secret}}); code != http.StatusSeeOther {
		t.Fatalf("suggest tags: %d", code)
	}

	// Before anyone is removed, the teachers' list says so.
	doc := ann.page(g, http.StatusOK)
	if got := text(query(doc, "#removed ~ .meta")); !strings.Contains(got, "Nobody has been removed") {
		t.Errorf("empty removed list: %q", got)
	}

	// ann removes bo.
	before := time.Now().Add(-time.Second)
	if code, _ := grpPost(ann, g+"/members/"+boID+"/remove", nil); code != http.StatusSeeOther {
		t.Fatalf("remove bo: %d", code)
	}
	doc = ann.page(g, http.StatusOK)
	if got := text(query(doc, ".notice")); !strings.Contains(got, "bo is no longer in the group") || !strings.Contains(got, "invite link will not let them back in") {
		t.Errorf("notice after removing: %q", got)
	}
	if query(doc, "#member-"+boID) != nil {
		t.Error("bo is still listed as a member")
	}
	li := query(doc, "ul.removed-list #removed-"+boID)
	if li == nil {
		t.Fatalf("bo is not under Removed: %q", text(query(doc, "main")))
	}
	if got := text(query(li, ".member-name")); got != "bo" {
		t.Errorf("removed name %q", got)
	}
	if got := text(li); !strings.Contains(got, "by you") {
		t.Errorf("ann's removed list does not say she removed bo: %q", got)
	}
	when, err := time.Parse(time.RFC3339, attr(query(li, "time"), "datetime"))
	if err != nil || when.Before(before.Truncate(time.Second)) || when.After(time.Now()) {
		t.Errorf("removed at %q (%v)", attr(query(li, "time"), "datetime"), err)
	}
	form := query(li, "form")
	if attr(form, "method") != "post" || attr(form, "action") != letBack(boID) {
		t.Errorf("let back in form: %s %q", attr(form, "method"), attr(form, "action"))
	}
	if got := text(query(form, "button")); got != "Let back in: bo" {
		t.Errorf("let back in button %q", got)
	}
	// The co-teacher sees who removed bo.
	if got := text(query(cy.page(g, http.StatusOK), "#removed-"+boID)); !strings.Contains(got, "by ann") {
		t.Errorf("co-teacher's removed list: %q", got)
	}

	// bo's invite link: 403, the reason, nothing of the group; the group
	// is not there for bo at all.
	grpRemovedPageSaysOnlyThat(t, bo.get("/join/"+cl.code), cl, secret)
	bo.page(g, http.StatusNotFound)
	if code, _ := grpPost(bo, letBack(boID), nil); code != http.StatusNotFound {
		t.Errorf("bo lets himself back in: %d", code)
	}
	// Still out after signing out and in again through the link.
	bo.postForm("/signout", nil).Body.Close()
	next := "/join/" + cl.code
	res := bo.get(next)
	readBody(res)
	if want := "/signin?next=" + url.QueryEscape(next); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Fatalf("signed-out join: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = bo.postForm("/signin", url.Values{"name": {"bo"}, "password": {"correct horse"}, "next": {next}})
	readBody(res)
	if res.Header.Get("Location") != next {
		t.Fatalf("sign in went to %q", res.Header.Get("Location"))
	}
	grpRemovedPageSaysOnlyThat(t, bo.get(next), cl, secret)
	// A new invite link does not let bo in either; it still works for others.
	if code, _ := grpPost(ann, g+"/invite", nil); code != http.StatusSeeOther {
		t.Fatalf("new link: %d", code)
	}
	cl.code = grpInvite(t, ann, cl.id)
	grpRemovedPageSaysOnlyThat(t, bo.get("/join/"+cl.code), cl, secret)
	eve := app.signUp(t, "eve")
	grpJoin(t, eve, cl.code, cl.id)

	// Members see no list and may not use the form; outsiders and signed-out
	// readers find nothing.
	doc = dee.page(g, http.StatusOK)
	if query(doc, "#removed") != nil || query(doc, `form[action*="/removals/"]`) != nil || strings.Contains(text(query(doc, "main")), "Removed") {
		t.Error("a member sees the removed list")
	}
	for _, tc := range []struct {
		who  *client
		want int
	}{{dee, http.StatusForbidden}, {zed, http.StatusNotFound}, {anon, http.StatusUnauthorized}} {
		code, body := grpPost(tc.who, letBack(boID), nil)
		if code != tc.want {
			t.Errorf("%q lets bo back in: %d, want %d", tc.who.name, code, tc.want)
		}
		if strings.Contains(body, "Seminar of") {
			t.Errorf("%q: the answer names the group", tc.who.name)
		}
	}
	if got := text(query(ann.page(g, http.StatusOK), "#removed-"+boID)); got == "" {
		t.Fatal("a refused let back in changed the list")
	}

	// Letting back in someone not on the list: the page again, the problem
	// beside the list, 404.
	for _, id := range []string{deeID, "999999"} {
		code, body := grpPost(cy, letBack(id), nil)
		if code != http.StatusNotFound {
			t.Fatalf("let back in %s, never removed: %d", id, code)
		}
		doc := grpParse(t, body)
		if got := text(query(doc, "#removed ~ .field-error")); !strings.Contains(got, "not on this group's removed list") {
			t.Errorf("error beside the list: %q", got)
		}
		if query(doc, `.error-summary a[href="#removed"]`) == nil {
			t.Error("no error summary linking to the list")
		}
	}
	if code, _ := grpPost(cy, letBack("abc"), nil); code != http.StatusNotFound {
		t.Errorf("malformed id: %d", code)
	}

	// cy, a co-teacher, lets bo back in (ann removed him: any teacher may).
	res = cy.postForm(letBack(boID), nil)
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != g+"#removed" {
		t.Fatalf("let back in: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	doc = cy.page(g, http.StatusOK)
	if got := text(query(doc, ".notice")); !strings.Contains(got, "bo may join again with the invite link") {
		t.Errorf("notice after letting back in: %q", got)
	}
	if query(doc, "#removed-"+boID) != nil || !strings.Contains(text(query(doc, "#removed ~ .meta")), "Nobody has been removed") {
		t.Error("bo is still under Removed")
	}
	// Not a member until bo uses the link.
	if query(doc, "#member-"+boID) != nil {
		t.Error("letting back in made bo a member")
	}
	bo.page(g, http.StatusNotFound)
	// Twice: not on the list any more.
	if code, _ := grpPost(ann, letBack(boID), nil); code != http.StatusNotFound {
		t.Errorf("let back in twice: %d", code)
	}
	grpJoin(t, bo, cl.code, cl.id)
	if got := text(query(bo.page(g, http.StatusOK), ".notice")); !strings.Contains(got, "Welcome to") {
		t.Errorf("bo's welcome: %q", got)
	}

	// Leaving records nothing: dee leaves and comes back with the link.
	if code, _ := grpPost(dee, g+"/leave", nil); code != http.StatusSeeOther {
		t.Fatalf("dee leaves: %d", code)
	}
	if query(ann.page(g, http.StatusOK), "#removed-"+deeID) != nil {
		t.Error("leaving put dee under Removed")
	}
	grpJoin(t, dee, cl.code, cl.id)
}

func grpUIDs(t testing.TB, a *testApp, name string) string {
	return strconv.FormatInt(grpUID(t, a, name), 10)
}

type grpAPIRemoval struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	RemovedAt string `json:"removedAt"`
	RemovedBy struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"removedBy"`
	LetBackIn string `json:"letBackIn"`
}

// TestAPIGroupRemovals: the same flow through the API: DELETE a member
// records the removal; joining answers 403; the teachers' group JSON lists
// the removal (members' has no such key); DELETE on the removal lets them
// back in (204, then 404).
func TestAPIGroupRemovals(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy")
	ann, bo, cy := cl.teacher, cl.members[0], cl.members[1]
	zed := app.signUp(t, "zed")
	anon := app.client(t)
	g := "/api/groups/" + strconv.FormatInt(cl.id, 10)
	boID, annID := grpUID(t, app, "bo"), grpUID(t, app, "ann")
	removal := func(name string) string { return g + "/removals/" + grpUIDs(t, app, name) }

	// groupKeys reads the group JSON as c, raw, to see which keys exist.
	groupKeys := func(c *client) (int, map[string]json.RawMessage) {
		t.Helper()
		var raw map[string]json.RawMessage
		res := c.apiJSON("GET", g, nil, nil, &raw)
		return res.StatusCode, raw
	}
	if _, raw := groupKeys(ann); string(raw["removed"]) != "[]" {
		t.Errorf("teacher's removed list before any removal: %s", raw["removed"])
	}

	before := time.Now().Add(-time.Second)
	if res := ann.apiJSON("DELETE", g+"/members/"+grpUIDs(t, app, "bo"), nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("remove bo: %d", res.StatusCode)
	}
	var e grpAPIError
	res := bo.apiJSON("POST", "/api/join/"+cl.code, nil, nil, &e)
	if res.StatusCode != http.StatusForbidden || e.Status != http.StatusForbidden || !strings.Contains(e.Error, "A teacher removed you from this group") {
		t.Errorf("removed bo joins: %d %+v", res.StatusCode, e)
	}
	if strings.Contains(e.Error, "Seminar of") {
		t.Error("the refusal names the group")
	}
	if res := bo.apiJSON("GET", g, nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("removed bo reads the group: %d", res.StatusCode)
	}

	// The teacher's JSON lists bo; a member's has no "removed" at all.
	var tg struct {
		grpAPIGroup
		Removed []grpAPIRemoval `json:"removed"`
	}
	if res := ann.apiJSON("GET", g, nil, nil, &tg); res.StatusCode != http.StatusOK || len(tg.Removed) != 1 {
		t.Fatalf("teacher's group: %d %+v", res.StatusCode, tg.Removed)
	}
	rm := tg.Removed[0]
	when, err := time.Parse(time.RFC3339, rm.RemovedAt)
	if rm.ID != boID || rm.Name != "bo" || rm.RemovedBy.ID != annID || rm.RemovedBy.Name != "ann" ||
		rm.LetBackIn != app.ts.URL+removal("bo") || err != nil || when.Before(before.Truncate(time.Second)) || when.After(time.Now()) {
		t.Errorf("removal %+v (%v)", rm, err)
	}
	for _, m := range tg.Members {
		if m.Name == "bo" {
			t.Error("bo is still a member")
		}
	}
	if st, raw := groupKeys(cy); st != http.StatusOK || raw["removed"] != nil {
		t.Errorf("member's group JSON: %d, removed = %s", st, raw["removed"])
	}
	var list struct {
		Groups []map[string]json.RawMessage `json:"groups"`
	}
	ann.apiJSON("GET", "/api/groups", nil, nil, &list)
	if len(list.Groups) != 1 || list.Groups[0]["removed"] != nil {
		t.Errorf("the groups list carries removals: %+v", list.Groups)
	}

	// Letting back in: teachers only, a removal that exists only.
	for _, tc := range []struct {
		who  *client
		path string
		want int
	}{
		{anon, removal("bo"), http.StatusUnauthorized},
		{zed, removal("bo"), http.StatusNotFound},
		{bo, removal("bo"), http.StatusNotFound},
		{cy, removal("bo"), http.StatusForbidden},
		{ann, removal("cy"), http.StatusNotFound}, // never removed
		{ann, g + "/removals/999999", http.StatusNotFound},
		{ann, g + "/removals/abc", http.StatusNotFound},
		{ann, "/api/groups/999999/removals/" + grpUIDs(t, app, "bo"), http.StatusNotFound},
	} {
		var e grpAPIError
		if res := tc.who.apiJSON("DELETE", tc.path, nil, nil, &e); res.StatusCode != tc.want || e.Status != tc.want {
			t.Errorf("%q DELETE %s: %d %+v, want %d", tc.who.name, tc.path, res.StatusCode, e, tc.want)
		}
	}
	e = grpAPIError{}
	ann.apiJSON("DELETE", removal("cy"), nil, nil, &e)
	if !strings.Contains(e.Error, "not on this group's removed list") {
		t.Errorf("404 says %q", e.Error)
	}
	if res := ann.apiJSON("DELETE", removal("bo"), nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("let bo back in: %d", res.StatusCode)
	}
	if res := ann.apiJSON("DELETE", removal("bo"), nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("let back in twice: %d", res.StatusCode)
	}
	if _, raw := groupKeys(ann); string(raw["removed"]) != "[]" {
		t.Errorf("removed list after letting back in: %s", raw["removed"])
	}
	// Not a member until bo joins; then a member.
	if res := bo.apiJSON("GET", g, nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("let back in, bo reads the group: %d", res.StatusCode)
	}
	var joined grpAPIGroup
	if res := bo.apiJSON("POST", "/api/join/"+cl.code, nil, nil, &joined); res.StatusCode != http.StatusOK || joined.Role != "member" {
		t.Errorf("bo joins again: %d %+v", res.StatusCode, joined)
	}

	// Leaving through the API records nothing.
	if res := cy.apiJSON("DELETE", g+"/members/"+grpUIDs(t, app, "cy"), nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("cy leaves: %d", res.StatusCode)
	}
	if res := cy.apiJSON("POST", "/api/join/"+cl.code, nil, nil, nil); res.StatusCode != http.StatusOK {
		t.Errorf("cy comes back after leaving: %d", res.StatusCode)
	}
}
