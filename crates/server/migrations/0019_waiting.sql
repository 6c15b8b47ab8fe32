-- Line server storage, migration 19: S4 "waiting for the client". An assigned appeal whose
-- holder waits for the client has the instant the wait began (Unix ms); NULL when it is in
-- progress (or queued, or done). Its SLA timer's clock keeps the wait for the deadlines.
ALTER TABLE appeals ADD COLUMN waiting_since INTEGER;

-- A5: auto-finish. A line's setting: minutes without the client's reply after the
-- specialist's last message before the appeal finishes by itself (0: never).
CREATE TABLE line_settings (
    line_id INTEGER PRIMARY KEY REFERENCES lines (id),
    auto_finish_minutes INTEGER NOT NULL DEFAULT 0
        CHECK (auto_finish_minutes BETWEEN 0 AND 10080)
);
-- An appeal the specialist answered last: since when it waits for the client's reply, and
-- when it finishes by itself if none comes (both NULL when nothing is armed).
ALTER TABLE appeals ADD COLUMN reply_awaited_since INTEGER;
ALTER TABLE appeals ADD COLUMN auto_finish_at INTEGER;
CREATE INDEX appeals_auto_finish ON appeals (auto_finish_at) WHERE auto_finish_at IS NOT NULL;
