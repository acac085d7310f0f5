package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"
)

// staticFiles serves static/ with content-hash URLs: templates link to
// /static/css/site.css?v=HASH, which may be cached for a year because a
// changed file gets a new hash. Files are read into memory once; the whole
// folder is a few tens of kilobytes. Text files are also gzipped once, at
// start-up, and sent so to browsers that accept it: a first visit then
// downloads about a third of the bytes, at no cost per request.
type staticFiles struct {
	files map[string]staticFile
}

type staticFile struct {
	body  []byte
	gz    []byte // body gzipped, when that is smaller; nil otherwise
	hash  string
	ctype string
}

// minifier shortens scripts and stylesheets (tdewolff/minify: comments,
// white space, local names), once at start-up like the gzipping. The
// sources keep their comments for people; browsers get a fifth less to
// download after gzip, which keeps the reading page's JavaScript inside
// its 20 KB budget (BENCHMARKS.md). Every browser test runs the minified
// files.
var minifier = func() *minify.M {
	m := minify.New()
	m.Add("text/css", &css.Minifier{})
	m.Add("text/javascript", &js.Minifier{})
	return m
}()

// minified returns b minified if its type is CSS or JavaScript, else b.
func minified(b []byte, ctype string) ([]byte, error) {
	mt, _, _ := strings.Cut(ctype, ";")
	switch strings.TrimSpace(mt) {
	case "text/css":
		return minifier.Bytes("text/css", b)
	case "text/javascript", "application/javascript":
		return minifier.Bytes("text/javascript", b)
	}
	return b, nil
}

// gzipped returns b compressed at level, or nil when that does not save
// bytes.
func gzipped(b []byte, level int) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, level) // callers pass a valid level: no error
	zw.Write(b)
	zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return strings.ReplaceAll(params, " ", "") != "q=0"
		}
	}
	return false
}

func loadStatic(fsys fs.FS) (*staticFiles, error) {
	sf := &staticFiles{files: map[string]staticFile{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(b)
		}
		if b, err = minified(b, ctype); err != nil {
			return fmt.Errorf("minify %s: %w", p, err)
		}
		sum := sha256.Sum256(b)
		f := staticFile{body: b, hash: hex.EncodeToString(sum[:6]), ctype: ctype}
		if strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") || strings.Contains(ctype, "svg") {
			f.gz = gzipped(b, gzip.BestCompression)
		}
		sf.files[p] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	return sf, nil
}

// url returns the cache-busting URL of a static file; it panics on a name
// that does not exist so a typo in a template fails at start-up tests.
func (sf *staticFiles) url(name string) string {
	f, ok := sf.files[name]
	if !ok {
		panic("static: no file " + name)
	}
	return "/static/" + name + "?v=" + f.hash
}

// ServeHTTP serves one file (the path already stripped of /static).
func (sf *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f, ok := sf.files[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	body, etag := f.body, `"`+f.hash+`"`
	if f.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = f.gz, `"`+f.hash+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}
