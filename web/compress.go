package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Compression, and BREACH.
//
// A signed-in reader's pages hold secrets (their private notes, their
// groups' notes) beside text an attacker may choose (a public note, a
// group member's note, a search query in the URL). Compressed, such a
// page is shorter when the attacker's text repeats part of a secret, and
// that is BREACH: someone who can see the sizes of the encrypted answers
// (on the same network) and who can make the victim's browser ask for the
// page over and over, with guess after guess, reads the secret a few
// characters at a time. It takes thousands of requests.
//
// What the attacker cannot do is make those requests look as if the
// reader made them on glossa. Browsers say where each request comes from
// in Fetch Metadata headers, which a page cannot set or forge:
// Sec-Fetch-Site ("cross-site", "same-site", "same-origin", or "none"
// for one the person made by typing the address or choosing a bookmark),
// and Sec-Fetch-Mode ("navigate" for loading a page, "cors", "no-cors"
// and so on for a script's fetch, an image, a stylesheet). So a
// signed-in reader's answer is compressed only for a navigation that is
// same-origin or "none":
//
//   - Cross-site requests, the ones another site can send in a loop
//     (links, forms, window.open, images, fetch), are never compressed,
//     and neither are same-site ones (a sibling subdomain may be someone
//     else's). SameSite=Lax already keeps the session cookie off all but
//     top-level navigations; this covers those.
//   - Same-origin navigations happen when the reader follows a link or
//     posts a form on glossa: each is a person's click, not something an
//     attacker repeats a thousand times. glossa's scripts navigate only
//     in answer to the reader's own actions (an edit, a reply, a move);
//     no script may reload or navigate on a live event or any other
//     thing another reader can cause, or that would hand an attacker a
//     same-origin navigation per note they write.
//   - Same-origin fetches are never compressed, because an attacker can
//     cause them: a live update (another reader's note, edited again and
//     again) makes the page fetch the changed paragraph, whose HTML holds
//     the reader's own notes beside the attacker's text.
//   - A request without Fetch Metadata (a browser too old to send it, or
//     a program) is not compressed when signed in.
//
// A signed-out reader's pages hold nothing that is not public, so they
// are compressed whatever asked for them. The request is the only input:
// the page's content (which notes it shows) is the same either way, and
// the answer says so with Vary. Mitigations that hide the length instead
// (random padding) only slow the attack down, and separating secrets from
// reflected text would mean not showing a reader's notes beside others'
// at all.
//
// The cached reading page keeps a gzipped copy of itself (writePage);
// other HTML pages are compressed as they are sent, at BestSpeed
// (compressPages).

// mayCompress reports whether the answer to r may be compressed: always
// for a reader who is not signed in, and for one who is, only for a
// navigation from glossa itself or typed by the person.
func mayCompress(r *http.Request) bool {
	if viewerOf(r.Context()).UserID == 0 {
		return true
	}
	if r.Header.Get("Sec-Fetch-Mode") != "navigate" {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	}
	return false
}

// varyCompression names in the answer what its encoding may depend on.
func varyCompression(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if viewerOf(r.Context()).UserID != 0 {
		h.Add("Vary", "Sec-Fetch-Site, Sec-Fetch-Mode")
	}
}

// compressPages gzips HTML pages (200, text/html, not encoded already:
// the cached reading page sends its own gzipped copy) that mayCompress
// allows, to a browser that accepts gzip, at BestSpeed, as they are
// written. chi's Compressor would do most of this, but it compresses every
// status (a redirect's HEAD, with no body, then gets an empty gzip stream
// and a Content-Length its GET has not), takes "gzip;q=0" for a yes, and
// resets an encoder for every request whether it compresses or not.
func compressPages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		varyCompression(w, r)
		if !acceptsGzip(r) || !mayCompress(r) {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipPageWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

// gzipWriters are the encoders compressPages uses, kept between requests
// (an encoder holds several hundred kilobytes of tables).
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return zw
}}

// gzipPageWriter compresses what is written when the answer is an HTML
// page, and passes anything else through untouched.
type gzipPageWriter struct {
	http.ResponseWriter
	status int          // 0 until the header is written
	on     bool         // compressing
	zw     *gzip.Writer // from the first byte compressed until close
}

func (g *gzipPageWriter) WriteHeader(code int) {
	if g.status == 0 && code >= 200 {
		g.status = code
		h := g.Header()
		ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
		if code == http.StatusOK && ct == "text/html" && h.Get("Content-Encoding") == "" {
			g.on = true
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipPageWriter) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.WriteHeader(http.StatusOK)
	}
	if !g.on {
		return g.ResponseWriter.Write(b)
	}
	if g.zw == nil {
		g.zw = gzipWriters.Get().(*gzip.Writer)
		g.zw.Reset(g.ResponseWriter)
	}
	return g.zw.Write(b)
}

// Flush sends what is compressed so far.
func (g *gzipPageWriter) Flush() {
	if g.zw != nil {
		g.zw.Flush()
	}
	http.NewResponseController(g.ResponseWriter).Flush()
}

func (g *gzipPageWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// close ends the gzip stream and returns the encoder.
func (g *gzipPageWriter) close() {
	if g.zw == nil {
		return
	}
	g.zw.Close()
	g.zw.Reset(io.Discard) // let go of the connection's writer
	gzipWriters.Put(g.zw)
	g.zw = nil
}
