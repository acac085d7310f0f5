-- 0011: a note that a publish moved, word for word, to another paragraph
-- has a status of its own, 'moved'. It used to be stored as 'fuzzy',
-- which says its words changed. Rows keep the status they have: nothing
-- is placed again.
--
-- The statuses are listed by CHECK constraints on notes and note_targets,
-- and SQLite cannot alter a constraint, so both tables are rebuilt as
-- SQLite's documentation describes: a new table with the new constraint,
-- the rows copied (notes with their rowids), the old table dropped, the
-- new one renamed, and the indexes and triggers on them made again. The
-- runner applies migrations with foreign keys off (dropping notes with
-- them on would delete, by cascade, every row that refers to a note) and
-- checks them before it records this one. The other tables' foreign keys
-- and triggers name notes, and find the new table under that name.

CREATE TABLE notes_new (
    id          TEXT PRIMARY KEY CHECK (id <> ''), -- random, never sequential
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    -- No cascade: what happens to a deleted account's notes is a decision
    -- still to make, so deleting a user with notes fails.
    author_id   INTEGER NOT NULL REFERENCES users (id),
    audience    TEXT NOT NULL CHECK (audience IN ('private', 'teachers', 'group', 'public')),
    group_id    INTEGER REFERENCES groups (id),
    parent_id   TEXT REFERENCES notes (id) ON DELETE CASCADE, -- replies
    body        TEXT NOT NULL, -- Markdown; '' for a highlight

    -- Original target: never changes after creation (except when the author
    -- moves the note). A whole-block note has exact '' and start = end = 0.
    orig_revision_id INTEGER NOT NULL,
    orig_anchor      TEXT NOT NULL,
    orig_block_hash  TEXT NOT NULL,
    orig_exact       TEXT NOT NULL,
    orig_prefix      TEXT NOT NULL,
    orig_suffix      TEXT NOT NULL,
    orig_start       INTEGER NOT NULL,
    orig_end         INTEGER NOT NULL,

    -- Current target: rewritten at each publish. An orphan keeps the anchor and
    -- quote it last had, so its anchor need not exist in cur_revision_id.
    cur_revision_id INTEGER NOT NULL,
    cur_anchor      TEXT NOT NULL,
    cur_start       INTEGER NOT NULL,
    cur_end         INTEGER NOT NULL,
    cur_exact       TEXT NOT NULL,
    cur_prefix      TEXT NOT NULL,
    cur_suffix      TEXT NOT NULL,
    cur_status      TEXT NOT NULL CHECK (cur_status IN ('exact', 'mapped', 'moved', 'fuzzy', 'orphan')),
    cur_score       REAL NOT NULL,

    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z'),
    updated_at TEXT NOT NULL CHECK (updated_at GLOB '????-??-??T??:??:??.?????????Z'),
    version    INTEGER NOT NULL CHECK (version >= 1),

    -- Conversation and moderation (0002).
    question      INTEGER NOT NULL DEFAULT 0 CHECK (question IN (0, 1)),
    resolved_at   TEXT CHECK (resolved_at GLOB '????-??-??T??:??:??.?????????Z'),
    accepted_id   TEXT REFERENCES notes (id) ON DELETE SET NULL,
    hidden_at     TEXT CHECK (hidden_at GLOB '????-??-??T??:??:??.?????????Z'),
    hidden_by     INTEGER REFERENCES users (id),
    hidden_reason TEXT NOT NULL DEFAULT '',
    deleted_at    TEXT CHECK (deleted_at GLOB '????-??-??T??:??:??.?????????Z'),
    shared_from   TEXT REFERENCES notes (id) ON DELETE CASCADE,

    -- Import (0006, 0010).
    imported_from  TEXT CHECK (imported_from IS NULL OR imported_from <> ''),
    imported_at    TEXT CHECK (imported_at IS NULL OR imported_at GLOB '????-??-??T??:??:??.?????????Z'),
    imported_quote INTEGER NOT NULL DEFAULT 0 CHECK (imported_quote IN (0, 1)),

    -- A group (or the teachers of one) is named exactly when the audience needs it.
    CHECK ((group_id IS NOT NULL) = (audience IN ('teachers', 'group'))),

    -- Offsets are code points and SQLite's length() counts code points, so the
    -- quote must be exactly the text between start and end; a whole-block
    -- target (exact '') sits at 0, 0.
    CHECK (orig_start >= 0 AND orig_end >= orig_start),
    CHECK (length(orig_exact) = orig_end - orig_start),
    CHECK (orig_exact <> '' OR orig_start = 0),
    CHECK (cur_start >= 0 AND cur_end >= cur_start),
    CHECK (length(cur_exact) = cur_end - cur_start),
    CHECK (cur_exact <> '' OR cur_start = 0),

    -- Both targets lie in revisions of the note's own document, and the
    -- original one on a block that exists.
    FOREIGN KEY (orig_revision_id, document_id) REFERENCES revisions (id, document_id),
    FOREIGN KEY (cur_revision_id, document_id) REFERENCES revisions (id, document_id),
    FOREIGN KEY (orig_revision_id, orig_anchor) REFERENCES blocks (revision_id, anchor)
) STRICT;

INSERT INTO notes_new (rowid,
    id, document_id, author_id, audience, group_id, parent_id, body,
    orig_revision_id, orig_anchor, orig_block_hash, orig_exact, orig_prefix, orig_suffix, orig_start, orig_end,
    cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
    created_at, updated_at, version,
    question, resolved_at, accepted_id, hidden_at, hidden_by, hidden_reason, deleted_at, shared_from,
    imported_from, imported_at, imported_quote)
SELECT rowid,
    id, document_id, author_id, audience, group_id, parent_id, body,
    orig_revision_id, orig_anchor, orig_block_hash, orig_exact, orig_prefix, orig_suffix, orig_start, orig_end,
    cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
    created_at, updated_at, version,
    question, resolved_at, accepted_id, hidden_at, hidden_by, hidden_reason, deleted_at, shared_from,
    imported_from, imported_at, imported_quote
FROM notes ORDER BY rowid;

-- note_targets (0003): one row per note per revision it lived through.
CREATE TABLE note_targets_new (
    note_id         TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    cur_revision_id INTEGER NOT NULL REFERENCES revisions (id) ON DELETE CASCADE,
    cur_anchor      TEXT NOT NULL,
    cur_start       INTEGER NOT NULL,
    cur_end         INTEGER NOT NULL,
    cur_exact       TEXT NOT NULL,
    cur_prefix      TEXT NOT NULL,
    cur_suffix      TEXT NOT NULL,
    cur_status      TEXT NOT NULL CHECK (cur_status IN ('exact', 'mapped', 'moved', 'fuzzy', 'orphan')),
    cur_score       REAL NOT NULL,
    -- 1 when a publish carried the note here from the revision before; 0
    -- when the note was written on this revision.
    carried         INTEGER NOT NULL CHECK (carried IN (0, 1)),
    PRIMARY KEY (cur_revision_id, note_id)
) STRICT, WITHOUT ROWID;

INSERT INTO note_targets_new (note_id, cur_revision_id, cur_anchor, cur_start, cur_end,
    cur_exact, cur_prefix, cur_suffix, cur_status, cur_score, carried)
SELECT note_id, cur_revision_id, cur_anchor, cur_start, cur_end,
    cur_exact, cur_prefix, cur_suffix, cur_status, cur_score, carried
FROM note_targets;

-- Dropping the tables drops their indexes and the triggers on notes. The
-- triggers on note_tags read notes, and a rename checks every trigger, so
-- they go first and come back after.
DROP TRIGGER notes_fts_tag_insert;
DROP TRIGGER notes_fts_tag_delete;
DROP TABLE note_targets;
DROP TABLE notes;
ALTER TABLE notes_new RENAME TO notes;
ALTER TABLE note_targets_new RENAME TO note_targets;

-- The indexes on notes, as 0001, 0002, 0006 and 0010 made them.
CREATE INDEX notes_document ON notes (document_id, audience, author_id);
CREATE INDEX notes_author ON notes (author_id);
CREATE INDEX notes_cur_revision ON notes (cur_revision_id);
CREATE INDEX notes_orig_target ON notes (orig_revision_id, orig_anchor);
CREATE INDEX notes_parent ON notes (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX notes_group ON notes (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX notes_shared_from ON notes (shared_from) WHERE shared_from IS NOT NULL;
CREATE INDEX notes_accepted ON notes (accepted_id) WHERE accepted_id IS NOT NULL;
CREATE INDEX notes_hidden_by ON notes (hidden_by) WHERE hidden_by IS NOT NULL;
CREATE INDEX notes_author_group ON notes (author_id, group_id, document_id) WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX notes_imported_from ON notes (author_id, imported_from) WHERE imported_from IS NOT NULL;
CREATE INDEX notes_imported_at ON notes (author_id, imported_at) WHERE imported_at IS NOT NULL;

-- The triggers on notes and note_tags, as 0003 and 0005 made them.
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

CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes
BEGIN
    INSERT INTO note_search (note_id) VALUES (NEW.id);
    INSERT INTO notes_fts (docid, body, quote, tags)
    SELECT docid,
           CASE WHEN NEW.deleted_at IS NULL THEN replace(replace(NEW.body, char(2), ' '), char(3), ' ') ELSE '' END,
           CASE WHEN NEW.deleted_at IS NULL THEN replace(replace(NEW.cur_exact, char(2), ' '), char(3), ' ') ELSE '' END,
           ''
    FROM note_search WHERE note_id = NEW.id;
END;

CREATE TRIGGER notes_fts_update AFTER UPDATE OF body, cur_exact, deleted_at ON notes
WHEN OLD.body IS NOT NEW.body OR OLD.cur_exact IS NOT NEW.cur_exact OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    UPDATE notes_fts SET
        body  = CASE WHEN NEW.deleted_at IS NULL THEN replace(replace(NEW.body, char(2), ' '), char(3), ' ') ELSE '' END,
        quote = CASE WHEN NEW.deleted_at IS NULL THEN replace(replace(NEW.cur_exact, char(2), ' '), char(3), ' ') ELSE '' END,
        tags  = CASE WHEN NEW.deleted_at IS NULL
                     THEN (SELECT coalesce(group_concat(t.tag, ' '), '') FROM note_tags t WHERE t.note_id = NEW.id)
                     ELSE '' END
    WHERE docid = (SELECT docid FROM note_search WHERE note_id = NEW.id);
END;

CREATE TRIGGER notes_fts_tag_insert AFTER INSERT ON note_tags
BEGIN
    UPDATE notes_fts SET tags = (SELECT coalesce(group_concat(t.tag, ' '), '') FROM note_tags t WHERE t.note_id = NEW.note_id)
    WHERE docid = (SELECT s.docid FROM note_search s JOIN notes n ON n.id = s.note_id
                   WHERE s.note_id = NEW.note_id AND n.deleted_at IS NULL);
END;

CREATE TRIGGER notes_fts_tag_delete AFTER DELETE ON note_tags
BEGIN
    UPDATE notes_fts SET tags = (SELECT coalesce(group_concat(t.tag, ' '), '') FROM note_tags t WHERE t.note_id = OLD.note_id)
    WHERE docid = (SELECT s.docid FROM note_search s JOIN notes n ON n.id = s.note_id
                   WHERE s.note_id = OLD.note_id AND n.deleted_at IS NULL);
END;
