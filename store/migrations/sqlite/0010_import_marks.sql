-- 0010: what an import brought, marked as such; where a revision came from.

-- When a note was imported. Its created_at and updated_at are the dates
-- the file claimed, kept for round trips and the order of a thread; this
-- is glossa's own date, so readers can tell the two apart, and what a
-- reader's import allowance counts (notes imported in the last day). NULL
-- for notes written here, and for notes imported before this migration,
-- whose import date was not recorded (imported_from still marks them).
ALTER TABLE notes ADD COLUMN imported_at TEXT
    CHECK (imported_at IS NULL OR imported_at GLOB '????-??-??T??:??:??.?????????Z');
CREATE INDEX notes_imported_at ON notes (author_id, imported_at) WHERE imported_at IS NOT NULL;

-- 1 when the note's original quote is words an imported file gave that
-- were not found word for word in the essay (an orphan, or a fuzzy
-- match): the importer's words, never to be shown as the essay's.
ALTER TABLE notes ADD COLUMN imported_quote INTEGER NOT NULL DEFAULT 0 CHECK (imported_quote IN (0, 1));

-- The notes imported before: a quote that is not in the block it names
-- was never the essay's.
UPDATE notes SET imported_quote = 1
WHERE imported_from IS NOT NULL AND parent_id IS NULL AND orig_exact <> ''
  AND NOT EXISTS (SELECT 1 FROM blocks b
                  WHERE b.revision_id = notes.orig_revision_id AND b.anchor = notes.orig_anchor
                    AND instr(b.text, notes.orig_exact) > 0);
-- Their representation in the API changes (it says they were imported),
-- so their ETags must.
UPDATE notes SET version = version + 1 WHERE imported_from IS NOT NULL;

-- Where a revision's source came from: 'embedded' (the essays built into
-- glossa) or the absolute path of a content folder. A start publishes a
-- changed essay only over a revision from the same origin, so a restart
-- never silently replaces a text published from elsewhere. NULL for
-- revisions published before this migration: unknown, so never replaced
-- at a start either.
ALTER TABLE revisions ADD COLUMN origin TEXT CHECK (origin IS NULL OR origin <> '');
