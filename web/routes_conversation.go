package web

import "github.com/go-chi/chi/v5"

// conversationRoutes registers the conversation routes (issue 3), pages and API alike.
func (s *Server) conversationRoutes(r chi.Router) {
}

// conversationAPIRoutes registers the conversation API routes, relative to /api.
func (s *Server) conversationAPIRoutes(r chi.Router) {
}
