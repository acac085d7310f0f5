package web

import "github.com/go-chi/chi/v5"

// exportRoutes registers export and import: the page with both
// forms, the download, and the upload.
func (s *Server) exportRoutes(r chi.Router) {
	r.Get("/read/{slug}/export", s.page(s.handleExport))
	r.Post("/read/{slug}/import", s.page(s.handleImport))
}

// exportAPIRoutes registers export and import in the API, relative to /api.
func (s *Server) exportAPIRoutes(r chi.Router) {
	r.Get("/documents/{slug}/export", s.api(s.apiExport))
	r.Post("/documents/{slug}/import", s.api(s.apiImport))
}
