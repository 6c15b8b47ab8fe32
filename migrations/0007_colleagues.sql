-- Migration 7: the specialists serving each line, from the line's log (A3: whom to transfer an
-- appeal to), with their last presence. The server's id of this app's own specialist is kept
-- in settings (`server_me`) so the list leaves them out.

CREATE TABLE colleagues (
    line_id INTEGER NOT NULL,
    specialist_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    presence TEXT NOT NULL DEFAULT 'offline'
        CHECK (presence IN ('available', 'away', 'busy', 'do_not_disturb', 'offline')),
    PRIMARY KEY (line_id, specialist_id)
);
