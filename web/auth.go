package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"runtime"
	"strings"

	"github.com/alexedwards/argon2id"
	"golang.org/x/crypto/argon2"

	"glossa/store"
)

type ctxKey int

const userKey ctxKey = iota

const sessionUserID = "user_id"

// userFrom returns the signed-in user, or nil.
func userFrom(ctx context.Context) *store.User {
	u, _ := ctx.Value(userKey).(*store.User)
	return u
}

// viewerOf is the store's view of who is asking.
func viewerOf(ctx context.Context) store.Viewer {
	if u := userFrom(ctx); u != nil {
		return store.Viewer{UserID: u.ID}
	}
	return store.Viewer{}
}

// identify finds who is asking: an API request may carry a personal token
// ("Authorization: Bearer …"); otherwise the session cookie counts. A bad
// token is refused outright rather than treated as signed out, so a script
// with a revoked token learns it at once.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if authz := r.Header.Get("Authorization"); authz != "" && strings.HasPrefix(r.URL.Path, "/api/") {
			scheme, token, _ := strings.Cut(authz, " ")
			if !strings.EqualFold(scheme, "Bearer") || token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="glossa"`)
				writeJSONError(w, http.StatusUnauthorized, "Authorization must be \"Bearer <token>\".", nil)
				return
			}
			u, err := s.db.UserByToken(ctx, store.HashToken(strings.TrimSpace(token)))
			if errors.Is(err, store.ErrNotFound) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="glossa", error="invalid_token"`)
				writeJSONError(w, http.StatusUnauthorized, "This API token is not valid.", nil)
				return
			}
			if err != nil {
				s.serveError(w, r, fmt.Errorf("token lookup: %w", err))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, userKey, &u)))
			return
		}
		if id := s.sessions.GetInt64(ctx, sessionUserID); id != 0 {
			u, err := s.users.user(ctx, s.db, id)
			switch {
			case err == nil:
				ctx = context.WithValue(ctx, userKey, &u)
			case errors.Is(err, store.ErrNotFound):
				s.sessions.Remove(ctx, sessionUserID) // the account is gone
			default:
				s.serveError(w, r, fmt.Errorf("session user: %w", err))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Limits on account fields.
const (
	maxNameLen     = store.MaxNameLen
	minPasswordLen = store.MinPasswordLen
	maxPasswordLen = store.MaxPasswordLen
)

// validateName checks a user name (store.ValidateName, which
// store.CreateUser enforces too), with the problem as a sentence for the
// form.
func validateName(name string) error {
	var fe *store.FieldError
	if err := store.ValidateName(name); errors.As(err, &fe) {
		return errors.New(fe.Text())
	} else if err != nil {
		return err
	}
	return nil
}

// dummyHash makes the hash an unknown name's sign-in is compared against,
// so that it takes as long as a wrong password. Its key is random bytes
// rather than a hash of anything: no password matches it, and making it
// costs nothing (hashing it would take the parameters' memory at start-up).
func dummyHash(p *argon2id.Params) (string, error) {
	b := make([]byte, p.SaltLength+p.KeyLength)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		enc.EncodeToString(b[:p.SaltLength]), enc.EncodeToString(b[p.SaltLength:])), nil
}

// hashSlots bounds how many argon2id computations run at once, since each
// holds the parameters' memory (19 MiB by default): a burst of sign-ins
// from many addresses waits its turn instead of growing the heap by 19 MiB
// a sign-in. The per-address sign-in limit does not bound this by itself.
type hashSlots chan struct{}

func newHashSlots() hashSlots { return make(hashSlots, min(4, max(1, runtime.GOMAXPROCS(0)))) }

// do runs f in a slot, or gives up when ctx ends first.
func (h hashSlots) do(ctx context.Context, f func()) error {
	select {
	case h <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h }()
	f()
	return nil
}

type authPage struct {
	basePage
	Action  string // "signin" or "signup"
	Name    string
	Next    string
	Errors  fieldErrors
	Message string
}

// NameRules and PasswordRules are shown beside the sign-up form's fields
// from the start, so nobody learns them from a refusal. They say what
// validateName and store.ValidatePassword check; change them together.
func (authPage) NameRules() string {
	return fmt.Sprintf("Up to %d letters and digits; after the first, also - _ and . (no spaces). Others @mention you by it.", maxNameLen)
}

func (authPage) PasswordRules() string {
	return fmt.Sprintf("At least %d characters.", minPasswordLen)
}

// DescribedBy is a field's aria-describedby: its rules on the sign-up
// form, then its error when it has one.
func (p authPage) DescribedBy(field string) string {
	var ids []string
	if p.Action == "signup" && (field == "name" || field == "password") {
		ids = append(ids, field+"-rules")
	}
	if p.Errors[field] != "" {
		ids = append(ids, field+"-error")
	}
	return strings.Join(ids, " ")
}

// localNext keeps a "next" target only when it is a path on this site, so
// the sign-in page cannot be used to send people elsewhere; anything else
// is "/". Every "next" and every redirect back to a page a request names
// goes through localPath.
func localNext(next string) string {
	p, _ := localPath(next)
	return p
}

// localPath reports whether target, sent as a Location, takes a browser to
// a path on this site, and returns it as http.Redirect will send it; else
// "/" and false.
//
// The check is on what leaves, not on what came in: http.Redirect cleans
// the path, so "/./\evil.example" and "/../\evil.example" leave as
// "/\evil.example", which browsers read as "//evil.example", another
// host. So a target must start with one "/", and neither it nor its
// decoded path may hold a backslash (browsers take it for a slash in
// http URLs), a control character (browsers drop tabs and newlines from
// URLs, so "/\t/x" is "//x"), or a leading "//" ("/%2F/x" decodes to one);
// the path is then cleaned as http.Redirect would clean it and checked
// again, and the URL rebuilt from its parts, so what was checked is what
// is sent.
func localPath(target string) (string, bool) {
	const home = "/"
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || hasBackslashOrControl(target) {
		return home, false
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home, false
	}
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || hasBackslashOrControl(u.Path) {
		return home, false
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
		return home, false
	}
	return (&url.URL{Path: clean, RawQuery: u.RawQuery, Fragment: u.Fragment}).String(), true
}

func hasBackslashOrControl(s string) bool {
	return strings.ContainsFunc(s, func(c rune) bool { return c == '\\' || c < 0x20 || c == 0x7f })
}

// handleSignUpForm serves GET /signup.
func (s *Server) handleSignUpForm(w http.ResponseWriter, r *http.Request) error {
	p := authPage{basePage: s.base(r, "Sign up"), Action: "signup", Next: localNext(r.URL.Query().Get("next"))}
	return s.pages.render(w, http.StatusOK, "auth.html", p)
}

// handleSignInForm serves GET /signin.
func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request) error {
	p := authPage{basePage: s.base(r, "Sign in"), Action: "signin", Next: localNext(r.URL.Query().Get("next"))}
	return s.pages.render(w, http.StatusOK, "auth.html", p)
}

// handleSignUp serves POST /signup: create the account, sign in, go on.
func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return errBadRequest("The form could not be read.")
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	pw := r.PostForm.Get("password")
	p := authPage{basePage: s.base(r, "Sign up"), Action: "signup", Name: name, Next: localNext(r.PostForm.Get("next")), Errors: fieldErrors{}}
	if err := validateName(name); err != nil {
		p.Errors["name"] = err.Error()
	}
	if err := store.ValidatePassword(pw); err != nil {
		p.Errors["password"] = err.Error()
	} else if pw != r.PostForm.Get("password2") {
		p.Errors["password2"] = "The two passwords differ."
	}
	if len(p.Errors) > 0 {
		return s.pages.render(w, http.StatusUnprocessableEntity, "auth.html", p)
	}
	var (
		hash    []byte
		hashErr error
	)
	if err := s.hashSlots.do(r.Context(), func() { hash, hashErr = store.HashPassword(pw, s.cfg.PasswordParams) }); err != nil {
		return err
	}
	if hashErr != nil {
		return hashErr
	}
	u, err := s.db.CreateUser(r.Context(), name, hash)
	if errors.Is(err, store.ErrNameTaken) {
		p.Errors["name"] = "That name is taken. Choose another."
		return s.pages.render(w, http.StatusConflict, "auth.html", p)
	}
	if errors.Is(err, store.ErrNameLookalike) {
		p.Errors["name"] = "That name looks like one that is taken (letters from another alphabet, or a digit for a letter, read the same). Choose another."
		return s.pages.render(w, http.StatusConflict, "auth.html", p)
	}
	if err != nil {
		return err
	}
	if err := s.signIn(r, u); err != nil {
		return err
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

// handleSignIn serves POST /signin. The error never says whether the name
// exists.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return errBadRequest("The form could not be read.")
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	pw := r.PostForm.Get("password")
	p := authPage{basePage: s.base(r, "Sign in"), Action: "signin", Name: name, Next: localNext(r.PostForm.Get("next"))}
	u, hash, err := s.db.UserByName(r.Context(), name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	unknown := errors.Is(err, store.ErrNotFound) || len(pw) > maxPasswordLen
	if unknown {
		hash = []byte(s.dummyHash)
	}
	var (
		ok     bool
		cmpErr error
	)
	if err := s.hashSlots.do(r.Context(), func() { ok, cmpErr = argon2id.ComparePasswordAndHash(pw, string(hash)) }); err != nil {
		return err
	}
	if cmpErr != nil && !unknown {
		return fmt.Errorf("compare password: %w", cmpErr)
	}
	if unknown {
		p.Message = "That name and password do not match an account."
		return s.pages.render(w, http.StatusUnauthorized, "auth.html", p)
	}
	if !ok {
		p.Message = "That name and password do not match an account."
		return s.pages.render(w, http.StatusUnauthorized, "auth.html", p)
	}
	if err := s.signIn(r, u); err != nil {
		return err
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

// signIn renews the session token (against session fixation) and records
// the user.
func (s *Server) signIn(r *http.Request, u store.User) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	s.sessions.Put(r.Context(), sessionUserID, u.ID)
	return nil
}

// handleSignOut serves POST /signout. Without a stored session there is
// nothing to end, and nothing is asked of the database.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) error {
	if s.sessions.Token(r.Context()) == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return fmt.Errorf("destroy session: %w", err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// requireUser returns the signed-in user, or an error that sends a page
// request to sign in (API requests get 401).
func requireUser(r *http.Request) (*store.User, error) {
	if u := userFrom(r.Context()); u != nil {
		return u, nil
	}
	return nil, errSignIn()
}
