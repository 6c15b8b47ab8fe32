-- Line server storage, migration 27 (issue 16, item 1): C6's group chats around a client of a
-- line, and their specialists (the client is always in the group). The messages are the
-- line's log (`group_message_posted`), like the client's chat.
CREATE TABLE client_groups (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    title TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES specialists (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX client_groups_by_client ON client_groups (client_id);

CREATE TABLE client_group_members (
    group_id INTEGER NOT NULL REFERENCES client_groups (id),
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    joined_at INTEGER NOT NULL,
    UNIQUE (group_id, specialist_id)
);
