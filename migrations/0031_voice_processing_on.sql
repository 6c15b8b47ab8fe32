-- Store migration 31 (issue 14, voice for a whole shift): the microphone path's stages on for
-- settings saved before they were on by default. Until then the profile dialog wrote all three
-- rows whenever one was switched, so a store of that time holds '0' for stages its specialist
-- never chose (the echo canceller was off by default, and for a while every stage was). Those
-- rows go: a missing row is the default, every stage on (`linedesk_store::VoiceProcessing`).
-- Runs once, at the upgrade: a stage switched off after it is a choice, and kept.
DELETE FROM settings WHERE key IN ('echo_cancellation', 'noise_suppression', 'gain_control');
