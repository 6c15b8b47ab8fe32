-- Linedesk local database, migration 1: the tables of the foundation.
-- A shipped migration is never edited: the store keeps its sha256 and refuses a changed one.

CREATE TABLE profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    full_name TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    avatar TEXT
);

-- Typed in Rust (settings.rs); stored as text pairs so a new setting needs no migration.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A random id of this database, the prefix of every outbox idempotency key.
INSERT INTO settings (key, value) VALUES ('device_id', lower(hex(randomblob(16))));

CREATE TABLE presence_history (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL
        CHECK (status IN ('available', 'away', 'busy', 'do_not_disturb', 'offline')),
    at INTEGER NOT NULL
);

CREATE TABLE lines (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    inn TEXT,
    reg_number TEXT,
    its_contract TEXT,
    support_params TEXT
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    login_id TEXT UNIQUE,
    email TEXT,
    phone TEXT,
    company_id INTEGER REFERENCES companies (id),
    position TEXT,
    department TEXT,
    region TEXT,
    birth_date TEXT,
    vip INTEGER NOT NULL DEFAULT 0,
    work_status TEXT
);
CREATE INDEX clients_by_company ON clients (company_id);

-- Which clients are connected to which line, and their responsible specialists (JSON array).
CREATE TABLE line_clients (
    line_id INTEGER NOT NULL REFERENCES lines (id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    responsible TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (line_id, client_id)
);

-- The specialist's own list in stream mode (C3) and favourites (C7).
CREATE TABLE list_entries (
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    added_by_hand INTEGER NOT NULL DEFAULT 0,
    favourite INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (line_id, client_id),
    FOREIGN KEY (line_id, client_id) REFERENCES line_clients (line_id, client_id) ON DELETE CASCADE
);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    appeal_open INTEGER NOT NULL DEFAULT 0,
    last_message_id INTEGER,
    last_activity_at INTEGER,
    UNIQUE (line_id, client_id),
    FOREIGN KEY (line_id, client_id) REFERENCES line_clients (line_id, client_id)
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    author TEXT NOT NULL CHECK (author IN ('specialist', 'client')),
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'delivered'))
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- Actions not yet acknowledged by the line server, oldest first.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
