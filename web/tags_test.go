package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// datalist returns the options of the datalist a page's tags field points
// at, and of every datalist on the page.
func tagOptions(t *testing.T, c *client, path string) (field []string, all []string) {
	t.Helper()
	doc := c.page(path, http.StatusOK)
	in := query(doc, `input[data-tags]`)
	if in == nil {
		t.Fatalf("%s: no tags field", path)
	}
	for _, o := range queryAll(doc, `datalist#`+attr(in, "list")+` option`) {
		field = append(field, attr(o, "value"))
	}
	for _, o := range queryAll(doc, `datalist option`) {
		all = append(all, attr(o, "value"))
	}
	return field, all
}

// Tags through the forms: kept normalised, shown on the note with a link
// to the notebook filtered by it, a bad one refused with the text kept, edited in place;
// each audience offers its own tags, never ones from notes the reader may
// not see; a teacher suggests the group's tags.
func TestTagsInForms(t *testing.T) {
	s := newSeminar(t)
	anchor := s.p.Anchor
	s.ann.post("/read/"+essaySlug+"/notes", url.Values{"anchor": {anchor}, "body": {"Realist reading."},
		"audience": {s.groupAudience()}, "tags": {"Realism, hub and   spokes ,realism"}}, http.StatusSeeOther)
	s.ann.post("/read/"+essaySlug+"/notes", url.Values{"anchor": {anchor}, "body": {"Mine."},
		"audience": {"private"}, "tags": {"exam prep"}}, http.StatusSeeOther)

	doc := s.ann.page(s.convPath(), http.StatusOK)
	var got []string
	for _, a := range queryAll(doc, `main .note ul.tags a`) {
		got = append(got, text(a))
		if u, _ := url.Parse(attr(a, "href")); u.Path != "/notebook" || u.Query().Get("tag") != text(a) || u.Query().Get("show") != "all" {
			t.Errorf("tag link %q does not lead to the notebook's notes with the tag", attr(a, "href"))
		}
	}
	slices.Sort(got)
	if want := []string{"exam prep", "hub and spokes", "realism"}; !slices.Equal(got, want) {
		t.Errorf("tags shown = %q, want %q", got, want)
	}

	// A bad tag: 422, the problem beside the field, everything kept.
	res := s.ann.postForm("/read/"+essaySlug+"/notes", url.Values{"anchor": {anchor}, "body": {"Kept body."},
		"audience": {"private"}, "tags": {"fine, <script>"}})
	bad := parsePage(t, res, http.StatusUnprocessableEntity)
	if attr(query(bad, "#tags"), "value") != "fine, <script>" || !strings.Contains(text(query(bad, "#tags-error")), "<script>") ||
		text(query(bad, "#body")) != "Kept body." {
		t.Errorf("bad tag form: tags %q, error %q, body %q", attr(query(bad, "#tags"), "value"),
			text(query(bad, "#tags-error")), text(query(bad, "#body")))
	}

	// Edit: the form shows the tags, a new list replaces them.
	id := noteIDs(doc, "main .note")[0]
	for _, n := range noteIDs(doc, "main .note") {
		if strings.Contains(text(query(doc, `#note-`+n)), "Realist reading.") {
			id = n
		}
	}
	edit := s.ann.page("/notes/"+id+"/edit", http.StatusOK)
	if v := attr(query(edit, "#tags"), "value"); v != "hub and spokes, realism" {
		t.Errorf("edit form tags = %q", v)
	}
	s.ann.post("/notes/"+id+"/edit", url.Values{"body": {"Realist reading."}, "audience": {s.groupAudience()},
		"tags": {"liberalism"}, "version": {attr(query(edit, `input[name="version"]`), "value")}}, http.StatusSeeOther)
	if n := text(query(s.ann.page("/notes/"+id, http.StatusOK), "ul.tags")); n != "liberalism" {
		t.Errorf("after edit, tags %q", n)
	}

	// Suggestions: ann's group audience offers the group's tags; bo's
	// lists never hold ann's private tag.
	field, _ := tagOptions(t, s.ann, "/read/"+essaySlug+"/annotate?anchor="+anchor)
	if !slices.Contains(field, "exam prep") {
		t.Errorf("ann's private audience offers %q, want her tag", field)
	}
	_, all := tagOptions(t, s.bo, s.groupReadPath())
	if slices.Contains(all, "exam prep") || !slices.Contains(all, "liberalism") {
		t.Errorf("bo is offered %q: want the group's tag, never ann's private one", all)
	}

	// A teacher suggests tags; members see them, may not set them.
	gid := strconv.FormatInt(s.group.ID, 10)
	s.bo.post("/groups/"+gid+"/tags", url.Values{"tags": {"x"}}, http.StatusForbidden)
	s.teacher.post("/groups/"+gid+"/tags", url.Values{"tags": {"Security dilemma, realism"}}, http.StatusSeeOther)
	var shown []string
	for _, li := range queryAll(s.bo.page("/groups/"+gid, http.StatusOK), "ul.tags li") {
		shown = append(shown, text(li))
	}
	if !slices.Equal(shown, []string{"security dilemma", "realism"}) {
		t.Errorf("group page shows suggested tags %q", shown)
	}
	_, all = tagOptions(t, s.bo, s.groupReadPath())
	if !slices.Contains(all, "security dilemma") {
		t.Errorf("the group's suggested tag is not offered: %q", all)
	}
	var out struct{ Tags []string }
	res = s.teacher.apiJSON("PUT", "/api/groups/"+gid+"/tags", map[string]any{"tags": []string{"Hegemony", "bad<tag"}}, nil, &out)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bad suggested tag through the API: %d", res.StatusCode)
	}
	res = s.teacher.apiJSON("PUT", "/api/groups/"+gid+"/tags", map[string]any{"tags": []string{"Hegemony"}}, nil, &out)
	if res.StatusCode != http.StatusOK || !slices.Equal(out.Tags, []string{"hegemony"}) {
		t.Errorf("PUT group tags: %d %q", res.StatusCode, out.Tags)
	}
}

// The group's suggested tags are offered first, in the teachers' order,
// before the tags already in use, however much those are used: the
// reading page's and the form's lists for the group's audiences.
func TestSuggestedTagsComeFirst(t *testing.T) {
	s := newSeminar(t)
	for _, tags := range []string{"liberalism", "liberalism, hegemony", "liberalism"} {
		s.ann.post("/read/"+essaySlug+"/notes", url.Values{"anchor": {s.p.Anchor}, "body": {"Tagged."},
			"audience": {s.groupAudience()}, "tags": {tags}}, http.StatusSeeOther)
	}
	gid := strconv.FormatInt(s.group.ID, 10)
	s.teacher.post("/groups/"+gid+"/tags", url.Values{"tags": {"security dilemma, realism"}}, http.StatusSeeOther)
	// "me and the teachers" has no notes yet: the suggestions alone.
	wants := map[string][]string{
		"tags-group-" + gid:    {"security dilemma", "realism", "liberalism", "hegemony"},
		"tags-teachers-" + gid: {"security dilemma", "realism"},
	}
	for _, path := range []string{s.groupReadPath(), "/read/" + essaySlug + "/annotate?anchor=" + s.p.Anchor} {
		doc := s.bo.page(path, http.StatusOK)
		for list, want := range wants {
			var got []string
			for _, o := range queryAll(doc, "datalist#"+list+" option") {
				got = append(got, attr(o, "value"))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s offers %q, want %q", path, list, got, want)
			}
		}
	}
}
