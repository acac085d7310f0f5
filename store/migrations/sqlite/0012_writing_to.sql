-- 0012: the audience a reader writes to on each document ("Writing to" on
-- the reading page), remembered per reader and document. Only signed-in
-- readers have a row: a reader who is not signed in writes nothing.
-- A group audience names a group the reader belonged to when they chose
-- it; the web layer ignores a row whose group they have left, and the
-- row goes with the group, the document or the reader.
CREATE TABLE writing_to (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    audience    TEXT NOT NULL CHECK (audience IN ('private', 'public', 'teachers', 'group')),
    group_id    INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    CHECK ((audience IN ('teachers', 'group')) = (group_id IS NOT NULL)),
    PRIMARY KEY (user_id, document_id)
) STRICT, WITHOUT ROWID;
