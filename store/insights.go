package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The teacher's view of a group reading a document. Both answers count the
// group's own notes only (audiences "group" and "teachers" in that group,
// replies included, hidden ones too, deleted ones not): a member's private
// or public notes are theirs, not the class's.

// BlockStats is one paragraph's activity in a group.
type BlockStats struct {
	Anchor    string
	Notes     int // notes and replies
	Questions int // notes marked as questions
	Same      int // "I have this question too" reactions
}

// Heat returns per-anchor activity of a group on a document's current
// revision. Teachers of the group only.
func (db *DB) Heat(ctx context.Context, actorID, groupID, documentID int64) (map[string]BlockStats, error) {
	if err := requireTeacher(ctx, db.ro, actorID, groupID); err != nil {
		return nil, fmt.Errorf("heat map: %w", err)
	}
	rows, err := db.ro.QueryContext(ctx, `
		SELECT n.cur_anchor, count(*), sum(n.question),
		       (SELECT count(*) FROM reactions x JOIN notes y ON y.id = x.note_id
		        WHERE x.kind = 'same' AND y.group_id = :group AND y.document_id = :doc
		          AND y.deleted_at IS NULL AND y.cur_anchor = n.cur_anchor AND y.cur_status <> 'orphan'
		          AND y.cur_revision_id = d.current_revision_id)
		FROM notes n JOIN documents d ON d.id = n.document_id
		WHERE n.group_id = :group AND n.document_id = :doc AND n.deleted_at IS NULL
		  AND n.cur_status <> 'orphan' AND n.cur_revision_id = d.current_revision_id
		GROUP BY n.cur_anchor, d.current_revision_id`,
		sql.Named("group", groupID), sql.Named("doc", documentID))
	if err != nil {
		return nil, fmt.Errorf("heat map: %w", err)
	}
	defer rows.Close()
	out := map[string]BlockStats{}
	for rows.Next() {
		var b BlockStats
		if err := rows.Scan(&b.Anchor, &b.Notes, &b.Questions, &b.Same); err != nil {
			return nil, fmt.Errorf("heat map: %w", err)
		}
		out[b.Anchor] = b
	}
	return out, rows.Err()
}

// Participation is one member's activity in a group on a document.
type Participation struct {
	Member       Member
	Notes        int // top-level notes
	Replies      int
	Words        int
	LastActivity time.Time // zero when none
}

// Participation lists every member of a group with their activity on a
// document, in the order of Members. Teachers of the group only.
func (db *DB) Participation(ctx context.Context, actorID, groupID, documentID int64) ([]Participation, error) {
	if err := requireTeacher(ctx, db.ro, actorID, groupID); err != nil {
		return nil, fmt.Errorf("participation: %w", err)
	}
	members, err := db.Members(ctx, groupID)
	if err != nil {
		return nil, err
	}
	rows, err := db.ro.QueryContext(ctx, `
		SELECT n.author_id, n.parent_id IS NOT NULL, n.body,
		       -- An imported note's dates are its file's claim (never after the
		       -- import): its activity here is when it was imported.
		       max(n.created_at, n.updated_at, coalesce(n.imported_at, n.created_at))
		FROM notes n JOIN memberships m ON m.user_id = n.author_id AND m.group_id = n.group_id
		WHERE n.group_id = :group AND n.document_id = :doc AND n.deleted_at IS NULL`,
		sql.Named("group", groupID), sql.Named("doc", documentID))
	if err != nil {
		return nil, fmt.Errorf("participation: %w", err)
	}
	defer rows.Close()
	byUser := map[int64]*Participation{}
	out := make([]Participation, len(members))
	for i, m := range members {
		out[i].Member = m
		byUser[m.User.ID] = &out[i]
	}
	for rows.Next() {
		var (
			author int64
			reply  bool
			body   string
			at     string
		)
		if err := rows.Scan(&author, &reply, &body, &at); err != nil {
			return nil, fmt.Errorf("participation: %w", err)
		}
		p := byUser[author]
		if p == nil {
			continue
		}
		if reply {
			p.Replies++
		} else {
			p.Notes++
		}
		p.Words += len(strings.Fields(body))
		if t, err := parseTime(at); err == nil && t.After(p.LastActivity) {
			p.LastActivity = t
		}
	}
	return out, rows.Err()
}
