-- Issue 12: the admin disables and enables accounts (a disabled account cannot log in; its
-- tokens were revoked when it was disabled), and a specialist taken off a line has the live
-- sessions of that line narrowed: a revocation may name a line (`line_id` with the
-- specialist's `role` and `subject_id`).
ALTER TABLE specialists ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE admins ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE revocations ADD COLUMN line_id INTEGER;
