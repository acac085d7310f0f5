package web

// Who may write where, once a group's membership or a thread's audience
// has changed: someone who left a group (or was removed) keeps their own
// notes there and no longer reads or writes the group's words through
// them; a thread with others' replies narrows but never widens; a replier
// keeps their own reply when a thread is narrowed away from them; a shared
// guide copy stops following a teacher who no longer teaches its group.
// The reading side of the first is also in the authorization matrix
// (rows "left" and "removed").

import (
	"fmt"
	"glossa/transfer"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// wantRefused checks a refused write: its status, and (for a page) that
// the answer says why.
func wantRefused(t *testing.T, what string, res *http.Response, status int, says string) {
	t.Helper()
	body := readBody(res)
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d: %s", what, res.StatusCode, status, truncate(body, 500))
		return
	}
	if says != "" && !strings.Contains(body, says) {
		t.Errorf("%s: the answer does not say %q: %s", what, says, truncate(body, 1500))
	}
}

func TestRemovedMemberNoLongerWritesInTheGroup(t *testing.T) {
	s := newSeminar(t)
	anon := s.app.client(t)
	g := s.ann.note(s.p.Anchor, "ann to the seminar", s.groupAudience(), false)
	f := s.ann.note(s.p.Anchor, "ann asks the teachers", fmt.Sprintf("teachers:%d", s.group.ID), false)
	before := s.bo.reply(g, "bo answers before")
	feedback := s.teacher.reply(f, "tess's private feedback")
	own := s.ann.reply(g, "ann adds to her own")
	if res := s.teacher.apiJSON("DELETE", fmt.Sprintf("/api/groups/%d/members/%d", s.group.ID, s.userID(t, s.ann)), nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("remove ann: %d", res.StatusCode)
	}
	after := s.bo.reply(g, "bo answers after")
	mark := s.teacher.note(s.p.Anchor, "the last word", "public", false)

	// Her paragraph's conversation: her notes, marked closed, without
	// Edit or a reply form, and none of the group's replies; her reading
	// page does not name them either.
	page := readBody(s.ann.get(s.readPath()))
	for _, id := range []string{before, feedback, after} {
		if strings.Contains(page, id) {
			t.Errorf("LEAK: ann's reading page names %s", id)
		}
	}
	doc := s.ann.page(s.convPath(), http.StatusOK)
	for _, id := range []string{g, f, own} {
		n := query(doc, "#note-"+id)
		if n == nil {
			t.Fatalf("ann no longer sees her own %s", id)
		}
		if query(n, ".note-closed") == nil || query(n, `a[data-action="edit"]`) != nil || query(n, `a[data-action="delete"]`) == nil {
			t.Errorf("%s: want it marked closed, with Delete and without Edit", id)
		}
	}
	for _, id := range []string{g, f} {
		if query(doc, `form[action="/notes/`+id+`/replies"]`) != nil {
			t.Errorf("ann is offered a reply form on %s", id)
		}
	}
	for _, id := range []string{before, feedback, after} {
		if query(doc, "#note-"+id) != nil {
			t.Errorf("LEAK: ann's page shows %s", id)
		}
	}
	if np := s.ann.page("/notes/"+g, http.StatusOK); query(np, "#note-"+after) != nil || query(np, "#note-"+before) != nil {
		t.Error("LEAK: ann's note page shows the group's replies")
	}

	// Every way of writing there is refused, and says why; nothing is
	// written, nobody is told, nothing goes public.
	wantRefused(t, "reply form", s.ann.postForm("/notes/"+g+"/replies", url.Values{"body": {"still here @bo"}}), http.StatusForbidden, "no longer open to you")
	wantRefused(t, "API reply", s.ann.do("POST", "/api/documents/"+essaySlug+"/annotations/",
		strings.NewReader(`{"type":"Annotation","motivation":"replying","bodyValue":"still here","target":"`+s.app.ts.URL+`/api/annotations/`+f+`"}`),
		http.Header{"Content-Type": {"application/ld+json"}}), http.StatusForbidden, "no longer open to you")
	wantRefused(t, "edit form", s.ann.get("/notes/"+g+"/edit"), http.StatusForbidden, "no longer open to you")
	wantRefused(t, "re-attach form", s.ann.get("/notes/"+g+"/reattach"), http.StatusForbidden, "")
	wantRefused(t, "edit", s.ann.postForm("/notes/"+g+"/edit", url.Values{"body": {"edited @bo"}, "audience": {"public"}, "version": {"1"}}),
		http.StatusForbidden, "no longer open to you")
	wantRefused(t, "edit her reply", s.ann.postForm("/notes/"+own+"/edit", url.Values{"body": {"edited"}, "version": {"1"}}),
		http.StatusForbidden, "")
	for _, id := range []string{g, f} {
		res := s.ann.apiJSON("PUT", "/api/annotations/"+id, map[string]any{
			"type": "Annotation", "bodyValue": "now public", "audience": "public",
			"target": map[string]any{"selector": map[string]any{"type": "FragmentSelector", "value": s.p.Anchor}},
		}, http.Header{"If-Match": {"*"}}, nil)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("PUT %s public: %d, want 403", id, res.StatusCode)
		}
	}
	if res := s.ann.apiJSON("PUT", "/api/annotations/"+g+"/reactions/helpful", nil, nil, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("react: %d, want 403", res.StatusCode)
	}
	for _, id := range []string{before, feedback, after, g, f} {
		if res := anon.get("/api/annotations/" + id); res.StatusCode != http.StatusNotFound {
			t.Errorf("LEAK: signed out, %s answers %d", id, res.StatusCode)
		}
	}
	var a annotation
	s.teacher.apiJSON("GET", "/api/annotations/"+g, nil, nil, &a)
	if a.Body == nil || a.Body.Value != "ann to the seminar" || a.Audience != s.groupAudience() {
		t.Errorf("the group note changed: %+v %q", a.Body, a.Audience)
	}
	var nts struct {
		Unread int `json:"unread"`
	}
	s.bo.apiJSON("GET", "/api/notifications", nil, nil, &nts)
	if nts.Unread != 0 {
		t.Errorf("bo was notified %d times by someone no longer in the group", nts.Unread)
	}

	// Nor does the group's news reach her: notifications, live stream.
	doc = s.ann.page("/notifications", http.StatusOK)
	if strings.Contains(text(doc), "answers before") || strings.Contains(text(doc), "private feedback") {
		t.Error("LEAK: ann's notifications carry the group's words")
	}
	for _, id := range []string{before, feedback, after} {
		if query(doc, `a[href="/notes/`+id+`"]`) != nil {
			t.Errorf("LEAK: ann's notifications show %s", id)
		}
	}
	st := s.ann.openStream("/read/"+essaySlug+"/events?after=0", nil)
	st.notesUntil(mark)
	raw := st.rawText()
	st.close()
	for _, id := range []string{before, feedback, after} {
		if strings.Contains(raw, id) {
			t.Errorf("LEAK: ann's live stream names %s", id)
		}
	}

	// Her words stay hers to take back.
	s.ann.post("/notes/"+own+"/delete", nil, http.StatusSeeOther)
	if res := s.ann.apiJSON("DELETE", "/api/annotations/"+f, nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Errorf("delete her teachers note: %d", res.StatusCode)
	}
}

func TestWideningIsRefused(t *testing.T) {
	s := newSeminar(t)
	anon := s.app.client(t)
	f := s.ann.note(s.p.Anchor, "ann asks the teachers", fmt.Sprintf("teachers:%d", s.group.ID), false)
	feedback := s.teacher.reply(f, "tess's private feedback")

	// The inline editor (JSON): 409 naming audience.
	res := s.ann.do("POST", "/notes/"+f+"/edit", strings.NewReader(url.Values{"body": {"for all"}, "audience": {"public"}, "version": {"1"}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}})
	var je jsonError
	body := readBody(res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `"audience"`) || !strings.Contains(body, "never widen") {
		t.Errorf("inline edit to public: %d %s", res.StatusCode, body)
	}
	// The API: 409 naming audience.
	res = s.ann.apiJSON("PUT", "/api/annotations/"+f, map[string]any{
		"type": "Annotation", "bodyValue": "for all", "audience": s.groupAudience(),
		"target": map[string]any{"selector": map[string]any{"type": "FragmentSelector", "value": s.p.Anchor}},
	}, http.Header{"If-Match": {`"v1"`}}, &je)
	if res.StatusCode != http.StatusConflict || !strings.Contains(je.Fields["audience"], "never widen") {
		t.Errorf("PUT to the whole group: %d %+v", res.StatusCode, je)
	}
	// Nothing moved: tess's feedback is still for ann and the teachers.
	if res := anon.get("/api/annotations/" + feedback); res.StatusCode != http.StatusNotFound {
		t.Errorf("LEAK: signed out, the feedback answers %d", res.StatusCode)
	}
	if query(s.bo.page(s.readPath(), http.StatusOK), "#note-"+feedback) != nil {
		t.Error("LEAK: bo reads tess's feedback to ann")
	}
	// Narrowing is fine: to herself.
	s.ann.post("/notes/"+f+"/edit", url.Values{"body": {"ann asks the teachers"}, "audience": {"private"}, "version": {"1"}}, http.StatusSeeOther)
	if query(s.teacher.page("/notes/"+feedback, http.StatusOK), "#note-"+feedback) == nil {
		t.Error("tess lost her own feedback")
	}
}

func TestReplierKeepsTheirReplyAfterNarrowing(t *testing.T) {
	s := newSeminar(t)
	n := s.ann.note(s.p.Anchor, "ann's open question", "public", false)
	r := s.outside.reply(n, "olgas zebraword answer")
	s.ann.post("/notes/"+n+"/edit", url.Values{"body": {"ann's open question"}, "audience": {"private"}, "version": {"1"}}, http.StatusSeeOther)
	c := s.outside

	// Her reply's own page shows it alone: not the thread's words.
	doc := c.page("/notes/"+r, http.StatusOK)
	if query(doc, "#note-"+r) == nil || !strings.Contains(text(query(doc, "#note-"+r)), "zebraword") {
		t.Fatal("the reply's page does not show it")
	}
	if strings.Contains(text(doc), "open question") || query(doc, "#note-"+n) != nil {
		t.Error("LEAK: the reply's page shows the private note")
	}
	if query(doc, ".note-closed") == nil || query(doc, `a[data-action="edit"]`) != nil || query(doc, `a[data-action="delete"]`) == nil {
		t.Error("the reply is not marked closed with Delete only")
	}
	c.page("/notes/"+n, http.StatusNotFound)
	wantRefused(t, "edit form", c.get("/notes/"+r+"/edit"), http.StatusForbidden, "no longer open to you")

	// The reading page keeps it where the thread was, alone, and counts
	// it as the library does; so does the paragraph's conversation.
	doc = c.page(s.convPath(), http.StatusOK)
	if query(doc, "#note-"+r+" .note-closed") == nil || query(doc, "#note-"+n) != nil || strings.Contains(text(doc), "open question") {
		t.Error("conversation: want the reply alone, without the note")
	}
	doc = c.page(s.readPath(), http.StatusOK)
	if m := s.margin(doc); query(m, `a.card[data-note="`+r+`"]`) == nil || strings.Contains(text(doc), "open question") ||
		!strings.Contains(text(query(m, `a.card[data-note="`+r+`"]`)), "no longer open to you") {
		t.Error("reading page: want the reply alone in its margin, without the note")
	}
	if got := text(query(doc, ".doc-meta")); !strings.HasPrefix(got, "1 note ") {
		t.Errorf("reading page count: %q", got)
	}
	var docs struct {
		Documents []struct {
			Notes int `json:"notes"`
		} `json:"documents"`
	}
	c.apiJSON("GET", "/api/documents", nil, nil, &docs)
	if len(docs.Documents) != 1 || docs.Documents[0].Notes != 1 {
		t.Errorf("documents API count: %+v", docs)
	}

	// The annotation, the container.
	var a annotation
	if res := c.apiJSON("GET", "/api/annotations/"+r, nil, nil, &a); res.StatusCode != http.StatusOK || a.Body == nil || !strings.Contains(a.Body.Value, "zebraword") {
		t.Errorf("GET her reply: %d %+v", res.StatusCode, a.Body)
	}
	_, cont := mxGet(c, "/api/documents/"+essaySlug+"/annotations/", mxJSON)
	if !strings.Contains(cont, r) || strings.Contains(cont, "open question") {
		t.Errorf("container: has the reply %v, has the note's words %v", strings.Contains(cont, r), strings.Contains(cont, "open question"))
	}
	// The notebook lists it on its own.
	doc = c.page("/notebook", http.StatusOK)
	if query(doc, ".notebook-entry #note-"+r) == nil || strings.Contains(text(doc), "open question") {
		t.Error("notebook: want the reply listed, without the note's words")
	}
	// Her export has it, with her words.
	_, md := mxGet(c, "/read/"+essaySlug+"/export?format=md&scope=mine", nil)
	if !strings.Contains(md, "zebraword") || strings.Contains(md, "open question") {
		t.Errorf("export: %s", truncate(md, 1500))
	}
	// Search finds it, page and API.
	if doc := c.page("/search?q=zebraword", http.StatusOK); len(queryAll(doc, "ol.search-results > li")) != 1 {
		t.Error("search page does not find her reply")
	}
	var found struct {
		Total int `json:"total"`
	}
	c.apiJSON("GET", "/api/search?q=zebraword", nil, nil, &found)
	if found.Total != 1 {
		t.Errorf("API search total %d, want 1", found.Total)
	}
	// Her live stream still names her reply.
	st := c.openStream("/read/"+essaySlug+"/events?after=0", nil)
	st.notesUntil(r)
	st.close()
}

func TestSharedGuideFollowsOnlyWhereItsAuthorTeaches(t *testing.T) {
	s := newSeminar(t)
	// olga owns her own class and co-teaches the seminar.
	own := grpCreate(t, s.outside, "Olga's class")
	grpJoin(t, s.outside, grpInvite(t, s.teacher, s.group.ID), s.group.ID)
	if res := s.teacher.apiJSON("PUT", fmt.Sprintf("/api/groups/%d/members/%d", s.group.ID, s.userID(t, s.outside)),
		map[string]any{"role": "teacher"}, nil, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("make olga co-teacher: %d", res.StatusCode)
	}
	guide := s.outside.note(s.p.Anchor, "guide, first words", fmt.Sprintf("group:%d", own), false)
	s.outside.post("/notes/"+guide+"/share", nil, http.StatusSeeOther)
	if !strings.Contains(text(s.bo.page(s.readPath(), http.StatusOK)), "guide, first words") {
		t.Fatal("the seminar did not get the shared copy")
	}
	s.outside.post("/notes/"+guide+"/edit", url.Values{"body": {"guide, second words"}, "audience": {fmt.Sprintf("group:%d", own)}, "version": {"1"}}, http.StatusSeeOther)
	if !strings.Contains(text(s.bo.page(s.readPath(), http.StatusOK)), "guide, second words") {
		t.Fatal("the copy does not follow while olga teaches the seminar")
	}
	if res := s.teacher.apiJSON("DELETE", fmt.Sprintf("/api/groups/%d/members/%d", s.group.ID, s.userID(t, s.outside)), nil, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("remove olga: %d", res.StatusCode)
	}
	s.outside.post("/notes/"+guide+"/edit", url.Values{"body": {"guide, third words"}, "audience": {fmt.Sprintf("group:%d", own)}, "version": {"2"}}, http.StatusSeeOther)
	page := text(s.bo.page(s.readPath(), http.StatusOK))
	if strings.Contains(page, "third words") || !strings.Contains(page, "guide, second words") {
		t.Error("olga, removed from the seminar, still writes its guide through the original")
	}
}

// An import's reply to a note in a group the importer has left is
// rejected on its own, with the reason; the rest of the file comes in.
func TestImportedReplyIntoAGroupLeft(t *testing.T) {
	s := newSeminar(t)
	g := s.ann.note(s.p.Anchor, "ann to the seminar", s.groupAudience(), false)
	s.ann.post(fmt.Sprintf("/groups/%d/leave", s.group.ID), nil, http.StatusSeeOther)
	file := jsonOf([]any{
		map[string]any{"@context": transfer.AnnoContext, "id": "urn:x:late", "type": "Annotation", "motivation": "replying",
			"bodyValue": "a late word to the seminar", "target": s.app.ts.URL + "/api/annotations/" + g},
		map[string]any{"@context": transfer.AnnoContext, "id": "urn:x:mine", "type": "Annotation", "bodyValue": "my own",
			"target": map[string]any{"source": s.app.ts.URL + "/read/" + essaySlug,
				"selector": map[string]any{"type": "FragmentSelector", "value": s.p.Anchor}}},
	})
	rep, st := importAs(t, s.ann, file)
	if st != http.StatusOK || rep.Imported != 1 || rep.Rejected != 1 || !hasLine(rep, 1, "rejected", "no longer a member") {
		t.Fatalf("%d %s\n%v", st, rep.Summary(), rep.Lines)
	}
	if strings.Contains(text(s.bo.page(s.readPath(), http.StatusOK)), "late word") {
		t.Error("the late reply reached the seminar")
	}
}
