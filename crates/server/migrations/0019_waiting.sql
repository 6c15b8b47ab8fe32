-- S4: "waiting for the client" (the specialist put the appeal there). An appeal whose
-- holder waits for the client has the instant the wait began (Unix ms); NULL when it is in
-- progress (or queued, or done). Its SLA timer's clock keeps the wait for the deadlines.
ALTER TABLE appeals ADD COLUMN waiting_since INTEGER;

-- A line's closing settings. A5: minutes without the client's reply after the specialist's
-- last message before the appeal finishes by itself (0: never). A4: the recommended closing
-- phrases (a JSON array of strings, in the order the app offers them).
CREATE TABLE line_settings (
    line_id INTEGER PRIMARY KEY REFERENCES lines (id),
    auto_finish_minutes INTEGER NOT NULL DEFAULT 0
        CHECK (auto_finish_minutes BETWEEN 0 AND 10080),
    closing_phrases TEXT NOT NULL DEFAULT '[]'
);
-- An appeal whose client's reply is awaited (the specialist wrote last): since when, when it
-- finishes by itself without the reply (A5), from when its holder may finish without the
-- client's reaction to a closing phrase (A4). All NULL when nothing is awaited.
ALTER TABLE appeals ADD COLUMN reply_awaited_since INTEGER;
ALTER TABLE appeals ADD COLUMN auto_finish_at INTEGER;
ALTER TABLE appeals ADD COLUMN finish_allowed_at INTEGER;
CREATE INDEX appeals_auto_finish ON appeals (auto_finish_at) WHERE auto_finish_at IS NOT NULL;
