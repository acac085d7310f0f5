package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The notebook lists, essay by essay in the order of the text, the notes a
// reader wrote or may see, with where each sits, its tags and how many
// replies it has; "only yours" narrows it; others' private notes never show.
func TestNotebook(t *testing.T) {
	s := newSeminar(t)
	first := s.app.paragraphWith(t, "two logics").Anchor
	later := s.p.Anchor // "Ties among the nation-states" comes first in the text
	s.ann.post("/read/"+essaySlug+"/notes", url.Values{"anchor": {first}, "body": {"ann on logics"},
		"audience": {"private"}, "tags": {"method"}}, http.StatusSeeOther)
	s.ann.post("/read/"+essaySlug+"/notes", url.Values{"anchor": {later}, "phrase": {"Asia for Asians"},
		"body": {"ann on Asia"}, "audience": {s.groupAudience()}}, http.StatusSeeOther)
	bo := s.bo.note(later, "bo in the group", s.groupAudience(), false)
	s.bo.note(first, "bo's private aside", "private", false)
	s.ann.reply(bo, "ann answers bo")
	s.app.signUp(t, "zed").note(first, "zed in public", "public", false)

	doc := s.ann.page("/notebook", http.StatusOK)
	var bodies []string
	for _, li := range queryAll(doc, ".notebook-entry") {
		bodies = append(bodies, text(query(li, ".note-body")))
	}
	// Reading order: by paragraph, a whole-paragraph note before phrases.
	want := []string{"bo in the group", "ann on Asia", "ann on logics", "zed in public"}
	if strings.Join(bodies, "|") != strings.Join(want, "|") {
		t.Errorf("ann's notebook = %q, want %q (reading order, nothing private of others)", bodies, want)
	}
	if strings.Contains(text(doc), "bo's private aside") || strings.Contains(text(doc), "ann answers bo") {
		t.Error("the notebook shows bo's private note, or a reply as an entry")
	}
	entries := queryAll(doc, ".notebook-entry")
	if got := text(query(entries[0], ".where")); !strings.Contains(got, "1 reply") {
		t.Errorf("bo's note entry says %q, want its reply counted", got)
	}
	if href := attr(query(entries[0], ".where a"), "href"); href != "/read/"+essaySlug+"#"+later {
		t.Errorf("paragraph link %q", href)
	}
	if text(query(entries[2], "ul.tags")) != "method" || text(query(entries[1], ".audience")) != "Seminar A" {
		t.Errorf("entries lack tags or audience: %q / %q", text(entries[2]), text(entries[1]))
	}
	// Search on the notebook page: the tag link, words, and never another's
	// private note; a query it cannot read keeps the text, with a 422.
	tagged := s.ann.page(attr(query(entries[2], "ul.tags a"), "href"), http.StatusOK)
	if got := text(query(tagged, ".search-results")); !strings.Contains(got, "ann on logics") || strings.Contains(got, "zed") {
		t.Errorf("the tag link's search found %q", got)
	}
	if attr(query(tagged, "form.search-form"), "action") != "/notebook" || attr(query(tagged, "#search-q"), "value") != `tag:method` {
		t.Errorf("the notebook's search form does not stay on the notebook or keep the query")
	}
	found := text(query(s.bo.page("/notebook?q=logics", http.StatusOK), "main"))
	if strings.Contains(found, "ann on logics") {
		t.Error("bo's notebook search found ann's private note")
	}
	res0 := s.ann.get("/notebook?q=%22unclosed")
	bad := parsePage(t, res0, http.StatusUnprocessableEntity)
	if attr(query(bad, "#search-q"), "value") != `"unclosed` || query(bad, "#search-q-error") == nil {
		t.Error("a bad notebook search does not keep the query or name the problem")
	}

	mine := s.ann.page("/notebook?mine=1", http.StatusOK)
	if n := len(queryAll(mine, ".notebook-entry")); n != 2 {
		t.Errorf("only ann's: %d entries, want 2", n)
	}
	res := s.app.client(t).get("/notebook")
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("signed out: %d %s, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
	}
}
