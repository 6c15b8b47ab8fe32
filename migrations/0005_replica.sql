-- Migration 5: the local store becomes the cache of the line server's state (issue 4).
-- Ids of lines and clients are the server's. Each line's event log is applied in order; the
-- cursor is the last applied sequence number, advanced in the same transaction as the change.

CREATE TABLE sync_cursors (
    line_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);

-- The server's id of the conversation's open appeal (finishing it needs the id).
ALTER TABLE conversations ADD COLUMN appeal_id INTEGER;

