-- Line server storage, migration 7: calls (V1). One row per call; its state changes are also
-- events of the line's log. The WebRTC signalling is never stored.

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    -- The specialist party: the caller, or the one it rings; NULL while it rings the line.
    specialist_id INTEGER REFERENCES specialists (id),
    appeal_id INTEGER NOT NULL REFERENCES appeals (id),
    from_client INTEGER NOT NULL CHECK (from_client IN (0, 1)),
    state TEXT NOT NULL CHECK (state IN ('ringing', 'connected', 'ended')),
    placed_at INTEGER NOT NULL,
    connected_at INTEGER,
    ended_at INTEGER,
    end_reason TEXT
);
-- At most one live call per client and line.
CREATE UNIQUE INDEX calls_live ON calls (line_id, client_id) WHERE state <> 'ended';
