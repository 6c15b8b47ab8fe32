-- Line server storage, migration 1: accounts, lines, the event log, idempotency keys.

CREATE TABLE lines (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE specialists (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name TEXT NOT NULL
);

-- A specialist sees and acts only on the lines they serve.
CREATE TABLE line_specialists (
    line_id INTEGER NOT NULL REFERENCES lines (id),
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    PRIMARY KEY (line_id, specialist_id)
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    name TEXT NOT NULL
);

-- Only the sha256 of a token is kept.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    expires_at INTEGER NOT NULL
);

-- The ordered log of each line: a subscriber resumes from the last seq it has.
CREATE TABLE events (
    line_id INTEGER NOT NULL REFERENCES lines (id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (line_id, seq)
) WITHOUT ROWID;

-- Every action ever applied, by its idempotency key: a resend is acknowledged, not reapplied.
CREATE TABLE actions (
    specialist_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (specialist_id, key)
) WITHOUT ROWID;
