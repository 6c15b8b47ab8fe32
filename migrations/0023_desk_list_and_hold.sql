-- Migration 23 (issue 16): a group's message is the client's latest in the clients list too
-- (C1), beside the chat's: the conversation keeps its newest group message. The list shows
-- whichever of the two is newer and orders the clients by it. (The groups of migration 28
-- written in before this one are brought in once at open: `groups::show_earlier_in_list`.)
ALTER TABLE conversations ADD COLUMN last_group_message_id INTEGER;

-- C9: the specialist was warned that a colleague holds the client's appeal and sent anyway.
ALTER TABLE file_uploads ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
