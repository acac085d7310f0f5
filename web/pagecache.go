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

// cachedPage is one rendered page, and the same page gzipped, made the
// first time a browser that may have it asks for it (see writePage).
type cachedPage struct {
	html   []byte
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
		// A page may gain its gzipped copy (smaller, or not kept) after
		// it is stored: count it now.
		return 2 * len(p.html)
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
	p := &cachedPage{html: b}
	c.lru.put(key, p)
	return p
}

// writePage writes a cached page, gzipped when mayCompress allows it
// (see compress.go: BREACH) and the browser accepts gzip. gzip brings a
// page of a thousand notes to under a tenth of its size (see
// BENCHMARKS.md). compressPages, in front of every page, has said in Vary
// what the answer depends on.
func writePage(w http.ResponseWriter, r *http.Request, p *cachedPage) error {
	if acceptsGzip(r) && mayCompress(r) {
		if gz := p.gzipped(); gz != nil {
			w.Header().Set("Content-Encoding", "gzip")
			return writeHTML(w, http.StatusOK, gz)
		}
	}
	return writeHTML(w, http.StatusOK, p.html)
}
