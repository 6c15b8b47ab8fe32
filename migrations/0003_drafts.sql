-- Migration 3: what the specialist typed in a chat but has not sent yet. It survives a restart
-- or a crash; sending the message deletes it in the same transaction.

CREATE TABLE drafts (
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (line_id, client_id),
    FOREIGN KEY (line_id, client_id) REFERENCES line_clients (line_id, client_id) ON DELETE CASCADE
);
