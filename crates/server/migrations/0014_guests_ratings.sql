-- Line server storage, migration 14 (issue 13): guests of the web widget and rating comments.
-- A guest is a client whose card is marked `guest`; their account has a login (`guest-<id>`,
-- for the admin's revoke and disable) and no password. A rating may carry the client's
-- comment (A4).
ALTER TABLE clients ADD COLUMN guest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appeals ADD COLUMN rating_comment TEXT;
