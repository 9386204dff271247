-- The operations report over a year (issue 17: 100,000 sessions, the whole page under 300 ms)
-- still counted every session of the period in groups and summed the teaching minutes by joining
-- every part of the period to its session and assignments: 200-700 ms each on a year. Both are now
-- kept summed ahead:
--   * the sessions' counts per quarter hour of their start (`starts_at / 900000`): a report's
--     local days, weeks and months start on a quarter hour in every time zone, so a period's
--     groups are sums of whole quarters;
--   * the teaching, one narrow row per scheduled part and accepted or confirmed instructor of a
--     held session, read without the three-way join.
-- Like the finance figures (0045), the database only marks what changed, in the transaction of
-- the change (triggers below, every code path and the bulk generators too): the session and the
-- quarter it started in, before and after a move. A read first recounts the marked quarters and
-- sessions (`app::kpi_kept::refresh`); a test compares the kept counts with the raw rows after
-- random changes. On PostgreSQL a mark that exists is locked by the change that marks it again
-- (`DO UPDATE`), so the transaction taking it waits for that change and then counts it.
CREATE TABLE session_kpi_quarters (
    quarter BIGINT NOT NULL,
    status TEXT NOT NULL,
    postponed BIGINT NOT NULL,
    reason TEXT,
    sessions BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    booked BIGINT NOT NULL,
    came BIGINT NOT NULL,
    no_show BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    staff_actions BIGINT NOT NULL,
    admin_minutes BIGINT NOT NULL,
    first_start BIGINT NOT NULL,
    first_end BIGINT NOT NULL,
    last_end BIGINT NOT NULL
);
CREATE INDEX session_kpi_quarters_quarter ON session_kpi_quarters (quarter);
CREATE TABLE kpi_teaching (
    session_id BIGINT NOT NULL,
    instructor_id BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL
);
CREATE INDEX kpi_teaching_session ON kpi_teaching (session_id);
CREATE INDEX kpi_teaching_times ON kpi_teaching (starts_at, ends_at, instructor_id);
CREATE TABLE kpi_stale (
    session_id BIGINT NOT NULL,
    quarter BIGINT NOT NULL,
    PRIMARY KEY (quarter, session_id)
);
INSERT INTO session_kpi_quarters (quarter, status, postponed, reason, sessions, capacity, booked, came,
    no_show, completed, staff_actions, admin_minutes, first_start, first_end, last_end)
SELECT s.starts_at / 900000, s.status, CASE WHEN s.kpi_postponements > 0 THEN 1 ELSE 0 END,
    COALESCE(s.kpi_disruption_reason, s.status_reason), COUNT(*), SUM(s.capacity), SUM(s.booked_count),
    SUM(s.kpi_came), SUM(s.kpi_no_show), SUM(s.kpi_completed), SUM(s.kpi_staff_actions),
    SUM(s.kpi_admin_minutes), MIN(s.starts_at), MIN(s.ends_at), MAX(s.ends_at)
FROM sessions s WHERE s.archived_at IS NULL
GROUP BY s.starts_at / 900000, s.status, CASE WHEN s.kpi_postponements > 0 THEN 1 ELSE 0 END,
    COALESCE(s.kpi_disruption_reason, s.status_reason);
INSERT INTO kpi_teaching (session_id, instructor_id, starts_at, ends_at)
SELECT s.id, a.instructor_id, p.starts_at, p.ends_at
FROM session_parts p JOIN sessions s ON s.id = p.session_id JOIN assignments a ON a.session_id = s.id
WHERE s.archived_at IS NULL AND s.status IN ('scheduled', 'confirmed', 'delivered', 'closed')
    AND p.status = 'scheduled' AND a.status IN ('accepted', 'confirmed');

--@sqlite
CREATE TRIGGER sessions_kpi_kept_insert AFTER INSERT ON sessions
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) VALUES (NEW.id, NEW.starts_at / 900000);
END;
CREATE TRIGGER sessions_kpi_kept_delete AFTER DELETE ON sessions
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) VALUES (OLD.id, OLD.starts_at / 900000);
END;
CREATE TRIGGER sessions_kpi_kept_update AFTER UPDATE OF starts_at, ends_at, status, archived_at, capacity,
    booked_count, kpi_came, kpi_no_show, kpi_completed, kpi_postponements, kpi_disruption_reason,
    status_reason, kpi_staff_actions, kpi_admin_minutes ON sessions
WHEN OLD.starts_at IS NOT NEW.starts_at OR OLD.ends_at IS NOT NEW.ends_at OR OLD.status IS NOT NEW.status
    OR OLD.archived_at IS NOT NEW.archived_at OR OLD.capacity IS NOT NEW.capacity
    OR OLD.booked_count IS NOT NEW.booked_count OR OLD.kpi_came IS NOT NEW.kpi_came
    OR OLD.kpi_no_show IS NOT NEW.kpi_no_show OR OLD.kpi_completed IS NOT NEW.kpi_completed
    OR OLD.kpi_postponements IS NOT NEW.kpi_postponements
    OR OLD.kpi_disruption_reason IS NOT NEW.kpi_disruption_reason OR OLD.status_reason IS NOT NEW.status_reason
    OR OLD.kpi_staff_actions IS NOT NEW.kpi_staff_actions OR OLD.kpi_admin_minutes IS NOT NEW.kpi_admin_minutes
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) VALUES (OLD.id, OLD.starts_at / 900000);
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) VALUES (NEW.id, NEW.starts_at / 900000);
END;
CREATE TRIGGER session_parts_kpi_kept_insert AFTER INSERT ON session_parts
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = NEW.session_id;
END;
CREATE TRIGGER session_parts_kpi_kept_delete AFTER DELETE ON session_parts
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = OLD.session_id;
END;
CREATE TRIGGER session_parts_kpi_kept_update AFTER UPDATE OF session_id, starts_at, ends_at, status ON session_parts
WHEN OLD.session_id IS NOT NEW.session_id OR OLD.starts_at IS NOT NEW.starts_at OR OLD.ends_at IS NOT NEW.ends_at
    OR OLD.status IS NOT NEW.status
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = OLD.session_id;
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = NEW.session_id;
END;
CREATE TRIGGER assignments_kpi_kept_insert AFTER INSERT ON assignments
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = NEW.session_id;
END;
CREATE TRIGGER assignments_kpi_kept_delete AFTER DELETE ON assignments
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = OLD.session_id;
END;
CREATE TRIGGER assignments_kpi_kept_update AFTER UPDATE OF session_id, instructor_id, status ON assignments
WHEN OLD.session_id IS NOT NEW.session_id OR OLD.instructor_id IS NOT NEW.instructor_id OR OLD.status IS NOT NEW.status
BEGIN
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = OLD.session_id;
    INSERT OR IGNORE INTO kpi_stale (session_id, quarter) SELECT s.id, s.starts_at / 900000 FROM sessions s WHERE s.id = NEW.session_id;
END;
--@end

--@postgres
CREATE FUNCTION kpi_mark(sid BIGINT, q BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF sid IS NOT NULL AND q IS NOT NULL THEN
        INSERT INTO kpi_stale (session_id, quarter) VALUES (sid, q)
            ON CONFLICT (quarter, session_id) DO UPDATE SET quarter = EXCLUDED.quarter;
    END IF;
END $$;
CREATE FUNCTION sessions_kpi_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM kpi_mark(OLD.id, OLD.starts_at / 900000);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM kpi_mark(NEW.id, NEW.starts_at / 900000);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_kpi_kept_insert AFTER INSERT OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_kpi_kept();
CREATE TRIGGER sessions_kpi_kept_update AFTER UPDATE OF starts_at, ends_at, status, archived_at, capacity,
    booked_count, kpi_came, kpi_no_show, kpi_completed, kpi_postponements, kpi_disruption_reason,
    status_reason, kpi_staff_actions, kpi_admin_minutes ON sessions
    FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.ends_at IS DISTINCT FROM NEW.ends_at
        OR OLD.status IS DISTINCT FROM NEW.status OR OLD.archived_at IS DISTINCT FROM NEW.archived_at
        OR OLD.capacity IS DISTINCT FROM NEW.capacity OR OLD.booked_count IS DISTINCT FROM NEW.booked_count
        OR OLD.kpi_came IS DISTINCT FROM NEW.kpi_came OR OLD.kpi_no_show IS DISTINCT FROM NEW.kpi_no_show
        OR OLD.kpi_completed IS DISTINCT FROM NEW.kpi_completed
        OR OLD.kpi_postponements IS DISTINCT FROM NEW.kpi_postponements
        OR OLD.kpi_disruption_reason IS DISTINCT FROM NEW.kpi_disruption_reason
        OR OLD.status_reason IS DISTINCT FROM NEW.status_reason
        OR OLD.kpi_staff_actions IS DISTINCT FROM NEW.kpi_staff_actions
        OR OLD.kpi_admin_minutes IS DISTINCT FROM NEW.kpi_admin_minutes)
    EXECUTE FUNCTION sessions_kpi_kept();
-- Parts and assignments mark their session (as it starts now).
CREATE FUNCTION session_of_kpi_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM kpi_mark(s.id, s.starts_at / 900000) FROM sessions s WHERE s.id = OLD.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM kpi_mark(s.id, s.starts_at / 900000) FROM sessions s WHERE s.id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_parts_kpi_kept AFTER INSERT OR DELETE ON session_parts
    FOR EACH ROW EXECUTE FUNCTION session_of_kpi_kept();
CREATE TRIGGER session_parts_kpi_kept_update AFTER UPDATE OF session_id, starts_at, ends_at, status ON session_parts
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.starts_at IS DISTINCT FROM NEW.starts_at
        OR OLD.ends_at IS DISTINCT FROM NEW.ends_at OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION session_of_kpi_kept();
CREATE TRIGGER assignments_kpi_kept AFTER INSERT OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION session_of_kpi_kept();
CREATE TRIGGER assignments_kpi_kept_update AFTER UPDATE OF session_id, instructor_id, status ON assignments
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.instructor_id IS DISTINCT FROM NEW.instructor_id
        OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION session_of_kpi_kept();
--@end
