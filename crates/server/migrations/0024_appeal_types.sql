-- Line server storage, migration 24 (issue 15): S5's appeal type. Given at registration (a
-- specialist who starts an appeal names it; it took part in choosing the SLA level) or chosen
-- by the holder later; NULL: none. S3: deadlines stay as registration fixed them. The copy on
-- `appeal_sla` is what the SLA report filters by (like its holder and spam).
ALTER TABLE appeals ADD COLUMN appeal_type TEXT;
ALTER TABLE appeal_sla ADD COLUMN appeal_type TEXT;
-- Appeals registered before: the type their SLA clock was started with, if any.
UPDATE appeal_sla SET appeal_type = NULLIF(json_extract(clock, '$.facts.kind'), '')
WHERE json_valid(clock);
UPDATE appeals SET appeal_type =
    (SELECT s.appeal_type FROM appeal_sla s WHERE s.appeal_id = appeals.id);
