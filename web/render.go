package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"glossa/store"
)

// basePage is what every page's layout needs.
type basePage struct {
	Title string
	User  *store.User
	// Here is the current path and query, for "sign in and come back" links.
	Here string
	// Scripts are ES modules to load, as paths under static/.
	Scripts []string
	// Styles are stylesheets of this page only, after the site's.
	Styles []string
	// Unread counts the signed-in reader's unread notifications, for the
	// header. It changes only with a commit, so the store generation in
	// the page cache's key covers it.
	Unread int
}

func (s *Server) base(r *http.Request, title string) basePage {
	p := basePage{Title: title, User: userFrom(r.Context()), Here: r.URL.RequestURI()}
	if p.User != nil {
		n, err := s.db.UnreadNotifications(r.Context(), p.User.ID)
		if err != nil && !clientGone(r, err) {
			// The header's count is not worth failing a page for.
			s.log.Error("unread notifications", "user", p.User.ID, "err", err)
		}
		p.Unread = n
	}
	return p
}

// pageSet holds one parsed template set per page: the layout plus the page.
type pageSet struct {
	pages map[string]*template.Template
}

func loadPages(fsys fs.FS, st *staticFiles) (*pageSet, error) {
	funcs := template.FuncMap{
		"static": st.url,
		"signinURL": func(next string) string {
			return "/signin?next=" + url.QueryEscape(next)
		},
		"join":       strings.Join,
		"tagListFor": tagListFor,
		"tagLink":    tagLink,
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{pages: map[string]*template.Template{}}
	for _, name := range names {
		if name == "base.html" || strings.HasPrefix(name, "_") {
			continue
		}
		// Partials (_*.html) are shared by every page.
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, "base.html", "_*.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		ps.pages[name] = t
	}
	return ps, nil
}

// render executes a page into a buffer first, so a template error is a clean
// 500 and never half a page.
func (ps *pageSet) render(w http.ResponseWriter, status int, name string, data any) error {
	return ps.renderTemplate(w, status, name, "base", data)
}

// renderTemplate executes one named template of a page's set.
func (ps *pageSet) renderTemplate(w http.ResponseWriter, status int, page, tmpl string, data any) error {
	b, err := ps.renderBytes(page, tmpl, data)
	if err != nil {
		return err
	}
	return writeHTML(w, status, b)
}

// renderBytes executes one named template of a page's set into memory.
func (ps *pageSet) renderBytes(page, tmpl string, data any) ([]byte, error) {
	t, ok := ps.pages[page]
	if !ok {
		return nil, fmt.Errorf("no template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

func writeHTML(w http.ResponseWriter, status int, b []byte) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(b)
	return err
}

// writeJSON writes v with the given content type; v is encoded first so an
// encoding error is a clean 500.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return err
	}
	return writeBody(w, status, contentType, b)
}

// encodeJSON is the body writeJSON sends for v, for a handler that needs
// the bytes first (to compute an ETag from them).
func encodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return append(b, '\n'), nil
}

// writeBody writes an encoded body with its content type.
func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, err := w.Write(b)
	return err
}
