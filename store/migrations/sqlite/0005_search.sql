-- Full-text search over notes: bodies, quotes and tags.
--
-- FTS4, not FTS5: mattn/go-sqlite3 builds FTS3/FTS4 by default but FTS5
-- only with the build tag sqlite_fts5, which every build, test run, CI job
-- and the Dockerfile would then have to carry (and each distinct set of
-- tags compiles SQLite again). The price: FTS4 has no bm25(), so the store
-- ranks in Go from matchinfo() (store/search.go), and its query syntax
-- cannot restrict a phrase to one column, which search.go works around.
--
-- unicode61 folds case for all of Unicode and, with remove_diacritics=2,
-- finds "cafe" in "café" (porter would stem English only; simple folds
-- ASCII only).
CREATE VIRTUAL TABLE notes_fts USING fts4(body, quote, tags, tokenize=unicode61 "remove_diacritics=2");

-- The FTS row of a note is found through note_search, not notes.rowid:
-- notes has no INTEGER PRIMARY KEY, so VACUUM may renumber its rowids, and
-- an index pointing at the wrong notes would put one note's words beside
-- another's. note_search.docid is an INTEGER PRIMARY KEY, which VACUUM
-- keeps, and so is the FTS table's docid.
CREATE TABLE note_search (
    docid   INTEGER PRIMARY KEY,
    note_id TEXT NOT NULL UNIQUE REFERENCES notes (id) ON DELETE CASCADE
) STRICT;

-- What is indexed: a note's body, its current quote (cur_exact: the words
-- it sits on now, which publishes and re-targeting change) and its tags,
-- space-separated. A deleted note (a tombstone, deleted_at set) is indexed
-- as nothing at all. The sentinels U+0002 and U+0003, which mark matches
-- in snippets, are blanked out of the text (both separate words anyway).
--
-- Triggers keep it in step, in the transaction of the write that changes a
-- note or its tags, so no code path can forget it.

INSERT INTO note_search (note_id) SELECT id FROM notes ORDER BY rowid;
INSERT INTO notes_fts (docid, body, quote, tags)
SELECT s.docid,
       replace(replace(n.body, char(2), ' '), char(3), ' '),
       replace(replace(n.cur_exact, char(2), ' '), char(3), ' '),
       (SELECT coalesce(group_concat(t.tag, ' '), '') FROM note_tags t WHERE t.note_id = n.id)
FROM notes n JOIN note_search s ON s.note_id = n.id
WHERE n.deleted_at IS NULL;
INSERT INTO notes_fts (docid, body, quote, tags)
SELECT s.docid, '', '', ''
FROM notes n JOIN note_search s ON s.note_id = n.id
WHERE n.deleted_at IS NOT NULL;

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

-- Publishing a revision sets cur_exact on every note it moves, mostly to
-- the same words: only a real change rewrites the index.
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

-- A note deleted outright (its document removed): note_search's row goes
-- by cascade, and the index row with it.
CREATE TRIGGER notes_fts_delete AFTER DELETE ON note_search
BEGIN
    DELETE FROM notes_fts WHERE docid = OLD.docid;
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
