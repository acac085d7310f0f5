package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"glossa/library"
	"glossa/store"
)

// The error adapter: handlers return an error, and page and api turn it
// into the answer (an error page, or JSON for the API and the reader's
// JavaScript) with its status; serveError logs a 5xx once.

// httpError is an error with the status and the sentence a person sees.
type httpError struct {
	status int
	msg    string
	err    error  // the cause, logged for 5xx
	title  string // the error page's title, when the status's name would say too little
	// header is set on the answer (Retry-After, say).
	header http.Header
	// quiet: a refusal by design (a limit reached), not a failure, so a
	// 5xx is not logged.
	quiet bool
}

func (e *httpError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.msg, e.err)
	}
	return fmt.Sprintf("%d %s", e.status, e.msg)
}

func (e *httpError) Unwrap() error { return e.err }

var errNotFound = &httpError{status: http.StatusNotFound, msg: "There is nothing here. The page may have moved, or it may not be yours to see."}

// notInAudience says why someone may see a note of theirs but not write
// in its thread.
const notInAudience = "This thread is no longer open to you: you are not a member of its group now, " +
	"or its author narrowed who may see it. Your own notes and replies there stay yours to read and delete, " +
	"but you can no longer reply, edit or react in it."

func errForbidden(msg string) error { return &httpError{status: http.StatusForbidden, msg: msg} }

func errBadRequest(msg string) error {
	return &httpError{status: http.StatusBadRequest, msg: msg}
}

// fieldErrors are validation errors keyed by form field or JSON property
// (store.FieldErrors). They are shown next to the field, with what the
// person typed kept.
type fieldErrors = store.FieldErrors

// statusOf maps an error to its HTTP status and public message.
func statusOf(err error) (int, string) {
	var he *httpError
	var fe fieldErrors
	var qe *library.QuoteError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.As(err, &qe):
		// The client's quote is not the text (docs/anchoring.md).
		return http.StatusConflict, qe.Msg
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity, fe.Error()
	case errors.Is(err, store.ErrNotFound):
		return errNotFound.status, errNotFound.msg
	case errors.Is(err, store.ErrNotInAudience):
		return http.StatusForbidden, notInAudience
	case errors.Is(err, store.ErrForbidden):
		return http.StatusForbidden, "That is for the group's teachers, or for its members, only."
	case errors.Is(err, store.ErrInvalid):
		return http.StatusUnprocessableEntity, invalidMessage(err)
	case errors.Is(err, store.ErrStale):
		return http.StatusPreconditionFailed, "The note was changed since you loaded it. Reload it and make your change again."
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("The request is larger than the %d bytes glossa accepts.", mbe.Limit)
	}
	return http.StatusInternalServerError, "Something went wrong on our side. It has been logged; please try again."
}

// invalidMessage is the part of a store validation error meant for
// people (store.FieldError.Sentence).
func invalidMessage(err error) string {
	var fe *store.FieldError
	if errors.As(err, &fe) {
		return fe.Sentence()
	}
	return "That request is not valid."
}

// page adapts a handler that returns an error: the error becomes an error
// page, and 5xx errors are logged once, here.
func (s *Server) page(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	}
}

// clientGone reports whether err is the request's own cancellation: the
// client closed the connection (or, over HTTP/2, reset the stream), so
// net/http cancelled the request's context, and the database or a wait
// gave up because of it. A deadline, or a cancellation that is not the
// request's, is still an error.
func clientGone(r *http.Request, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled)
}

type errorPage struct {
	basePage
	Status  int
	Message string
}

func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	if clientGone(r, err) {
		// Nobody is there to read an answer, and nothing went wrong here.
		s.log.Debug("request cancelled by the client", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	status, msg := statusOf(err)
	he := (*httpError)(nil)
	errors.As(err, &he)
	if he != nil {
		for k, v := range he.header {
			w.Header()[k] = v
		}
	}
	if status >= 500 && (he == nil || !he.quiet) {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") || wantsJSON(r) {
		writeJSONError(w, status, msg, err)
		return
	}
	title := http.StatusText(status)
	if he != nil && he.title != "" {
		title = he.title
	}
	p := errorPage{basePage: s.base(r, title), Status: status, Message: msg}
	if rerr := s.pages.render(w, status, "error.html", p); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, msg, status)
	}
}

type jsonError struct {
	Error  string            `json:"error"`
	Status int               `json:"status"`
	Fields map[string]string `json:"fields,omitempty"`
}

func writeJSONError(w http.ResponseWriter, status int, msg string, err error) {
	je := jsonError{Error: msg, Status: status}
	var fe fieldErrors
	if errors.As(err, &fe) {
		je.Fields = fe
	}
	w.Header().Set("Cache-Control", "no-store")
	_ = writeJSON(w, status, "application/json; charset=utf-8", je)
}

// api adapts an API handler: errors become JSON {"error", "status",
// "fields"} with the right status; 5xx are logged once.
func (s *Server) api(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept, Prefer, Cookie, Authorization")
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	}
}

func errSignIn() error {
	return &httpError{status: http.StatusUnauthorized, msg: "Sign in first."}
}
