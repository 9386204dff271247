-- On PostgreSQL, a change that found its session already marked (finance figures 0045,
-- compliance checklists 0046) did nothing with the mark (`ON CONFLICT DO NOTHING`): a refresh
-- could then take the mark and read the session before that change committed, and the figures
-- stayed stale with no mark left. Marking again now locks the mark (`DO UPDATE`), so the
-- transaction taking it waits for the change to commit and then reads it (migration 0050 marks the
-- KPI counts the same way). SQLite writes one transaction at a time and is unchanged. The
-- function bodies are those of 0045 and 0046 but for that clause (and `DISTINCT`, since a
-- `DO UPDATE` may not touch a row twice in one statement).

--@postgres
CREATE OR REPLACE FUNCTION sessions_finance_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finance_stale (session_id) VALUES (NEW.id) ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION sessions_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT OLD.id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT NEW.id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION courses_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f JOIN sessions s ON s.id = f.session_id WHERE s.course_id = OLD.id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f JOIN sessions s ON s.id = f.session_id WHERE s.course_id = NEW.id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION session_parts_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION instructor_contracts_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = OLD.instructor_id)) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = NEW.instructor_id)) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION assignments_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION instructors_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = OLD.id)) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT a.session_id FROM assignments a WHERE a.instructor_id = NEW.id)) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bookings_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = OLD.session_part_id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT p.session_id AS sid FROM session_parts p WHERE p.id = NEW.session_part_id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION resources_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT p.session_id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE b.resource_id = OLD.id)) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT f.session_id AS sid FROM session_finance_facts f WHERE f.session_id IN (SELECT p.session_id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id WHERE b.resource_id = NEW.id)) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION session_cost_lines_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION enrollments_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT OLD.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT NEW.session_id AS sid) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION invoices_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT OLD.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = OLD.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = OLD.id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT NEW.session_id AS sid UNION SELECT ci.session_id AS sid FROM invoices ci WHERE ci.id = NEW.credits_invoice_id UNION SELECT e.session_id AS sid FROM invoice_lines l JOIN enrollments e ON e.id = l.enrollment_id WHERE l.invoice_id = NEW.id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION invoice_lines_finance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = OLD.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = OLD.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = OLD.invoice_id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO finance_stale (session_id) SELECT DISTINCT sid FROM (SELECT e.session_id AS sid FROM enrollments e WHERE e.id = NEW.enrollment_id UNION SELECT i.session_id AS sid FROM invoices i WHERE i.id = NEW.invoice_id UNION SELECT ci.session_id AS sid FROM invoices i JOIN invoices ci ON ci.id = i.credits_invoice_id WHERE i.id = NEW.invoice_id) x WHERE sid IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION sessions_compliance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO compliance_stale (session_id) VALUES (NEW.id) ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION session_row_compliance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.session_id IS NOT NULL THEN
        INSERT INTO compliance_stale (session_id) VALUES (OLD.session_id) ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.session_id IS NOT NULL THEN
        INSERT INTO compliance_stale (session_id) VALUES (NEW.session_id) ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION instructor_compliance_mark(instructor BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO compliance_stale (session_id) SELECT DISTINCT a.session_id FROM assignments a
        WHERE a.instructor_id = instructor AND a.status IN ('accepted', 'confirmed')
        AND EXISTS (SELECT 1 FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id
            WHERE i.session_id = a.session_id AND i.met_at IS NULL AND r.kind = 'instructor_qualification')
    ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id;
$$;
--@end
