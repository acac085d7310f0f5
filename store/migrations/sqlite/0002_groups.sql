-- 0002: seminars and teachers. Groups with invite codes and roles, per-group
-- document settings, replies, discussion questions, moderation, reactions,
-- flags, notifications, and the event log behind live updates.

-- groups was a placeholder nothing used (0001); it gets its real shape. It
-- is empty, so dropping it cannot violate notes.group_id's foreign key,
-- which names the table and keeps pointing at the new one.
DROP TABLE groups;
CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (name <> '' AND length(name) <= 100),
    -- The creator: always a teacher of the group, never removed from it.
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    -- The secret in the invite link; regenerating it stops the old link.
    invite_code TEXT NOT NULL UNIQUE CHECK (length(invite_code) >= 16),
    created_at  TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z')
) STRICT;
CREATE INDEX groups_owner ON groups (owner_id);

-- Who is in a group. A co-teacher is a teacher who is not the owner.
CREATE TABLE memberships (
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('teacher', 'member')),
    joined_at TEXT NOT NULL CHECK (joined_at GLOB '????-??-??T??:??:??.?????????Z'),
    PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
-- The visibility rule asks "is :viewer a member (teacher) of this group?".
CREATE INDEX memberships_user ON memberships (user_id, group_id, role);

-- Per group and document settings. No row means the defaults.
CREATE TABLE group_documents (
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    -- Post first: members see other members' notes on this document only
    -- once they have written one of their own here. Guide notes show anyway.
    post_first  INTEGER NOT NULL DEFAULT 0 CHECK (post_first IN (0, 1)),
    PRIMARY KEY (group_id, document_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_documents_document ON group_documents (document_id);

-- Conversation and moderation on notes.
--   question:      the note asks a question (a teacher's discussion question,
--                  or a reader's own); answers are replies.
--   resolved_*:    a teacher marked the thread resolved.
--   accepted_id:   the reply a teacher accepted as the answer.
--   hidden_*:      a teacher hid the note in its group, with a reason the
--                  author sees; others do not see the note.
--   deleted_at:    deleted by its author: a tombstone the visibility rule and
--                  the event log can still reason about, never shown.
--   shared_from:   a teacher's guide note shared into another group they
--                  teach is a copy that follows its original.
ALTER TABLE notes ADD COLUMN question INTEGER NOT NULL DEFAULT 0 CHECK (question IN (0, 1));
ALTER TABLE notes ADD COLUMN resolved_at TEXT CHECK (resolved_at GLOB '????-??-??T??:??:??.?????????Z');
ALTER TABLE notes ADD COLUMN accepted_id TEXT REFERENCES notes (id) ON DELETE SET NULL;
ALTER TABLE notes ADD COLUMN hidden_at TEXT CHECK (hidden_at GLOB '????-??-??T??:??:??.?????????Z');
ALTER TABLE notes ADD COLUMN hidden_by INTEGER REFERENCES users (id);
ALTER TABLE notes ADD COLUMN hidden_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN deleted_at TEXT CHECK (deleted_at GLOB '????-??-??T??:??:??.?????????Z');
ALTER TABLE notes ADD COLUMN shared_from TEXT REFERENCES notes (id) ON DELETE CASCADE;

CREATE INDEX notes_shared_from ON notes (shared_from) WHERE shared_from IS NOT NULL;
CREATE INDEX notes_accepted ON notes (accepted_id) WHERE accepted_id IS NOT NULL;
CREATE INDEX notes_hidden_by ON notes (hidden_by) WHERE hidden_by IS NOT NULL;
-- Post first asks "has :viewer written in group G on document D?".
CREATE INDEX notes_author_group ON notes (author_id, group_id, document_id) WHERE group_id IS NOT NULL;

-- "Helpful" and "I have this question too": one of each per person per note.
CREATE TABLE reactions (
    note_id    TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('helpful', 'same')),
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z'),
    PRIMARY KEY (note_id, user_id, kind)
) STRICT, WITHOUT ROWID;
CREATE INDEX reactions_user ON reactions (user_id);

-- A member's flag on a note, for the group's teachers to resolve.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    note_id     TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL CHECK (reason <> '' AND length(reason) <= 1000),
    created_at  TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z'),
    resolved_at TEXT CHECK (resolved_at GLOB '????-??-??T??:??:??.?????????Z'),
    resolved_by INTEGER REFERENCES users (id),
    UNIQUE (note_id, user_id)
) STRICT;
CREATE INDEX flags_user ON flags (user_id);
CREATE INDEX flags_resolved_by ON flags (resolved_by) WHERE resolved_by IS NOT NULL;

-- Replies to my notes and mentions of me.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('reply', 'mention')),
    note_id    TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z'),
    read_at    TEXT CHECK (read_at GLOB '????-??-??T??:??:??.?????????Z'),
    UNIQUE (user_id, kind, note_id)
) STRICT;
CREATE INDEX notifications_note ON notifications (note_id);

-- The event log behind live updates: one row per change a reader might see.
-- AUTOINCREMENT so an id is never reused: it is the SSE Last-Event-ID.
-- The note's audience columns are copied as they were when the event
-- happened (for a deletion or a narrowed audience: as they were before), so
-- the visibility rule can be asked whether a reader could see that note
-- then, even if it is gone or hidden now.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    note_id     TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('created', 'edited', 'deleted', 'hidden', 'restored', 'reacted', 'withdrawn')),
    anchor      TEXT NOT NULL,
    author_id   INTEGER NOT NULL,
    audience    TEXT NOT NULL,
    group_id    INTEGER,
    parent_id   TEXT,
    -- Who acted (the author, a reacting reader, a moderating teacher), so
    -- a reader's own acts are not announced back to them as news.
    actor_id    INTEGER NOT NULL,
    created_at  TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.?????????Z')
) STRICT;
CREATE INDEX events_document ON events (document_id, id);
CREATE INDEX events_note ON events (note_id);
