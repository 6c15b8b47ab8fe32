-- Migration 12: remote sessions in the client's timeline (V2, A7): who asked, which mode, when
-- it started, how it ended and how long it ran. Filled from the line server's events.

CREATE TABLE remote_sessions (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    specialist_id INTEGER NOT NULL,
    specialist_name TEXT NOT NULL,
    -- 'by_request' or 'by_password'.
    mode TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    -- 'client' or 'specialist'.
    ended_by TEXT,
    -- The wire's RemoteEndReason: 'declined', 'ended_by_client', ...
    end_reason TEXT,
    duration_ms INTEGER
);
CREATE INDEX remote_sessions_by_client ON remote_sessions (line_id, client_id, requested_at);
