-- PostgreSQL line server, migration 6: what SQLite's migration 29 added (issue 16, item 6:
-- W3). The staff line, and each specialist's client identity on it.
CREATE TABLE staff_line (
    only_one INTEGER PRIMARY KEY CHECK (only_one = 1),
    line_id BIGINT NOT NULL REFERENCES lines (id)
);
CREATE TABLE staff_clients (
    specialist_id BIGINT NOT NULL REFERENCES specialists (id),
    line_id BIGINT NOT NULL REFERENCES lines (id),
    client_id BIGINT NOT NULL UNIQUE REFERENCES clients (id),
    PRIMARY KEY (specialist_id, line_id)
);
