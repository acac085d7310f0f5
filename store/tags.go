package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on tags.
const (
	MaxTagChars    = 40 // code points in one tag
	MaxTagsPerNote = 10
	MaxGroupTags   = 50
)

// ValidateTag returns the tag as stored: trimmed, NFC, lower case, each
// run of white space one space. A tag is 1 to 40 code points of letters,
// digits, spaces and the marks - _ . ' &; anything else is ErrInvalid,
// with the reason.
func ValidateTag(tag string) (string, error) {
	if !utf8.ValidString(tag) {
		return "", invalid("", "a tag is not valid UTF-8 text")
	}
	t := strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(tag))), " ")
	if t == "" {
		return "", invalid("", "a tag is empty")
	}
	if n := utf8.RuneCountInString(t); n > MaxTagChars {
		return "", invalid("", "the tag %q has %d characters; a tag has at most %d", t, n, MaxTagChars)
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !strings.ContainsRune(" -_.'&", r) {
			return "", invalid("", "the tag %q has %q; tags hold letters, digits, spaces and - _ . ' &", t, r)
		}
	}
	return t, nil
}

// NormalizeTags validates each tag and returns them sorted, without
// duplicates. More than max tags is ErrInvalid.
func NormalizeTags(tags []string, max int) ([]string, error) {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		v, err := ValidateTag(t)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > max {
		return nil, invalid("", "%d tags; at most %d", len(out), max)
	}
	return out, nil
}

// SplitTags splits what a person typed into tags: commas separate them.
func SplitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
	}
	return out
}

// setTags replaces a note's tags (already normalized).
func setTags(ctx context.Context, tx *sql.Tx, noteID string, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM note_tags WHERE note_id = ?`, noteID); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	return addTags(ctx, tx, noteID, tags)
}

// addTags adds tags to a note that has none yet, such as a new one (no
// DELETE to run for every note written).
func addTags(ctx context.Context, tx *sql.Tx, noteID string, tags []string) error {
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO note_tags (note_id, tag) VALUES (?, ?)`, noteID, t); err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
	}
	return nil
}

// TagCount is a tag and how many notes carry it.
type TagCount struct {
	Tag   string
	Count int
}

// TagsFor returns what a tag field offers to complete: for a group, its
// teachers' suggested tags first, in their order (with their count, 0 if
// unused); then the tags on notes of the given audience (and group) that
// v may see, most used first, then by name.
func (db *DB) TagsFor(ctx context.Context, v Viewer, a Audience, groupID int64) ([]TagCount, error) {
	if err := a.validate(groupID); err != nil {
		return nil, fmt.Errorf("tags for %s: %w", a, err)
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("tags for %s: %w", a, err)
	}
	defer tx.Rollback()
	vis, args := visibleTo(v)
	// Private notes: only the viewer's own (the rule would allow nothing
	// else anyway, but the audience says "mine").
	rows, err := tx.QueryContext(ctx, `
		SELECT t.tag, count(*) FROM note_tags t JOIN notes n ON n.id = t.note_id
		WHERE n.audience = :aud AND coalesce(n.group_id, 0) = :group
		  AND (:aud <> 'private' OR n.author_id = :viewer) AND `+vis+`
		GROUP BY t.tag`,
		append(args, sql.Named("aud", a), sql.Named("group", groupID))...)
	if err != nil {
		return nil, fmt.Errorf("tags for %s: %w", a, err)
	}
	counts := map[string]int{}
	for rows.Next() {
		var tc TagCount
		if err := rows.Scan(&tc.Tag, &tc.Count); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tags for %s: %w", a, err)
		}
		counts[tc.Tag] = tc.Count
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("tags for %s: %w", a, err)
	}
	// A group's suggestions come first, in the order its teachers gave
	// them, used or not: they are the class's vocabulary. The tags in use
	// follow, most used first.
	var out []TagCount
	if groupID != 0 {
		suggested, err := groupTags(ctx, tx, groupID)
		if err != nil {
			return nil, fmt.Errorf("tags for %s: %w", a, err)
		}
		for _, t := range suggested {
			out = append(out, TagCount{t, counts[t]})
			delete(counts, t)
		}
	}
	rest := make([]TagCount, 0, len(counts))
	for t, c := range counts {
		rest = append(rest, TagCount{t, c})
	}
	slices.SortFunc(rest, func(x, y TagCount) int {
		if x.Count != y.Count {
			return y.Count - x.Count
		}
		return strings.Compare(x.Tag, y.Tag)
	})
	return append(out, rest...), nil
}

// GroupTags returns the tags a group's teachers suggest, in their order.
func (db *DB) GroupTags(ctx context.Context, groupID int64) ([]string, error) {
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
	}
	defer tx.Rollback()
	tags, err := groupTags(ctx, tx, groupID)
	if err != nil {
		return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
	}
	return tags, nil
}

func groupTags(ctx context.Context, tx *sql.Tx, groupID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tag FROM group_tags WHERE group_id = ? ORDER BY position`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// SetGroupTags replaces the tags a group suggests; only its teachers may
// (ErrForbidden otherwise). Tags keep the order
// given, without duplicates.
func (db *DB) SetGroupTags(ctx context.Context, actorID, groupID int64, tags []string) ([]string, error) {
	var clean []string
	seen := map[string]bool{}
	for _, t := range tags {
		v, err := ValidateTag(t)
		if err != nil {
			return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
		}
		if !seen[v] {
			seen[v] = true
			clean = append(clean, v)
		}
	}
	if len(clean) > MaxGroupTags {
		return nil, fmt.Errorf("tags of group %d: %w", groupID, invalid("", "%d tags; at most %d", len(clean), MaxGroupTags))
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
	}
	defer tx.Rollback()
	if err := requireTeacher(ctx, tx, actorID, groupID); err != nil {
		return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_tags WHERE group_id = ?`, groupID); err != nil {
		return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
	}
	for i, t := range clean {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_tags (group_id, tag, position) VALUES (?, ?, ?)`, groupID, t, i); err != nil {
			return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
		}
	}
	if err := db.commit(tx); err != nil {
		return nil, fmt.Errorf("tags of group %d: %w", groupID, err)
	}
	if clean == nil {
		clean = []string{}
	}
	return clean, nil
}
