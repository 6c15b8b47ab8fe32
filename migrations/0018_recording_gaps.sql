-- Migration 18: where the specialist paused a call's recording (card numbers, passwords):
-- a JSON array of {"atMs", "lengthMs"} (the position in the recording and how much of the call
-- was left out), from the server's CallRecorded. Empty for recordings never paused.

ALTER TABLE calls ADD COLUMN recording_gaps TEXT NOT NULL DEFAULT '[]';
