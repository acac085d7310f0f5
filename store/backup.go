package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
)

// ErrBackupExists: the backup's destination is already there. Backup never
// overwrites a file, so a mistyped path cannot destroy a database or an
// earlier backup.
var ErrBackupExists = errors.New("backup file already exists")

// ErrBackupPostgres: Backup copies a SQLite file; a PostgreSQL database is
// backed up with PostgreSQL's own tools.
var ErrBackupPostgres = errors.New("glossa backs up SQLite files only: back up PostgreSQL with pg_dump, or with continuous archiving and point-in-time recovery (PITR)")

// Backup writes a consistent copy of the database to path with VACUUM INTO,
// while the server goes on serving and writing. VACUUM INTO is one read
// transaction, so the copy is the database as of a single commit (a WAL
// reader sees a snapshot) and writers are never blocked; the copy is
// compact, and Open puts it back in WAL mode.
//
// path must not exist: Backup refuses with ErrBackupExists rather than
// overwrite it.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect == postgres {
		return fmt.Errorf("backup: %w", ErrBackupPostgres)
	}
	if path == "" {
		return fmt.Errorf("backup: %w", invalid("", "empty path"))
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup to %s: %w; choose a new name or remove it first", path, ErrBackupExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	// VACUUM INTO only reads the source, so under WAL it neither waits
	// for the writer nor holds it up. The read pool's connections are
	// query_only, which SQLite applies to VACUUM INTO's output too, so it
	// gets a connection of its own.
	src, err := sql.Open("sqlite3", dsn(db.path, url.Values{
		"_busy_timeout": {strconv.FormatInt(busyTimeout.Milliseconds(), 10)},
	}))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		// SQLite itself refuses a non-empty existing file, which covers
		// a file created between the check above and now.
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
