-- Issue 17: every server of the database learns of a line's new events at their COMMIT:
-- NOTIFY linedesk_events 'LINE:SEQ' for each appended event (delivered only when the appending
-- transaction commits; a rolled-back append is never announced). Sessions still read the events
-- from the table: a notification is a hint to look, so a missed one only delays.
CREATE FUNCTION linedesk_event_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('linedesk_events', NEW.line_id::text || ':' || NEW.seq::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_appended AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION linedesk_event_appended();
