-- Line server storage, migration 31 (issue 14): the three-way join of a consultative transfer.
-- `joined_at` (ms since the epoch) is when the consulting specialist brought the client into the
-- consultation (`JoinConsultation`); NULL while the two specialists talk alone. A joined
-- consultation outlives the client's call: the specialist and the colleague talk on.
ALTER TABLE calls ADD COLUMN joined_at INTEGER;
