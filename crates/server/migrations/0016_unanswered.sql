-- Line server storage, migration 16 (issue 14): the timer that ends what nobody answers looks
-- every second for calls still ringing and remote requests still waiting past their time;
-- these partial indexes keep that lookup to the few live rows.
CREATE INDEX calls_ringing ON calls (placed_at) WHERE state = 'ringing';
CREATE INDEX remote_sessions_requested ON remote_sessions (requested_at)
    WHERE state = 'requested';
