-- 0001: glossa's first schema.
--
-- Conventions (see store.go):
--   * Every table is STRICT, so a value of the wrong type is an error rather
--     than silently stored.
--   * Timestamps are TEXT in UTC with exactly nine fractional digits
--     (2006-01-02T15:04:05.000000000Z), written from Go. The fixed width makes
--     string order equal time order, which the notes ordering relies on; the
--     GLOB checks keep any other shape out.
--   * Every foreign-key child column is the leading column of some index, so
--     deleting a parent never scans the child table.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY CHECK (id > 0), -- 0 means "signed out" in Viewer
    -- NOCASE folds ASCII letters only: "Ann" and "ann" collide, "Åsa" and "åsa" do not.
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    password_hash BLOB NOT NULL CHECK (length(password_hash) > 0),
    created_at    TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z')
) STRICT;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         BLOB NOT NULL UNIQUE CHECK (length(hash) > 0),
    created_at   TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z'),
    last_used_at TEXT CHECK (last_used_at GLOB '????-??-??T??:??:??.?????????Z') -- NULL: never used
) STRICT;
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

-- scs sqlite3store's table, with the columns and index its README asks for.
-- STRICT works: it writes TEXT, BLOB and julianday() (REAL).
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
) STRICT;
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE documents (
    id                  INTEGER PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE CHECK (slug <> ''),
    title               TEXT NOT NULL,
    -- NULL only inside the transaction that creates the document. The
    -- composite key makes it impossible to point at another document's revision.
    current_revision_id INTEGER,
    FOREIGN KEY (current_revision_id, id) REFERENCES revisions (id, document_id)
) STRICT;

CREATE TABLE revisions (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL CHECK (number >= 1),
    source_hash  TEXT NOT NULL CHECK (source_hash <> ''),
    source       BLOB NOT NULL,
    published_at TEXT NOT NULL CHECK (published_at GLOB '????-??-??T??:??:??.?????????Z'),
    UNIQUE (document_id, number),
    UNIQUE (id, document_id) -- parent key for the composite foreign keys
) STRICT;

CREATE TABLE blocks (
    revision_id INTEGER NOT NULL REFERENCES revisions (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 0),
    anchor      TEXT NOT NULL CHECK (anchor <> ''),
    hash        TEXT NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (revision_id, anchor),
    UNIQUE (revision_id, position)
) STRICT; -- a rowid table: rows hold whole paragraphs, too big for WITHOUT ROWID

-- Nothing uses groups yet; the table exists so notes can reference one.
CREATE TABLE groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name <> ''),
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z')
) STRICT;

CREATE TABLE notes (
    id          TEXT PRIMARY KEY CHECK (id <> ''), -- random, never sequential
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    -- No cascade: what happens to a deleted account's notes is a decision
    -- still to make, so deleting a user with notes fails.
    author_id   INTEGER NOT NULL REFERENCES users (id),
    audience    TEXT NOT NULL CHECK (audience IN ('private', 'teachers', 'group', 'public')),
    group_id    INTEGER REFERENCES groups (id),
    parent_id   TEXT REFERENCES notes (id) ON DELETE CASCADE, -- replies (later)
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
    cur_status      TEXT NOT NULL CHECK (cur_status IN ('exact', 'mapped', 'fuzzy', 'orphan')),
    cur_score       REAL NOT NULL,

    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z'),
    updated_at TEXT NOT NULL CHECK (updated_at GLOB '????-??-??T??:??:??.?????????Z'),
    version    INTEGER NOT NULL CHECK (version >= 1),

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

-- Notes and counts per document under the visibility rule: covering for the
-- counts (document_id, audience, author_id are all the rule reads today).
CREATE INDEX notes_document ON notes (document_id, audience, author_id);
-- A user's own notes, and the users foreign key.
CREATE INDEX notes_author ON notes (author_id);
-- Publish selects the notes sitting on the previous current revision.
CREATE INDEX notes_cur_revision ON notes (cur_revision_id);
-- The blocks (and revisions) foreign key, and "notes written on revision N".
CREATE INDEX notes_orig_target ON notes (orig_revision_id, orig_anchor);
CREATE INDEX notes_parent ON notes (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX notes_group ON notes (group_id) WHERE group_id IS NOT NULL;
