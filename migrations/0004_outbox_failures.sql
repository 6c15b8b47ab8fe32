-- Migration 4: an action the server refused for good (forbidden, invalid) leaves the pending
-- queue with its reason instead of blocking the actions behind it; nothing is deleted.

ALTER TABLE outbox ADD COLUMN failed_reason TEXT;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND failed_reason IS NULL;
