package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
)

// Every route glossa answers, pages and API alike, is registered here, in
// routes; the handlers live in the file named for their area, a page's in
// its file and the API's in the api_ file beside it (groups.go and
// api_groups.go, search.go and api_search.go, say).

// routes builds the router: the middleware every request passes, the
// unauthenticated routes (health, static files), then the pages and,
// under /api, the JSON API, which know who is asking.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.logRequests) // first, so it logs the answer of a panic too
	r.Use(s.recoverPanics)
	r.Use(securityHeaders)
	r.Use(clientIP(s.cfg.TrustedProxies))

	// HEAD is GET without the body (RFC 9110, 9.3.2): every GET route
	// answers it, with the GET handler's status and headers; net/http
	// sends no body for HEAD. A route that registers HEAD itself (the
	// static files) keeps its own.
	r.Use(middleware.GetHead)
	r.MethodNotAllowed(s.page(methodNotAllowed))

	r.Get("/healthz", s.handleHealth)
	r.Handle("/static/*", http.StripPrefix("/static", s.static))
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.static.url("img/favicon.svg"), http.StatusMovedPermanently)
	})

	// Everything else knows who is asking. CrossOriginProtection rejects
	// cross-site state-changing requests (forms and API alike) with 403;
	// requests without browser headers, such as scripts using a bearer
	// token, pass.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveError(w, r, errForbidden("This request came from another site, so glossa refused it."))
	}))

	limit := httprate.Limit(s.cfg.SignInLimit, time.Minute,
		httprate.WithKeyFuncs(func(r *http.Request) (string, error) { return addrKey(r), nil }),
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			s.serveError(w, r, &httpError{status: http.StatusTooManyRequests,
				msg: "Too many attempts from this address. Wait a minute and try again."})
		}))

	limitWrites := s.limitWrites()
	r.Group(func(r chi.Router) {
		r.Use(csrf.Handler)
		r.Use(s.sessions.LoadAndSave)
		r.Use(s.identify)
		r.Use(compressPages) // see compress.go: BREACH
		r.Use(limitWrites)

		// Reading and notes (read.go, paragraph.go, notes.go).
		r.Get("/", s.page(s.handleLibrary))
		r.Get("/read/{slug}", s.page(s.handleRead))
		r.Get("/read/{slug}/rev/{n}", s.page(s.handleRevision))
		r.Get("/read/{slug}/notes/{anchor}", s.page(s.handleParagraphNotes))
		r.Get("/read/{slug}/rev/{n}/notes/{anchor}", s.page(s.handleParagraphNotes))
		r.Get("/read/{slug}/blocks/{anchor}", s.page(s.handleBlockFragment))
		r.Get("/read/{slug}/annotate", s.page(s.handleAnnotateForm))
		r.Post("/read/{slug}/notes", s.page(s.handleCreateNote))
		r.Get("/notes/{id}", s.page(s.handleNote))
		r.Get("/notes/{id}/edit", s.page(s.handleEditForm))
		r.Post("/notes/{id}/edit", s.page(s.handleEditNote))
		r.Get("/notes/{id}/delete", s.page(s.handleDeleteForm))
		r.Post("/notes/{id}/delete", s.page(s.handleDeleteNote))

		// Accounts (auth.go); sign-up and sign-in are rate limited per address.
		r.Get("/signup", s.page(s.handleSignUpForm))
		r.Get("/signin", s.page(s.handleSignInForm))
		r.With(limit).Post("/signup", s.page(s.handleSignUp))
		r.With(limit).Post("/signin", s.page(s.handleSignIn))
		r.Post("/signout", s.page(s.handleSignOut))

		// Groups: the group pages, the invite link, membership forms, open
		// flags and the teacher's view (groups.go, insights.go).
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

		// The conversation: replies, reactions, questions, moderation, sharing,
		// the guide layer's switch and notifications (conversation.go). Each answers
		// a plain form (Post/Redirect/Get) and, with Accept: application/json,
		// the reader's JavaScript (the block's HTML).
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

		// The document's event stream (live.go) and the guided tour (tour.go).
		r.Get("/read/{slug}/events", s.page(s.handleEvents))
		r.Get("/read/{slug}/tour", s.page(s.handleTour))

		// Revisions and the re-attach flow (revisions.go).
		r.Get("/read/{slug}/revisions", s.page(s.handleRevisions))
		r.Get("/notes/{id}/reattach", s.page(s.handleReattachForm))
		r.Post("/notes/{id}/reattach", s.page(s.handleReattach))

		// The reader's notebook (notebook.go).
		r.Get("/notebook", s.page(s.handleNotebook))

		// The annotated print edition (print.go).
		r.Get("/read/{slug}/print", s.page(s.handlePrint))

		// Export and import: the page with both forms, the download and the
		// upload (transfer.go).
		r.Get("/read/{slug}/export", s.page(s.handleExport))
		r.Post("/read/{slug}/import", s.page(s.handleImport))

		// Search (search.go). Its form is the "search-form" template
		// (templates/_search.html), which other pages, such as the notebook, include.
		r.Get("/search", s.page(s.handleSearch))

		r.Route("/api", func(r chi.Router) {
			// Groups (api_groups.go).
			r.Get("/groups", s.api(s.apiGroups))
			r.Post("/groups", s.api(s.apiCreateGroup))
			r.Get("/groups/{id}", s.api(s.apiGetGroup))
			r.Post("/groups/{id}/invite", s.api(s.apiRegenerateInvite))
			r.Put("/groups/{id}/tags", s.api(s.apiGroupTags))
			r.Delete("/groups/{id}/members/{userID}", s.api(s.apiRemoveMember))
			r.Put("/groups/{id}/members/{userID}", s.api(s.apiSetRole))
			r.Delete("/groups/{id}/removals/{userID}", s.api(s.apiLetBackIn))
			r.Put("/groups/{id}/documents/{slug}", s.api(s.apiSetPostFirst))
			r.Get("/groups/{id}/documents/{slug}/insights", s.api(s.apiInsights)) // api_insights.go
			r.Get("/groups/{id}/flags", s.api(s.apiFlags))
			r.Post("/flags/{id}/resolve", s.api(s.apiResolveFlag))
			r.Post("/join/{code}", s.api(s.apiJoin))

			// The conversation (api_conversation.go). Replies are created
			// through the annotation container.
			r.Put("/annotations/{id}/reactions/{kind}", s.api(s.apiReact(true)))
			r.Delete("/annotations/{id}/reactions/{kind}", s.api(s.apiReact(false)))
			r.Post("/annotations/{id}/hide", s.api(s.apiHide))
			r.Post("/annotations/{id}/restore", s.api(s.apiRestore))
			r.Post("/annotations/{id}/flag", s.api(s.apiFlagAnnotation))
			r.Post("/annotations/{id}/resolve", s.api(s.apiResolve))
			r.Post("/annotations/{id}/accept", s.api(s.apiAccept))
			r.Post("/annotations/{id}/share", s.api(s.apiShare))
			r.Get("/notifications", s.api(s.apiNotifications))
			r.Post("/notifications/read", s.api(s.apiMarkRead))

			// Revisions (api_revisions.go).
			r.Get("/documents/{slug}/revisions", s.api(s.apiRevisions))
			r.Get("/documents/{slug}/revisions/{n}", s.api(s.apiRevision))

			// Export and import (api_transfer.go).
			r.Get("/documents/{slug}/export", s.api(s.apiExport))
			r.Post("/documents/{slug}/import", s.api(s.apiImport))

			// Search (api_search.go).
			r.Get("/search", s.api(s.apiSearch))

			// Documents and annotations, the W3C Web Annotation Protocol
			// (api_read.go, api_notes.go).
			r.Get("/documents", s.api(s.apiDocuments))
			r.Get("/documents/{slug}", s.api(s.apiGetDocument))
			r.Get("/documents/{slug}/annotations/", s.api(s.apiContainer))
			r.Post("/documents/{slug}/annotations/", s.api(s.apiCreate))
			r.Options("/documents/{slug}/annotations/", s.api(s.apiContainerOptions))
			r.Get("/annotations/{id}", s.api(s.apiGet))
			r.Options("/annotations/{id}", s.api(s.apiOptions))
			r.Put("/annotations/{id}", s.api(s.apiPut))
			r.Delete("/annotations/{id}", s.api(s.apiDelete))
			r.NotFound(s.api(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
			r.MethodNotAllowed(s.api(methodNotAllowed))
		})
		r.NotFound(s.page(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	})
	return r
}

// methodNotAllowed answers 405 with the Allow header RFC 9110 requires:
// the methods the path's routes take, HEAD wherever GET is.
func methodNotAllowed(w http.ResponseWriter, r *http.Request) error {
	allow := allowedMethods(r)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	return &httpError{status: http.StatusMethodNotAllowed,
		msg: fmt.Sprintf("%s does not take %s; it takes %s.", r.URL.Path, r.Method, strings.Join(allow, ", "))}
}

// allowedMethods lists the methods some route takes at the request's path,
// asking the whole router (chi's own list leaves out the HEAD that GetHead
// adds, and a custom 405 handler is not given it).
func allowedMethods(r *http.Request) []string {
	routes := chi.RouteContext(r.Context()).Routes
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		ok := routes.Match(chi.NewRouteContext(), m, path)
		if m == http.MethodHead && !ok {
			ok = routes.Match(chi.NewRouteContext(), http.MethodGet, path)
		}
		if ok {
			allow = append(allow, m)
		}
	}
	return allow
}
