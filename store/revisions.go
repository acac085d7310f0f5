package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Moves counts, for one revision, how the notes carried onto it from the
// revision before were placed: unchanged (exact), on the same words at new
// offsets in their paragraph (mapped), with their words to another
// paragraph (moved), on words that changed (fuzzy), or lost (orphan). A
// note that was re-attached since counts by its target now.
type Moves struct {
	Exact, Mapped, Moved, Fuzzy, Orphan int
}

// Total is the number of notes carried onto the revision.
func (m Moves) Total() int { return m.Exact + m.Mapped + m.Moved + m.Fuzzy + m.Orphan }

// RevisionMoves returns, per revision id of the document, the Moves of the
// notes v may see (notes, not replies: replies go with their note).
// Revisions onto which no visible note was carried are absent.
//
// The figures are per viewer on purpose: a total over everyone's notes
// would tell a reader how many private notes others keep.
func (db *DB) RevisionMoves(ctx context.Context, v Viewer, documentID int64) (map[int64]Moves, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("note moves of document %d: %w", documentID, err)
	}
	defer tx.Rollback()

	vis, args := visibleTo(v)
	rows, err := tx.QueryContext(ctx, `
		SELECT t.cur_revision_id, t.cur_status, count(*)
		FROM note_targets t JOIN notes n ON n.id = t.note_id
		WHERE n.document_id = :doc AND n.parent_id IS NULL AND t.carried = 1 AND `+vis+`
		GROUP BY t.cur_revision_id, t.cur_status`,
		append(args, sql.Named("doc", documentID))...)
	if err != nil {
		return nil, fmt.Errorf("note moves of document %d: %w", documentID, err)
	}
	defer rows.Close()
	out := map[int64]Moves{}
	for rows.Next() {
		var (
			rev    int64
			status Status
			count  int
		)
		if err := rows.Scan(&rev, &status, &count); err != nil {
			return nil, fmt.Errorf("note moves of document %d: %w", documentID, err)
		}
		m := out[rev]
		switch status {
		case StatusExact:
			m.Exact = count
		case StatusMapped:
			m.Mapped = count
		case StatusMoved:
			m.Moved = count
		case StatusFuzzy:
			m.Fuzzy = count
		case StatusOrphan:
			m.Orphan = count
		}
		out[rev] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("note moves of document %d: %w", documentID, err)
	}
	return out, nil
}
