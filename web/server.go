// Package web is glossa's HTTP face: the Server (an http.Handler), its routes,
// handlers, middleware, page rendering and the W3C annotation API.
//
// web imports store and content and joins them; neither of those imports web.
// Templates, static files and essays arrive as fs.FS values in Config so that
// tests and a -dev flag can swap them.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"glossa/store"
)

// Config is what a Server needs.
type Config struct {
	DB        *store.DB
	Content   fs.FS // essays: every top-level *.md is a document
	Templates fs.FS
	Static    fs.FS
	Logger    *slog.Logger

	// BaseURL, if set, is the absolute URL glossa is reached at (for the
	// IRIs in the JSON-LD API); otherwise each request's own host is used.
	BaseURL string
	// SecureCookies marks the session cookie Secure. Set it when glossa is
	// served over TLS, directly or behind a proxy.
	SecureCookies bool
	// SignInLimit is how many sign-in and sign-up attempts one address may
	// make per minute; 0 means 10.
	SignInLimit int
	// WriteLimit is how many state-changing requests (forms and API) one
	// signed-in reader may make per minute; 0 means 120. See ratelimit.go.
	WriteLimit int
	// WatchEvery is how often the server looks for commits by other
	// processes on its database (see watchOthers); 0 means every second.
	WatchEvery time.Duration
	// MaxStreams bounds the live event streams open at once, all readers
	// together; 0 means 4,000. Over it a new stream is answered 503.
	MaxStreams int
	// MaxStreamsPerAccount bounds the streams of one signed-in reader
	// (one per open tab); 0 means 32. Over it: 429.
	MaxStreamsPerAccount int
	// MaxStreamsPerAddress bounds the streams of readers who are not
	// signed in, per address (an IPv6 one per /64); 0 means 64. Over it:
	// 429. See livelimits.go.
	MaxStreamsPerAddress int
	// PasswordParams tunes argon2id; nil means DefaultPasswordParams.
	// Tests use cheaper ones.
	PasswordParams *argon2id.Params
}

// Server serves glossa. Create it with New and stop it with Close.
type Server struct {
	cfg      Config
	db       *store.DB
	log      *slog.Logger
	sessions *scs.SessionManager
	sessStor *sqlite3store.SQLite3Store
	pages    *pageSet
	static   *staticFiles
	docs     *library
	bodies   *bodyRenderer
	notes    *noteCache
	// pageCache keeps rendered reading pages; see pagecache.go.
	pageCache *pageCache
	// live and presence: the open event streams; see live.go, presence.go.
	live     *liveStreams
	presence *presence
	handler  http.Handler
	// dummyHash is compared against when a name is unknown, so sign-in
	// takes as long for a missing account as for a wrong password.
	dummyHash string
	// hashSlots bounds the argon2id computations running at once.
	hashSlots hashSlots

	// watchStop ends watchOthers, which closes watchDone when it returns.
	watchStop context.CancelFunc
	watchDone chan struct{}

	closeOnce sync.Once
}

// New loads the templates and static files, publishes every essay whose
// source changed since the last run (see publish.go) and wires the routes.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DB == nil {
		return nil, errors.New("web: Config.DB is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SignInLimit <= 0 {
		cfg.SignInLimit = 10
	}
	if cfg.WriteLimit <= 0 {
		cfg.WriteLimit = defaultWriteLimit
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = defaultMaxStreams
	}
	if cfg.MaxStreamsPerAccount <= 0 {
		cfg.MaxStreamsPerAccount = defaultMaxStreamsPerAccount
	}
	if cfg.MaxStreamsPerAddress <= 0 {
		cfg.MaxStreamsPerAddress = defaultMaxStreamsPerAddress
	}
	if cfg.PasswordParams == nil {
		cfg.PasswordParams = DefaultPasswordParams
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")

	s := &Server{cfg: cfg, db: cfg.DB, log: cfg.Logger, bodies: newBodyRenderer(bodyCacheBytes), pageCache: newPageCache(pageCacheBytes), hashSlots: newHashSlots(),
		live: newLiveStreams(cfg.MaxStreams, cfg.MaxStreamsPerAccount, cfg.MaxStreamsPerAddress), presence: newPresence()}
	var err error
	if s.static, err = loadStatic(cfg.Static); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(cfg.Templates, s.static); err != nil {
		return nil, err
	}
	s.notes = newNoteCache(s.pages.pages["read.html"], s.log, noteCacheBytes)
	if s.docs, err = loadLibrary(ctx, cfg.DB, cfg.Content, s.log); err != nil {
		return nil, err
	}

	// Sessions live in SQLite beside everything else, so a restart keeps
	// readers signed in. The cleanup goroutine is stopped by Close.
	s.sessStor = sqlite3store.NewWithCleanupInterval(cfg.DB.SQL(), 10*time.Minute)
	s.sessions = scs.New()
	s.sessions.Store = s.sessStor
	s.sessions.Lifetime = 30 * 24 * time.Hour
	s.sessions.IdleTimeout = 14 * 24 * time.Hour
	s.sessions.Cookie.Name = "glossa_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = cfg.SecureCookies
	s.sessions.Cookie.Persist = true
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.serveError(w, r, fmt.Errorf("session: %w", err))
	}

	if s.dummyHash, err = dummyHash(cfg.PasswordParams); err != nil {
		return nil, err
	}

	s.handler = s.routes()

	if cfg.WatchEvery <= 0 {
		cfg.WatchEvery = time.Second
	}
	var watchCtx context.Context
	watchCtx, s.watchStop = context.WithCancel(context.WithoutCancel(ctx))
	s.watchDone = make(chan struct{})
	go s.watchOthers(watchCtx, cfg.WatchEvery)
	return s, nil
}

// Close stops the background work the Server started and ends the live
// streams (see EndStreams). It does not close the database, which belongs
// to the caller.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.EndStreams()
		s.sessStor.StopCleanup()
		s.watchStop()
		<-s.watchDone
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanics)
	r.Use(securityHeaders)

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
		httprate.WithKeyFuncs(httprate.KeyByIP),
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			s.serveError(w, r, &httpError{status: http.StatusTooManyRequests,
				msg: "Too many attempts from this address. Wait a minute and try again."})
		}))

	limitWrites := s.limitWrites()
	r.Group(func(r chi.Router) {
		r.Use(csrf.Handler)
		r.Use(s.sessions.LoadAndSave)
		r.Use(s.identify)
		r.Use(limitWrites)

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

		r.Get("/signup", s.page(s.handleSignUpForm))
		r.Get("/signin", s.page(s.handleSignInForm))
		r.With(limit).Post("/signup", s.page(s.handleSignUp))
		r.With(limit).Post("/signin", s.page(s.handleSignIn))
		r.Post("/signout", s.page(s.handleSignOut))

		// Issue 3: seminars and teachers. Each area registers its own
		// routes, page and API alike.
		s.groupRoutes(r)
		s.conversationRoutes(r)
		s.liveRoutes(r)
		s.revisionRoutes(r)
		r.Get("/notebook", s.page(s.handleNotebook))
		s.printRoutes(r)
		s.exportRoutes(r)
		s.searchRoutes(r)

		r.Route("/api", func(r chi.Router) {
			s.groupAPIRoutes(r)
			s.conversationAPIRoutes(r)
			s.revisionAPIRoutes(r)
			s.exportAPIRoutes(r)
			s.searchAPIRoutes(r)
			r.Get("/documents", s.api(s.apiDocuments))
			r.Get("/documents/{slug}", s.api(s.apiDocument))
			r.Get("/documents/{slug}/annotations/", s.api(s.apiContainer))
			r.Post("/documents/{slug}/annotations/", s.api(s.apiCreate))
			r.Options("/documents/{slug}/annotations/", s.api(s.apiContainerOptions))
			r.Get("/annotations/{id}", s.api(s.apiGet))
			r.Put("/annotations/{id}", s.api(s.apiPut))
			r.Delete("/annotations/{id}", s.api(s.apiDelete))
			r.NotFound(s.api(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
			r.MethodNotAllowed(s.api(func(w http.ResponseWriter, r *http.Request) error {
				return &httpError{status: http.StatusMethodNotAllowed, msg: "method not allowed on " + r.URL.Path}
			}))
		})
		r.NotFound(s.page(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	})
	return r
}

// handleHealth serves GET /healthz: 200 when the database answers.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.SQL().PingContext(ctx); err != nil {
		s.log.Error("health check", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// securityHeaders sets the Content-Security-Policy (no inline script, no
// inline style attributes, nothing from elsewhere) and its companions.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged 500.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serveError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
