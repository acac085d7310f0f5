package web

import (
	"bytes"
	"html/template"
	"log/slog"
	"strconv"
	"strings"
)

// noteCache keeps each note's margin HTML, so a page with a thousand notes
// runs the "note" template only for notes it has not shown before. A note's
// HTML depends on its id and version (which every edit, moderation,
// resolution and acceptance bumps), on its current quote and status (which
// a new revision may move), on its reaction counts (which do not bump the
// version) and on the reader: whether they wrote it, are signed in, reacted,
// teach or belong to its group, may share it. All of that makes the key
// (noteKey), so entries never go stale, they only stop being asked for. The
// thread around a note (its replies and the reply form) is not cached: the
// "thread" template puts it together from the replies' cached HTML.
//
// It is bounded by bytes (byteLRU), keys included.
type noteCache struct {
	t   *template.Template
	log *slog.Logger
	lru *byteLRU[template.HTML]
}

// noteCacheBytes is the note cache's budget.
const noteCacheBytes = 32 << 20

func newNoteCache(t *template.Template, log *slog.Logger, budget int) *noteCache {
	return &noteCache{t: t, log: log, lru: newByteLRU(budget, func(_ string, h template.HTML) int { return len(h) })}
}

func (c *noteCache) html(nv noteView) template.HTML {
	key := noteKey(nv)
	if h, ok := c.lru.get(key); ok {
		return h
	}
	var buf bytes.Buffer
	if err := c.t.ExecuteTemplate(&buf, "note", nv); err != nil {
		// A template bug: the page still renders, without this note's body.
		c.log.Error("render note", "id", nv.ID, "err", err)
		return template.HTML(`<article class="note" data-note="` + template.HTMLEscapeString(nv.ID) + `">This note could not be shown.</article>`)
	}
	h := template.HTML(buf.String())
	c.lru.put(key, h)
	return h
}

// noteKey is everything the "note" template reads of nv, except the body,
// which follows the version. Keep it in step with noteView.
func noteKey(nv noteView) string {
	b := make([]byte, 0, 128)
	str := func(v string) { b = append(b, v...); b = append(b, 0) }
	num := func(v int64) { b = strconv.AppendInt(b, v, 10); b = append(b, 0) }
	flags := func(vs ...bool) {
		for _, v := range vs {
			if v {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
		}
		b = append(b, 0)
	}
	str(nv.ID)
	num(nv.Version)
	str(string(nv.Status))
	str(nv.Exact)
	str(nv.Anchor)
	str(nv.Slug)
	str(string(nv.Audience))
	num(nv.GroupID)
	str(nv.GroupName)
	str(nv.ParentID)
	str(nv.HiddenReason)
	num(int64(nv.Helpful))
	num(int64(nv.Same))
	num(int64(nv.OrigRevision))
	str(nv.OrigAnchor)
	str(nv.OrigExact)
	num(nv.Created.UnixNano())
	str(strings.Join(nv.Tags, "\x1f"))
	flags(nv.Mine, nv.Edited, nv.Guide, nv.Question, nv.Resolved, nv.Hidden, nv.Shared,
		nv.SignedIn, nv.MyHelpful, nv.MySame, nv.Teacher, nv.Member, nv.CanShare,
		nv.ParentQuestion, nv.Accepted, nv.Closed, nv.Imported, nv.ImportedQuote, nv.QuoteByImporter)
	return string(b)
}
