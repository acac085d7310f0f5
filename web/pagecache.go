package web

import (
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
	m     map[string][]byte
	bytes int
}

const (
	pageCacheEntries = 512
	pageCacheBytes   = 64 << 20
)

func newPageCache() *pageCache { return &pageCache{m: map[string][]byte{}} }

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

func (c *pageCache) get(key string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	b, ok := c.m[key]
	return b, ok
}

// put stores a page. When full, the cache starts again empty: entries of
// old generations are dead anyway, and a crude bound beats bookkeeping.
func (c *pageCache) put(key string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= pageCacheEntries || c.bytes+len(b) > pageCacheBytes {
		clear(c.m)
		c.bytes = 0
	}
	if old, ok := c.m[key]; ok {
		c.bytes -= len(old)
	}
	c.m[key] = b
	c.bytes += len(b)
}
