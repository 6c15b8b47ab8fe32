-- Migration 14 (issue 13): a client who signed in to the web widget as a guest (a name and an
-- e-mail or phone they typed, checked by nobody) is marked on their card (C5).
ALTER TABLE clients ADD COLUMN guest INTEGER NOT NULL DEFAULT 0;
