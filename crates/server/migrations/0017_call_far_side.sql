-- Line server storage, migration 17: quality honesty (issue 14). Each party's statistics of a
-- call also keep how the *other* side received this party's audio, from its RTCP receiver
-- reports: the loss in tenths of a percent of the packets sent and the jitter (NULL: no report
-- came, e.g. a very short call or an app from before this migration).

ALTER TABLE call_stats ADD COLUMN far_loss_permille INTEGER;
ALTER TABLE call_stats ADD COLUMN far_jitter_ms INTEGER;
