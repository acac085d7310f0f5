package web

import "github.com/go-chi/chi/v5"

// conversationRoutes registers the conversation routes: replies,
// reactions, questions, moderation, sharing, the guide layer's switch and
// notifications. Each answers a plain form (Post/Redirect/Get) and, with
// Accept: application/json, the reader's JavaScript (the block's HTML).
func (s *Server) conversationRoutes(r chi.Router) {
	r.Post("/notes/{id}/replies", s.page(s.handleReply))
	r.Post("/notes/{id}/react", s.page(s.handleReact))
	r.Post("/notes/{id}/resolve", s.page(s.handleResolve))
	r.Post("/notes/{id}/accept", s.page(s.handleAccept))
	r.Get("/notes/{id}/hide", s.page(s.handleHideForm))
	r.Post("/notes/{id}/hide", s.page(s.handleHide))
	r.Post("/notes/{id}/restore", s.page(s.handleRestore))
	r.Get("/notes/{id}/flag", s.page(s.handleFlagForm))
	r.Post("/notes/{id}/flag", s.page(s.handleFlag))
	r.Post("/notes/{id}/share", s.page(s.handleShare))
	r.Post("/prefs/guide", s.page(s.handleGuidePref))
	r.Post("/read/{slug}/writing-to", s.page(s.handleWritingTo))
	r.Get("/notifications", s.page(s.handleNotifications))
	r.Post("/notifications/read", s.page(s.handleMarkRead))
}

// conversationAPIRoutes registers the conversation API routes, relative to
// /api. Replies are created through the annotation container.
func (s *Server) conversationAPIRoutes(r chi.Router) {
	r.Put("/annotations/{id}/reactions/{kind}", s.api(s.apiReact(true)))
	r.Delete("/annotations/{id}/reactions/{kind}", s.api(s.apiReact(false)))
	r.Post("/annotations/{id}/hide", s.api(s.apiHide))
	r.Post("/annotations/{id}/restore", s.api(s.apiRestore))
	r.Post("/annotations/{id}/flag", s.api(s.apiFlag))
	r.Post("/annotations/{id}/resolve", s.api(s.apiResolve))
	r.Post("/annotations/{id}/accept", s.api(s.apiAccept))
	r.Post("/annotations/{id}/share", s.api(s.apiShare))
	r.Get("/notifications", s.api(s.apiNotifications))
	r.Post("/notifications/read", s.api(s.apiMarkRead))
}
