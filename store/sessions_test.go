package store

import (
	"errors"
	"testing"
	"time"
)

func TestSessionRows(t *testing.T) {
	db := openTestDB(t)
	ctx := t.Context()
	exp := time.Date(2031, 5, 6, 7, 8, 9, 123e6, time.UTC)
	if err := db.SaveSession(ctx, "tok", []byte("data"), exp); err != nil {
		t.Fatal(err)
	}
	s, err := db.FindSession(ctx, "tok")
	if err != nil || string(s.Data) != "data" || !s.Expiry.Equal(exp) {
		t.Fatalf("FindSession = %q %v, %v; want data %v", s.Data, s.Expiry, err, exp)
	}
	// Extend only moves it later.
	if err := db.ExtendSession(ctx, "tok", exp.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.FindSession(ctx, "tok"); !s.Expiry.Equal(exp) {
		t.Errorf("an earlier expiry moved it to %v", s.Expiry)
	}
	if err := db.ExtendSession(ctx, "tok", exp.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.FindSession(ctx, "tok"); !s.Expiry.Equal(exp.Add(time.Hour)) {
		t.Errorf("extended to %v, want %v", s.Expiry, exp.Add(time.Hour))
	}
	// A session that is gone is not brought back by extending it.
	if err := db.DeleteSession(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := db.ExtendSession(ctx, "tok", exp.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindSession(ctx, "tok"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete and extend: %v, want ErrNotFound", err)
	}
	// Expired rows go, the others stay.
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	db.SaveSession(ctx, "old", []byte("x"), now.Add(-time.Second))
	db.SaveSession(ctx, "new", []byte("y"), now.Add(time.Second))
	if n, err := db.DeleteExpiredSessions(ctx, now); n != 1 || err != nil {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if _, err := db.FindSession(ctx, "new"); err != nil {
		t.Errorf("the live session went: %v", err)
	}
	if err := db.SaveSession(ctx, "", nil, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty token: %v, want ErrInvalid", err)
	}
}
