package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"glossa/store"
)

// getEncoded asks for path as a browser would, with Fetch Metadata site
// and mode ("" leaves the header out), accepting gzip; it returns the
// answer's Content-Encoding and its body, decompressed.
func getEncoded(t *testing.T, c *client, path, site, mode string) (encoding, body string, res *http.Response) {
	t.Helper()
	h := http.Header{"Accept-Encoding": {"gzip"}, "Sec-Fetch-Site": {site}} // explicit: not decompressed for us
	if mode != "" {
		h.Set("Sec-Fetch-Mode", mode)
	}
	res = c.do("GET", path, nil, h)
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s (site %q, mode %q): %d %v", path, site, mode, res.StatusCode, err)
	}
	encoding = res.Header.Get("Content-Encoding")
	if encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	if _, err := html.Parse(bytes.NewReader(b)); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return encoding, string(b), res
}

// A signed-in reader's pages, which hold their private notes beside text
// others chose, are gzipped only for a navigation from glossa itself or
// one the person typed (Fetch Metadata: site same-origin or none, mode
// navigate), never for what another site can make the browser send over
// and over, nor for a script's fetch (see compress.go: BREACH). Before,
// they were never gzipped.
func TestSignedInPagesCompressedOnlyForTheirOwnNavigations(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	note := grpNote(t, app, ann, p.Anchor, store.Private, 0, "a private note of ann", false)
	pages := []string{"/read/" + essaySlug, "/notes/" + note.ID, "/read/" + essaySlug + "/notes/" + p.Anchor, "/notebook"}
	for _, path := range pages {
		for i, c := range []struct {
			site, mode string
			gzip       bool
		}{
			{"same-origin", "navigate", true},
			{"none", "navigate", true}, // typed, or a bookmark
			{"same-origin", "navigate", true},
			{"cross-site", "navigate", false}, // a link or form on another site
			{"same-site", "navigate", false},  // a sibling subdomain
			{"cross-site", "no-cors", false},  // an image or script tag elsewhere
			{"same-origin", "cors", false},    // a script's fetch, which a live update causes
			{"same-origin", "", false},
			{"", "navigate", false}, // no Fetch Metadata: an old browser
			{"", "", false},
		} {
			enc, body, res := getEncoded(t, ann, path, c.site, c.mode)
			if got := enc == "gzip"; got != c.gzip {
				t.Errorf("GET %s #%d, site %q, mode %q: Content-Encoding %q, want gzip: %v", path, i, c.site, c.mode, enc, c.gzip)
			}
			if !strings.Contains(body, "a private note of ann") {
				t.Errorf("GET %s site %q mode %q: the page lacks ann's note (encoding %q)", path, c.site, c.mode, enc)
			}
			vary := strings.Join(res.Header.Values("Vary"), ", ")
			for _, v := range []string{"Accept-Encoding", "Sec-Fetch-Site", "Sec-Fetch-Mode"} {
				if !strings.Contains(vary, v) {
					t.Errorf("GET %s: Vary %q lacks %s", path, vary, v)
				}
			}
		}
	}
	// The paragraph a live update fetches: a script's request.
	if enc, _, _ := getEncoded(t, ann, "/read/"+essaySlug+"/blocks/"+p.Anchor, "same-origin", "cors"); enc != "" {
		t.Errorf("the block fragment a live update fetches went %q", enc)
	}
}

// A signed-out reader's pages hold nothing that is not public: they are
// gzipped whatever asked for them, the reading page and the others.
func TestSignedOutPagesCompressed(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	note := grpNote(t, app, ann, p.Anchor, store.Public, 0, "a public note", false)
	reader := app.client(t)
	for _, path := range []string{"/read/" + essaySlug, "/notes/" + note.ID, "/read/" + essaySlug + "/notes/" + p.Anchor, "/"} {
		for _, site := range []string{"cross-site", "same-origin", ""} {
			enc, body, _ := getEncoded(t, reader, path, site, "navigate")
			if enc != "gzip" {
				t.Errorf("signed out, GET %s from %q: Content-Encoding %q, want gzip", path, site, enc)
			}
			if path != "/" && !strings.Contains(body, "a public note") {
				t.Errorf("signed out, GET %s: the page lacks the public note", path)
			}
		}
	}
	// Not to a browser that refuses gzip.
	res := reader.do("GET", "/notes/"+note.ID, nil, http.Header{"Accept-Encoding": {"gzip;q=0"}})
	readBody(res)
	if enc := res.Header.Get("Content-Encoding"); enc != "" {
		t.Errorf("gzip;q=0 got %q", enc)
	}
}
