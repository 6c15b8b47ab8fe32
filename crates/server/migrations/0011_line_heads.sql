-- Line server storage, migration 11: each line's last sequence number, kept in the same
-- transaction as the events (was MAX(seq) + 1 over the events at every append).
CREATE TABLE line_heads (
    line_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);
INSERT INTO line_heads (line_id, seq) SELECT line_id, MAX(seq) FROM events GROUP BY line_id;
