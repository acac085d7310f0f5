package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Tags travel as extra bodies with the purpose "tagging", both ways; a
// note without tags keeps its single body object.
func TestAPITags(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 1)
	post := "/api/documents/" + essaySlug + "/annotations/"

	in := w3c(p.Anchor, []map[string]any{quote("two dimensions")}, "", "")
	in["body"] = []map[string]any{
		{"type": "TextualBody", "value": "Which two?", "format": "text/markdown", "purpose": "commenting"},
		{"type": "TextualBody", "value": "Theory ", "purpose": "tagging"},
		{"type": "TextualBody", "value": "alliances", "purpose": "tagging"},
		{"type": "TextualBody", "value": "theory", "purpose": "tagging"},
	}
	var raw json.RawMessage
	res := ann.apiJSON("POST", post, in, nil, &raw)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create with tags: %d %s", res.StatusCode, raw)
	}
	var created annotation
	if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatal(err)
	}
	if created.Body == nil || created.Body.Value != "Which two?" || !slices.Equal(created.Tags, []string{"alliances", "theory"}) {
		t.Errorf("created: body %+v, tags %q", created.Body, created.Tags)
	}
	// On the wire: an array, the comment first, then one tagging body per
	// tag, sorted and normalized.
	var wire struct {
		Body []map[string]string `json:"body"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatalf("body is not an array: %v\n%s", err, raw)
	}
	want := []map[string]string{
		{"type": "TextualBody", "value": "Which two?", "format": "text/markdown"},
		{"type": "TextualBody", "value": "alliances", "purpose": "tagging"},
		{"type": "TextualBody", "value": "theory", "purpose": "tagging"},
	}
	if !slices.EqualFunc(wire.Body, want, func(a, b map[string]string) bool {
		return len(a) == len(b) && strings.Join(mapPairs(a), ",") == strings.Join(mapPairs(b), ",")
	}) {
		t.Errorf("body on the wire = %v, want %v", wire.Body, want)
	}

	// The container and GET carry them too.
	path := strings.TrimPrefix(created.ID, app.ts.URL)
	var got annotation
	res = ann.apiJSON("GET", path, nil, nil, &got)
	if !slices.Equal(got.Tags, []string{"alliances", "theory"}) {
		t.Errorf("GET tags %q", got.Tags)
	}
	etag := res.Header.Get("ETag")

	// PUT replaces them; a PUT without tagging bodies removes them, and
	// the body is a single object again.
	upd := w3c(p.Anchor, []map[string]any{quote("two dimensions")}, "", "")
	upd["body"] = []map[string]any{
		{"type": "TextualBody", "value": "Two, as it says.", "purpose": "commenting"},
		{"type": "TextualBody", "value": "credibility", "purpose": "tagging"},
	}
	var updated annotation
	res = ann.apiJSON("PUT", path, upd, http.Header{"If-Match": {etag}}, &updated)
	if res.StatusCode != 200 || !slices.Equal(updated.Tags, []string{"credibility"}) || updated.Body.Value != "Two, as it says." {
		t.Fatalf("PUT tags: %d %+v", res.StatusCode, updated)
	}
	etag = res.Header.Get("ETag")
	raw = nil
	res = ann.apiJSON("PUT", path, w3c(p.Anchor, []map[string]any{quote("two dimensions")}, "No tags now.", ""),
		http.Header{"If-Match": {etag}}, &raw)
	var plain struct {
		Body map[string]string `json:"body"`
	}
	if res.StatusCode != 200 || json.Unmarshal(raw, &plain) != nil || plain.Body["value"] != "No tags now." {
		t.Fatalf("PUT without tags: %d %s", res.StatusCode, raw)
	}

	// A highlight with tags: tagging bodies only.
	hl := w3c(p.Anchor, []map[string]any{quote("Alliance adjustments")}, "", "")
	hl["motivation"] = "tagging"
	hl["body"] = map[string]any{"type": "TextualBody", "value": "adjustment"}
	var tagged annotation
	res = ann.apiJSON("POST", post, hl, nil, &tagged)
	if res.StatusCode != 201 || tagged.Body != nil || tagged.Motivation != "highlighting" || !slices.Equal(tagged.Tags, []string{"adjustment"}) {
		t.Errorf("tag-only highlight: %d %+v", res.StatusCode, tagged)
	}

	// Bad tags are 422 naming the field; a reply takes none.
	bad := w3c(p.Anchor, nil, "x", "")
	bad["body"] = []map[string]any{{"type": "TextualBody", "value": "x"}, {"type": "TextualBody", "value": "a/b", "purpose": "tagging"}}
	var e struct {
		Error string `json:"error"`
	}
	if res := ann.apiJSON("POST", post, bad, nil, &e); res.StatusCode != 422 || !strings.Contains(e.Error, "tags") {
		t.Errorf("bad tag: %d %q", res.StatusCode, e.Error)
	}
	reply := map[string]any{"type": "Annotation", "motivation": "replying", "target": created.ID,
		"body": []map[string]any{{"type": "TextualBody", "value": "yes"}, {"type": "TextualBody", "value": "t", "purpose": "tagging"}}}
	if res := ann.apiJSON("POST", post, reply, nil, &e); res.StatusCode != 422 || !strings.Contains(e.Error, "no tags") {
		t.Errorf("reply with tags: %d %q", res.StatusCode, e.Error)
	}
}

func mapPairs(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}
