package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Sessions: the rows of the "sessions" table, which scs (the web layer's
// session manager) keeps: an opaque token, the session's encoded data, and
// the moment it expires, a julianday() as scs's sqlite3store wrote it, so
// sessions stored before survive. What a session holds and when it should
// expire is the web layer's business; the store only keeps the rows.
//
// None of these writes counts as a generation (see Generation): a session
// is not something a reader sees in a page.

// Session is one stored session.
type Session struct {
	Data   []byte
	Expiry time.Time
}

// FindSession returns the session with the token, expired or not (the
// caller's clock decides), or ErrNotFound. It reads on the read pool, so
// it never waits for a writer.
func (db *DB) FindSession(ctx context.Context, token string) (Session, error) {
	var (
		s  Session
		jd float64
	)
	err := db.ro.QueryRowContext(ctx, `SELECT data, expiry FROM sessions WHERE token = ?`, token).Scan(&s.Data, &jd)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("find session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("find session: %w", err)
	}
	s.Expiry = fromJulianDay(jd)
	return s, nil
}

// SaveSession stores the session under token, replacing any it had.
func (db *DB) SaveSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	if token == "" {
		return fmt.Errorf("save session: %w", invalid("", "token is empty"))
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO sessions (token, data, expiry) VALUES (?, ?, julianday(?))
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		token, data, julianDayArg(expiry)); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// ExtendSession moves the session's expiry to the later expiry; a session
// that is gone (signed out meanwhile) stays gone, and one that already
// expires later is left as it is.
func (db *DB) ExtendSession(ctx context.Context, token string, expiry time.Time) error {
	if _, err := db.sql.ExecContext(ctx, `UPDATE sessions SET expiry = julianday(?1) WHERE token = ?2 AND expiry < julianday(?1)`,
		julianDayArg(expiry), token); err != nil {
		return fmt.Errorf("extend session: %w", err)
	}
	return nil
}

// DeleteSession removes the session, if there is one.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE token = ?`, token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before now and
// says how many there were.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE expiry < julianday(?)`, julianDayArg(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}

// julianDayArg is t as julianday() reads it, to the millisecond, the
// format scs's sqlite3store wrote.
func julianDayArg(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000") }

// unixEpochJulianDay is 1970-01-01T00:00:00Z as a julian day.
const unixEpochJulianDay = 2440587.5

// fromJulianDay is the moment of a julian day, rounded to the millisecond
// (a float64 julian day holds this era's moments to about 40 µs).
func fromJulianDay(jd float64) time.Time {
	ms := math.Round((jd - unixEpochJulianDay) * 86400e3)
	return time.UnixMilli(int64(ms)).UTC()
}
