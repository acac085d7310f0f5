package web

import (
	"compress/gzip"
	"net/http"
	"strconv"
	"sync"
)

// pageCache keeps whole rendered reading pages. A page is a function of the
// URL, of who is reading (their own and others' notes, their name in the
// header) and of the notes in the database, whose state the store's
// generation counter names; the key holds all three, so an entry can never
// be shown to another reader or after a change. This is what lets a page
// with a thousand notes be served about as fast as a static file.
//
// It is bounded by bytes (byteLRU): a page larger than a quarter of the
// budget is served but not kept.
type pageCache struct {
	lru *byteLRU[*cachedPage]
}

// cachedPage is one rendered page, and for signed-out readers the same
// page gzipped, made the first time a browser asks for it.
type cachedPage struct {
	html   []byte
	public bool // for a signed-out reader: it may be gzipped
	gzOnce sync.Once
	gz     []byte // nil until made, or when gzip does not save bytes
}

// gzipped returns the page compressed, or nil when that saves nothing.
func (p *cachedPage) gzipped() []byte {
	p.gzOnce.Do(func() { p.gz = gzipped(p.html, gzip.DefaultCompression) })
	return p.gz
}

// pageCacheBytes is the page cache's budget.
const pageCacheBytes = 64 << 20

func newPageCache(budget int) *pageCache {
	return &pageCache{lru: newByteLRU(budget, func(_ string, p *cachedPage) int {
		// A page for a signed-out reader may gain its gzipped copy
		// (smaller, or not kept) after it is stored: count it now.
		if p.public {
			return 2 * len(p.html)
		}
		return len(p.html)
	})}
}

// pageKey is the cache key of r's page for its viewer at generation gen.
// extra names anything else the page depends on that is neither in the URL
// nor in the store, such as a preference kept in the session.
func pageKey(r *http.Request, gen uint64, extra ...string) string {
	k := strconv.FormatInt(viewerOf(r.Context()).UserID, 10) + "|" +
		strconv.FormatUint(gen, 10) + "|" + r.URL.RequestURI()
	for _, x := range extra {
		k += "|" + x
	}
	return k
}

func (c *pageCache) get(key string) (*cachedPage, bool) { return c.lru.get(key) }

// put stores the page b of r's reader under key, when it is small enough
// to keep, and returns it to be written.
func (c *pageCache) put(r *http.Request, key string, b []byte) *cachedPage {
	p := &cachedPage{html: b, public: viewerOf(r.Context()).UserID == 0}
	c.lru.put(key, p)
	return p
}

// writePage writes a cached page, gzipped when the reader is signed out
// and the browser accepts gzip. A signed-in reader's page is sent plain on
// purpose: it holds their private notes beside text others wrote (their
// group's notes, public ones), which is what BREACH needs to guess a
// secret from compressed sizes; a signed-out reader's page holds nothing
// that is not public. gzip brings a page of a thousand notes from about
// 700 KB to under a tenth of that (see BENCHMARKS.md).
func writePage(w http.ResponseWriter, r *http.Request, p *cachedPage) error {
	h := w.Header()
	if viewerOf(r.Context()).UserID != 0 {
		return writeHTML(w, http.StatusOK, p.html)
	}
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		if gz := p.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			return writeHTML(w, http.StatusOK, gz)
		}
	}
	return writeHTML(w, http.StatusOK, p.html)
}
