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
type pageCache struct {
	mu    sync.RWMutex
	m     map[string]*cachedPage
	bytes int
}

// cachedPage is one rendered page, and for signed-out readers the same
// page gzipped, made the first time a browser asks for it.
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

const (
	pageCacheEntries = 512
	pageCacheBytes   = 64 << 20
)

func newPageCache() *pageCache { return &pageCache{m: map[string]*cachedPage{}} }

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

func (c *pageCache) get(key string) (*cachedPage, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	b, ok := c.m[key]
	return b, ok
}

// put stores a page. When full, the cache starts again empty: entries of
// old generations are dead anyway, and a crude bound beats bookkeeping.
func (c *pageCache) put(key string, b []byte) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= pageCacheEntries || c.bytes+len(b) > pageCacheBytes {
		clear(c.m)
		c.bytes = 0
	}
	if old, ok := c.m[key]; ok {
		c.bytes -= len(old.html)
	}
	p := &cachedPage{html: b}
	c.m[key] = p
	c.bytes += len(b)
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
