package web

import "github.com/go-chi/chi/v5"

// groupRoutes registers the groups routes (issue 3), pages and API alike.
func (s *Server) groupRoutes(r chi.Router) {
}

// groupAPIRoutes registers the groups API routes, relative to /api.
func (s *Server) groupAPIRoutes(r chi.Router) {
}
