package store

import (
	"context"
	"testing"
)

// OthersWrote sees another connection's commits, once each time, and
// never this DB's own; MarkChanged moves the generation and wakes those
// waiting, as a commit does.
func TestOthersWrote(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTestDB(t)
	other, err := Open(ctx, db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	check := func(step string, want bool) {
		t.Helper()
		got, err := db.OthersWrote(ctx)
		if err != nil || got != want {
			t.Fatalf("%s: OthersWrote = %v, %v; want %v", step, got, err, want)
		}
	}
	check("first call, nothing since Open", false)
	// A commit elsewhere before the first question is still reported.
	fresh, err := Open(ctx, db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := other.CreateUser(ctx, "early", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if moved, err := fresh.OthersWrote(ctx); err != nil || !moved {
		t.Fatalf("a commit between Open and the first call: OthersWrote = %v, %v; want true", moved, err)
	}
	check("after that commit", true)
	if _, err := db.CreateUser(ctx, "own", []byte("x")); err != nil {
		t.Fatal(err)
	}
	check("after an own commit", false)
	if _, err := other.CreateUser(ctx, "elsewhere", []byte("x")); err != nil {
		t.Fatal(err)
	}
	check("after another DB's commit", true)
	check("asked again", false)
	// Reads elsewhere are not writes.
	if _, err := other.CurrentRevisions(ctx); err != nil {
		t.Fatal(err)
	}
	check("after another DB's read", false)

	gen, changed := db.Generation(), db.Changed()
	db.MarkChanged()
	select {
	case <-changed:
	default:
		t.Error("MarkChanged did not close the Changed channel")
	}
	if db.Generation() != gen+1 {
		t.Errorf("generation %d after MarkChanged, want %d", db.Generation(), gen+1)
	}
}
