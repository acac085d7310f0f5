package web

// The export and import page, the API's export and import, and the entry
// points of "glossa export" and "glossa import". Formats: export.go,
// import.go. Routes: routes_export.go.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"glossa/store"
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
	Report      *ImportReport
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

func (s *Server) transferPage(r *http.Request, u *store.User, e *docEntry) (transferPage, error) {
	p := transferPage{
		basePage: s.base(r, "Export and import notes · "+e.current.Meta.Title),
		Slug:     e.slug, DocTitle: e.current.Meta.Title, MaxImport: byteSize(maxImportBytes),
		Sources: e.current.Meta.Source, ImportLimit: s.cfg.ImportLimit,
		Formats: []transferChoice{
			{Value: formatMarkdown, Label: "Markdown", Help: "to read: the essay’s paragraphs with their notes", Selected: true},
			{Value: formatCSV, Label: "CSV", Help: "for a spreadsheet: one row per note and reply"},
			{Value: formatJSONLD, Label: "W3C Web Annotation (JSON-LD)", Help: "to import here or elsewhere"},
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
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	u, done := s.signedInFor(w, r, r.URL.RequestURI())
	if done {
		return nil
	}
	if q := r.URL.Query(); q.Has("format") {
		format, err := exportFormat(q.Get("format"))
		if err != nil {
			return err
		}
		return s.serveExport(w, r, u, e, format, q.Get("scope"))
	}
	p, err := s.transferPage(r, u, e)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "export.html", p)
}

func (s *Server) serveExport(w http.ResponseWriter, r *http.Request, u *store.User, e *docEntry, format, scope string) error {
	sc, err := s.exportScopeOf(r.Context(), u, scope)
	if err != nil {
		return err
	}
	f, err := s.exportFile(r, u, e, format, sc)
	if err != nil {
		return err
	}
	return f.write(w)
}

// apiExport serves GET /api/documents/{slug}/export: ?format= md, csv or
// jsonld (the default), ?scope= mine (the default) or group:ID (teachers).
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	format := formatJSONLD
	if v := r.URL.Query().Get("format"); v != "" {
		if format, err = exportFormat(v); err != nil {
			return err
		}
	}
	return s.serveExport(w, r, u, e, format, r.URL.Query().Get("scope"))
}

// handleImport serves POST /read/{slug}/import: the import form's file
// (multipart/form-data, field "file", and "source" = "any" when its notes
// belong to this essay whatever page they were made on). It answers the
// page again, with the report, or with why nothing was imported.
// Importing is idempotent, so sending the form again does no harm.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	u, done := s.signedInFor(w, r, "/read/"+e.slug+"/export")
	if done {
		return nil
	}
	p, err := s.transferPage(r, u, e)
	if err != nil {
		return err
	}
	rep, opt, err := s.importUpload(r.Context(), u, e, func() ([]byte, importOptions, error) { return readUpload(w, r) })
	p.AnySource = opt.anySource
	if err == nil {
		p.Report = &rep
		return s.render(w, http.StatusOK, "export.html", p)
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
	return s.render(w, he.status, "export.html", p)
}

// importUpload runs a reader's import into e, form or API, within the
// limits of importlimits.go: the reader's slot is taken before read reads
// the file, so nobody sends two at once, and one of the server's once it
// is read, so that a slow upload holds none of them.
func (s *Server) importUpload(ctx context.Context, u *store.User, e *docEntry, read func() ([]byte, importOptions, error)) (ImportReport, importOptions, error) {
	leave, err := s.imports.reader(u.ID)
	if err != nil {
		return ImportReport{}, importOptions{}, err
	}
	defer leave()
	data, opt, err := read()
	if err != nil {
		return ImportReport{}, opt, err
	}
	leaveServer, err := s.imports.server()
	if err != nil {
		return ImportReport{}, opt, err
	}
	defer leaveServer()
	rep, err := s.importData(ctx, u, e, data, opt, s.importAllowance())
	return rep, opt, err
}

// readUpload reads the import form: its file, at most maxImportBytes,
// and its choices.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, importOptions, error) {
	var opt importOptions
	data, err := readUploadParts(w, r, &opt)
	return data, opt, err
}

// readUploadParts reads the form's parts, in whatever order they come,
// setting opt from its fields; it returns the file.
func readUploadParts(w http.ResponseWriter, r *http.Request, opt *importOptions) ([]byte, error) {
	tooLarge := importError(http.StatusRequestEntityTooLarge,
		"The file is larger than the %s glossa imports at a time. Split it, or export fewer notes at a time.", byteSize(maxImportBytes))
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes+64<<10) // the file and the form around it
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
			opt.anySource = string(v) == "any"
		case "file":
			if file != nil {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(part, maxImportBytes+1))
			switch {
			case errors.As(err, &mbe) || len(data) > maxImportBytes:
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

// apiImport serves POST /api/documents/{slug}/import: the file is the
// request body (application/json or application/ld+json, at most
// maxImportBytes); the answer is the report. A file that cannot be read
// at all is 400, 413 or 422 with the reason, and nothing is imported.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	e, err := s.docs.doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "application/ld+json" && ct != "application/json") {
		return &httpError{status: http.StatusUnsupportedMediaType,
			msg: "Send the file as the request body, as application/json or application/ld+json."}
	}
	var opt importOptions
	switch v := r.URL.Query().Get("source"); v {
	case "":
	case "any":
		opt.anySource = true
	default:
		return &httpError{status: http.StatusBadRequest,
			msg: fmt.Sprintf("source=%q: the only choice is source=any, to place on this essay, by their quotes, notes made on other pages.", v)}
	}
	rep, _, err := s.importUpload(r.Context(), u, e, func() ([]byte, importOptions, error) {
		r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
		data, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, opt, importError(http.StatusRequestEntityTooLarge, "The file is larger than the %s glossa imports at a time. Split it.", byteSize(maxImportBytes))
		}
		return data, opt, err
	})
	if err != nil {
		retryAfter(w, err)
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, rep)
}

// --- the command line ------------------------------------------------------

// plainError drops the HTTP status from a handler's error, for the
// command line.
func plainError(err error) error {
	var he *httpError
	if errors.As(err, &he) && he.status < 500 {
		return errors.New(he.msg)
	}
	var fe fieldErrors
	if errors.As(err, &fe) {
		return errors.New(fe.Error())
	}
	if errors.Is(err, store.ErrForbidden) {
		return errors.New("only the group's teachers can export its notes")
	}
	return err
}

func (s *Server) userNamed(ctx context.Context, name string) (*store.User, error) {
	u, _, err := s.db.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no user named %q", name)
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// ExportFile is "glossa export": document slug's notes as the user named
// userName would download them, in format (md, csv or jsonld) and scope
// (mine or group:ID). IRIs and links start with Config.BaseURL (by
// default http://localhost:8080). It returns the file's name and content.
func (s *Server) ExportFile(ctx context.Context, userName, slug, format, scope string) (string, []byte, error) {
	u, err := s.userNamed(ctx, userName)
	if err != nil {
		return "", nil, err
	}
	e, err := s.docs.doc(slug)
	if err != nil {
		return "", nil, fmt.Errorf("no essay %q", slug)
	}
	f, err := exportFormat(format)
	if err != nil {
		return "", nil, plainError(err)
	}
	sc, err := s.exportScopeOf(ctx, u, scope)
	if errors.Is(err, errNotFound) {
		return "", nil, fmt.Errorf("%s is not in group %s", u.Name, strings.TrimPrefix(scope, "group:"))
	}
	if err != nil {
		return "", nil, plainError(err)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	if err != nil {
		return "", nil, err
	}
	r.Host = "localhost:8080"
	file, err := s.exportFile(r, u, e, f, sc)
	if err != nil {
		return "", nil, plainError(err)
	}
	return file.name, file.body, nil
}

// ImportFile is "glossa import": data imported into document slug as the
// user named userName, as the import form does it, but without its
// allowance and limits (the operator runs it). With slug "", the document
// is the one essay the file names. anySource: the file's notes belong to
// that essay whatever page they were made on (the form's source=any).
func (s *Server) ImportFile(ctx context.Context, userName, slug string, data []byte, anySource bool) (ImportReport, error) {
	u, err := s.userNamed(ctx, userName)
	if err != nil {
		return ImportReport{}, err
	}
	var e *docEntry
	if slug == "" {
		// A file that cannot be read says so, rather than that it names
		// no essay.
		if _, _, _, err := decodeImportFile(data); err != nil {
			return ImportReport{}, plainError(err)
		}
		if e, err = s.namedDocument(data); err != nil {
			return ImportReport{}, err
		}
	} else if e, err = s.docs.doc(slug); err != nil {
		return ImportReport{}, fmt.Errorf("no essay %q", slug)
	}
	rep, err := s.importData(ctx, u, e, data, importOptions{anySource: anySource}, store.ImportAllowance{})
	return rep, plainError(err)
}

// namedDocument is the one essay whose reading page (/read/{slug}) or
// original address (one of its sources) a file mentions.
func (s *Server) namedDocument(data []byte) (*docEntry, error) {
	var found []*docEntry
	var slugs []string
	for _, e := range s.docs.all() {
		named := bytes.Contains(data, []byte("/read/"+e.slug))
		for _, src := range e.current.Meta.Source {
			named = named || bytes.Contains(data, []byte(src))
		}
		if named {
			found = append(found, e)
			slugs = append(slugs, e.slug)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, errors.New("the file names none of the essays here: say which one with -doc")
	}
	return nil, fmt.Errorf("the file names several essays (%s): import it into one at a time with -doc", strings.Join(slugs, ", "))
}
