-- The operations KPIs over a year (issue 17: 100,000 sessions, 1,000,000 enrollments) read
-- per-session figures that used to be counted per request from enrollments and status changes:
-- learners who came, no-shows, completions, postponements and the last disruption's reason.
-- They are kept on the session row by triggers, so every write that changes what they summarise
-- (any code path, the bulk generators too) updates them in its own transaction: they can never
-- be stale. `trainyard_store::kpi::reference` still computes them from the raw rows, and the tests
-- compare the two after random changes.
ALTER TABLE sessions ADD COLUMN kpi_came BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN kpi_no_show BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN kpi_completed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN kpi_postponements BIGINT NOT NULL DEFAULT 0;
-- The latest cancellation or postponement (by changed_at, then id): its reason, instant and id.
ALTER TABLE sessions ADD COLUMN kpi_disruption_reason TEXT;
ALTER TABLE sessions ADD COLUMN kpi_disruption_at BIGINT;
ALTER TABLE sessions ADD COLUMN kpi_disruption_change BIGINT;

UPDATE sessions SET
    kpi_came = (SELECT count(*) FROM enrollments e WHERE e.session_id = sessions.id AND e.status IN ('attended', 'completed', 'failed')),
    kpi_no_show = (SELECT count(*) FROM enrollments e WHERE e.session_id = sessions.id AND e.status = 'no_show'),
    kpi_completed = (SELECT count(*) FROM enrollments e WHERE e.session_id = sessions.id AND e.status = 'completed'),
    kpi_postponements = (SELECT count(*) FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event = 'postpone');
UPDATE sessions SET
    kpi_disruption_change = (SELECT c.id FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event IN ('cancel', 'postpone')
        ORDER BY c.changed_at DESC, c.id DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event IN ('cancel', 'postpone'));
UPDATE sessions SET
    kpi_disruption_reason = (SELECT c.reason FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change),
    kpi_disruption_at = (SELECT c.changed_at FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change)
WHERE kpi_disruption_change IS NOT NULL;

-- The year's report groups sessions starting in the period by these columns. `archived_at` is in
-- the index rather than in a partial WHERE, so that counting a period's sessions stays a covering
-- read whichever starts_at index the planner takes.
CREATE INDEX sessions_kpi_starts ON sessions (starts_at, archived_at, status, capacity, booked_count, kpi_came, kpi_no_show, kpi_completed, kpi_postponements);
-- Teaching parts overlapping a period, with what the utilization reads.
CREATE INDEX session_parts_kpi ON session_parts (starts_at, ends_at, session_id, status);

--@sqlite
CREATE TRIGGER enrollments_kpi_insert AFTER INSERT ON enrollments
WHEN NEW.status IN ('attended', 'completed', 'failed', 'no_show')
BEGIN
    UPDATE sessions SET
        kpi_came = kpi_came + CASE WHEN NEW.status IN ('attended', 'completed', 'failed') THEN 1 ELSE 0 END,
        kpi_no_show = kpi_no_show + CASE WHEN NEW.status = 'no_show' THEN 1 ELSE 0 END,
        kpi_completed = kpi_completed + CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END
    WHERE id = NEW.session_id;
END;
CREATE TRIGGER enrollments_kpi_update AFTER UPDATE OF status, session_id ON enrollments
WHEN OLD.status IS NOT NEW.status OR OLD.session_id IS NOT NEW.session_id
BEGIN
    UPDATE sessions SET
        kpi_came = kpi_came - CASE WHEN OLD.status IN ('attended', 'completed', 'failed') THEN 1 ELSE 0 END,
        kpi_no_show = kpi_no_show - CASE WHEN OLD.status = 'no_show' THEN 1 ELSE 0 END,
        kpi_completed = kpi_completed - CASE WHEN OLD.status = 'completed' THEN 1 ELSE 0 END
    WHERE id = OLD.session_id;
    UPDATE sessions SET
        kpi_came = kpi_came + CASE WHEN NEW.status IN ('attended', 'completed', 'failed') THEN 1 ELSE 0 END,
        kpi_no_show = kpi_no_show + CASE WHEN NEW.status = 'no_show' THEN 1 ELSE 0 END,
        kpi_completed = kpi_completed + CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END
    WHERE id = NEW.session_id;
END;
CREATE TRIGGER enrollments_kpi_delete AFTER DELETE ON enrollments
WHEN OLD.status IN ('attended', 'completed', 'failed', 'no_show')
BEGIN
    UPDATE sessions SET
        kpi_came = kpi_came - CASE WHEN OLD.status IN ('attended', 'completed', 'failed') THEN 1 ELSE 0 END,
        kpi_no_show = kpi_no_show - CASE WHEN OLD.status = 'no_show' THEN 1 ELSE 0 END,
        kpi_completed = kpi_completed - CASE WHEN OLD.status = 'completed' THEN 1 ELSE 0 END
    WHERE id = OLD.session_id;
END;
-- Status changes are rare: the session's figures are counted again from the raw rows.
CREATE TRIGGER session_status_changes_kpi_insert AFTER INSERT ON session_status_changes
BEGIN
    UPDATE sessions SET
        kpi_postponements = (SELECT count(*) FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event = 'postpone'),
        kpi_disruption_change = (SELECT c.id FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event IN ('cancel', 'postpone')
            ORDER BY c.changed_at DESC, c.id DESC LIMIT 1)
    WHERE id = NEW.session_id;
    UPDATE sessions SET
        kpi_disruption_reason = (SELECT c.reason FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change),
        kpi_disruption_at = (SELECT c.changed_at FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change)
    WHERE id = NEW.session_id;
END;
CREATE TRIGGER session_status_changes_kpi_update AFTER UPDATE ON session_status_changes
BEGIN
    UPDATE sessions SET
        kpi_postponements = (SELECT count(*) FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event = 'postpone'),
        kpi_disruption_change = (SELECT c.id FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event IN ('cancel', 'postpone')
            ORDER BY c.changed_at DESC, c.id DESC LIMIT 1)
    WHERE id IN (OLD.session_id, NEW.session_id);
    UPDATE sessions SET
        kpi_disruption_reason = (SELECT c.reason FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change),
        kpi_disruption_at = (SELECT c.changed_at FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change)
    WHERE id IN (OLD.session_id, NEW.session_id);
END;
CREATE TRIGGER session_status_changes_kpi_delete AFTER DELETE ON session_status_changes
BEGIN
    UPDATE sessions SET
        kpi_postponements = (SELECT count(*) FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event = 'postpone'),
        kpi_disruption_change = (SELECT c.id FROM session_status_changes c WHERE c.session_id = sessions.id AND c.event IN ('cancel', 'postpone')
            ORDER BY c.changed_at DESC, c.id DESC LIMIT 1)
    WHERE id = OLD.session_id;
    UPDATE sessions SET
        kpi_disruption_reason = (SELECT c.reason FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change),
        kpi_disruption_at = (SELECT c.changed_at FROM session_status_changes c WHERE c.id = sessions.kpi_disruption_change)
    WHERE id = OLD.session_id;
END;
--@end
--@postgres
CREATE FUNCTION enrollments_kpi() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.status IN ('attended', 'completed', 'failed', 'no_show') THEN
            UPDATE sessions SET
                kpi_came = kpi_came - CASE WHEN OLD.status IN ('attended', 'completed', 'failed') THEN 1 ELSE 0 END,
                kpi_no_show = kpi_no_show - CASE WHEN OLD.status = 'no_show' THEN 1 ELSE 0 END,
                kpi_completed = kpi_completed - CASE WHEN OLD.status = 'completed' THEN 1 ELSE 0 END
            WHERE id = OLD.session_id;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        IF NEW.status IN ('attended', 'completed', 'failed', 'no_show') THEN
            UPDATE sessions SET
                kpi_came = kpi_came + CASE WHEN NEW.status IN ('attended', 'completed', 'failed') THEN 1 ELSE 0 END,
                kpi_no_show = kpi_no_show + CASE WHEN NEW.status = 'no_show' THEN 1 ELSE 0 END,
                kpi_completed = kpi_completed + CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END
            WHERE id = NEW.session_id;
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER enrollments_kpi_insert AFTER INSERT OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION enrollments_kpi();
CREATE TRIGGER enrollments_kpi_update AFTER UPDATE OF status, session_id ON enrollments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.session_id IS DISTINCT FROM NEW.session_id)
    EXECUTE FUNCTION enrollments_kpi();
-- Status changes are rare: the session's figures are counted again from the raw rows.
CREATE FUNCTION session_status_changes_kpi() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid BIGINT;
BEGIN
    FOREACH sid IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY[NEW.session_id] WHEN 'DELETE' THEN ARRAY[OLD.session_id]
        ELSE ARRAY[OLD.session_id, NEW.session_id] END LOOP
        UPDATE sessions SET
            kpi_postponements = (SELECT count(*) FROM session_status_changes c WHERE c.session_id = sid AND c.event = 'postpone'),
            kpi_disruption_change = l.id, kpi_disruption_reason = l.reason, kpi_disruption_at = l.changed_at
        FROM (SELECT 1 AS one) z
        LEFT JOIN LATERAL (SELECT c.id, c.reason, c.changed_at FROM session_status_changes c
            WHERE c.session_id = sid AND c.event IN ('cancel', 'postpone') ORDER BY c.changed_at DESC, c.id DESC LIMIT 1) l ON TRUE
        WHERE sessions.id = sid;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER session_status_changes_kpi AFTER INSERT OR UPDATE OR DELETE ON session_status_changes
    FOR EACH ROW EXECUTE FUNCTION session_status_changes_kpi();
--@end
