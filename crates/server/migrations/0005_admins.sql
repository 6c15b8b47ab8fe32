-- Line server storage: admin accounts and token revocation.

-- Admins set up lines, specialists and clients over the HTTP admin API. Logins are unique
-- across specialists, clients and admins (checked by the server: they live in three tables).
CREATE TABLE admins (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);

-- Tokens may now belong to an admin: the table is rebuilt with the wider check, keeping the
-- tokens already given out.
CREATE TABLE tokens_new (
    token_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('specialist', 'client', 'admin')),
    subject_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
INSERT INTO tokens_new (token_hash, role, subject_id, expires_at)
    SELECT token_hash, role, subject_id, expires_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
CREATE INDEX tokens_by_subject ON tokens (role, subject_id);

-- A revoked token is deleted from `tokens` (refused from then on) and noted here, so the running
-- server closes its live sessions, even when the revocation came from another process (the
-- `revoke-tokens` command). Either one token (token_hash) or every token of a subject.
CREATE TABLE revocations (
    id INTEGER PRIMARY KEY,
    token_hash TEXT,
    role TEXT,
    subject_id INTEGER,
    at INTEGER NOT NULL,
    CHECK ((token_hash IS NULL) <> (subject_id IS NULL))
);
