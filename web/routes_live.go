package web

import "github.com/go-chi/chi/v5"

// liveRoutes registers the live routes, pages and API alike:
// the document's event stream (live.go) and the guided tour (tour.go).
func (s *Server) liveRoutes(r chi.Router) {
	r.Get("/read/{slug}/events", s.page(s.handleEvents))
	r.Get("/read/{slug}/tour", s.page(s.handleTour))
}
