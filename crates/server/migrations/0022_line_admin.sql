-- Line server storage, migration 22 (issue 15, item 4): line administration in the app.

-- A line's admin (a specialist of the line with this role) edits the line's SLA levels and
-- calendar, quick replies, knowledge base, specialists and clients from the app; granted per
-- line like the supervisor's role (`set-line-admin`, the admin API).
ALTER TABLE line_specialists ADD COLUMN line_admin INTEGER NOT NULL DEFAULT 0;
