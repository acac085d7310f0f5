package web

// The API's export and import, beside the page's (transfer.go), which
// share the transfer package's work and its errors' statuses. Routes:
// routes.go.

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/go-chi/chi/v5"

	"glossa/transfer"
)

// apiExport serves GET /api/documents/{slug}/export: ?format= md, csv or
// jsonld (the default), ?scope= mine (the default) or group:ID (teachers).
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	format := transfer.FormatJSONLD
	if v := r.URL.Query().Get("format"); v != "" {
		if format, err = transfer.ParseFormat(v); err != nil {
			return err
		}
	}
	return s.serveExport(w, r, u, e, format, r.URL.Query().Get("scope"))
}

// apiImport serves POST /api/documents/{slug}/import: the file is the
// request body (application/json or application/ld+json, at most
// transfer.MaxBytes); the answer is the report. A file that cannot be read
// at all is 400, 413 or 422 with the reason, and nothing is imported.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "application/ld+json" && ct != "application/json") {
		return &httpError{status: http.StatusUnsupportedMediaType,
			msg: "Send the file as the request body, as application/json or application/ld+json."}
	}
	var opt transfer.Options
	switch v := r.URL.Query().Get("source"); v {
	case "":
	case "any":
		opt.AnySource = true
	default:
		return &httpError{status: http.StatusBadRequest,
			msg: fmt.Sprintf("source=%q: the only choice is source=any, to place on this essay, by their quotes, notes made on other pages.", v)}
	}
	rep, _, err := s.importUpload(r.Context(), u, e, func() ([]byte, transfer.Options, error) {
		r.Body = http.MaxBytesReader(w, r.Body, transfer.MaxBytes)
		data, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, opt, importError(http.StatusRequestEntityTooLarge, "The file is larger than the %s glossa imports at a time. Split it.", transfer.ByteSize(transfer.MaxBytes))
		}
		return data, opt, err
	})
	if err != nil {
		retryAfter(w, err)
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, rep)
}
