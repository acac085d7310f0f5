package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"github.com/mattn/go-sqlite3"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is a member's part in a group. A co-teacher is a teacher who is not
// the group's owner (its creator).
type Role string

const (
	RoleTeacher Role = "teacher"
	RoleMember  Role = "member"
)

// Group is a seminar or class reading together.
type Group struct {
	ID         int64
	Name       string
	OwnerID    int64
	InviteCode string
	CreatedAt  time.Time
}

// Member is a user in a group.
type Member struct {
	User     User
	Role     Role
	Owner    bool
	JoinedAt time.Time
}

// Removal is someone a teacher removed from a group: the invite link does
// not let them back in until a teacher lets them back in.
type Removal struct {
	User      User // the person removed
	By        User // the teacher who removed them
	RemovedAt time.Time
}

// Membership is a group as one of its members sees it.
type Membership struct {
	Group Group
	Role  Role
}

// newInviteCode returns 20 characters from 100 random bits: the invite
// link's secret.
func newInviteCode() string {
	var b [13]byte
	rand.Read(b[:])
	return noteIDEncoding.EncodeToString(b[:])[:20]
}

func validateGroupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", invalid("name", "a group needs a name")
	case n > 100:
		return "", invalid("name", "a group name has at most 100 characters, not %d", n)
	}
	return name, nil
}

// CreateGroup makes a group whose owner, ownerID, is its first teacher.
func (db *DB) CreateGroup(ctx context.Context, ownerID int64, name string) (Group, error) {
	name, err := validateGroupName(name)
	if err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	defer tx.Rollback()
	ts := now()
	// RETURNING, not LastInsertId, which PostgreSQL's driver does not have.
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO groups (name, owner_id, invite_code, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		name, ownerID, newInviteCode(), ts).Scan(&id); err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES (?, ?, 'teacher', ?)`,
		id, ownerID, ts); err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	g, err := groupByID(ctx, tx, id)
	if err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	if err := db.commit(tx); err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	return g, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scanGroup(row *sql.Row) (Group, error) {
	var (
		g  Group
		ts string
	)
	err := row.Scan(&g.ID, &g.Name, &g.OwnerID, &g.InviteCode, &ts)
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, ErrNotFound
	}
	if err != nil {
		return Group{}, err
	}
	g.CreatedAt, err = parseTime(ts)
	return g, err
}

const groupSelect = `SELECT id, name, owner_id, invite_code, created_at FROM groups`

func groupByID(ctx context.Context, q querier, id int64) (Group, error) {
	return scanGroup(q.QueryRowContext(ctx, groupSelect+` WHERE id = ?`, id))
}

// Group returns a group, or ErrNotFound.
func (db *DB) Group(ctx context.Context, id int64) (Group, error) {
	g, err := groupByID(ctx, db.ro, id)
	if err != nil {
		return Group{}, fmt.Errorf("group %d: %w", id, err)
	}
	return g, nil
}

// GroupByInvite returns the group whose invite code this is, or ErrNotFound
// (also for a code that was regenerated since).
func (db *DB) GroupByInvite(ctx context.Context, code string) (Group, error) {
	g, err := scanGroup(db.ro.QueryRowContext(ctx, groupSelect+` WHERE invite_code = ?`, code))
	if err != nil {
		return Group{}, fmt.Errorf("group by invite: %w", err)
	}
	return g, nil
}

// roleIn returns userID's role in groupID, or ErrForbidden when they are
// not a member.
func roleIn(ctx context.Context, q querier, userID, groupID int64) (Role, error) {
	var r Role
	err := q.QueryRowContext(ctx, `SELECT role FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("user %d is not a member of group %d: %w", userID, groupID, ErrForbidden)
	}
	return r, err
}

// requireTeacher returns ErrForbidden unless userID teaches groupID.
func requireTeacher(ctx context.Context, q querier, userID, groupID int64) error {
	r, err := roleIn(ctx, q, userID, groupID)
	if err != nil {
		return err
	}
	if r != RoleTeacher {
		return fmt.Errorf("user %d does not teach group %d: %w", userID, groupID, ErrForbidden)
	}
	return nil
}

// RoleOf returns userID's role in groupID, or ErrForbidden when they are not
// a member.
func (db *DB) RoleOf(ctx context.Context, userID, groupID int64) (Role, error) {
	return roleIn(ctx, db.ro, userID, groupID)
}

// memberRole is the role of the member a teacher acts on; someone who is
// not a member is ErrNotFound (the teacher asked about a stranger), not
// ErrForbidden (which would say the teacher may not act).
func memberRole(ctx context.Context, q querier, userID, groupID int64) (Role, error) {
	r, err := roleIn(ctx, q, userID, groupID)
	if errors.Is(err, ErrForbidden) {
		return "", fmt.Errorf("user %d: %w", userID, ErrNotFound)
	}
	return r, err
}

// RegenerateInvite gives the group a new invite code; the old link stops
// working. Teachers only.
func (db *DB) RegenerateInvite(ctx context.Context, actorID, groupID int64) (Group, error) {
	return db.groupWrite(ctx, "regenerate invite", actorID, groupID, func(tx *sql.Tx, _ Group) error {
		_, err := tx.ExecContext(ctx, `UPDATE groups SET invite_code = ? WHERE id = ?`, newInviteCode(), groupID)
		return err
	})
}

// groupWrite runs a teachers-only change to a group in one transaction.
func (db *DB) groupWrite(ctx context.Context, what string, actorID, groupID int64, f func(*sql.Tx, Group) error) (Group, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Group{}, fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	g, err := groupByID(ctx, tx, groupID)
	if err != nil {
		return Group{}, fmt.Errorf("%s: group %d: %w", what, groupID, err)
	}
	if err := requireTeacher(ctx, tx, actorID, groupID); err != nil {
		return Group{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := f(tx, g); err != nil {
		return Group{}, fmt.Errorf("%s: %w", what, err)
	}
	if g, err = groupByID(ctx, tx, groupID); err != nil {
		return Group{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := db.commit(tx); err != nil {
		return Group{}, fmt.Errorf("%s: %w", what, err)
	}
	return g, nil
}

// Invitation is the group whose invite code this is, as userID would find
// it before joining: a stale code is ErrNotFound; someone a teacher
// removed from the group, and did not let back in, gets ErrRemoved. It
// reads only; Join is what joins.
func (db *DB) Invitation(ctx context.Context, userID int64, code string) (Group, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return Group{}, fmt.Errorf("invitation: %w", err)
	}
	defer tx.Rollback()
	g, err := scanGroup(tx.QueryRowContext(ctx, groupSelect+` WHERE invite_code = ?`, code))
	if err != nil {
		return Group{}, fmt.Errorf("invitation: invite code: %w", err)
	}
	var removed bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM removals WHERE group_id = ? AND user_id = ?)`,
		g.ID, userID).Scan(&removed); err != nil {
		return Group{}, fmt.Errorf("invitation: %w", err)
	}
	if removed {
		return Group{}, fmt.Errorf("invitation to group %d: user %d: %w", g.ID, userID, ErrRemoved)
	}
	return g, nil
}

// Join adds userID to the group whose invite code this is, as a member
// (nothing changes if they belong already). A stale code is ErrNotFound;
// someone a teacher removed from the group, and did not let back in, gets
// ErrRemoved.
func (db *DB) Join(ctx context.Context, userID int64, code string) (Group, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Group{}, fmt.Errorf("join: %w", err)
	}
	defer tx.Rollback()
	g, err := scanGroup(tx.QueryRowContext(ctx, groupSelect+` WHERE invite_code = ?`, code))
	if err != nil {
		return Group{}, fmt.Errorf("join: invite code: %w", err)
	}
	var removed bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM removals WHERE group_id = ? AND user_id = ?)`,
		g.ID, userID).Scan(&removed); err != nil {
		return Group{}, fmt.Errorf("join: %w", err)
	}
	if removed {
		return Group{}, fmt.Errorf("join group %d: user %d: %w", g.ID, userID, ErrRemoved)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)
		ON CONFLICT (group_id, user_id) DO NOTHING`, g.ID, userID, now()); err != nil {
		if isConstraint(err, sqlite3.ErrConstraintForeignKey) { // SQLITE_CONSTRAINT_FOREIGNKEY
			return Group{}, fmt.Errorf("join: user %d: %w", userID, ErrNotFound)
		}
		return Group{}, fmt.Errorf("join: %w", err)
	}
	if err := db.commit(tx); err != nil {
		return Group{}, fmt.Errorf("join: %w", err)
	}
	return g, nil
}

// Leave takes userID out of a group. The owner cannot leave (ErrInvalid).
// Nothing is recorded: someone who left may come back with the invite link.
func (db *DB) Leave(ctx context.Context, userID, groupID int64) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	defer tx.Rollback()
	g, err := groupByID(ctx, tx, groupID)
	if err != nil {
		return fmt.Errorf("leave group %d: %w", groupID, err)
	}
	if g.OwnerID == userID {
		return fmt.Errorf("leave group %d: %w", groupID, invalid("", "the group's creator cannot leave it"))
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID)
	if err != nil {
		return fmt.Errorf("leave group %d: %w", groupID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("leave group %d: %w", groupID, ErrForbidden)
	}
	return db.commit(tx)
}

// RemoveMember takes userID out of the group and records the removal, so
// the invite link does not let them back in (see LetBackIn). Teachers
// remove members; only the owner removes a co-teacher; nobody removes the
// owner.
func (db *DB) RemoveMember(ctx context.Context, actorID, groupID, userID int64) error {
	_, err := db.removeMember(ctx, actorID, groupID, userID, false)
	return err
}

// RemoveMemberNewInvite is RemoveMember that also gives the group a new
// invite code, in the same transaction, and returns the group with it. The
// removal record keeps the removed account out, but not the person: with
// the old link they could join again under a new name. With the new code
// nobody joins until a teacher sends the new link.
func (db *DB) RemoveMemberNewInvite(ctx context.Context, actorID, groupID, userID int64) (Group, error) {
	return db.removeMember(ctx, actorID, groupID, userID, true)
}

func (db *DB) removeMember(ctx context.Context, actorID, groupID, userID int64, newInvite bool) (Group, error) {
	return db.groupWrite(ctx, "remove member", actorID, groupID, func(tx *sql.Tx, g Group) error {
		role, err := memberRole(ctx, tx, userID, groupID)
		if err != nil {
			return err
		}
		switch {
		case userID == g.OwnerID:
			return invalid("", "the group's creator cannot be removed")
		case role == RoleTeacher && actorID != g.OwnerID:
			return fmt.Errorf("only the group's creator removes a co-teacher: %w", ErrForbidden)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, userID); err != nil {
			return err
		}
		// A member has no removal row (joining refuses anyone who has one,
		// letting back in deletes it), so there is no conflict to expect;
		// should there be one, the latest removal is the one to keep.
		_, err = tx.ExecContext(ctx, `
			INSERT INTO removals (group_id, user_id, removed_by, removed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (group_id, user_id) DO UPDATE SET removed_by = excluded.removed_by, removed_at = excluded.removed_at`,
			groupID, userID, actorID, now())
		if err != nil || !newInvite {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE groups SET invite_code = ? WHERE id = ?`, newInviteCode(), groupID)
		return err
	})
}

// LetBackIn deletes the record that a teacher removed userID from the
// group, so its invite link lets them in again. It does not make them a
// member: they join with the link like anyone else. Any teacher of the
// group may let anyone back in; someone not on the removed list is
// ErrNotFound.
func (db *DB) LetBackIn(ctx context.Context, actorID, groupID, userID int64) error {
	_, err := db.groupWrite(ctx, "let back in", actorID, groupID, func(tx *sql.Tx, _ Group) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM removals WHERE group_id = ? AND user_id = ?`, groupID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %d was not removed from group %d: %w", userID, groupID, ErrNotFound)
		}
		return nil
	})
	return err
}

// Removals lists the people removed from the group and not let back in,
// most recent first, for its teachers (others get ErrForbidden).
func (db *DB) Removals(ctx context.Context, actorID, groupID int64) ([]Removal, error) {
	if err := requireTeacher(ctx, db.ro, actorID, groupID); err != nil {
		return nil, fmt.Errorf("removals: %w", err)
	}
	rows, err := db.ro.QueryContext(ctx, `
		SELECT u.id, u.name, u.created_at, b.id, b.name, b.created_at, r.removed_at
		FROM removals r JOIN users u ON u.id = r.user_id JOIN users b ON b.id = r.removed_by
		WHERE r.group_id = ?
		ORDER BY r.removed_at DESC, u.name COLLATE NOCASE`, groupID)
	if err != nil {
		return nil, fmt.Errorf("removals from group %d: %w", groupID, err)
	}
	defer rows.Close()
	var out []Removal
	for rows.Next() {
		var (
			r             Removal
			uts, bts, rts string
		)
		if err := rows.Scan(&r.User.ID, &r.User.Name, &uts, &r.By.ID, &r.By.Name, &bts, &rts); err != nil {
			return nil, fmt.Errorf("removals from group %d: %w", groupID, err)
		}
		for _, p := range []struct {
			s string
			t *time.Time
		}{{uts, &r.User.CreatedAt}, {bts, &r.By.CreatedAt}, {rts, &r.RemovedAt}} {
			if *p.t, err = parseTime(p.s); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRole makes a member a co-teacher (any teacher may) or a co-teacher a
// member again (only the owner may). The owner's role does not change.
func (db *DB) SetRole(ctx context.Context, actorID, groupID, userID int64, role Role) error {
	if role != RoleTeacher && role != RoleMember {
		return fmt.Errorf("set role: %w", invalid("", "unknown role %q", role))
	}
	_, err := db.groupWrite(ctx, "set role", actorID, groupID, func(tx *sql.Tx, g Group) error {
		old, err := memberRole(ctx, tx, userID, groupID)
		if err != nil {
			return err
		}
		switch {
		case userID == g.OwnerID:
			return invalid("", "the group's creator is always a teacher")
		case old == RoleTeacher && role == RoleMember && actorID != g.OwnerID:
			return fmt.Errorf("only the group's creator makes a co-teacher a member again: %w", ErrForbidden)
		}
		_, err = tx.ExecContext(ctx, `UPDATE memberships SET role = ? WHERE group_id = ? AND user_id = ?`, role, groupID, userID)
		return err
	})
	return err
}

// Members lists a group's members: teachers first (the owner first of
// them), then by name.
func (db *DB) Members(ctx context.Context, groupID int64) ([]Member, error) {
	rows, err := db.ro.QueryContext(ctx, `
		SELECT u.id, u.name, u.created_at, m.role, u.id = g.owner_id, m.joined_at
		FROM memberships m JOIN users u ON u.id = m.user_id JOIN groups g ON g.id = m.group_id
		WHERE m.group_id = ?
		ORDER BY m.role = 'member', u.id <> g.owner_id, u.name COLLATE NOCASE`, groupID)
	if err != nil {
		return nil, fmt.Errorf("members of group %d: %w", groupID, err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var (
			m           Member
			uts, joined string
		)
		if err := rows.Scan(&m.User.ID, &m.User.Name, &uts, &m.Role, &m.Owner, &joined); err != nil {
			return nil, fmt.Errorf("members of group %d: %w", groupID, err)
		}
		if m.User.CreatedAt, err = parseTime(uts); err != nil {
			return nil, err
		}
		if m.JoinedAt, err = parseTime(joined); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Memberships lists the groups userID belongs to, by name.
func (db *DB) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	rows, err := db.ro.QueryContext(ctx, `
		SELECT g.id, g.name, g.owner_id, g.invite_code, g.created_at, m.role
		FROM memberships m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = ? ORDER BY g.name COLLATE NOCASE, g.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("memberships of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var (
			m  Membership
			ts string
		)
		if err := rows.Scan(&m.Group.ID, &m.Group.Name, &m.Group.OwnerID, &m.Group.InviteCode, &ts, &m.Role); err != nil {
			return nil, fmt.Errorf("memberships of user %d: %w", userID, err)
		}
		if m.Group.CreatedAt, err = parseTime(ts); err != nil {
			return nil, err
		}
		if m.Role != RoleTeacher {
			m.Group.InviteCode = "" // the invite link is for teachers to hand out
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetPostFirst turns post first on or off for a group and document.
// Teachers only.
func (db *DB) SetPostFirst(ctx context.Context, actorID, groupID, documentID int64, on bool) error {
	_, err := db.groupWrite(ctx, "set post first", actorID, groupID, func(tx *sql.Tx, _ Group) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO group_documents (group_id, document_id, post_first) VALUES (?, ?, ?)
			ON CONFLICT (group_id, document_id) DO UPDATE SET post_first = excluded.post_first`,
			groupID, documentID, on)
		if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
			return fmt.Errorf("document %d: %w", documentID, ErrNotFound)
		}
		return err
	})
	return err
}

// PostFirst reports whether post first is on for a group and document.
func (db *DB) PostFirst(ctx context.Context, groupID, documentID int64) (bool, error) {
	var on bool
	err := db.ro.QueryRowContext(ctx, `SELECT coalesce((SELECT post_first FROM group_documents WHERE group_id = ? AND document_id = ?), 0)`,
		groupID, documentID).Scan(&on)
	if err != nil {
		return false, fmt.Errorf("post first: %w", err)
	}
	return on, nil
}

// Locked reports whether post first hides other members' notes from
// userID on a document in a group: it is on, userID is a member and not a
// teacher, and has not yet contributed there (see unlocksPostFirst).
func (db *DB) Locked(ctx context.Context, userID, groupID, documentID int64) (bool, error) {
	var locked bool
	err := db.ro.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM group_documents WHERE group_id = :g AND document_id = :d AND post_first = 1)
		   AND EXISTS (SELECT 1 FROM memberships WHERE group_id = :g AND user_id = :u AND role = 'member')
		   AND NOT `+unlocksPostFirst(":u", ":g", ":d"),
		sql.Named("g", groupID), sql.Named("d", documentID), sql.Named("u", userID)).Scan(&locked)
	if err != nil {
		return false, fmt.Errorf("post first lock: %w", err)
	}
	return locked, nil
}

// CountGroupNotes counts, per document, the notes of group groupID that v
// may see (the group's own notes, replies included).
func (db *DB) CountGroupNotes(ctx context.Context, v Viewer, groupID int64) (map[int64]int, error) {
	vis, args := visibleTo(v)
	rows, err := db.ro.QueryContext(ctx, `SELECT n.document_id, count(*) FROM notes n
		WHERE n.group_id = :group AND `+vis+` GROUP BY n.document_id`,
		append(args, sql.Named("group", groupID))...)
	if err != nil {
		return nil, fmt.Errorf("count group notes: %w", err)
	}
	defer rows.Close()
	counts := map[int64]int{}
	for rows.Next() {
		var doc int64
		var n int
		if err := rows.Scan(&doc, &n); err != nil {
			return nil, fmt.Errorf("count group notes: %w", err)
		}
		counts[doc] = n
	}
	return counts, rows.Err()
}
