-- Compliance checklists kept current by marks (issue 16: the dashboard over 100,000 sessions in
-- under 300 ms). The dashboard used to bring every checklist up to date on each request: a scan of
-- requirement × session pairs and of every open item. Instead the database marks a session in
-- the transaction of whatever changes what decides its checklist or its system items (triggers
-- below: any code path, imports and bulk generators too), and the application brings only the
-- marked sessions up to date (`app::compliance::sync_marked`): before the dashboard reads, when
-- the worker passes, and for one session on its page. A new or changed requirement marks the
-- sessions of its client or course in the application's write (one INSERT … SELECT). A mark is
-- taken (deleted) by the transaction that syncs: a change committing meanwhile marks the session
-- again, so nothing is left stale. Overdue and late are decided at read time from the due
-- instant, so nothing needs a time-based pass.
CREATE TABLE compliance_stale (
    session_id BIGINT PRIMARY KEY
);
-- The certificates rule looks at a session's certificates.
CREATE INDEX certificates_session ON certificates (session_id);
-- The dashboard narrows by client or course: its items carry their session's (kept by the sync of
-- a marked session, which a session's change of client or course marks), so each page and count
-- reads one partial index instead of joining every open item to its session.
ALTER TABLE session_compliance_items ADD COLUMN client_id BIGINT;
ALTER TABLE session_compliance_items ADD COLUMN course_id BIGINT;
UPDATE session_compliance_items SET
    client_id = (SELECT s.client_id FROM sessions s WHERE s.id = session_compliance_items.session_id),
    course_id = (SELECT s.course_id FROM sessions s WHERE s.id = session_compliance_items.session_id);
CREATE INDEX session_compliance_items_client_open ON session_compliance_items (client_id, due_at, id) WHERE met_at IS NULL;
CREATE INDEX session_compliance_items_course_open ON session_compliance_items (course_id, due_at, id) WHERE met_at IS NULL;
CREATE INDEX session_compliance_items_client_late ON session_compliance_items (client_id, met_at, id) WHERE met_late = 1;
CREATE INDEX session_compliance_items_course_late ON session_compliance_items (course_id, met_at, id) WHERE met_late = 1;
-- Every session whose checklist may be missing items, and every session with open items, starts
-- out marked, so an existing database converges on the first pass.
INSERT INTO compliance_stale (session_id)
    SELECT id FROM sessions WHERE archived_at IS NULL AND status IN ('scheduled', 'confirmed', 'delivered', 'closed')
    UNION SELECT session_id FROM session_compliance_items WHERE met_at IS NULL;

--@sqlite
CREATE TRIGGER sessions_compliance_insert AFTER INSERT ON sessions
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.id);
END;
CREATE TRIGGER sessions_compliance_update AFTER UPDATE OF status, client_id, course_id, archived_at, ends_at, time_zone ON sessions
WHEN OLD.status IS NOT NEW.status OR OLD.client_id IS NOT NEW.client_id OR OLD.course_id IS NOT NEW.course_id
    OR OLD.archived_at IS NOT NEW.archived_at OR OLD.ends_at IS NOT NEW.ends_at OR OLD.time_zone IS NOT NEW.time_zone
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.id);
END;
CREATE TRIGGER certificates_compliance_insert AFTER INSERT ON certificates
WHEN NEW.session_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.session_id);
END;
CREATE TRIGGER certificates_compliance_update AFTER UPDATE OF session_id, enrollment_id ON certificates
WHEN NEW.session_id IS NOT NULL AND (OLD.session_id IS NOT NEW.session_id OR OLD.enrollment_id IS NOT NEW.enrollment_id)
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.session_id);
END;
-- Only a completed enrollment counts for the certificates rule.
CREATE TRIGGER enrollments_compliance_update AFTER UPDATE OF status, session_id ON enrollments
WHEN (OLD.status IS NOT NEW.status OR OLD.session_id IS NOT NEW.session_id) AND (OLD.status = 'completed' OR NEW.status = 'completed')
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (OLD.session_id);
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.session_id);
END;
CREATE TRIGGER enrollments_compliance_delete AFTER DELETE ON enrollments
WHEN OLD.status = 'completed'
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (OLD.session_id);
END;
CREATE TRIGGER assignments_compliance_insert AFTER INSERT ON assignments
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.session_id);
END;
CREATE TRIGGER assignments_compliance_update AFTER UPDATE OF status, instructor_id, session_id ON assignments
WHEN OLD.status IS NOT NEW.status OR OLD.instructor_id IS NOT NEW.instructor_id OR OLD.session_id IS NOT NEW.session_id
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (OLD.session_id);
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.session_id);
END;
CREATE TRIGGER assignments_compliance_delete AFTER DELETE ON assignments
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (OLD.session_id);
END;
-- An instructor's skills or qualifications: only the sessions they teach (accepted or confirmed)
-- that still have an open qualification item can change, so only those are marked.
CREATE TRIGGER instructors_compliance_update AFTER UPDATE OF skills ON instructors
WHEN OLD.skills IS NOT NEW.skills
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) SELECT a.session_id FROM assignments a
        WHERE a.instructor_id = NEW.id AND a.status IN ('accepted', 'confirmed')
        AND EXISTS (SELECT 1 FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id
            WHERE i.session_id = a.session_id AND i.met_at IS NULL AND r.kind = 'instructor_qualification');
END;
CREATE TRIGGER instructor_qualifications_compliance_insert AFTER INSERT ON instructor_qualifications
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) SELECT a.session_id FROM assignments a
        WHERE a.instructor_id = NEW.instructor_id AND a.status IN ('accepted', 'confirmed')
        AND EXISTS (SELECT 1 FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id
            WHERE i.session_id = a.session_id AND i.met_at IS NULL AND r.kind = 'instructor_qualification');
END;
CREATE TRIGGER instructor_qualifications_compliance_update AFTER UPDATE ON instructor_qualifications
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) SELECT a.session_id FROM assignments a
        WHERE a.instructor_id IN (OLD.instructor_id, NEW.instructor_id) AND a.status IN ('accepted', 'confirmed')
        AND EXISTS (SELECT 1 FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id
            WHERE i.session_id = a.session_id AND i.met_at IS NULL AND r.kind = 'instructor_qualification');
END;
CREATE TRIGGER instructor_qualifications_compliance_delete AFTER DELETE ON instructor_qualifications
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) SELECT a.session_id FROM assignments a
        WHERE a.instructor_id = OLD.instructor_id AND a.status IN ('accepted', 'confirmed')
        AND EXISTS (SELECT 1 FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id
            WHERE i.session_id = a.session_id AND i.met_at IS NULL AND r.kind = 'instructor_qualification');
END;
CREATE TRIGGER survey_invitations_compliance_insert AFTER INSERT ON survey_invitations
WHEN NEW.answered_at IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.session_id);
END;
CREATE TRIGGER survey_invitations_compliance_update AFTER UPDATE OF answered_at ON survey_invitations
WHEN OLD.answered_at IS NOT NEW.answered_at
BEGIN
    INSERT OR IGNORE INTO compliance_stale (session_id) VALUES (NEW.session_id);
END;
--@end

--@postgres
CREATE FUNCTION sessions_compliance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO compliance_stale (session_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_compliance_insert AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_compliance();
CREATE TRIGGER sessions_compliance_update AFTER UPDATE OF status, client_id, course_id, archived_at, ends_at, time_zone ON sessions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.client_id IS DISTINCT FROM NEW.client_id
        OR OLD.course_id IS DISTINCT FROM NEW.course_id OR OLD.archived_at IS DISTINCT FROM NEW.archived_at
        OR OLD.ends_at IS DISTINCT FROM NEW.ends_at OR OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION sessions_compliance();
-- The session of the row (NEW on insert and update, OLD on delete and update).
CREATE FUNCTION session_row_compliance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.session_id IS NOT NULL THEN
        INSERT INTO compliance_stale (session_id) VALUES (OLD.session_id) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.session_id IS NOT NULL THEN
        INSERT INTO compliance_stale (session_id) VALUES (NEW.session_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER certificates_compliance_insert AFTER INSERT ON certificates
    FOR EACH ROW EXECUTE FUNCTION session_row_compliance();
CREATE TRIGGER certificates_compliance_update AFTER UPDATE OF session_id, enrollment_id ON certificates
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id OR OLD.enrollment_id IS DISTINCT FROM NEW.enrollment_id)
    EXECUTE FUNCTION session_row_compliance();
-- Only a completed enrollment counts for the certificates rule.
CREATE TRIGGER enrollments_compliance_update AFTER UPDATE OF status, session_id ON enrollments
    FOR EACH ROW WHEN ((OLD.status IS DISTINCT FROM NEW.status OR OLD.session_id IS DISTINCT FROM NEW.session_id)
        AND (OLD.status = 'completed' OR NEW.status = 'completed'))
    EXECUTE FUNCTION session_row_compliance();
CREATE TRIGGER enrollments_compliance_delete AFTER DELETE ON enrollments
    FOR EACH ROW WHEN (OLD.status = 'completed')
    EXECUTE FUNCTION session_row_compliance();
CREATE TRIGGER assignments_compliance AFTER INSERT OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION session_row_compliance();
CREATE TRIGGER assignments_compliance_update AFTER UPDATE OF status, instructor_id, session_id ON assignments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.instructor_id IS DISTINCT FROM NEW.instructor_id
        OR OLD.session_id IS DISTINCT FROM NEW.session_id)
    EXECUTE FUNCTION session_row_compliance();
CREATE TRIGGER survey_invitations_compliance_insert AFTER INSERT ON survey_invitations
    FOR EACH ROW WHEN (NEW.answered_at IS NOT NULL)
    EXECUTE FUNCTION session_row_compliance();
CREATE TRIGGER survey_invitations_compliance_update AFTER UPDATE OF answered_at ON survey_invitations
    FOR EACH ROW WHEN (OLD.answered_at IS DISTINCT FROM NEW.answered_at)
    EXECUTE FUNCTION session_row_compliance();
-- An instructor's skills or qualifications: only the sessions they teach (accepted or confirmed)
-- that still have an open qualification item can change, so only those are marked.
CREATE FUNCTION instructor_compliance_mark(instructor BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO compliance_stale (session_id) SELECT a.session_id FROM assignments a
        WHERE a.instructor_id = instructor AND a.status IN ('accepted', 'confirmed')
        AND EXISTS (SELECT 1 FROM session_compliance_items i JOIN compliance_requirements r ON r.id = i.requirement_id
            WHERE i.session_id = a.session_id AND i.met_at IS NULL AND r.kind = 'instructor_qualification')
    ON CONFLICT DO NOTHING;
$$;
CREATE FUNCTION instructors_compliance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM instructor_compliance_mark(NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER instructors_compliance_update AFTER UPDATE OF skills ON instructors
    FOR EACH ROW WHEN (OLD.skills IS DISTINCT FROM NEW.skills)
    EXECUTE FUNCTION instructors_compliance();
CREATE FUNCTION instructor_qualifications_compliance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM instructor_compliance_mark(OLD.instructor_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM instructor_compliance_mark(NEW.instructor_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER instructor_qualifications_compliance AFTER INSERT OR UPDATE OR DELETE ON instructor_qualifications
    FOR EACH ROW EXECUTE FUNCTION instructor_qualifications_compliance();
--@end
