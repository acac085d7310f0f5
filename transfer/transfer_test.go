package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"glossa/content"
	"glossa/store"
)

const testSlug = "pempel-2016-alliances-asia-pacific-order"

// testDoc is an embedded essay, not stored anywhere.
func testDoc(t testing.TB) Document {
	t.Helper()
	docs, err := content.Load(content.Essays)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.Slug == testSlug {
			return Document{Slug: d.Slug, Current: d}
		}
	}
	t.Fatalf("no essay %s", testSlug)
	return Document{}
}

// testStore is a database in t.TempDir() with the essay published and a
// reader, ann.
func testStore(t *testing.T) (*store.DB, Document, *store.User) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "glossa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d := testDoc(t).Current
	bs := make([]store.Block, len(d.Blocks))
	for i, b := range d.Blocks {
		bs[i] = store.Block{Position: i, Anchor: b.Anchor, Hash: b.Hash, Text: b.Text}
	}
	if _, _, err := db.Publish(ctx, store.Publication{Slug: d.Slug, Title: d.Meta.Title, SourceHash: d.SourceHash,
		Source: d.Source, Origin: store.OriginEmbedded, Blocks: bs}); err != nil {
		t.Fatal(err)
	}
	doc, err := LoadDocument(ctx, db, testSlug)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "ann", []byte("hash"))
	if err != nil {
		t.Fatal(err)
	}
	return db, doc, &u
}

// A Hypothesis export comes in through Import on a real store, is
// exported as W3C JSON-LD, and a glossa export imported into a fresh
// store exports again the same, but for the marks of its import;
// importing a file twice adds nothing.
func TestImportExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, d, ann := testStore(t)
	data, err := os.ReadFile("testdata/hypothesis-export.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, db, ann, d, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatHypothesis || rep.Imported == 0 || rep.Document != testSlug {
		t.Fatalf("first import: %s", rep.Summary())
	}
	again, err := Import(ctx, db, ann, d, data, Options{})
	if err != nil || again.Imported != 0 || again.Skipped != rep.Imported {
		t.Fatalf("second import: %s, %v; want all %d skipped", again.Summary(), err, rep.Imported)
	}
	const base = "https://glossa.example"
	first, err := Export(ctx, db, base, ann, d, FormatJSONLD, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Name != testSlug+"-notes-ann.jsonld" || first.ContentType != AnnoType {
		t.Errorf("export file %q, %q", first.Name, first.ContentType)
	}
	var c struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(first.Body, &c); err != nil || c.Total != rep.Imported {
		t.Fatalf("export holds %d annotations (%v), want %d", c.Total, err, rep.Imported)
	}

	// A glossa export imported into a fresh database exports the same
	// (a Hypothesis note placed fuzzy is on the essay's words from then
	// on, so the first glossa export is the one that must come back).
	reimport := func(file File) File {
		db, d, u := testStore(t)
		rep2, err := Import(ctx, db, u, d, file.Body, Options{})
		if err != nil || rep2.Imported != rep.Imported || rep2.Format != FormatW3C {
			t.Fatalf("import of the export: %s, %v %v", rep2.Summary(), err, rep2.Lines)
		}
		f, err := Export(ctx, db, base, u, d, FormatJSONLD, Scope{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	second := reimport(first)
	if a, b := withoutImported(t, second.Body), withoutImported(t, reimport(second).Body); a != b {
		t.Errorf("the export of the imported export differs:\n%s\n---\n%s", a, b)
	}
	for _, format := range []string{FormatMarkdown, FormatCSV} {
		f, err := Export(ctx, db, base, ann, d, format, Scope{})
		if err != nil || len(f.Body) == 0 || !strings.Contains(string(f.Body), base+"/") {
			t.Errorf("%s export: %v, %d bytes, links under %s: %v", format, err, len(f.Body), base, strings.Contains(string(f.Body), base))
		}
	}
}

// A file that cannot be imported at all is an *Error whose kind says
// why (the web package answers 400, 413 or 422 by it), and nothing is
// written.
func TestImportErrorKinds(t *testing.T) {
	ctx := context.Background()
	db, d, ann := testStore(t)
	for _, tc := range []struct {
		name string
		data string
		want Kind
	}{
		{"empty", "  ", Malformed},
		{"not JSON", "{", Malformed},
		{"not UTF-8", "\xff\xfe", Malformed},
		{"too large", strings.Repeat(" ", MaxBytes+1), TooLarge},
		{"no annotations", `{"hello": 1}`, Unprocessable},
	} {
		_, err := Import(ctx, db, ann, d, []byte(tc.data), Options{})
		var te *Error
		if !errors.As(err, &te) || te.Kind != tc.want || te.Msg == "" {
			t.Errorf("%s: %v, want an *Error of kind %d", tc.name, err, tc.want)
		}
		if err := CheckFile([]byte(tc.data)); !errors.As(err, &te) || te.Kind != tc.want {
			t.Errorf("%s: CheckFile gave %v", tc.name, err)
		}
	}
	notes, err := db.ExportNotes(ctx, store.Viewer{UserID: ann.ID}, store.ExportQuery{DocumentID: d.ID})
	if err != nil || len(notes) != 0 {
		t.Errorf("%d notes written (%v), want none", len(notes), err)
	}
	if _, err := ParseFormat("pdf"); !errors.As(err, new(store.FieldErrors)) {
		t.Errorf("format pdf: %v, want a field error", err)
	}
	if _, err := ParseScope(ctx, db, ann, "group:99"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("scope of a group ann is not in: %v, want store.ErrNotFound", err)
	}
}

// FuzzImportFile reads outside input: no file may panic the reader or the
// placing, and every note it would write has a consistent target.
func FuzzImportFile(f *testing.F) {
	f.Add(must(os.ReadFile("testdata/hypothesis-export.json")))
	f.Add([]byte(`[{"type":"Annotation","target":{"selector":{"type":"FragmentSelector","value":"p-3d0519cf","refinedBy":[{"type":"TextQuoteSelector","exact":"two logics"},{"type":"TextPositionSelector","start":9,"end":19}]}}}]`))
	f.Add([]byte(`{"type":"AnnotationCollection","first":{"items":[{"type":"Annotation","motivation":["replying"],"target":"x"}]}}`))
	f.Add([]byte(`{"rows":[{"id":"a","uri":"/read/pempel-2016-alliances-asia-pacific-order","references":["a"]}]}`))
	f.Add([]byte(`[{"type":"Annotation","target":{"selector":{"type":"TextPositionSelector","start":-5,"end":99999999}}}]`))
	e := testDoc(f)
	var prev []content.PrevBlock
	for _, b := range e.Current.Blocks {
		prev = append(prev, content.PrevBlock{Anchor: b.Anchor, Hash: b.Hash, Text: b.Text})
	}
	align := content.Align(prev, e.Current.Blocks)
	f.Fuzz(func(t *testing.T, data []byte) {
		format, raws, _, err := decodeImportFile(data)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.Kind == 0 || te.Msg == "" {
				t.Fatalf("a bad file gave %v", err)
			}
			return
		}
		for i, raw := range raws {
			opt := Options{AnySource: i%2 == 1}
			it := w3cItem(raw, e, i+1, opt)
			if format == FormatHypothesis {
				it = hypothesisItem(raw, e, i+1, opt)
			}
			if it.reject != "" || it.reply {
				continue
			}
			tg, reject := importTarget(e, it.in)
			if reject != "" {
				continue
			}
			orig, cur := placeImported(e, align, tg, it.in.Anchor)
			for _, tg := range []store.Target{orig.Target, cur.Target} {
				if tg.Anchor == "" || tg.Start < 0 || tg.End-tg.Start != utf8.RuneCountInString(tg.Exact) || tg.Exact == "" && tg.Start != 0 {
					t.Fatalf("annotation %d: target %+v", i+1, tg)
				}
			}
			if cur.Status != store.StatusOrphan {
				b := e.Current.Block(cur.Anchor)
				if b == nil || cur.Exact != "" && content.Slice(b.Text, cur.Start, cur.End) != cur.Exact {
					t.Fatalf("annotation %d: placed %+v, which is not the text", i+1, cur)
				}
			}
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// withoutImported is a JSON-LD export without its annotations' "imported"
// marks, which say when each came in, and the date of the revision their
// target is on (each test store publishes the essay anew).
func withoutImported(t *testing.T, body []byte) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	for _, it := range v["first"].(map[string]any)["items"].([]any) {
		delete(it.(map[string]any), "imported")
		if tg, ok := it.(map[string]any)["target"].(map[string]any); ok {
			delete(tg, "state")
		}
	}
	return string(must(json.MarshalIndent(v, "", "  ")))
}
