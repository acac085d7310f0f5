package web

import (
	"container/list"
	"sync"
)

// byteLRU is a least-recently-used cache bounded by the bytes of its
// entries, as weigh counts them, not by their number: the caches of
// rendered pages, notes and note bodies hold values from a few hundred
// bytes to megabytes, and a bound on entries let a few thousand long
// notes grow them to gigabytes. An entry larger than a quarter of the
// budget is not kept at all (the caller has it and uses it once), so one
// huge value cannot empty the cache for everyone else.
//
// Plain recency, not frequency: every key of the page and note caches
// names a state of the notes (the store's generation, a note's version),
// so after a change the new keys are the ones asked for, and a policy that
// favours often-used old keys (TinyLFU, as in otter or ristretto) would
// turn the fresh pages away while the dead ones age.
type byteLRU[V any] struct {
	budget, max int
	weigh       func(key string, v V) int

	mu    sync.Mutex
	bytes int
	order list.List // of *lruEntry[V], most recently used first
	m     map[string]*list.Element
}

type lruEntry[V any] struct {
	key  string
	v    V
	size int
}

// lruOverhead is what an entry costs besides its key and value: the map
// slot, the list element, the entry.
const lruOverhead = 128

func newByteLRU[V any](budget int, weigh func(key string, v V) int) *byteLRU[V] {
	return &byteLRU[V]{budget: budget, max: budget / 4, weigh: weigh, m: map[string]*list.Element{}}
}

func (c *byteLRU[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[V]).v, true
}

// put keeps v under key, evicting the least recently used entries until
// the cache is within its budget again. It reports whether v was kept.
func (c *byteLRU[V]) put(key string, v V) bool {
	size := len(key) + c.weigh(key, v) + lruOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.remove(el)
	}
	if size > c.max {
		return false
	}
	c.m[key] = c.order.PushFront(&lruEntry[V]{key: key, v: v, size: size})
	c.bytes += size
	for c.bytes > c.budget {
		c.remove(c.order.Back())
	}
	return true
}

func (c *byteLRU[V]) remove(el *list.Element) {
	e := c.order.Remove(el).(*lruEntry[V])
	delete(c.m, e.key)
	c.bytes -= e.size
}

// size reports the bytes held and the number of entries.
func (c *byteLRU[V]) size() (bytes, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes, len(c.m)
}

// delete drops key's entry, if there is one.
func (c *byteLRU[V]) delete(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.remove(el)
	}
}

// clear drops every entry.
func (c *byteLRU[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.m)
	c.bytes = 0
}
