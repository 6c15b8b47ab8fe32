-- Issue 17: WebRTC signalling between parties connected to different servers. A signal is
-- relayed by NOTIFY linedesk_signals; PostgreSQL limits a payload to 8000 bytes, so a larger one
-- (an SDP with many candidates) is written here and the notification names its row. Rows are
-- transport chatter, never the line's log: a sender deletes those older than a minute.
CREATE TABLE relayed_signals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX relayed_signals_by_age ON relayed_signals (at_ms);
