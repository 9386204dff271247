-- The profitability report and the finance KPIs summed the kept figures joined to the session
-- rows (wide rows, 87,000 of them for a year); which index drives that join is the planner's
-- choice, and newer SQLite versions chose to walk every session of each course or client
-- (0.4-1.1 s a request). The facts row now carries what the sums filter and group by, copied
-- from its session whenever its figures are kept, so a report reads one narrow table through
-- one index. A change to any of those session columns marks the session (the trigger below), and
-- a read first recomputes the marked sessions of its period, so the copy is never read stale.
ALTER TABLE session_finance_facts ADD COLUMN ends_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE session_finance_facts ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE session_finance_facts ADD COLUMN learners BIGINT NOT NULL DEFAULT 0;
ALTER TABLE session_finance_facts ADD COLUMN course_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE session_finance_facts ADD COLUMN client_id BIGINT;
ALTER TABLE session_finance_facts ADD COLUMN program_id BIGINT;
ALTER TABLE session_finance_facts ADD COLUMN venue_id BIGINT;
ALTER TABLE session_finance_facts ADD COLUMN delivery_mode TEXT NOT NULL DEFAULT '';
UPDATE session_finance_facts SET ends_at = s.ends_at, currency = s.currency, learners = s.booked_count,
    course_id = s.course_id, client_id = s.client_id, program_id = s.program_id, venue_id = s.venue_id,
    delivery_mode = s.delivery_mode
FROM sessions s WHERE s.id = session_finance_facts.session_id;
-- Facts of sessions no longer delivered, or archived, are dropped when their mark is taken.
INSERT INTO finance_stale (session_id) SELECT session_id FROM session_finance_facts f
    WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = f.session_id AND s.archived_at IS NULL
        AND s.status IN ('delivered', 'closed'))
    ON CONFLICT DO NOTHING;
-- Everything a sum reads, in the order of the period it is narrowed by: a covering read.
CREATE INDEX session_finance_facts_ends ON session_finance_facts (ends_at, currency, learners,
    revenue_minor, cost_minor, course_id, client_id, program_id, venue_id, delivery_mode, lead_instructor_id);
-- The KPI report's per-session counts (migrations 0037 and 0045) by the sessions' start, now
-- with every column its groups read (0037's index lacked the reasons, the end, the admin counts
-- and the slices, so the year's groups read the whole session rows).
DROP INDEX sessions_kpi_starts;
CREATE INDEX sessions_kpi_starts ON sessions (starts_at, archived_at, status, kpi_postponements,
    kpi_disruption_reason, status_reason, ends_at, capacity, booked_count, kpi_came, kpi_no_show,
    kpi_completed, kpi_staff_actions, kpi_admin_minutes, client_id, course_id, venue_id, delivery_mode);
-- Teaching parts by their time, for the utilization sums over a period, and each part's
-- assignments with what those sums read of them.
CREATE INDEX session_parts_times ON session_parts (starts_at, ends_at, status, session_id);
CREATE INDEX assignments_session_teaching ON assignments (session_id, status, instructor_id);

--@sqlite
DROP TRIGGER sessions_finance_update;
CREATE TRIGGER sessions_finance_update AFTER UPDATE OF status, visibility, currency, booked_count, course_id,
    client_id, program_id, venue_id, delivery_mode, ends_at, archived_at ON sessions
WHEN OLD.status IS NOT NEW.status OR OLD.visibility IS NOT NEW.visibility OR OLD.currency IS NOT NEW.currency
    OR OLD.booked_count IS NOT NEW.booked_count OR OLD.course_id IS NOT NEW.course_id
    OR OLD.client_id IS NOT NEW.client_id OR OLD.program_id IS NOT NEW.program_id OR OLD.venue_id IS NOT NEW.venue_id
    OR OLD.delivery_mode IS NOT NEW.delivery_mode OR OLD.ends_at IS NOT NEW.ends_at OR OLD.archived_at IS NOT NEW.archived_at
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) VALUES (NEW.id);
END;
--@end

--@postgres
DROP TRIGGER sessions_finance_update ON sessions;
CREATE TRIGGER sessions_finance_update AFTER UPDATE OF status, visibility, currency, booked_count, course_id,
    client_id, program_id, venue_id, delivery_mode, ends_at, archived_at ON sessions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.visibility IS DISTINCT FROM NEW.visibility
        OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.booked_count IS DISTINCT FROM NEW.booked_count
        OR OLD.course_id IS DISTINCT FROM NEW.course_id OR OLD.client_id IS DISTINCT FROM NEW.client_id
        OR OLD.program_id IS DISTINCT FROM NEW.program_id OR OLD.venue_id IS DISTINCT FROM NEW.venue_id
        OR OLD.delivery_mode IS DISTINCT FROM NEW.delivery_mode OR OLD.ends_at IS DISTINCT FROM NEW.ends_at
        OR OLD.archived_at IS DISTINCT FROM NEW.archived_at)
    EXECUTE FUNCTION sessions_finance();
--@end
