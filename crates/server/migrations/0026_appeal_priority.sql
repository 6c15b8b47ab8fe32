-- Line server storage, migration 26 (issue 16, item 3): an appeal's priority in its line's
-- queue (A2), fixed when it opens from the client's VIP mark and the SLA level's reaction time
-- (the domain's `appeal_priority`), so the routing rebuilt at start keeps the queue's order.
-- Appeals of earlier servers were all routed at priority 0 and keep it.
ALTER TABLE appeals ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
