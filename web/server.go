// Package web is glossa's HTTP face: the Server (an http.Handler), its routes,
// handlers, middleware, page rendering and the W3C annotation API.
//
// web speaks HTTP and nothing else: the documents it serves are library's,
// the files of notes in and out are transfer's, the database is store's and
// the rendering of Markdown is content's; none of them imports web.
// Templates, static files and essays arrive as fs.FS values in Config so that
// tests and a -dev flag can swap them.
//
// Exported is what the command line needs to serve: New, Config and Server
// (an http.Handler, with Close, EndStreams for
// http.Server.RegisterOnShutdown, and Published, the start's publishing
// report), and ConnContext for http.Server.ConnContext. The account rules
// and credentials are the store's; the trusted-proxy flag is parsed by the
// command line.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/alexedwards/scs/v2"

	"glossa/library"
	"glossa/store"
)

// Config is what a Server needs.
type Config struct {
	DB *store.DB
	// Content is the essays built into glossa (content.Essays; tests give
	// others): every top-level *.md is a document, and the revisions
	// published from it have the origin "embedded". Folder is a folder
	// of essays on disk (-content) served beside them: its file replaces
	// an embedded one of the same slug, and its absolute path is the
	// origin of its revisions. A start publishes what changed, but never
	// over a text from another origin (see library.Load). With neither,
	// the Server publishes nothing. Either way it serves every document
	// the database holds, at its current revision.
	Content   fs.FS
	Folder    string
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
	// signed-in reader, or one address of readers who are not signed in,
	// may make per minute; 0 means 120. See ratelimit.go.
	WriteLimit int
	// SearchLimit is how many searches one reader (by account, or by
	// address when signed out) may make per minute; 0 means 30. See
	// search.go.
	SearchLimit int
	// SearchTimeout is how long one search may take before it is stopped;
	// 0 means store.SearchTimeout, which is also the most it may be.
	SearchTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Real-IP are believed when they are the peer; none by default, so
	// the per-address limits key by the peer itself. See clientip.go.
	TrustedProxies []netip.Prefix
	// ImportLimit is how many notes one reader may import (forms and API)
	// in 24 hours; 0 means 2,000. See importlimits.go.
	ImportLimit int
	// ImportsAtOnce is how many imports the server runs at once (each
	// reader one at a time); 0 means 2.
	ImportsAtOnce int
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
	// PasswordParams tunes argon2id; nil means store.DefaultPasswordParams.
	// Tests use cheaper ones.
	PasswordParams *argon2id.Params
}

// Server serves glossa. Create it with New and stop it with Close.
type Server struct {
	cfg      Config
	db       *store.DB
	log      *slog.Logger
	sessions *scs.SessionManager
	sessStor *sessionStore
	users    *userCache
	pages    *pageSet
	static   *staticFiles
	docs     *library.Library
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
	// searches is what a search may cost: Config.SearchLimit, SearchTimeout.
	searches *searchBudget
	// imports bounds the imports running at once; see importlimits.go.
	imports *importGate
	// published is what the start did with each essay it was given.
	published []library.PublishReport

	// watchStop ends watchOthers, which closes watchDone when it returns;
	// presenceStop ends syncPresence (other instances), which closes
	// presenceDone.
	watchStop    context.CancelFunc
	watchDone    chan struct{}
	presenceStop context.CancelFunc
	presenceDone chan struct{}

	closeOnce sync.Once
}

// New loads the templates and static files, publishes every essay whose
// source changed since the last run, over a revision of the same origin
// only (library.Load), and wires the routes.
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
	if cfg.SearchLimit <= 0 {
		cfg.SearchLimit = defaultSearchLimit
	}
	if cfg.SearchTimeout <= 0 || cfg.SearchTimeout > store.SearchTimeout {
		cfg.SearchTimeout = store.SearchTimeout
	}
	if cfg.ImportLimit <= 0 {
		cfg.ImportLimit = defaultImportLimit
	}
	if cfg.ImportsAtOnce <= 0 {
		cfg.ImportsAtOnce = defaultImportsAtOnce
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
		cfg.PasswordParams = store.DefaultPasswordParams
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")

	s := &Server{cfg: cfg, db: cfg.DB, log: cfg.Logger, bodies: newBodyRenderer(bodyCacheBytes), pageCache: newPageCache(pageCacheBytes), hashSlots: newHashSlots(),
		live: newLiveStreams(cfg.MaxStreams, cfg.MaxStreamsPerAccount, cfg.MaxStreamsPerAddress), presence: newPresence(cfg.DB), imports: newImportGate(cfg.ImportsAtOnce, cfg.ImportLimit)}
	var err error
	if s.static, err = loadStatic(cfg.Static); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(cfg.Templates, s.static); err != nil {
		return nil, err
	}
	s.notes = newNoteCache(s.pages.pages["read.html"], s.log, noteCacheBytes)
	if s.docs, s.published, err = library.Load(ctx, cfg.DB, cfg.Content, cfg.Folder, s.log); err != nil {
		return nil, err
	}

	// Sessions live in SQLite beside everything else, so a restart keeps
	// readers signed in. scs has no idle timeout of its own: the store
	// keeps it, so that reading a page writes nothing (see session.go).
	// The cleanup goroutine is stopped by Close.
	s.sessStor = newSessionStore(cfg.DB, s.log)
	s.users = newUserCache()
	s.sessions = scs.New()
	s.sessions.Store = s.sessStor
	s.sessions.Codec = s.sessStor.codec
	s.sessions.Lifetime = sessionLifetime
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

	s.searches = newSearchBudget(cfg.SearchLimit, cfg.SearchTimeout)
	s.handler = s.routes()

	if cfg.WatchEvery <= 0 {
		cfg.WatchEvery = time.Second
	}
	var watchCtx context.Context
	watchCtx, s.watchStop = context.WithCancel(context.WithoutCancel(ctx))
	s.watchDone = make(chan struct{})
	go s.watchOthers(watchCtx, cfg.WatchEvery)
	if cfg.DB.Shared() {
		var pctx context.Context
		pctx, s.presenceStop = context.WithCancel(context.WithoutCancel(ctx))
		s.presenceDone = make(chan struct{})
		go s.syncPresence(pctx)
	}
	return s, nil
}

// Published says what the start did with each essay it was given:
// published it, found it current, or held it back (PublishReport.Held).
func (s *Server) Published() []library.PublishReport { return s.published }

// Close stops the background work the Server started and ends the live
// streams (see EndStreams). It does not close the database, which belongs
// to the caller.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.EndStreams()
		s.sessStor.StopCleanup()
		s.watchStop()
		<-s.watchDone
		if s.presenceStop != nil {
			s.presenceStop()
			<-s.presenceDone
		}
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
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
