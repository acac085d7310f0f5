package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"glossa/transfer"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAPICreateAnswersAsGet checks that the answer to a create, which the
// store builds from the values in hand instead of reading the note back, is
// byte for byte the answer a later GET of the same note gives its author,
// ETag included, for every kind of note the API creates.
func TestAPICreateAnswersAsGet(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	app.signUp(t, "bob")
	ctx := context.Background()
	u, _, err := app.db.UserByName(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	g, err := app.db.CreateGroup(ctx, u.ID, "Seminar")
	if err != nil {
		t.Fatal(err)
	}
	post := "/api/documents/" + essaySlug + "/annotations/"
	p, q := app.paragraph(t, 0), app.paragraph(t, 1)

	tagged := w3c(q.Anchor, []map[string]any{quote("two dimensions")}, "", "public")
	tagged["body"] = []map[string]any{
		{"type": "TextualBody", "value": "Which *two*?", "format": "text/markdown", "purpose": "commenting"},
		{"type": "TextualBody", "value": "Theory", "purpose": "tagging"},
		{"type": "TextualBody", "value": "alliances", "purpose": "tagging"},
	}
	question := w3c(p.Anchor, nil, "Why here?", fmt.Sprintf("group:%d", g.ID))
	question["question"] = true

	create := func(name string, in any) string {
		t.Helper()
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		res := ann.do("POST", post, bytes.NewReader(b), http.Header{"Content-Type": {"application/ld+json"}, "Accept": {"application/ld+json"}})
		created, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("%s: create: %d %s %v", name, res.StatusCode, created, err)
		}
		loc := res.Header.Get("Location")
		res2 := ann.do("GET", strings.TrimPrefix(loc, app.ts.URL), nil, http.Header{"Accept": {"application/ld+json"}})
		got, err := io.ReadAll(res2.Body)
		res2.Body.Close()
		if err != nil || res2.StatusCode != http.StatusOK {
			t.Fatalf("%s: get: %d %s %v", name, res2.StatusCode, got, err)
		}
		if !bytes.Equal(created, got) {
			t.Errorf("%s: create answered\n%s\nGET answers\n%s", name, created, got)
		}
		if e1, e2 := res.Header.Get("ETag"), res2.Header.Get("ETag"); e1 == "" || e1 != e2 {
			t.Errorf("%s: create's ETag %q, GET's %q", name, e1, e2)
		}
		var a annotation
		if err := json.Unmarshal(created, &a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	create("private quote", w3c(p.Anchor, []map[string]any{quote("order marked")}, "Mine.", "private"))
	create("public with tags", tagged)
	create("highlight", w3c(q.Anchor, nil, "", "public"))
	create("teachers", w3c(p.Anchor, nil, "For the teachers.", fmt.Sprintf("teachers:%d", g.ID)))
	parent := create("group question by its teacher", question)
	reply := map[string]any{"@context": transfer.AnnoContext, "type": "Annotation",
		"body":   map[string]any{"type": "TextualBody", "value": "Because, @bob.", "format": "text/markdown"},
		"target": parent}
	create("reply", reply)
}
