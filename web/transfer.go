package web

// The export and import page (the API's are api_transfer.go): the HTTP
// side of the transfer package, which reads and writes the files (and
// which "glossa export" and "glossa import" call directly). Routes:
// routes.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/library"
	"glossa/store"
	"glossa/transfer"
)

// transferPage is the page to export and import a document's notes, with
// an import's report or the reason it failed.
type transferPage struct {
	basePage
	Slug        string
	DocTitle    string
	Formats     []transferChoice
	Scopes      []transferChoice
	MaxImport   string
	Report      *transfer.Report
	ImportError string
	// AnySource: the import form's "made on another page" box, ticked.
	AnySource bool
	// Sources are the pages where the essay was first published.
	Sources     []string
	ImportLimit int // notes a reader may import a day
}

type transferChoice struct {
	Value, Label, Help string
	Selected           bool
}

func (s *Server) buildTransferPage(r *http.Request, u *store.User, e *library.Doc) (transferPage, error) {
	p := transferPage{
		basePage: s.base(r, "Export and import notes · "+e.Current.Meta.Title),
		Slug:     e.Slug, DocTitle: e.Current.Meta.Title, MaxImport: transfer.ByteSize(transfer.MaxBytes),
		Sources: e.Current.Meta.Source, ImportLimit: s.cfg.ImportLimit,
		Formats: []transferChoice{
			{Value: transfer.FormatMarkdown, Label: "Markdown", Help: "to read: the essay’s paragraphs with their notes", Selected: true},
			{Value: transfer.FormatCSV, Label: "CSV", Help: "for a spreadsheet: one row per note and reply"},
			{Value: transfer.FormatJSONLD, Label: "W3C Web Annotation (JSON-LD)", Help: "to import here or elsewhere"},
		},
		Scopes: []transferChoice{{Value: "mine", Label: "My notes and replies", Selected: true}},
	}
	ms, err := s.db.Memberships(r.Context(), u.ID)
	if err != nil {
		return p, err
	}
	for _, m := range ms {
		if m.Role == store.RoleTeacher {
			p.Scopes = append(p.Scopes, transferChoice{Value: "group:" + strconv.FormatInt(m.Group.ID, 10), Label: "The notes of " + m.Group.Name + " (as its teacher)"})
		}
	}
	return p, nil
}

// handleExport serves GET /read/{slug}/export: the page to export and
// import notes. With ?format= (md, csv or jsonld) and ?scope= (mine or
// group:ID), the export itself, as a download.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	u, done := s.signedInFor(w, r, r.URL.RequestURI())
	if done {
		return nil
	}
	if q := r.URL.Query(); q.Has("format") {
		format, err := transfer.ParseFormat(q.Get("format"))
		if err != nil {
			return err
		}
		return s.serveExport(w, r, u, e, format, q.Get("scope"))
	}
	p, err := s.buildTransferPage(r, u, e)
	if err != nil {
		return err
	}
	return s.pages.render(w, http.StatusOK, "export.html", p)
}

// serveExport sends document e's export for u as a download.
func (s *Server) serveExport(w http.ResponseWriter, r *http.Request, u *store.User, e *library.Doc, format, scope string) error {
	sc, err := transfer.ParseScope(r.Context(), s.db, u, scope)
	if err != nil {
		return transferError(err)
	}
	f, err := transfer.Export(r.Context(), s.db, s.baseURL(r), u, e.Transfer(), format, sc)
	if err != nil {
		return transferError(err)
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(f.Body)
	return err
}

// transferStatus is the status of each kind of transfer.Error.
var transferStatus = map[transfer.Kind]int{
	transfer.Malformed:     http.StatusBadRequest,
	transfer.TooLarge:      http.StatusRequestEntityTooLarge,
	transfer.Unprocessable: http.StatusUnprocessableEntity,
	transfer.OverAllowance: http.StatusTooManyRequests,
	transfer.Forbidden:     http.StatusForbidden,
}

// transferError is a *transfer.Error as an HTTP answer: its status, its
// message, and Retry-After when it says when to try again. Other errors
// pass through.
func transferError(err error) error {
	var te *transfer.Error
	if !errors.As(err, &te) {
		return err
	}
	status, ok := transferStatus[te.Kind]
	if !ok {
		return err
	}
	he := &httpError{status: status, msg: te.Msg}
	if !te.RetryAt.IsZero() {
		he.header = http.Header{"Retry-After": {strconv.Itoa(max(1, int(time.Until(te.RetryAt).Seconds()+1)))}}
	}
	return he
}

// importError is a problem with an uploaded file as a whole.
func importError(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// retryAfter sets Retry-After when err says when to try again.
func retryAfter(w http.ResponseWriter, err error) {
	var he *httpError
	if errors.As(err, &he) {
		for k, v := range he.header {
			w.Header()[k] = v
		}
	}
	var be *busyError
	if errors.As(err, &be) {
		w.Header().Set("Retry-After", strconv.Itoa(be.retryAfter))
	}
}

// handleImport serves POST /read/{slug}/import: the import form's file
// (multipart/form-data, field "file", and "source" = "any" when its notes
// belong to this essay whatever page they were made on). It answers the
// page again, with the report, or with why nothing was imported.
// Importing is idempotent, so sending the form again does no harm.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	u, done := s.signedInFor(w, r, "/read/"+e.Slug+"/export")
	if done {
		return nil
	}
	p, err := s.buildTransferPage(r, u, e)
	if err != nil {
		return err
	}
	rep, opt, err := s.importUpload(r.Context(), u, e, func() ([]byte, transfer.Options, error) { return readUpload(w, r) })
	p.AnySource = opt.AnySource
	if err == nil {
		p.Report = &rep
		return s.pages.render(w, http.StatusOK, "export.html", p)
	}
	var (
		he   *httpError
		busy *busyError
	)
	if !errors.As(err, &he) || he.status >= 500 && !errors.As(err, &busy) {
		return err
	}
	retryAfter(w, err)
	p.ImportError = he.msg
	return s.pages.render(w, he.status, "export.html", p)
}

// importUpload runs a reader's import into e, form or API, within the
// limits of importlimits.go: the reader's slot is taken before read reads
// the file, so nobody sends two at once, and one of the server's once it
// is read, so that a slow upload holds none of them.
func (s *Server) importUpload(ctx context.Context, u *store.User, e *library.Doc, read func() ([]byte, transfer.Options, error)) (transfer.Report, transfer.Options, error) {
	leave, err := s.imports.reader(u.ID)
	if err != nil {
		return transfer.Report{}, transfer.Options{}, err
	}
	defer leave()
	data, opt, err := read()
	if err != nil {
		return transfer.Report{}, opt, err
	}
	leaveServer, err := s.imports.server()
	if err != nil {
		return transfer.Report{}, opt, err
	}
	defer leaveServer()
	opt.Allowance, opt.Placed = s.imports.allowance(), &s.imports.placed
	rep, err := transfer.Import(ctx, s.db, u, e.Transfer(), data, opt)
	return rep, opt, transferError(err)
}

// readUpload reads the import form: its file, at most transfer.MaxBytes,
// and its choices.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, transfer.Options, error) {
	var opt transfer.Options
	data, err := readUploadParts(w, r, &opt)
	return data, opt, err
}

// readUploadParts reads the form's parts, in whatever order they come,
// setting opt from its fields; it returns the file.
func readUploadParts(w http.ResponseWriter, r *http.Request, opt *transfer.Options) ([]byte, error) {
	tooLarge := importError(http.StatusRequestEntityTooLarge,
		"The file is larger than the %s glossa imports at a time. Split it, or export fewer notes at a time.", transfer.ByteSize(transfer.MaxBytes))
	r.Body = http.MaxBytesReader(w, r.Body, transfer.MaxBytes+64<<10) // the file and the form around it
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, importError(http.StatusBadRequest, "Send the file from the import form (multipart/form-data, in the field “file”).")
	}
	var file []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		if err != nil {
			return nil, importError(http.StatusBadRequest, "The form could not be read: %v.", err)
		}
		switch part.FormName() {
		case "source":
			v, err := io.ReadAll(io.LimitReader(part, 16))
			if errors.As(err, &mbe) {
				return nil, tooLarge
			}
			opt.AnySource = string(v) == "any"
		case "file":
			if file != nil {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(part, transfer.MaxBytes+1))
			switch {
			case errors.As(err, &mbe) || len(data) > transfer.MaxBytes:
				return nil, tooLarge
			case err != nil:
				return nil, importError(http.StatusBadRequest, "The file could not be read: %v.", err)
			case len(data) == 0:
				return nil, importError(http.StatusBadRequest, "Choose a file to import: the one sent is empty.")
			}
			file = data
		}
	}
	if file == nil {
		return nil, importError(http.StatusBadRequest, "Choose a file to import.")
	}
	return file, nil
}
