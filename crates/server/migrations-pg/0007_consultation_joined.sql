-- Line server storage (PostgreSQL), migration 7 (issue 14): the three-way join of a
-- consultative transfer, as the SQLite backend's migration 31. `joined_at` (ms since the epoch)
-- is when the consulting specialist brought the client into the consultation; NULL while the
-- two specialists talk alone. A joined consultation outlives the client's call.
ALTER TABLE calls ADD COLUMN joined_at BIGINT;
