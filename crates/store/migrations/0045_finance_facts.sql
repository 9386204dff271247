-- The profitability report and the finance KPIs over a year (issue 15: 100,000 sessions,
-- 1,000,000 enrollments with their cost lines, under 500 ms) read each delivered session's revenue
-- and cost from a row kept per session instead of costing every session per request. A session's
-- figures come from a dozen tables (its parts, assignments and the instructors' rates and
-- contracts, bookings and the resources' rates, cost lines, enrollments, invoices and their
-- lines, the course), and costing them is a rule in `core::costs`, not SQL: so the database only
-- marks a session as stale, in the transaction of whatever changed (triggers below, any code path,
-- the bulk generators too), and the application recomputes the marked and missing sessions before
-- it reads (`app::costs::refresh_facts`) and in the background. A mark is taken (deleted) by the
-- transaction that recomputes: a change committing meanwhile marks the session again (on
-- PostgreSQL its insert waits for the taking transaction), so figures are never left stale.
-- `app::costs` still computes from the raw rows, and a test compares the two after random changes.
CREATE TABLE session_finance_facts (
    session_id BIGINT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    revenue_minor BIGINT NOT NULL,
    cost_minor BIGINT NOT NULL,
    -- The lead instructor the report groups by (the first paid lead, else the first paid).
    lead_instructor_id BIGINT
);
CREATE TABLE finance_stale (
    session_id BIGINT PRIMARY KEY
);
-- Delivered sessions by their end, with what the report sums and groups by (a covering read).
CREATE INDEX sessions_delivered_ends ON sessions (ends_at, status, archived_at, currency, booked_count,
    course_id, client_id, program_id, venue_id, delivery_mode, id);
-- Every delivered session starts out marked, and a session inserted (an import, a bulk load) is
-- marked by its insert: a delivered session without figures always has a mark, so a read only
-- has to look at the marks.
INSERT INTO finance_stale (session_id) SELECT id FROM sessions WHERE status IN ('delivered', 'closed');
-- The admin effort per session (staff actions from the audit trail, logged minutes) was counted
-- per request with a lookup of the audit trail per delivered session: kept on the session row
-- like the counts of 0037. Every audit event is first written to `audit_pending` (on both
-- databases, see `store::audit`), so counting its inserts counts each event once; the event is
-- attributed to the session its entity belonged to, by the actor's role, when it happened.
ALTER TABLE sessions ADD COLUMN kpi_staff_actions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN kpi_admin_minutes BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET
    kpi_staff_actions = (SELECT count(*) FROM audit_events ev JOIN users u ON u.id = ev.actor_user_id
        WHERE u.role IN ('admin', 'manager', 'coordinator', 'finance') AND (
        (ev.entity_type = 'session' AND ev.entity_id = sessions.id)
        OR (ev.entity_type = 'assignment' AND ev.entity_id IN (SELECT id FROM assignments WHERE session_id = sessions.id))
        OR (ev.entity_type = 'enrollment' AND ev.entity_id IN (SELECT id FROM enrollments WHERE session_id = sessions.id))))
      + (SELECT count(*) FROM audit_pending ev JOIN users u ON u.id = ev.actor_user_id
        WHERE u.role IN ('admin', 'manager', 'coordinator', 'finance') AND (
        (ev.entity_type = 'session' AND ev.entity_id = sessions.id)
        OR (ev.entity_type = 'assignment' AND ev.entity_id IN (SELECT id FROM assignments WHERE session_id = sessions.id))
        OR (ev.entity_type = 'enrollment' AND ev.entity_id IN (SELECT id FROM enrollments WHERE session_id = sessions.id)))),
    kpi_admin_minutes = (SELECT COALESCE(SUM(m.minutes), 0) FROM session_admin_time m WHERE m.session_id = sessions.id);

--@sqlite
CREATE TRIGGER sessions_finance_insert AFTER INSERT ON sessions
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) VALUES (NEW.id);
END;
CREATE TRIGGER audit_pending_kpi AFTER INSERT ON audit_pending
WHEN NEW.entity_type IN ('session', 'assignment', 'enrollment')
    AND EXISTS (SELECT 1 FROM users u WHERE u.id = NEW.actor_user_id AND u.role IN ('admin', 'manager', 'coordinator', 'finance'))
BEGIN
    UPDATE sessions SET kpi_staff_actions = kpi_staff_actions + 1 WHERE id = (CASE NEW.entity_type
        WHEN 'session' THEN NEW.entity_id
        WHEN 'assignment' THEN (SELECT a.session_id FROM assignments a WHERE a.id = NEW.entity_id)
        ELSE (SELECT e.session_id FROM enrollments e WHERE e.id = NEW.entity_id) END);
END;
CREATE TRIGGER session_admin_time_kpi_insert AFTER INSERT ON session_admin_time
BEGIN
    UPDATE sessions SET kpi_admin_minutes = kpi_admin_minutes + NEW.minutes WHERE id = NEW.session_id;
END;
CREATE TRIGGER session_admin_time_kpi_delete AFTER DELETE ON session_admin_time
BEGIN
    UPDATE sessions SET kpi_admin_minutes = kpi_admin_minutes - OLD.minutes WHERE id = OLD.session_id;
END;
CREATE TRIGGER session_admin_time_kpi_update AFTER UPDATE OF minutes, session_id ON session_admin_time
BEGIN
    UPDATE sessions SET kpi_admin_minutes = kpi_admin_minutes - OLD.minutes WHERE id = OLD.session_id;
    UPDATE sessions SET kpi_admin_minutes = kpi_admin_minutes + NEW.minutes WHERE id = NEW.session_id;
END;
CREATE TRIGGER sessions_finance_update AFTER UPDATE OF status, visibility, currency, booked_count, course_id ON sessions
WHEN OLD.status IS NOT NEW.status OR OLD.visibility IS NOT NEW.visibility OR OLD.currency IS NOT NEW.currency OR OLD.booked_count IS NOT NEW.booked_count OR OLD.course_id IS NOT NEW.course_id
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER courses_finance_update AFTER UPDATE OF hours_per_day, material_cost_minor, currency ON courses
WHEN OLD.hours_per_day IS NOT NEW.hours_per_day OR OLD.material_cost_minor IS NOT NEW.material_cost_minor OR OLD.currency IS NOT NEW.currency
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f JOIN sessions s ON s.id = f.session_id WHERE s.course_id = OLD.id) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f JOIN sessions s ON s.id = f.session_id WHERE s.course_id = NEW.id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER session_parts_finance_insert AFTER INSERT ON session_parts
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER session_parts_finance_delete AFTER DELETE ON session_parts
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER session_parts_finance_update AFTER UPDATE OF session_id, starts_at, ends_at, status ON session_parts
WHEN OLD.session_id IS NOT NEW.session_id OR OLD.starts_at IS NOT NEW.starts_at OR OLD.ends_at IS NOT NEW.ends_at OR OLD.status IS NOT NEW.status
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER instructor_contracts_finance_insert AFTER INSERT ON instructor_contracts
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = NEW.instructor_id)) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER instructor_contracts_finance_delete AFTER DELETE ON instructor_contracts
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = OLD.instructor_id)) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER instructor_contracts_finance_update AFTER UPDATE ON instructor_contracts
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = OLD.instructor_id)) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = NEW.instructor_id)) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER assignments_finance_insert AFTER INSERT ON assignments
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER assignments_finance_delete AFTER DELETE ON assignments
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER assignments_finance_update AFTER UPDATE OF session_id, instructor_id, role, status ON assignments
WHEN OLD.session_id IS NOT NEW.session_id OR OLD.instructor_id IS NOT NEW.instructor_id OR OLD.role IS NOT NEW.role OR OLD.status IS NOT NEW.status
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER instructors_finance_update AFTER UPDATE OF currency, day_rate_minor, hour_rate_minor ON instructors
WHEN OLD.currency IS NOT NEW.currency OR OLD.day_rate_minor IS NOT NEW.day_rate_minor OR OLD.hour_rate_minor IS NOT NEW.hour_rate_minor
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = OLD.id)) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = NEW.id)) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER bookings_finance_insert AFTER INSERT ON bookings
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = NEW.session_part_id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER bookings_finance_delete AFTER DELETE ON bookings
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = OLD.session_part_id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER bookings_finance_update AFTER UPDATE OF session_part_id, resource_id, status, quantity ON bookings
WHEN OLD.session_part_id IS NOT NEW.session_part_id OR OLD.resource_id IS NOT NEW.resource_id OR OLD.status IS NOT NEW.status OR OLD.quantity IS NOT NEW.quantity
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = OLD.session_part_id) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = NEW.session_part_id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER resources_finance_update AFTER UPDATE OF kind, day_rate_minor, rate_currency ON resources
WHEN OLD.kind IS NOT NEW.kind OR OLD.day_rate_minor IS NOT NEW.day_rate_minor OR OLD.rate_currency IS NOT NEW.rate_currency
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT p.session_id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE b.resource_id = OLD.id)) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT p.session_id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE b.resource_id = NEW.id)) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER session_cost_lines_finance_insert AFTER INSERT ON session_cost_lines
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER session_cost_lines_finance_delete AFTER DELETE ON session_cost_lines
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER session_cost_lines_finance_update AFTER UPDATE ON session_cost_lines
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER enrollments_finance_insert AFTER INSERT ON enrollments
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER enrollments_finance_delete AFTER DELETE ON enrollments
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER enrollments_finance_update AFTER UPDATE OF session_id, status, price_minor, currency ON enrollments
WHEN OLD.session_id IS NOT NEW.session_id OR OLD.status IS NOT NEW.status OR OLD.price_minor IS NOT NEW.price_minor OR OLD.currency IS NOT NEW.currency
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER invoices_finance_insert AFTER INSERT ON invoices
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = NEW.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = NEW.id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER invoices_finance_delete AFTER DELETE ON invoices
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = OLD.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = OLD.id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER invoices_finance_update AFTER UPDATE OF session_id, credits_invoice_id, status, archived_at, currency ON invoices
WHEN OLD.session_id IS NOT NEW.session_id OR OLD.credits_invoice_id IS NOT NEW.credits_invoice_id OR OLD.status IS NOT NEW.status OR OLD.archived_at IS NOT NEW.archived_at OR OLD.currency IS NOT NEW.currency
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = OLD.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = OLD.id) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = NEW.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = NEW.id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER invoice_lines_finance_insert AFTER INSERT ON invoice_lines
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = NEW.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = NEW.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = NEW.invoice_id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER invoice_lines_finance_delete AFTER DELETE ON invoice_lines
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = OLD.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = OLD.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = OLD.invoice_id) x WHERE sid IS NOT NULL;
END;
CREATE TRIGGER invoice_lines_finance_update AFTER UPDATE ON invoice_lines
BEGIN
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = OLD.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = OLD.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = OLD.invoice_id) x WHERE sid IS NOT NULL;
    INSERT OR IGNORE INTO finance_stale (session_id) SELECT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = NEW.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = NEW.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = NEW.invoice_id) x WHERE sid IS NOT NULL;
END;
--@end
--@postgres
CREATE FUNCTION sessions_finance_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finance_stale (session_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_finance_insert AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_finance_insert();
CREATE FUNCTION audit_pending_kpi() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.entity_type IN ('session', 'assignment', 'enrollment')
        AND EXISTS (SELECT 1 FROM users u WHERE u.id = NEW.actor_user_id AND u.role IN ('admin', 'manager', 'coordinator', 'finance')) THEN
        UPDATE sessions SET kpi_staff_actions = kpi_staff_actions + 1 WHERE id = (CASE NEW.entity_type
            WHEN 'session' THEN NEW.entity_id
            WHEN 'assignment' THEN (SELECT a.session_id FROM assignments a WHERE a.id = NEW.entity_id)
            ELSE (SELECT e.session_id FROM enrollments e WHERE e.id = NEW.entity_id) END);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER audit_pending_kpi AFTER INSERT ON audit_pending
    FOR EACH ROW EXECUTE FUNCTION audit_pending_kpi();
CREATE FUNCTION session_admin_time_kpi() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE sessions SET kpi_admin_minutes = kpi_admin_minutes - OLD.minutes WHERE id = OLD.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE sessions SET kpi_admin_minutes = kpi_admin_minutes + NEW.minutes WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_admin_time_kpi AFTER INSERT OR DELETE OR UPDATE OF minutes, session_id ON session_admin_time
    FOR EACH ROW EXECUTE FUNCTION session_admin_time_kpi();
CREATE FUNCTION sessions_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_finance_update AFTER UPDATE OF status, visibility, currency, booked_count, course_id ON sessions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.visibility IS DISTINCT FROM NEW.visibility OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.booked_count IS DISTINCT FROM NEW.booked_count OR OLD.course_id IS DISTINCT FROM NEW.course_id)
    EXECUTE FUNCTION sessions_finance();
CREATE FUNCTION courses_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f JOIN sessions s ON s.id = f.session_id WHERE s.course_id = OLD.id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f JOIN sessions s ON s.id = f.session_id WHERE s.course_id = NEW.id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER courses_finance_update AFTER UPDATE OF hours_per_day, material_cost_minor, currency ON courses
    FOR EACH ROW WHEN (OLD.hours_per_day IS DISTINCT FROM NEW.hours_per_day OR OLD.material_cost_minor IS DISTINCT FROM NEW.material_cost_minor OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION courses_finance();
CREATE FUNCTION session_parts_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_parts_finance AFTER INSERT OR DELETE ON session_parts
    FOR EACH ROW EXECUTE FUNCTION session_parts_finance();
CREATE TRIGGER session_parts_finance_update AFTER UPDATE OF session_id, starts_at, ends_at, status ON session_parts
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.ends_at IS DISTINCT FROM NEW.ends_at OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION session_parts_finance();
CREATE FUNCTION instructor_contracts_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = OLD.instructor_id)) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = NEW.instructor_id)) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER instructor_contracts_finance AFTER INSERT OR DELETE ON instructor_contracts
    FOR EACH ROW EXECUTE FUNCTION instructor_contracts_finance();
CREATE TRIGGER instructor_contracts_finance_update AFTER UPDATE ON instructor_contracts
    FOR EACH ROW
    EXECUTE FUNCTION instructor_contracts_finance();
CREATE FUNCTION assignments_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER assignments_finance AFTER INSERT OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignments_finance();
CREATE TRIGGER assignments_finance_update AFTER UPDATE OF session_id, instructor_id, role, status ON assignments
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.instructor_id IS DISTINCT FROM NEW.instructor_id OR OLD.role IS DISTINCT FROM NEW.role OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION assignments_finance();
CREATE FUNCTION instructors_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = OLD.id)) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = NEW.id)) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER instructors_finance_update AFTER UPDATE OF currency, day_rate_minor, hour_rate_minor ON instructors
    FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency OR OLD.day_rate_minor IS DISTINCT FROM NEW.day_rate_minor OR OLD.hour_rate_minor IS DISTINCT FROM NEW.hour_rate_minor)
    EXECUTE FUNCTION instructors_finance();
CREATE FUNCTION bookings_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = OLD.session_part_id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = NEW.session_part_id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bookings_finance AFTER INSERT OR DELETE ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_finance();
CREATE TRIGGER bookings_finance_update AFTER UPDATE OF session_part_id, resource_id, status, quantity ON bookings
    FOR EACH ROW WHEN (OLD.session_part_id IS DISTINCT FROM NEW.session_part_id OR OLD.resource_id IS DISTINCT FROM NEW.resource_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.quantity IS DISTINCT FROM NEW.quantity)
    EXECUTE FUNCTION bookings_finance();
CREATE FUNCTION resources_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT p.session_id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE b.resource_id = OLD.id)) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT p.session_id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE b.resource_id = NEW.id)) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER resources_finance_update AFTER UPDATE OF kind, day_rate_minor, rate_currency ON resources
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.day_rate_minor IS DISTINCT FROM NEW.day_rate_minor OR OLD.rate_currency IS DISTINCT FROM NEW.rate_currency)
    EXECUTE FUNCTION resources_finance();
CREATE FUNCTION session_cost_lines_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER session_cost_lines_finance AFTER INSERT OR DELETE ON session_cost_lines
    FOR EACH ROW EXECUTE FUNCTION session_cost_lines_finance();
CREATE TRIGGER session_cost_lines_finance_update AFTER UPDATE ON session_cost_lines
    FOR EACH ROW
    EXECUTE FUNCTION session_cost_lines_finance();
CREATE FUNCTION enrollments_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER enrollments_finance AFTER INSERT OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION enrollments_finance();
CREATE TRIGGER enrollments_finance_update AFTER UPDATE OF session_id, status, price_minor, currency ON enrollments
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.price_minor IS DISTINCT FROM NEW.price_minor OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION enrollments_finance();
CREATE FUNCTION invoices_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT OLD.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = OLD.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = OLD.id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT NEW.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = NEW.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = NEW.id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invoices_finance AFTER INSERT OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_finance();
CREATE TRIGGER invoices_finance_update AFTER UPDATE OF session_id, credits_invoice_id, status, archived_at, currency ON invoices
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.credits_invoice_id IS DISTINCT FROM NEW.credits_invoice_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.archived_at IS DISTINCT FROM NEW.archived_at OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION invoices_finance();
CREATE FUNCTION invoice_lines_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = OLD.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = OLD.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = OLD.invoice_id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = NEW.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = NEW.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = NEW.invoice_id) x WHERE sid IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invoice_lines_finance AFTER INSERT OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_finance();
CREATE TRIGGER invoice_lines_finance_update AFTER UPDATE ON invoice_lines
    FOR EACH ROW
    EXECUTE FUNCTION invoice_lines_finance();
--@end
