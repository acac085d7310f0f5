package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPrivateNotesNeverLeak writes one private note (ann's) and one public
// note (bob's), then asks every route that shows, counts or lists notes as
// ann, as bob and signed out. Only ann may ever see, count or find hers.
func TestPrivateNotesNeverLeak(t *testing.T) {
	app := newApp(t)
	ann, bob, anon := app.signUp(t, "ann"), app.signUp(t, "bob"), app.client(t)
	p := app.paragraphWith(t, "two logics")
	const secret = "annsecretword"
	ann.createNote(p.Anchor, "two logics", secret, "private")
	bob.createNote(p.Anchor, "", "bob's public note", "public")

	notes := must(app.db.Notes(t.Context(), viewerOfUser(t, app, "ann"), noteQuery(app)))
	var secretID string
	for _, n := range notes {
		if n.Body == secret {
			secretID = n.ID
		}
	}
	if secretID == "" {
		t.Fatal("ann's note not stored")
	}

	type view struct {
		name   string
		c      *client
		sees   bool // may see ann's note
		counts int  // notes this viewer may count on the essay
	}
	views := []view{{"ann", ann, true, 2}, {"bob", bob, false, 1}, {"signed out", anon, false, 1}}
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			c := v.c
			// Pages: the document, its block fragment, the paragraph's
			// conversation (and as its panel), the library.
			conv := "/read/" + essaySlug + "/notes/" + p.Anchor
			for _, path := range []string{"/read/" + essaySlug, "/read/" + essaySlug + "/blocks/" + p.Anchor, conv, conv + "?part=conversation", "/"} {
				res := c.get(path)
				body := readBody(res)
				if res.StatusCode != 200 {
					t.Fatalf("%s: %d", path, res.StatusCode)
				}
				got := strings.Contains(body, secret) || strings.Contains(body, secretID)
				// The library shows counts only; the reading page and its
				// blocks a summary, which may leave a note to "N more".
				whole := strings.HasPrefix(path, conv)
				if got && !v.sees || !got && v.sees && whole {
					t.Errorf("%s: shows ann's note = %v", path, got)
				}
			}
			doc := c.page("/read/"+essaySlug, 200)
			margin := query(doc, `[data-block="`+p.Anchor+`"] .margin`)
			more := 0
			if m := query(margin, ".more"); m != nil {
				more = int(attr(m, "data-more")[0] - '0')
			}
			if got := len(queryAll(margin, `a.card`)) + more; got != v.counts {
				t.Errorf("margin has %d cards and %d more, want %d notes", len(queryAll(margin, `a.card`)), more, v.counts)
			}
			if got := text(query(margin, `a.open .count`)); !strings.HasPrefix(got, string(rune('0'+v.counts))) {
				t.Errorf("count %q, want %d", got, v.counts)
			}
			if got := len(queryAll(doc, `mark.hl[data-note="`+secretID+`"]`)) > 0; got != v.sees {
				t.Errorf("highlight visible = %v", got)
			}
			if got := text(query(doc, ".doc-meta")); !strings.HasPrefix(got, string(rune('0'+v.counts))) {
				t.Errorf("document count %q", got)
			}
			lib := c.page("/", 200)
			if got := text(query(lib, "ul.library .meta")); !strings.HasPrefix(got, string(rune('0'+v.counts))) {
				t.Errorf("library count %q", got)
			}

			// The note's own pages.
			wantStatus := http.StatusNotFound
			if v.sees {
				wantStatus = http.StatusOK
			}
			for _, path := range []string{"/notes/" + secretID, "/notes/" + secretID + "/edit", "/notes/" + secretID + "/delete"} {
				res := c.get(path)
				body := readBody(res)
				if v.name == "signed out" && path != "/notes/"+secretID && res.StatusCode == http.StatusSeeOther {
					continue // edit/delete first ask to sign in, revealing nothing
				}
				if res.StatusCode != wantStatus || (!v.sees && strings.Contains(body, secret)) {
					t.Errorf("GET %s: %d, want %d", path, res.StatusCode, wantStatus)
				}
			}
			if !v.sees {
				for _, path := range []string{"/notes/" + secretID + "/edit", "/notes/" + secretID + "/delete"} {
					res := c.postForm(path, url.Values{"body": {"overwritten"}, "version": {"1"}})
					readBody(res)
					if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusSeeOther {
						t.Errorf("POST %s: %d", path, res.StatusCode)
					}
				}
			}

			// The API: documents, container, the annotation itself.
			var docs struct {
				Documents []apiDocument `json:"documents"`
			}
			c.apiJSON("GET", "/api/documents", nil, nil, &docs)
			if docs.Documents[0].Notes != v.counts {
				t.Errorf("/api/documents counts %d", docs.Documents[0].Notes)
			}
			var d apiDocument
			c.apiJSON("GET", "/api/documents/"+essaySlug, nil, nil, &d)
			if d.Notes != v.counts {
				t.Errorf("/api/documents/{slug} counts %d", d.Notes)
			}
			res := c.do("GET", "/api/documents/"+essaySlug+"/annotations/", nil, nil)
			body := readBody(res)
			var coll container
			json.Unmarshal([]byte(body), &coll)
			if coll.Total != v.counts || strings.Contains(body, secret) != v.sees {
				t.Errorf("container total %d, shows secret %v", coll.Total, strings.Contains(body, secret))
			}
			for _, iris := range []string{`include="http://www.w3.org/ns/oa#PreferContainedIRIs"`} {
				res := c.do("GET", "/api/documents/"+essaySlug+"/annotations/", nil, http.Header{"Prefer": {"return=representation;" + iris}})
				if got := strings.Contains(readBody(res), secretID); got != v.sees {
					t.Errorf("container IRIs show the note = %v", got)
				}
			}
			methods := []string{"GET", "PUT", "DELETE"}
			if v.sees {
				methods = methods[:1] // ann's own writes are tested elsewhere
			}
			for _, method := range methods {
				res := c.apiJSON(method, "/api/annotations/"+secretID, w3c(p.Anchor, nil, "overwritten", ""), http.Header{"If-Match": {"*"}}, nil)
				if v.sees && res.StatusCode != 200 {
					t.Errorf("%s own annotation: %d", method, res.StatusCode)
				}
				if !v.sees && res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s /api/annotations/{private}: %d", method, res.StatusCode)
				}
			}
		})
	}
	// And nothing above changed ann's note.
	n := must(app.db.Note(t.Context(), viewerOfUser(t, app, "ann"), secretID))
	if n.Body != secret || n.Version != 1 {
		t.Errorf("ann's note was changed: %q v%d", n.Body, n.Version)
	}
}
