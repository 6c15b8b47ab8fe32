-- Migration 13: what happened to a client's appeals besides opening and finishing, for the
-- chat's timeline (A7): transfers (A3, with the reason and where it went) and ratings (A4).

CREATE TABLE appeal_notes (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    appeal_id INTEGER NOT NULL,
    -- transferred, rated
    kind TEXT NOT NULL,
    -- transferred: who handed it on, and to whom (NULL: the queue, a level or another line)
    by_id INTEGER,
    to_id INTEGER,
    -- transferred: queue, colleague, tier:first, tier:second, line:<id>; rated: the stars
    target TEXT NOT NULL DEFAULT '',
    -- transferred: the reason
    detail TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX appeal_notes_by_client ON appeal_notes (line_id, client_id, at);
