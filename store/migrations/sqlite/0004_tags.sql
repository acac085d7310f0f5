-- Tags: words a reader files a note under, and the tags a
-- teacher suggests to a group. A tag is stored as ValidateTag leaves it:
-- lower case, NFC, single spaces, 1 to 40 code points.
CREATE TABLE note_tags (
    note_id TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    tag     TEXT NOT NULL CHECK (tag <> '' AND length(tag) <= 40),
    PRIMARY KEY (note_id, tag)
) STRICT, WITHOUT ROWID;
-- "Which notes carry this tag?" for the tag: search filter.
CREATE INDEX note_tags_tag ON note_tags (tag, note_id);

CREATE TABLE group_tags (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    tag      TEXT NOT NULL CHECK (tag <> '' AND length(tag) <= 40),
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (group_id, tag)
) STRICT, WITHOUT ROWID;
