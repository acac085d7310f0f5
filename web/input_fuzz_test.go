package web

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"glossa/library"
)

// checkTarget fails t unless an accepted target lies inside its block: the
// offsets are in range and the quote is the block's text between them.
func checkTarget(t *testing.T, e *library.Doc, in noteInput, d newNoteData) {
	t.Helper()
	b := e.Current.Block(d.target.Anchor)
	if b == nil {
		t.Fatalf("accepted %+v on anchor %q, which is not in the document", in, d.target.Anchor)
	}
	text := []rune(b.Text)
	s, end := d.target.Start, d.target.End
	if s < 0 || end < s || end > len(text) {
		t.Fatalf("accepted %+v with offsets %d..%d in a block of %d code points", in, s, end, len(text))
	}
	if s != end && d.target.Exact != string(text[s:end]) {
		t.Fatalf("accepted %+v: quote %q is not the text at %d..%d (%q)", in, d.target.Exact, s, end, string(text[s:end]))
	}
}

// FuzzAnnotationJSON decodes arbitrary bytes as an incoming W3C annotation
// (readIncoming: shapes, bodies, selectors) and validates it against the
// essay (noteFromInput): it must never panic, every error must be one the
// API answers with a 4xx, and what is accepted must point inside the text.
func FuzzAnnotationJSON(f *testing.F) {
	app := newApp(f)
	e := app.essay(f)
	p := e.Current.Blocks[len(e.Current.Blocks)/2]
	for _, s := range []string{
		`{"type":"Annotation","bodyValue":"x","target":{"selector":{"type":"FragmentSelector","value":"` + p.Anchor + `"}}}`,
		`{"type":"Annotation","body":{"type":"TextualBody","value":"x"},"target":{"selector":{"type":"FragmentSelector","value":"` + p.Anchor + `","refinedBy":{"type":"TextPositionSelector","start":0,"end":4}}}}`,
		`{"body":[{"type":"TextualBody","purpose":"tagging","value":"t"}],"target":{"selector":[{"type":"FragmentSelector","value":"` + p.Anchor + `"},{"type":"TextQuoteSelector","exact":"the"}]}}`,
		`{"motivation":"replying","bodyValue":"r","target":"http://x/api/annotations/abc"}`,
		`{"target":{"selector":{"type":"FragmentSelector","value":"` + p.Anchor + `","refinedBy":{"type":"TextPositionSelector","start":-1,"end":99999999999}}}}`,
		`[1,2]`, `null`, `{"body":42}`, `{"target":[1]}`, `{"audience":{"x":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := httptest.NewRequest("POST", "/api/documents/"+essaySlug+"/annotations/", strings.NewReader(string(data)))
		r.Header.Set("Content-Type", "application/ld+json")
		in, err := readIncoming(httptest.NewRecorder(), r, essaySlug)
		if err != nil {
			check4xx(t, data, err)
			return
		}
		if in.Parent != "" {
			return // a reply: its target is a note, looked up in the store
		}
		d, err := noteFromInput(e, in, nil)
		if err != nil {
			check4xx(t, data, err)
			return
		}
		if !utf8.ValidString(d.body) {
			t.Fatalf("accepted a body that is not UTF-8 from %q", data)
		}
		checkTarget(t, e, in, d)
	})
}

// check4xx fails t unless err is answered (statusOf, the error adapter's
// own choice) with a status below 500 and a message: a 5xx for bad input
// would be glossa's fault.
func check4xx(t *testing.T, data []byte, err error) {
	t.Helper()
	var fe fieldErrors
	if errors.As(err, &fe) && len(fe) == 0 {
		t.Fatalf("%q: empty field errors", data)
	}
	status, msg := statusOf(err)
	if status < 400 || status >= 500 || msg == "" {
		t.Fatalf("%q: error %T %v would be answered %d %q", data, err, err, status, msg)
	}
}

// FuzzNoteFormTarget feeds the note form's target fields (anchor, phrase,
// start, end as text) to the same validation the form handler uses.
func FuzzNoteFormTarget(f *testing.F) {
	app := newApp(f)
	e := app.essay(f)
	p := e.Current.Blocks[len(e.Current.Blocks)/2]
	f.Add(p.Anchor, "the", "", "")
	f.Add(p.Anchor, string([]rune(p.Text)[:5]), "0", "5")
	f.Add(p.Anchor, "x", "-1", "3")
	f.Add(p.Anchor, "x", "1", "3") // a quote that is not the text there
	f.Add(p.Anchor, "", "9223372036854775807", "-9223372036854775808")
	f.Add("../"+p.Anchor, "\x00", "1", "")
	f.Fuzz(func(t *testing.T, anchor, phrase, start, end string) {
		fe := fieldErrors{}
		in := noteInput{Anchor: anchor, Phrase: phrase, Body: "x", Audience: "private"}
		in.Start, in.End = formInt(start, "start", fe), formInt(end, "end", fe)
		if in.Start != nil {
			in.Exact, in.Phrase = phrase, ""
		}
		d, err := noteFromInput(e, in, nil)
		if err != nil {
			check4xx(t, []byte(anchor+"|"+phrase+"|"+start+"|"+end), err)
			return
		}
		if len(fe) > 0 {
			return // the handler refuses these
		}
		checkTarget(t, e, in, d)
	})
}
