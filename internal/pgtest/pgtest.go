// Package pgtest runs a throwaway PostgreSQL server for tests: one per
// test binary, started from the installed binaries
// (/usr/lib/postgresql/*/bin) into a temporary directory on a free
// loopback port, with one fresh database per test made from a template.
//
// Which databases the tests run on is GLOSSA_TEST_DB's choice: sqlite,
// postgres or both (the default: both when PostgreSQL is installed,
// SQLite alone when it is not). Without PostgreSQL the tests that need it
// skip and say why, unless GLOSSA_REQUIRE_POSTGRES=1, where they fail.
//
// It imports nothing of glossa's: the caller says how to make the template
// (for the store, by migrating it).
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Required reports whether PostgreSQL tests must run rather than skip
// (GLOSSA_REQUIRE_POSTGRES=1, set by .ci/run).
func Required() bool { return os.Getenv("GLOSSA_REQUIRE_POSTGRES") == "1" }

// Dialects returns the databases the tests should run on, in order:
// "sqlite", "postgres" or both, from GLOSSA_TEST_DB. Left unset, it is
// both when PostgreSQL is installed (or required) and SQLite alone
// otherwise.
func Dialects() []string {
	switch v := os.Getenv("GLOSSA_TEST_DB"); v {
	case "sqlite":
		return []string{"sqlite"}
	case "postgres":
		return []string{"postgres"}
	case "both":
		return []string{"sqlite", "postgres"}
	case "":
		if _, err := binDir(); err == nil || Required() {
			return []string{"sqlite", "postgres"}
		}
		return []string{"sqlite"}
	default:
		panic(fmt.Sprintf("GLOSSA_TEST_DB=%q: want sqlite, postgres or both", v))
	}
}

// binDir finds the highest installed PostgreSQL's bin directory, or the
// one GLOSSA_PG_BIN names.
func binDir() (string, error) {
	pattern := "/usr/lib/postgresql/*/bin"
	if d := os.Getenv("GLOSSA_PG_BIN"); d != "" {
		pattern = d // PostgreSQL installed elsewhere
	}
	dirs, _ := filepath.Glob(pattern)
	dirs = slices.DeleteFunc(dirs, func(d string) bool {
		_, err := os.Stat(filepath.Join(d, "initdb"))
		return err != nil
	})
	if len(dirs) == 0 {
		return "", fmt.Errorf("PostgreSQL is not installed (no %s/initdb)", pattern)
	}
	version := func(d string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		return n
	}
	slices.SortFunc(dirs, func(a, b string) int { return version(a) - version(b) })
	return dirs[len(dirs)-1], nil
}

// Server is a running throwaway PostgreSQL.
type Server struct {
	dir  string // the data directory's parent, holding the sockets too
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited

	admin *sql.DB // to the "postgres" database, for CREATE/DROP DATABASE

	mu        sync.Mutex
	templates map[string]error // made templates, by name, and how that went
}

var (
	once     sync.Once
	shared   *Server
	startErr error
	seq      atomic.Uint64
)

// Main runs the tests with m and stops the server, if one was started, when
// they end. A package whose tests use PostgreSQL calls it from TestMain; if
// the binary dies instead, the server dies with it (Pdeathsig).
func Main(m interface{ Run() int }) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the shared server, if it was started, and removes its files.
func Stop() {
	if shared != nil {
		shared.stop()
	}
}

// start starts the shared server once.
func start() (*Server, error) {
	once.Do(func() { shared, startErr = Start(Options{}) })
	return shared, startErr
}

// Options are how Start runs a server. The zero value is the tests'
// server: small, and without fsync.
type Options struct {
	// Durable runs the server with PostgreSQL's default durability,
	// fsync, synchronous_commit and full_page_writes on, and its default
	// shared_buffers (128MB): a commit is on disk before it returns, as
	// on a production server. For measurements (bench/glossabench).
	Durable bool
}

// Start starts a throwaway server of its own, outside the shared one the
// tests use; the caller stops it with Stop. It fails when PostgreSQL is
// not installed.
func Start(opts Options) (*Server, error) { return startServer(opts) }

// Stop stops s and removes its files.
func (s *Server) Stop() { s.stop() }

// Settings is what s runs with, as "name=value" pairs, for a report.
func (s *Server) Settings(ctx context.Context) (string, error) {
	rows, err := s.admin.QueryContext(ctx, `SELECT name, setting FROM pg_settings
		WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_sync_method', 'server_version') ORDER BY name`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return "", err
		}
		out = append(out, name+"="+value)
	}
	return strings.Join(out, " "), rows.Err()
}

// CreateDatabase creates an empty database name on s and returns its URL.
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return s.URL(name), nil
}

// URL returns the connection string for database name.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

func startServer(opts Options) (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "glossa-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, templates: map[string]error{}, done: make(chan struct{})}
	fail := func(err error) (*Server, error) {
		os.RemoveAll(dir)
		return nil, err
	}

	// initdb and postgres refuse to run as root: as root, run them as the
	// postgres system user the package creates, in a directory it owns.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root, and no postgres user to run PostgreSQL as: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}

	// A free loopback port: another process may take it between our
	// close and the server's bind, so try a few.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		s.port = port
		if err := s.run(bin, data, cred, opts); err == nil {
			break
		} else if attempt == 4 {
			return fail(err)
		}
	}
	return s, nil
}

// run starts postgres on s.port and waits until it accepts connections.
// Small settings unless opts.Durable: the machine is shared and the tests
// durable enough without fsync.
func (s *Server) run(bin, data string, cred *syscall.Credential, opts Options) error {
	log, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	if cred != nil {
		os.Chown(log.Name(), int(cred.Uid), int(cred.Gid))
	}
	settings := []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off", "shared_buffers=16MB"}
	if opts.Durable {
		settings = []string{"fsync=on", "synchronous_commit=on", "full_page_writes=on", "shared_buffers=128MB"}
	}
	settings = append(settings, "max_connections=100", "dynamic_shared_memory_type=mmap",
		"max_wal_size=256MB", "logging_collector=off")
	args := []string{"-D", data, "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-k", s.dir}
	for _, kv := range settings {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = log, log
	// The server dies with the test binary, even when that is killed:
	// SIGKILL to the postmaster makes its backends exit too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()

	admin, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		cmd.Process.Kill()
		return err
	}
	admin.SetMaxOpenConns(2)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = admin.PingContext(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-done:
			admin.Close()
			b, _ := os.ReadFile(log.Name())
			return fmt.Errorf("postgres exited at start:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			admin.Close()
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("postgres did not accept connections within a minute: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd, s.done, s.admin = cmd, done, admin
	return nil
}

func (s *Server) stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.cmd != nil {
		// SIGQUIT: immediate shutdown; the data is thrown away anyway.
		s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// server returns the shared server, skipping t (or failing it, when
// PostgreSQL is required) when there is none.
func server(t testing.TB) *Server {
	t.Helper()
	s, err := start()
	if err != nil {
		if Required() {
			t.Fatalf("PostgreSQL is required (GLOSSA_REQUIRE_POSTGRES=1): %v", err)
		}
		t.Skipf("skipping the PostgreSQL test: %v", err)
	}
	return s
}

// NewDatabase creates a fresh database for t from the template named
// template, which make builds (once per test binary) given its URL, and
// drops it when t ends. It returns the new database's URL.
func NewDatabase(t testing.TB, template string, make func(url string) error) string {
	t.Helper()
	s := server(t)
	if err := s.template(template, make); err != nil {
		t.Fatalf("PostgreSQL template %s: %v", template, err)
	}
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), seq.Add(1))
	ctx := context.Background()
	if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+
		` TEMPLATE `+pgx.Identifier{template}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE: a connection a failed test left open must not keep it.
		if _, err := s.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return s.URL(name)
}

// template makes the template database name with make, once.
func (s *Server) template(name string, make func(url string) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err, ok := s.templates[name]; ok {
		return err
	}
	err := func() error {
		ctx := context.Background()
		if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
		if err := make(s.URL(name)); err != nil {
			return err
		}
		// Mark it a template; no connection may stay open to it, or
		// CREATE DATABASE ... TEMPLATE fails.
		_, err := s.admin.ExecContext(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`)
		return err
	}()
	if err != nil && !strings.Contains(err.Error(), name) {
		err = fmt.Errorf("%s: %w", name, err)
	}
	s.templates[name] = err
	return err
}
