-- Line server storage, migration 2: clients sign in, appeals are routed.

ALTER TABLE clients ADD COLUMN login TEXT;
ALTER TABLE clients ADD COLUMN password_hash TEXT;
CREATE UNIQUE INDEX clients_by_login ON clients (login) WHERE login IS NOT NULL;

-- Tokens now belong to a specialist or a client (existing sessions sign in again).
DROP TABLE tokens;
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('specialist', 'client')),
    subject_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- A2: the line's terms for each specialist.
ALTER TABLE line_specialists ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE line_specialists ADD COLUMN max_load INTEGER NOT NULL DEFAULT 5;

-- P1: the last presence each specialist set (Offline until they say otherwise).
CREATE TABLE presence (
    specialist_id INTEGER PRIMARY KEY REFERENCES specialists (id),
    status TEXT NOT NULL
);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    state TEXT NOT NULL CHECK (state IN ('queued', 'assigned', 'finished')),
    holder INTEGER REFERENCES specialists (id),
    opened_at INTEGER NOT NULL,
    result TEXT
);
-- At most one open appeal per client and line.
CREATE UNIQUE INDEX appeals_open ON appeals (line_id, client_id) WHERE state <> 'finished';
