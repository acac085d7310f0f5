package web

import "github.com/go-chi/chi/v5"

// searchRoutes registers the search page. Its form is the
// "search-form" template (templates/_search.html), which other pages, such
// as the notebook, include.
func (s *Server) searchRoutes(r chi.Router) {
	r.Get("/search", s.page(s.handleSearch))
}

// searchAPIRoutes registers the search API, relative to /api.
func (s *Server) searchAPIRoutes(r chi.Router) {
	r.Get("/search", s.api(s.apiSearch))
}
