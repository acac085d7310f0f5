package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"glossa/store"
)

// Helpers for reading a request: its forms, what it asks for back, who
// signed in, the base of its URLs.

// redirectToSignIn sends a signed-out reader to sign in and come back.
func redirectToSignIn(w http.ResponseWriter, r *http.Request, next string) {
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// wantsJSON is true for the reader's JavaScript, which posts the same forms
// and asks for JSON back.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// formInt parses an optional integer field.
func formInt(v, field string, fe fieldErrors) *int {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fe[field] = fmt.Sprintf("%s must be a whole number.", field)
		return nil
	}
	return &n
}

// Limits on a form post's bytes.
const (
	maxFormBytes      = 64 << 10 // a form that may carry a note's body
	maxSmallFormBytes = 16 << 10 // a form of names and choices (a group's)
)

// parseForm reads a form post of at most limit bytes; a larger or
// unreadable one is a 413.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: "The form is too large or could not be read.", err: err}
	}
	return nil
}

// signedInFor returns the signed-in reader, or answers the request for a
// signed-out one: a page request goes to sign in and comes back to next,
// the reader's JavaScript gets 401. done reports that it answered.
func (s *Server) signedInFor(w http.ResponseWriter, r *http.Request, next string) (*store.User, bool) {
	if u := userFrom(r.Context()); u != nil {
		return u, false
	}
	if wantsJSON(r) {
		s.serveError(w, r, errSignIn())
	} else {
		redirectToSignIn(w, r, next)
	}
	return nil, true
}

// baseURL is the absolute root for IRIs: the configured one, or this
// request's.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
