package web

import "github.com/go-chi/chi/v5"

// groupRoutes registers the groups routes: the group pages, the
// invite link, membership forms, open flags and the teacher's view.
func (s *Server) groupRoutes(r chi.Router) {
	r.Get("/groups", s.page(s.handleGroups))
	r.Post("/groups", s.page(s.handleCreateGroup))
	r.Get("/groups/{id}", s.page(s.handleGroup))
	r.Post("/groups/{id}/invite", s.page(s.handleRegenerateInvite))
	r.Post("/groups/{id}/tags", s.page(s.handleGroupTags))
	r.Post("/groups/{id}/leave", s.page(s.handleLeaveGroup))
	r.Post("/groups/{id}/members/{userID}/remove", s.page(s.handleRemoveMember))
	r.Post("/groups/{id}/members/{userID}/role", s.page(s.handleSetRole))
	r.Post("/groups/{id}/removals/{userID}/let-back-in", s.page(s.handleLetBackIn))
	r.Post("/groups/{id}/documents/{slug}/post-first", s.page(s.handleSetPostFirst))
	r.Get("/groups/{id}/flags", s.page(s.handleFlags))
	r.Post("/groups/{id}/flags/{flagID}/resolve", s.page(s.handleResolveFlag))
	r.Get("/groups/{id}/documents/{slug}", s.page(s.handleInsights))
	r.Get("/groups/{id}/documents/{slug}/heat.csv", s.page(s.handleHeatCSV))
	r.Get("/groups/{id}/documents/{slug}/participation.csv", s.page(s.handleParticipationCSV))
	r.Get("/join/{code}", s.page(s.handleJoin))
	r.Post("/join/{code}", s.page(s.handleJoinPost))
}

// groupAPIRoutes registers the groups API routes, relative to /api.
func (s *Server) groupAPIRoutes(r chi.Router) {
	r.Get("/groups", s.api(s.apiGroups))
	r.Post("/groups", s.api(s.apiCreateGroup))
	r.Get("/groups/{id}", s.api(s.apiGroup))
	r.Post("/groups/{id}/invite", s.api(s.apiRegenerateInvite))
	r.Put("/groups/{id}/tags", s.api(s.apiGroupTags))
	r.Delete("/groups/{id}/members/{userID}", s.api(s.apiRemoveMember))
	r.Put("/groups/{id}/members/{userID}", s.api(s.apiSetRole))
	r.Delete("/groups/{id}/removals/{userID}", s.api(s.apiLetBackIn))
	r.Put("/groups/{id}/documents/{slug}", s.api(s.apiSetPostFirst))
	r.Get("/groups/{id}/documents/{slug}/insights", s.api(s.apiInsights))
	r.Get("/groups/{id}/flags", s.api(s.apiFlags))
	r.Post("/flags/{id}/resolve", s.api(s.apiResolveFlag))
	r.Post("/join/{code}", s.api(s.apiJoin))
}
