-- Migration 10: the line's tickets of the clients this app sees (T1-T5), from the line's log:
-- readable number, subject, state, REPEAT mark. Created here through the outbox.

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    -- open, open_dispatch, open_reject_return, open_forwarded, closed
    state TEXT NOT NULL,
    repeat INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX tickets_by_client ON tickets (line_id, client_id, created_at);
