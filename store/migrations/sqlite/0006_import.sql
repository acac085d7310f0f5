-- 0006: import. An imported note remembers where it came from:
-- the annotation's IRI in the file (a glossa or W3C annotation id, or
-- https://hypothes.is/a/{id}), or a digest of the annotation when it had
-- no id. Importing the same file again finds these and skips them, so an
-- import is idempotent for each reader: the key is per author, since two
-- readers may well import the same public annotations.
ALTER TABLE notes ADD COLUMN imported_from TEXT CHECK (imported_from IS NULL OR imported_from <> '');
CREATE UNIQUE INDEX notes_imported_from ON notes (author_id, imported_from) WHERE imported_from IS NOT NULL;
