package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"glossa/store"
)

type grpAPIGroup struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Owner   bool   `json:"owner"`
	URL     string `json:"url"`
	Page    string `json:"page"`
	Created string `json:"created"`
	Invite  *struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	} `json:"invite"`
	Members []struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Role  string `json:"role"`
		Owner bool   `json:"owner"`
	} `json:"members"`
	Documents []struct {
		Slug      string `json:"slug"`
		Title     string `json:"title"`
		Notes     int    `json:"notes"`
		PostFirst bool   `json:"postFirst"`
		Read      string `json:"read"`
		Insights  string `json:"insights"`
	} `json:"documents"`
}

type grpAPIError struct {
	Error  string            `json:"error"`
	Status int               `json:"status"`
	Fields map[string]string `json:"fields"`
}

func grpJSONHeader() http.Header {
	return http.Header{"Accept": {"application/json"}, "Content-Type": {"application/json"}}
}

// TestAPIGroupsCreateAndJoin: create (with field errors), list, read, join
// by code, and what members and outsiders see.
func TestAPIGroupsCreateAndJoin(t *testing.T) {
	app := newApp(t)
	anon := app.client(t)
	if res := anon.apiJSON("GET", "/api/groups", nil, nil, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d", res.StatusCode)
	}
	ann := app.signUp(t, "ann")
	var list struct {
		Groups []grpAPIGroup `json:"groups"`
	}
	if res := ann.apiJSON("GET", "/api/groups", nil, nil, &list); res.StatusCode != http.StatusOK || list.Groups == nil || len(list.Groups) != 0 {
		t.Fatalf("empty list: %d %+v", res.StatusCode, list)
	}

	for _, tc := range []struct {
		body any
		want string
	}{
		{map[string]any{}, "name"},
		{map[string]any{"name": " "}, "name"},
		{map[string]any{"name": strings.Repeat("é", 101)}, "name"},
	} {
		var e grpAPIError
		res := ann.apiJSON("POST", "/api/groups", tc.body, grpJSONHeader(), &e)
		if res.StatusCode != http.StatusUnprocessableEntity || e.Fields[tc.want] == "" {
			t.Errorf("create %v: %d %+v", tc.body, res.StatusCode, e)
		}
	}
	res := ann.do("POST", "/api/groups", strings.NewReader(`name=x`), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	readBody(res)
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form body: %d", res.StatusCode)
	}
	res = ann.do("POST", "/api/groups", strings.NewReader(`{"name":`), grpJSONHeader())
	readBody(res)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("broken JSON: %d", res.StatusCode)
	}

	var g grpAPIGroup
	res = ann.apiJSON("POST", "/api/groups", map[string]any{"name": "Seminar"}, grpJSONHeader(), &g)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	if loc := res.Header.Get("Location"); loc != app.ts.URL+"/api/groups/"+strconv.FormatInt(g.ID, 10) || g.URL != loc {
		t.Errorf("Location %q, url %q", loc, g.URL)
	}
	if g.Name != "Seminar" || g.Role != "teacher" || !g.Owner || g.Invite == nil || g.Invite.URL != app.ts.URL+"/join/"+g.Invite.Code {
		t.Errorf("created group %+v", g)
	}
	if len(g.Members) != 1 || g.Members[0].Name != "ann" || !g.Members[0].Owner {
		t.Errorf("members %+v", g.Members)
	}
	if len(g.Documents) == 0 || g.Documents[0].Insights == "" || !strings.Contains(g.Documents[0].Read, "?group=") {
		t.Errorf("documents %+v", g.Documents)
	}
	ann.apiJSON("GET", "/api/groups", nil, nil, &list)
	if len(list.Groups) != 1 || list.Groups[0].ID != g.ID || list.Groups[0].Invite == nil {
		t.Errorf("list %+v", list)
	}

	bo := app.signUp(t, "bo")
	var joined grpAPIGroup
	if res := bo.apiJSON("POST", "/api/join/"+g.Invite.Code, nil, nil, &joined); res.StatusCode != http.StatusOK {
		t.Fatalf("join: %d", res.StatusCode)
	}
	if joined.ID != g.ID || joined.Role != "member" || joined.Owner || joined.Invite != nil || len(joined.Members) != 2 {
		t.Errorf("joined %+v", joined)
	}
	if joined.Documents[0].Insights != "" {
		t.Error("a member is given the teacher's view")
	}
	// Joining twice changes nothing.
	if res := bo.apiJSON("POST", "/api/join/"+g.Invite.Code, nil, nil, &joined); res.StatusCode != http.StatusOK || joined.Role != "member" {
		t.Errorf("join again: %d", res.StatusCode)
	}
	var bl struct {
		Groups []grpAPIGroup `json:"groups"`
	}
	bo.apiJSON("GET", "/api/groups", nil, nil, &bl)
	if len(bl.Groups) != 1 || bl.Groups[0].Invite != nil {
		t.Errorf("member's list %+v", bl)
	}
	var e grpAPIError
	if res := bo.apiJSON("POST", "/api/join/stale", nil, nil, &e); res.StatusCode != http.StatusNotFound || !strings.Contains(e.Error, "no longer valid") {
		t.Errorf("stale join: %d %q", res.StatusCode, e.Error)
	}
	if res := anon.apiJSON("POST", "/api/join/"+g.Invite.Code, nil, nil, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed-out join: %d", res.StatusCode)
	}

	zed := app.signUp(t, "zed")
	path := "/api/groups/" + strconv.FormatInt(g.ID, 10)
	var missing, outsider grpAPIError
	zed.apiJSON("GET", "/api/groups/999999", nil, nil, &missing)
	if res := zed.apiJSON("GET", path, nil, nil, &outsider); res.StatusCode != http.StatusNotFound || outsider.Error != missing.Error || outsider.Status != missing.Status {
		t.Errorf("outsider: %d %+v (missing group: %+v)", res.StatusCode, outsider, missing)
	}

	// A token works as the session does.
	tok := store.NewToken()
	if err := app.db.CreateToken(context.Background(), grpUID(t, app, "bo"), store.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	script := app.client(t)
	var viaToken grpAPIGroup
	if res := script.apiJSON("GET", path, nil, http.Header{"Authorization": {"Bearer " + tok}}, &viaToken); res.StatusCode != http.StatusOK || viaToken.Role != "member" {
		t.Errorf("token: %d %+v", res.StatusCode, viaToken)
	}
}

// TestAPIGroupsRoles: invite, members, roles and post first through the
// API follow the same rules as the pages.
func TestAPIGroupsRoles(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy", "dee")
	ann, bo, cy := cl.teacher, cl.members[0], cl.members[1]
	zed := app.signUp(t, "zed")
	g := "/api/groups/" + strconv.FormatInt(cl.id, 10)
	member := func(name string) string { return g + "/members/" + strconv.FormatInt(grpUID(t, app, name), 10) }
	status := func(c *client, method, path string, body any) int {
		var h http.Header
		if body != nil {
			h = grpJSONHeader()
		}
		return c.apiJSON(method, path, body, h, nil).StatusCode
	}
	roleOf := func(name string) store.Role {
		r, _ := app.db.RoleOf(context.Background(), grpUID(t, app, name), cl.id)
		return r
	}
	for _, tc := range []struct {
		who          *client
		method, path string
		body         any
		want         int
	}{
		{zed, "POST", g + "/invite", nil, http.StatusNotFound},
		{bo, "POST", g + "/invite", nil, http.StatusForbidden},
		{zed, "PUT", member("cy"), map[string]any{"role": "teacher"}, http.StatusNotFound},
		{bo, "PUT", member("cy"), map[string]any{"role": "teacher"}, http.StatusForbidden},
		{bo, "DELETE", member("cy"), nil, http.StatusForbidden},
		{zed, "DELETE", member("cy"), nil, http.StatusNotFound},
		{ann, "PUT", member("bo"), map[string]any{"role": "boss"}, http.StatusUnprocessableEntity},
		{ann, "PUT", member("bo"), map[string]any{}, http.StatusUnprocessableEntity},
		{ann, "PUT", member("zed"), map[string]any{"role": "teacher"}, http.StatusNotFound},
		{ann, "PUT", member("bo"), map[string]any{"role": "teacher"}, http.StatusOK}, // bo: co-teacher
		{bo, "PUT", member("cy"), map[string]any{"role": "teacher"}, http.StatusOK},  // cy: co-teacher
		{bo, "PUT", member("cy"), map[string]any{"role": "member"}, http.StatusForbidden},
		{bo, "DELETE", member("cy"), nil, http.StatusForbidden},
		{bo, "PUT", member("ann"), map[string]any{"role": "member"}, http.StatusUnprocessableEntity},
		{bo, "DELETE", member("ann"), nil, http.StatusUnprocessableEntity},
		{ann, "DELETE", member("ann"), nil, http.StatusUnprocessableEntity}, // the owner cannot leave
		{ann, "PUT", member("cy"), map[string]any{"role": "member"}, http.StatusOK},
		{bo, "DELETE", member("dee"), nil, http.StatusNoContent},
		{cy, "DELETE", member("cy"), nil, http.StatusNoContent}, // leaving
		{ann, "DELETE", member("bo"), nil, http.StatusNoContent},
	} {
		if got := status(tc.who, tc.method, tc.path, tc.body); got != tc.want {
			t.Errorf("%s %s %s %v: %d, want %d", tc.who.name, tc.method, tc.path, tc.body, got, tc.want)
		}
	}
	for name, want := range map[string]store.Role{"ann": store.RoleTeacher, "bo": "", "cy": "", "dee": ""} {
		if got := roleOf(name); got != want {
			t.Errorf("%s is %q, want %q", name, got, want)
		}
	}

	// The role answer names the member. ann removed bo, so the link keeps
	// him out until a teacher lets him back in.
	if got := status(ann, "DELETE", g+"/removals/"+strconv.FormatInt(grpUID(t, app, "bo"), 10), nil); got != http.StatusNoContent {
		t.Fatalf("let bo back in: %d", got)
	}
	grpJoin(t, bo, cl.code, cl.id)
	var m struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if res := ann.apiJSON("PUT", member("bo"), map[string]any{"role": "teacher"}, grpJSONHeader(), &m); res.StatusCode != http.StatusOK || m.Name != "bo" || m.Role != "teacher" {
		t.Errorf("set role answer: %d %+v", res.StatusCode, m)
	}

	// Regenerating stops the old code.
	var inv struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	}
	if res := bo.apiJSON("POST", g+"/invite", nil, nil, &inv); res.StatusCode != http.StatusOK || inv.Code == "" || inv.Code == cl.code {
		t.Fatalf("co-teacher regenerates: %d %+v", res.StatusCode, inv)
	}
	if got := status(zed, "POST", "/api/join/"+cl.code, nil); got != http.StatusNotFound {
		t.Errorf("old code: %d", got)
	}
	if got := status(zed, "POST", "/api/join/"+inv.Code, nil); got != http.StatusOK {
		t.Errorf("new code: %d", got)
	}

	// Post first.
	doc := g + "/documents/" + essaySlug
	for _, tc := range []struct {
		who  *client
		body any
		want int
	}{
		{zed, map[string]any{"postFirst": true}, http.StatusForbidden}, // zed joined above: a member
		{ann, map[string]any{}, http.StatusUnprocessableEntity},
		{ann, map[string]any{"postFirst": "yes"}, http.StatusBadRequest},
		{ann, map[string]any{"postFirst": true}, http.StatusOK},
	} {
		if got := status(tc.who, "PUT", doc, tc.body); got != tc.want {
			t.Errorf("%s PUT post first %v: %d, want %d", tc.who.name, tc.body, got, tc.want)
		}
	}
	if on, _ := app.db.PostFirst(context.Background(), cl.id, app.essay(t).ID); !on {
		t.Error("post first is not on")
	}
	if got := status(ann, "PUT", g+"/documents/nope", map[string]any{"postFirst": true}); got != http.StatusNotFound {
		t.Errorf("unknown document: %d", got)
	}
	var got grpAPIGroup
	zed.apiJSON("GET", g, nil, nil, &got)
	if !got.Documents[0].PostFirst {
		t.Error("the group does not say post first is on")
	}
}

// TestAPIGroupFlags: the open flags and resolving one, teachers only.
func TestAPIGroupFlags(t *testing.T) {
	app := newApp(t)
	cl := grpNewClass(t, app, "ann", "bo", "cy")
	other := grpNewClass(t, app, "olga")
	n := grpNote(t, app, cl.members[0], app.paragraph(t, 0).Anchor, store.Members, cl.id, "flag me", false)
	if err := app.db.FlagNote(context.Background(), grpUID(t, app, "cy"), n.ID, "not kind"); err != nil {
		t.Fatal(err)
	}
	path := "/api/groups/" + strconv.FormatInt(cl.id, 10) + "/flags"
	var out struct {
		Flags []struct {
			ID   int64 `json:"id"`
			Note struct {
				ID         string `json:"id"`
				Annotation string `json:"annotation"`
				Author     string `json:"author"`
				Body       string `json:"body"`
			} `json:"note"`
			By      string `json:"by"`
			Reason  string `json:"reason"`
			Resolve string `json:"resolve"`
		} `json:"flags"`
	}
	if res := cl.teacher.apiJSON("GET", path, nil, nil, &out); res.StatusCode != http.StatusOK || len(out.Flags) != 1 {
		t.Fatalf("flags: %d %+v", res.StatusCode, out)
	}
	f := out.Flags[0]
	if f.By != "cy" || f.Reason != "not kind" || f.Note.ID != n.ID || f.Note.Author != "bo" || f.Note.Body != "flag me" ||
		f.Note.Annotation != app.ts.URL+"/api/annotations/"+n.ID || f.Resolve != fmt.Sprintf("%s/api/flags/%d/resolve", app.ts.URL, f.ID) {
		t.Errorf("flag %+v", f)
	}
	if res := cl.members[0].apiJSON("GET", path, nil, nil, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("member lists flags: %d", res.StatusCode)
	}
	if res := other.teacher.apiJSON("GET", path, nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider lists flags: %d", res.StatusCode)
	}
	resolve := "/api/flags/" + strconv.FormatInt(f.ID, 10) + "/resolve"
	// A member is refused; an outsider learns nothing, not even that the
	// flag exists.
	for c, want := range map[*client]int{cl.members[0]: http.StatusForbidden, other.teacher: http.StatusNotFound} {
		if res := c.apiJSON("POST", resolve, nil, nil, nil); res.StatusCode != want {
			t.Errorf("%s resolves: %d, want %d", c.name, res.StatusCode, want)
		}
	}
	if res := cl.teacher.apiJSON("POST", "/api/flags/999999/resolve", nil, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("missing flag: %d", res.StatusCode)
	}
	if res := cl.teacher.apiJSON("POST", resolve, nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("resolve: %d", res.StatusCode)
	}
	cl.teacher.apiJSON("GET", path, nil, nil, &out)
	if len(out.Flags) != 0 {
		t.Errorf("%d flags still open", len(out.Flags))
	}
}
