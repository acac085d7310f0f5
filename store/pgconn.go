package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The store's SQL is written once, with SQLite's parameters: ? (the next
// number), ?NNN, and :name bound by sql.Named. PostgreSQL knows only $n,
// and pgx's database/sql driver binds sql.Named values by position,
// ignoring the name, which would bind a query's values to the wrong
// parameters without an error. So on PostgreSQL every connection goes
// through pgConn, which rewrites each query string once (cached) to $n,
// numbering parameters as SQLite does, and puts the values in that order:
// a named value where its name is, the others by their position. The rest
// of the store never knows.
//
// pgConn also gives transactions what SQLite's gave them (store.go, DB):
// on the write pool, every transaction first takes one advisory lock, so
// writers run one at a time, across every glossa on the database, as they
// do on a SQLite file (BEGIN IMMEDIATE): a transaction that reads, decides
// and writes never races another. On the read pool a transaction is READ
// ONLY and REPEATABLE READ: one snapshot, as a deferred SQLite read
// transaction sees, and no write can slip in.

// writeLockKey is the advisory lock every write transaction takes
// (pg_advisory_xact_lock), released at its commit or rollback. Any fixed
// number would do; this one spells "glossa" in ASCII.
const writeLockKey = 0x676c6f737361

// pgConnector makes pgConn connections, for the write pool (readOnly
// false) or the read pool.
type pgConnector struct {
	inner    driver.Connector
	readOnly bool
}

func newPGConnector(dsn string, readOnly bool) (*pgConnector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return &pgConnector{inner: stdlib.GetConnector(*cfg), readOnly: readOnly}, nil
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn.(*stdlib.Conn), readOnly: c.readOnly}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.inner.Driver() }

type pgConn struct {
	*stdlib.Conn
	readOnly bool
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.readOnly {
		opts.ReadOnly = true
		if opts.Isolation == driver.IsolationLevel(sql.LevelDefault) {
			opts.Isolation = driver.IsolationLevel(sql.LevelRepeatableRead)
		}
		return c.Conn.BeginTx(ctx, opts)
	}
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		return tx, nil
	}
	if _, err := c.Conn.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(writeLockKey)+`)`, nil); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("wait for the write lock: %w", err)
	}
	return tx, nil
}

func (c *pgConn) Begin() (driver.Tx, error) { //nolint:staticcheck // driver.Conn asks for it
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	q, args, err := rebind(query, args)
	if err != nil {
		return nil, err
	}
	return c.Conn.ExecContext(ctx, q, args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, args, err := rebind(query, args)
	if err != nil {
		return nil, err
	}
	return c.Conn.QueryContext(ctx, q, args)
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	b, err := compileBinding(query)
	if err != nil {
		return nil, err
	}
	st, err := c.Conn.PrepareContext(ctx, b.sql)
	if err != nil {
		return nil, err
	}
	return &pgStmt{Stmt: st, b: b}, nil
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

type pgStmt struct {
	driver.Stmt
	b *binding
}

func (s *pgStmt) NumInput() int { return -1 }

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	args, err := s.b.args(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	args, err := s.b.args(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// binding is a query rewritten for PostgreSQL: its SQL with $n, and for
// each parameter n the name it had (params[n-1]; "" for ? and ?NNN).
type binding struct {
	sql    string
	params []string
}

var bindings sync.Map // query string -> *binding

// rebind rewrites query and orders args for PostgreSQL.
func rebind(query string, args []driver.NamedValue) (string, []driver.NamedValue, error) {
	if len(args) == 0 {
		return query, args, nil // nothing to bind: a migration, a bare statement
	}
	b, err := compileBinding(query)
	if err != nil {
		return "", nil, err
	}
	args, err = b.args(args)
	return b.sql, args, err
}

func compileBinding(query string) (*binding, error) {
	if b, ok := bindings.Load(query); ok {
		return b.(*binding), nil
	}
	b, err := parseBinding(query)
	if err != nil {
		return nil, err
	}
	bindings.Store(query, b)
	return b, nil
}

// args orders the values by parameter number: a named value goes to its
// name's parameter, another to the parameter of its position (Ordinal),
// as mattn/go-sqlite3 binds them.
func (b *binding) args(in []driver.NamedValue) ([]driver.NamedValue, error) {
	out := make([]driver.NamedValue, len(b.params))
	set := make([]bool, len(b.params))
	for _, a := range in {
		i := -1
		if a.Name != "" {
			for j, p := range b.params {
				if p == a.Name {
					i = j
					break
				}
			}
			if i < 0 {
				continue // SQLite ignores a named value the query does not use
			}
		} else {
			i = a.Ordinal - 1
			if i >= len(b.params) {
				return nil, fmt.Errorf("argument %d given to a query with %d parameters", a.Ordinal, len(b.params))
			}
		}
		v := a.Value
		if b, ok := v.(bool); ok {
			// Flags are 0/1 integers on both databases (the schemas
			// match); SQLite's driver writes a bool as one, pgx would not.
			v = 0
			if b {
				v = 1
			}
		}
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
		set[i] = true
	}
	for i, ok := range set {
		if !ok {
			if b.params[i] != "" {
				return nil, fmt.Errorf("no value for parameter :%s", b.params[i])
			}
			return nil, fmt.Errorf("no value for parameter %d", i+1)
		}
	}
	return out, nil
}

// parseBinding numbers the parameters of query as SQLite does: ? is one
// more than the largest number so far, ?NNN is NNN, and :name or @name
// the number it first got. Quoted strings and identifiers, comments,
// dollar-quoted bodies, :: casts and the @@ operator are left alone.
func parseBinding(query string) (*binding, error) {
	var (
		out    strings.Builder
		params []string
		named  = map[string]int{}
	)
	use := func(n int, name string) {
		for len(params) < n {
			params = append(params, "")
		}
		if name != "" {
			params[n-1] = name
		}
		out.WriteString("$" + strconv.Itoa(n))
	}
	isWord := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(query) {
				return nil, fmt.Errorf("unterminated quote in query: %.60q", query[i:])
			}
			out.WriteString(query[i : j+1])
			i = j + 1
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			out.WriteString(query[i : i+j])
			i += j
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			j := strings.Index(query[i+2:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("unterminated comment in query")
			}
			out.WriteString(query[i : i+2+j+2])
			i += 2 + j + 2
		case c == '$' && (i == 0 || !isWord(query[i-1])) && i+1 < len(query) && !(query[i+1] >= '0' && query[i+1] <= '9'):
			// A dollar quote: $$ or $tag$, up to the same again.
			j := strings.IndexByte(query[i+1:], '$')
			if j < 0 {
				out.WriteByte(c)
				i++
				continue
			}
			tag := query[i : i+1+j+1]
			k := strings.Index(query[i+len(tag):], tag)
			if k < 0 {
				return nil, fmt.Errorf("unterminated dollar quote %s in query", tag)
			}
			end := i + len(tag) + k + len(tag)
			out.WriteString(query[i:end])
			i = end
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			n := len(params) + 1
			if j > i+1 {
				var err error
				if n, err = strconv.Atoi(query[i+1 : j]); err != nil || n < 1 {
					return nil, fmt.Errorf("bad parameter %s", query[i:j])
				}
			}
			use(n, "")
			i = j
		case (c == ':' || c == '@') && i+1 < len(query) && (query[i+1] == '_' || query[i+1] >= 'a' && query[i+1] <= 'z' || query[i+1] >= 'A' && query[i+1] <= 'Z') &&
			(i == 0 || query[i-1] != c):
			j := i + 1
			for j < len(query) && isWord(query[j]) {
				j++
			}
			name := query[i+1 : j]
			n, ok := named[name]
			if !ok {
				n = len(params) + 1
				named[name] = n
			}
			use(n, name)
			i = j
		default:
			out.WriteByte(c)
			i++
		}
	}
	return &binding{sql: out.String(), params: params}, nil
}
