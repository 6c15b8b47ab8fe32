-- Line server storage, migration 29 (issue 16, item 6: W3).
-- The staff line: the one line (at most) where the company's own specialists ask for help, as
-- clients of it. Set by the CLI (`linedesk-server staff-line`) and the demo's seeding.
CREATE TABLE staff_line (
    only_one INTEGER PRIMARY KEY CHECK (only_one = 1),
    line_id INTEGER NOT NULL REFERENCES lines (id)
);
-- Each specialist's client identity on a staff line: made on first use, linked to their
-- account (it has no password; the server issues its tokens to the signed-in specialist).
CREATE TABLE staff_clients (
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    line_id INTEGER NOT NULL REFERENCES lines (id),
    client_id INTEGER NOT NULL UNIQUE REFERENCES clients (id),
    PRIMARY KEY (specialist_id, line_id)
);
