-- Store migration 35 (issue 16, item 6, W3): the Help conversation with the company's staff
-- line (the specialist as a client of it) is kept like the rest of the app's data, so it
-- survives a restart: this specialist's client identity there and the event cursor of its
-- session, the conversation's messages, the answering specialists' names, and the messages
-- typed and not yet acknowledged (the Help conversation's own outbox: sent again with the same
-- key until the staff line acknowledges or refuses them).

CREATE TABLE staff_help (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    -- the staff line's last event seen (the next subscription starts after it)
    cursor INTEGER NOT NULL DEFAULT 0,
    appeal_open INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE staff_help_messages (
    -- the staff line's event number
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    -- NULL: this specialist wrote it
    from_specialist INTEGER,
    text TEXT NOT NULL
);

CREATE TABLE staff_help_names (
    specialist_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE staff_help_outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    typed_at INTEGER NOT NULL,
    -- the wire's error code when the staff line refused it for good
    refused TEXT
);
