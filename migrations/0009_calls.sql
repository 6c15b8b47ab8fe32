-- Migration 9: calls in the client's timeline (V1, A7): when, which way, how it ended, how long
-- it was connected, and the recording the server holds.

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    -- 'client' or 'specialist': who called.
    caller TEXT NOT NULL CHECK (caller IN ('client', 'specialist')),
    started_at INTEGER NOT NULL,
    connected INTEGER NOT NULL DEFAULT 0,
    ended_reason TEXT,
    connected_ms INTEGER,
    recording_bytes INTEGER,
    recording_ms INTEGER
);
CREATE INDEX calls_by_client ON calls (line_id, client_id, started_at);
