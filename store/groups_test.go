package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCreateGroup(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	tess := mustUser(t, db, "tess")

	g, err := db.CreateGroup(ctx, tess.ID, "  Seminar on Montaigne  ")
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Seminar on Montaigne" || g.OwnerID != tess.ID || len(g.InviteCode) < 16 || g.CreatedAt.IsZero() {
		t.Errorf("CreateGroup = %+v", g)
	}
	if role, err := db.RoleOf(ctx, tess.ID, g.ID); err != nil || role != RoleTeacher {
		t.Errorf("owner's role = %q, %v; want teacher", role, err)
	}
	if got, err := db.Group(ctx, g.ID); err != nil || got != g {
		t.Errorf("Group = %+v, %v; want %+v", got, err, g)
	}
	if got, err := db.GroupByInvite(ctx, g.InviteCode); err != nil || got.ID != g.ID {
		t.Errorf("GroupByInvite = %+v, %v", got, err)
	}
	g2 := mustGroup(t, db, tess, "Another")
	if g2.InviteCode == g.InviteCode {
		t.Error("two groups share an invite code")
	}

	for _, tt := range []struct {
		name, group string
		mention     string
	}{
		{"empty", "", "name"},
		{"blank", "   ", "name"},
		{"too long", strings.Repeat("é", 101), "100"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.CreateGroup(ctx, tess.ID, tt.group)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error = %v, want ErrInvalid naming %q", err, tt.mention)
			}
		})
	}
	if _, err := db.CreateGroup(ctx, tess.ID, strings.Repeat("é", 100)); err != nil {
		t.Errorf("100-character name: %v", err)
	}
	if _, err := db.Group(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Group(9999): %v, want ErrNotFound", err)
	}
	if _, err := db.GroupByInvite(ctx, "nosuchcodeatall00000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GroupByInvite(unknown): %v, want ErrNotFound", err)
	}
	if _, err := db.RoleOf(ctx, tess.ID, 9999); !errors.Is(err, ErrForbidden) {
		t.Errorf("RoleOf(not a member): %v, want ErrForbidden", err)
	}
}

func TestInviteAndJoin(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	old := s.g.InviteCode

	// Joining twice changes nothing, and a teacher joining again stays a
	// teacher.
	if g, err := db.Join(ctx, s.member.ID, old); err != nil || g.ID != s.g.ID {
		t.Fatalf("second Join = %+v, %v", g, err)
	}
	if _, err := db.Join(ctx, s.teacher.ID, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Join(ctx, s.co.ID, old); err != nil {
		t.Fatal(err)
	}
	for u, want := range map[User]Role{s.member: RoleMember, s.teacher: RoleTeacher, s.co: RoleTeacher} {
		if r, err := db.RoleOf(ctx, u.ID, s.g.ID); err != nil || r != want {
			t.Errorf("RoleOf(%s) = %q, %v; want %q", u.Name, r, err, want)
		}
	}
	if ms, _ := db.Members(ctx, s.g.ID); len(ms) != 4 {
		t.Errorf("%d members, want 4", len(ms))
	}

	// Only teachers regenerate.
	for _, u := range []User{s.member, s.outsider} {
		if _, err := db.RegenerateInvite(ctx, u.ID, s.g.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("RegenerateInvite by %s: %v, want ErrForbidden", u.Name, err)
		}
	}
	if _, err := db.RegenerateInvite(ctx, s.teacher.ID, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("RegenerateInvite(missing group): %v, want ErrNotFound", err)
	}
	g, err := db.RegenerateInvite(ctx, s.co.ID, s.g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.InviteCode == old || len(g.InviteCode) < 16 {
		t.Fatalf("new code %q (old %q)", g.InviteCode, old)
	}
	// The old link stops working.
	if _, err := db.GroupByInvite(ctx, old); !errors.Is(err, ErrNotFound) {
		t.Errorf("GroupByInvite(old code): %v, want ErrNotFound", err)
	}
	if _, err := db.Join(ctx, s.outsider.ID, old); !errors.Is(err, ErrNotFound) {
		t.Errorf("Join(old code): %v, want ErrNotFound", err)
	}
	if _, err := db.RoleOf(ctx, s.outsider.ID, s.g.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("outsider joined with the old code: %v", err)
	}
	// The new one works.
	if got, err := db.GroupByInvite(ctx, g.InviteCode); err != nil || got.ID != s.g.ID {
		t.Errorf("GroupByInvite(new code) = %+v, %v", got, err)
	}
	if _, err := db.Join(ctx, s.outsider.ID, g.InviteCode); err != nil {
		t.Fatal(err)
	}
	if r, err := db.RoleOf(ctx, s.outsider.ID, s.g.ID); err != nil || r != RoleMember {
		t.Errorf("joined with the new code: %q, %v", r, err)
	}
	if _, err := db.Join(ctx, 9999, g.InviteCode); !errors.Is(err, ErrNotFound) {
		t.Errorf("Join by a missing user: %v, want ErrNotFound", err)
	}
}

func TestLeaveAndRemove(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	bea := mustUser(t, db, "bea")
	cal := mustUser(t, db, "cal")
	mustJoin(t, db, bea, s.g)
	mustJoin(t, db, cal, s.g)

	isMember := func(u User) bool {
		t.Helper()
		_, err := db.RoleOf(ctx, u.ID, s.g.ID)
		if err != nil && !errors.Is(err, ErrForbidden) {
			t.Fatal(err)
		}
		return err == nil
	}

	// Leave.
	wantErr(t, "owner leaves", db.Leave(ctx, s.teacher.ID, s.g.ID), ErrInvalid)
	wantErr(t, "outsider leaves", db.Leave(ctx, s.outsider.ID, s.g.ID), ErrForbidden)
	wantErr(t, "leave a missing group", db.Leave(ctx, s.member.ID, 9999), ErrNotFound)
	wantErr(t, "member leaves", db.Leave(ctx, s.member.ID, s.g.ID), nil)
	if isMember(s.member) {
		t.Error("member still in the group after leaving")
	}
	wantErr(t, "member leaves twice", db.Leave(ctx, s.member.ID, s.g.ID), ErrForbidden)
	if !isMember(s.teacher) {
		t.Error("owner left")
	}

	// Remove.
	tests := []struct {
		name          string
		actor, target User
		want          error
	}{
		{"member removes a member", s.author, bea, ErrForbidden},
		{"outsider removes a member", s.outsider, bea, ErrForbidden},
		{"co-teacher removes the owner", s.co, s.teacher, ErrInvalid},
		{"owner removes themselves", s.teacher, s.teacher, ErrInvalid},
		{"co-teacher removes a non-member", s.co, s.outsider, ErrNotFound},
		{"co-teacher removes a member", s.co, bea, nil},
		{"owner removes a member", s.teacher, cal, nil},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, db.RemoveMember(ctx, tt.actor.ID, s.g.ID, tt.target.ID), tt.want)
	}
	if isMember(bea) || isMember(cal) {
		t.Error("removed members are still in the group")
	}
	// A second co-teacher may not remove the first; the owner may.
	dan := mustUser(t, db, "dan")
	mustJoin(t, db, dan, s.g)
	if err := db.SetRole(ctx, s.co.ID, s.g.ID, dan.ID, RoleTeacher); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "co-teacher removes a co-teacher", db.RemoveMember(ctx, dan.ID, s.g.ID, s.co.ID), ErrForbidden)
	wantErr(t, "co-teacher removes themselves", db.RemoveMember(ctx, dan.ID, s.g.ID, dan.ID), ErrForbidden)
	if !isMember(s.co) {
		t.Fatal("co-teacher removed by another co-teacher")
	}
	wantErr(t, "owner removes a co-teacher", db.RemoveMember(ctx, s.teacher.ID, s.g.ID, s.co.ID), nil)
	if isMember(s.co) {
		t.Error("co-teacher still in the group")
	}
	// A co-teacher can leave on their own.
	wantErr(t, "co-teacher leaves", db.Leave(ctx, dan.ID, s.g.ID), nil)
	if ms, _ := db.Members(ctx, s.g.ID); len(ms) != 2 {
		t.Errorf("members left: %+v, want tess and ava", ms)
	}
}

func TestSetRole(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	bea := mustUser(t, db, "bea")
	mustJoin(t, db, bea, s.g)

	tests := []struct {
		name          string
		actor, target User
		role          Role
		want          error
		wantRole      Role // the target's role afterwards
	}{
		{"unknown role", s.teacher, bea, "admin", ErrInvalid, RoleMember},
		{"member promotes a member", s.author, bea, RoleTeacher, ErrForbidden, RoleMember},
		{"outsider promotes a member", s.outsider, bea, RoleTeacher, ErrForbidden, RoleMember},
		{"member promotes themselves", bea, bea, RoleTeacher, ErrForbidden, RoleMember},
		{"teacher promotes an outsider", s.teacher, s.outsider, RoleTeacher, ErrNotFound, ""},
		{"co-teacher promotes a member", s.co, bea, RoleTeacher, nil, RoleTeacher},
		{"co-teacher demotes a co-teacher", s.co, bea, RoleMember, ErrForbidden, RoleTeacher},
		{"co-teacher demotes themselves", s.co, s.co, RoleMember, ErrForbidden, RoleTeacher},
		{"co-teacher demotes the owner", s.co, s.teacher, RoleMember, ErrInvalid, RoleTeacher},
		{"owner demotes themselves", s.teacher, s.teacher, RoleMember, ErrInvalid, RoleTeacher},
		{"owner demotes a co-teacher", s.teacher, bea, RoleMember, nil, RoleMember},
		{"teacher sets a member's role to member", s.co, bea, RoleMember, nil, RoleMember},
		{"owner sets a co-teacher's role to teacher", s.teacher, s.co, RoleTeacher, nil, RoleTeacher},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, db.SetRole(ctx, tt.actor.ID, s.g.ID, tt.target.ID, tt.role), tt.want)
		if tt.wantRole == "" {
			continue
		}
		if r, err := db.RoleOf(ctx, tt.target.ID, s.g.ID); err != nil || r != tt.wantRole {
			t.Errorf("%s: role afterwards = %q, %v; want %q", tt.name, r, err, tt.wantRole)
		}
	}
}

func TestMembersAndMemberships(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	// Names chosen so that alphabetical order differs from the role order.
	zoe := mustUser(t, db, "zoe")   // owner
	abe := mustUser(t, db, "Abe")   // co-teacher
	bob := mustUser(t, db, "bob")   // member
	amy := mustUser(t, db, "amy")   // member
	carl := mustUser(t, db, "carl") // co-teacher
	g := mustGroup(t, db, zoe, "b-group")
	for _, u := range []User{bob, carl, amy, abe} {
		mustJoin(t, db, u, g)
	}
	for _, u := range []User{carl, abe} {
		if err := db.SetRole(ctx, zoe.ID, g.ID, u.ID, RoleTeacher); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := db.Members(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, string(m.Role)+":"+m.User.Name)
		if m.Owner != (m.User.ID == zoe.ID) {
			t.Errorf("%s: Owner = %v", m.User.Name, m.Owner)
		}
		if m.JoinedAt.IsZero() || m.User.CreatedAt.IsZero() {
			t.Errorf("%s: zero times: %+v", m.User.Name, m)
		}
	}
	want := []string{"teacher:zoe", "teacher:Abe", "teacher:carl", "member:amy", "member:bob"}
	if !equalSlices(got, want) {
		t.Errorf("Members order = %v, want %v", got, want)
	}
	if ms, err := db.Members(ctx, 9999); err != nil || len(ms) != 0 {
		t.Errorf("Members(missing group) = %v, %v", ms, err)
	}

	// Memberships: by name; the invite code for teachers only.
	a := mustGroup(t, db, abe, "A-group") // Abe owns it
	mustJoin(t, db, bob, a)
	for _, tt := range []struct {
		u      User
		groups []string
		codes  []bool // invite code visible, per group
	}{
		{abe, []string{"A-group", "b-group"}, []bool{true, true}},
		{bob, []string{"A-group", "b-group"}, []bool{false, false}},
		{zoe, []string{"b-group"}, []bool{true}},
		{amy, []string{"b-group"}, []bool{false}},
		{mustUser(t, db, "nobody"), nil, nil},
	} {
		list, err := db.Memberships(ctx, tt.u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		var codes []bool
		for _, m := range list {
			names = append(names, m.Group.Name)
			codes = append(codes, m.Group.InviteCode != "")
			if m.Role == RoleTeacher && m.Group.InviteCode == "" || m.Role == RoleMember && m.Group.InviteCode != "" {
				t.Errorf("%s in %s as %s: invite code %q", tt.u.Name, m.Group.Name, m.Role, m.Group.InviteCode)
			}
		}
		if !equalSlices(names, tt.groups) || !equalSlices(codes, tt.codes) {
			t.Errorf("Memberships(%s) = %v (codes %v), want %v (codes %v)", tt.u.Name, names, codes, tt.groups, tt.codes)
		}
	}
}

func TestPostFirstSetting(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db

	postFirst := func(d Document) bool {
		t.Helper()
		on, err := db.PostFirst(ctx, s.g.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return on
	}
	locked := func(u User, d Document) bool {
		t.Helper()
		l, err := db.Locked(ctx, u.ID, s.g.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if postFirst(s.d1) || locked(s.member, s.d1) {
		t.Error("post first is on by default")
	}
	wantErr(t, "member sets post first", db.SetPostFirst(ctx, s.member.ID, s.g.ID, s.d1.ID, true), ErrForbidden)
	wantErr(t, "outsider sets post first", db.SetPostFirst(ctx, s.outsider.ID, s.g.ID, s.d1.ID, true), ErrForbidden)
	wantErr(t, "missing document", db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, 9999, true), ErrNotFound)
	wantErr(t, "missing group", db.SetPostFirst(ctx, s.teacher.ID, 9999, s.d1.ID, true), ErrNotFound)
	if postFirst(s.d1) {
		t.Fatal("refused SetPostFirst turned it on")
	}
	wantErr(t, "co-teacher sets post first", db.SetPostFirst(ctx, s.co.ID, s.g.ID, s.d1.ID, true), nil)
	if !postFirst(s.d1) || postFirst(s.d2) {
		t.Errorf("post first: essay %v, second %v; want on, off", postFirst(s.d1), postFirst(s.d2))
	}
	// Setting it again is no error.
	wantErr(t, "set again", db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d1.ID, true), nil)

	// Locked: members who have not written there; never teachers or outsiders.
	for _, tt := range []struct {
		u    User
		want bool
	}{{s.member, true}, {s.author, true}, {s.teacher, false}, {s.co, false}, {s.outsider, false}} {
		if got := locked(tt.u, s.d1); got != tt.want {
			t.Errorf("Locked(%s) = %v, want %v", tt.u.Name, got, tt.want)
		}
	}
	if locked(s.member, s.d2) {
		t.Error("locked on a document without post first")
	}
	// A private note does not unlock; a group note does; a note in
	// another group does not.
	mustNote(t, db, s.author, s.d1, Private, "just mine", quote(s.r1, 0, 0, 0))
	if !locked(s.author, s.d1) {
		t.Error("a private note unlocked post first")
	}
	other := mustGroup(t, db, s.author, "Elsewhere")
	s.create(t, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Members, GroupID: other.ID, Body: "elsewhere"})
	if !locked(s.author, s.d1) {
		t.Error("a note in another group unlocked post first")
	}
	n := s.groupNote(t, s.author, s.d1, "my first")
	if locked(s.author, s.d1) {
		t.Error("still locked after writing a group note")
	}
	// Deleting it locks again.
	if err := db.DeleteNote(ctx, s.author.ID, n.ID, 0); err != nil {
		t.Fatal(err)
	}
	if !locked(s.author, s.d1) {
		t.Error("not locked after deleting the only note")
	}
	// A reply unlocks too (to the teacher's guide note, always visible).
	guide := s.groupNote(t, s.teacher, s.d1, "guide")
	s.reply(t, s.author, guide, "answer")
	if locked(s.author, s.d1) {
		t.Error("still locked after replying")
	}
	// Off again: nobody is locked.
	wantErr(t, "turn off", db.SetPostFirst(ctx, s.teacher.ID, s.g.ID, s.d1.ID, false), nil)
	if postFirst(s.d1) || locked(s.member, s.d1) {
		t.Error("post first still on")
	}
}

// A teacher's removal keeps the person out: the invite link refuses them
// until a teacher lets them back in. Leaving records nothing.
func TestRemovalKeepsOut(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	code := s.g.InviteCode

	removals := func() []Removal {
		t.Helper()
		rs, err := db.Removals(ctx, s.co.ID, s.g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}

	// Removed by a co-teacher: the link refuses them, as ErrRemoved, which
	// is also an ErrForbidden; they stay out.
	before := time.Now().Add(-time.Second)
	wantErr(t, "co-teacher removes mia", db.RemoveMember(ctx, s.co.ID, s.g.ID, s.member.ID), nil)
	_, err := db.Join(ctx, s.member.ID, code)
	wantErr(t, "removed member joins", err, ErrRemoved)
	wantErr(t, "removed member joins (forbidden)", err, ErrForbidden)
	if _, err := db.RoleOf(ctx, s.member.ID, s.g.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("removed member is back in: %v", err)
	}
	rs := removals()
	if len(rs) != 1 || rs[0].User.ID != s.member.ID || rs[0].User.Name != "mia" || rs[0].By.ID != s.co.ID ||
		rs[0].By.Name != "cole" || rs[0].RemovedAt.Before(before) || rs[0].RemovedAt.After(time.Now()) {
		t.Fatalf("Removals = %+v, want mia removed by cole just now", rs)
	}

	// A new invite link does not let them in either.
	g, err := db.RegenerateInvite(ctx, s.teacher.ID, s.g.ID)
	if err != nil {
		t.Fatal(err)
	}
	code = g.InviteCode
	_, err = db.Join(ctx, s.member.ID, code)
	wantErr(t, "removed member joins with a new link", err, ErrRemoved)

	// Removing again someone who is out already: they are not a member.
	wantErr(t, "remove twice", db.RemoveMember(ctx, s.teacher.ID, s.g.ID, s.member.ID), ErrNotFound)
	if rs := removals(); len(rs) != 1 || rs[0].By.ID != s.co.ID {
		t.Errorf("after removing twice, Removals = %+v, want cole's removal kept", rs)
	}

	// Only teachers see the list or let back in.
	for _, u := range []User{s.author, s.outsider, s.member} {
		if _, err := db.Removals(ctx, u.ID, s.g.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("Removals by %s: %v, want ErrForbidden", u.Name, err)
		}
		wantErr(t, "let back in by "+u.Name, db.LetBackIn(ctx, u.ID, s.g.ID, s.member.ID), ErrForbidden)
	}
	wantErr(t, "let back in to a missing group", db.LetBackIn(ctx, s.teacher.ID, 9999, s.member.ID), ErrNotFound)
	wantErr(t, "let back in someone never removed", db.LetBackIn(ctx, s.teacher.ID, s.g.ID, s.author.ID), ErrNotFound)
	wantErr(t, "let back in a missing user", db.LetBackIn(ctx, s.teacher.ID, s.g.ID, 9999), ErrNotFound)
	if len(removals()) != 1 {
		t.Fatal("a refused let back in changed the list")
	}

	// The owner lets back in someone a co-teacher removed (any teacher may
	// let anyone back in). That does not make them a member; the link does.
	wantErr(t, "owner lets mia back in", db.LetBackIn(ctx, s.teacher.ID, s.g.ID, s.member.ID), nil)
	if rs := removals(); len(rs) != 0 {
		t.Errorf("after letting back in, Removals = %+v", rs)
	}
	if _, err := db.RoleOf(ctx, s.member.ID, s.g.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("letting back in made mia a member: %v", err)
	}
	wantErr(t, "let back in twice", db.LetBackIn(ctx, s.teacher.ID, s.g.ID, s.member.ID), ErrNotFound)
	if _, err := db.Join(ctx, s.member.ID, code); err != nil {
		t.Fatalf("Join after being let back in: %v", err)
	}
	if r, err := db.RoleOf(ctx, s.member.ID, s.g.ID); err != nil || r != RoleMember {
		t.Errorf("rejoined as %q, %v; want member", r, err)
	}

	// Leaving records nothing: the link lets them back in.
	wantErr(t, "ava leaves", db.Leave(ctx, s.author.ID, s.g.ID), nil)
	if rs := removals(); len(rs) != 0 {
		t.Errorf("leaving recorded a removal: %+v", rs)
	}
	if _, err := db.Join(ctx, s.author.ID, code); err != nil {
		t.Errorf("Join after leaving: %v", err)
	}

	// A removal is of one group: the removed person may join another.
	other := mustGroup(t, db, s.co, "Other")
	wantErr(t, "remove mia again", db.RemoveMember(ctx, s.teacher.ID, s.g.ID, s.member.ID), nil)
	if _, err := db.Join(ctx, s.member.ID, other.InviteCode); err != nil {
		t.Errorf("Join another group after a removal: %v", err)
	}
	// A removed co-teacher is kept out like anyone.
	wantErr(t, "owner removes cole", db.RemoveMember(ctx, s.teacher.ID, s.g.ID, s.co.ID), nil)
	_, err = db.Join(ctx, s.co.ID, code)
	wantErr(t, "removed co-teacher joins", err, ErrRemoved)
}

// Removals go with their group and with the removed person's account
// (neither can be deleted from glossa yet; the schema is ready for it).
func TestRemovalsCascade(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	bea := mustUser(t, db, "bea")
	mustJoin(t, db, bea, s.g)
	for _, u := range []User{s.member, bea} {
		wantErr(t, "remove "+u.Name, db.RemoveMember(ctx, s.teacher.ID, s.g.ID, u.ID), nil)
	}
	other := mustGroup(t, db, s.teacher, "Other")
	mustJoin(t, db, s.member, other)
	wantErr(t, "remove mia from other", db.RemoveMember(ctx, s.teacher.ID, other.ID, s.member.ID), nil)

	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.sql.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM removals`); n != 3 {
		t.Fatalf("%d removals, want 3", n)
	}
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, bea.ID); err != nil {
		t.Fatalf("delete bea: %v", err)
	}
	if n := count(`SELECT count(*) FROM removals WHERE user_id = ?`, bea.ID); n != 0 {
		t.Errorf("%d removals of a deleted user remain", n)
	}
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, other.ID); err != nil {
		t.Fatalf("delete group: %v", err)
	}
	if n := count(`SELECT count(*) FROM removals WHERE group_id = ?`, other.ID); n != 0 {
		t.Errorf("%d removals of a deleted group remain", n)
	}
	if n := count(`SELECT count(*) FROM removals`); n != 1 {
		t.Errorf("%d removals, want mia's from the seminar only", n)
	}
	// The teacher who removed someone is named by the record: their
	// account cannot go while it stands.
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO removals (group_id, user_id, removed_by, removed_at) VALUES (?, ?, 9999, ?)`,
		s.g.ID, s.outsider.ID, now()); err == nil {
		t.Error("a removal by a missing user was stored")
	}
}
