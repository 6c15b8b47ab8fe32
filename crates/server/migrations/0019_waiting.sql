-- Line server storage, migration 19: S4 "waiting for the client". An assigned appeal whose
-- holder waits for the client has the instant the wait began (Unix ms); NULL when it is in
-- progress (or queued, or done). Its SLA timer's clock keeps the wait for the deadlines.
ALTER TABLE appeals ADD COLUMN waiting_since INTEGER;
