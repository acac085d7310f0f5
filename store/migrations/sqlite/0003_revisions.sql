-- Revisions: where every note stood on every revision it lived
-- through, and what each publish changed.

-- note_targets keeps one row per note per revision: the note's current
-- target while that revision was (or is) current. The row of the current
-- revision always equals the note's cur_* columns; rows of earlier
-- revisions are frozen when the next revision is published. An earlier
-- revision's page reads them, so it shows its notes as they stood.
--
-- Triggers on notes write the rows, in the same transaction as the write
-- that moves a note, so no code path can forget them.
CREATE TABLE note_targets (
    note_id         TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    cur_revision_id INTEGER NOT NULL REFERENCES revisions (id) ON DELETE CASCADE,
    cur_anchor      TEXT NOT NULL,
    cur_start       INTEGER NOT NULL,
    cur_end         INTEGER NOT NULL,
    cur_exact       TEXT NOT NULL,
    cur_prefix      TEXT NOT NULL,
    cur_suffix      TEXT NOT NULL,
    cur_status      TEXT NOT NULL CHECK (cur_status IN ('exact', 'mapped', 'fuzzy', 'orphan')),
    cur_score       REAL NOT NULL,
    -- 1 when a publish carried the note here from the revision before; 0
    -- when the note was written on this revision.
    carried         INTEGER NOT NULL CHECK (carried IN (0, 1)),
    PRIMARY KEY (cur_revision_id, note_id)
) STRICT, WITHOUT ROWID;

-- History for the notes that exist already: where they were written and,
-- when a publish has moved them since, where they are now. (Revisions in
-- between were not recorded before this migration.)
INSERT INTO note_targets
SELECT id, orig_revision_id, orig_anchor, orig_start, orig_end, orig_exact, orig_prefix, orig_suffix,
       'exact', 1, 0
FROM notes;

INSERT INTO note_targets
SELECT id, cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix,
       cur_status, cur_score, 1
FROM notes WHERE cur_revision_id <> orig_revision_id;

CREATE TRIGGER note_targets_insert AFTER INSERT ON notes
BEGIN
    INSERT INTO note_targets VALUES (
        NEW.id, NEW.cur_revision_id, NEW.cur_anchor, NEW.cur_start, NEW.cur_end,
        NEW.cur_exact, NEW.cur_prefix, NEW.cur_suffix, NEW.cur_status, NEW.cur_score, 0);
END;

CREATE TRIGGER note_targets_update AFTER UPDATE OF
    cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score
ON notes
BEGIN
    INSERT INTO note_targets VALUES (
        NEW.id, NEW.cur_revision_id, NEW.cur_anchor, NEW.cur_start, NEW.cur_end,
        NEW.cur_exact, NEW.cur_prefix, NEW.cur_suffix, NEW.cur_status, NEW.cur_score,
        NEW.cur_revision_id <> OLD.cur_revision_id)
    ON CONFLICT (cur_revision_id, note_id) DO UPDATE SET
        cur_anchor = excluded.cur_anchor, cur_start = excluded.cur_start, cur_end = excluded.cur_end,
        cur_exact = excluded.cur_exact, cur_prefix = excluded.cur_prefix, cur_suffix = excluded.cur_suffix,
        cur_status = excluded.cur_status, cur_score = excluded.cur_score;
END;

-- What each publish did to the blocks, for the revision list. NULL on a
-- document's first revision, which changed nothing.
ALTER TABLE revisions ADD COLUMN blocks_unchanged INTEGER;
ALTER TABLE revisions ADD COLUMN blocks_edited INTEGER;
ALTER TABLE revisions ADD COLUMN blocks_inserted INTEGER;
ALTER TABLE revisions ADD COLUMN blocks_deleted INTEGER;
