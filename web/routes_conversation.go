package web

import "github.com/go-chi/chi/v5"

// conversationRoutes registers the conversation routes (issue 3), pages and API alike.
func (s *Server) conversationRoutes(r chi.Router) {
}
