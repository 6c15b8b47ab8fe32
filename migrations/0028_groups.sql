-- Migration 28 (issue 16, item 1): C6's group chats around a client, as the line server's log
-- tells them: the group, its specialists (with the names the server gave) and its messages
-- (`pending` until the server has the app's own; `origin_key` finds it then).
CREATE TABLE client_groups (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX client_groups_by_client ON client_groups (line_id, client_id);

CREATE TABLE client_group_members (
    group_id INTEGER NOT NULL REFERENCES client_groups (id),
    specialist_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (group_id, specialist_id)
);

CREATE TABLE group_messages (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL,
    -- NULL: the client wrote it
    from_specialist INTEGER,
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent'))
);
CREATE INDEX group_messages_by_group ON group_messages (group_id, id);
