-- Line server storage, migration 10: remote sessions (V2). The client's session password for
-- sessions by password (only its argon2 hash), one row per session (its state changes are also
-- events of the line's log), and every password attempt, for the audit and the throttle. The
-- WebRTC signalling and the screen itself are never stored.

ALTER TABLE clients ADD COLUMN remote_password_hash TEXT;

CREATE TABLE remote_sessions (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    appeal_id INTEGER NOT NULL REFERENCES appeals (id),
    mode TEXT NOT NULL CHECK (mode IN ('by_request', 'by_password')),
    state TEXT NOT NULL CHECK (state IN ('requested', 'started', 'ended')),
    requested_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    -- 'client' or 'specialist', and the wire's RemoteEndReason, once it ended.
    ended_by TEXT,
    end_reason TEXT
);
-- One screen, one viewer: at most one live session per client.
CREATE UNIQUE INDEX remote_sessions_live ON remote_sessions (client_id) WHERE state <> 'ended';

CREATE TABLE remote_password_attempts (
    id INTEGER PRIMARY KEY,
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'wrong', 'throttled', 'no_password'))
);
CREATE INDEX remote_password_attempts_by_pair
    ON remote_password_attempts (specialist_id, client_id, at);
