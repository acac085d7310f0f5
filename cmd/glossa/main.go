// Command glossa serves annotated essays and manages their database.
//
//	glossa [serve] [-addr localhost:8080] [-db glossa.db] [-content DIR] [-dev]
//	glossa user add [-db glossa.db] NAME      (password on standard input)
//	glossa token new [-db glossa.db] NAME     (prints the token alone)
//	glossa publish [-db glossa.db] [-content DIR]
//	glossa export [-db glossa.db] -user NAME -doc SLUG [-format jsonld] [-scope mine] [-o FILE]
//	glossa import [-db glossa.db] -user NAME [-doc SLUG] [-source any] FILE
//	glossa backup [-db glossa.db] PATH        (a consistent copy, while serving)
//	glossa migrate-db -from glossa.db -to postgres://…
//
// -db is a SQLite file or a postgres:// URL. Every flag falls back to an
// environment variable (GLOSSA_ADDR, GLOSSA_DB, GLOSSA_CONTENT, …) and
// then to its default.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"glossa/content"
	"glossa/library"
	"glossa/static"
	"glossa/store"
	"glossa/templates"
	"glossa/transfer"
	"glossa/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "glossa:", err)
		}
		os.Exit(2)
	}
}

// command is one of glossa's commands, as the usage lists it and as its
// own -h introduces it.
type command struct {
	name    string // as typed: "serve", "user add"
	args    string // after the name
	summary string
}

var commands = []command{
	{"serve", "[flags]", "serve the essays (the default command)"},
	{"user add", "[flags] NAME", "add a user; the password is one line on standard input"},
	{"token new", "[flags] NAME", "make a personal API token for NAME and print it alone"},
	{"publish", "[flags]", "publish changed essays and re-anchor their notes"},
	{"export", "[flags] -user NAME -doc SLUG", "export NAME's notes on an essay (or a group's, for its teacher)"},
	{"import", "[flags] -user NAME FILE", "import W3C or Hypothesis annotations as NAME's notes"},
	{"backup", "[flags] PATH", "copy the database to PATH (a new file), safely while serving"},
	{"migrate-db", "-from FILE -to URL", "copy a SQLite database into an empty PostgreSQL one"},
}

// usage is glossa's own help: every command, and how to learn its flags.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: glossa [COMMAND] [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands {
		line := "  " + c.name + " " + c.args
		if len(line) > 40 {
			fmt.Fprintf(&b, "%s\n%42s%s\n", line, "", c.summary)
		} else {
			fmt.Fprintf(&b, "%-42s%s\n", line, c.summary)
		}
	}
	b.WriteString("\nWithout a command, glossa serves. Most flags also read an environment\n" +
		"variable (GLOSSA_DB, GLOSSA_ADDR, ...), named in their help.\n" +
		"Run \"glossa COMMAND -h\" for a command's flags.\n")
	return b.String()
}

// isHelp reports whether an argument asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// parseFlags parses a command's flags. Asked for help (-h, --help), it
// prints the command's usage and flags on standard output and returns
// flag.ErrHelp, which run takes as the command done; after a mistake it
// prints them on standard error, below the mistake.
func parseFlags(fset *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var help bytes.Buffer
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fset.SetOutput(&help)
		defer fset.SetOutput(stderr)
		for _, c := range commands {
			if c.name == fset.Name() {
				fmt.Fprintf(&help, "usage: glossa %s %s\n\n%s.\n", c.name, c.args, strings.ToUpper(c.summary[:1])+c.summary[1:])
			}
		}
		fmt.Fprintln(&help, "\nFlags:")
		// A default read from the environment (GLOSSA_DB) may be a URL
		// with a password in it: the help shows it without.
		fset.VisitAll(func(f *flag.Flag) { f.DefValue = store.DisplayName(f.DefValue) })
		fset.PrintDefaults()
	}
	err := fset.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = stdout.Write(help.Bytes())
	case err != nil:
		_, _ = stderr.Write(help.Bytes())
	}
	return err
}

// run is main without the process: arguments, environment and streams come
// in, an error goes out, so tests can drive every command.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdin, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the help asked for is printed
	}
	return err
}

// dispatch runs the command args name.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && (isHelp(args[0]) || args[0] == "help") {
		if len(args) > 1 && args[0] == "help" {
			// glossa help export: export's own help.
			return dispatch(ctx, append(args[1:len(args):len(args)], "-h"), getenv, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage())
		return nil
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "user", "token":
		// Each has one subcommand, which -h on its own explains.
		sub := map[string]string{"user": "add", "token": "new"}[cmd]
		if len(args) > 0 && isHelp(args[0]) {
			args = []string{sub, "-h"}
		}
		if len(args) == 0 || args[0] != sub {
			return fmt.Errorf("unknown command %q; the command is \"%s %s\"\n%s", strings.TrimSpace(cmd+" "+strings.Join(args, " ")), cmd, sub, usage())
		}
		if cmd == "user" {
			return userAdd(ctx, args[1:], getenv, stdin, stdout, stderr)
		}
		return tokenNew(ctx, args[1:], getenv, stdout, stderr)
	case "publish":
		return publish(ctx, args, getenv, stdout, stderr)
	case "export":
		return export(ctx, args, getenv, stdout, stderr)
	case "import":
		return importNotes(ctx, args, getenv, stdin, stdout, stderr)
	case "backup":
		return backup(ctx, args, getenv, stdout, stderr)
	case "migrate-db":
		return migrateDB(ctx, args, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage())
}

// envDefault returns the environment's value for key, or def.
func envDefault(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// contentFlag adds the -content flag of serve and publish. Export and
// import have none: commands that read or move notes never publish, and
// work on the documents the database holds.
func contentFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("content", getenv("GLOSSA_CONTENT"), "folder of Markdown essays to serve beside the embedded ones; a file with an embedded essay's name replaces it (env GLOSSA_CONTENT)")
}

// checkFolder fails unless dir is "" or a folder.
func checkFolder(dir string) error {
	if dir == "" {
		return nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("-content %s: not a folder", dir)
	}
	return nil
}

// publish publishes the essays whose Markdown changed and says, per essay,
// what changed and where the notes went. It publishes the essays it is
// pointed at (the folder's with -content, else the embedded ones) over
// whatever revision is current, deliberately; the server's start and the
// other essays here publish a change only over a text of the same origin
// (library.Publish). A running server shows a new revision within a second.
func publish(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("publish", flag.ContinueOnError)
	dbPath := dbFlag(fset, getenv)
	contentDir := contentFlag(fset, getenv)
	if err := parseFlags(fset, args, stdout, stderr); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("publish takes no arguments, got %q", fset.Args())
	}
	if err := checkFolder(*contentDir); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	reps, err := library.Publish(ctx, db, content.Essays, *contentDir)
	for _, r := range reps {
		switch {
		case r.Held:
			fmt.Fprintln(stderr, "glossa:", r.Warning())
			continue
		case !r.Published:
			fmt.Fprintf(stdout, "%s: revision %d is current; nothing to publish\n", r.Slug, r.Revision)
			continue
		}
		fmt.Fprintf(stdout, "%s: published revision %d\n", r.Slug, r.Revision)
		if r.Replaced != "" {
			fmt.Fprintf(stdout, "  from %s, replacing a text published from %s\n", store.OriginName(r.Origin), store.OriginName(r.Replaced))
		}
		if r.Revision > 1 {
			b, n := r.Blocks, r.Notes
			fmt.Fprintf(stdout, "  blocks: %d unchanged, %d edited, %d inserted, %d deleted\n", b.Unchanged, b.Edited, b.Inserted, b.Deleted)
			fmt.Fprintf(stdout, "  notes:  %d exact, %d mapped, %d moved, %d fuzzy, %d orphaned\n", n.Exact, n.Mapped, n.Moved, n.Fuzzy, n.Orphan)
		}
	}
	return err
}

// dbFlag adds the -db flag every command shares.
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("db", envDefault(getenv, "GLOSSA_DB", "glossa.db"), "SQLite database file, created on first run, or a postgres:// URL (env GLOSSA_DB)")
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fset.String("addr", envDefault(getenv, "GLOSSA_ADDR", "localhost:8080"), "address to listen on (env GLOSSA_ADDR)")
	dbPath := dbFlag(fset, getenv)
	contentDir := contentFlag(fset, getenv)
	baseURL := fset.String("base-url", getenv("GLOSSA_BASE_URL"), "absolute URL glossa is reached at, for API IRIs; default: each request's host (env GLOSSA_BASE_URL)")
	tlsCert := fset.String("tls-cert", getenv("GLOSSA_TLS_CERT"), "TLS certificate file; with -tls-key, serve HTTPS (env GLOSSA_TLS_CERT)")
	tlsKey := fset.String("tls-key", getenv("GLOSSA_TLS_KEY"), "TLS key file (env GLOSSA_TLS_KEY)")
	secure := fset.Bool("secure-cookies", getenv("GLOSSA_SECURE_COOKIES") == "1", "mark cookies Secure (implied by -tls-cert; set it behind a TLS proxy) (env GLOSSA_SECURE_COOKIES=1)")
	defaultLimit := 120
	if v := getenv("GLOSSA_WRITE_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("GLOSSA_WRITE_LIMIT=%q: want a whole number of requests per minute, 1 or more", v)
		}
		defaultLimit = n
	}
	writeLimit := fset.Int("write-limit", defaultLimit, "state-changing requests one signed-in reader (or one address, signed out) may make per minute (env GLOSSA_WRITE_LIMIT)")
	trusted := fset.String("trusted-proxies", getenv("GLOSSA_TRUSTED_PROXIES"), "reverse proxies, as CIDR prefixes or addresses separated by commas, whose X-Forwarded-For and X-Real-IP name the client for the per-address limits; default none (env GLOSSA_TRUSTED_PROXIES)")
	defaultImports := 2000
	if v := getenv("GLOSSA_IMPORT_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("GLOSSA_IMPORT_LIMIT=%q: want a whole number of notes per day, 1 or more", v)
		}
		defaultImports = n
	}
	importLimit := fset.Int("import-limit", defaultImports, "notes one reader may import (form and API) in 24 hours (env GLOSSA_IMPORT_LIMIT)")
	dev := fset.Bool("dev", false, "serve templates/ and static/ from disk, for working on them")
	if err := parseFlags(fset, args, stdout, stderr); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fset.Args())
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	if *writeLimit < 1 {
		return fmt.Errorf("-write-limit %d: want 1 or more requests per minute", *writeLimit)
	}
	proxies, err := parseTrustedProxies(*trusted)
	if err != nil {
		return fmt.Errorf("-trusted-proxies: %w", err)
	}
	if *importLimit < 1 {
		return fmt.Errorf("-import-limit %d: want 1 or more notes per day", *importLimit)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	cfg := web.Config{
		Templates: templates.FS, Static: static.FS, Logger: log,
		BaseURL: *baseURL, SecureCookies: *secure || *tlsCert != "",
		WriteLimit: *writeLimit, TrustedProxies: proxies, ImportLimit: *importLimit,
		Content: content.Essays, Folder: *contentDir,
	}
	if err := checkFolder(*contentDir); err != nil {
		return err
	}
	if *dev {
		cfg.Templates, cfg.Static = os.DirFS("templates"), os.DirFS("static")
	}

	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg.DB = db
	srv, err := web.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	// A text this start would not publish is in the log; say it plainly
	// too, where whoever started glossa looks.
	for _, r := range srv.Published() {
		if r.Held {
			fmt.Fprintln(stderr, "glossa:", r.Warning())
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		// Lets a live stream have the kernel give up its connection when
		// the reader has vanished (see web.ConnContext).
		ConnContext: web.ConnContext,
	}
	// Shutdown waits for active requests, and a live event stream stays
	// active while its reader is there: end the streams when it begins
	// (the readers' browsers reconnect to the next server). No
	// WriteTimeout above, for the same reason: it would cut every stream.
	hs.RegisterOnShutdown(srv.EndStreams)
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	log.Info("glossa is serving", "url", scheme+"://"+ln.Addr().String(), "db", store.DisplayName(*dbPath), "content", contentName(*contentDir))

	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Give requests in flight ten seconds to finish.
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func contentName(dir string) string {
	if dir == "" {
		return "embedded"
	}
	return "embedded and " + dir
}

// oneName parses a command's flags and its single NAME argument.
func oneName(fset *flag.FlagSet, args []string, stdout, stderr io.Writer) (string, error) {
	if err := parseFlags(fset, args, stdout, stderr); err != nil {
		return "", err
	}
	if fset.NArg() != 1 {
		return "", fmt.Errorf("%s needs exactly one NAME", fset.Name())
	}
	return fset.Arg(0), nil
}

func userAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("user add", flag.ContinueOnError)
	dbPath := dbFlag(fset, getenv)
	name, err := oneName(fset, args, stdout, stderr)
	if err != nil {
		return err
	}
	if err := store.ValidateName(name); err != nil {
		var fe *store.FieldError
		if errors.As(err, &fe) {
			err = errors.New(fe.Text()) // the sentence the sign-up form shows
		}
		return fmt.Errorf("name %q: %w", name, err)
	}
	// One line of standard input is the password, so scripts can pipe it
	// in and it never shows in the process list.
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := store.ValidatePassword(pw); err != nil {
		return fmt.Errorf("password (read from standard input): %w", err)
	}
	hash, err := store.HashPassword(pw, nil)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, name, hash)
	if errors.Is(err, store.ErrNameTaken) {
		return fmt.Errorf("a user named %q exists already", name)
	}
	if errors.Is(err, store.ErrNameLookalike) {
		return fmt.Errorf("%q looks like the name of a user who exists already (letters from another alphabet, or a digit for a letter); choose another", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added user %s\n", u.Name)
	return nil
}

func tokenNew(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("token new", flag.ContinueOnError)
	dbPath := dbFlag(fset, getenv)
	name, err := oneName(fset, args, stdout, stderr)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	u, _, err := db.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user named %q", name)
	}
	if err != nil {
		return err
	}
	token := store.NewToken()
	if err := db.CreateToken(ctx, u.ID, store.HashToken(token)); err != nil {
		return err
	}
	// The token alone, so scripts can capture it: TOKEN=$(glossa token new ann)
	fmt.Fprintln(stdout, token)
	return nil
}

// userNamed is the user of db named name.
func userNamed(ctx context.Context, db *store.DB, name string) (*store.User, error) {
	u, _, err := db.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no user named %q", name)
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// loadEssay is document slug of db, rendered.
func loadEssay(ctx context.Context, db *store.DB, slug string) (transfer.Document, error) {
	d, err := transfer.LoadDocument(ctx, db, slug)
	if errors.Is(err, store.ErrNotFound) {
		return d, fmt.Errorf("no essay %q", slug)
	}
	return d, err
}

// export writes a reader's notes on one essay (or, for its teacher, a
// group's) as Markdown, CSV or W3C Web Annotation JSON-LD, the files the
// export page gives.
func export(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("export", flag.ContinueOnError)
	dbPath := dbFlag(fset, getenv)
	baseURL := fset.String("base-url", envDefault(getenv, "GLOSSA_BASE_URL", "http://localhost:8080"), "absolute URL glossa is reached at, for the IRIs and links in the file (env GLOSSA_BASE_URL)")
	user := fset.String("user", "", "whose notes: the reader exporting (required)")
	doc := fset.String("doc", "", "the essay's slug (required)")
	format := fset.String("format", "jsonld", "md (Markdown), csv or jsonld (W3C Web Annotation)")
	scope := fset.String("scope", "mine", "mine, or group:ID for the notes of a group the user teaches")
	out := fset.String("o", "-", "file to write; - is standard output")
	if err := parseFlags(fset, args, stdout, stderr); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("export takes no arguments, got %q", fset.Args())
	}
	if *user == "" || *doc == "" {
		return errors.New("export needs -user NAME and -doc SLUG")
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := userNamed(ctx, db, *user)
	if err != nil {
		return err
	}
	d, err := loadEssay(ctx, db, *doc)
	if err != nil {
		return err
	}
	f, err := transfer.ParseFormat(*format)
	if err != nil {
		return err
	}
	sc, err := transfer.ParseScope(ctx, db, u, *scope)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s is not in group %s", u.Name, strings.TrimPrefix(*scope, "group:"))
	}
	if err != nil {
		return err
	}
	file, err := transfer.Export(ctx, db, strings.TrimRight(*baseURL, "/"), u, d, f, sc)
	if errors.Is(err, store.ErrForbidden) {
		return errors.New("only the group's teachers can export its notes")
	}
	if err != nil {
		return err
	}
	body := file.Body
	if *out == "-" {
		_, err = stdout.Write(body)
		return err
	}
	return os.WriteFile(*out, body, 0o644)
}

// importNotes imports a file of W3C or Hypothesis annotations as a
// reader's notes, as the import page does, and prints the report. It
// fails only when the file as a whole cannot be imported; annotations
// rejected one by one are in the report.
func importNotes(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("import", flag.ContinueOnError)
	dbPath := dbFlag(fset, getenv)
	user := fset.String("user", "", "whose notes they become: the reader importing (required)")
	doc := fset.String("doc", "", "the essay's slug; by default, the one essay the file names")
	source := fset.String("source", "", `"any": the file's notes belong to the essay whatever page they were made on; each is placed by its quote`)
	asJSON := fset.Bool("json", false, "print the report as JSON, as the API answers it")
	if err := parseFlags(fset, args, stdout, stderr); err != nil {
		return err
	}
	if *source != "" && *source != "any" {
		return fmt.Errorf("-source %q: the only choice is -source any", *source)
	}
	if fset.NArg() != 1 || *user == "" {
		return errors.New("import needs -user NAME and one FILE (- for standard input)")
	}
	var (
		data []byte
		err  error
	)
	if name := fset.Arg(0); name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := importFile(ctx, db, *user, *doc, data, *source == "any")
	if err != nil {
		return fmt.Errorf("%s: %w", fset.Arg(0), err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "%s: %s\n", rep.Document, rep.Summary())
	for _, l := range rep.Lines {
		fmt.Fprintf(stdout, "  %s\n", l)
	}
	return nil
}

// importFile imports data into document slug as the user named
// userName, as the import form does, but without its allowance and
// limits (the operator runs it). With slug "", the document is the one
// essay the file names.
func importFile(ctx context.Context, db *store.DB, userName, slug string, data []byte, anySource bool) (transfer.Report, error) {
	u, err := userNamed(ctx, db, userName)
	if err != nil {
		return transfer.Report{}, err
	}
	var d transfer.Document
	if slug == "" {
		// A file that cannot be read says so, rather than that it names
		// no essay.
		if err := transfer.CheckFile(data); err != nil {
			return transfer.Report{}, err
		}
		docs, err := transfer.LoadDocuments(ctx, db)
		if err != nil {
			return transfer.Report{}, err
		}
		if d, err = transfer.NamedDocument(docs, data); err != nil {
			return transfer.Report{}, err
		}
	} else if d, err = loadEssay(ctx, db, slug); err != nil {
		return transfer.Report{}, err
	}
	return transfer.Import(ctx, db, u, d, data, transfer.Options{AnySource: anySource})
}

// backup copies the database to a new file while the server may be
// serving and writing (see store.DB.Backup). It never overwrites a file.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("backup", flag.ContinueOnError)
	dbPath := dbFlag(fset, getenv)
	if err := parseFlags(fset, args, stdout, stderr); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return errors.New("backup needs exactly one PATH, a file that does not exist yet")
	}
	if store.IsPostgresURL(*dbPath) {
		return fmt.Errorf("backup %s: %w", store.DisplayName(*dbPath), store.ErrBackupPostgres)
	}
	// Do not create a database that is not there: backing up a mistyped
	// -db would otherwise "succeed" with an empty copy.
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("database %s: %w", *dbPath, err)
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Backup(ctx, fset.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s in %s\n", *dbPath, fset.Arg(0), time.Since(start).Round(time.Millisecond))
	return nil
}

// migrateDB copies a SQLite database into an empty PostgreSQL one (see
// store.CopyToPostgres) and says how many rows of each table it copied.
// The source is only read.
func migrateDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("migrate-db", flag.ContinueOnError)
	from := fset.String("from", "", "the SQLite database file to copy; only read (required)")
	to := fset.String("to", "", "the PostgreSQL database to copy into, postgres://USER@HOST:PORT/DB: empty, or holding only glossa's schema (required)")
	if err := parseFlags(fset, args, stdout, stderr); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("migrate-db takes no arguments, got %q", fset.Args())
	}
	if *from == "" || *to == "" {
		return errors.New("migrate-db needs -from FILE (a SQLite database) and -to URL (postgres://…)")
	}
	if !store.IsPostgresURL(*to) {
		return fmt.Errorf("-to %s: want a postgres:// or postgresql:// URL", *to)
	}
	if store.IsPostgresURL(*from) {
		return fmt.Errorf("-from %s: want a SQLite database file", store.DisplayName(*from))
	}
	start := time.Now()
	counts, err := store.CopyToPostgres(ctx, *from, *to)
	if err != nil {
		return err
	}
	var rows int64
	for _, c := range counts {
		fmt.Fprintf(stdout, "  %-16s %d\n", c.Table, c.Rows)
		rows += c.Rows
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables from %s to %s in %s\n", rows, len(counts), *from, store.DisplayName(*to), time.Since(start).Round(time.Millisecond))
	return nil
}
