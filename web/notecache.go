package web

import (
	"bytes"
	"fmt"
	"html/template"
	"log/slog"
	"sync"
)

// noteCache keeps each note's margin HTML, so a page with a thousand notes
// runs the "note" template only for notes it has not shown before. A note's
// HTML depends on its id and version (which every edit bumps), on whether
// the reader wrote it (the Edit and Delete links) and on its current quote
// (which a new revision may move); those make the key, so entries never go
// stale, they only stop being asked for.
type noteCache struct {
	t   *template.Template
	log *slog.Logger

	mu sync.RWMutex
	m  map[string]template.HTML
}

const noteCacheSize = 50000

func newNoteCache(t *template.Template, log *slog.Logger) *noteCache {
	return &noteCache{t: t, log: log, m: map[string]template.HTML{}}
}

func (c *noteCache) html(nv noteView) template.HTML {
	key := fmt.Sprintf("%s\x00%d\x00%t\x00%s\x00%s", nv.ID, nv.Version, nv.Mine, nv.Status, nv.Exact)
	c.mu.RLock()
	h, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return h
	}
	var buf bytes.Buffer
	if err := c.t.ExecuteTemplate(&buf, "note", nv); err != nil {
		// A template bug: the page still renders, without this note's body.
		c.log.Error("render note", "id", nv.ID, "err", err)
		return template.HTML(`<article class="note" data-note="` + template.HTMLEscapeString(nv.ID) + `">This note could not be shown.</article>`)
	}
	h = template.HTML(buf.String())
	c.mu.Lock()
	if len(c.m) >= noteCacheSize {
		clear(c.m)
	}
	c.m[key] = h
	c.mu.Unlock()
	return h
}
