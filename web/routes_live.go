package web

import "github.com/go-chi/chi/v5"

// liveRoutes registers the live routes (issue 3), pages and API alike.
func (s *Server) liveRoutes(r chi.Router) {
}
