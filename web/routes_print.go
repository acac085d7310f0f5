package web

import "github.com/go-chi/chi/v5"

// printRoutes registers the annotated print edition (print.go).
func (s *Server) printRoutes(r chi.Router) {
	r.Get("/read/{slug}/print", s.page(s.handlePrint))
}
