package web

import (
	"html/template"

	"glossa/content"
)

// bodyRenderer keeps the safe HTML of note bodies (content.NoteHTML).
// A page with a thousand notes must not parse a thousand bodies, so
// results are kept in a cache bounded by bytes (byteLRU) and keyed by the
// body itself: the same text always renders the same way, so there is
// nothing to invalidate.
type bodyRenderer struct {
	cache *byteLRU[template.HTML]
}

// bodyCacheBytes is the body cache's budget, bodies (its keys) included.
const bodyCacheBytes = 16 << 20

func newBodyRenderer(cacheBytes int) *bodyRenderer {
	return &bodyRenderer{cache: newByteLRU(cacheBytes, func(_ string, h template.HTML) int { return len(h) })}
}

// render returns the safe HTML of a Markdown note body.
func (br *bodyRenderer) render(body string) template.HTML {
	if body == "" {
		return ""
	}
	if h, ok := br.cache.get(body); ok {
		return h
	}
	h := content.NoteHTML(body)
	br.cache.put(body, h)
	return h
}
